using TongBan.Grains.Calendar;
using static TongBan.Grains.Tests.Calendar.CalendarFixtures;

namespace TongBan.Grains.Tests.Calendar;

[Trait("Category", "Unit")]
public class WorkingDayCalendarTests
{
    private static readonly WorkingDayCalendar Cal = Embedded;

    [Fact]
    public void EmbeddedData_PublishesNotices2020To2026_And2027IsAnUnpublishedPlaceholder()
    {
        Assert.Equal([2020, 2021, 2022, 2023, 2024, 2025, 2026], Cal.PublishedYears);
        Assert.False(Cal.IsPublished(2027));
        var placeholder = Assert.IsType<HolidayYear>(Cal.Notice(2027));
        Assert.Empty(placeholder.Days);
        Assert.Equal(string.Empty, placeholder.Stamp);
        Assert.Null(Cal.Notice(2019));
        Assert.Equal(1, Cal.Version);
    }

    // The counts of data/README.md section 2: (entries, isOffDay true, isOffDay false).
    [Theory]
    [InlineData(2020, 37, 30, 7)]
    [InlineData(2021, 38, 31, 7)]
    [InlineData(2022, 38, 31, 7)]
    [InlineData(2023, 34, 27, 7)]
    [InlineData(2024, 36, 28, 8)]
    [InlineData(2025, 33, 28, 5)]
    [InlineData(2026, 39, 33, 6)]
    [InlineData(2027, 0, 0, 0)]
    public void EmbeddedData_MatchesTheCountsDocumentedInTheDataReadme(int year, int entries, int off, int adjusted)
    {
        var notice = Cal.Notice(year)!;
        Assert.Equal(entries, notice.Days.Length);
        Assert.Equal(off, notice.Days.Count(d => d.IsOffDay));
        Assert.Equal(adjusted, notice.Days.Count(d => !d.IsOffDay));
    }

    // Working days per calendar year, from an independent script over the same files
    // (2024 = 251 matches the widely published figure).
    [Theory]
    [InlineData(2020, 249)]
    [InlineData(2021, 250)]
    [InlineData(2022, 249)]
    [InlineData(2023, 249)]
    [InlineData(2024, 251)]
    [InlineData(2025, 248)]
    [InlineData(2026, 248)]
    public void WorkingDaysPerYear_MatchAnIndependentCount(int year, int expected)
    {
        var count = Cal.WorkingDaysBetween(new DateOnly(year - 1, 12, 31), new DateOnly(year, 12, 31));
        Assert.Equal(expected, count.Days);
    }

    [Fact]
    public void UnlistedDates_FollowTheWeekdayRule()
    {
        Assert.Equal(DayKind.Workday, Cal.Describe(D("2026-03-10")).Kind); // Tuesday
        Assert.Equal(DayKind.Weekend, Cal.Describe(D("2026-03-14")).Kind); // Saturday
        Assert.True(Cal.IsWorkingDay(D("2026-03-13")));
        Assert.False(Cal.IsWorkingDay(D("2026-03-15")));
        Assert.Null(Cal.Describe(D("2026-03-10")).HolidayName);
    }

    [Theory]
    [InlineData("2026-02-15")]
    [InlineData("2026-02-16")]
    [InlineData("2026-02-17")]
    [InlineData("2026-02-18")]
    [InlineData("2026-02-19")]
    [InlineData("2026-02-20")]
    [InlineData("2026-02-21")]
    [InlineData("2026-02-22")]
    [InlineData("2026-02-23")]
    public void SpringFestival2026_Feb15ToFeb23_AreRestDays(string date)
    {
        var day = Cal.Describe(D(date));
        Assert.False(day.IsWorkingDay);
        Assert.Equal(DayKind.Holiday, day.Kind);
        Assert.Equal("春节", day.HolidayName);
        Assert.False(day.Provisional);
    }

    [Theory]
    [InlineData("2026-02-14")] // Saturday before the break
    [InlineData("2026-02-28")] // Saturday after the break
    public void SpringFestival2026_AdjustedSaturdays_AreWorkingDays(string date)
    {
        Assert.Equal(DayOfWeek.Saturday, D(date).DayOfWeek);
        Assert.True(Cal.IsWorkingDay(D(date)));
        Assert.Equal(DayKind.AdjustedWorkday, Cal.Describe(D(date)).Kind);
    }

