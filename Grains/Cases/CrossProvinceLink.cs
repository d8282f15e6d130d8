namespace TongBan.Grains.Cases;

/// <summary>Which way a cross-province case (跨省通办) goes.</summary>
public enum CrossProvinceDirection
{
    /// <summary>外转: received in Guizhou, handled by a partner province's competent department.</summary>
    Outbound,

    /// <summary>内转: received by a partner province, handled by a Guizhou department.</summary>
    Inbound,
}

/// <summary>
/// Progress a partner province reports on a case forwarded to it (its 受理/审查/办结/送达/不予受理). Wire names are the
/// camelCase member names (<c>inReview</c>).
/// </summary>
public enum PartnerCaseStatus
{
    /// <summary>受理: the partner's department accepted the application.</summary>
    Accepted,

    /// <summary>审查中.</summary>
    InReview,

    /// <summary>办结, with the decision (准予 or 不予批准).</summary>
    Decided,

    /// <summary>已送达: the result was handed over (post, electronic, or at the receiving hall).</summary>
    Delivered,

    /// <summary>不予受理, with a reason.</summary>
    Rejected,
}

/// <summary>
/// A case's tie to a partner province (跨省通办): who, which transfer, and the partner's side as last reported. Kept on
/// <see cref="CaseState"/> so the case, the hotline and the partner's reports share one timeline.
/// </summary>
/// <param name="TransferId">Outbound: our transfer id (<c>GZX-{caseNo}</c>). Inbound: the partner's own transfer id.</param>
/// <param name="PartnerRegionCode">Outbound: the partner region that handles it. Inbound: the region it came from.</param>
/// <param name="At">When the case was forwarded (outbound) or received (inbound).</param>
[GenerateSerializer, Immutable]
public sealed record CrossProvinceLink(
    [property: Id(0)] CrossProvinceDirection Direction,
    [property: Id(1)] string PartnerCode,
    [property: Id(2)] string PartnerName,
    [property: Id(3)] string TransferId,
    [property: Id(4)] string PartnerRegionCode,
    [property: Id(5)] DateTimeOffset At)
{
    /// <summary>The partner's own reference for the case (its case number), once it told us.</summary>
    [Id(6)]
    public string? PartnerReference { get; init; }

    /// <summary>The partner's responsible department (e.g. 成都市武侯区行政审批局), as reported.</summary>
    [Id(7)]
    public string? PartnerDepartment { get; init; }

    /// <summary>How to reach that department (phone), as reported.</summary>
    [Id(8)]
    public string? PartnerContact { get; init; }

    /// <summary>Outbound: when the partner's system acknowledged the transfer.</summary>
    [Id(9)]
    public DateTimeOffset? AcknowledgedAt { get; init; }

    /// <summary>Outbound: the partner's last reported status.</summary>
    [Id(10)]
    public PartnerCaseStatus? PartnerStatus { get; init; }
}

/// <summary>The cross-province side of one timeline entry: what happened with the partner, in words.</summary>
/// <param name="Kind">forwarded, acknowledged, received (inbound), or a <see cref="PartnerCaseStatus"/> wire name.</param>
/// <param name="Text">What the timeline shows, e.g. "已转至川渝（GZX-…）".</param>
[GenerateSerializer, Immutable]
public sealed record CrossProvinceStep(
    [property: Id(0)] string Kind,
    [property: Id(1)] string PartnerCode,
    [property: Id(2)] string PartnerName,
    [property: Id(3)] string TransferId,
    [property: Id(4)] string Text,
    [property: Id(5)] string? PartnerReference = null,
    [property: Id(6)] string? PartnerDepartment = null);

/// <summary>Forward a Guizhou case to a partner province's department (<c>POST /api/cases/{caseNo}/forward</c>).</summary>
/// <param name="ExpectedVersion">Optional: when given, another current version is a conflict (409).</param>
[GenerateSerializer, Immutable]
public sealed record CaseForward(
    [property: Id(0)] CaseActor Actor,
    [property: Id(1)] string PartnerCode,
    [property: Id(2)] string PartnerName,
    [property: Id(3)] string TargetRegionCode,
    [property: Id(4)] string? Note = null,
    [property: Id(5)] int? ExpectedVersion = null);

/// <summary>A partner's progress report on a case forwarded to it.</summary>
/// <param name="Approved">decided: true for 准予, false for 不予批准.</param>
/// <param name="Reason">Required for rejected; the reasons of a denial.</param>
[GenerateSerializer, Immutable]
public sealed record PartnerReport(
    [property: Id(0)] string PartnerCode,
    [property: Id(1)] PartnerCaseStatus Status,
    [property: Id(2)] bool? Approved = null,
    [property: Id(3)] string? Reason = null,
    [property: Id(4)] string? Department = null,
    [property: Id(5)] string? Contact = null,
    [property: Id(6)] string? PartnerReference = null,
    [property: Id(7)] DeliveryMethod? DeliveryMethod = null,
    [property: Id(8)] string? TrackingNumber = null,
    [property: Id(9)] string? Comment = null);
