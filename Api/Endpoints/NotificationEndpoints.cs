using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using TongBan.Api.Security;
using TongBan.Grains.Cases;
using TongBan.Grains.Identity;
using TongBan.Grains.Notifications;

namespace TongBan.Api.Endpoints;

/// <summary>
/// One notification as its case's holder or staff see it: what event (template), on which channel, to whom (masked),
/// and where it stands. <c>reason</c>: why it was suppressed (noConsent, optOut, rateLimit) or why a queued one waits
/// (quietHours, rateLimit). <c>error</c> (the provider's code and message) is shown to staff only.
/// </summary>
public sealed record NotificationDto(
    long Id, string EventId, string Event, string Channel, string Recipient, string State, string? Reason, int Attempts, string? Text,
    DateTimeOffset CreatedAt, DateTimeOffset NextAttemptAt, DateTimeOffset? SentAt, DateTimeOffset? DeliveredAt, string? Error)
{
    public static NotificationDto From(NotificationRecord r, bool staff) => new(
        r.Id, r.Entry.EventId, r.Entry.Template, NotificationNames.Of(r.Entry.Channel), r.Entry.RecipientMasked, NotificationNames.Of(r.State), r.Reason,
        r.Attempts, TextOf(r.Entry), r.CreatedAt, r.NextAttemptAt, r.SentAt, r.DeliveredAt, staff ? r.LastError : null);

    /// <summary>The message text; null for a record whose template or parameters are no longer valid (never shown half-rendered).</summary>
    private static string? TextOf(OutboxEntry entry)
    {
        try
        {
            return NotificationTemplates.Render(entry.Template, entry.Parameters);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}

/// <summary><c>POST /api/cases/{caseNo}/notifications/opt-out</c>: channels to leave (退订); absent or empty: all.</summary>
public sealed record OptOutRequest(IReadOnlyList<string>? Channels);

/// <summary>Admin view of the outbox: depth, sending now, failures and dead letters, the oldest queued record.</summary>
public sealed record OutboxDto(OutboxStats Stats, IReadOnlyList<NotificationDto> Failures);

public static class NotificationEndpoints
{
    public const int MaxFailuresListed = 100;

    public static void MapNotificationEndpoints(this IEndpointRouteBuilder routes)
    {
        var cases = routes.MapGroup("/api/cases").WithTags("Notifications");
        cases.MapGet("/{caseNo}/notifications", ListForCaseAsync)
            .RequireAuthorization(Policies.Authenticated)
            .WithSummary("The case's notifications (受理, 一次性告知, 办结, 送达 …): event, channel, masked recipient, state (queued, sent, delivered, failed, dead, suppressed) with the reason.")
            .WithDescription("Only the applicant and staff who may see the case; anyone else gets 404, as for the case itself. Provider errors are shown to staff only.");
        cases.MapPost("/{caseNo}/notifications/opt-out", OptOutAsync)
            .RequireAuthorization(p => p.RequireRole(Roles.Citizen))
            .WithSummary("退订: the applicant stops notifications to the addresses of this case on the given channels (all when none are named); queued ones are then suppressed (optOut).");

        routes.MapTicketNotificationEndpoints();
        routes.MapReceiptEndpoints();

        var admin = routes.MapGroup("/api/admin/notifications").WithTags("Admin").RequireAuthorization(Policies.Admin);
        admin.MapGet("/", async (INotificationOutbox outbox, TimeProvider clock, CancellationToken cancellationToken) =>
            TypedResults.Ok(new OutboxDto(
                await outbox.StatsAsync(clock.GetUtcNow(), cancellationToken),
                [.. (await outbox.FailuresAsync(MaxFailuresListed, cancellationToken)).Select(r => NotificationDto.From(r, staff: true))])))
            .WithSummary("Outbox depth (queued, leased now), sent, delivered, failed, dead letters and suppressed counts, and the latest failures and dead letters with the provider's error.");
        admin.MapPost("/{id:long}/retry", RetryAsync)
            .WithSummary("Retries a dead letter: queued again now with its attempts reset. 404 for an unknown id, 409 unless the notification is dead.");
    }

    private static async Task<Results<Ok<IReadOnlyList<NotificationDto>>, ValidationProblem, ProblemHttpResult>> ListForCaseAsync(
        string caseNo, ClaimsPrincipal user, IGrainFactory grains, INotificationOutbox outbox, PersonalDataProtector protector, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        if (!CaseNumber.TryParse(caseNo, out var number))
        {
            return Problems.Invalid("caseNo", "A case number looks like GZ5201022611270000011 (21 characters with a check character).");
        }

        var view = await grains.GetGrain<ICaseGrain>(number.Value).Get();
        var visible = view is not null && (user.MaySeeCase(view, protector) || await GrantEndpoints.ClerkHoldsAnyRight(user, view.State, grains, clock.GetUtcNow()));
        if (!visible)
        {
            return Problems.NotFound("Case", caseNo);
        }

        var staff = !user.IsInRole(Roles.Citizen);
        var records = await outbox.ListBySubjectAsync(CaseNotifications.Subject(view!.State.CaseNo), cancellationToken);
        return TypedResults.Ok<IReadOnlyList<NotificationDto>>([.. records.Select(r => NotificationDto.From(r, staff))]);
    }

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> OptOutAsync(
        string caseNo, OptOutRequest? body, ClaimsPrincipal user, IGrainFactory grains, INotificationOutbox outbox, PersonalDataProtector protector,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        if (!CaseNumber.TryParse(caseNo, out var number))
        {
            return Problems.Invalid("caseNo", "A case number looks like GZ5201022611270000011 (21 characters with a check character).");
        }

        var channels = new HashSet<NotificationChannel>();
        foreach (var name in body?.Channels ?? [])
        {
            if (!NotificationNames.TryParse(name, out var channel))
            {
                return Problems.Invalid("channels", "Each channel is sms, weChat or app.");
            }

            channels.Add(channel);
        }

        var view = await grains.GetGrain<ICaseGrain>(number.Value).Get();
        if (view is null || !user.MaySeeCase(view, protector))
        {
            return Problems.NotFound("Case", caseNo);
        }

        var now = clock.GetUtcNow();
        var records = await outbox.ListBySubjectAsync(CaseNotifications.Subject(view.State.CaseNo), cancellationToken);
        var recipients = records.Select(r => (Key: r.Entry.RecipientKey, r.Entry.Channel)).Append((Key: view.Applicant.PhoneKey, Channel: NotificationChannel.Sms)).Distinct();
        foreach (var (key, channel) in recipients.Where(r => channels.Count == 0 || channels.Contains(r.Channel)))
        {
            await outbox.OptOutAsync(key, channel, now, cancellationToken);
        }

        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<NotificationDto>, ProblemHttpResult>> RetryAsync(long id, INotificationOutbox outbox, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (await outbox.GetAsync(id, cancellationToken) is not { } record)
        {
            return Problems.NotFound("Notification", id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (!await outbox.RetryDeadAsync(id, clock.GetUtcNow(), cancellationToken))
        {
            return Problems.Conflict(
                $"通知 {id} 不是死信，无法重试 (notification {id} is {NotificationNames.Of(record.State)}, not dead; only a dead letter can be retried).",
                new Dictionary<string, object?> { ["state"] = NotificationNames.Of(record.State) });
        }

        return TypedResults.Ok(NotificationDto.From((await outbox.GetAsync(id, cancellationToken))!, staff: true));
    }
}
