using TongBan.Grains.Identity;

namespace TongBan.Grains.Cases;

/// <summary>
/// The query-model row of a case (projection): what searches a grain cannot answer need — by
/// applicant (keyed hashes only), hall, department inbox, status, overdue — and the 一次办成 figures.
/// Derived from the state on every commit, so it is idempotent and rebuildable from the stored states.
/// </summary>
/// <param name="Stage">onTrack, warning, overdue, or none (not yet accepted / finished without a clock).</param>
/// <param name="Visits">In-person visits so far: window submission, window receipt of supplements, pick-up delivery.</param>
[GenerateSerializer, Immutable]
public sealed record CaseSummary(
    [property: Id(0)] string CaseNo,
    [property: Id(1)] string ItemCode,
    [property: Id(2)] CaseStatus Status,
    [property: Id(3)] string DepartmentCode,
    [property: Id(4)] string RegionCode,
    [property: Id(5)] string? ReceivingHallCode,
    [property: Id(6)] CaseChannel Channel,
    [property: Id(7)] DateTimeOffset SubmittedAt,
    [property: Id(8)] DateTimeOffset UpdatedAt,
    [property: Id(9)] DateOnly? DueDate,
    [property: Id(10)] string Stage,
    [property: Id(11)] int Visits,
    [property: Id(12)] int Version,
    [property: Id(13), System.Text.Json.Serialization.JsonIgnore] string ApplicantIdKey,
    [property: Id(14), System.Text.Json.Serialization.JsonIgnore] string ApplicantPhoneKey,
    [property: Id(15)] bool DeadlineProvisional,
    [property: Id(16)] int? ElapsedWorkingDays);

/// <summary>A case as loaded: its state, applicant record and the hash of its last audit entry.</summary>
public sealed record StoredCase(CaseState State, ApplicantRecord Applicant, CaseSummary Summary, byte[] LastHash);

/// <summary>Filters of the projection; every filter is optional, results newest first, at most <see cref="Limit"/>.</summary>
/// <param name="ApplicantIdKeys">Any of these applicant keys: a person's candidates (<see cref="KeyedHash.ResidentIdCandidates(string)"/>), so cases stored under the HMAC-SHA256 key are found after the switch to HMAC-SM3.</param>
/// <param name="ApplicantPhoneKeys">Any of these phone keys (<see cref="KeyedHash.MobileCandidates(string)"/>).</param>
public sealed record CaseQuery(
    string? ApplicantIdKey = null,
    string? ApplicantPhoneKey = null,
    string? HallCode = null,
    string? DepartmentCode = null,
    string? RegionCode = null,
    CaseStatus? Status = null,
    bool OverdueOnly = false,
    bool OpenOnly = false,
    int Limit = 100,
    IReadOnlyList<string>? ApplicantIdKeys = null,
    IReadOnlyList<string>? ApplicantPhoneKeys = null);

/// <summary>一次办成 figures per item and region: finished cases, how many needed at most one visit, average elapsed working days.</summary>
public sealed record OneVisitFigure(string ItemCode, string RegionCode, int Finished, int AtMostOneVisit, double? AverageWorkingDays);

/// <summary>
/// 按时办结 figures of one region (the case's 属地 region, usually a county): finished cases — 办结, i.e. status completed
/// or delivered — and how many of them finished within their deadline (the deadline stage as of the 办结 day is not
/// overdue). The on-time rate is <c>OnTime / Finished</c>; see <see cref="CaseFigures.OnTimeDefinition"/>.
/// </summary>
public sealed record OnTimeFigure(string RegionCode, int Finished, int OnTime);

/// <summary>
/// 异地受理 flow: cases received at a service point of one region (受理地: the receiving hall's region code) for the
/// department of another region (属地: the case's region), any status. Online cases (no receiving hall) are not flows.
/// </summary>
public sealed record FlowFigure(string FromRegionCode, string ToRegionCode, int Cases);

public static class CaseFigures
{
    /// <summary>Statuses that count as finished (办结) for the on-time rate.</summary>
    public static readonly IReadOnlyList<CaseStatus> Finished = [CaseStatus.Completed, CaseStatus.Delivered];

