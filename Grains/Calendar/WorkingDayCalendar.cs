using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Globalization;
using TongBan.Grains.Common;

namespace TongBan.Grains.Calendar;

/// <summary>How a date is classified by the official calendar.</summary>
public enum DayKind
{
    /// <summary>Monday–Friday not listed in any notice (工作日).</summary>
    Workday,

    /// <summary>Saturday or Sunday not listed in any notice (双休日).</summary>
    Weekend,

    /// <summary>Listed rest day (法定节假日 or 放假调休), whatever the weekday.</summary>
    Holiday,

    /// <summary>Listed working day (调休上班), usually a weekend; also 2020-02-03, a Monday listed after the COVID extension.</summary>
    AdjustedWorkday,
}

/// <summary>One date as the calendar sees it (for day pickers, appointment books, explanations).</summary>
[GenerateSerializer, Immutable]
public sealed record CalendarDay(
    [property: Id(0)] DateOnly Date,
    [property: Id(1)] DayKind Kind,
    [property: Id(2)] string? HolidayName,
    [property: Id(3)] bool Provisional)
{
    public bool IsWorkingDay => Kind is DayKind.Workday or DayKind.AdjustedWorkday;
}

/// <summary>
/// The official working-day calendar of mainland China (used by every hall in Guizhou), built from
/// State Council holiday notices. Immutable and therefore safe to share between threads and grains;
/// changes (<see cref="WithYear"/>) return a new instance with a higher <see cref="Version"/>.
/// </summary>
/// <remarks>
/// <para>
/// A listed date takes its <c>isOffDay</c> flag (true: rest day; false: 调休 working day); any other
/// date is a working day Monday–Friday and a rest day on Saturday and Sunday. Notices are merged
/// by date because they are grouped by notice year, not calendar year.
/// </para>
/// <para>
/// Time limits (法定办结时限, 承诺办结时限) are counted in working days excluding statutory holidays
/// (《行政许可法》第八十二条: 期限以工作日计算，不含法定节假日), and the day on which the period starts
/// is not counted (《民法典》第二百零一条: 开始的当日不计入，自下一日开始计算; 《行政许可法》第四十二条
/// counts 自受理之日起). So the day of acceptance never counts; the first counted day is the next
/// working day after it.
/// </para>
/// <para>
/// A result is <em>provisional</em> (暂定) when a date it counted depends on a notice that is not
/// published: the notice of the date's year, any notice listing the date, and for the last
/// <see cref="LateDecemberDays"/> days of December the next year's notice as well.
/// </para>
/// </remarks>
public sealed class WorkingDayCalendar
{
    /// <summary>
    /// The last days of December that next year's notice may still change: the 2019 notice made
    /// Saturday 2018-12-29 a working day and 2018-12-31 a rest day, the 2012 notice made Saturday
    /// 2011-12-31 a working day. Dates from 25 December on are provisional until that notice is out.
    /// </summary>
    public const int LateDecemberDays = 7;

    /// <summary>A guard against nonsense input (about 40 years); real limits are at most a few hundred days.</summary>
    public const int MaxWorkingDays = 10_000;

    private readonly ImmutableSortedDictionary<int, HolidayYear> notices;
    private readonly FrozenDictionary<DateOnly, Listing> listings;

    private WorkingDayCalendar(ImmutableSortedDictionary<int, HolidayYear> notices, FrozenDictionary<DateOnly, Listing> listings, int version)
    {
        this.notices = notices;
        this.listings = listings;
        Version = version;
        Notices = [.. notices.Values];
        PublishedYears = [.. notices.Values.Where(n => n.IsPublished).Select(n => n.Year)];
    }

    /// <summary>
    /// Increases by one with every change made through <see cref="WithYear"/>. Local to this process
    /// (a restarted silo starts again at 1); use <see cref="HolidayYear.Stamp"/> to compare content.
    /// </summary>
    public int Version { get; }

    /// <summary>All notices known, published or placeholder, by notice year.</summary>
    public IReadOnlyList<HolidayYear> Notices { get; }

    /// <summary>Notice years with at least one listed date.</summary>
    public IReadOnlyList<int> PublishedYears { get; }

