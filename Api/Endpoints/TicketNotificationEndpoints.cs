using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using TongBan.Api.Security;
using TongBan.Grains.Common;
using TongBan.Grains.Halls;
using TongBan.Grains.Identity;
using TongBan.Grains.Notifications;
using TongBan.Grains.Queues;

namespace TongBan.Api.Endpoints;

/// <summary>The notification details a take answer echoes: the chosen channels and the phone masked (138****5678).</summary>
public sealed record TicketNotifyDto(IReadOnlyList<string> Channels, string? Phone);

/// <summary>
/// A ticket's notifications (issue 17): the contact a take request may carry, and
/// <c>GET /api/halls/{hallCode}/tickets/{ticketNo}/notifications</c>.
/// </summary>
public static class TicketNotificationEndpoints
{
    /// <summary>The header that carries the ticket's 取消码 (cancelToken) as proof of holding it.</summary>
    public const string TokenHeader = "X-Ticket-Token";

    /// <summary>
    /// The contact of a take request: <c>notify</c> (channels, weChatOpenId, appUserId, as for a case) and <c>notifyPhone</c>
    /// (an 11-digit mainland mobile; alone it means SMS), else staff's <c>phone</c> for SMS. Null when neither was given.
    /// </summary>
    public static ValidationProblem? ParseContact(TakeTicketRequest body, PersonalDataProtector protector, out AppointmentContact? contact)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(protector);
        contact = null;
        if (body.Notify is null && body.NotifyPhone is null)
        {
            return null;
        }

        if (CaseEndpoints.ParseConsent(body.Notify ?? new NotifyInput(["sms"], null, null), protector, out var consent) is { } bad)
        {
            return bad;
        }

        MobileNumber? mobile = null;
        if ((body.NotifyPhone ?? body.Phone) is { } phone)
        {
            mobile = MobileNumber.Validate(phone).Number;
            if (mobile is null)
            {
                return Problems.Invalid(body.NotifyPhone is null ? "phone" : "notifyPhone", "notifyPhone must be an 11-digit mainland mobile number (1[3-9]…).");
            }
        }

        var sms = consent!.Channels.Contains(NotificationChannel.Sms);
        if (sms && mobile is null)
        {
            return Problems.Invalid("notifyPhone", "SMS notifications need notifyPhone: an 11-digit mainland mobile number (1[3-9]…).");
        }

        contact = new AppointmentContact(
            consent,
            mobile is null ? null : protector.Hash.OfMobile(mobile),
            mobile is null ? null : Masking.Mobile(mobile.Value),
            sms ? protector.SealText(mobile!.Value) : null);
        return null;
    }

    public static TicketNotifyDto? Echo(AppointmentContact? contact) =>
        contact is null ? null : new TicketNotifyDto([.. contact.Consent.Channels.Select(NotificationNames.Of)], contact.PhoneMasked);

    public static void MapTicketNotificationEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/api/halls/{hallCode}/tickets/{ticketNo}/notifications", ListAsync)
            .WithTags("Notifications")
            .AllowAnonymous()
            .WithSummary("A ticket's notifications (到号提醒 ticketComeNow, 叫号 ticketCalled): event, channel, masked recipient, state (queued, sent, delivered, failed, dead, suppressed) and reason.")
            .WithDescription($"The holder proves the ticket with its cancelToken (取消码) in the {TokenHeader} header (the token names the ticket's day); " +
                "the hall's staff (guide, clerk, hall manager; admin) see today's ticket, or the day named by `date` (yyyy-MM-dd). " +
                "No token and not staff → 401; a token of another ticket → 403; bad hall or ticket number → 400; unknown hall → 404. Provider errors are shown to staff only.");
    }

    private static async Task<Results<Ok<IReadOnlyList<NotificationDto>>, ValidationProblem, ProblemHttpResult>> ListAsync(
        HallRoute routeHall, string hallCode, string ticketNo, [FromHeader(Name = TokenHeader)] string? token, [FromQuery] string? date, ClaimsPrincipal user,
        CancelTokens cancelTokens, INotificationOutbox outbox, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (!TicketNumber.TryParse(ticketNo, out _, out _))
        {
            return Problems.Invalid("ticketNo", "A ticket number looks like A012.");
        }

        DateOnly day;
        var staff = user.Identity?.IsAuthenticated == true && user.MaySeeHallInternals(hallCode);
        if (token is { Length: > 0 })
        {
            if (token.Length > 64 || !cancelTokens.TryVerify(hallCode, ticketNo, token, out day))
            {
                return Problems.Forbidden($"This token does not belong to ticket {ticketNo} of {hallCode}.");
            }
        }
        else if (staff)
        {
            day = ChinaTime.Today(clock);
            if (date is not null && !DateOnly.TryParseExact(date, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out day))
            {
                return Problems.Invalid("date", "date is yyyy-MM-dd.");
            }
        }
        else
        {
            return TypedResults.Problem(
                title: "需要取号凭证 (ticket token required)",
                detail: $"Send the ticket's cancelToken (取消码) in {TokenHeader}, or sign in as the hall's staff.",
                statusCode: StatusCodes.Status401Unauthorized);
        }

        var records = await outbox.ListBySubjectAsync(TicketNotifications.Subject(hallCode, day, ticketNo), cancellationToken);
        return TypedResults.Ok<IReadOnlyList<NotificationDto>>([.. records.Select(r => NotificationDto.From(r, staff && token is null))]);
    }
}
