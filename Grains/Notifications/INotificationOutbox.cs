namespace TongBan.Grains.Notifications;

/// <summary>
/// The durable outbox (PostgreSQL table <c>tongban.notification</c>, or memory in embedded mode). Entries are unique by
/// (event id, channel, recipient key): enqueueing one again changes nothing. Dispatchers lease due records, so only
/// one works a record at a time, across silos too, and write back only while they hold the lease.
/// </summary>
public interface INotificationOutbox
{
    /// <summary>Adds the entries whose key is new (queued, or suppressed when the entry says so); returns how many were new.</summary>
    Task<int> EnqueueAsync(IReadOnlyList<OutboxEntry> entries, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Takes up to <paramref name="max"/> queued records due by <paramref name="now"/> whose lease is free or expired,
    /// leasing them to <paramref name="owner"/> until now + <paramref name="lease"/>; oldest due first.
    /// </summary>
    Task<IReadOnlyList<NotificationRecord>> LeaseDueAsync(string owner, DateTimeOffset now, int max, TimeSpan lease, CancellationToken cancellationToken);

    /// <summary>Writes a dispatcher's outcome and frees the lease; false (nothing written) when <paramref name="owner"/> no longer holds it.</summary>
    Task<bool> UpdateAsync(long id, string owner, NotificationUpdate update, CancellationToken cancellationToken);

    /// <summary>Notifications sent (or delivered) to this recipient on this channel since <paramref name="since"/>: the rate limits.</summary>
    Task<int> CountSentAsync(string recipientKey, NotificationChannel channel, DateTimeOffset since, CancellationToken cancellationToken);

    Task<bool> IsOptedOutAsync(string recipientKey, NotificationChannel channel, CancellationToken cancellationToken);

    /// <summary>退订: records that this recipient wants nothing more on this channel (idempotent).</summary>
    Task OptOutAsync(string recipientKey, NotificationChannel channel, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>A provider's delivery receipt: the sent record with this receipt becomes delivered; false when none matches.</summary>
    Task<bool> MarkDeliveredAsync(NotificationChannel channel, string receipt, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>A provider's receipt that the message never arrived: the sent record with this receipt becomes failed with <paramref name="error"/>; false when none matches.</summary>
    Task<bool> MarkUndeliveredAsync(NotificationChannel channel, string receipt, string error, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>
    /// Suppresses (<paramref name="reason"/>) the still queued records of a subject with one of <paramref name="templates"/>,
    /// e.g. the reminders of a cancelled appointment; returns how many. A record a dispatcher holds right now is left to it.
    /// </summary>
    Task<int> SuppressQueuedAsync(string subject, IReadOnlyCollection<string> templates, string reason, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Every notification about a subject (<c>case:{caseNo}</c>), oldest first.</summary>
    Task<IReadOnlyList<NotificationRecord>> ListBySubjectAsync(string subject, CancellationToken cancellationToken);

    Task<NotificationRecord?> GetAsync(long id, CancellationToken cancellationToken);

    Task<OutboxStats> StatsAsync(DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Failed and dead records, newest first.</summary>
    Task<IReadOnlyList<NotificationRecord>> FailuresAsync(int limit, CancellationToken cancellationToken);

    /// <summary>An admin's retry of a dead letter: queued again now, attempts reset; false unless the record is dead.</summary>
    Task<bool> RetryDeadAsync(long id, DateTimeOffset now, CancellationToken cancellationToken);
}
