using TongBan.Grains.Calendar;
using static TongBan.Grains.Tests.Calendar.CalendarFixtures;

namespace TongBan.Grains.Tests.Calendar;

[Trait("Category", "Unit")]
public class DeadlineClockTests
{
    private static readonly WorkingDayCalendar Cal = Embedded;

    // Monday 2 March 2026, a plain week: day 1 = Tue 3, 2 = Wed 4, 3 = Thu 5, 4 = Fri 6, 5 = Mon 9.
    private static readonly DateOnly Monday = D("2026-03-02");

    [Fact]
    public void WithoutSuspensions_TheDueDateIsAddWorkingDays()
    {
        foreach (var limit in new[] { 0, 1, 5, 20, 60 })
        {
            var status = new DeadlineClock(D("2026-02-10"), limit).Evaluate(Cal, D("2026-02-10"));
            Assert.Equal(Cal.AddWorkingDays(D("2026-02-10"), limit), status.Due);
        }
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 3)]
    [InlineData(4, 4)]
    [InlineData(5, 4)]
    [InlineData(7, 6)]
    [InlineData(10, 8)]
    [InlineData(15, 12)]
    [InlineData(20, 16)]
    [InlineData(60, 48)]
    public void WarningThreshold_Is80PercentRoundedUp(int limit, int threshold)
    {
        Assert.Equal(threshold, new DeadlineClock(Monday, limit).WarningThreshold);
    }

    [Fact]
    public void WarningDate_IsTheWorkingDayOnWhich80PercentIsUsed()
    {
        var twenty = new DeadlineClock(Monday, 20).Evaluate(Cal, Monday);
        Assert.Equal(D("2026-03-24"), twenty.WarningFrom.Date); // 16th working day
        Assert.Equal(D("2026-03-30"), twenty.Due.Date);

        var five = new DeadlineClock(Monday, 5).Evaluate(Cal, Monday);
        Assert.Equal(D("2026-03-06"), five.WarningFrom.Date); // 4th working day

        var three = new DeadlineClock(Monday, 3).Evaluate(Cal, Monday);
        Assert.Equal(three.Due.Date, three.WarningFrom.Date); // short limits warn on the last day
    }

    [Fact]
    public void Stages_MoveFromOnTrackToWarningToOverdue()
    {
        var clock = new DeadlineClock(Monday, 5);

        var thursday = clock.Evaluate(Cal, D("2026-03-05"));
        Assert.Equal(DeadlineStage.OnTrack, thursday.Stage);
        Assert.Equal(2, thursday.ElapsedWorkingDays); // Tue, Wed are used up when Thursday begins
        Assert.Equal(3, thursday.RemainingWorkingDays); // Thu, Fri, Mon

        var friday = clock.Evaluate(Cal, D("2026-03-06"));
        Assert.Equal(DeadlineStage.Warning, friday.Stage);

        var dueDay = clock.Evaluate(Cal, D("2026-03-09"));
        Assert.Equal(DeadlineStage.Warning, dueDay.Stage);
        Assert.False(dueDay.IsOverdue);
        Assert.Equal(4, dueDay.ElapsedWorkingDays);
        Assert.Equal(1, dueDay.RemainingWorkingDays); // today is the last day
        Assert.Equal(0, dueDay.OverdueWorkingDays);

        var tuesday = clock.Evaluate(Cal, D("2026-03-10"));
        Assert.Equal(DeadlineStage.Overdue, tuesday.Stage);
        Assert.True(tuesday.IsOverdue);
        Assert.Equal(0, tuesday.RemainingWorkingDays);
        Assert.Equal(1, tuesday.OverdueWorkingDays);
        Assert.Equal(5, tuesday.ElapsedWorkingDays);
    }

    [Fact]
    public void Overdue_StartsTheDayAfterTheDueDate_EvenOnAWeekend()
    {
        var clock = new DeadlineClock(Monday, 4); // due Friday 6 March
        var saturday = clock.Evaluate(Cal, D("2026-03-07"));
        Assert.Equal(D("2026-03-06"), saturday.Due.Date);
        Assert.True(saturday.IsOverdue);
        Assert.Equal(0, saturday.OverdueWorkingDays);

        var nextWednesday = clock.Evaluate(Cal, D("2026-03-11"));
        Assert.Equal(3, nextWednesday.OverdueWorkingDays); // Mon, Tue, Wed
    }

    [Fact]
    public void FinishedCase_IsJudgedOnItsCompletionDate()
    {
        var clock = new DeadlineClock(Monday, 5);
        Assert.False(clock.Evaluate(Cal, D("2026-03-09")).IsOverdue); // 办结 on the due date: on time
        Assert.True(clock.Evaluate(Cal, D("2026-03-10")).IsOverdue);
    }

    [Fact]
    public void ImmediateItem_LimitZero_IsDueOnTheAcceptanceDay()
    {
        var clock = new DeadlineClock(Monday, 0);
        var same = clock.Evaluate(Cal, Monday);
        Assert.Equal(Monday, same.Due.Date);
        Assert.Equal(DeadlineStage.OnTrack, same.Stage);
        Assert.True(clock.Evaluate(Cal, Monday.AddDays(1)).IsOverdue);
    }

    [Fact]
    public void Suspension_PausesTheClock_StartDayCountsEndDayDoesNot()
    {
        // 补正 notice issued Wed 4 March, materials back Fri 6 March: Thu 5 and Fri 6 do not count.
        var clock = new DeadlineClock(Monday, 5, [new Suspension(D("2026-03-04"), D("2026-03-06"), "补正")]);

        var status = clock.Evaluate(Cal, D("2026-03-05"));
        Assert.Equal(D("2026-03-11"), status.Due.Date); // 3, 4, 9, 10, 11
        Assert.True(status.IsSuspended);
        Assert.Equal(2, status.ElapsedWorkingDays);
        Assert.Equal(3, status.RemainingWorkingDays);

        var resumedDay = clock.Evaluate(Cal, D("2026-03-06"));
        Assert.False(resumedDay.IsSuspended);
        Assert.Equal(2, resumedDay.ElapsedWorkingDays);

        Assert.Equal(DeadlineStage.Warning, clock.Evaluate(Cal, D("2026-03-10")).Stage); // 4th counted day
        Assert.False(clock.Evaluate(Cal, D("2026-03-11")).IsOverdue);
        Assert.True(clock.Evaluate(Cal, D("2026-03-12")).IsOverdue);
    }

    [Fact]
    public void SuspensionResumedTheSameDay_PausesNothing()
    {
        var clock = new DeadlineClock(Monday, 5, [new Suspension(D("2026-03-04"), D("2026-03-04"))]);
        Assert.Equal(D("2026-03-09"), clock.Evaluate(Cal, Monday).Due.Date);
    }

    [Fact]
    public void OpenSuspension_ProjectsTheDueDateAsIfResumedToday_AndResumeFixesIt()
    {
        var suspended = new DeadlineClock(Monday, 5).Suspend(D("2026-03-04"), "补正");
        Assert.True(suspended.IsSuspended);

        var onTheDay = suspended.Evaluate(Cal, D("2026-03-04"));
        Assert.True(onTheDay.IsSuspended);
        Assert.Equal(D("2026-03-09"), onTheDay.Due.Date); // nothing paused yet

        var tuesday = suspended.Evaluate(Cal, D("2026-03-10"));
        Assert.True(tuesday.IsSuspended);
        Assert.Equal(D("2026-03-13"), tuesday.Due.Date); // 3, 4, then 11, 12, 13
        Assert.Equal(2, tuesday.ElapsedWorkingDays);
        Assert.False(tuesday.IsOverdue);

        var resumed = suspended.Resume(D("2026-03-10"));
        Assert.False(resumed.IsSuspended);
        Assert.Equal(D("2026-03-13"), resumed.Evaluate(Cal, D("2026-03-12")).Due.Date);
        Assert.Equal(D("2026-03-13"), resumed.Evaluate(Cal, D("2026-03-20")).Due.Date); // fixed once resumed
    }

    [Fact]
    public void SeveralSuspensions_AllPause_BackToBackIsAllowed()
    {
        var clock = new DeadlineClock(Monday, 5, [
            new Suspension(D("2026-03-05"), D("2026-03-09")), // pauses Fri 6, Mon 9
            new Suspension(D("2026-03-03"), D("2026-03-04")), // pauses Wed 4 (order of input does not matter)
            new Suspension(D("2026-03-09"), D("2026-03-10")), // pauses Tue 10, back to back with the first
        ]);
        // Counted: Tue 3, Thu 5, Wed 11, Thu 12, Fri 13.
        Assert.Equal(D("2026-03-13"), clock.Evaluate(Cal, Monday).Due.Date);
        Assert.Equal(D("2026-03-03"), clock.Suspensions[0].Start);
    }

    [Fact]
    public void SuspensionAcrossSpringFestival2026_CountsTheAdjustedSaturdayAfterwards()
    {
        // Accepted Tue 10 Feb, 10 days; suspended 12 → 13 Feb (pauses Fri 13): 11, 12, 14 (Sat), 24–28, 2, 3 March.
        var clock = new DeadlineClock(D("2026-02-10"), 10, [new Suspension(D("2026-02-12"), D("2026-02-13"))]);
        var status = clock.Evaluate(Cal, D("2026-02-20"));
        Assert.Equal(D("2026-03-03"), status.Due.Date);
        Assert.Equal(3, status.ElapsedWorkingDays); // 11, 12, 14
        Assert.Equal(7, status.RemainingWorkingDays);
        Assert.False(status.Provisional);
    }

    [Fact]
    public void ClockSpanningIntoUnpublished2027_IsProvisional_AndFinalAfterLoading()
    {
        var clock = new DeadlineClock(D("2026-12-20"), 10);
        var before = clock.Evaluate(Cal, D("2026-12-21"));
        Assert.Equal(D("2027-01-01"), before.Due.Date);
        Assert.True(before.Due.Provisional);
        Assert.True(before.Provisional);
        Assert.Equal(D("2026-12-30"), before.WarningFrom.Date); // 8th day: 21–25, 28, 29, 30
        Assert.True(before.WarningFrom.Provisional); // the last week of December waits for the 2027 notice
        var loaded = Cal.WithYear(Synthetic2027);
        Assert.True(before.NeedsRecompute(loaded));

        var after = clock.Evaluate(loaded, D("2026-12-21"));
        Assert.Equal(D("2027-01-05"), after.Due.Date);
        Assert.False(after.Provisional);
    }

    [Fact]
    public void WarningCanBeFinalWhileTheDueDateIsProvisional()
    {
        // 20 days from 1 Dec 2026: warning on the 16th (23 Dec), due on the 20th (29 Dec, in the last week).
        var status = new DeadlineClock(D("2026-12-01"), 20).Evaluate(Cal, D("2026-12-01"));
        Assert.Equal(D("2026-12-23"), status.WarningFrom.Date);
        Assert.False(status.WarningFrom.Provisional);
        Assert.Equal(D("2026-12-29"), status.Due.Date);
        Assert.True(status.Due.Provisional);
    }

    [Fact]
    public void OverdueCountingIntoAnUnpublishedYear_MakesTheStatusProvisional_NotTheDueDate()
    {
        var status = new DeadlineClock(D("2026-11-02"), 5).Evaluate(Cal, D("2027-01-15"));
        Assert.Equal(D("2026-11-09"), status.Due.Date);
        Assert.False(status.Due.Provisional);
        Assert.True(status.IsOverdue);
        Assert.True(status.Provisional);
        Assert.Equal([2027], status.Basis.ProvisionalYears);
    }

    [Fact]
    public void PausedDays_AreNotTouched_SoOnlyCountedDaysShapeTheBasis()
    {
        // Accepted Sun 20 Dec 2026, stopped the same day until Sun 10 Jan 2027: every December day is paused,
        // so the 2026 notice plays no part; the only counted day is Mon 11 Jan.
        var clock = new DeadlineClock(D("2026-12-20"), 1, [new Suspension(D("2026-12-20"), D("2027-01-10"))]);
        var status = clock.Evaluate(Cal, D("2027-01-11"));
        Assert.Equal(D("2027-01-11"), status.Due.Date);
        Assert.Equal([2027], status.Due.Basis.Notices.Select(n => n.Year));
        Assert.Equal([2027], status.Basis.Notices.Select(n => n.Year));
    }

    [Fact]
    public void InvalidClocks_AreRejected_WithReasons()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new DeadlineClock(Monday, -1));
        var before = Assert.Throws<ArgumentException>(() => new DeadlineClock(Monday, 5, [new Suspension(D("2026-03-01"), D("2026-03-03"))]));
        Assert.Contains("before the case was accepted", before.Message);
        var reversed = Assert.Throws<ArgumentException>(() => new DeadlineClock(Monday, 5, [new Suspension(D("2026-03-05"), D("2026-03-04"))]));
        Assert.Contains("before it starts", reversed.Message);
        var overlap = Assert.Throws<ArgumentException>(() => new DeadlineClock(Monday, 5, [
            new Suspension(D("2026-03-03"), D("2026-03-06")), new Suspension(D("2026-03-05"), D("2026-03-09"))]));
        Assert.Contains("overlap", overlap.Message);
        var twoOpen = Assert.Throws<ArgumentException>(() => new DeadlineClock(Monday, 5, [
            new Suspension(D("2026-03-03"), null), new Suspension(D("2026-03-05"), null)]));
        Assert.Contains("only the last suspension may be open", twoOpen.Message);

        var suspended = new DeadlineClock(Monday, 5).Suspend(D("2026-03-03"));
        Assert.Throws<InvalidOperationException>(() => suspended.Suspend(D("2026-03-04")));
        Assert.Throws<InvalidOperationException>(() => new DeadlineClock(Monday, 5).Resume(D("2026-03-04")));
        Assert.Throws<ArgumentException>(() => suspended.Resume(D("2026-03-02")));
    }

    [Fact]
    public void EvaluatingBeforeAcceptance_ShowsAFullClock()
    {
        var status = new DeadlineClock(Monday, 5).Evaluate(Cal, D("2026-02-27"));
        Assert.Equal(0, status.ElapsedWorkingDays);
        Assert.Equal(5, status.RemainingWorkingDays);
        Assert.Equal(DeadlineStage.OnTrack, status.Stage);
    }
}
