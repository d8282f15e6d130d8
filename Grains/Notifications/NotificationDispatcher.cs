using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using TongBan.Grains.Identity;

namespace TongBan.Grains.Notifications;

/// <summary>
/// Works the outbox: leases due records (one dispatcher per record, across silos), honours opt-out, quiet hours and
/// the per-recipient limits, sends through the channel's adapter, and records the outcome: sent with the provider's
/// receipt, a retry with exponential backoff, a permanent failure, or after <see cref="DispatcherOptions.MaxAttempts"/>
/// a dead letter. Commands never wait for it: they only write the outbox.
/// </summary>
public sealed partial class NotificationDispatcher
{
    public const string MeterName = "TongBan.Notifications";

    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> SentCounter = Meter.CreateCounter<long>("tongban_notifications_sent", description: "Notifications a provider accepted, per channel.");
    private static readonly Counter<long> FailedCounter = Meter.CreateCounter<long>("tongban_notifications_failed", description: "Send attempts that failed (retried, failed for good or dead-lettered), per channel.");
    private static readonly Histogram<double> Latency = Meter.CreateHistogram<double>("tongban_notifications_latency", "s", "From enqueue to the provider's acceptance, per channel.");

    private readonly INotificationOutbox outbox;
    private readonly Dictionary<NotificationChannel, INotificationSender> senders;
    private readonly NotificationOptions options;
    private readonly PersonalDataProtector protector;
    private readonly TimeProvider clock;
    private readonly ILogger<NotificationDispatcher> logger;
    private readonly TimeOnly quietStart;
    private readonly TimeOnly quietEnd;

    public NotificationDispatcher(
        INotificationOutbox outbox, IEnumerable<INotificationSender> senders, NotificationOptions options, PersonalDataProtector protector,
        TimeProvider clock, ILogger<NotificationDispatcher> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.outbox = outbox;
        this.senders = senders.ToDictionary(s => s.Channel);
        this.options = options;
        this.protector = protector;
        this.clock = clock;
        this.logger = logger;
        quietStart = NotificationRules.ParseTime(options.Limits.QuietHoursStart);
        quietEnd = NotificationRules.ParseTime(options.Limits.QuietHoursEnd);
    }

    /// <summary>This dispatcher's lease owner name: unique per process start.</summary>
    public string Owner { get; } = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";

    /// <summary>Works one batch of due records; returns how many it leased (a full batch: call again at once).</summary>
    public async Task<int> DispatchDueAsync(CancellationToken cancellationToken)
    {
        var d = options.Dispatcher;
        var batch = await outbox.LeaseDueAsync(Owner, clock.GetUtcNow(), d.BatchSize, TimeSpan.FromSeconds(d.LeaseSeconds), cancellationToken);
        await Parallel.ForEachAsync(batch, new ParallelOptions { MaxDegreeOfParallelism = d.Parallelism, CancellationToken = cancellationToken }, WorkAsync);
        return batch.Count;
    }

    private async ValueTask WorkAsync(NotificationRecord record, CancellationToken cancellationToken)
    {
        var entry = record.Entry;
        var now = clock.GetUtcNow();
        var update = await DecideAsync(record, now, cancellationToken);
        if (!await outbox.UpdateAsync(record.Id, Owner, update, cancellationToken))
        {
            LogLeaseLost(logger, record.Id, entry.EventId);
        }
    }

