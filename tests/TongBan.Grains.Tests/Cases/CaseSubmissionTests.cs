using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using TongBan.Grains.Cases;
using TongBan.Grains.Catalogue;
using TongBan.Grains.Identity;
using RegionRules = TongBan.Grains.Regions.RegionRules;
using static TongBan.Grains.Tests.Cases.CaseFixture;

namespace TongBan.Grains.Tests.Cases;

[Trait("Category", "Integration")]
public class CaseSubmissionTests
{
    [Fact]
    public void A_citizen_submits_online_and_gets_version_1_with_the_gaps_already_known()
    {
        var result = Machine.Submit(Submission(NoPhoto), T0);
        Assert.True(result.Succeeded, result.Failure?.Message);
        var state = result.State!;
        Assert.Equal((CaseStatus.Submitted, 1, CaseNo.Value, "rsj-001", "rsj", Region), (state.Status, state.Version, state.CaseNo, state.ItemCode, state.DepartmentCode, state.RegionCode));
        Assert.Null(state.ReceivingHallCode);
        Assert.Equal([new MaterialGap("photo", MaterialProblem.Missing)], state.Gaps);
        Assert.Null(result.Entry!.Action);
        Assert.Null(result.Entry.From);
        Assert.Equal(CaseStatus.Submitted, result.Entry.To);
        Assert.Equal(ApplicantKey, result.Entry.ActorId); // a hash, not the ID number
    }

    [Fact]
    public void A_citizen_cannot_vouch_for_an_original_but_a_clerk_can()
    {
        IReadOnlyList<SubmittedMaterial> paper = [new("application-form", 1), new("id-card", 1, OriginalVerified: true), new("photo", 2)];
        var online = Machine.Submit(Submission(paper), T0).State!;
        Assert.Equal([new MaterialGap("id-card", MaterialProblem.OriginalNotVerified)], online.Gaps);
        Assert.Empty(Machine.Submit(Submission(paper, Clerk, CaseChannel.Window), T0).State!.Gaps);
    }

    [Fact]
    public void A_clerk_submits_at_their_own_hall()
    {
        var result = Machine.Submit(Submission(actor: Clerk, channel: CaseChannel.Window), T0);
        Assert.True(result.Succeeded, result.Failure?.Message);
        Assert.Equal(Hall, result.State!.ReceivingHallCode);

        var elsewhere = Machine.Submit(Submission(actor: Clerk, channel: CaseChannel.Window, hall: OtherHall), T0);
        Assert.Equal(CaseFailureKind.Forbidden, elsewhere.Failure!.Kind);
    }

    [Fact]
    public void Submissions_are_checked()
    {
        Assert.Equal(CaseFailureKind.Forbidden, Machine.Submit(Submission(actor: Citizen with { Id = Hasher.OfResidentId("520302198506152026") }), T0).Failure!.Kind);
        Assert.Equal(CaseFailureKind.Forbidden, Machine.Submit(Submission(actor: Approver), T0).Failure!.Kind);
        Assert.Equal(CaseFailureKind.Forbidden, Machine.Submit(Submission(actor: new CaseActor("x", CaseRole.HotlineAgent)), T0).Failure!.Kind);
        Assert.Equal(CaseFailureKind.InvalidCommand, Machine.Submit(Submission(channel: CaseChannel.Window), T0).Failure!.Kind);
        Assert.Equal(CaseFailureKind.InvalidCommand, Machine.Submit(Submission([new SubmittedMaterial("nope", 1)]), T0).Failure!.Kind);
        Assert.Equal(CaseFailureKind.InvalidCommand, Machine.Submit(Submission() with { RegionCode = "530102" }, T0).Failure!.Kind);
        var rawId = Submission() with { ApplicantKey = "520102199003071236", Actor = Citizen with { Id = "520102199003071236" } };
        Assert.Equal(CaseFailureKind.InvalidCommand, Machine.Submit(rawId, T0).Failure!.Kind); // a raw ID number is not a key
    }

