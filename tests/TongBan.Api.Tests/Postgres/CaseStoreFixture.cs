using System.Text.Json;
using TongBan.Grains.Calendar;
using TongBan.Grains.Cases;
using TongBan.Grains.Catalogue;
using TongBan.Grains.Identity;
using TongBan.Grains.Regions;

namespace TongBan.Api.Tests.Postgres;

/// <summary>
/// Cases for the store tests, made the way a case grain makes them: <see cref="CaseStateMachine"/> over the seeded
/// catalogue, the audit hash chained from the loaded head, a projection computed from the state.
/// </summary>
internal static class CaseData
{
    public static readonly ServiceCatalogue Catalogue = ServiceCatalogue.Seeded();

    public static readonly WorkingDayCalendar Calendar = WorkingDayCalendar.LoadEmbedded();

    public static readonly PersonalDataProtector Protector = new(PrivacyOptions.Development());

    /// <summary>Monday 2 March 2026, 09:30 China time: the day most test cases are submitted and accepted.</summary>
    public static readonly DateTimeOffset T0 = new(2026, 3, 2, 9, 30, 0, TimeSpan.FromHours(8));

    /// <summary>"Today" of the projection: 5-day cases accepted on T0 and still open are overdue by then.</summary>
    public static readonly DateOnly Today = new(2026, 3, 20);

    public static readonly ApplicantDetails Zhang = new("张三丰", "520102199003071236", "13985012345");

    public static readonly ApplicantDetails Li = new("李四", "52030219850621002X", "+86 139 8502 2222");

    public static ServiceItem Item(string code) => Catalogue.Find(code) ?? throw new ArgumentException($"No item {code}.", nameof(code));

    public static CaseStateMachine Machine(string itemCode) => new(Item(itemCode));

    public static ApplicantRecord Record(ApplicantDetails who) => Protector.Record(who);

    /// <summary>Everything the item asks for: e-licences where accepted, else paper with verified originals.</summary>
    public static IReadOnlyList<SubmittedMaterial> AllMaterials(string itemCode) =>
        [.. Item(itemCode).Materials.Select(m => m.ReplaceableBy is { } licence
            ? new SubmittedMaterial(m.Id, ELicence: new ELicenceCitation(licence, $"EL-{m.Id}-0001"))
            : new SubmittedMaterial(m.Id, m.Copies, m.OriginalRequired))];

    public static CaseActor Clerk(string hall) => new($"clerk-{hall}", CaseRole.Clerk, "李*（7号窗口）", hall, 7, null, hall[..6]);

    public static CaseActor ApproverOf(CaseState state) => new("approver-0003", CaseRole.Approver, "王*", null, null, state.DepartmentCode, state.RegionCode);

    public static CaseActor CitizenOf(CaseState state) => new(state.ApplicantKey, CaseRole.Citizen);

    /// <summary>The hall a case's window steps happen at: its receiving hall, or the main hall of its region.</summary>
    public static string HallOf(CaseState state) => state.ReceivingHallCode ?? state.RegionCode + "-H001";

    /// <summary>A command for <paramref name="action"/> by the right actor with every field it needs.</summary>
    public static CaseCommand Command(CaseAction action, CaseState state) => action switch
    {
        CaseAction.Receive => new(action, state.Version, Clerk(HallOf(state)), Materials: AllMaterials(state.ItemCode)),
        CaseAction.Accept => new(action, state.Version, Clerk(HallOf(state))),
        CaseAction.Reject => new(action, state.Version, Clerk(HallOf(state)), Reason: "申请人不属于本事项服务对象"),
        CaseAction.NotifyMissing => new(action, state.Version, Clerk(HallOf(state)),
            MissingMaterials: state.Gaps.Count > 0 ? state.Gaps : [new MaterialGap(Item(state.ItemCode).Materials[0].Id, MaterialProblem.Defective, "字迹模糊")]),
        CaseAction.StartReview => new(action, state.Version, ApproverOf(state)),
        CaseAction.Approve => new(action, state.Version, ApproverOf(state), Comment: "符合条件，准予办理"),
        CaseAction.Deny => new(action, state.Version, ApproverOf(state), Reason: "不符合受理条件"),
        CaseAction.Complete => new(action, state.Version, ApproverOf(state)),
        CaseAction.Deliver => new(action, state.Version, Clerk(HallOf(state)), DeliveryMethod: DeliveryMethod.Pickup),
        CaseAction.Suspend => new(action, state.Version, ApproverOf(state), Reason: "照片不符合制卡要求，需补正"),
        CaseAction.Resume => new(action, state.Version, ApproverOf(state)),
        CaseAction.Withdraw => new(action, state.Version, CitizenOf(state), Reason: "不再需要"),
        _ => throw new ArgumentOutOfRangeException(nameof(action)),
    };

