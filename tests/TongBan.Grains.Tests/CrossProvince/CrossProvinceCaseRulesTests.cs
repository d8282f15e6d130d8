using TongBan.Grains.Cases;
using TongBan.Grains.CrossProvince;
using TongBan.Grains.Tests.Cases;
using static TongBan.Grains.Tests.Cases.CaseFixture;

namespace TongBan.Grains.Tests.CrossProvince;

[Trait("Category", "Integration")]
public class CrossProvinceCaseRulesTests
{
    private static readonly DateTimeOffset T1 = T0.AddHours(1);

    private static CaseForward ToChuanyu(CaseActor? actor = null, string region = "510104") => new(actor ?? Clerk, "chuanyu", "川渝", region, "申请人常住成都");

    private static CaseState Forwarded()
    {
        var result = CrossProvinceCaseRules.Forward(Do(SubmittedCase(), CaseAction.Receive), ToChuanyu(), T1);
        Assert.True(result.Succeeded, result.Failure?.Message);
        return result.State!;
    }

    private static CaseState Report(CaseState state, PartnerReport report)
    {
        var result = CrossProvinceCaseRules.Report(state, report, T1);
        Assert.True(result.Succeeded, result.Failure?.Message);
        return result.State!;
    }

    [Fact]
    public void Forwarding_records_the_partner_on_the_timeline_keeps_the_status_and_stops_local_transitions()
    {
        var received = Do(SubmittedCase(), CaseAction.Receive);
        var result = CrossProvinceCaseRules.Forward(received, ToChuanyu(), T1);
        Assert.True(result.Succeeded);
        var state = result.State!;
        Assert.Equal(CaseStatus.Received, state.Status);
        Assert.Equal(received.Version + 1, state.Version);
        Assert.Equal(CrossProvinceCaseRules.TransferIdOf(state.CaseNo), state.CrossProvince!.TransferId);
        Assert.Equal(state.CaseNo, CrossProvinceCaseRules.CaseNoOf(state.CrossProvince.TransferId));
        Assert.True(state.HandledByPartner);
        Assert.Equal($"已转至川渝（GZX-{state.CaseNo}）", result.Entry!.CrossProvince!.Text);
        Assert.Equal("forwarded", result.Entry.CrossProvince.Kind);
        Assert.Equal(state.Version, result.Entry.Version);
        Assert.Empty(CaseStateMachine.AllowedActions(state));
        Assert.Equal(CaseFailureKind.ActionNotAllowed, Machine.Apply(state, new CaseCommand(CaseAction.Accept, state.Version, Clerk), T1).Failure!.Kind);
    }

    [Fact]
    public void The_same_forward_again_is_a_no_op_and_another_one_is_a_conflict()
    {
        var state = Forwarded();
        var again = CrossProvinceCaseRules.Forward(state, ToChuanyu(), T1);
        Assert.True(again.Succeeded);
        Assert.Null(again.Entry);
        Assert.Same(state, again.State);

        Assert.Equal(CaseFailureKind.ActionNotAllowed, CrossProvinceCaseRules.Forward(state, ToChuanyu(region: "500101"), T1).Failure!.Kind);
        Assert.Equal(CaseFailureKind.ActionNotAllowed, CrossProvinceCaseRules.Forward(state, new CaseForward(Clerk, "zsj", "珠三角", "440305"), T1).Failure!.Kind);
    }

    [Fact]
    public void Only_the_receiving_hall_or_the_competent_department_forwards_and_only_before_acceptance()
    {
        var received = Do(SubmittedCase(), CaseAction.Receive);
        Assert.Equal(CaseFailureKind.Forbidden, CrossProvinceCaseRules.Forward(received, ToChuanyu(Clerk with { HallCode = OtherHall }), T1).Failure!.Kind);
        Assert.Equal(CaseFailureKind.Forbidden, CrossProvinceCaseRules.Forward(received, ToChuanyu(Citizen), T1).Failure!.Kind);
        Assert.Equal(CaseFailureKind.Forbidden, CrossProvinceCaseRules.Forward(received, ToChuanyu(Approver with { RegionCode = "520103" }), T1).Failure!.Kind);
        Assert.True(CrossProvinceCaseRules.Forward(received, ToChuanyu(Approver), T1).Succeeded);
        Assert.Equal(CaseFailureKind.InvalidCommand, CrossProvinceCaseRules.Forward(received, ToChuanyu(region: "520102"), T1).Failure!.Kind);
        Assert.Equal(CaseFailureKind.VersionConflict, CrossProvinceCaseRules.Forward(received, ToChuanyu() with { ExpectedVersion = 1 }, T1).Failure!.Kind);

        var accepted = Do(received, CaseAction.Accept);
        Assert.Equal(CaseFailureKind.ActionNotAllowed, CrossProvinceCaseRules.Forward(accepted, ToChuanyu(), T1).Failure!.Kind);

        // An online case not yet received gets the forwarding clerk's hall.
        var online = CrossProvinceCaseRules.Forward(SubmittedCase(), ToChuanyu(), T1).State!;
        Assert.Equal(Hall, online.ReceivingHallCode);
    }