    [Fact]
    public void SpringFestival2026_DeadlinesCountTheAdjustedSaturdays_AndSkipTheBreak()
    {
        // Accepted Friday 13 Feb: day 1 is the 调休 Saturday, day 2 the first day after the break.
        Assert.Equal(D("2026-02-14"), Cal.AddWorkingDays(D("2026-02-13"), 1).Date);
        Assert.Equal(D("2026-02-24"), Cal.AddWorkingDays(D("2026-02-13"), 2).Date);

        // 11, 12, 13, 14 (Sat), 24, 25, 26, 27, 28 (Sat), 2 March.
        var due = Cal.AddWorkingDays(D("2026-02-10"), 10);
        Assert.Equal(D("2026-03-02"), due.Date);
        Assert.False(due.Provisional);
        Assert.Equal(0, Cal.WorkingDaysBetween(D("2026-02-14"), D("2026-02-23")).Days);
    }

    [Fact]
    public void NewYear2026_SundayJan4_IsAnAdjustedWorkday()
    {
        Assert.Equal(DayKind.AdjustedWorkday, Cal.Describe(D("2026-01-04")).Kind);
        Assert.Equal(D("2026-01-04"), Cal.AddWorkingDays(D("2025-12-31"), 1).Date);
    }

    [Theory]
    [InlineData("2025-10-01")]
    [InlineData("2025-10-02")]
    [InlineData("2025-10-03")]
    [InlineData("2025-10-04")]
    [InlineData("2025-10-05")]
    [InlineData("2025-10-06")]
    [InlineData("2025-10-07")]
    [InlineData("2025-10-08")]
    public void NationalDayMidAutumn2025_EightDayBreak_AreRestDays(string date)
    {
        var day = Cal.Describe(D(date));
        Assert.Equal(DayKind.Holiday, day.Kind);
        Assert.Equal("国庆节、中秋节", day.HolidayName);
    }

    [Fact]
    public void NationalDayMidAutumn2025_AdjustedWeekendDays_AreWorkingDays()
    {
        Assert.Equal(DayKind.AdjustedWorkday, Cal.Describe(D("2025-09-28")).Kind); // Sunday
        Assert.Equal(DayKind.AdjustedWorkday, Cal.Describe(D("2025-10-11")).Kind); // Saturday

        // Accepted Friday 26 Sep: day 1 is the 调休 Sunday.
        Assert.Equal(D("2025-09-28"), Cal.AddWorkingDays(D("2025-09-26"), 1).Date);

        // Accepted the last day before the break: day 1 is 9 Oct.
        Assert.Equal(D("2025-10-09"), Cal.AddWorkingDays(D("2025-09-30"), 1).Date);
        Assert.Equal(2, Cal.WorkingDaysBetween(D("2025-09-30"), D("2025-10-10")).Days);
        Assert.Equal(3, Cal.WorkingDaysBetween(D("2025-09-30"), D("2025-10-11")).Days);
    }

    [Fact]
    public void Notice2023_ListsNewYearsEve2022_AndTheCalendarMergesItByDate()
    {
        // 2022-12-31 is a Saturday, so only the merged listing makes it a holiday rather than a weekend.
        var day = Cal.Describe(D("2022-12-31"));
        Assert.Equal(DayKind.Holiday, day.Kind);
        Assert.Equal("元旦", day.HolidayName);
        Assert.Contains(Cal.Notice(2023)!.Days, d => d.Date == D("2022-12-31"));
        Assert.DoesNotContain(Cal.Notice(2022)!.Days, d => d.Date == D("2022-12-31"));

        // A result counting that date depends on both notices.
        var deadline = Cal.AddWorkingDays(D("2022-12-30"), 1);
        Assert.Equal(D("2023-01-03"), deadline.Date);
        Assert.Equal([2022, 2023], deadline.Basis.Notices.Select(n => n.Year));
        Assert.False(deadline.Provisional);
    }

    [Fact]
    public void Notice2023Alone_StillDecidesNewYearsEve2022_ButThe2022DateIsProvisional()
    {
        var only2023 = WorkingDayCalendar.Create([Cal.Notice(2023)!]);
        Assert.Equal(DayKind.Holiday, only2023.Describe(D("2022-12-31")).Kind);
        Assert.True(only2023.IsProvisional(D("2022-12-31"))); // the 2022 notice is unknown here
    }

    [Fact]
    public void Covid2020_Feb1IsRest_AndMondayFeb3IsListedAsWorkingDay()
    {
        Assert.Equal(DayKind.Holiday, Cal.Describe(D("2020-02-01")).Kind); // Saturday, was a 调休 workday before the extension
        Assert.Equal(DayKind.Holiday, Cal.Describe(D("2020-01-31")).Kind); // Friday, extended
        var monday = Cal.Describe(D("2020-02-03"));
        Assert.Equal(DayOfWeek.Monday, monday.Date.DayOfWeek);
        Assert.True(monday.IsWorkingDay);
        Assert.Equal(DayKind.AdjustedWorkday, monday.Kind);
        Assert.True(Cal.IsWorkingDay(D("2020-01-19"))); // the original 调休 Sunday

        Assert.Equal(D("2020-02-03"), Cal.AddWorkingDays(D("2020-01-23"), 1).Date);
    }

