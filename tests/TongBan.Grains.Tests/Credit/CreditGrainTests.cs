using TongBan.Grains.Calendar;
using TongBan.Grains.Cases;
using TongBan.Grains.Catalogue;
using TongBan.Grains.Credit;
using TongBan.Grains.Identity;
using TongBan.Grains.Tests.Support;

namespace TongBan.Grains.Tests.Credit;

[Collection(ClusterCollection.Name)]
[Trait("Category", "Integration")]
public class CreditGrainTests(ClusterFixture fixture)
{
    private static readonly ServiceCatalogue Catalogue = ServiceCatalogue.Seeded();

    private static readonly PersonalDataProtector Protector = new(PrivacyOptions.Development());

    private static readonly CaseActor Clerk = new("clerk-1", CaseRole.Clerk, null, "520102-H001", 1, null, "520102");

    /// <summary>A 个体工商户设立登记 case at the 南明区 hall, received without the premises proof.</summary>
    private async Task<CaseView> ReceivedWithAGap(string idNumber)
    {
        var applicant = Protector.Record(new ApplicantDetails("冯十二", idNumber, "13900001111"));
        var application = new CaseApplication("scjg-001", applicant.IdKey, CaseChannel.Window, "520102", "520102",
            [new("application-form", 1), new("id-card", 1, true)], Clerk, "520102-H001", null);
        var opened = await CaseIntake.OpenAsync(fixture.Grains, Catalogue, application, applicant, DateTimeOffset.UtcNow);
        Assert.True(opened.Succeeded, opened.Failure?.Message);
        var grain = fixture.Grains.GetGrain<ICaseGrain>(opened.View!.State.CaseNo);
        var received = await grain.Apply(new CaseCommand(CaseAction.Receive, 1, Clerk));
        Assert.True(received.Succeeded, received.Failure?.Message);
        Assert.Equal(["premises-proof"], received.View!.State.Gaps.Select(g => g.MaterialId));
        return received.View;
    }

    [Fact]
    public async Task A_dishonest_applicant_gets_no_deferral_and_the_refusal_changes_nothing()
    {
        var idNumber = "520102198001011" + "23" + ResidentId.CheckCharacter("52010219800101123");
        var view = await ReceivedWithAGap(idNumber);
        var credit = fixture.Grains.GetGrain<IApplicantCreditGrain>(view.State.ApplicantKey);
        Assert.Null(await credit.Change(new CreditChangeRequest(CreditStanding.Dishonest, "失信名单", "admin", CaseRole.Admin)));

        var grain = fixture.Grains.GetGrain<ICaseGrain>(view.State.CaseNo);
        var refused = await grain.Apply(new CaseCommand(CaseAction.Accept, 2, Clerk, DeferredMaterialsPromised: true));
        Assert.Equal(CaseFailureKind.RuleViolation, refused.Failure!.Kind);
        Assert.Equal(2, (await grain.Get())!.State.Version);
        Assert.Null(await fixture.Grains.GetGrain<ICaseDeferralGrain>(view.State.CaseNo).View());

        // Changes need a reason and an admin (or the deciding department).
        Assert.NotNull(await credit.Change(new CreditChangeRequest(CreditStanding.Good, " ", "admin", CaseRole.Admin)));
        Assert.NotNull(await credit.Change(new CreditChangeRequest(CreditStanding.Good, "x", "clerk", CaseRole.Clerk)));
        var history = await credit.View();
        Assert.True(history.HistoryValid);
        Assert.Single(history.History);
    }

    [Fact]
    public async Task A_listing_under_the_old_HMAC_SHA256_key_refuses_deferral_on_a_case_keyed_with_HMAC_SM3()
    {
        var idNumber = "52010219800101" + "789" + ResidentId.CheckCharacter("52010219800101789");
        var view = await ReceivedWithAGap(idNumber);
        Assert.StartsWith(KeyedHash.Sm3Prefix, view.State.ApplicantKey, StringComparison.Ordinal); // the sm suite's key

        // Listed before the switch: on the credit grain of the person's HMAC-SHA256 key, which the case does not carry.
        var legacyKey = new KeyedHash(System.Text.Encoding.UTF8.GetBytes(PrivacyOptions.DevelopmentHashKey)).OfResidentId(idNumber);
        Assert.Null(await fixture.Grains.GetGrain<IApplicantCreditGrain>(legacyKey).Change(new CreditChangeRequest(CreditStanding.Dishonest, "失信名单 (迁移前)", "admin", CaseRole.Admin)));

        var grain = fixture.Grains.GetGrain<ICaseGrain>(view.State.CaseNo);
        var refused = await grain.Apply(new CaseCommand(CaseAction.Accept, 2, Clerk, DeferredMaterialsPromised: true));
        Assert.Equal(CaseFailureKind.RuleViolation, refused.Failure?.Kind);

        // Rehabilitated later under the new key: the latest change decides, and deferral is open again.
        // (The new key's grain alone says "good" already; the caller passes the standing across both keys, as the admin endpoint does.)
        var keys = new[] { view.State.ApplicantKey, legacyKey };
        var across = (await ApplicantCredit.ViewAsync(fixture.Grains, keys)).Standing;
        Assert.Equal(CreditStanding.Dishonest, across);
        Assert.Null(await fixture.Grains.GetGrain<IApplicantCreditGrain>(view.State.ApplicantKey).Change(new CreditChangeRequest(CreditStanding.Good, "信用修复", "admin", CaseRole.Admin, Across: across)));
        var merged = await ApplicantCredit.ViewAsync(fixture.Grains, keys);
        Assert.Equal((CreditStanding.Good, 2, true), (merged.Standing, merged.History.Count, merged.HistoryValid));
        Assert.Equal((CreditStanding.Dishonest, CreditStanding.Good), (merged.History[^1].From, merged.History[^1].To));
        var accepted = await grain.Apply(new CaseCommand(CaseAction.Accept, 2, Clerk, DeferredMaterialsPromised: true));
        Assert.True(accepted.Succeeded, accepted.Failure?.Message);
    }

