using TongBan.Grains.Calendar;
using TongBan.Grains.Catalogue;
using TongBan.Grains.Common;

namespace TongBan.Grains.Cases;

/// <summary>An e-licence cited instead of a paper material (电子证照免提交, task 13).</summary>
/// <param name="LicenceNumber">The licence's identifier in the e-licence library (电子证照标识).</param>
[GenerateSerializer, Immutable]
public sealed record ELicenceCitation(
    [property: Id(0)] ELicenceType Type,
    [property: Id(1)] string LicenceNumber);

/// <summary>One material as handed in (or uploaded) for a case.</summary>
/// <param name="MaterialId">The id in the item's <see cref="ServiceItem.Materials"/>.</param>
/// <param name="Copies">Paper sheets or copies handed in.</param>
/// <param name="OriginalVerified">A clerk checked the original (原件核验); never true for an online upload until a clerk receives it.</param>
/// <param name="ELicence">Cited e-licence; satisfies the material when its type is the one the item accepts.</param>
[GenerateSerializer, Immutable]
public sealed record SubmittedMaterial(
    [property: Id(0)] string MaterialId,
    [property: Id(1)] int Copies = 0,
    [property: Id(2)] bool OriginalVerified = false,
    [property: Id(3)] ELicenceCitation? ELicence = null);

/// <summary>A missing or defective material, as found by the check on receipt or listed in a one-time notice.</summary>
/// <param name="Note">What exactly to bring (e.g. "复印件模糊，请重新提供"); shown to the applicant.</param>
[GenerateSerializer, Immutable]
public sealed record MaterialGap(
    [property: Id(0)] string MaterialId,
    [property: Id(1)] MaterialProblem Problem,
    [property: Id(2)] string? Note = null);

/// <summary>The one-time notice (一次性告知书) of a case: when, and every material it listed.</summary>
[GenerateSerializer, Immutable]
public sealed record MissingMaterialsNotice(
    [property: Id(0)] DateTimeOffset At,
    [property: Id(1)] IReadOnlyList<MaterialGap> Materials);

/// <summary>The decision (审批决定).</summary>
[GenerateSerializer, Immutable]
public sealed record CaseDecision(
    [property: Id(0)] bool Approved,
    [property: Id(1)] string? Reason,
    [property: Id(2)] DateTimeOffset At);

/// <summary>How and where the result was handed over (送达).</summary>
/// <param name="HallCode">The hall that handed it over or posted it (the receiving hall).</param>
[GenerateSerializer, Immutable]
public sealed record CaseDelivery(
    [property: Id(0)] DeliveryMethod Method,
    [property: Id(1)] string? TrackingNumber,
    [property: Id(2)] string? HallCode,
    [property: Id(3)] DateTimeOffset At);