    [Fact]
    public void AcceptanceDay_NeverCounts_EvenWhenItIsAWorkingDay()
    {
        Assert.Equal(D("2026-03-11"), Cal.AddWorkingDays(D("2026-03-10"), 1).Date); // Tuesday → Wednesday
        Assert.Equal(D("2026-03-16"), Cal.AddWorkingDays(D("2026-03-14"), 1).Date); // accepted Saturday (online) → Monday
        Assert.Equal(D("2026-03-16"), Cal.AddWorkingDays(D("2026-03-13"), 1).Date); // Friday → Monday
    }

    [Fact]
    public void AddingZeroDays_ReturnsTheStart_AndDependsOnNoNotice()
    {
        var deadline = Cal.AddWorkingDays(D("2027-06-01"), 0);
        Assert.Equal(D("2027-06-01"), deadline.Date);
        Assert.Empty(deadline.Basis.Notices);
        Assert.False(deadline.Provisional);
    }

    [Fact]
    public void NegativeOrHugeDayCounts_AreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Cal.AddWorkingDays(D("2026-03-10"), -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Cal.AddWorkingDays(D("2026-03-10"), WorkingDayCalendar.MaxWorkingDays + 1));
    }

    [Fact]
    public void WorkingDaysBetween_ExcludesFrom_IncludesTo_AndIsSigned()
    {
        Assert.Equal(5, Cal.WorkingDaysBetween(D("2026-03-02"), D("2026-03-09")).Days);
        Assert.Equal(-5, Cal.WorkingDaysBetween(D("2026-03-09"), D("2026-03-02")).Days);
        Assert.Equal(0, Cal.WorkingDaysBetween(D("2026-03-09"), D("2026-03-09")).Days);
        Assert.Equal(0, Cal.WorkingDaysBetween(D("2026-03-13"), D("2026-03-15")).Days); // Friday → Sunday
    }

    [Fact]
    public void DeadlineSpanningNewYear2026To2027_IsProvisional_WeekendsOnly()
    {
        // 21–25, 28–31 Dec, 1 Jan 2027 (a Friday, but 2027 is unpublished so it counts).
        var due = Cal.AddWorkingDays(D("2026-12-20"), 10);
        Assert.Equal(D("2027-01-01"), due.Date);
        Assert.True(due.Provisional);
        Assert.Equal([2027], due.Basis.ProvisionalYears);
        Assert.Equal(1, due.CalendarVersion);

        var count = Cal.WorkingDaysBetween(D("2026-12-20"), D("2027-01-08"));
        Assert.Equal(15, count.Days);
        Assert.True(count.Provisional);
    }

    [Fact]
    public void LastWeekOfDecember_IsProvisional_UntilNextYearsNoticeIsPublished()
    {
        var the24th = Cal.AddWorkingDays(D("2026-12-01"), 17);
        Assert.Equal(D("2026-12-24"), the24th.Date);
        Assert.False(the24th.Provisional);

        var the25th = Cal.AddWorkingDays(D("2026-12-01"), 18);
        Assert.Equal(D("2026-12-25"), the25th.Date);
        Assert.True(the25th.Provisional);
        Assert.Equal([2027], the25th.Basis.ProvisionalYears);

        Assert.False(Cal.IsProvisional(D("2026-12-24")));
        Assert.True(Cal.IsProvisional(D("2026-12-25")));
        Assert.True(Cal.IsProvisional(D("2027-06-01")));
        Assert.True(Cal.IsProvisional(D("2019-06-01"))); // no notice at all
        Assert.False(Cal.IsProvisional(D("2025-12-31"))); // 2026 notice is published
    }

    [Fact]
    public void LoadingSynthetic2027_MakesTheDeadlineFinal_WithALaterDate()
    {
        var before = Cal.AddWorkingDays(D("2026-12-20"), 10);
        var loaded = Cal.WithYear(Synthetic2027);

        Assert.Equal(2, loaded.Version);
        Assert.True(loaded.IsPublished(2027));
        Assert.True(before.NeedsRecompute(loaded));
        Assert.False(before.NeedsRecompute(Cal));

        // 2026-12-31 (listed by the 2027 notice) and 1–3 Jan are off: days 9 and 10 are 4 and 5 Jan.
        var after = loaded.AddWorkingDays(D("2026-12-20"), 10);
        Assert.Equal(D("2027-01-05"), after.Date);
        Assert.False(after.Provisional);
        Assert.Equal(2, after.CalendarVersion);
        Assert.False(after.NeedsRecompute(loaded));
        Assert.Equal(DayKind.Holiday, loaded.Describe(D("2026-12-31")).Kind);
        Assert.Equal(DayKind.AdjustedWorkday, loaded.Describe(D("2027-02-20")).Kind);

        // The original calendar is untouched (immutability).
        Assert.False(Cal.IsPublished(2027));
        Assert.True(Cal.IsWorkingDay(D("2026-12-31")));
    }

    [Fact]
    public void LoadingSynthetic2027_DoesNotFlagResultsThatNeverDependedOnIt()
    {
        var loaded = Cal.WithYear(Synthetic2027);
        Assert.False(Cal.AddWorkingDays(D("2026-06-01"), 10).NeedsRecompute(loaded));
        Assert.False(Cal.WorkingDaysBetween(D("2026-06-01"), D("2026-12-24")).NeedsRecompute(loaded));
    }

    [Fact]
    public void AmendingAPublishedYear_FlagsResultsThatUsedIt()
    {
        // A COVID-style extension: suppose Monday 2026-03-09 were declared a rest day.
        var amended2026 = HolidayYear.Create(
            2026,
            [.. Cal.Notice(2026)!.Days, new HolidayDay(D("2026-03-09"), "延长假期", true)],
            Cal.Notice(2026)!.Papers);
        var amended = Cal.WithYear(amended2026);

        var before = Cal.AddWorkingDays(D("2026-03-02"), 5);
        Assert.Equal(D("2026-03-09"), before.Date);
        Assert.True(before.NeedsRecompute(amended));
        Assert.Equal(D("2026-03-10"), amended.AddWorkingDays(D("2026-03-02"), 5).Date);
    }

    [Fact]
    public void WithYear_IdenticalContent_ReturnsTheSameInstance()
    {
        Assert.Same(Cal, Cal.WithYear(HolidayYear.Unpublished(2027)));
        Assert.Same(Cal, Cal.WithYear(Cal.Notice(2026)!));
        var loaded = Cal.WithYear(Synthetic2027);
        Assert.Same(loaded, loaded.WithYear(Synthetic2027));
    }

    [Fact]
    public void WithYear_EmptyNotice_WithdrawsAPublishedYear()
    {
        var loaded = Cal.WithYear(Synthetic2027);
        var withdrawn = loaded.WithYear(HolidayYear.Unpublished(2027));
        Assert.Equal(3, withdrawn.Version);
        Assert.False(withdrawn.IsPublished(2027));

        var again = withdrawn.AddWorkingDays(D("2026-12-20"), 10);
        Assert.True(again.Provisional);
        Assert.True(loaded.AddWorkingDays(D("2026-12-20"), 10).NeedsRecompute(withdrawn));
    }

    [Fact]
    public void WithYear_ContradictingAnotherNotice_IsRejected_WithBothNoticesNamed()
    {
        // The 2026 notice makes Saturday 2026-02-14 a working day; a 2027 notice may not call it a rest day.
        var bad = Notice(2027, ("2026-02-14", true), ("2027-01-01", true));
        var ex = Assert.Throws<HolidayDataException>(() => Cal.WithYear(bad));
        Assert.Contains("2026-02-14 is a rest day in the 2027 notice but a working day in the 2026 notice", ex.Message);
    }

    [Fact]
    public void TwoNoticesAgreeingAboutADate_AreAccepted_AndBothBecomeDependencies()
    {
        var cal = WorkingDayCalendar.Create([Notice(2026, ("2026-06-01", true)), Notice(2027, ("2026-06-01", true))]);
        var deadline = cal.AddWorkingDays(D("2026-05-29"), 1); // Friday; Monday 1 June is off
        Assert.Equal(D("2026-06-02"), deadline.Date);
        Assert.Equal([2026, 2027], deadline.Basis.Notices.Select(n => n.Year));
        Assert.Equal([2026], cal.AddWorkingDays(D("2026-06-02"), 1).Basis.Notices.Select(n => n.Year));
    }

    [Fact]
    public void Create_SameNoticeYearTwice_IsRejected()
    {
        var ex = Assert.Throws<HolidayDataException>(() =>
            WorkingDayCalendar.Create([Notice(2026, ("2026-01-01", true)), Notice(2026, ("2026-01-02", true))]));
        Assert.Contains("The 2026 notice is given more than once", ex.Message);
    }

    [Fact]
    public void EmptyCalendar_CountsWeekendsOnly_AndEverythingIsProvisional()
    {
        var none = WorkingDayCalendar.Create([]);
        var due = none.AddWorkingDays(D("2026-02-13"), 2);
        Assert.Equal(D("2026-02-17"), due.Date);
        Assert.True(due.Provisional);
        Assert.True(due.NeedsRecompute(Cal));
    }
}
