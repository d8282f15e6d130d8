using System.Diagnostics.CodeAnalysis;

namespace TongBan.Grains.Queues;

/// <summary>
/// The call order (叫号顺序) — the one place the selection rule lives. Both "call next" and the projected
/// positions / wait predictions walk the same lanes, so a prediction never assumes an order the
/// windows would not follow.
/// <para>
/// Candidates are the <see cref="TicketState.Waiting"/> tickets (parked ones never) that the calling
/// window may take: a ticket transferred to a named window is a candidate for that window only.
/// The next ticket is:
/// </para>
/// <list type="number">
/// <item><b>Returned tickets first</b>: tickets returned to the head by a closing or pausing window, oldest issue first.</item>
/// <item>
/// Otherwise the <b>priority lane</b> or the <b>normal lane</b>. A ticket's effective class is its declared
/// class (绿色通道 GreenChannel, 帮办代办 Assisted, Normal), raised to 预约 Appointment when it is an appointment,
/// the current time is at or after slot start − <see cref="QueueRules.AppointmentEarly"/> and it was checked
/// in no later than slot start + <see cref="QueueRules.AppointmentLate"/> (so a citizen who arrived on time
/// keeps priority while waiting; one who arrived late, or is still early, is ordered as a walk-in by issue time).
/// The priority lane is ordered GreenChannel, then Appointment, then Assisted; within a class by issue
/// time, appointments by slot start. The normal lane is ordered by issue time. Issue time is the
/// original one: a transferred ticket keeps its place in time.
/// </item>
/// <item>
/// <b>Anti-starvation</b>: the priority lane's head is called unless a normal ticket is waiting and
/// <see cref="QueueRules.MaxConsecutivePriorityCalls"/> (K) priority calls in a row have already passed
/// over waiting normal tickets; then the longest-waiting normal ticket is called. So while any normal
/// ticket waits, at least one call in every K + 1 is a normal ticket, and the oldest normal ticket is passed
/// over by at most K consecutive priority calls. A priority call made while no normal ticket waited
/// passed nobody over and resets the count, as does every normal call. (With K = 2: P P N P P N …)
/// The counter is per queue, not per window.
/// </item>
/// <item>
/// <b>Skipped tickets</b> (过号顺延) keep their place in time but are not candidates until
/// <see cref="QueueRules.SkipDeferral"/> further calls have been made by the queue, so the citizen who
/// missed the call is served after the next few tickets rather than sent to the back; when nothing else
/// is callable they are taken at once instead of leaving the window idle.
/// </item>
/// </list>
/// Ties are broken by entry order, so the order is deterministic.
/// </summary>
internal sealed class CallLanes
{
    private static readonly LaneOrder Order = new();
    private static readonly DeferredOrder DeferredFirst = new();

    private readonly List<Candidate> heads = [];
    private readonly List<Candidate> priority = [];
    private readonly List<Candidate> normal = [];
    private readonly List<Candidate> deferred = [];
    private int headAt;
    private int priorityAt;
    private int normalAt;
    private int deferredAt;
    private int maxConsecutive;

    /// <summary>The anti-starvation counter after the calls taken so far.</summary>
    public int ConsecutivePriorityCalls { get; private set; }

    /// <summary>The queue's call count after the calls taken so far.</summary>
    public int Calls { get; private set; }

    /// <summary>The class a waiting ticket is ranked by at <paramref name="now"/>.</summary>
    public static PriorityClass EffectiveClass(QueueTicket t, DateTimeOffset now, QueueRules rules) =>
        InSlotWindow(t, now, rules) && t.Priority < PriorityClass.Appointment ? PriorityClass.Appointment : t.Priority;

    /// <summary>
    /// Loads the candidates of <paramref name="windowNo"/> (null: any window, for projections) and an
    /// optional <paramref name="newcomer"/> not yet in the list (to predict a wait before issuing).
    /// </summary>
    public void Load(
        List<QueueTicket> tickets,
        int? windowNo,
        DateTimeOffset now,
        QueueRules rules,
        int consecutivePriorityCalls,
        int callsMade,
        QueueTicket? newcomer = null)
    {
        heads.Clear();
        priority.Clear();
        normal.Clear();
        deferred.Clear();
        headAt = priorityAt = normalAt = deferredAt = 0;
        maxConsecutive = rules.MaxConsecutivePriorityCalls;
        ConsecutivePriorityCalls = consecutivePriorityCalls;
        Calls = callsMade;

        foreach (var t in tickets)
        {
            Consider(t, windowNo, now, rules, callsMade);
        }

        if (newcomer is not null)
        {
            Consider(newcomer, windowNo, now, rules, callsMade);
        }

        heads.Sort(Order);
        priority.Sort(Order);
        normal.Sort(Order);
        deferred.Sort(DeferredFirst);
    }