    private async Task<NotificationUpdate> DecideAsync(NotificationRecord record, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var entry = record.Entry;
        if (await outbox.IsOptedOutAsync(entry.RecipientKey, entry.Channel, cancellationToken))
        {
            return new NotificationUpdate(NotificationState.Suppressed, SuppressionReasons.OptOut, record.Attempts, now);
        }

        var template = NotificationTemplates.Get(entry.Template);
        if (template.CanWait && NotificationRules.QuietUntil(now, quietStart, quietEnd) is { } quietEnds)
        {
            return new NotificationUpdate(NotificationState.Queued, SuppressionReasons.QuietHours, record.Attempts, quietEnds);
        }

        var limits = options.Limits;
        if (await outbox.CountSentAsync(entry.RecipientKey, entry.Channel, now.AddDays(-1), cancellationToken) >= limits.PerDay)
        {
            return new NotificationUpdate(NotificationState.Suppressed, SuppressionReasons.RateLimit, record.Attempts, now);
        }

        if (await outbox.CountSentAsync(entry.RecipientKey, entry.Channel, now.AddMinutes(-1), cancellationToken) >= limits.PerMinute)
        {
            return new NotificationUpdate(NotificationState.Queued, SuppressionReasons.RateLimit, record.Attempts, now.AddMinutes(1));
        }

        if (!senders.TryGetValue(entry.Channel, out var sender) || entry.SealedAddress is null)
        {
            return new NotificationUpdate(NotificationState.Failed, null, record.Attempts, now, LastError: "no adapter or address for this channel");
        }

        SendOutcome outcome;
        var attempts = record.Attempts + 1;
        OutgoingMessage message;
        try
        {
            message = new OutgoingMessage(
                record.Id, KeyOf(entry), entry.Channel, protector.OpenText(entry.SealedAddress), entry.Template, entry.Parameters,
                NotificationTemplates.Render(entry.Template, entry.Parameters));
        }
        catch (Exception e) when (e is ArgumentException or System.Security.Cryptography.CryptographicException)
        {
            // An address sealed with a key no longer configured, or parameters a template refuses: retrying cannot help.
            return new NotificationUpdate(NotificationState.Failed, null, attempts, now, LastError: e.Message);
        }

        try
        {
            outcome = await sender.SendAsync(message, cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or TimeoutException or IOException or System.Text.Json.JsonException && !cancellationToken.IsCancellationRequested)
        {
            outcome = SendOutcome.Retry($"{e.GetType().Name}: {e.Message}");
        }

        var channel = new KeyValuePair<string, object?>("channel", NotificationNames.Of(entry.Channel));
        switch (outcome.Status)
        {
            case SendStatus.Sent:
                SentCounter.Add(1, channel);
                Latency.Record((clock.GetUtcNow() - record.CreatedAt).TotalSeconds, channel);
                return new NotificationUpdate(NotificationState.Sent, null, attempts, now, clock.GetUtcNow(), outcome.Receipt);
            case SendStatus.Permanent:
                FailedCounter.Add(1, channel);
                LogFailed(logger, record.Id, entry.EventId, NotificationNames.Of(entry.Channel), outcome.Error);
                return new NotificationUpdate(NotificationState.Failed, null, attempts, now, LastError: outcome.Error);
            default:
                FailedCounter.Add(1, channel);
                if (attempts >= options.Dispatcher.MaxAttempts)
                {
                    LogDead(logger, record.Id, entry.EventId, NotificationNames.Of(entry.Channel), attempts, outcome.Error);
                    return new NotificationUpdate(NotificationState.Dead, null, attempts, now, LastError: outcome.Error);
                }

                var delay = NotificationRules.Backoff(attempts, TimeSpan.FromSeconds(options.Dispatcher.RetryBaseSeconds), TimeSpan.FromSeconds(options.Dispatcher.RetryMaxSeconds));
                return new NotificationUpdate(NotificationState.Queued, null, attempts, now + delay, LastError: outcome.Error);
        }
    }

    /// <summary>The record's key as one opaque token (for a provider's or webhook receiver's deduplication).</summary>
    public static string KeyOf(OutboxEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var text = $"{entry.EventId}\n{NotificationNames.Of(entry.Channel)}\n{entry.RecipientKey}";
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..32];
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Notification #{Id} ({EventId}): the lease passed to another dispatcher before the outcome was written")]
    private static partial void LogLeaseLost(ILogger logger, long id, string eventId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Notification #{Id} ({EventId}) on {Channel} failed for good: {Error}")]
    private static partial void LogFailed(ILogger logger, long id, string eventId, string channel, string? error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Notification #{Id} ({EventId}) on {Channel} is a dead letter after {Attempts} attempts: {Error}")]
    private static partial void LogDead(ILogger logger, long id, string eventId, string channel, int attempts, string? error);
}
