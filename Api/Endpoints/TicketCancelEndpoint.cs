using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using TongBan.Api.Security;
using TongBan.Grains.Common;
using TongBan.Grains.Halls;
using TongBan.Grains.Queues;

namespace TongBan.Api.Endpoints;

/// <summary><c>POST /api/halls/{hallCode}/tickets/{ticketNo}/cancel</c>.</summary>
/// <param name="CancelToken">取消码 from the take answer (<c>cancelToken</c>), printed on the slip.</param>
public sealed record CancelTicketRequest(string? CancelToken);

public static class TicketCancelEndpoint
{
    /// <summary>How many transfer hand-offs a cancel follows to the queue now holding the ticket (as the ticket look-up does).</summary>
    private const int MaxHops = 8;

    public static RouteHandlerBuilder MapTicketCancel(this RouteGroupBuilder halls) =>
        halls.MapPost("/tickets/{ticketNo}/cancel", async Task<Results<Ok<TicketDto>, ValidationProblem, ProblemHttpResult>> (
            HallRoute routeHall, string hallCode, string ticketNo, CancelTicketRequest? body, ServicePointDirectory directory, IGrainFactory grains,
            CancelTokens cancelTokens, TimeProvider clock) =>
        {
            if (!TicketNumber.TryParse(ticketNo, out var category, out _))
            {
                return Problems.Invalid("ticketNo", "A ticket number looks like A012.");
            }

            if (body?.CancelToken is not { Length: > 0 } token)
            {
                return Problems.Invalid("cancelToken", "cancelToken (取消码, returned when the ticket was taken) is required.");
            }

            if (token.Length > 64)
            {
                return Problems.Invalid("cancelToken", $"cancelToken has {CancelTokens.Length} characters.");
            }

            if (routeHall.Point.Categories.All(c => c.Code != category))
            {
                return Problems.NotFound("Ticket", ticketNo);
            }

            // The queue now holding the ticket: a transferred ticket keeps its number (A012 may now wait in B).
            var queue = grains.Line(hallCode, category);
            var status = await queue.GetStatus(ticketNo);
            for (var hops = 0; hops < MaxHops && status?.Ticket is { State: TicketState.Transferred, TransferredTo: { } next }; hops++)
            {
                var there = grains.Line(hallCode, next);
                if (await there.GetStatus(ticketNo) is not { } moved)
                {
                    break;
                }

                (queue, status) = (there, moved);
            }

            if (status is null)
            {
                return Problems.NotFound("Ticket", ticketNo);
            }

            // Today's ticket with this number only: yesterday's A001 token does not cancel today's A001.
            var issuedDay = DateOnly.FromDateTime(status.Ticket.IssuedAt.ToOffset(ChinaTime.Offset).DateTime);
            if (!cancelTokens.TryVerify(hallCode, ticketNo, token, out var day) || day != issuedDay)
            {
                return Problems.Forbidden($"This cancelToken does not belong to ticket {ticketNo} of {hallCode} today; nothing was changed.");
            }

            if (status.Ticket.State == TicketState.Cancelled)
            {
                return TypedResults.Ok(TicketDto.From(hallCode, status)); // a repeat: already done, answered the same
            }

            var result = await queue.Act(TicketAction.Cancel, ticketNo);
            if (result.IsOk || result.Violation is { State: TicketState.Cancelled })
            {
                return TypedResults.Ok(TicketDto.From(hallCode, await queue.GetStatus(ticketNo) ?? status));
            }

            var v = result.Violation!;
            return v.Code == QueueViolationCode.UnknownTicket
                ? Problems.NotFound("Ticket", ticketNo)
                : Problems.Conflict($"{v.Message} / {v.MessageZh}", new Dictionary<string, object?>
                {
                    ["code"] = "invalidState",
                    ["ticketNo"] = ticketNo,
                    ["state"] = v.State is { } s ? TicketWire.State(s) : null,
                    ["allowedActions"] = AllowedActions(v.State),
                });
        })
        .AllowAnonymous()
        .RequireRateLimiting(RateLimitPolicies.TicketTaking)
        .WithTags("Queue")
        .WithSummary("取消: the citizen withdraws their ticket with the cancelToken returned when it was taken (no sign-in).")
        .WithDescription("Allowed while the ticket waits, is parked or is called (a called ticket frees its window). Wrong or " +
            "another day's token → 403 and nothing changes; unknown ticket → 404; served, being served, no-show → 409 naming the " +
            "state and the citizen's allowed actions; cancelling a cancelled ticket again with its token → 200, the same answer.");

    /// <summary>What the ticket's holder may still do in this state (for the 409).</summary>
    private static string[] AllowedActions(TicketState? state) => state switch
    {
        TicketState.Waiting or TicketState.Parked or TicketState.Called => ["cancel"],
        TicketState.Done => ["rate"],
        _ => [],
    };
}
