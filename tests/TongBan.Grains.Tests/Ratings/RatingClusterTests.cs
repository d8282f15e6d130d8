using Orleans.Runtime;
using TongBan.Grains.Cases;
using TongBan.Grains.Common;
using TongBan.Grains.Halls;
using TongBan.Grains.Queues;
using TongBan.Grains.Ratings;
using TongBan.Grains.Tests.Cases;
using TongBan.Grains.Tests.Support;
using static TongBan.Grains.Tests.Ratings.RatingTestKit;

namespace TongBan.Grains.Tests.Ratings;

/// <summary>The rating intake, roll-ups, follow-ups and appeals on a two-silo TestCluster (each test owns its hall).</summary>
[Collection(ClusterCollection.Name)]
[Trait("Category", "Integration")]
public class RatingClusterTests(ClusterFixture fixture)
{
    private IGrainFactory Grains => fixture.Grains;

    [Fact]
    public async Task A_served_ticket_is_rated_once_and_counts_for_its_clerk_window_hall_and_regions()
    {
        const string hall = "520201-H001"; // 钟山区, 六盘水市
        var (ticketNo, day) = await ServeTicket(Grains, hall, 1, "clerk-ls-1");
        var request = Ticket(hall, day, ticketNo, 5, "<b>很好</b>") with { SubScores = new SubScores(5, 5, null, 4) };
        var outcome = await Rate(Grains, request);
        Assert.True(outcome.Accepted, outcome.Refusal?.Message);
        var rating = outcome.Rating!;
        Assert.Equal($"T-{hall}-{day:yyyyMMdd}-{ticketNo}", rating.Id);
        Assert.Equal(new RatingSubject(hall, 1, "clerk-ls-1", null, null, "520201"), rating.Subject);
        Assert.Equal(["clerk:clerk-ls-1", $"window:{hall}/1", $"hall:{hall}", "county:520201", "city:520200", "province:520000"], rating.Scopes);
        Assert.Equal("<b>很好</b>", rating.Comment); // stored as typed, escaped when shown
        Assert.Null(outcome.FollowUp);

        // The intake waits for the roll-ups before answering: an acknowledged rating is already counted, no polling.
        foreach (var (scope, id) in new[] { ("hall", hall), ("window", $"{hall}/1"), ("clerk", "clerk-ls-1"), ("county", "520201"), ("city", "520200") })
        {
            var view = await Rollup(Grains, scope, id);
            Assert.Equal((1, 1.0, 0), (view.TodayFigures.Total, view.TodayFigures.GoodRate!.Value, view.TodayFigures.BadCount));
            Assert.Equal(1, view.Last30Days.ByLevel["5"]);
        }

        // The hall's snapshot shows the 30-day good rate.
        await Eventually(async () => (await Grains.GetGrain<IHallGrain>(hall).GetSnapshot()).GoodRate == 1.0, "hall snapshot goodRate");

        // 一次一评: a different second rating is refused; a retry of the same one is answered with the stored one.
        var second = await Rate(Grains, request with { Level = 1 });
        Assert.Equal((RatingRefusalKind.AlreadyRated, "alreadyRated"), (second.Refusal!.Kind, second.Refusal.Code));
        var retry = await Rate(Grains, request);
        Assert.True(retry.Accepted && retry.Replayed);
        Assert.Equal(rating.CreatedAt, retry.Rating!.CreatedAt);
        // Rate answers after its roll-ups have applied the delta, so a second count would show by now.
        Assert.Equal(1, (await Rollup(Grains, "hall", hall)).AllTime.Total); // the replayed fan-out is not counted twice
        var check = await Grains.GetGrain<IRatingRollupGrain>($"hall:{hall}").Recount(repair: false);
        Assert.True(check.Matches, string.Join("; ", check.Differences));
    }

