using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using TongBan.Api.Security;
using TongBan.Grains.Common;
using TongBan.Grains.Halls;
using TongBan.Grains.Queues;
using TongBan.Grains.Ratings;
using TongBan.Grains.Windows;

namespace TongBan.Api.Endpoints;

/// <summary><c>POST /api/halls/{hallCode}/tickets</c>.</summary>
/// <param name="Kind">walkIn, remote or kiosk (appointment tickets come from check-in).</param>
/// <param name="Priority">normal (default), greenChannel (老年人、残疾人、孕妇 绿色通道) or assisted (帮办代办).</param>
public sealed record TakeTicketRequest(string? Category, string? Kind, string? Priority, string? AppointmentId);

/// <param name="RatingToken">评价码: printed on the slip (QR) and kept by the phone that took the ticket; rates this ticket once it is served (POST /api/ratings).</param>
public sealed record TicketTakenDto(string HallCode, string TicketNo, string Category, int? Position, int? PredictedWaitMinutes, DateTimeOffset IssuedAt, string? RatingToken = null);

public sealed record TicketDto(string HallCode, string TicketNo, string Category, string State, int? Position, int? PredictedWaitMinutes, int? WindowNo)
{
    public static TicketDto From(string hallCode, TicketStatus status) => new(
        hallCode, status.Ticket.Number, status.Ticket.Category, TicketWire.State(status.Ticket.State),
        status.Position, status.PredictedWaitMinutes, status.Ticket.WindowNo);
}

public sealed record CalledTicketDto(string TicketNo, string Category, int WindowNo);

public sealed record WindowTicketDto(string TicketNo, string Category, string State, int? WindowNo);

public sealed record WindowStateDto(int WindowNo, string State, string? Clerk, IReadOnlyList<string> Categories, string? CurrentTicket, string? CurrentState, int ServedToday)
{
    public static WindowStateDto From(WindowView v) => new(
        v.WindowNo, v.Status.ToString().ToLowerInvariant(), v.Clerk, v.Categories, v.Current?.TicketNo,
        v.Current is null ? null : TicketWire.State(v.Current.State), v.ServedToday);
}

public sealed record TransferRequest(string? ToCategory, int? ToWindow);

public static class QueueEndpoints
{
    public const int MaxIdempotencyKeyLength = 64;