    /// <summary>Builds a calendar from notices (at most one per year).</summary>
    /// <exception cref="HolidayDataException">Duplicate notice years, or two notices that disagree about a date.</exception>
    public static WorkingDayCalendar Create(IEnumerable<HolidayYear> notices, int version = 1)
    {
        ArgumentNullException.ThrowIfNull(notices);
        ArgumentOutOfRangeException.ThrowIfLessThan(version, 1);
        var byYear = ImmutableSortedDictionary.CreateBuilder<int, HolidayYear>();
        var errors = new List<string>();
        foreach (var notice in notices)
        {
            ArgumentNullException.ThrowIfNull(notice);
            if (!byYear.TryAdd(notice.Year, notice))
            {
                errors.Add($"The {notice.Year} notice is given more than once.");
            }
        }

        var merged = new Dictionary<DateOnly, Listing>();
        foreach (var notice in byYear.Values)
        {
            foreach (var day in notice.Days)
            {
                if (!merged.TryGetValue(day.Date, out var existing))
                {
                    merged.Add(day.Date, new Listing(day, [notice.Year]));
                }
                else if (existing.Day.IsOffDay != day.IsOffDay)
                {
                    errors.Add($"{HolidayYear.Iso(day.Date)} is {RestOrWork(day)} in the {notice.Year} notice " +
                        $"but {RestOrWork(existing.Day)} in the {existing.NoticeYears[0]} notice.");
                }
                else
                {
                    // Same verdict from two notices: the date depends on both. Keep the name from
                    // the notice of the date's own year, which is the one people quote.
                    var name = day.Date.Year == notice.Year ? day : existing.Day;
                    merged[day.Date] = new Listing(name, existing.NoticeYears.Add(notice.Year));
                }
            }
        }

        if (errors.Count > 0)
        {
            throw new HolidayDataException(errors);
        }

        return new WorkingDayCalendar(byYear.ToImmutable(), merged.ToFrozenDictionary(), version);

        static string RestOrWork(HolidayDay d) => d.IsOffDay ? "a rest day" : "a working day";
    }

    /// <summary>The notices shipped in the assembly (<c>data/holidays/20*.json</c>), as version 1.</summary>
    public static WorkingDayCalendar LoadEmbedded()
    {
        var years = new List<HolidayYear>();
        foreach (var name in EmbeddedData.Names("holidays."))
        {
            // "holidays.2026.json": the file name is the notice year; the parser checks the content agrees.
            var parts = name.Split('.');
            if (parts.Length != 3 || parts[2] != "json" || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var year))
            {
                continue;
            }

            using var stream = EmbeddedData.Open(name);
            years.Add(HolidayYearParser.Parse(stream, year));
        }

