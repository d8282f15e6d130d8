using TongBan.Grains.Cases;
using TongBan.Grains.Catalogue;
using TongBan.Grains.Identity;

namespace TongBan.Grains.Tests.Cases;

/// <summary>
/// A case of 社会保障卡申领 (rsj-001: county level, promised 5 working days, three materials) applied
/// for by one citizen at 南明区政务服务中心, moved to any status through legitimate transitions only.
/// </summary>
internal static class CaseFixture
{
    public static readonly ServiceCatalogue Seeded = ServiceCatalogue.Seeded();

    public static readonly ServiceItem Item = Seeded.Find("rsj-001")!;

    public static readonly CaseStateMachine Machine = new(Item);

    public static readonly KeyedHash Hasher = new([.. Enumerable.Range(100, 32).Select(i => (byte)i)]);

    public static readonly string ApplicantKey = Hasher.OfResidentId("520102199003071236");

    public const string Hall = "520102-H001";

    public const string OtherHall = "520302-H001";

    public const string Region = "520102";

    public static readonly DateTimeOffset T0 = new(2026, 3, 2, 9, 30, 0, TimeSpan.FromHours(8));

    public static readonly CaseNumber CaseNo = CaseNumber.Create(Region, new DateOnly(2026, 3, 2), 42);

    public static readonly CaseActor Citizen = new(ApplicantKey, CaseRole.Citizen);

    public static readonly CaseActor Clerk = new("clerk-0007", CaseRole.Clerk, "李*（7号窗口）", Hall, 7, null, Region);

    public static readonly CaseActor Approver = new("approver-0003", CaseRole.Approver, "王*", null, null, "rsj", Region);

    /// <summary>Everything rsj-001 asks for: the form, the ID card as an e-licence, two photos.</summary>
    public static readonly IReadOnlyList<SubmittedMaterial> AllMaterials =
    [
        new("application-form", Copies: 1),
        new("id-card", ELicence: new ELicenceCitation(ELicenceType.ResidentIdCard, "EL-52-0001")),
        new("photo", Copies: 2),
    ];

    /// <summary>The photos are missing.</summary>
    public static readonly IReadOnlyList<SubmittedMaterial> NoPhoto = [.. AllMaterials.Where(m => m.MaterialId != "photo")];

    public static CaseSubmission Submission(IReadOnlyList<SubmittedMaterial>? materials = null, CaseActor? actor = null, CaseChannel channel = CaseChannel.Online, string? hall = null) =>
        new(CaseNo, ApplicantKey, channel, Region, 1, materials ?? AllMaterials, actor ?? Citizen, hall);

    public static CaseState SubmittedCase(IReadOnlyList<SubmittedMaterial>? materials = null, CaseStateMachine? machine = null)
    {
        var result = (machine ?? Machine).Submit(Submission(materials), T0);
        Assert.True(result.Succeeded, result.Failure?.Message);
        return result.State!;
    }

    /// <summary>Applies and asserts success.</summary>
    public static CaseState Do(CaseState state, CaseAction action, Func<CaseCommand, CaseCommand>? tweak = null, DateTimeOffset? at = null, CaseStateMachine? machine = null)
    {
        var command = Command(action, state);
        var result = (machine ?? Machine).Apply(state, tweak is null ? command : tweak(command), at ?? T0);
        Assert.True(result.Succeeded, $"{action} from {state.Status}: {result.Failure?.Message}");
        return result.State!;
    }

    /// <summary>A command for <paramref name="action"/> by the right actor with every field it needs.</summary>
    public static CaseCommand Command(CaseAction action, CaseState state) => action switch
    {
        CaseAction.Receive => new(action, state.Version, Clerk, Materials: AllMaterials),
        CaseAction.Accept => new(action, state.Version, Clerk),
        CaseAction.Reject => new(action, state.Version, Clerk, Reason: "申请人不属于本事项服务对象"),
        CaseAction.NotifyMissing => new(action, state.Version, Clerk,
            MissingMaterials: [.. state.Gaps, .. state.Gaps.Count == 0 ? new[] { new MaterialGap("photo", MaterialProblem.Defective, "照片背景不是白色") } : []]),
        CaseAction.StartReview => new(action, state.Version, Approver),
        CaseAction.Approve => new(action, state.Version, Approver, Comment: "符合条件，准予制卡"),
        CaseAction.Deny => new(action, state.Version, Approver, Reason: "已持有有效社会保障卡"),
        CaseAction.Complete => new(action, state.Version, Approver),
        CaseAction.Deliver => new(action, state.Version, Clerk, DeliveryMethod: DeliveryMethod.Pickup),
        CaseAction.Suspend => new(action, state.Version, Approver, Reason: "照片不符合制卡要求，需补正"),
        CaseAction.Resume => new(action, state.Version, Approver),
        CaseAction.Withdraw => new(action, state.Version, Citizen, Reason: "不再需要"),
        _ => throw new ArgumentOutOfRangeException(nameof(action)),
    };

    /// <summary>A case in <paramref name="status"/>, reached the ordinary way.</summary>
    public static CaseState At(CaseStatus status) => status switch
    {
        CaseStatus.Submitted => SubmittedCase(),
        CaseStatus.Received => Do(At(CaseStatus.Submitted), CaseAction.Receive),
        CaseStatus.OneTimeNotice => Do(Do(SubmittedCase(NoPhoto), CaseAction.Receive, c => c with { Materials = null }), CaseAction.NotifyMissing),
        CaseStatus.Accepted => Do(At(CaseStatus.Received), CaseAction.Accept),
        CaseStatus.NotAccepted => Do(At(CaseStatus.Received), CaseAction.Reject),
        CaseStatus.UnderReview => Do(At(CaseStatus.Accepted), CaseAction.StartReview),
        CaseStatus.Suspended => Do(At(CaseStatus.UnderReview), CaseAction.Suspend),
        CaseStatus.Approved => Do(At(CaseStatus.UnderReview), CaseAction.Approve),
        CaseStatus.Denied => Do(At(CaseStatus.UnderReview), CaseAction.Deny),
        CaseStatus.Completed => Do(At(CaseStatus.Approved), CaseAction.Complete),
        CaseStatus.Delivered => Do(At(CaseStatus.Completed), CaseAction.Deliver),
        CaseStatus.Withdrawn => Do(At(CaseStatus.Submitted), CaseAction.Withdraw),
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    public static CaseFailure Refused(CaseState state, CaseCommand command, CaseStateMachine? machine = null)
    {
        var result = (machine ?? Machine).Apply(state, command, T0);
        Assert.False(result.Succeeded, $"{command.Action} from {state.Status} should have failed");
        Assert.Null(result.State);
        Assert.Null(result.Entry);
        return result.Failure!;
    }
}
