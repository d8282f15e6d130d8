namespace TongBan.Grains.Queues;

/// <summary>
/// Persisted state of one hall × category queue: the current day's live tickets (and finished ones not yet moved
/// out), the day's counters, the last closed day's summary, and the service-time estimate (which survives midnight).
/// Persist it as is through <c>IPersistentState&lt;CategoryQueueState&gt;</c>; change it only through <see cref="CategoryQueue"/>.
/// A fresh instance (as storage hands out before the first write) is a valid empty queue.
/// <para>
/// Finished tickets never change again, so a queue grain moves them out of this hot state in batches
/// (<see cref="MoveOut"/>: the grain writes each batch as a <see cref="FinishedTicketBatch"/> first), keeping here only
/// what every command needs of them: their number of each final state and their wait samples (<see cref="MovedOutTally"/>).
/// The moved-out tickets themselves are given back after an activation (<see cref="RestoreMovedOut"/>) for the
/// look-ups by number, idempotency key and transfer id. A state written before this split simply holds all its
/// finished tickets in <see cref="Tickets"/>: it is read as a state whose finished tickets have not been moved out yet.
/// </para>
/// </summary>
[GenerateSerializer]
public sealed class CategoryQueueState
{
    // Look-ups by number and by idempotency key are rebuilt on demand and never persisted: the ticket lists are
    // the single source of truth, so a deserialized or copied state is always consistent.
    [NonSerialized]
    private Dictionary<string, QueueTicket>? byNumber;

    [NonSerialized]
    private Dictionary<string, QueueTicket>? byKey;

    /// <summary>Today's finished tickets moved out of the hot state (kept in memory, persisted as batches by the grain).</summary>
    [NonSerialized]
    private List<QueueTicket> movedOut = [];

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

    /// <summary>
    /// Today's entries in arrival order (ascending <see cref="QueueTicket.Seq"/>): every live ticket, and finished ones
    /// until they are moved out (<see cref="MoveOut"/>).
    /// </summary>
    [Id(6)]
    internal List<QueueTicket> Tickets { get; set; } = [];

    /// <summary>The EWMA written by code before the sample window (no longer updated): seeds the estimate of an old state.</summary>
    [Id(7)]
    internal ServiceTimeEstimate ServiceTime { get; set; }

    [Id(8)]
    internal DaySummary? LastClosedDay { get; set; }

    /// <summary>Sequence of the next entry today; 0 in a state written before it existed (then derived from the tickets).</summary>
    [Id(9)]
    internal int NextSeq { get; set; }

    /// <summary>Batches of today's finished tickets moved out so far (batch n is the grain's record n of the day).</summary>
    [Id(10)]
    internal int MovedOutBatches { get; set; }

    /// <summary>What the counts and wait figures need of the moved-out tickets.</summary>
    [Id(11)]
    internal MovedOutTally MovedOutTally { get; set; } = new();

    /// <summary>
    /// Recent service times of the category in whole seconds, oldest first, at most <see cref="QueueRules.ServiceSampleWindow"/>
    /// (written with every command, so kept small); survives midnight. Empty in a state written before it existed.
    /// </summary>
    [Id(12)]
    internal List<int> RecentServiceSeconds { get; set; } = [];

    /// <summary>Today's walk-up services (补录): counted as served, never in the line or the wait figures.</summary>
    [Id(13)]
    internal List<WalkUpEntry> WalkUps { get; set; } = [];

    /// <summary>Finished tickets moved out today, in the order they were moved (empty until restored after an activation).</summary>
    internal IReadOnlyList<QueueTicket> MovedOut => movedOut;

    /// <summary>How many finished tickets <see cref="Tickets"/> still holds.</summary>
    internal int FinishedHeld
    {
        get
        {
            var n = 0;
            foreach (var t in Tickets)
            {
                if (t.IsFinal)
                {
                    n++;
                }
            }

            return n;
        }
    }

    /// <summary>The latest entry with this number (a ticket that left and came back has two).</summary>
    internal QueueTicket? FindByNumber(string number)
    {
        EnsureIndexes();
        return byNumber!.GetValueOrDefault(number);
    }

