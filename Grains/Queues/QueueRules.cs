using System.Collections.Immutable;

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

    /// <summary>
    /// Weight of the newest observation in the service-time EWMA that code before the robust estimator kept (0 &lt; alpha ≤ 1).
    /// Unused since the estimator keeps recent samples; kept so stored rules and states still load.
    /// </summary>
    [Id(6)]
    public double ServiceTimeAlpha { get; init; } = 0.2;

    /// <summary>Service time assumed for a category without enough samples and without an entry in <see cref="CategoryPriorServiceTimes"/>.</summary>
    [Id(7)]
    public TimeSpan PriorServiceTime { get; init; } = TimeSpan.FromMinutes(6);

    /// <summary>Observations are clamped to this, so one forgotten "finish" cannot swamp the mean.</summary>
    [Id(8)]
    public TimeSpan MaxServiceObservation { get; init; } = TimeSpan.FromHours(2);

    /// <summary>
    /// A start → finish shorter than this is not counted as a service (an instant start/finish click, a ticket called
    /// by mistake): six such clicks once dragged a category's mean to 1.57 min.
    /// </summary>
    [Id(9)]
    public TimeSpan MinServiceObservation { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How many recent services per category the estimate rests on (stored with the queue, so kept small).</summary>
    [Id(10)]
    public int ServiceSampleWindow { get; init; } = 30;

    /// <summary>Below this many recent samples the category's prior applies instead of the measured figure.</summary>
    [Id(11)]
    public int MinServiceSamples { get; init; } = 5;

    /// <summary>Share of the shortest and of the longest samples dropped before averaging (trimmed mean; at least one each side).</summary>
    [Id(12)]
    public double ServiceTrimFraction { get; init; } = 0.1;

    /// <summary>
    /// Prior service time per queue category code, for categories known to differ from <see cref="PriorServiceTime"/>.
    /// Empty by default, on purpose: the catalogue gives each item's time limits in working days (法定/承诺时限) but no
    /// counter handling time, and a hall's queue categories are not mapped to catalogue items, so there is no published
    /// figure to derive a per-category prior from. Every category therefore starts from the 6-minute default until it
    /// has <see cref="MinServiceSamples"/> services of its own (a handful of tickets in a real hall).
    /// </summary>
    [Id(13)]
    public ImmutableDictionary<string, TimeSpan> CategoryPriorServiceTimes { get; init; } = ImmutableDictionary<string, TimeSpan>.Empty;

    /// <summary>The estimate error (MAE, p90 of |error|) is published only once it rests on this many predicted, called tickets.</summary>
    [Id(14)]
    public int MinErrorSamples { get; init; } = 10;

    /// <summary>How many of a window's recent services measure its share of each category it serves.</summary>
    [Id(15)]
    public int WindowShareSamples { get; init; } = 20;

    /// <summary>
    /// Weight, in services, of the even split a window's share starts from: share = (served in c + w/n) / (served + w),
    /// so a new window is split evenly and a few services move it gradually.
    /// </summary>
    [Id(16)]
    public double WindowSharePriorWeight { get; init; } = 4;

    /// <summary>The service time assumed for <paramref name="category"/> until it has <see cref="MinServiceSamples"/> samples.</summary>
    public TimeSpan PriorServiceTimeFor(string category) =>
        CategoryPriorServiceTimes.TryGetValue(category, out var prior) ? prior : PriorServiceTime;

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
        ArgumentOutOfRangeException.ThrowIfLessThan(MinServiceObservation, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(ServiceSampleWindow, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MinServiceSamples, 1);
        if (!(ServiceTrimFraction >= 0 && ServiceTrimFraction < 0.5))
        {
            throw new ArgumentOutOfRangeException(nameof(ServiceTrimFraction), ServiceTrimFraction, "The trim fraction must be in [0, 0.5).");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(MinErrorSamples);
        ArgumentOutOfRangeException.ThrowIfLessThan(WindowShareSamples, 1);
        if (!(WindowSharePriorWeight > 0) || !double.IsFinite(WindowSharePriorWeight))
        {
            throw new ArgumentOutOfRangeException(nameof(WindowSharePriorWeight), WindowSharePriorWeight, "The prior weight must be a finite number > 0.");
        }
    }
}