    [Fact]
    public void Partner_reports_move_the_case_forward_once_each_and_never_back()
    {
        var state = Forwarded();
        var acknowledged = CrossProvinceCaseRules.Acknowledge(state, "chuanyu", "/transfers/SC-1", T1);
        Assert.Equal("acknowledged", acknowledged.Entry!.CrossProvince!.Kind);
        Assert.Null(CrossProvinceCaseRules.Acknowledge(acknowledged.State!, "chuanyu", "/transfers/SC-1", T1).Entry);
        state = acknowledged.State!;

        state = Report(state, new PartnerReport("chuanyu", PartnerCaseStatus.Accepted, Department: "成都市武侯区医疗保障局", Contact: "028-85551234"));
        Assert.Equal(CaseStatus.Accepted, state.Status);
        Assert.Equal("成都市武侯区医疗保障局", state.CrossProvince!.PartnerDepartment);
        var repeat = CrossProvinceCaseRules.Report(state, new PartnerReport("chuanyu", PartnerCaseStatus.Accepted), T1);
        Assert.True(repeat.Succeeded);
        Assert.Null(repeat.Entry);

        state = Report(state, new PartnerReport("chuanyu", PartnerCaseStatus.InReview));
        Assert.Equal(CaseStatus.UnderReview, state.Status);
        Assert.Equal(CaseFailureKind.ActionNotAllowed, CrossProvinceCaseRules.Report(state, new PartnerReport("chuanyu", PartnerCaseStatus.Accepted), T1).Failure!.Kind);
        Assert.Equal(CaseFailureKind.InvalidCommand, CrossProvinceCaseRules.Report(state, new PartnerReport("chuanyu", PartnerCaseStatus.Decided), T1).Failure!.Kind);

        var decided = CrossProvinceCaseRules.Report(state, new PartnerReport("chuanyu", PartnerCaseStatus.Decided, Approved: true), T1);
        Assert.Equal("成都市武侯区医疗保障局已办结：准予", decided.Entry!.CrossProvince!.Text);
        state = decided.State!;
        Assert.Equal(CaseStatus.Completed, state.Status);
        Assert.True(state.Decision!.Approved);
        Assert.Equal(CaseFailureKind.ActionNotAllowed, CrossProvinceCaseRules.Report(state, new PartnerReport("chuanyu", PartnerCaseStatus.Rejected, Reason: "x"), T1).Failure!.Kind);
        Assert.Equal(CaseFailureKind.InvalidCommand, CrossProvinceCaseRules.Report(state, new PartnerReport("chuanyu", PartnerCaseStatus.Delivered), T1).Failure!.Kind);

        state = Report(state, new PartnerReport("chuanyu", PartnerCaseStatus.Delivered, DeliveryMethod: DeliveryMethod.Ems, TrackingNumber: "1234567890123"));
        Assert.Equal(CaseStatus.Delivered, state.Status);
        Assert.Equal(DeliveryMethod.Ems, state.Delivery!.Method);
        Assert.True(state.IsFinal);
    }

    [Fact]
    public void Reports_from_another_partner_or_on_a_case_not_forwarded_are_refused_and_rejection_needs_a_reason()
    {
        var state = Forwarded();
        Assert.False(CrossProvinceCaseRules.Report(state, new PartnerReport("zsj", PartnerCaseStatus.Accepted), T1).Succeeded);
        Assert.False(CrossProvinceCaseRules.Report(SubmittedCase(), new PartnerReport("chuanyu", PartnerCaseStatus.Accepted), T1).Succeeded);
        Assert.Equal(CaseFailureKind.InvalidCommand, CrossProvinceCaseRules.Report(state, new PartnerReport("chuanyu", PartnerCaseStatus.Rejected), T1).Failure!.Kind);
        var rejected = Report(state, new PartnerReport("chuanyu", PartnerCaseStatus.Rejected, Reason: "不属于本地管辖"));
        Assert.Equal(CaseStatus.NotAccepted, rejected.Status);
        Assert.Equal("不属于本地管辖", rejected.RejectionReason);
    }

    [Fact]
    public void An_inbound_case_carries_its_partner_and_its_steps_become_status_reports()
    {
        var link = new CrossProvinceLink(CrossProvinceDirection.Inbound, "chuanyu", "川渝", "SC-2026-1", "510104", T0);
        var submitted = Machine.Submit(Submission(actor: Clerk, channel: CaseChannel.Online, hall: Hall) with { CrossProvince = link }, T0);
        Assert.True(submitted.Succeeded, submitted.Failure?.Message);
        Assert.Equal(link, submitted.State!.CrossProvince);
        Assert.False(submitted.State.HandledByPartner);
        Assert.Equal("received", submitted.Entry!.CrossProvince!.Kind);
        Assert.NotEmpty(CaseStateMachine.AllowedActions(submitted.State));

        var report = CrossProvinceCaseRules.ReportFor(submitted.State, submitted.Entry);
        Assert.Equal(("SC-2026-1", 1, "submitted", "submit"), (report.PartnerReference, report.Version, report.Status, report.Action));
    }
}
