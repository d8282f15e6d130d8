using System.Text.Json.Serialization;
using TongBan.Grains.Cases;

namespace TongBan.Grains.Hotline;

/// <summary>What a hotline log entry records.</summary>
public enum HotlineEntryKind
{
    /// <summary>催办: the caller asks the department to speed up; the department must answer by the due date.</summary>
    Urge,

    /// <summary>投诉: a complaint about how the case is handled, linked to it.</summary>
    Complaint,

    /// <summary>答复: the department's answer to an urge or a complaint.</summary>
    Response,
}

/// <summary>Whom a complaint is about, and so who answers it (投诉对象).</summary>
public enum ComplaintSubject
{
    /// <summary>The decision or the handling of the case (时限、结果、材料): the case's department answers, as before subjects existed.</summary>
    Decision,

    /// <summary>A hall's conduct (服务态度、窗口纪律、现场秩序): that hall's manager (大厅负责人) answers.</summary>
    HallConduct,
}

/// <summary>
/// One entry of a case's hotline log (催办、投诉、答复). The log is the case's second audited
/// history: hash-chained like the case's own audit log, kept beside it and merged into the
/// timeline the hotline shows. It does not change the case's state or version, so an urge never
/// makes a clerk's or approver's <c>expectedVersion</c> stale.
/// </summary>
/// <param name="Seq">1, 2, 3 … within the case; urges and complaints are answered by it.</param>
/// <param name="ActorId">Staff subject of the agent or approver (staff ids are not personal data of the applicant).</param>
/// <param name="CaseStatus">The case's status when the entry was made (what the caller was told).</param>
/// <param name="CaseVersion">The case version the entry saw: links the entry to a point of the case's audit log.</param>
/// <param name="ResponseDue">Urge or complaint: the last day (China date) for the department's answer.</param>
/// <param name="RespondsTo">Response: the entry it answers.</param>
/// <param name="RepeatOf">Urge: the open urge this call repeats (the department gets one item, with a count).</param>
/// <param name="Category">Complaint: what about (e.g. 超期未办, 服务态度, 多次跑动, 其他).</param>
/// <param name="Subject">
/// Complaint: <see cref="ComplaintSubject.HallConduct"/> when it is about a hall; null for the decision (the department), which is
/// what every entry written before subjects existed means. Left out of the canonical JSON when null, so old chains still verify.
/// </param>
/// <param name="HallCode">A hall-conduct complaint: the hall complained about (its manager answers).</param>
[GenerateSerializer, Immutable]
public sealed record HotlineEntry(
    [property: Id(0)] string CaseNo,
    [property: Id(1)] int Seq,
    [property: Id(2)] HotlineEntryKind Kind,
    [property: Id(3)] DateTimeOffset At,
    [property: Id(4)] string ActorId,
    [property: Id(5)] CaseRole Role,
    [property: Id(6)] string Text,
    [property: Id(7)] CaseStatus CaseStatus,
    [property: Id(8)] int CaseVersion,
    [property: Id(9)] DateOnly? ResponseDue,
    [property: Id(10)] int? RespondsTo,
    [property: Id(11)] int? RepeatOf,
    [property: Id(12)] string? Category,
    [property: Id(13)] string? IdempotencyKey,
    [property: Id(14), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ComplaintSubject? Subject = null,
    [property: Id(15), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? HallCode = null)
{
    /// <summary>Answered by the hall's manager rather than the department (derived: not part of the canonical JSON the chain hashes).</summary>
    [JsonIgnore]
    public bool ForHall => Subject == ComplaintSubject.HallConduct;
}

/// <summary>What the hotline log needs of the case (read by the caller from the case grain).</summary>
[GenerateSerializer, Immutable]
public sealed record HotlineCaseRef(
    [property: Id(0)] string CaseNo,
    [property: Id(1)] string ItemCode,
    [property: Id(2)] string DepartmentCode,
    [property: Id(3)] string RegionCode,
    [property: Id(4)] CaseStatus Status,
    [property: Id(5)] int Version,
    [property: Id(6)] bool IsFinal)
{
    public static HotlineCaseRef Of(CaseState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return new(state.CaseNo, state.ItemCode, state.DepartmentCode, state.RegionCode, state.Status, state.Version, state.IsFinal);
    }
}

/// <summary>An urge or complaint to register.</summary>
[GenerateSerializer, Immutable]
public sealed record HotlineRequest(
    [property: Id(0)] HotlineEntryKind Kind,
    [property: Id(1)] string ActorId,
    [property: Id(2)] CaseRole Role,
    [property: Id(3)] string Text,
    [property: Id(4)] string? Category = null,
    [property: Id(5)] string? IdempotencyKey = null,
    [property: Id(6)] ComplaintSubject Subject = ComplaintSubject.Decision,
    [property: Id(7)] string? HallCode = null);

public enum HotlineFailureKind
{
    /// <summary>400: missing or too long text, unknown category.</summary>
    Invalid,

    /// <summary>409: not possible now (urging a finished case, answering an answered item).</summary>
    NotAllowed,

    /// <summary>404: no such item to answer.</summary>
    NotFound,
}

[GenerateSerializer, Immutable]
public sealed record HotlineFailure([property: Id(0)] HotlineFailureKind Kind, [property: Id(1)] string Message);

/// <summary>The entry written (or found again for a repeated Idempotency-Key), or why not.</summary>
/// <param name="Repeats">Urge: how many calls the open urge has had (1 for a first urge).</param>
[GenerateSerializer, Immutable]
public sealed record HotlineResult(
    [property: Id(0)] HotlineEntry? Entry,
    [property: Id(1)] HotlineFailure? Failure,
    [property: Id(2)] int Repeats = 1)
{
    public bool Succeeded => Failure is null;
}

/// <summary>An open urge or complaint in a department's hotline box, or a hall-conduct complaint in a hall's (<see cref="IHotlineBoxGrain"/>).</summary>
[GenerateSerializer, Immutable]
public sealed record HotlineWorkItem(
    [property: Id(0)] string CaseNo,
    [property: Id(1)] int Seq,
    [property: Id(2)] HotlineEntryKind Kind,
    [property: Id(3)] DateTimeOffset At,
    [property: Id(4)] DateOnly ResponseDue,
    [property: Id(5)] string Text,
    [property: Id(6)] int Repeats,
    [property: Id(7)] string ItemCode,
    [property: Id(8)] string? Category,
    [property: Id(9)] string? HallCode = null);

/// <summary>
/// Live push to the hall's manager desk (<c>hallComplaintChanged</c>) when a complaint about the hall arrives or is answered.
/// No text: the manager's list (<c>GET /api/halls/{hallCode}/complaints</c>) has it.
/// </summary>
/// <param name="State">open or answered.</param>
[GenerateSerializer, Immutable]
public sealed record HallComplaintChanged(
    [property: Id(0)] string HallCode,
    [property: Id(1)] string CaseNo,
    [property: Id(2)] int Seq,
    [property: Id(3)] string? Category,
    [property: Id(4)] DateOnly? ResponseDue,
    [property: Id(5)] string State);

/// <summary>Live push to watchers of the case when its hotline log changes (<c>caseHotlineChanged</c>).</summary>
[GenerateSerializer, Immutable]
public sealed record CaseHotlineChanged(
    [property: Id(0)] string CaseNo,
    [property: Id(1)] string Kind,
    [property: Id(2)] int Seq,
    [property: Id(3)] DateOnly? ResponseDue);