/// <summary>
/// The persistent state of one case, small enough for <c>IPersistentState</c>: the status, the
/// optimistic version, routing (department, region, receiving hall), materials, the deadline
/// clock's inputs and the outcome. The timeline is not here: each transition yields a
/// <see cref="CaseTimelineEntry"/> for the grain to append to the case's audit log.
/// </summary>
/// <param name="CaseNo">The canonical <see cref="CaseNumber"/> value.</param>
/// <param name="ItemBatch">The catalogue batch whose version of the item this case follows (<see cref="ServiceCatalogue.VersionAt"/>).</param>
/// <param name="Version">1 after submission, +1 per transition; a command must name it (<see cref="CaseCommand.ExpectedVersion"/>).</param>
/// <param name="ApplicantKey"><see cref="Identity.KeyedHash.OfResidentId(string)"/> of the applicant: a citizen may act on the case when the hash of their token's subject equals it. No raw ID number is kept here.</param>
/// <param name="DepartmentCode">The competent department (the item's).</param>
/// <param name="RegionCode">The competent region (属地): where that department sits; approvers must match both.</param>
/// <param name="ReceivingHallCode">The hall that received the case; null for an online application until a clerk receives it.</param>
/// <param name="Gaps">Missing or defective materials found by the latest check; empty when complete.</param>
[GenerateSerializer, Immutable]
public sealed record CaseState(
    [property: Id(0)] string CaseNo,
    [property: Id(1)] string ItemCode,
    [property: Id(2)] int ItemBatch,
    [property: Id(3)] CaseStatus Status,
    [property: Id(4)] int Version,
    [property: Id(5)] string ApplicantKey,
    [property: Id(6)] CaseChannel Channel,
    [property: Id(7)] string DepartmentCode,
    [property: Id(8)] string RegionCode,
    [property: Id(9)] string? ReceivingHallCode,
    [property: Id(10)] IReadOnlyList<SubmittedMaterial> Materials,
    [property: Id(11)] IReadOnlyList<MaterialGap> Gaps,
    [property: Id(12)] DateTimeOffset SubmittedAt,
    [property: Id(13)] DateTimeOffset UpdatedAt)
{
    /// <summary>While <see cref="CaseStatus.Suspended"/>: the status <see cref="CaseAction.Resume"/> returns to.</summary>
    [Id(14)]
    public CaseStatus? ResumeTo { get; init; }

    /// <summary>The one-time notice, once issued; a case gets at most one.</summary>
    [Id(15)]
    public MissingMaterialsNotice? Notice { get; init; }

    /// <summary>Materials the case was accepted without (容缺受理), on the applicant's written promise.</summary>
    [Id(16)]
    public IReadOnlyList<MaterialGap> DeferredMaterials { get; init; } = [];

    /// <summary>Day of 受理 in China time: the deadline clock starts at its end.</summary>
    [Id(17)]
    public DateOnly? AcceptedOn { get; init; }

    /// <summary>The item's promised limit at acceptance (working days).</summary>
    [Id(18)]
    public int LimitWorkingDays { get; init; }

    /// <summary>补正 periods; the last is open while suspended.</summary>
    [Id(19)]
    public IReadOnlyList<Suspension> Suspensions { get; init; } = [];

    /// <summary>Why it was not accepted (不予受理).</summary>
    [Id(20)]
    public string? RejectionReason { get; init; }

    [Id(21)]
    public CaseDecision? Decision { get; init; }

    /// <summary>办结 time.</summary>
    [Id(22)]
    public DateTimeOffset? CompletedAt { get; init; }

    [Id(23)]
    public CaseDelivery? Delivery { get; init; }

    [Id(24)]
    public DateTimeOffset? WithdrawnAt { get; init; }

    /// <summary>跨省通办: the partner province this case was forwarded to, or came from; null for a Guizhou-only case.</summary>
    [Id(25)]
    public CrossProvinceLink? CrossProvince { get; init; }

    /// <summary>The applicant's choice of notification channels (渠道选择), from the submission; null: none chosen.</summary>
    [Id(26)]
    public Notifications.NotificationConsent? Notify { get; init; }

    /// <summary>True when a partner province's department handles this case: Guizhou staff no longer move it.</summary>
    public bool HandledByPartner => CrossProvince?.Direction == CrossProvinceDirection.Outbound;

    /// <summary>True once no action can apply any more (不予受理, 送达, 撤回).</summary>
    public bool IsFinal => Status is CaseStatus.NotAccepted or CaseStatus.Delivered or CaseStatus.Withdrawn;

    /// <summary>The deadline clock rebuilt from its stored inputs; null before acceptance.</summary>
    public DeadlineClock? Clock() =>
        AcceptedOn is { } acceptedOn ? new DeadlineClock(acceptedOn, LimitWorkingDays, Suspensions) : null;

    /// <summary>
    /// Where the case stands against its limit: as of <paramref name="today"/> while it runs, as of the
    /// 办结 (or withdrawal) day once finished, so a case completed on time stays on time. Null before
    /// acceptance.
    /// </summary>
    public DeadlineStatus? EvaluateDeadline(WorkingDayCalendar calendar, DateOnly today)
    {
        ArgumentNullException.ThrowIfNull(calendar);
        var stoppedAt = CompletedAt ?? WithdrawnAt;
        return Clock()?.Evaluate(calendar, stoppedAt is { } at ? ChinaDate(at) : today);
    }

    /// <summary>The calendar date of an instant in the province (Asia/Shanghai).</summary>
    public static DateOnly ChinaDate(DateTimeOffset at) => DateOnly.FromDateTime(at.ToOffset(ChinaTime.Offset).DateTime);
}