    public const string OnTimeDefinition =
        "按时办结率 = 按期办结件数 ÷ 办结件数：办结 = 状态为办结 (completed) 或已送达 (delivered) 的案件；按期 = 以办结当日计，未超过承诺办结时限（工作日，扣除补正暂停）。未办结的案件不计入。";

    /// <summary>The region a receiving hall belongs to: the first six characters of its code (<c>520102-H001</c> → 520102).</summary>
    public static string? RegionOfHall(string? hallCode) => hallCode is { Length: >= 6 } ? hallCode[..6] : null;
}

/// <summary>
/// Durable home of cases. One commit writes the new state, appends its audit entry and updates the
/// projection in one transaction, so the three can never disagree: a case grain uses this instead
/// of IPersistentState because Orleans' storage cannot join that transaction.
/// </summary>
public interface ICaseStore
{
    Task<StoredCase?> LoadAsync(string caseNo, CancellationToken cancellationToken);

    /// <summary>
    /// Commits version <c>state.Version</c> with its audit <paramref name="entry"/>. Returns false,
    /// changing nothing, when the stored case is not at <c>state.Version − 1</c> (another writer won).
    /// </summary>
    Task<bool> CommitAsync(CaseState state, ApplicantRecord applicant, CaseSummary summary, CaseTimelineEntry entry, byte[] previousHash, byte[] hash, CancellationToken cancellationToken);

    /// <summary>
    /// The same commit, writing the step's <paramref name="notifications"/> into the outbox in the same transaction: a
    /// crash cannot keep the step and lose its notifications, or the reverse. Entries whose key is already in the outbox
    /// are skipped. A store without an outbox accepts only an empty list.
    /// </summary>
    Task<bool> CommitAsync(CaseState state, ApplicantRecord applicant, CaseSummary summary, CaseTimelineEntry entry, byte[] previousHash, byte[] hash, IReadOnlyList<Notifications.OutboxEntry> notifications, CancellationToken cancellationToken) =>
        notifications is { Count: 0 }
            ? CommitAsync(state, applicant, summary, entry, previousHash, hash, cancellationToken)
            : throw new NotSupportedException($"{GetType().Name} has no notification outbox.");

    /// <summary>Refreshes the projection row only (deadline stage moved; no new audit entry).</summary>
    Task UpdateSummaryAsync(CaseSummary summary, CancellationToken cancellationToken);

    /// <summary>The case's audit entries in version order, as stored (for the timeline and verification).</summary>
    Task<IReadOnlyList<StoredAuditEntry>> AuditAsync(string caseNo, CancellationToken cancellationToken);

    /// <summary>Links not-yet-sealed entries into the global chain, oldest first; returns how many were sealed.</summary>
    Task<int> SealAsync(int max, CancellationToken cancellationToken);

    /// <summary>Verifies every case chain and the global chain over sealed entries.</summary>
    Task<AuditVerification> VerifyAllAsync(CancellationToken cancellationToken);

    Task<IReadOnlyList<CaseSummary>> QueryAsync(CaseQuery query, CancellationToken cancellationToken);

    Task<IReadOnlyList<OneVisitFigure>> OneVisitAsync(string? itemCode, string? regionCode, CancellationToken cancellationToken);

    /// <summary>按时办结 per case region, ordered by region code; regions without finished cases are absent.</summary>
    Task<IReadOnlyList<OnTimeFigure>> OnTimeAsync(CancellationToken cancellationToken);

    /// <summary>Cross-region flows (receiving region ≠ case region), most cases first, then by from and to region code.</summary>
    Task<IReadOnlyList<FlowFigure>> FlowsAsync(CancellationToken cancellationToken);

    /// <summary>Recomputes every projection row from the stored states (after a projection change or repair); returns rows written.</summary>
    Task<int> RebuildProjectionAsync(Func<CaseState, ApplicantRecord, CaseSummary> project, CancellationToken cancellationToken);
}
