using Microsoft.Extensions.Logging;

namespace TongBan.Grains.Notifications;

/// <summary>One message as an adapter sends it: the opened address, the template and its rendered text.</summary>
/// <param name="Key">A stable id of the outbox record (event id, channel, recipient key hashed), for providers that dedupe.</param>
public sealed record OutgoingMessage(long Id, string Key, NotificationChannel Channel, string Address, string Template, IReadOnlyList<string> Parameters, string Text);

public enum SendStatus
{
    /// <summary>The provider accepted the message.</summary>
    Sent,

    /// <summary>Worth retrying: provider down, timed out, rate limiting, an expired token that a refresh did not cure.</summary>
    Transient,

    /// <summary>Retrying cannot help: invalid number, unknown or unapproved template, user not subscribed.</summary>
    Permanent,
}

/// <summary>A provider's answer. <see cref="Error"/> is the provider's code and message, recorded on the notification.</summary>
public sealed record SendOutcome(SendStatus Status, string? Receipt = null, string? Error = null)
{
    public static SendOutcome Ok(string? receipt) => new(SendStatus.Sent, receipt);

    public static SendOutcome Retry(string error) => new(SendStatus.Transient, null, error);

    public static SendOutcome Fail(string error) => new(SendStatus.Permanent, null, error);
}

/// <summary>A channel adapter (SMS provider, WeChat, the app's webhook, the log). One per channel, chosen by configuration.</summary>
public interface INotificationSender
{
    NotificationChannel Channel { get; }

    /// <summary>The configured provider name (log, tencent, weChat, duocaibao), for logs and metrics.</summary>
    string Provider { get; }

    /// <summary>Never throws for a provider's refusal; a network failure may throw and is then retried.</summary>
    Task<SendOutcome> SendAsync(OutgoingMessage message, CancellationToken cancellationToken);
}

/// <summary>Development adapter (the embedded default): logs what would be sent, with the address masked.</summary>
public sealed partial class LogNotificationSender(NotificationChannel channel, ILogger<LogNotificationSender> logger) : INotificationSender
{
    public NotificationChannel Channel => channel;

    public string Provider => "log";

    public Task<SendOutcome> SendAsync(OutgoingMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        LogSend(logger, NotificationNames.Of(message.Channel), message.Id, message.Template, message.Text);
        return Task.FromResult(SendOutcome.Ok("log-" + message.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Notify ({Channel} log stand-in) #{Id} {Template}: {Text}")]
    private static partial void LogSend(ILogger logger, string channel, long id, string template, string text);
}