    /// <summary>
    /// The open ticket held by the person with any of these keys (only open tickets keep their keys). A linear scan of
    /// the hot state, which holds the open tickets and at most a batch of finished ones: no index to keep in step.
    /// </summary>
    internal QueueTicket? FindOpenByPerson(string[] personKeys)
    {
        foreach (var t in Tickets)
        {
            if (t.PersonKeys is { } keys && !t.IsFinal && keys.AsSpan().IndexOfAny(personKeys) >= 0)
            {
                return t;
            }
        }

        return null;
    }

    internal QueueTicket? FindByKey(string key)
    {
        EnsureIndexes();
        return byKey!.GetValueOrDefault(key);
    }

    /// <summary>The entry created by this transfer hand-off, held or moved out (rare: a linear scan is fine).</summary>
    internal QueueTicket? FindByTransferId(string transferId)
    {
        foreach (var t in Tickets)
        {
            if (t.TransferId == transferId)
            {
                return t;
            }
        }

        foreach (var t in movedOut)
        {
            if (t.TransferId == transferId)
            {
                return t;
            }
        }

        return null;
    }

    internal void Add(QueueTicket ticket)
    {
        EnsureIndexes();
        ticket.Seq = TakeSeq();
        Tickets.Add(ticket);
        Index(ticket);
    }

    /// <summary>The sequence the next entry would get (a phantom newcomer sorts after every real entry).</summary>
    internal int PeekSeq()
    {
        EnsureNextSeq();
        return NextSeq;
    }

    /// <summary>
    /// The finished tickets held, oldest first, for the grain to write as one batch before calling <see cref="MoveOut"/>.
    /// </summary>
    internal List<QueueTicket> FinishedToMove()
    {
        var finished = new List<QueueTicket>();
        foreach (var t in Tickets)
        {
            if (t.IsFinal)
            {
                finished.Add(t);
            }
        }

        return finished;
    }

    /// <summary>
    /// Drops <paramref name="batch"/> (finished tickets of <see cref="Tickets"/>, already written as batch
    /// <see cref="MovedOutBatches"/> of the day) from the hot state, keeping their counts and wait samples.
    /// </summary>
    internal void MoveOut(IReadOnlyList<QueueTicket> batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        EnsureNextSeq();
        var moving = new HashSet<QueueTicket>(batch, ReferenceEqualityComparer.Instance);
        foreach (var t in batch)
        {
            if (!t.IsFinal)
            {
                throw new InvalidOperationException($"Ticket {t.Number} is {t.State}: only finished tickets leave the hot state.");
            }

            MovedOutTally.Add(t);
        }

        var removed = Tickets.RemoveAll(moving.Contains);
        if (removed != moving.Count)
        {
            throw new InvalidOperationException("Only tickets held by this queue can be moved out.");
        }

        movedOut.AddRange(batch);
        MovedOutBatches++;
    }

    /// <summary>After an activation: gives back today's moved-out tickets, read from their batches, for the look-ups.</summary>
    internal void RestoreMovedOut(IEnumerable<QueueTicket> tickets)
    {
        movedOut = [.. tickets];
        byNumber = null;
        byKey = null;
    }

    internal void StartDay(DateOnly day)
    {
        Day = day;
        LastNumber = 0;
        Received = 0;
        CallsMade = 0;
        ConsecutivePriorityCalls = 0;
        Tickets = [];
        NextSeq = 0;
        MovedOutBatches = 0;
        MovedOutTally = new();
        WalkUps = [];
        movedOut = [];
        byNumber = null;
        byKey = null;
    }

    private int TakeSeq()
    {
        EnsureNextSeq();
        return NextSeq++;
    }

    /// <summary>A state written before <see cref="NextSeq"/> existed held every entry of the day, with Seq = index.</summary>
    private void EnsureNextSeq()
    {
        if (NextSeq == 0 && Tickets.Count > 0)
        {
            NextSeq = Tickets[^1].Seq + 1;
        }
    }

    private void EnsureIndexes()
    {
        if (byNumber is not null && byKey is not null)
        {
            return;
        }

        byNumber = new Dictionary<string, QueueTicket>(Tickets.Count + movedOut.Count, StringComparer.OrdinalIgnoreCase);
        byKey = new Dictionary<string, QueueTicket>(StringComparer.Ordinal);
        foreach (var t in movedOut)
        {
            Index(t);
        }

        foreach (var t in Tickets)
        {
            Index(t);
        }
    }

