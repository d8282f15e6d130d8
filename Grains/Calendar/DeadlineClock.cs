namespace TongBan.Grains.Calendar;

/// <summary>
/// A period during which a case's time limit does not run (计时暂停): 补正 (waiting for the applicant
/// to supplement materials), or the 听证、检验、检测、鉴定、专家评审 time that 《行政许可法》第四十五条
/// excludes from the limit. Like acceptance, both ends are events that happen during a day and
/// take effect at its end: the day the clock stops (<see cref="Start"/>) still counts, the day it
/// restarts (<see cref="End"/>) does not, so the paused days are those after Start up to and
/// including End. <see cref="End"/> is null while the suspension is still open.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record Suspension(
    [property: Id(0)] DateOnly Start,
    [property: Id(1)] DateOnly? End,
    [property: Id(2)] string? Reason = null)
{
    public bool IsOpen => End is null;
}

/// <summary>Where a case stands against its time limit.</summary>
public enum DeadlineStage
{
    /// <summary>Less than 80% of the limit used (正常).</summary>
    OnTrack,

    /// <summary>The 80% warning date has been reached, the due date has not passed (预警, 黄灯).</summary>
    Warning,

    /// <summary>The due date has passed without completion (超期, 红灯).</summary>
    Overdue,
}

/// <summary>The state of a <see cref="DeadlineClock"/> on a given date.</summary>
/// <param name="AsOf">The date evaluated ("today" for a running case; the 办结 date to judge a finished one).</param>
/// <param name="LimitWorkingDays">The time limit in working days.</param>
/// <param name="Due">The last day of the limit; with an open suspension, the due date if the clock restarted at the end of <paramref name="AsOf"/>.</param>
/// <param name="WarningFrom">The working day on which 80% of the limit (rounded up) is used.</param>
/// <param name="ElapsedWorkingDays">Counted days before <paramref name="AsOf"/> (the days already used up when that day begins).</param>
/// <param name="RemainingWorkingDays">Counted days from <paramref name="AsOf"/> through <paramref name="Due"/>, including AsOf when it counts: 1 on the due date, 0 once it has passed.</param>
/// <param name="OverdueWorkingDays">Counted days after <paramref name="Due"/> up to and including <paramref name="AsOf"/> (1 on the first working day after the due date).</param>
/// <param name="IsOverdue"><paramref name="AsOf"/> is after the due date (also on a weekend right after it, with 0 overdue working days).</param>
/// <param name="IsSuspended">The clock is stopped on <paramref name="AsOf"/>: a suspension has started on or before it and not yet ended.</param>
/// <param name="Stage">On track, warning or overdue.</param>
/// <param name="Basis">Every notice year that any of these figures relied on.</param>
[GenerateSerializer, Immutable]
public sealed record DeadlineStatus(
    [property: Id(0)] DateOnly AsOf,
    [property: Id(1)] int LimitWorkingDays,
    [property: Id(2)] Deadline Due,
    [property: Id(3)] Deadline WarningFrom,
    [property: Id(4)] int ElapsedWorkingDays,
    [property: Id(5)] int RemainingWorkingDays,
    [property: Id(6)] int OverdueWorkingDays,
    [property: Id(7)] bool IsOverdue,
    [property: Id(8)] bool IsSuspended,
    [property: Id(9)] DeadlineStage Stage,
    [property: Id(10)] CalendarBasis Basis)
{
    /// <summary>Some figure relied on an unpublished notice.</summary>
    public bool Provisional => Basis.Provisional;

    /// <inheritdoc cref="CalendarBasis.NeedsRecompute"/>
    public bool NeedsRecompute(WorkingDayCalendar calendar) => Basis.NeedsRecompute(calendar);
}

/// <summary>
/// The time limit of one case (法定办结时限 or 承诺办结时限) in working days, counted from the day
/// after acceptance (受理) as <see cref="WorkingDayCalendar.AddWorkingDays"/> does, stopped by
/// <see cref="Suspension"/>s. Pure and immutable: a case grain keeps one in its state, replaces it
/// on suspend/resume, and calls <see cref="Evaluate"/> with the current calendar and today's date.
/// </summary>
public sealed class DeadlineClock
{
    /// <summary>Warn once this share of the limit is used (时限预警).</summary>
    public const int WarningPercent = 80;