    [Fact]
    public void An_item_that_is_not_province_wide_is_only_taken_at_a_hall_of_its_region()
    {
        var item = Seeded.Find("rsj-004")!; // 失业保险金申领, 参保地 only
        Assert.False(item.ProvinceWide);
        var machine = new CaseStateMachine(item);
        var away = machine.Submit(Submission(actor: Clerk with { HallCode = OtherHall }, channel: CaseChannel.Window) with { Materials = [] }, T0);
        Assert.Equal(CaseFailureKind.RuleViolation, away.Failure!.Kind);
        Assert.Contains("全省通办", away.Failure.Message);

        var home = machine.Submit(Submission(actor: Clerk, channel: CaseChannel.Window) with { Materials = [] }, T0);
        Assert.True(home.Succeeded, home.Failure?.Message);
        Assert.True(machine.Submit(Submission() with { Materials = [] }, T0).Succeeded); // online: no hall to check
    }

    [Theory]
    [InlineData(HandlingLevel.Province, "520102", "520000")]
    [InlineData(HandlingLevel.City, "520102", "520100")]
    [InlineData(HandlingLevel.City, "522732", "522700")]
    [InlineData(HandlingLevel.County, "522732", "522732")]
    public void Competent_region_follows_the_handling_level(HandlingLevel level, string county, string expected)
    {
        Assert.Equal(expected, RegionRules.CompetentRegion(Item with { Level = level }, county));
    }

    [Fact]
    public void Region_coverage_follows_the_code_structure()
    {
        Assert.True(RegionRules.Covers("520000", "522732"));
        Assert.True(RegionRules.Covers("520100", "520102"));
        Assert.False(RegionRules.Covers("520100", "520302"));
        Assert.True(RegionRules.Covers("520102", "520102"));
        Assert.False(RegionRules.Covers("520102", "520103"));
        Assert.False(RegionRules.Covers("110000", "110101"));
        Assert.Throws<ArgumentException>(() => RegionRules.CompetentRegion(Item, "110101"));
    }

    [Fact]
    public void The_timeline_entry_records_who_where_when_and_what()
    {
        var received = At(CaseStatus.Received);
        var at = T0.AddMinutes(5);
        var entry = Machine.Apply(received, Command(CaseAction.Reject, received) with { Comment = "已当面说明" }, at).Entry!;
        Assert.Equal(CaseNo.Value, entry.CaseNo);
        Assert.Equal((CaseAction.Reject, CaseStatus.Received, CaseStatus.NotAccepted), (entry.Action!.Value, entry.From!.Value, entry.To));
        Assert.Equal(("clerk-0007", CaseRole.Clerk, "李*（7号窗口）", Hall, 7, Region), (entry.ActorId, entry.Role, entry.ActorName, entry.HallCode, entry.WindowNo, entry.RegionCode));
        Assert.Equal(at, entry.At);
        Assert.Equal("申请人不属于本事项服务对象", entry.Reason);
        Assert.Equal("已当面说明", entry.Comment);

        var reviewing = At(CaseStatus.UnderReview);
        var approverEntry = Machine.Apply(reviewing, Command(CaseAction.Approve, reviewing), at).Entry!;
        Assert.Equal(("rsj", Region), (approverEntry.DepartmentCode, approverEntry.RegionCode));
    }
}

[Trait("Category", "Integration")]
public class CaseNamesTests
{
    [Fact]
    public void Action_names_are_exactly_those_of_the_API_contract()
    {
        Assert.Equal(
            ["receive", "accept", "reject", "notifyMissing", "startReview", "approve", "deny", "complete", "deliver", "suspend", "resume", "withdraw"],
            Enum.GetValues<CaseAction>().Select(CaseNames.Of));
    }

    [Fact]
    public void Role_names_are_those_of_the_token_claims()
    {
        Assert.Equal(["citizen", "clerk", "approver", "hallManager", "hotlineAgent", "supervisor", "admin"], Enum.GetValues<CaseRole>().Select(CaseNames.Of));
    }

