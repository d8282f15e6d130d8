using Orleans.Concurrency;
using TongBan.Grains.Calendar;
using TongBan.Grains.Identity;

namespace TongBan.Grains.Cases;

/// <summary>What a staff member (or the applicant) sees of a case.</summary>
[GenerateSerializer, Immutable]
public sealed record CaseView(
    [property: Id(0)] CaseState State,
    [property: Id(1)] ApplicantRecord Applicant,
    [property: Id(2)] CaseSummary Summary,
    [property: Id(3)] IReadOnlyList<CaseTimelineEntry> Timeline,
    [property: Id(4)] DeadlineStatus? Deadline,
    [property: Id(5)] IReadOnlyList<CaseAction> AllowedActions);

/// <summary>A command's outcome: the case after it, or why it was refused.</summary>
[GenerateSerializer, Immutable]
public sealed record CaseReply([property: Id(0)] CaseView? View, [property: Id(1)] CaseFailure? Failure)
{
    public bool Succeeded => Failure is null;
}

/// <summary>
/// One case (办件), keyed by its case number. Non-reentrant: transitions are applied one at a time,
/// and each is durable (state + audit entry + projection in one store commit) before it is answered.
/// </summary>
public interface ICaseGrain : IGrainWithStringKey
{
    /// <summary>Opens the case. Repeating the same submission (same applicant) returns the case as it is.</summary>
    Task<CaseReply> Submit(string itemCode, CaseSubmission submission, ApplicantRecord applicant);

    Task<CaseReply> Apply(CaseCommand command);

    /// <summary>Null when no case has this number. Not interleaved: the first read loads the timeline, which a commit appends to.</summary>
    Task<CaseView?> Get();

    Task<AuditVerification> VerifyAudit();

    /// <summary>
    /// 跨省通办: forwards the case to a partner province's department (rules: <c>CrossProvinceCaseRules.Forward</c>).
    /// The same forward again answers the case as it is; the caller then starts the outbound transfer, which is
    /// idempotent too.
    /// </summary>
    Task<CaseReply> Forward(CaseForward forward);

    /// <summary>The partner's system took the transfer: recorded once on the timeline.</summary>
    Task<CaseReply> AcknowledgeTransfer(string partnerCode, string? partnerReference);

    /// <summary>A partner's progress report on the forwarded case: lands on the timeline and moves the status; a repeat changes nothing.</summary>
    Task<CaseReply> ReportFromPartner(PartnerReport report);
}

/// <summary>Allocates case number sequences per region and China date (<c>520102/261127</c>).</summary>
public interface ICaseNumberGrain : IGrainWithStringKey
{
    Task<int> Next();
}

/// <summary>
/// 属地部门 inbox (<c>{departmentCode}/{regionCode}</c>): the cases waiting for this department's
/// approvers, with their deadlines; kept current by the case grains.
/// </summary>
public interface IDepartmentInboxGrain : IGrainWithStringKey
{
    Task Upsert(CaseSummary summary);

    Task Remove(string caseNo);

    /// <summary>Interleaves safely: a synchronous read of the in-memory list.</summary>
    [AlwaysInterleave]
    Task<IReadOnlyList<CaseSummary>> List();
}
