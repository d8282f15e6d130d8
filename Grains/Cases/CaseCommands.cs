using TongBan.Grains.Regions;

namespace TongBan.Grains.Cases;

/// <summary>
/// Who acts, from the verified token (never from the request body). For a citizen, <see cref="Id"/>
/// is the keyed hash of their resident ID number, so timelines and audit logs hold no raw ID; for
/// staff it is their staff subject.
/// </summary>
/// <param name="Name">Display name for the timeline (staff name or window label); null for citizens.</param>
/// <param name="HallCode">Clerk's hall (窗口人员所在大厅).</param>
/// <param name="WindowNo">Clerk's window, when at one.</param>
/// <param name="DepartmentCode">Approver's department.</param>
/// <param name="RegionCode">Approver's region, or the clerk's hall region.</param>
[GenerateSerializer, Immutable]
public sealed record CaseActor(
    [property: Id(0)] string Id,
    [property: Id(1)] CaseRole Role,
    [property: Id(2)] string? Name = null,
    [property: Id(3)] string? HallCode = null,
    [property: Id(4)] int? WindowNo = null,
    [property: Id(5)] string? DepartmentCode = null,
    [property: Id(6)] string? RegionCode = null);

/// <summary>
/// One transition request: the body of <c>POST /api/cases/{caseNo}/transitions</c> plus the actor.
/// Which optional fields are required depends on <see cref="Action"/> (see CASE_RULES.md).
/// </summary>
/// <param name="ExpectedVersion">The version the client saw; any other current version is a conflict (409).</param>
/// <param name="Reason">Required for reject, deny and suspend (不予受理/不予批准/补正 理由); optional for withdraw.</param>
/// <param name="Comment">Free note for the timeline (办理意见).</param>
/// <param name="Materials">receive: materials handed in now; merged by id over those already on the case.</param>
/// <param name="MissingMaterials">notifyMissing: every missing or defective material (一次性告知).</param>
/// <param name="DeliveryMethod">deliver: pickup, ems or electronic.</param>
/// <param name="TrackingNumber">deliver by EMS: the tracking number.</param>
/// <param name="DeferredMaterialsPromised">accept: the applicant signed a promise to supply the missing materials (容缺受理承诺书).</param>
[GenerateSerializer, Immutable]
public sealed record CaseCommand(
    [property: Id(0)] CaseAction Action,
    [property: Id(1)] int ExpectedVersion,
    [property: Id(2)] CaseActor Actor,
    [property: Id(3)] string? Reason = null,
    [property: Id(4)] string? Comment = null,
    [property: Id(5)] IReadOnlyList<SubmittedMaterial>? Materials = null,
    [property: Id(6)] IReadOnlyList<MaterialGap>? MissingMaterials = null,
    [property: Id(7)] DeliveryMethod? DeliveryMethod = null,
    [property: Id(8)] string? TrackingNumber = null,
    [property: Id(9)] bool DeferredMaterialsPromised = false);

/// <summary>A new application (<c>POST /api/cases</c>) once the grain has allocated its number and routed it.</summary>
/// <param name="ApplicantKey">Keyed hash of the applicant's resident ID number.</param>
/// <param name="RegionCode">The competent region (<see cref="RegionRules.CompetentRegion"/>).</param>
/// <param name="ItemBatch">The catalogue batch of the item version the case follows.</param>
/// <param name="ReceivingHallCode">Required for the window channel (a clerk's own hall).</param>
[GenerateSerializer, Immutable]
public sealed record CaseSubmission(
    [property: Id(0)] CaseNumber CaseNo,
    [property: Id(1)] string ApplicantKey,
    [property: Id(2)] CaseChannel Channel,
    [property: Id(3)] string RegionCode,
    [property: Id(4)] int ItemBatch,
    [property: Id(5)] IReadOnlyList<SubmittedMaterial> Materials,
    [property: Id(6)] CaseActor Actor,
    [property: Id(7)] string? ReceivingHallCode = null,
    [property: Id(8)] string? Comment = null)
{
    /// <summary>跨省通办 内转: the partner province that forwarded this application.</summary>
    [Id(9)]
    public CrossProvinceLink? CrossProvince { get; init; }

    /// <summary>The applicant's choice of notification channels; null: none.</summary>
    [Id(10)]
    public Notifications.NotificationConsent? Notify { get; init; }
}