    public static RouteGroupBuilder MapQueueEndpoints(this IEndpointRouteBuilder routes)
    {
        var halls = routes.MapGroup("/api/halls/{hallCode}").WithTags("Queue");

        // Ticket taking is public: kiosks, the mobile app (remote tickets) and walk-in screens.
        halls.MapPost("/tickets", async Task<Results<Ok<TicketTakenDto>, ValidationProblem, ProblemHttpResult>> (
            string hallCode, TakeTicketRequest body, [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey,
            ServicePointDirectory directory, IGrainFactory grains, RatingTokens ratingTokens) =>
        {
            var lookup = HallLookup.Of(hallCode, directory);
            if (lookup.Invalid is { } invalid)
            {
                return invalid;
            }

            if (lookup.Missing is { } missing)
            {
                return missing;
            }

            if (ValidateKey(idempotencyKey) is { } badKey)
            {
                return badKey;
            }

            if (body.AppointmentId is not null || string.Equals(body.Kind, "appointment", StringComparison.OrdinalIgnoreCase))
            {
                return Problems.Invalid("appointmentId", "Appointment tickets are issued by check-in: POST /api/halls/{hallCode}/appointments/{id}/check-in.");
            }

            if (body.Category is null || !TicketNumber.IsCategoryCode(body.Category))
            {
                return Problems.Invalid("category", "category is one capital letter, e.g. A.");
            }

            if (lookup.Point!.Categories.All(c => c.Code != body.Category))
            {
                return Problems.NotFound($"Queue category of {hallCode}", body.Category);
            }

            if (!Wire.TryParse<TicketKind>(body.Kind ?? "walkIn", out var kind))
            {
                return Problems.Invalid("kind", "kind is walkIn, remote or kiosk.");
            }

            if (!TryPriority(body.Priority, out var priority))
            {
                return Problems.Invalid("priority", "priority is normal, greenChannel or assisted.");
            }

            var hall = grains.GetGrain<IHallGrain>(hallCode);
            if ((await hall.GetServiceStatus()).Suspended)
            {
                return Problems.Conflict($"{lookup.Point.Name} has suspended service; no tickets are issued.");
            }

            var result = await grains.GetGrain<IQueueGrain>(QueueKeys.Of(hallCode, body.Category))
                .Take(new TicketRequest(kind, priority, null, idempotencyKey));
            if (!result.IsOk)
            {
                return QueueProblem(result.Violation!);
            }

            var t = result.Value;
            var day = DateOnly.FromDateTime(t.Ticket.IssuedAt.ToOffset(ChinaTime.Offset).DateTime);
            return TypedResults.Ok(new TicketTakenDto(hallCode, t.Ticket.Number, t.Ticket.Category, t.Position, t.PredictedWaitMinutes, t.Ticket.IssuedAt,
                ratingTokens.Issue(hallCode, day, t.Ticket.Number)));
        })
        .AllowAnonymous()
        .RequireRateLimiting(RateLimitPolicies.TicketTaking)
        .WithSummary("取号: take a ticket (walkIn, remote, kiosk). Idempotency-Key makes a retry return the same ticket.");

        halls.MapGet("/tickets/{ticketNo}", async Task<Results<Ok<TicketDto>, ValidationProblem, ProblemHttpResult>> (
            string hallCode, string ticketNo, ServicePointDirectory directory, IGrainFactory grains) =>
        {
            var lookup = HallLookup.Of(hallCode, directory);
            if (lookup.Invalid is { } invalid)
            {
                return invalid;
            }

            if (lookup.Missing is { } missing)
            {
                return missing;
            }

            if (!TicketNumber.TryParse(ticketNo, out var category, out _))
            {
                return Problems.Invalid("ticketNo", "A ticket number looks like A012.");
            }

            if (lookup.Point!.Categories.All(c => c.Code != category))
            {
                return Problems.NotFound("Ticket", ticketNo);
            }

            // A transferred ticket keeps its number (A012 may now wait in B): follow the hand-offs.
            var status = await grains.GetGrain<IQueueGrain>(QueueKeys.Of(hallCode, category)).GetStatus(ticketNo);
            for (var hops = 0; hops < 8 && status?.Ticket is { State: TicketState.Transferred, TransferredTo: { } next }; hops++)
            {
                status = await grains.GetGrain<IQueueGrain>(QueueKeys.Of(hallCode, next)).GetStatus(ticketNo) ?? status;
            }

            return status is null ? Problems.NotFound("Ticket", ticketNo) : TypedResults.Ok(TicketDto.From(hallCode, status));
        })
        .AllowAnonymous()
        .WithSummary("A ticket today: state, position, predicted wait, window once called.");

        halls.MapGet("/queues/{category}", async Task<Results<Ok<QueueView>, ValidationProblem, ProblemHttpResult, ForbidHttpResult>> (
            string hallCode, string category, ClaimsPrincipal user, ServicePointDirectory directory, IGrainFactory grains) =>
        {
            var lookup = HallLookup.Of(hallCode, directory);
            if (lookup.Invalid is { } invalid)
            {
                return invalid;
            }

            if (lookup.Missing is { } missing)
            {
                return missing;
            }

            if (!user.MaySeeHallInternals(hallCode))
            {
                return TypedResults.Forbid();
            }

            if (lookup.Point!.Categories.All(c => c.Code != category))
            {
                return Problems.NotFound($"Queue category of {hallCode}", category);
            }

            return TypedResults.Ok(await grains.GetGrain<IQueueGrain>(QueueKeys.Of(hallCode, category)).GetView());
        })
        .RequireAuthorization(Policies.Staff)
        .WithSummary("A queue's figures today: counts by state, waits (average, p90, prediction error), service time.")
        .WithDescription("Whole minutes and a whole count of serving windows. noWindow: tickets wait and no open window serves the " +
            "category (predictedWaitMinutes null). waits.predicted is the number of tickets the error rests on; the error is null below 10. " +
            "serviceSamples: recent services behind meanServiceMinutes (below 5 the 6-minute prior applies).");

        MapWindowRoutes(halls);
        return halls;
    }

    private static void MapWindowRoutes(RouteGroupBuilder halls)
    {
        var windows = halls.MapGroup("/windows/{windowNo:int}").WithTags("Windows").RequireAuthorization(Policies.WindowOperations);

        windows.MapGet("/", (string hallCode, int windowNo, ClaimsPrincipal user, ServicePointDirectory directory, IGrainFactory grains) =>
            Run(hallCode, windowNo, user, directory, grains, async w => Ok(await w.GetView())))
            .WithSummary("The window: state, clerk, current ticket, served today.");

        windows.MapPost("/open", (string hallCode, int windowNo, ClaimsPrincipal user, ServicePointDirectory directory, IGrainFactory grains) =>
            Run(hallCode, windowNo, user, directory, grains, async w => Window(await w.Open(user.Claim(TongBanClaims.Subject)))))
            .WithSummary("Open the window; the caller signs in as its clerk.");
        windows.MapPost("/pause", (string hallCode, int windowNo, ClaimsPrincipal user, ServicePointDirectory directory, IGrainFactory grains) =>
            Run(hallCode, windowNo, user, directory, grains, async w => Window(await w.Pause())))
            .WithSummary("Pause; a called ticket goes back to the head of its queue.");
        windows.MapPost("/close", (string hallCode, int windowNo, ClaimsPrincipal user, ServicePointDirectory directory, IGrainFactory grains) =>
            Run(hallCode, windowNo, user, directory, grains, async w => Window(await w.Close())))
            .WithSummary("Close; a called ticket goes back to the head, tickets reserved for this window are freed. 409 while serving.");

        windows.MapPost("/call-next", (string hallCode, int windowNo, [FromHeader(Name = "Idempotency-Key")] string? key, ClaimsPrincipal user, ServicePointDirectory directory, IGrainFactory grains) =>
            ValidateKey(key) is { } bad ? Task.FromResult<IResult>(bad) : Run(hallCode, windowNo, user, directory, grains, async w =>
            {
                var reply = await w.CallNext(key);
                if (!reply.IsOk)
                {
                    return WindowProblem(reply.Violation!);
                }

                return reply.Ticket is { } t ? TypedResults.Ok(new CalledTicketDto(t.Number, t.Category, windowNo)) : TypedResults.NoContent();
            }))
            .Produces<CalledTicketDto>()
            .Produces(StatusCodes.Status204NoContent)
            .WithSummary("叫号: call the next ticket this window serves (categories in preference order); 204 when none waits.");

        foreach (var (route, command, summary) in new[]
        {
            ("recall", WindowCommand.Recall, "重呼: announce the called ticket again."),
            ("no-show", WindowCommand.NoShow, "过号: the called citizen did not come (after the required recalls)."),
            ("start", WindowCommand.Start, "开始办理: the citizen is at the window."),
            ("finish", WindowCommand.Finish, "办结: service finished. Idempotency-Key makes a retry return the first answer."),
            ("skip", WindowCommand.Skip, "过号顺延: put the called ticket back; it is called again after a few others."),
        })
        {
            windows.MapPost("/" + route, (string hallCode, int windowNo, [FromHeader(Name = "Idempotency-Key")] string? key, ClaimsPrincipal user, ServicePointDirectory directory, IGrainFactory grains) =>
                ValidateKey(key) is { } bad ? Task.FromResult<IResult>(bad) : Run(hallCode, windowNo, user, directory, grains, async w => Ticket(await w.Act(command, key), windowNo)))
                .Produces<WindowTicketDto>()
                .WithSummary(summary);
        }

        windows.MapPost("/transfer", (string hallCode, int windowNo, TransferRequest body, [FromHeader(Name = "Idempotency-Key")] string? key, ClaimsPrincipal user, ServicePointDirectory directory, IGrainFactory grains) =>
            ValidateKey(key) is { } bad ? Task.FromResult<IResult>(bad) : Run(hallCode, windowNo, user, directory, grains, async w =>
            {
                if (body.ToCategory is not null && !TicketNumber.IsCategoryCode(body.ToCategory))
                {
                    return Problems.Invalid("toCategory", "toCategory is one capital letter, e.g. B.");
                }

                if (body.ToWindow is < 1 or > 999)
                {
                    return Problems.Invalid("toWindow", "toWindow is a window number of this hall.");
                }

                return Ticket(await w.Transfer(body.ToCategory, body.ToWindow, key), windowNo);
            }))
            .Produces<WindowTicketDto>()
            .WithSummary("转办: move the current ticket to another category (keeping its place in time) and/or a named window. Idempotency-Key makes a retry return the first answer.");

        // Kept as a local function so every window route shares one lookup and authorization path.
        static async Task<IResult> Run(string hallCode, int windowNo, ClaimsPrincipal user, ServicePointDirectory directory, IGrainFactory grains, Func<IWindowGrain, Task<IResult>> action)
        {
            var lookup = HallLookup.Of(hallCode, directory);
            if (lookup.Invalid is { } invalid)
            {
                return invalid;
            }

            if (lookup.Missing is { } missing)
            {
                return missing;
            }

            if (lookup.Point!.Windows.All(w => w.WindowNo != windowNo))
            {
                return Problems.NotFound($"Window of {hallCode}", windowNo.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            if (!user.MayWorkWindow(hallCode, windowNo))
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "无权操作 Forbidden",
                    detail: $"You may not work window {windowNo} of {hallCode}.");
            }

            return await action(grains.GetGrain<IWindowGrain>(WindowKeys.Of(hallCode, windowNo)));
        }
    }

    private static IResult Ok(WindowView view) => TypedResults.Ok(WindowStateDto.From(view));

    private static IResult Window(WindowReply reply) => reply.IsOk ? Ok(reply.Window) : WindowProblem(reply.Violation!);

    private static IResult Ticket(WindowReply reply, int windowNo) =>
        !reply.IsOk ? WindowProblem(reply.Violation!)
        : reply.Ticket is { } t ? TypedResults.Ok(new WindowTicketDto(t.Number, t.Category, TicketWire.State(t.State), t.WindowNo ?? windowNo))
        : TypedResults.Ok(WindowStateDto.From(reply.Window));

    private static IResult WindowProblem(WindowViolation violation) => violation switch
    {
        { Code: WindowViolationCode.InvalidRequest } => Problems.Invalid("body", violation.Message),
        { Queue: { } q } => QueueProblem(q),
        _ => Problems.Conflict(violation.Message, new Dictionary<string, object?> { ["code"] = Camel(violation.Code.ToString()) }),
    };

    private static ProblemHttpResult QueueProblem(QueueViolation v) =>
        v.Code == QueueViolationCode.InvalidRequest
            ? TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "输入有误 Invalid input", detail: v.Message)
            : Problems.Conflict($"{v.Message} / {v.MessageZh}", new Dictionary<string, object?>
            {
                ["code"] = Camel(v.Code.ToString()),
                ["ticketNo"] = v.TicketNo,
                ["state"] = v.State is { } s ? TicketWire.State(s) : null,
            });

    private static ValidationProblem? ValidateKey(string? key) =>
        key is { Length: > MaxIdempotencyKeyLength } or { Length: 0 }
            ? Problems.Invalid("Idempotency-Key", $"Idempotency-Key has 1–{MaxIdempotencyKeyLength} characters.")
            : null;

    private static bool TryPriority(string? text, out PriorityClass priority)
    {
        priority = PriorityClass.Normal;
        return text is null || (text is "normal" or "greenChannel" or "assisted" && Wire.TryParse(text, out priority));
    }

    private static string Camel(string s) => char.ToLowerInvariant(s[0]) + s[1..];
}