        return Create(years);
    }

    /// <summary>The notice of <paramref name="year"/>, or null when the calendar knows nothing of it.</summary>
    public HolidayYear? Notice(int year) => notices.GetValueOrDefault(year);

    /// <summary>True when the notice of <paramref name="year"/> is present and lists at least one date.</summary>
    public bool IsPublished(int year) => notices.TryGetValue(year, out var notice) && notice.IsPublished;

    /// <summary>The content stamp of a notice year; empty when it is unpublished or unknown.</summary>
    public string StampOf(int year) => notices.TryGetValue(year, out var notice) ? notice.Stamp : string.Empty;

    /// <summary>Whether government offices work on <paramref name="date"/>.</summary>
    public bool IsWorkingDay(DateOnly date) =>
        listings.TryGetValue(date, out var listing) ? !listing.Day.IsOffDay : !IsWeekend(date);

    /// <summary>Whether the verdict for <paramref name="date"/> may still change when a pending notice is published.</summary>
    public bool IsProvisional(DateOnly date)
    {
        var years = new List<int>(3);
        AddDependencies(date, years);
        return years.Exists(y => !IsPublished(y));
    }

    /// <summary>The classification of one date, with the holiday name when it is listed.</summary>
    public CalendarDay Describe(DateOnly date)
    {
        var provisional = IsProvisional(date);
        if (listings.TryGetValue(date, out var listing))
        {
            return new CalendarDay(date, listing.Day.IsOffDay ? DayKind.Holiday : DayKind.AdjustedWorkday, listing.Day.Name, provisional);
        }

        return new CalendarDay(date, IsWeekend(date) ? DayKind.Weekend : DayKind.Workday, null, provisional);
    }

    /// <summary>
    /// The date on which a period of <paramref name="days"/> working days that starts on
    /// <paramref name="start"/> ends. <paramref name="start"/> itself never counts, whether or not
    /// it is a working day (the day of acceptance, 受理当日, is excluded); the first counted day is
    /// the next working day after it. Zero days gives <paramref name="start"/> itself (即办).
    /// For n ≥ 1 the result is always a working day and
    /// <c>WorkingDaysBetween(start, result).Days == n</c>.
    /// </summary>
    public Deadline AddWorkingDays(DateOnly start, int days)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(days);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(days, MaxWorkingDays);
        var basis = new BasisBuilder(this);
        var date = start;
        var counted = 0;
        while (counted < days)
        {
            date = date.AddDays(1);
            basis.Touch(date);
            if (IsWorkingDay(date))
            {
                counted++;
            }
        }

        return new Deadline(date, basis.Build());
    }

    /// <summary>
    /// The number of working days after <paramref name="from"/> up to and including
    /// <paramref name="to"/>: the days counted by <see cref="AddWorkingDays"/>, so it inverts it.
    /// Negative when <paramref name="to"/> is before <paramref name="from"/>
    /// (<c>Between(a, b) == -Between(b, a)</c>, and <c>Between(a, b) + Between(b, c) == Between(a, c)</c>).
    /// </summary>
    public WorkingDayCount WorkingDaysBetween(DateOnly from, DateOnly to)
    {
        var (low, high, sign) = from <= to ? (from, to, 1) : (to, from, -1);
        var basis = new BasisBuilder(this);
        var count = 0;
        for (var date = low.AddDays(1); date <= high; date = date.AddDays(1))
        {
            basis.Touch(date);
            if (IsWorkingDay(date))
            {
                count++;
            }
        }

        return new WorkingDayCount(sign * count, basis.Build());
    }

    /// <summary>
    /// A calendar with <paramref name="notice"/> added, or replacing the notice of the same year
    /// (publication of a new year, or an amendment such as the 2020 COVID extension). Loading an
    /// empty notice withdraws a year back to provisional, which is how a mistaken load is undone.
    /// Returns this same instance when the content is identical, so reloading is idempotent;
    /// otherwise the new calendar's <see cref="Version"/> is this one's plus one.
    /// </summary>
    /// <exception cref="HolidayDataException">The notice contradicts another notice about a date.</exception>
    public WorkingDayCalendar WithYear(HolidayYear notice)
    {
        ArgumentNullException.ThrowIfNull(notice);
        if (notices.TryGetValue(notice.Year, out var existing) && existing.ContentEquals(notice))
        {
            return this;
        }

        return Create(notices.SetItem(notice.Year, notice).Values, Version + 1);
    }

    public override string ToString() =>
        $"WorkingDayCalendar v{Version} (published: {string.Join(", ", PublishedYears)})";

    /// <summary>Adds the notice years whose content decides <paramref name="date"/> (see class remarks).</summary>
    internal void AddDependencies(DateOnly date, List<int> years)
    {
        AddOnce(years, date.Year);
        if (date.Month == 12 && date.Day > 31 - LateDecemberDays)
        {
            AddOnce(years, date.Year + 1);
        }

        if (listings.TryGetValue(date, out var listing))
        {
            foreach (var year in listing.NoticeYears)
            {
                AddOnce(years, year);
            }
        }

        static void AddOnce(List<int> list, int year)
        {
            if (!list.Contains(year))
            {
                list.Add(year);
            }
        }
    }

    private static bool IsWeekend(DateOnly date) => date.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday;

    private sealed record Listing(HolidayDay Day, ImmutableArray<int> NoticeYears);
}

/// <summary>Collects the notice years a computation touched and turns them into a <see cref="CalendarBasis"/>.</summary>
internal sealed class BasisBuilder(WorkingDayCalendar calendar)
{
    private readonly List<int> years = new(3);

    public void Touch(DateOnly date) => calendar.AddDependencies(date, years);

    public CalendarBasis Build() =>
        new(calendar.Version, [.. years.Order().Select(y => new NoticeStamp(y, calendar.StampOf(y)))]);
}
