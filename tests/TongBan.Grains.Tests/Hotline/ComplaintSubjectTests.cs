using TongBan.Grains.Cases;
using TongBan.Grains.Hotline;
using TongBan.Grains.Tests.Support;

namespace TongBan.Grains.Tests.Hotline;

/// <summary>Issue 19: complaints routed by subject, hall conduct to the hall's box, without breaking the chains written before.</summary>
[Collection(ClusterCollection.Name)]
[Trait("Category", "Integration")]
public class ComplaintSubjectTests(ClusterFixture fixture)
{
    private static readonly HotlineCaseRef Target =
        new(CaseNumber.Create("520103", new DateOnly(2026, 11, 28), 91).Value, "rsj-001", "rsj", "520103", CaseStatus.UnderReview, 4, false);

    [Fact]
    public void An_entry_without_a_subject_hashes_exactly_as_before_subjects_existed()
    {
        var entry = new HotlineEntry(Target.CaseNo, 1, HotlineEntryKind.Complaint, new DateTimeOffset(2026, 11, 28, 10, 0, 0, TimeSpan.FromHours(8)),
            "agent-1", CaseRole.HotlineAgent, "x", CaseStatus.UnderReview, 4, new DateOnly(2026, 12, 5), null, null, "other", null);
        var canonical = CaseHotlineGrain.Canonical(entry);
        Assert.DoesNotContain("subject", canonical, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("hallCode", canonical, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("forHall", canonical, StringComparison.OrdinalIgnoreCase);
        Assert.EndsWith("\"idempotencyKey\":null}", canonical, StringComparison.Ordinal);
        Assert.Contains("\"hallCode\":\"520103-H001\"", CaseHotlineGrain.Canonical(entry with { Subject = ComplaintSubject.HallConduct, HallCode = "520103-H001" }), StringComparison.Ordinal);
    }

    [Fact]
    public void Only_a_complaint_naming_a_hall_can_be_about_its_conduct()
    {
        Assert.Equal(HotlineFailureKind.Invalid, HotlineRules.Check(Target, new HotlineRequest(
            HotlineEntryKind.Urge, "a", CaseRole.HotlineAgent, "请尽快", Subject: ComplaintSubject.HallConduct, HallCode: "520103-H001"))?.Kind);
        Assert.Equal(HotlineFailureKind.Invalid, HotlineRules.Check(Target, new HotlineRequest(
            HotlineEntryKind.Complaint, "a", CaseRole.HotlineAgent, "态度差", "attitude", Subject: ComplaintSubject.HallConduct))?.Kind);
        Assert.Null(HotlineRules.Check(Target, new HotlineRequest(
            HotlineEntryKind.Complaint, "a", CaseRole.HotlineAgent, "态度差", "attitude", Subject: ComplaintSubject.HallConduct, HallCode: "520103-H001")));
    }

    [Fact]
    public async Task A_hall_conduct_complaint_waits_in_the_halls_box_and_leaves_it_when_answered()
    {
        var log = fixture.Grains.GetGrain<ICaseHotlineGrain>(Target.CaseNo);
        var conduct = await log.Register(Target, new HotlineRequest(
            HotlineEntryKind.Complaint, "agent-1", CaseRole.HotlineAgent, "窗口人员态度生硬", "attitude", Subject: ComplaintSubject.HallConduct, HallCode: "520103-H001"));
        var decision = await log.Register(Target, new HotlineRequest(HotlineEntryKind.Complaint, "agent-1", CaseRole.HotlineAgent, "材料不一致", "materials"));
        Assert.True(conduct.Succeeded && decision.Succeeded);
        Assert.True(conduct.Entry!.ForHall);
        Assert.Null(decision.Entry!.Subject); // the decision: as every entry before subjects

        var hallBox = fixture.Grains.GetGrain<IHotlineBoxGrain>(HotlineBoxKeys.Hall("520103-H001"));
        var departmentBox = fixture.Grains.GetGrain<IHotlineBoxGrain>(HotlineBoxKeys.Department("rsj", "520103"));
        Assert.Equal([conduct.Entry.Seq], (await hallBox.List()).Where(i => i.CaseNo == Target.CaseNo).Select(i => i.Seq));
        Assert.Equal([decision.Entry.Seq], (await departmentBox.List()).Where(i => i.CaseNo == Target.CaseNo).Select(i => i.Seq));

        Assert.True((await log.Respond(Target, conduct.Entry.Seq, "manager-1", CaseRole.HallManager, "已致歉")).Succeeded);
        Assert.DoesNotContain(await hallBox.List(), i => i.CaseNo == Target.CaseNo);
        Assert.Contains(await departmentBox.List(), i => i.CaseNo == Target.CaseNo);
        Assert.True((await log.VerifyLog()).Valid);
    }
}
