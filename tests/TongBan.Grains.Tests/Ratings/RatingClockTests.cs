using TongBan.Grains.Ratings;
using TongBan.Grains.Tests.Support;
using static TongBan.Grains.Tests.Ratings.RatingTestKit;

namespace TongBan.Grains.Tests.Ratings;

/// <summary>Rules that need the days to pass: the rating period, the roll-up periods, overdue follow-ups. The clock only moves forward.</summary>
[Trait("Category", "Integration")]
public class RatingClockTests(RatingClockFixture fixture) : IClassFixture<RatingClockFixture>
{
    private IGrainFactory Grains => fixture.Grains;

    private static ManualClock Clock => RatingClockFixture.Clock;

    [Fact]
    public async Task A_ticket_can_be_rated_for_seven_days_after_service_even_after_its_queue_forgot_it_and_not_later()
    {
        const string hall = "520303-H001"; // 汇川区
        var served = RatingClockFixture.MoveToNext(DayOfWeek.Monday, 10);
        var (early, day) = await ServeTicket(Grains, hall);
        var (late, _) = await ServeTicket(Grains, hall);

        Clock.Set(served.AddDays(6).AddHours(23)); // the queue has rolled over several times since
        var outcome = await Rate(Grains, Ticket(hall, day, early, 4));
        Assert.True(outcome.Accepted, outcome.Refusal?.Message);
        Assert.Equal(DateOnly.FromDateTime(served.AddDays(7).DateTime), outcome.Rating!.Day); // counted on the day it was given

        Clock.Set(served.AddDays(7).AddMinutes(1));
        var refused = await Rate(Grains, Ticket(hall, day, late, 4));
        Assert.Equal((RatingRefusalKind.PeriodOver, "ratingPeriodOver"), (refused.Refusal!.Kind, refused.Refusal.Code));
    }

    [Fact]
    public async Task Today_last_30_days_and_all_time_move_with_the_days()
    {
        const string hall = "520304-H001"; // 播州区
        var first = RatingClockFixture.MoveToNext(DayOfWeek.Wednesday, 10);
        var (one, day1) = await ServeTicket(Grains, hall);
        Assert.True((await Rate(Grains, Ticket(hall, day1, one, 5))).Accepted);
        Clock.Set(first.AddDays(1));
        var (two, day2) = await ServeTicket(Grains, hall);
        Assert.True((await Rate(Grains, Ticket(hall, day2, two, 1))).Accepted);
        await Eventually(async () => (await Rollup(Grains, "hall", hall)).AllTime.Total == 2, "hall roll-up");

        var now = await Rollup(Grains, "hall", hall);
        Assert.Equal((1, 2, 2), (now.TodayFigures.Total, now.Last30Days.Total, now.AllTime.Total));
        Assert.Equal((0.0, 0.5), (now.TodayFigures.GoodRate!.Value, now.Last30Days.GoodRate!.Value));

        Clock.Set(first.AddDays(30)); // the first day is now 30 days back: outside the window
        var month = await Rollup(Grains, "hall", hall);
        Assert.Equal((0, 1, 2), (month.TodayFigures.Total, month.Last30Days.Total, month.AllTime.Total));
        Assert.Null(month.TodayFigures.GoodRate);

        Clock.Set(first.AddDays(62));
        var later = await Rollup(Grains, "hall", hall);
        Assert.Equal((0, 0, 2), (later.TodayFigures.Total, later.Last30Days.Total, later.AllTime.Total));
        Assert.True((await Grains.GetGrain<IRatingRollupGrain>($"hall:{hall}").Recount(false)).Matches);
    }

    [Fact]
    public async Task A_missed_return_visit_is_flagged_by_the_sweep_once_and_shows_on_the_overdue_list()
    {
        const string hall = "520381-H001"; // 赤水市
        var monday = RatingClockFixture.MoveToNext(DayOfWeek.Monday, 10);
        var (ticketNo, day) = await ServeTicket(Grains, hall);
        var rating = (await Rate(Grains, Ticket(hall, day, ticketNo, 2, "材料被退回三次"))).Rating!;
        var due = (await Grains.GetGrain<IRatingGrain>(rating.Id).Get())!.FollowUp!.ReturnVisitDue;
        var sweep = Grains.GetGrain<IRatingFollowUpSweepGrain>(0);
        var grain = Grains.GetGrain<IRatingGrain>(rating.Id);

        Clock.Set(new DateTimeOffset(due.ToDateTime(new TimeOnly(17, 0)), TimeSpan.FromHours(8)));
        await sweep.Sweep();
        Assert.False((await grain.Get())!.FollowUp!.ReturnVisitOverdueFlagged);

        var nextDay = due.AddDays(1);
        Clock.Set(new DateTimeOffset(nextDay.ToDateTime(new TimeOnly(9, 0)), TimeSpan.FromHours(8)));
        Assert.True(await sweep.Sweep() >= 1);
        var view = (await grain.Get())!;
        Assert.True(view.FollowUp!.ReturnVisitOverdueFlagged);
        Assert.Equal(RatingEventKind.ReturnVisitOverdue, view.Events[^1].Kind);
        await sweep.Sweep();
        Assert.Single((await grain.Get())!.Events, e => e.Kind == RatingEventKind.ReturnVisitOverdue);

        var overdue = await RatingClockFixture.RatingStore.FollowUpsAsync(new FollowUpQuery($"hall:{hall}", OverdueAsOf: nextDay), CancellationToken.None);
        Assert.Equal(rating.Id, Assert.Single(overdue).FollowUp.RatingId);

        // Verifying late takes it off the overdue list; the reply deadline still runs.
        var manager = new FollowUpActor(FollowUpRole.HallManager, "manager-cs", HallCode: hall);
        Assert.True((await grain.Act(new FollowUpCommand(FollowUpAction.Verify, manager, "已回访"))).Succeeded);
        Assert.Empty(await RatingClockFixture.RatingStore.FollowUpsAsync(new FollowUpQuery($"hall:{hall}", OverdueAsOf: nextDay), CancellationToken.None));
        Assert.True(monday < Clock.GetUtcNow());
    }
}