    [Theory]
    [InlineData("notifyMissing", true)]
    [InlineData("NotifyMissing", false)]
    [InlineData("notifymissing", false)]
    [InlineData("3", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Parsing_is_strict(string? text, bool ok)
    {
        Assert.Equal(ok, CaseNames.TryParse(text, out CaseAction action));
        if (ok)
        {
            Assert.Equal(CaseAction.NotifyMissing, action);
        }
    }

    [Fact]
    public void Other_names_round_trip()
    {
        Assert.True(CaseNames.TryParse("ems", out DeliveryMethod method));
        Assert.Equal(DeliveryMethod.Ems, method);
        Assert.True(CaseNames.TryParse("selfService", out CaseChannel channel));
        Assert.Equal(CaseChannel.SelfService, channel);
        Assert.True(CaseNames.TryParse("hotlineAgent", out CaseRole role));
        Assert.Equal(CaseRole.HotlineAgent, role);
        Assert.Equal("oneTimeNotice", CaseNames.Of(CaseStatus.OneTimeNotice));
        Assert.All(Enum.GetValues<CaseStatus>(), s => Assert.False(string.IsNullOrEmpty(CaseNames.Chinese(s))));
        Assert.All(Enum.GetValues<CaseAction>(), a => Assert.False(string.IsNullOrEmpty(CaseNames.Chinese(a))));
    }
}

/// <summary>State goes to grain storage and through grain calls; it must survive the Orleans serializer.</summary>
[Trait("Category", "Integration")]
public class CaseSerializationTests
{
    private static readonly Serializer Orleans = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private static T RoundTrip<T>(T value) => Orleans.Deserialize<T>(Orleans.SerializeToArray(value))!;

    [Fact]
    public void A_case_state_with_every_field_set_round_trips()
    {
        var suspended = At(CaseStatus.Suspended);
        var withdrawn = Do(suspended, CaseAction.Withdraw);
        foreach (var state in new[] { suspended, withdrawn, At(CaseStatus.Delivered), At(CaseStatus.OneTimeNotice), At(CaseStatus.NotAccepted) })
        {
            Assert.Equal(JsonSerializer.Serialize(state, Json), JsonSerializer.Serialize(RoundTrip(state), Json));
        }
    }

    [Fact]
    public void Commands_entries_and_failures_round_trip()
    {
        var received = At(CaseStatus.Received);
        var command = Command(CaseAction.NotifyMissing, received);
        Assert.Equal(JsonSerializer.Serialize(command, Json), JsonSerializer.Serialize(RoundTrip(command), Json));
        var result = Machine.Apply(received, command, T0);
        Assert.Equal(JsonSerializer.Serialize(result, Json), JsonSerializer.Serialize(RoundTrip(result), Json));
        var failure = Machine.Apply(received, command with { ExpectedVersion = 0 }, T0);
        Assert.Equal(JsonSerializer.Serialize(failure, Json), JsonSerializer.Serialize(RoundTrip(failure), Json));
    }

    [Fact]
    public void Value_types_with_private_constructors_round_trip()
    {
        Assert.Equal(CaseNo, RoundTrip(CaseNo));
        var id = ResidentId.Parse("11010519491231002X", new DateOnly(2026, 1, 1));
        Assert.Equal(id, RoundTrip(id));
        var phone = MobileNumber.Parse("13812345678");
        Assert.Equal(phone, RoundTrip(phone));
        var item = Seeded.Find("scjg-003")!;
        Assert.Equal(JsonSerializer.Serialize(item, Json), JsonSerializer.Serialize(RoundTrip(item), Json));
        var batch = Seeded.Batches[1];
        Assert.Equal(JsonSerializer.Serialize(batch, Json), JsonSerializer.Serialize(RoundTrip(batch), Json));
    }
}