    [Fact]
    public void Merged_credit_is_one_history_in_time_order_whose_latest_change_decides()
    {
        var t0 = new DateTimeOffset(2026, 11, 1, 9, 0, 0, TimeSpan.FromHours(8));
        CreditChange Change(int seq, int minutes, CreditStanding from, CreditStanding to) => new(seq, t0.AddMinutes(minutes), from, to, "r", "admin", CaseRole.Admin, "admin");
        var legacy = new CreditView(CreditStanding.Dishonest, [Change(1, 0, CreditStanding.Good, CreditStanding.Dishonest)], true);
        var current = new CreditView(CreditStanding.Good, [Change(1, 10, CreditStanding.Normal, CreditStanding.Good)], true);
        var empty = new CreditView(CreditRules.Unrecorded, [], true);

        var merged = ApplicantCredit.Merge([current, legacy]);
        Assert.Equal(CreditStanding.Good, merged.Standing);
        Assert.Equal([t0, t0.AddMinutes(10)], merged.History.Select(c => c.At));
        Assert.Equal(CreditStanding.Dishonest, ApplicantCredit.Merge([empty, legacy]).Standing);
        Assert.Equal(CreditRules.Unrecorded, ApplicantCredit.Merge([empty, empty]).Standing);
        Assert.False(ApplicantCredit.Merge([current, legacy with { HistoryValid = false }]).HistoryValid);
        Assert.Same(current, ApplicantCredit.Merge([current]));
    }

    [Fact]
    public async Task A_missed_promise_suspends_the_case_through_its_audit_log()
    {
        var idNumber = "52010219800101" + "456" + ResidentId.CheckCharacter("52010219800101456");
        var view = await ReceivedWithAGap(idNumber);
        var grain = fixture.Grains.GetGrain<ICaseGrain>(view.State.CaseNo);
        var accepted = await grain.Apply(new CaseCommand(CaseAction.Accept, 2, Clerk, DeferredMaterialsPromised: true));
        Assert.True(accepted.Succeeded, accepted.Failure?.Message);
        var deferral = fixture.Grains.GetGrain<ICaseDeferralGrain>(view.State.CaseNo);
        var promise = (await deferral.View())!.Promise;
        Assert.Equal(3, promise.AcceptedVersion);
        Assert.Equal(PromiseStatus.Pending, await deferral.CheckDue()); // not due yet

        // The due date passes (simulated by re-registering the same promise due yesterday).
        await deferral.Register(promise with { Due = DateOnly.FromDateTime(DateTime.UtcNow.AddHours(8)).AddDays(-1) });
        Assert.Equal(PromiseStatus.Missed, await deferral.CheckDue());
        var after = (await grain.Get())!;
        Assert.Equal(CaseStatus.Suspended, after.State.Status);
        var step = after.Timeline[^1];
        Assert.Equal((CaseAction?)CaseAction.Suspend, step.Action);
        Assert.Equal("system:deferral", step.ActorId);
        Assert.Contains("premises-proof", step.Reason, StringComparison.Ordinal);
        Assert.True((await grain.VerifyAudit()).Valid);
        Assert.Equal(PromiseStatus.Missed, await deferral.CheckDue()); // once
    }

    [Fact]
    public void Promise_rules()
    {
        var calendar = WorkingDayCalendar.LoadEmbedded();
        var accepted = new DateOnly(2026, 9, 25);
        Assert.Equal(calendar.AddWorkingDays(accepted, 5).Date, DeferralRules.Due(accepted, calendar));
        Assert.False(DeferralRules.IsMissed(new DateOnly(2026, 10, 9), ["x"], new DateOnly(2026, 10, 9)));
        Assert.True(DeferralRules.IsMissed(new DateOnly(2026, 10, 9), ["x"], new DateOnly(2026, 10, 10)));
        Assert.False(DeferralRules.IsMissed(new DateOnly(2026, 10, 9), [], new DateOnly(2026, 10, 10)));
        Assert.True(CreditRules.MayDefer(CreditStanding.Good));
        Assert.False(CreditRules.MayDefer(CreditStanding.Normal));
        Assert.False(CreditRules.MayDefer(CreditStanding.Dishonest));
    }
}
