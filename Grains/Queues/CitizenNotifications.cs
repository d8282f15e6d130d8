using Microsoft.Extensions.Logging;

namespace TongBan.Grains.Queues;

/// <summary>到号提醒: a virtual-queue citizen should come to the hall now.</summary>
[GenerateSerializer, Immutable]
public sealed record ComeNowNotice(
    [property: Id(0)] string HallCode,
    [property: Id(1)] string TicketNo,
    [property: Id(2)] int Position,
    [property: Id(3)] int? PredictedWaitMinutes)
{
    /// <summary>The hall's day of the ticket (the notification's event id names it).</summary>
    [Id(4)]
    public DateOnly Day { get; init; }

    /// <summary>The holder's sealed contact and consent, when they gave one on the ticket; null: the live push only.</summary>
    [Id(5)]
    public Notifications.AppointmentContact? Contact { get; init; }
}

/// <summary>A ticket called (or recalled) to a window, for a holder who left a contact: 请 A012 号到 3 号窗口办理.</summary>
/// <param name="CallCount">The ticket's announcements so far: each recall is a new notification, a replay of the same call is not.</param>
[GenerateSerializer, Immutable]
public sealed record TicketCallNotice(
    [property: Id(0)] string HallCode,
    [property: Id(1)] DateOnly Day,
    [property: Id(2)] string TicketNo,
    [property: Id(3)] int WindowNo,
    [property: Id(4)] int CallCount,
    [property: Id(5)] Notifications.AppointmentContact Contact);

/// <summary>
/// Out-of-band notifications to citizens (SMS gateway in production). The SignalR push to a watching
/// phone goes through the live feed regardless; this channel is for citizens not watching.
/// </summary>
public interface ICitizenNotificationChannel
{
    Task ComeNow(ComeNowNotice notice);

    /// <summary>Whether a waiting ticket is due its come-now notice (by default: a remote or appointment ticket in the last <see cref="HallQueueGrain.ComeNowLead"/> places).</summary>
    bool IsComeNowDue(string hallCode, TicketStatus status, bool hasContact) =>
        status is { Position: <= HallQueueGrain.ComeNowLead, Ticket.Kind: TicketKind.Remote or TicketKind.Appointment };

    /// <summary>A call or recall of a ticket whose holder left a contact; after the queue's write.</summary>
    Task Called(TicketCallNotice notice) => Task.CompletedTask;
}

/// <summary>Development channel: logs what an SMS gateway would send. No phone numbers are known here.</summary>
public sealed partial class LoggingNotificationChannel(ILogger<LoggingNotificationChannel> logger) : ICitizenNotificationChannel
{
    public Task ComeNow(ComeNowNotice notice)
    {
        LogComeNow(logger, notice.HallCode, notice.TicketNo, notice.Position);
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Notify (SMS stand-in): hall {HallCode} ticket {TicketNo} is {Position} from the call, please come now")]
    private static partial void LogComeNow(ILogger logger, string hallCode, string ticketNo, int position);
}
