using TongBan.Grains.Authorisation;
using TongBan.Grains.Cases;
using static TongBan.Grains.Tests.Cases.CaseFixture;

namespace TongBan.Grains.Tests.Authorisation;

[Trait("Category", "Integration")]
public class DelegationRulesTests
{
    private static readonly CaseActor Outsider = Clerk with { Id = "clerk-zunyi", HallCode = OtherHall, RegionCode = "520302" };

    private static Grant GrantOf(Grantee grantee, DateTimeOffset? until = null, IReadOnlyList<string>? items = null, params GrantRight[] rights) =>
        new("g-1", Grantor.Hall(Hall), grantee, rights, items ?? [], T0.AddDays(-1), until ?? T0.AddDays(30), "manager-1", "协作", T0.AddDays(-1));

    [Fact]
    public void Each_clerk_action_maps_to_its_right()
    {
        var received = At(CaseStatus.Received);
        var completed = At(CaseStatus.Completed);
        Assert.Equal([GrantRight.ReceiveAccept], DelegationRules.RightsFor(Command(CaseAction.Accept, received)));
        Assert.Equal([GrantRight.ReceiveAccept], DelegationRules.RightsFor(Command(CaseAction.Reject, received)));
        Assert.Equal([GrantRight.OneTimeNotice], DelegationRules.RightsFor(Command(CaseAction.NotifyMissing, received)));
        Assert.Equal([GrantRight.DeliverResults], DelegationRules.RightsFor(Command(CaseAction.Deliver, completed)));
        var receive = Command(CaseAction.Receive, received);
        Assert.Equal([GrantRight.ReceiveAccept], DelegationRules.RightsFor(receive));
        Assert.Equal(
            [GrantRight.ReceiveAccept, GrantRight.VerifyOriginals],
            DelegationRules.RightsFor(receive with { Materials = [new SubmittedMaterial("application-form", 1, OriginalVerified: true)] }));
        Assert.Empty(DelegationRules.RightsFor(Command(CaseAction.Approve, At(CaseStatus.UnderReview))));
    }

    [Fact]
    public void The_receiving_hall_needs_no_right_and_another_hall_does()
    {
        var received = At(CaseStatus.Received);
        Assert.Empty(DelegationRules.RightsNeeded(received, Command(CaseAction.Accept, received), Item));
        var outside = Command(CaseAction.Accept, received) with { Actor = Outsider };
        Assert.Equal([GrantRight.ReceiveAccept], DelegationRules.RightsNeeded(received, outside, Item));

        // A wrong status or role is refused before any right is asked for.
        Assert.Empty(DelegationRules.RightsNeeded(received, Command(CaseAction.Deliver, received) with { Actor = Outsider }, Item));
        Assert.Empty(DelegationRules.RightsNeeded(received, Command(CaseAction.Accept, received) with { Actor = Approver }, Item));
    }

    [Fact]
    public void An_unreceived_case_is_free_to_receive_for_province_wide_items_and_in_its_region_only()
    {
        var submitted = At(CaseStatus.Submitted);
        var receiveOutside = Command(CaseAction.Receive, submitted) with { Actor = Outsider };
        var local = Item with { ProvinceWide = false };
        Assert.Empty(DelegationRules.RightsNeeded(submitted, receiveOutside, Item with { ProvinceWide = true }));
        Assert.Equal([GrantRight.ReceiveAccept], DelegationRules.RightsNeeded(submitted, receiveOutside, local));
        Assert.Empty(DelegationRules.RightsNeeded(submitted, Command(CaseAction.Receive, submitted), local));
    }

