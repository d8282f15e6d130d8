using System.Globalization;
using Microsoft.Extensions.Logging;
using TongBan.Grains.Halls;
using TongBan.Grains.Identity;
using TongBan.Grains.Queues;

namespace TongBan.Grains.Notifications;

/// <summary>
/// Configuration <c>TongBan:Notifications:Tickets</c>: when a ticket's holder is told to come (到号提醒): position ≤
/// <see cref="ComeNowPosition"/> or predicted wait ≤ <see cref="ComeNowWaitMinutes"/> (0: position only), per hall
/// overridable under <see cref="Halls"/> (hall code → its values).
/// </summary>
public sealed class TicketNoticeOptions
{
    public int ComeNowPosition { get; set; } = HallQueueGrain.ComeNowLead;

    public int ComeNowWaitMinutes { get; set; }

    public Dictionary<string, HallTicketNoticeOptions> Halls { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The thresholds of a hall: its override, else the defaults.</summary>
    public (int Position, int WaitMinutes) For(string hallCode) =>
        Halls.TryGetValue(hallCode, out var hall)
            ? (hall.ComeNowPosition ?? ComeNowPosition, hall.ComeNowWaitMinutes ?? ComeNowWaitMinutes)
            : (ComeNowPosition, ComeNowWaitMinutes);
}

public sealed class HallTicketNoticeOptions
{
    public int? ComeNowPosition { get; set; }

    public int? ComeNowWaitMinutes { get; set; }
}

/// <summary>
/// A ticket's notifications: "come now" (<c>ticketComeNow</c>) once per ticket and day, and each call or recall
/// (<c>ticketCalled</c>, 请 A012 号到 3 号窗口办理). Event ids are fixed by the hall's stored state —
/// <c>ticket:{hall}:{yyyyMMdd}:{no}:comeNow</c> and <c>ticket:{hall}:{yyyyMMdd}:{no}:call:{callCount}</c> — so the hall queue may
/// hand the same event again (after a crash, on reactivation) and the outbox keeps one.
/// </summary>
public static class TicketNotifications
{
    public static string Subject(string hallCode, DateOnly day, string ticketNo) =>
        string.Create(CultureInfo.InvariantCulture, $"ticket:{hallCode}:{day:yyyyMMdd}:{ticketNo}");

    public static string ComeNowEventId(string hallCode, DateOnly day, string ticketNo) => Subject(hallCode, day, ticketNo) + ":comeNow";

    public static string CallEventId(string hallCode, DateOnly day, string ticketNo, int callCount) =>
        Subject(hallCode, day, ticketNo) + ":call:" + callCount.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Whether a waiting ticket is due its come-now notice: a remote or appointment ticket, or any ticket whose holder left
    /// an address (they may have stepped out), at position ≤ <paramref name="position"/> or, when
    /// <paramref name="waitMinutes"/> &gt; 0, with a predicted wait ≤ it.
    /// </summary>
    public static bool IsComeNowDue(TicketStatus status, bool hasContact, int position, int waitMinutes)
    {
        ArgumentNullException.ThrowIfNull(status);
        if (status.Position is not { } p || !(hasContact || status.Ticket.Kind is TicketKind.Remote or TicketKind.Appointment))
        {
            return false;
        }

        return p <= position || (waitMinutes > 0 && status.PredictedWaitMinutes is { } wait && wait <= waitMinutes);
    }

    public static IReadOnlyList<OutboxEntry> ComeNowEntries(ComeNowNotice notice, string hallName, PersonalDataProtector protector)
    {
        ArgumentNullException.ThrowIfNull(notice);
        var ahead = Math.Max(0, notice.Position - 1).ToString(CultureInfo.InvariantCulture);
        return ContactEntries.For(
            ComeNowEventId(notice.HallCode, notice.Day, notice.TicketNo), Subject(notice.HallCode, notice.Day, notice.TicketNo),
            NotificationTemplates.TicketComeNow, [hallName, notice.TicketNo, ahead], notice.Contact, protector);
    }

    public static IReadOnlyList<OutboxEntry> CallEntries(TicketCallNotice notice, PersonalDataProtector protector)
    {
        ArgumentNullException.ThrowIfNull(notice);
        return ContactEntries.For(
            CallEventId(notice.HallCode, notice.Day, notice.TicketNo, notice.CallCount), Subject(notice.HallCode, notice.Day, notice.TicketNo),
            NotificationTemplates.TicketCalled, [notice.TicketNo, notice.WindowNo.ToString(CultureInfo.InvariantCulture)], notice.Contact, protector);
    }
}

/// <summary>
/// The hall queue's citizen channel backed by the outbox: what the queue hands after its write becomes outbox records
/// (idempotent by event id), which the dispatcher sends. Never throws into the queue's command: the change is already
/// stored, and a failed hand-over is handed again when the queue next activates (<see cref="HallQueueGrain"/>).
/// </summary>
public sealed partial class OutboxCitizenNotificationChannel(
    INotificationOutbox outbox, PersonalDataProtector protector, ServicePointDirectory directory, NotificationOptions options, TimeProvider clock,
    ILogger<OutboxCitizenNotificationChannel> logger) : ICitizenNotificationChannel
{
    public bool IsComeNowDue(string hallCode, TicketStatus status, bool hasContact)
    {
        var (position, wait) = options.Tickets.For(hallCode);
        return TicketNotifications.IsComeNowDue(status, hasContact, position, wait);
    }

    public Task ComeNow(ComeNowNotice notice)
    {
        ArgumentNullException.ThrowIfNull(notice);
        return notice.Contact is null
            ? Task.CompletedTask
            : Hand(notice.HallCode, notice.TicketNo, () => TicketNotifications.ComeNowEntries(notice, directory.Find(notice.HallCode)?.Name ?? notice.HallCode, protector));
    }

    public Task Called(TicketCallNotice notice)
    {
        ArgumentNullException.ThrowIfNull(notice);
        return Hand(notice.HallCode, notice.TicketNo, () => TicketNotifications.CallEntries(notice, protector));
    }

    private async Task Hand(string hallCode, string ticketNo, Func<IReadOnlyList<OutboxEntry>> entries)
    {
        try
        {
            var list = entries();
            if (list.Count > 0)
            {
                await outbox.EnqueueAsync(list, clock.GetUtcNow(), CancellationToken.None);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The queue's change is stored; its notices are handed again on the queue's next activation (same keys).
            LogHandFailed(logger, hallCode, ticketNo, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Hall {HallCode}: ticket {TicketNo}'s notification not yet in the outbox ({Error}); handed again on the queue's next activation")]
    private static partial void LogHandFailed(ILogger logger, string hallCode, string ticketNo, string error);
}
