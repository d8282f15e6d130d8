namespace TongBan.Grains.Queues;

/// <summary>
/// Tunable parameters of the queue rules (see QUEUE_RULES.md). Configuration, not state: the grain
/// passes them in, so changing a setting applies to queues that already hold tickets.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record QueueRules
{
    public static QueueRules Default { get; } = new();

    /// <summary>
    /// K of the anti-starvation rule: at most this many consecutive priority calls while a normal
    /// ticket is waiting; the next call then takes the longest-waiting normal ticket. 0 = normal first.
    /// </summary>
    [Id(0)]
    public int MaxConsecutivePriorityCalls { get; init; } = 2;

    /// <summary>An appointment ticket ranks as 预约 priority from this long before its slot start …</summary>
    [Id(1)]
    public TimeSpan AppointmentEarly { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>… provided it was checked in no later than this long after the slot start.</summary>
    [Id(2)]
    public TimeSpan AppointmentLate { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>N: a called ticket may be marked 过号 (no-show) only after this many recalls.</summary>
    [Id(3)]
    public int RecallsBeforeNoShow { get; init; } = 3;

    /// <summary>
    /// N for a remote ticket (远程取号, its holder may not be in the hall): recalls before it may be marked 过号 and
    /// released. Null: the same as <see cref="RecallsBeforeNoShow"/>. Id 20: new, never reused.
    /// </summary>
    [Id(20)]
    public int? RemoteRecallsBeforeNoShow { get; init; }

    /// <summary>
    /// Minimum time between two announcements of a ticket, and between the last one and a no-show,
    /// so that "three recalls" gives the citizen time to walk over and a double click is refused.
    /// </summary>
    [Id(4)]
    public TimeSpan MinRecallInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A skipped ticket (过号顺延) becomes callable again after this many further calls of the queue.</summary>
    [Id(5)]
    public int SkipDeferral { get; init; } = 3;

    /// <summary>Weight of the newest observation in the service-time EWMA (0 &lt; alpha ≤ 1).</summary>
    [Id(6)]
    public double ServiceTimeAlpha { get; init; } = 0.2;

    /// <summary>Mean service time assumed before any observation (a new category), and the EWMA's starting value.</summary>
    [Id(7)]
    public TimeSpan PriorServiceTime { get; init; } = TimeSpan.FromMinutes(6);

    /// <summary>Observations are clamped to this, so one forgotten "finish" cannot swamp the mean.</summary>
    [Id(8)]
    public TimeSpan MaxServiceObservation { get; init; } = TimeSpan.FromHours(2);

    /// <summary>The recalls a called ticket of this kind needs before it may be marked 过号.</summary>
    public int RecallsBeforeNoShowOf(TicketKind kind) =>
        kind == TicketKind.Remote ? RemoteRecallsBeforeNoShow ?? RecallsBeforeNoShow : RecallsBeforeNoShow;

    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(MaxConsecutivePriorityCalls);
        ArgumentOutOfRangeException.ThrowIfLessThan(AppointmentEarly, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(AppointmentLate, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegative(RecallsBeforeNoShow);
        ArgumentOutOfRangeException.ThrowIfNegative(RemoteRecallsBeforeNoShow ?? 0, nameof(RemoteRecallsBeforeNoShow));
        ArgumentOutOfRangeException.ThrowIfLessThan(MinRecallInterval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegative(SkipDeferral);
        if (!(ServiceTimeAlpha > 0 && ServiceTimeAlpha <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(ServiceTimeAlpha), ServiceTimeAlpha, "Alpha must be in (0, 1].");
        }

        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(PriorServiceTime, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(MaxServiceObservation, TimeSpan.Zero);
    }
}
