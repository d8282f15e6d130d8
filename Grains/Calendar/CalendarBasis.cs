namespace TongBan.Grains.Calendar;

/// <summary>
/// One holiday notice a result depended on, with the <see cref="HolidayYear.Stamp"/> it had at
/// the time; an empty stamp means the notice was not published and weekends alone were used.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record NoticeStamp([property: Id(0)] int Year, [property: Id(1)] string Stamp)
{
    public bool IsPublished => Stamp.Length > 0;
}

/// <summary>
/// What a calendar computation relied on: the notice years whose data could change its answer,
/// each with the stamp seen. Carried by <see cref="Deadline"/>, <see cref="WorkingDayCount"/> and
/// <see cref="DeadlineStatus"/> so callers can tell a provisional answer and know when to redo it.
/// </summary>
/// <remarks>
/// A counted date D depends on the notice of D's year, on any notice that lists D, and, for the
/// last <see cref="WorkingDayCalendar.LateDecemberDays"/> days of December, on next year's notice
/// too (the 2019 notice made 2018-12-29 a working day; the 2023 notice lists 2022-12-31).
/// </remarks>
[GenerateSerializer, Immutable]
public sealed record CalendarBasis(
    [property: Id(0)] int CalendarVersion,
    [property: Id(1)] IReadOnlyList<NoticeStamp> Notices)
{
    /// <summary>A computation that looked at no date at all (e.g. adding zero working days).</summary>
    public static CalendarBasis None(int calendarVersion) => new(calendarVersion, []);

    /// <summary>True when some date was judged by weekday alone because its notice is not published (暂定).</summary>
    public bool Provisional => Notices.Any(n => !n.IsPublished);

    /// <summary>The unpublished notice years behind a provisional answer.</summary>
    public IEnumerable<int> ProvisionalYears => Notices.Where(n => !n.IsPublished).Select(n => n.Year);

    /// <summary>
    /// True when <paramref name="calendar"/> holds different data for a notice this result used:
    /// a year it touched is now published, or a published year was amended (as with the 2020
    /// COVID extension) or withdrawn. Compares content stamps, not version numbers, so the answer
    /// is the same on every silo and survives restarts.
    /// </summary>
    public bool NeedsRecompute(WorkingDayCalendar calendar)
    {
        ArgumentNullException.ThrowIfNull(calendar);
        return Notices.Any(n => !string.Equals(calendar.StampOf(n.Year), n.Stamp, StringComparison.Ordinal));
    }

    public bool Equals(CalendarBasis? other) =>
        other is not null && CalendarVersion == other.CalendarVersion && Notices.SequenceEqual(other.Notices);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(CalendarVersion);
        foreach (var notice in Notices)
        {
            hash.Add(notice);
        }

        return hash.ToHashCode();
    }
}

/// <summary>A date computed in working days (a due date or a warning date) and what it relied on.</summary>
[GenerateSerializer, Immutable]
public sealed record Deadline([property: Id(0)] DateOnly Date, [property: Id(1)] CalendarBasis Basis)
{
    /// <summary>Some counted date lies in a year whose holiday notice is not published; weekends only were used.</summary>
    public bool Provisional => Basis.Provisional;

    /// <summary>Version of the calendar instance that computed this (informational, per process).</summary>
    public int CalendarVersion => Basis.CalendarVersion;

    /// <inheritdoc cref="CalendarBasis.NeedsRecompute"/>
    public bool NeedsRecompute(WorkingDayCalendar calendar) => Basis.NeedsRecompute(calendar);

    public override string ToString() => Provisional ? $"{HolidayYear.Iso(Date)} (provisional)" : HolidayYear.Iso(Date);
}

/// <summary>A number of working days between two dates and what it relied on.</summary>
[GenerateSerializer, Immutable]
public sealed record WorkingDayCount([property: Id(0)] int Days, [property: Id(1)] CalendarBasis Basis)
{
    /// <inheritdoc cref="Deadline.Provisional"/>
    public bool Provisional => Basis.Provisional;

    /// <inheritdoc cref="CalendarBasis.NeedsRecompute"/>
    public bool NeedsRecompute(WorkingDayCalendar calendar) => Basis.NeedsRecompute(calendar);
}
