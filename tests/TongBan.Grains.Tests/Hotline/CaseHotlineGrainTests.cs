using Orleans.Core.Internal;
using TongBan.Grains.Cases;
using TongBan.Grains.Hotline;
using TongBan.Grains.Tests.Support;

namespace TongBan.Grains.Tests.Hotline;

[Collection(ClusterCollection.Name)]
[Trait("Category", "Integration")]
public class CaseHotlineGrainTests(ClusterFixture fixture)
{
    private static HotlineCaseRef Case(int seq) =>
        new(CaseNumber.Create("520103", new DateOnly(2026, 11, 27), seq).Value, "rsj-001", "rsj", "520103", CaseStatus.UnderReview, 4, false);

    [Fact]
    public async Task Urges_repeat_into_one_box_item_and_the_log_stays_a_valid_chain()
    {
        var target = Case(71);
        var log = fixture.Grains.GetGrain<ICaseHotlineGrain>(target.CaseNo);
        var first = await log.Register(target, new HotlineRequest(HotlineEntryKind.Urge, "agent-1", CaseRole.HotlineAgent, "请尽快", IdempotencyKey: "k1"));
        var repeat = await log.Register(target, new HotlineRequest(HotlineEntryKind.Urge, "agent-2", CaseRole.HotlineAgent, "又来电"));
        var replay = await log.Register(target, new HotlineRequest(HotlineEntryKind.Urge, "agent-1", CaseRole.HotlineAgent, "请尽快", IdempotencyKey: "k1"));
        Assert.True(first.Succeeded && repeat.Succeeded && replay.Succeeded);
        Assert.Equal(1, replay.Entry!.Seq);
        Assert.Equal(first.Entry!.Seq, repeat.Entry!.RepeatOf);
        Assert.Equal(2, repeat.Repeats);

        var box = fixture.Grains.GetGrain<IHotlineBoxGrain>("rsj/520103");
        var item = Assert.Single(await box.List(), i => i.CaseNo == target.CaseNo);
        Assert.Equal(2, item.Repeats);

        // Concurrent registrations are serialised by the grain: the chain stays linear.
        var parallel = await Task.WhenAll(Enumerable.Range(0, 10).Select(i =>
            log.Register(target, new HotlineRequest(HotlineEntryKind.Complaint, $"agent-{i}", CaseRole.HotlineAgent, $"投诉 {i}", "other"))));
        Assert.All(parallel, r => Assert.True(r.Succeeded));
        Assert.Equal(12, (await log.Entries()).Count);
        Assert.Equal(Enumerable.Range(1, 12), (await log.Entries()).Select(e => e.Seq));
        var verification = await log.VerifyLog();
        Assert.True(verification.Valid);
        Assert.Equal(12, verification.Entries);

        var answered = await log.Respond(target, 1, "approver-1", CaseRole.Approver, "本周内办结");
        Assert.True(answered.Succeeded);
        Assert.DoesNotContain(await box.List(), i => i.CaseNo == target.CaseNo && i.Seq == 1);
        Assert.Equal(10, (await box.List()).Count(i => i.CaseNo == target.CaseNo));
    }

    [Fact]
    public async Task The_guard_throttles_after_five_failures_and_grants_watching_only_on_a_match()
    {
        var guard = fixture.Grains.GetGrain<IHotlineGuardGrain>(Case(72).CaseNo);
        Assert.False((await guard.Attempt("agent-1", matched: true)).Throttled);
        Assert.True(await guard.MayWatch("agent-1"));
        Assert.False(await guard.MayWatch("agent-2"));
        for (var i = 0; i < 5; i++)
        {
            Assert.False((await guard.Attempt("agent-2", matched: false)).Throttled);
        }

        var refused = await guard.Attempt("agent-2", matched: true);
        Assert.True(refused.Throttled);
        Assert.NotNull(refused.RetryAfter);
        Assert.False(await guard.MayWatch("agent-2"));
    }

    [Fact]
    public async Task A_watch_grant_survives_the_guard_grain_being_deactivated()
    {
        var caseNo = Case(73).CaseNo;
        var guard = fixture.Grains.GetGrain<IHotlineGuardGrain>(caseNo);
        Assert.False((await guard.Attempt("agent-7", matched: true)).Throttled);
        Assert.True(await guard.MayWatch("agent-7"));

        // As after a silo restart: a new activation reads the grant back from storage.
        await guard.Cast<IGrainManagementExtension>().DeactivateOnIdle();
        await Task.Delay(200);
        Assert.True(await guard.MayWatch("agent-7"));
        Assert.False(await guard.MayWatch("agent-8"));
    }
}