    /// <summary>
    /// What a case grain would write as the projection: deadline figures as of <see cref="Today"/> (a finished case
    /// on its 办结 day), visits = window submission + window receipt of an online case + the receipt after a notice
    /// + pick-up. Good enough to exercise every column; the real projection is the case grain's.
    /// </summary>
    public static CaseSummary Project(CaseState s, ApplicantRecord a)
    {
        var deadline = s.EvaluateDeadline(Calendar, Today);
        var stage = deadline is null || s.IsFinal && s.CompletedAt is null ? "none" : JsonNamingPolicy.CamelCase.ConvertName(deadline.Stage.ToString());
        var visits = (s.Channel == CaseChannel.Window ? 1 : 0)
            + (s.Channel != CaseChannel.Window && s.ReceivingHallCode is not null ? 1 : 0)
            + (s.Notice is not null && s.Status is not CaseStatus.OneTimeNotice ? 1 : 0)
            + (s.Delivery?.Method == DeliveryMethod.Pickup ? 1 : 0);
        return new CaseSummary(s.CaseNo, s.ItemCode, s.Status, s.DepartmentCode, s.RegionCode, s.ReceivingHallCode, s.Channel,
            s.SubmittedAt, s.UpdatedAt, deadline?.Due.Date, stage, visits, s.Version, a.IdKey, a.PhoneKey,
            deadline?.Provisional ?? false, s.CompletedAt is null ? null : deadline?.ElapsedWorkingDays);
    }
}

/// <summary>Drives cases through a store exactly like a case grain: load → apply → chain the entry → commit.</summary>
internal sealed class CaseDriver(ICaseStore store)
{
    public ICaseStore Store => store;

    /// <summary>The link algorithm of the next commits: SHA-256 as the code of before wrote, SM3 as a grain writes now.</summary>
    public string ChainHash { get; set; } = AuditChain.Sha256;

    /// <summary>Submits a case (version 1) and asserts the commit succeeded.</summary>
    public async Task<CaseState> SubmitAsync(string itemCode, CaseNumber caseNo, ApplicantDetails who, string county, DateTimeOffset at,
        CaseChannel channel = CaseChannel.Online, string? hall = null, IReadOnlyList<SubmittedMaterial>? materials = null)
    {
        var (result, applicant) = Submission(itemCode, caseNo, who, county, at, channel, hall, materials);
        Assert.True(await CommitAsync(result, applicant, AuditChain.Genesis), $"submit {caseNo}");
        return result.State!;
    }

    public static (CaseTransitionResult Result, ApplicantRecord Applicant) Submission(string itemCode, CaseNumber caseNo, ApplicantDetails who, string county,
        DateTimeOffset at, CaseChannel channel = CaseChannel.Online, string? hall = null, IReadOnlyList<SubmittedMaterial>? materials = null)
    {
        var machine = CaseData.Machine(itemCode);
        var applicant = CaseData.Record(who);
        var actor = channel == CaseChannel.Window ? CaseData.Clerk(hall!) : new CaseActor(applicant.IdKey, CaseRole.Citizen);
        var submission = new CaseSubmission(caseNo, applicant.IdKey, channel, RegionRules.CompetentRegion(machine.Item, county), 1,
            materials ?? CaseData.AllMaterials(itemCode), actor, hall);
        var result = machine.Submit(submission, at);
        Assert.True(result.Succeeded, result.Failure?.Message);
        return (result, applicant);
    }

    /// <summary>Loads the case, applies <paramref name="action"/> (the default command, optionally tweaked) and commits; asserts both succeeded.</summary>
    public async Task<CaseState> DoAsync(string caseNo, CaseAction action, DateTimeOffset at, Func<CaseCommand, CaseCommand>? tweak = null)
    {
        var (stored, result) = await PrepareAsync(caseNo, action, at, tweak);
        Assert.True(await CommitAsync(result, stored.Applicant, stored.LastHash), $"{action} on {caseNo}");
        return result.State!;
    }

    public async Task<(StoredCase Stored, CaseTransitionResult Result)> PrepareAsync(string caseNo, CaseAction action, DateTimeOffset at, Func<CaseCommand, CaseCommand>? tweak = null)
    {
        var stored = await store.LoadAsync(caseNo, CancellationToken.None) ?? throw new InvalidOperationException($"No case {caseNo}.");
        var command = CaseData.Command(action, stored.State);
        var result = CaseData.Machine(stored.State.ItemCode).Apply(stored.State, tweak is null ? command : tweak(command), at);
        Assert.True(result.Succeeded, $"{action} from {stored.State.Status}: {result.Failure?.Message}");
        return (stored, result);
    }

    /// <summary>Commits a successful transition with its entry linked to <paramref name="previousHash"/>; the store's answer.</summary>
    public Task<bool> CommitAsync(CaseTransitionResult result, ApplicantRecord applicant, byte[] previousHash)
    {
        var state = result.State!;
        var hash = AuditChain.Link(previousHash, AuditChain.Canonical(result.Entry!), ChainHash);
        return store.CommitAsync(state, applicant, CaseData.Project(state, applicant), result.Entry!, previousHash, hash, CancellationToken.None);
    }
}
