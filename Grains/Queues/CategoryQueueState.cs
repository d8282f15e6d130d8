namespace TongBan.Grains.Queues;

/// <summary>
/// Persisted state of one hall × category queue: the current day's tickets and counters, the last
/// closed day's summary, and the service-time estimate (which survives midnight). Persist it as is
/// through <c>IPersistentState&lt;CategoryQueueState&gt;</c>; change it only through <see cref="CategoryQueue"/>.
/// A fresh instance (as storage hands out before the first write) is a valid empty queue.
/// </summary>
[GenerateSerializer]
public sealed class CategoryQueueState
{
    // Look-ups by number and by idempotency key are rebuilt on demand and never persisted: the
    // ticket list is the single source of truth, so a deserialized or copied state is always consistent.
    [NonSerialized]
    private Dictionary<string, int>? byNumber;

    [NonSerialized]
    private Dictionary<string, int>? byKey;

    [Id(0)]
    internal string? Category { get; set; }

    /// <summary>Local (Asia/Shanghai) date of the tickets held; default until the first operation.</summary>
    [Id(1)]
    internal DateOnly Day { get; set; }

    /// <summary>Sequence of the last number issued today (0 = none).</summary>
    [Id(2)]
    internal int LastNumber { get; set; }

    /// <summary>Tickets transferred in today.</summary>
    [Id(3)]
    internal int Received { get; set; }

    /// <summary>Calls made today by any window; drives the skip deferral.</summary>
    [Id(4)]
    internal int CallsMade { get; set; }

    /// <summary>Consecutive priority calls that passed over a waiting normal ticket (anti-starvation counter).</summary>
    [Id(5)]
    internal int ConsecutivePriorityCalls { get; set; }

    /// <summary>Every entry of the day in arrival order; entries are never removed before the day closes (index = Seq).</summary>
    [Id(6)]
    internal List<QueueTicket> Tickets { get; set; } = [];

    [Id(7)]
    internal ServiceTimeEstimate ServiceTime { get; set; }

    [Id(8)]
    internal DaySummary? LastClosedDay { get; set; }

    /// <summary>The latest entry with this number (a ticket that left and came back has two).</summary>
    internal QueueTicket? FindByNumber(string number)
    {
        EnsureIndexes();
        return byNumber!.TryGetValue(number, out var seq) ? Tickets[seq] : null;
    }

    internal QueueTicket? FindByKey(string key)
    {
        EnsureIndexes();
        return byKey!.TryGetValue(key, out var seq) ? Tickets[seq] : null;
    }

    internal void Add(QueueTicket ticket)
    {
        EnsureIndexes();
        ticket.Seq = Tickets.Count;
        Tickets.Add(ticket);
        Index(ticket);
    }

    internal void StartDay(DateOnly day)
    {
        Day = day;
        LastNumber = 0;
        Received = 0;
        CallsMade = 0;
        ConsecutivePriorityCalls = 0;
        Tickets = [];
        byNumber = null;
        byKey = null;
    }

    private void EnsureIndexes()
    {
        if (byNumber is not null && byKey is not null)
        {
            return;
        }

        byNumber = new Dictionary<string, int>(Tickets.Count, StringComparer.OrdinalIgnoreCase);
        byKey = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var t in Tickets)
        {
            Index(t);
        }
    }

    private void Index(QueueTicket t)
    {
        byNumber![t.Number] = t.Seq;
        if (t.IdempotencyKey is not null)
        {
            byKey![t.IdempotencyKey] = t.Seq;
        }
    }
}

/// <summary>One ticket entry of the day, mutated in place by <see cref="CategoryQueue"/> (no copy per operation).</summary>
[GenerateSerializer]
internal sealed class QueueTicket
{
    [Id(0)] public int Seq { get; set; }
    [Id(1)] public string Number { get; set; } = string.Empty;
    [Id(2)] public TicketKind Kind { get; set; }
    [Id(3)] public PriorityClass Priority { get; set; }
    [Id(4)] public TicketState State { get; set; }
    [Id(5)] public DateTimeOffset IssuedAt { get; set; }
    [Id(6)] public DateTimeOffset EnteredAt { get; set; }
    [Id(7)] public DateTimeOffset? AppointmentSlotStart { get; set; }
    [Id(8)] public int? WindowNo { get; set; }
    [Id(9)] public int? TargetWindow { get; set; }
    [Id(10)] public int CallCount { get; set; }

    /// <summary>Recalls since the latest call; the no-show rule counts these.</summary>
    [Id(11)] public int Recalls { get; set; }
    [Id(12)] public DateTimeOffset? FirstCalledAt { get; set; }
    [Id(13)] public DateTimeOffset? LastCalledAt { get; set; }
    [Id(14)] public DateTimeOffset? StartedAt { get; set; }
    [Id(15)] public DateTimeOffset? FinishedAt { get; set; }

    /// <summary>Service time of earlier sessions (before a park), added to the last session at finish.</summary>
    [Id(16)] public TimeSpan ServedBefore { get; set; }
    [Id(17)] public int? PredictedWaitMinutes { get; set; }
    [Id(18)] public string? IdempotencyKey { get; set; }

    /// <summary>Returned by a closing or pausing window: called before anything else.</summary>
    [Id(19)] public bool AtHead { get; set; }

    /// <summary>Skipped (过号顺延): not callable until the queue's call count reaches this, unless nothing else is callable.</summary>
    [Id(20)] public int DeferredUntilCall { get; set; }
    [Id(21)] public int SkipCount { get; set; }
    [Id(22)] public string? TransferId { get; set; }
    [Id(23)] public string? FromCategory { get; set; }
    [Id(24)] public string? TransferredTo { get; set; }
    [Id(25)] public int? TransferredToWindow { get; set; }

    public bool IsFinal => State is TicketState.Done or TicketState.NoShow or TicketState.Cancelled or TicketState.Transferred;

    public bool IsHeld => State is TicketState.Called or TicketState.Serving;

    public Ticket ToTicket(string category) => new(
        Number, category, Kind, Priority, State, IssuedAt, EnteredAt, AppointmentSlotStart, WindowNo, TargetWindow,
        CallCount, FirstCalledAt, LastCalledAt, StartedAt, FinishedAt, PredictedWaitMinutes, FromCategory, TransferredTo);
}
