using TongBan.Grains.Calendar;
using TongBan.Grains.Cases;
using static TongBan.Grains.Cases.CaseAction;
using static TongBan.Grains.Tests.Calendar.CalendarFixtures;
using static TongBan.Grains.Tests.Cases.CaseFixture;

namespace TongBan.Grains.Tests.Cases;

/// <summary>The clock across Spring Festival 2026: 15–23 Feb off, Saturdays 14 and 28 Feb worked (调休).</summary>
[Trait("Category", "Integration")]
public class CaseDeadlineTests
{
    private static readonly WorkingDayCalendar Cal = Embedded;

    private static DateTimeOffset China(string date, int hour = 10) =>
        new(D(date).ToDateTime(new TimeOnly(hour, 0)), TimeSpan.FromHours(8));

    private static CaseState AcceptedOn(string date)
    {
        var received = Do(SubmittedCase(), Receive, at: China(date, 9));
        return Do(received, Accept, at: China(date));
    }

    [Fact]
    public void Accept_starts_the_clock_with_the_items_promised_limit()
    {
        var accepted = AcceptedOn("2026-02-10");
        Assert.Equal(5, Item.PromisedLimitDays);
        Assert.Equal(D("2026-02-10"), accepted.AcceptedOn);
        Assert.Equal(5, accepted.LimitWorkingDays);
        Assert.Empty(accepted.Suspensions);

        // Counted: Wed 11, Thu 12, Fri 13, Sat 14 (调休 working day), then 15–23 off, Tue 24.
        var status = accepted.EvaluateDeadline(Cal, D("2026-02-12"))!;
        Assert.Equal(D("2026-02-24"), status.Due.Date);
        Assert.False(status.Provisional);
        Assert.Equal(DeadlineStage.OnTrack, status.Stage);
        Assert.Null(SubmittedCase().EvaluateDeadline(Cal, D("2026-02-12"))); // no clock before 受理
    }

    [Fact]
    public void Suspend_and_resume_pause_the_clock_across_Spring_Festival()
    {
        var review = Do(AcceptedOn("2026-02-10"), StartReview, at: China("2026-02-11"));
        var suspended = Do(review, Suspend, at: China("2026-02-12"));
        Assert.Equal([new Suspension(D("2026-02-12"), null, "照片不符合制卡要求，需补正")], suspended.Suspensions);

        var during = suspended.EvaluateDeadline(Cal, D("2026-02-20"))!;
        Assert.True(during.IsSuspended);
        Assert.Equal(2, during.ElapsedWorkingDays); // 11 and 12; the suspension day itself still counts

        var resumed = Do(suspended, Resume, at: China("2026-02-26"));
        Assert.Equal([new Suspension(D("2026-02-12"), D("2026-02-26"), "照片不符合制卡要求，需补正")], resumed.Suspensions);

        // 13–26 paused; counted: 11, 12, Fri 27, Sat 28 (调休 working day), Mon 2 March.
        var after = resumed.EvaluateDeadline(Cal, D("2026-02-27"))!;
        Assert.False(after.IsSuspended);
        Assert.Equal(D("2026-03-02"), after.Due.Date);
        Assert.Equal(DeadlineStage.Warning, resumed.EvaluateDeadline(Cal, D("2026-02-28"))!.Stage); // 4th of 5 days
        Assert.True(resumed.EvaluateDeadline(Cal, D("2026-03-03"))!.IsOverdue);
    }

    [Fact]
    public void A_completed_case_is_judged_on_its_completion_day()
    {
        var review = Do(AcceptedOn("2026-02-10"), StartReview, at: China("2026-02-11"));
        var approved = Do(review, Approve, at: China("2026-02-24"));
        var completed = Do(approved, Complete, at: China("2026-02-24", 16));
        var status = completed.EvaluateDeadline(Cal, D("2026-06-01"))!;
        Assert.Equal(D("2026-02-24"), status.AsOf);
        Assert.False(status.IsOverdue); // 办结 on the due date is on time, whenever we look
    }

    [Fact]
    public void Acceptance_uses_the_China_date_of_the_instant()
    {
        var lateUtc = new DateTimeOffset(2026, 2, 10, 17, 0, 0, TimeSpan.Zero); // 01:00 on 11 Feb in Guizhou
        var accepted = Do(Do(SubmittedCase(), Receive, at: lateUtc), Accept, at: lateUtc);
        Assert.Equal(D("2026-02-11"), accepted.AcceptedOn);
    }

    [Fact]
    public void Repeated_suspensions_accumulate_and_back_to_back_is_fine()
    {
        var review = Do(AcceptedOn("2026-03-02"), StartReview, at: China("2026-03-02"));
        var once = Do(Do(review, Suspend, at: China("2026-03-03")), Resume, at: China("2026-03-05"));
        var twice = Do(Do(once, Suspend, at: China("2026-03-05")), Resume, at: China("2026-03-06"));
        Assert.Equal(2, twice.Suspensions.Count);
        // Counted: Tue 3, (4, 5 paused), (6 paused), Mon 9, Tue 10, Wed 11, Thu 12.
        Assert.Equal(D("2026-03-12"), twice.EvaluateDeadline(Cal, D("2026-03-09"))!.Due.Date);
    }

    [Fact]
    public void A_silo_clock_behind_the_last_suspension_does_not_corrupt_the_clock()
    {
        var review = Do(AcceptedOn("2026-03-02"), StartReview, at: China("2026-03-02"));
        var suspended = Do(review, Suspend, at: China("2026-03-05"));
        var resumed = Do(suspended, Resume, at: China("2026-03-04")); // earlier than the suspension
        Assert.Equal(D("2026-03-05"), resumed.Suspensions[0].End);
    }

    [Fact]
    public void Withdrawing_a_suspended_case_closes_the_suspension()
    {
        var suspended = Do(Do(AcceptedOn("2026-03-02"), StartReview, at: China("2026-03-02")), Suspend, at: China("2026-03-03"));
        var withdrawn = Do(suspended, Withdraw, at: China("2026-03-06"));
        Assert.Equal(CaseStatus.Withdrawn, withdrawn.Status);
        Assert.Null(withdrawn.ResumeTo);
        Assert.False(withdrawn.Clock()!.IsSuspended);
        Assert.Equal(D("2026-03-06"), withdrawn.EvaluateDeadline(Cal, D("2026-04-01"))!.AsOf);
    }
}
