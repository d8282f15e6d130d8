namespace TongBan.Grains.Notifications;

/// <summary>The embedded mode's outbox: the PostgreSQL contract in process memory (not persisted). Thread-safe.</summary>
public sealed class InMemoryNotificationOutbox : INotificationOutbox
{
    private readonly Lock gate = new();
    private readonly List<Row> rows = [];
    private readonly Dictionary<(string EventId, NotificationChannel Channel, string RecipientKey), Row> byKey = [];
    private readonly HashSet<(string RecipientKey, NotificationChannel Channel)> optOuts = [];

    /// <summary>The same as <see cref="EnqueueAsync"/>, synchronously: the in-memory case store calls it inside its commit lock.</summary>
    public int Enqueue(IReadOnlyList<OutboxEntry> entries, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(entries);
        lock (gate)
        {
            var added = 0;
            foreach (var entry in entries)
            {
                var key = (entry.EventId, entry.Channel, entry.RecipientKey);
                if (byKey.ContainsKey(key))
                {
                    continue;
                }

                var row = new Row(new NotificationRecord(
                    rows.Count + 1, entry, entry.SuppressedReason is null ? NotificationState.Queued : NotificationState.Suppressed,
                    entry.SuppressedReason, 0, now, entry.NotBefore ?? now, null, null, null, null));
                rows.Add(row);
                byKey[key] = row;
                added++;
            }

            return added;
        }
    }

    public Task<int> EnqueueAsync(IReadOnlyList<OutboxEntry> entries, DateTimeOffset now, CancellationToken cancellationToken) =>
        Task.FromResult(Enqueue(entries, now));

    public Task<IReadOnlyList<NotificationRecord>> LeaseDueAsync(string owner, DateTimeOffset now, int max, TimeSpan lease, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            var taken = rows
                .Where(r => r.Record.State == NotificationState.Queued && r.Record.NextAttemptAt <= now && (r.LeaseUntil is null || r.LeaseUntil <= now))
                .OrderBy(r => r.Record.NextAttemptAt).ThenBy(r => r.Record.Id)
                .Take(max)
                .ToList();
            foreach (var row in taken)
            {
                row.LeaseOwner = owner;
                row.LeaseUntil = now + lease;
            }

            return Task.FromResult<IReadOnlyList<NotificationRecord>>([.. taken.Select(r => r.Record)]);
        }
    }

    public Task<bool> UpdateAsync(long id, string owner, NotificationUpdate update, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(update);
        lock (gate)
        {
            if (Find(id) is not { } row || row.LeaseOwner != owner)
            {
                return Task.FromResult(false);
            }

            row.Record = row.Record with
            {
                State = update.State,
                Reason = update.Reason,
                Attempts = update.Attempts,
                NextAttemptAt = update.NextAttemptAt,
                SentAt = update.SentAt ?? row.Record.SentAt,
                Receipt = update.Receipt ?? row.Record.Receipt,
                LastError = update.LastError,
            };
            row.LeaseOwner = null;
            row.LeaseUntil = null;
            return Task.FromResult(true);
        }
    }

    public Task<int> CountSentAsync(string recipientKey, NotificationChannel channel, DateTimeOffset since, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            return Task.FromResult(rows.Count(r => r.Record.Entry.Channel == channel && r.Record.Entry.RecipientKey == recipientKey &&
                r.Record.SentAt is { } sent && sent >= since));
        }
    }

    public Task<bool> IsOptedOutAsync(string recipientKey, NotificationChannel channel, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            return Task.FromResult(optOuts.Contains((recipientKey, channel)));
        }
    }

    public Task OptOutAsync(string recipientKey, NotificationChannel channel, DateTimeOffset at, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            optOuts.Add((recipientKey, channel));
            return Task.CompletedTask;
        }
    }

    public Task<bool> MarkDeliveredAsync(NotificationChannel channel, string receipt, DateTimeOffset at, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            var row = rows.FirstOrDefault(r => r.Record.Entry.Channel == channel && r.Record.Receipt == receipt && r.Record.State == NotificationState.Sent);
            if (row is null)
            {
                return Task.FromResult(false);
            }

            row.Record = row.Record with { State = NotificationState.Delivered, DeliveredAt = at };
            return Task.FromResult(true);
        }
    }

    public Task<bool> MarkUndeliveredAsync(NotificationChannel channel, string receipt, string error, DateTimeOffset at, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            var row = rows.FirstOrDefault(r => r.Record.Entry.Channel == channel && r.Record.Receipt == receipt && r.Record.State == NotificationState.Sent);
            if (row is null)
            {
                return Task.FromResult(false);
            }

            row.Record = row.Record with { State = NotificationState.Failed, LastError = error };
            return Task.FromResult(true);
        }
    }

    public Task<int> SuppressQueuedAsync(string subject, IReadOnlyCollection<string> templates, string reason, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(templates);
        lock (gate)
        {
            var queued = rows.Where(r => r.Record.Entry.Subject == subject && r.Record.State == NotificationState.Queued &&
                templates.Contains(r.Record.Entry.Template) && (r.LeaseUntil is null || r.LeaseUntil <= now)).ToList();
            foreach (var row in queued)
            {
                row.Record = row.Record with { State = NotificationState.Suppressed, Reason = reason };
            }

            return Task.FromResult(queued.Count);
        }
    }

    public Task<IReadOnlyList<NotificationRecord>> ListBySubjectAsync(string subject, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            return Task.FromResult<IReadOnlyList<NotificationRecord>>([.. rows.Where(r => r.Record.Entry.Subject == subject).Select(r => r.Record)]);
        }
    }

    public Task<NotificationRecord?> GetAsync(long id, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            return Task.FromResult(Find(id)?.Record);
        }
    }

    public Task<OutboxStats> StatsAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            int Count(NotificationState state) => rows.Count(r => r.Record.State == state);
            var queued = rows.Where(r => r.Record.State == NotificationState.Queued).ToList();
            return Task.FromResult(new OutboxStats(
                queued.Count, queued.Count(r => r.LeaseUntil > now), Count(NotificationState.Sent), Count(NotificationState.Delivered),
                Count(NotificationState.Failed), Count(NotificationState.Dead), Count(NotificationState.Suppressed),
                queued.Count == 0 ? null : queued.Min(r => r.Record.CreatedAt)));
        }
    }

    public Task<IReadOnlyList<NotificationRecord>> FailuresAsync(int limit, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            return Task.FromResult<IReadOnlyList<NotificationRecord>>([.. rows
                .Where(r => r.Record.State is NotificationState.Failed or NotificationState.Dead)
                .OrderByDescending(r => r.Record.Id).Take(limit).Select(r => r.Record)]);
        }
    }

    public Task<bool> RetryDeadAsync(long id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            if (Find(id) is not { Record.State: NotificationState.Dead } row)
            {
                return Task.FromResult(false);
            }

            row.Record = row.Record with { State = NotificationState.Queued, Reason = null, Attempts = 0, NextAttemptAt = now };
            return Task.FromResult(true);
        }
    }

    private Row? Find(long id) => id >= 1 && id <= rows.Count ? rows[(int)id - 1] : null;

    private sealed class Row(NotificationRecord record)
    {
        public NotificationRecord Record { get; set; } = record;

        public string? LeaseOwner { get; set; }

        public DateTimeOffset? LeaseUntil { get; set; }
    }
}
