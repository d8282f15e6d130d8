using Microsoft.Extensions.Logging;

namespace TongBan.Grains.Queues;

/// <summary>到号提醒: a virtual-queue citizen should come to the hall now.</summary>
[GenerateSerializer, Immutable]
public sealed record ComeNowNotice(
    [property: Id(0)] string HallCode,
    [property: Id(1)] string TicketNo,
    [property: Id(2)] int Position,
    [property: Id(3)] int? PredictedWaitMinutes);

/// <summary>
/// Out-of-band notifications to citizens (SMS gateway in production). The SignalR push to a watching
/// phone goes through the live feed regardless; this channel is for citizens not watching.
/// </summary>
public interface ICitizenNotificationChannel
{
    Task ComeNow(ComeNowNotice notice);
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