    /// <summary>The latest entry (highest Seq) wins: a ticket that left and came back has two.</summary>
    private void Index(QueueTicket t)
    {
        if (!byNumber!.TryGetValue(t.Number, out var other) || other.Seq < t.Seq)
        {
            byNumber[t.Number] = t;
        }

        if (t.IdempotencyKey is not null && (!byKey!.TryGetValue(t.IdempotencyKey, out other) || other.Seq < t.Seq))
        {
            byKey[t.IdempotencyKey] = t;
        }
    }
}

/// <summary>The counts and wait samples of a queue's moved-out tickets (all final), kept in its hot state.</summary>
[GenerateSerializer]
internal sealed class MovedOutTally
{
    [Id(0)] public int Done { get; set; }
    [Id(1)] public int NoShow { get; set; }
    [Id(2)] public int Cancelled { get; set; }
    [Id(3)] public int Transferred { get; set; }

    /// <summary>One per moved-out ticket that was called (its wait ended), in the order moved.</summary>
    [Id(4)] public List<MovedOutWait> Waits { get; set; } = [];

    public void Add(QueueTicket t)
    {
        switch (t.State)
        {
            case TicketState.Done:
                Done++;
                break;
            case TicketState.NoShow:
                NoShow++;
                break;
            case TicketState.Cancelled:
                Cancelled++;
                break;
            case TicketState.Transferred:
                Transferred++;
                break;
            default:
                throw new InvalidOperationException($"Ticket {t.Number} is {t.State}, not final.");
        }

        if (t.FirstCalledAt is { } called)
        {
            Waits.Add(new MovedOutWait((called - t.EnteredAt).Ticks, t.PredictedWaitMinutes));
        }
    }
}

/// <summary>A moved-out ticket's wait (first call − entry, in ticks) and the prediction made when it entered.</summary>
[GenerateSerializer, Immutable]
internal readonly record struct MovedOutWait([property: Id(0)] long ActualTicks, [property: Id(1)] int? PredictedMinutes);

/// <summary>
/// One batch of a queue's finished tickets of a day, written once (before the hot state drops them) under the
/// queue's key and the batch number. Rewritten with the same tickets only when a crash came between the two writes.
/// </summary>
[GenerateSerializer]
internal sealed class FinishedTicketBatch
{
    [Id(0)] public DateOnly Day { get; set; }
    [Id(1)] public int Index { get; set; }
    [Id(2)] public List<QueueTicket> Tickets { get; set; } = [];
}

/// <summary>A walk-up service (补录) as stored: the record and the idempotency key of the window command that made it.</summary>
[GenerateSerializer]
internal sealed class WalkUpEntry
{
    [Id(0)] public WalkUpService Service { get; set; } = null!;
    [Id(1)] public string? Key { get; set; }
}

/// <summary>A window command applied to a ticket: its idempotency key, what it did and which window sent it.</summary>
[GenerateSerializer, Immutable]
internal sealed record AppliedCommand([property: Id(0)] string Key, [property: Id(1)] QueueAction Action, [property: Id(2)] int WindowNo);

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

    /// <summary>The last keyed window command applied to this entry, so the window's retry of it is answered, not refused.</summary>
    [Id(26)] public AppliedCommand? LastCommand { get; set; }

    /// <summary>
    /// The holder's keyed hashes (one open ticket per person), kept only while the ticket is open and dropped when it
    /// reaches a final state, so the hot state stays small and closed tickets carry no personal key. Id 30: new, never reused.
    /// </summary>
    [Id(30)] public string[]? PersonKeys { get; set; }

    /// <summary>Why it is parked (挂起), while parked.</summary>
    [Id(27)] public string? ParkReason { get; set; }

    [Id(28)] public DateTimeOffset? ParkedAt { get; set; }

    /// <summary>The window that parked it (null: parked from the line by an operator).</summary>
    [Id(29)] public int? ParkedBy { get; set; }

    public bool IsFinal => State is TicketState.Done or TicketState.NoShow or TicketState.Cancelled or TicketState.Transferred;

    public bool IsHeld => State is TicketState.Called or TicketState.Serving;

    public Ticket ToTicket(string category) => new(
        Number, category, Kind, Priority, State, IssuedAt, EnteredAt, AppointmentSlotStart, WindowNo, TargetWindow,
        CallCount, FirstCalledAt, LastCalledAt, StartedAt, FinishedAt, PredictedWaitMinutes, FromCategory, TransferredTo, ParkReason);
}