    [Fact]
    public async Task Many_ratings_of_one_ticket_at_once_store_exactly_one()
    {
        const string hall = "520203-H001"; // 六枝特区
        var (ticketNo, day) = await ServeTicket(Grains, hall);
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Rate(Grains, Ticket(hall, day, ticketNo, 1 + (i % 5)))));
        var stored = Assert.Single(outcomes, o => o.Accepted && !o.Replayed).Rating!;
        Assert.All(outcomes.Where(o => !o.Accepted), o => Assert.Equal(RatingRefusalKind.AlreadyRated, o.Refusal!.Kind));
        Assert.All(outcomes.Where(o => o.Replayed), o => Assert.Equal(stored.Level, o.Rating!.Level));
        var kept = (await ClusterFixture.RatingStore.LoadAsync(stored.Id, CancellationToken.None))!.Rating;
        Assert.Equal((stored.Level, stored.CreatedAt), (kept.Level, kept.CreatedAt));
        await Eventually(async () => (await Rollup(Grains, "hall", hall)).AllTime.Total == 1, "hall roll-up");
        Assert.Equal(LevelCounts.Of(stored.Level), (await Grains.GetGrain<IRatingRollupGrain>($"hall:{hall}").Recount(false)).Rollup);
    }

    [Fact]
    public async Task Only_served_tickets_can_be_rated()
    {
        const string hall = "520204-H001"; // 水城区
        var today = ChinaTime.Today(TimeProvider.System);
        var waiting = await TakeTicket(Grains, hall);
        var notServed = await Rate(Grains, Ticket(hall, today, waiting, 5));
        Assert.Equal((RatingRefusalKind.NotRateableYet, "ticketNotServed"), (notServed.Refusal!.Kind, notServed.Refusal.Code));

        var cancelled = await TakeTicket(Grains, hall);
        await Grains.Line(hall, cancelled[..1]).Act(TicketAction.Cancel, cancelled);
        Assert.Equal(RatingRefusalKind.NotRateableYet, (await Rate(Grains, Ticket(hall, today, cancelled, 5))).Refusal!.Kind);

        Assert.Equal(RatingRefusalKind.UnknownTarget, (await Rate(Grains, Ticket(hall, today, "A999", 5))).Refusal!.Kind);
        Assert.Equal(RatingRefusalKind.UnknownTarget, (await Rate(Grains, Ticket(hall, today.AddDays(-2), waiting, 5))).Refusal!.Kind);
        Assert.Equal(RatingRefusalKind.UnknownTarget, (await Rate(Grains, Ticket(hall, today, "Y001", 5))).Refusal!.Kind); // no such category
        Assert.Equal(RatingRefusalKind.UnknownTarget, (await Rate(Grains, Ticket("520204-H999", today, "A001", 5))).Refusal!.Kind);
        Assert.Equal((RatingRefusalKind.Invalid, "levelOutOfRange"), ((await Rate(Grains, Ticket(hall, today, waiting, 6))).Refusal!.Kind, (await Rate(Grains, Ticket(hall, today, waiting, 0))).Refusal!.Code));
        var tooLong = await Rate(Grains, Ticket(hall, today, waiting, 5, new string('长', 501)));
        Assert.Equal("commentTooLong", tooLong.Refusal!.Code);
    }

    [Fact]
    public async Task The_window_pad_rates_only_what_its_window_just_served()
    {
        const string hall = "520281-H001"; // 盘州市
        var (ticketNo, day) = await ServeTicket(Grains, hall, 1, "clerk-pz-1");
        var otherPad = new RaterProof(RaterProofKind.WindowPad, "clerk-pz-2", hall, 2);
        var refused = await Rate(Grains, Ticket(hall, day, ticketNo, 5, proof: otherPad, channel: RatingChannel.WindowPad));
        Assert.Equal((RatingRefusalKind.Forbidden, "notThisWindow"), (refused.Refusal!.Kind, refused.Refusal.Code));
        Assert.Equal("channelMismatch", (await Rate(Grains, Ticket(hall, day, ticketNo, 5, channel: RatingChannel.WindowPad))).Refusal!.Code);

        var pad = new RaterProof(RaterProofKind.WindowPad, "clerk-pz-1", hall, 1);
        var outcome = await Rate(Grains, Ticket(hall, day, ticketNo, 4, proof: pad, channel: RatingChannel.WindowPad));
        Assert.True(outcome.Accepted, outcome.Refusal?.Message);
        Assert.Equal((RatingChannel.WindowPad, "clerk-pz-1", (string?)null), (outcome.Rating!.Channel, outcome.Rating.EnteredBy, outcome.Rating.RaterKey));
    }

    [Fact]
    public async Task A_finished_case_is_rated_once_by_its_applicant_and_counts_for_its_item_and_department()
    {
        var applicant = new RaterProof(RaterProofKind.Applicant, RaterKey: CaseFixture.ApplicantKey);
        var underReview = await Case(Grains, CaseStatus.UnderReview);
        var early = await Rate(Grains, new RatingRequest(RatingTarget.Case(underReview), 5, RatingChannel.Web, null, null, applicant));
        Assert.Equal((RatingRefusalKind.NotRateableYet, "caseNotFinished"), (early.Refusal!.Kind, early.Refusal.Code));

        var completed = await Case(Grains, CaseStatus.Completed);
        var stranger = new RaterProof(RaterProofKind.Applicant, RaterKey: CaseFixture.Hasher.OfResidentId("520302198506152026"));
        Assert.Equal(RatingRefusalKind.UnknownTarget, (await Rate(Grains, new RatingRequest(RatingTarget.Case(completed), 5, RatingChannel.Web, null, null, stranger))).Refusal!.Kind);
        Assert.Equal(RatingRefusalKind.Forbidden, (await Rate(Grains, new RatingRequest(RatingTarget.Case(completed), 5, RatingChannel.Web, null, null, Token))).Refusal!.Kind);
        Assert.Equal(RatingRefusalKind.UnknownTarget, (await Rate(Grains, new RatingRequest(RatingTarget.Case("GZ5201022603029999991"), 5, RatingChannel.Web, null, null, applicant))).Refusal!.Kind);

        var outcome = await Rate(Grains, new RatingRequest(RatingTarget.Case(completed), 4, RatingChannel.Sms, null, "送达及时", applicant));
        Assert.True(outcome.Accepted, outcome.Refusal?.Message);
        var r = outcome.Rating!;
        Assert.Equal(new RatingSubject(CaseFixture.Hall, 7, "clerk-0007", "rsj-001", "rsj", "520102"), r.Subject);
        Assert.Contains("item:rsj-001", r.Scopes);
        Assert.Contains("department:rsj/520102", r.Scopes);
        Assert.Contains("department:rsj", r.Scopes);
        Assert.Equal(CaseFixture.ApplicantKey, r.RaterKey); // the rater only as a keyed hash

        // 一事一评, also through 12345.
        var agent = new RaterProof(RaterProofKind.HotlineAgent, "agent-12345-7");
        Assert.Equal(RatingRefusalKind.AlreadyRated, (await Rate(Grains, new RatingRequest(RatingTarget.Case(completed), 1, RatingChannel.Hotline, null, null, agent))).Refusal!.Kind);
        await Eventually(async () => (await Rollup(Grains, "item", "rsj-001")).AllTime.Total >= 1, "item roll-up");
    }

    [Fact]
    public async Task A_bad_rating_is_followed_up_by_its_hall_and_the_rater_rates_the_fix_once()
    {
        const string hall = "520402-H001"; // 西秀区
        var (ticketNo, day) = await ServeTicket(Grains, hall, 1, "clerk-xx-1");
        var outcome = await Rate(Grains, Ticket(hall, day, ticketNo, 1, "等了两个小时没人管"));
        var followUp = outcome.FollowUp!;
        Assert.Equal((FollowUpStage.AwaitingVerification, hall), (followUp.Stage, followUp.OwnerHall));
        Assert.True(followUp.ReturnVisitDue > followUp.OpenedOn);

        var grain = Grains.GetGrain<IRatingGrain>(outcome.Rating!.Id);
        var manager = new FollowUpActor(FollowUpRole.HallManager, "manager-xx", HallCode: hall);
        Assert.Equal(RatingRefusalKind.Forbidden, (await grain.Act(new FollowUpCommand(FollowUpAction.Verify, manager with { HallCode = "520102-H001" }, "x"))).Refusal!.Kind);
        Assert.Equal(RatingRefusalKind.NotAllowed, (await grain.Act(new FollowUpCommand(FollowUpAction.Reply, manager, "x"))).Refusal!.Kind);
        foreach (var (step, note) in new[] { (FollowUpAction.Verify, "已回访，属实"), (FollowUpAction.Rectify, "增设引导员"), (FollowUpAction.Reply, "已反馈整改结果") })
        {
            var reply = await grain.Act(new FollowUpCommand(step, manager, note));
            Assert.True(reply.Succeeded, reply.Refusal?.Message);
        }

        var holder = new FollowUpActor(FollowUpRole.Rater, TicketTokenVerified: true);
        Assert.True((await grain.Act(new FollowUpCommand(FollowUpAction.RateFix, holder, "好多了", 4))).Succeeded);
        var again = await grain.Act(new FollowUpCommand(FollowUpAction.RateFix, holder, null, 5));
        Assert.Equal("fixAlreadyRated", again.Refusal!.Code);

        var view = (await grain.Get())!;
        Assert.Equal(
            [RatingEventKind.Opened, RatingEventKind.Verified, RatingEventKind.Rectified, RatingEventKind.Replied, RatingEventKind.FixRated],
            view.Events.Select(e => e.Kind));
        Assert.Equal((FollowUpStage.FixRated, 4, 5), (view.FollowUp!.Stage, view.FollowUp.FixLevel, view.FollowUp.Version));
        var figures = await ClusterFixture.RatingStore.FollowUpFiguresAsync($"hall:{hall}", ChinaTime.Today(TimeProvider.System), CancellationToken.None);
        Assert.Equal((1, 1, 1, 0, 1, 1), (figures.BadReviews, figures.Replied, figures.RepliedOnTime, figures.Open, figures.FixRated, figures.FixGood));
        Assert.Equal(1.0, figures.RectificationRate);

        // The original rating still counts: the fix rating is reported with the follow-up, not instead of it.
        await Eventually(async () => (await Rollup(Grains, "hall", hall)).AllTime.BadCount == 1, "hall roll-up");
    }

    [Fact]
    public async Task An_upheld_appeal_takes_the_rating_out_of_every_roll_up_and_keeps_it_with_its_reason()
    {
        const string hall = "520502-H001"; // 七星关区, 毕节市
        var (good, day) = await ServeTicket(Grains, hall);
        Assert.True((await Rate(Grains, Ticket(hall, day, good, 5))).Accepted);
        var (bad, _) = await ServeTicket(Grains, hall);
        var malicious = (await Rate(Grains, Ticket(hall, day, bad, 1, "乱评"))).Rating!;
        await Eventually(async () => (await Rollup(Grains, "county", "520502")).AllTime.Total == 2, "county roll-up");
        Assert.Equal(0.5, (await Rollup(Grains, "hall", hall)).AllTime.GoodRate);

        var grain = Grains.GetGrain<IRatingGrain>(malicious.Id);
        var manager = new FollowUpActor(FollowUpRole.HallManager, "manager-qxg", HallCode: hall);
        Assert.True((await grain.Act(new FollowUpCommand(FollowUpAction.Appeal, manager, "评价人当日未到本厅办事，系恶意差评"))).Succeeded);
        var supervisor = new FollowUpActor(FollowUpRole.Supervisor, "sup-bj", RegionCode: "520500");
        var decided = await grain.Act(new FollowUpCommand(FollowUpAction.DecideAppeal, supervisor, "经核查监控与取号记录，申诉成立", Upheld: true));
        Assert.True(decided.Succeeded, decided.Refusal?.Message);

        foreach (var (scope, id) in new[] { ("hall", hall), ("county", "520502") })
        {
            await Eventually(async () => (await Rollup(Grains, scope, id)).AllTime.Total == 1, $"{scope}:{id} without the excluded rating");
            var v = await Rollup(Grains, scope, id);
            Assert.Equal((1.0, 0), (v.AllTime.GoodRate!.Value, v.AllTime.BadCount));
        }

        // Never deleted: the rating, the reason and who decided stay, with the whole trail.
        var view = (await grain.Get())!;
        Assert.Equal((malicious.Id, malicious.Level, malicious.Comment, malicious.CreatedAt), (view.Rating.Id, view.Rating.Level, view.Rating.Comment, view.Rating.CreatedAt));
        Assert.Equal(("经核查监控与取号记录，申诉成立", "sup-bj"), (view.Exclusion!.Reason, view.Exclusion.DecidedBy));
        Assert.Equal([RatingEventKind.Opened, RatingEventKind.AppealFiled, RatingEventKind.AppealUpheld], view.Events.Select(e => e.Kind));
        Assert.Equal(FollowUpStage.Excluded, view.FollowUp!.Stage);
        Assert.True((await Grains.GetGrain<IRatingRollupGrain>($"hall:{hall}").Recount(false)).Matches);
        Assert.Equal("notAllowedNow", (await grain.Act(new FollowUpCommand(FollowUpAction.Verify, manager, "x"))).Refusal!.Code);
    }

    [Fact]
    public async Task A_good_rating_has_no_follow_up_to_work_or_appeal()
    {
        const string hall = "520581-H001"; // 黔西市
        var (ticketNo, day) = await ServeTicket(Grains, hall);
        var rating = (await Rate(Grains, Ticket(hall, day, ticketNo, 3))).Rating!;
        var reply = await Grains.GetGrain<IRatingGrain>(rating.Id).Act(new FollowUpCommand(FollowUpAction.Appeal, new FollowUpActor(FollowUpRole.HallManager, "m", HallCode: hall), "x"));
        Assert.Equal("noFollowUp", reply.Refusal!.Code);
        Assert.Equal(RatingRefusalKind.UnknownTarget, (await Grains.GetGrain<IRatingGrain>($"T-{hall}-20200101-A001").Act(new FollowUpCommand(FollowUpAction.Verify, FollowUpActor.System))).Refusal!.Kind);
    }

    [Fact]
    public async Task A_lost_delta_is_found_by_the_recount_and_repaired_and_its_late_arrival_is_not_counted_twice()
    {
        // Stored without a fan-out: what a delta lost in a crash (its sender's silo died) leaves behind.
        const string key = "hall:520602-H001"; // 碧江区
        var rollup = Grains.GetGrain<IRatingRollupGrain>(key);
        Assert.Equal(0, (await rollup.Get()).AllTime.Total);
        var now = ChinaTime.Now(TimeProvider.System);
        var lost = new RatingRecord(
            RatingTarget.Ticket("520602-H001", DateOnly.FromDateTime(now.DateTime), "A001"), new RatingSubject("520602-H001", 1, null, null, null, "520602"),
            [key], 2, RatingChannel.Mobile, null, null, null, null, now.AddMinutes(-5), now.AddMinutes(-1), DateOnly.FromDateTime(now.DateTime));
        Assert.True((await ClusterFixture.RatingStore.AppendAsync(lost, null, null, CancellationToken.None)).Added);

        var check = await rollup.Recount(repair: false);
        Assert.False(check.Matches);
        Assert.Equal((LevelCounts.Zero, LevelCounts.Of(2)), (check.Rollup, check.Recount));
        Assert.Equal(0, (await rollup.Get()).AllTime.Total); // a check alone changes nothing

        var repair = await rollup.Recount(repair: true);
        Assert.True(repair.Repaired);
        Assert.Equal(1, (await rollup.Get()).AllTime.Total);
        Assert.True((await rollup.Recount(repair: false)).Matches);

        // The delta turns up after all (a delayed message): the roll-up already holds it.
        await rollup.Apply(RollupDelta.Counted(lost)); // completes once applied
        Assert.Equal(1, (await rollup.Get()).AllTime.Total);
    }

    [Fact]
    public async Task A_roll_up_that_was_deactivated_comes_back_with_the_same_counts_from_the_store()
    {
        const string hall = "520603-H001"; // 万山区
        for (var i = 0; i < 3; i++)
        {
            var (ticketNo, day) = await ServeTicket(Grains, hall);
            Assert.True((await Rate(Grains, Ticket(hall, day, ticketNo, 2 + i))).Accepted);
        }

        await Eventually(async () => (await Rollup(Grains, "hall", hall)).AllTime.Total == 3, "hall roll-up");
        var before = await Rollup(Grains, "hall", hall);
        await Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        var after = await Rollup(Grains, "hall", hall);
        Assert.True(after.LoadedAt > before.LoadedAt, "the roll-up should have been reactivated");
        Assert.Equal(before.AllTime.ByLevel, after.AllTime.ByLevel);
        Assert.Equal(before.TodayFigures.GoodRate, after.TodayFigures.GoodRate);
    }
}