    /// <summary>Takes the next ticket the window would call, advancing the counters; false when nothing is callable.</summary>
    public bool TryNext([NotNullWhen(true)] out QueueTicket? ticket)
    {
        if (headAt < heads.Count)
        {
            ticket = heads[headAt++].Ticket;
            Calls++;
            return true; // a re-call of an interrupted call: not a priority decision, the counter stays
        }

        while (deferredAt < deferred.Count && deferred[deferredAt].DeferredUntil <= Calls)
        {
            Release(deferred[deferredAt++]);
        }

        var hasPriority = priorityAt < priority.Count;
        var hasNormal = normalAt < normal.Count;
        if (!hasPriority && !hasNormal)
        {
            if (deferredAt == deferred.Count)
            {
                ticket = null;
                return false;
            }

            Release(deferred[deferredAt++]); // better early than an idle window
            hasPriority = priorityAt < priority.Count;
            hasNormal = normalAt < normal.Count;
        }

        if (hasPriority && (!hasNormal || ConsecutivePriorityCalls < maxConsecutive))
        {
            ticket = priority[priorityAt++].Ticket;
            ConsecutivePriorityCalls = hasNormal ? ConsecutivePriorityCalls + 1 : 0;
        }
        else
        {
            ticket = normal[normalAt++].Ticket;
            ConsecutivePriorityCalls = 0;
        }

        Calls++;
        return true;
    }

    private static bool InSlotWindow(QueueTicket t, DateTimeOffset now, QueueRules rules) =>
        t.AppointmentSlotStart is { } slot
        && now >= slot - rules.AppointmentEarly
        && t.IssuedAt <= slot + rules.AppointmentLate;

    private void Consider(QueueTicket t, int? windowNo, DateTimeOffset now, QueueRules rules, int callsMade)
    {
        if (t.State != TicketState.Waiting)
        {
            return;
        }

        if (windowNo is not null && t.TargetWindow is not null && t.TargetWindow != windowNo)
        {
            return;
        }

        var issued = t.IssuedAt.UtcTicks;
        if (t.AtHead)
        {
            heads.Add(new Candidate(t, PriorityClass.Normal, issued, issued));
            return;
        }

        var cls = EffectiveClass(t, now, rules);
        var key = cls == PriorityClass.Appointment ? t.AppointmentSlotStart!.Value.UtcTicks : issued;
        var candidate = new Candidate(t, cls, key, issued);
        if (t.DeferredUntilCall > callsMade)
        {
            deferred.Add(candidate);
        }
        else
        {
            (cls == PriorityClass.Normal ? normal : priority).Add(candidate);
        }
    }

    /// <summary>Puts a deferred ticket back into its lane at its place in time (never behind the lane's consumed part).</summary>
    private void Release(Candidate c)
    {
        var (lane, at) = c.Class == PriorityClass.Normal ? (normal, normalAt) : (priority, priorityAt);
        var i = lane.BinarySearch(at, lane.Count - at, c, Order);
        lane.Insert(i < 0 ? ~i : i, c);
    }

    /// <summary>A callable ticket with its sort keys flattened to integers (sorting is the hot path of every call and prediction).</summary>
    internal readonly record struct Candidate(QueueTicket Ticket, PriorityClass Class, long Key, long Issued)
    {
        public int Seq { get; } = Ticket.Seq;

        public int DeferredUntil { get; } = Ticket.DeferredUntilCall;
    }

    private sealed class LaneOrder : IComparer<Candidate>
    {
        public int Compare(Candidate x, Candidate y)
        {
            if (x.Class != y.Class)
            {
                return x.Class > y.Class ? -1 : 1; // higher class first
            }

            if (x.Key != y.Key)
            {
                return x.Key < y.Key ? -1 : 1;
            }

            if (x.Issued != y.Issued)
            {
                return x.Issued < y.Issued ? -1 : 1;
            }

            return x.Seq.CompareTo(y.Seq);
        }
    }

    private sealed class DeferredOrder : IComparer<Candidate>
    {
        public int Compare(Candidate x, Candidate y)
        {
            var c = x.DeferredUntil.CompareTo(y.DeferredUntil);
            return c != 0 ? c : Order.Compare(x, y);
        }
    }
}