    public DeadlineClock(DateOnly acceptedOn, int limitWorkingDays, IEnumerable<Suspension>? suspensions = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limitWorkingDays);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limitWorkingDays, WorkingDayCalendar.MaxWorkingDays);
        AcceptedOn = acceptedOn;
        LimitWorkingDays = limitWorkingDays;
        Suspensions = Check(acceptedOn, suspensions ?? []);
    }

    /// <summary>The day of acceptance (受理日); not counted.</summary>
    public DateOnly AcceptedOn { get; }

    public int LimitWorkingDays { get; }

    /// <summary>Sorted by start, non-overlapping; only the last may be open.</summary>
    public IReadOnlyList<Suspension> Suspensions { get; }

    /// <summary>
    /// Working days used at which the warning starts: ⌈80% × limit⌉, so the warning never comes
    /// before 80% is really used. Examples: 20 → 16, 10 → 8, 5 → 4, 7 → 6; for limits of 1–4 days it
    /// equals the limit, i.e. the warning falls on the due date itself; 0 (即办件) → 0.
    /// </summary>
    public int WarningThreshold => ((LimitWorkingDays * WarningPercent) + 99) / 100;

    /// <summary>True when the last suspension has not ended.</summary>
    public bool IsSuspended => Suspensions.Count > 0 && Suspensions[^1].IsOpen;

    /// <summary>Stops the clock (e.g. 补正告知 issued on <paramref name="on"/>, which still counts).</summary>
    public DeadlineClock Suspend(DateOnly on, string? reason = null)
    {
        if (IsSuspended)
        {
            throw new InvalidOperationException($"The clock is already suspended since {HolidayYear.Iso(Suspensions[^1].Start)}.");
        }

        return new DeadlineClock(AcceptedOn, LimitWorkingDays, [.. Suspensions, new Suspension(on, null, reason)]);
    }

    /// <summary>Restarts the clock (e.g. supplemented materials received on <paramref name="on"/>, which does not count).</summary>
    public DeadlineClock Resume(DateOnly on)
    {
        if (!IsSuspended)
        {
            throw new InvalidOperationException("The clock is not suspended.");
        }

        var open = Suspensions[^1];
        return new DeadlineClock(AcceptedOn, LimitWorkingDays, [.. Suspensions.Take(Suspensions.Count - 1), open with { End = on }]);
    }

    /// <summary>The state of the clock on <paramref name="asOf"/> under <paramref name="calendar"/>.</summary>
    public DeadlineStatus Evaluate(WorkingDayCalendar calendar, DateOnly asOf)
    {
        ArgumentNullException.ThrowIfNull(calendar);

        // An open suspension is taken to end with asOf: the projected due date slides day by day
        // while the applicant has not supplemented, and is exact once the clock is resumed.
        var paused = Suspensions
            .Select(s => (s.Start, End: s.End ?? (asOf > s.Start ? asOf : s.Start)))
            .ToArray();

        var all = new BasisBuilder(calendar);
        var toDue = new BasisBuilder(calendar);
        var threshold = WarningThreshold;
        Deadline? warning = threshold == 0 ? new Deadline(AcceptedOn, CalendarBasis.None(calendar.Version)) : null;
        Deadline? due = LimitWorkingDays == 0 ? new Deadline(AcceptedOn, CalendarBasis.None(calendar.Version)) : null;
        int counted = 0, elapsed = 0, overdue = 0;
        var pauseIndex = 0;

        for (var date = AcceptedOn; due is null || date < asOf;)
        {
            date = date.AddDays(1);
            while (pauseIndex < paused.Length && paused[pauseIndex].End < date)
            {
                pauseIndex++;
            }

            if (pauseIndex < paused.Length && paused[pauseIndex].Start < date)
            {
                continue; // a stopped day: its calendar status does not matter, so it is not touched either
            }

            all.Touch(date);
            if (due is null)
            {
                toDue.Touch(date);
            }

            if (!calendar.IsWorkingDay(date))
            {
                continue;
            }

            if (date < asOf)
            {
                elapsed++;
            }

            if (due is not null)
            {
                if (date <= asOf)
                {
                    overdue++;
                }

                continue;
            }

            counted++;
            if (counted == threshold)
            {
                warning = new Deadline(date, toDue.Build());
            }

            if (counted == LimitWorkingDays)
            {
                due = new Deadline(date, toDue.Build());
            }
        }

        var isOverdue = asOf > due.Date;
        var stage = isOverdue ? DeadlineStage.Overdue
            : asOf >= warning!.Date && LimitWorkingDays > 0 ? DeadlineStage.Warning
            : DeadlineStage.OnTrack;
        var suspended = Suspensions.Any(s => s.Start <= asOf && (s.End is null || asOf < s.End));

        return new DeadlineStatus(
            asOf,
            LimitWorkingDays,
            due,
            warning!,
            elapsed,
            Math.Max(0, LimitWorkingDays - elapsed),
            overdue,
            isOverdue,
            suspended,
            stage,
            all.Build());
    }

    private static Suspension[] Check(DateOnly acceptedOn, IEnumerable<Suspension> suspensions)
    {
        var sorted = suspensions.OrderBy(s => s.Start).ToArray();
        for (var i = 0; i < sorted.Length; i++)
        {
            var s = sorted[i] ?? throw new ArgumentException("A suspension is null.", nameof(suspensions));
            if (s.Start < acceptedOn)
            {
                throw new ArgumentException(
                    $"A suspension starts on {HolidayYear.Iso(s.Start)}, before the case was accepted on {HolidayYear.Iso(acceptedOn)}.", nameof(suspensions));
            }

            if (s.End is { } end && end < s.Start)
            {
                throw new ArgumentException(
                    $"A suspension ends on {HolidayYear.Iso(end)}, before it starts on {HolidayYear.Iso(s.Start)}.", nameof(suspensions));
            }

            if (i > 0)
            {
                var previous = sorted[i - 1];
                if (previous.End is not { } previousEnd)
                {
                    throw new ArgumentException(
                        $"The suspension from {HolidayYear.Iso(previous.Start)} is still open; only the last suspension may be open.", nameof(suspensions));
                }

                // Back to back is fine (resumed and stopped again on the same day); overlap means a recording error.
                if (s.Start < previousEnd)
                {
                    throw new ArgumentException(
                        $"Suspensions overlap: one runs {HolidayYear.Iso(previous.Start)} – {HolidayYear.Iso(previousEnd)}, the next starts {HolidayYear.Iso(s.Start)}.", nameof(suspensions));
                }
            }
        }

        return sorted;
    }
}