    [Fact]
    public void A_grant_holds_for_its_grantee_items_and_period_until_revoked()
    {
        var toHall = GrantOf(new Grantee(OtherHall), rights: GrantRight.ReceiveAccept);
        Assert.Equal([GrantRight.ReceiveAccept], DelegationRules.Held([toHall], OtherHall, Item.Code, T0));
        Assert.Empty(DelegationRules.Held([toHall], "520303-H001", Item.Code, T0));               // another hall
        Assert.Empty(DelegationRules.Held([toHall], OtherHall, Item.Code, T0.AddDays(30)));        // expired (end exclusive)
        Assert.Empty(DelegationRules.Held([toHall], OtherHall, Item.Code, T0.AddDays(-2)));        // not yet valid
        Assert.Empty(DelegationRules.Held([toHall with { RevokedAt = T0.AddMinutes(-1) }], OtherHall, Item.Code, T0));
        Assert.NotEmpty(DelegationRules.Held([toHall with { RevokedAt = T0.AddMinutes(1) }], OtherHall, Item.Code, T0));

        var toPrefecture = GrantOf(new Grantee(null, "520300"), items: ["rsj-001"], rights: [GrantRight.DeliverResults, GrantRight.OneTimeNotice]);
        Assert.Equal(2, DelegationRules.Held([toPrefecture], "520303-H001", "rsj-001", T0).Count); // a hall of 遵义市
        Assert.Empty(DelegationRules.Held([toPrefecture], "520303-H001", "gongan-001", T0));       // another item
        Assert.Empty(DelegationRules.Held([toPrefecture], "520402-H001", "rsj-001", T0));          // 安顺: outside
        Assert.Equal(GrantRight.OneTimeNotice, DelegationRules.Missing([GrantRight.DeliverResults, GrantRight.OneTimeNotice], [GrantRight.DeliverResults]));
        Assert.Null(DelegationRules.Missing([GrantRight.DeliverResults], [GrantRight.DeliverResults]));
    }

    [Fact]
    public void The_state_machine_names_the_missing_right_and_accepts_with_it()
    {
        var received = At(CaseStatus.Received);
        var outside = Command(CaseAction.Accept, received) with { Actor = Outsider };
        var refused = Refused(received, outside);
        Assert.Equal(CaseFailureKind.Forbidden, refused.Kind);
        Assert.Equal(GrantRight.ReceiveAccept, refused.MissingRight);
        Assert.Contains("收件受理权", refused.Message, StringComparison.Ordinal);
        Assert.Equal(GrantRight.ReceiveAccept, Machine.Apply(received, outside, T0, [GrantRight.OneTimeNotice]).Failure!.MissingRight);

        var accepted = Machine.Apply(received, outside, T0, [GrantRight.ReceiveAccept]);
        Assert.True(accepted.Succeeded, accepted.Failure?.Message);
        Assert.Equal(Hall, accepted.State!.ReceivingHallCode); // the case stays the receiving hall's
        Assert.Equal(OtherHall, accepted.Entry!.HallCode);      // the timeline says who acted where
    }

    [Fact]
    public void Malformed_grants_are_named()
    {
        var good = GrantOf(new Grantee(OtherHall), rights: GrantRight.ReceiveAccept);
        Assert.Null(DelegationRules.Problem(good));
        Assert.Contains("validUntil", DelegationRules.Problem(good with { ValidUntil = good.ValidFrom })!, StringComparison.Ordinal);
        Assert.Contains("rights", DelegationRules.Problem(good with { Rights = [] })!, StringComparison.Ordinal);
        Assert.NotNull(DelegationRules.Problem(good with { Rights = [GrantRight.ReceiveAccept, GrantRight.ReceiveAccept] }));
        Assert.NotNull(DelegationRules.Problem(good with { Grantee = new Grantee(Hall) }));
        Assert.NotNull(DelegationRules.Problem(good with { Grantee = new Grantee(OtherHall, "520300") }));
        Assert.NotNull(DelegationRules.Problem(good with { Grantor = new Grantor(Hall, "rsj", "520102") }));
        Assert.NotNull(DelegationRules.Problem(good with { Id = "has space" }));
        Assert.NotNull(DelegationRules.Problem(good with { ValidUntil = good.ValidFrom.AddYears(5) }));
        Assert.NotNull(DelegationRules.Problem(good with { GrantedAt = good.ValidUntil }));
    }

    [Fact]
    public void Right_names_parse_strictly_and_describe_in_Chinese_and_English()
    {
        Assert.True(GrantRights.TryParse("verifyOriginals", out var right));
        Assert.Equal(GrantRight.VerifyOriginals, right);
        Assert.False(GrantRights.TryParse("VerifyOriginals", out _));
        Assert.False(GrantRights.TryParse("2", out _));
        Assert.Equal("审批结果送达权 (deliverResults)", GrantRights.Describe(GrantRight.DeliverResults));
        Assert.Equal(Grantor.Department("rsj", "520102"), Grantor.Parse("rsj/520102"));
        Assert.Equal(Grantor.Hall(Hall), Grantor.Parse(Hall));
    }
}