/// <summary>
/// One step of a case's history (who, in what role, where, when, what, from which status to
/// which): the record the grain appends to its hash-chained audit log and the API shows as the
/// timeline.
/// </summary>
/// <param name="Version">The case version this step produced.</param>
/// <param name="Action">The transition; null for the submission itself.</param>
/// <param name="From">Null for the submission.</param>
/// <param name="Materials">receive: the gaps still open after the check; notifyMissing: the notice's list.</param>
[GenerateSerializer, Immutable]
public sealed record CaseTimelineEntry(
    [property: Id(0)] string CaseNo,
    [property: Id(1)] int Version,
    [property: Id(2)] CaseAction? Action,
    [property: Id(3)] CaseStatus? From,
    [property: Id(4)] CaseStatus To,
    [property: Id(5)] DateTimeOffset At,
    [property: Id(6)] string ActorId,
    [property: Id(7)] CaseRole Role,
    [property: Id(8)] string? ActorName,
    [property: Id(9)] string? HallCode,
    [property: Id(10)] int? WindowNo,
    [property: Id(11)] string? DepartmentCode,
    [property: Id(12)] string? RegionCode,
    [property: Id(13)] string? Reason,
    [property: Id(14)] string? Comment,
    [property: Id(15)] IReadOnlyList<MaterialGap> Materials,
    [property: Id(16)] CaseDelivery? Delivery)
{
    /// <summary>跨省通办: the partner side of this step (forwarded, acknowledged, the partner's report); null otherwise.</summary>
    [Id(17)]
    public CrossProvinceStep? CrossProvince { get; init; }
}

/// <summary>Kinds of refusal; the remarks give the HTTP status the API is expected to answer.</summary>
public enum CaseFailureKind
{
    /// <summary><c>expectedVersion</c> is not the current version (409; the client reloads and retries).</summary>
    VersionConflict,

    /// <summary>The action is not possible in the current status (409, body lists <see cref="CaseFailure.AllowedActions"/>).</summary>
    ActionNotAllowed,

    /// <summary>The actor's role, hall, department/region or identity may not do this (403).</summary>
    Forbidden,

    /// <summary>A required field is missing or malformed (400).</summary>
    InvalidCommand,

    /// <summary>Well-formed and allowed, but a domain rule says no: incomplete materials without 容缺, an incomplete notice (422).</summary>
    RuleViolation,

    /// <summary>A cited e-licence is unknown, another person's, expired or revoked (409; the message says which).</summary>
    LicenceRejected,
}

/// <summary>Why a command was refused, with what the caller may do instead.</summary>
/// <param name="Message">Chinese first, then English; safe to show (no personal data).</param>
/// <param name="AllowedActions">Actions possible in the current state (for any role); what a 409 body lists.</param>
/// <param name="MissingRight">A <see cref="CaseFailureKind.Forbidden"/> for want of a 授权信任 right: the first right missing.</param>
[GenerateSerializer, Immutable]
public sealed record CaseFailure(
    [property: Id(0)] CaseFailureKind Kind,
    [property: Id(1)] string Message,
    [property: Id(2)] CaseStatus? Status,
    [property: Id(3)] int CurrentVersion,
    [property: Id(4)] IReadOnlyList<CaseAction> AllowedActions,
    [property: Id(5)] TongBan.Grains.Authorisation.GrantRight? MissingRight = null);

/// <summary>Either the new state and its timeline entry, or a failure; never both.</summary>
[GenerateSerializer, Immutable]
public sealed record CaseTransitionResult(
    [property: Id(0)] CaseState? State,
    [property: Id(1)] CaseTimelineEntry? Entry,
    [property: Id(2)] CaseFailure? Failure)
{
    public bool Succeeded => Failure is null;
}
