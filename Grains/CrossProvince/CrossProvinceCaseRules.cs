using TongBan.Grains.Cases;

namespace TongBan.Grains.CrossProvince;

/// <summary>
/// 跨省通办 on a case: forwarding a Guizhou case to a partner province, the partner's acknowledgement and progress
/// reports (outbound), and the status reports a Guizhou case owes the partner that sent it (inbound). Pure: the case
/// grain calls these with its state and the time and commits what they return, like <see cref="CaseStateMachine"/>.
/// A result with neither state change nor failure (<see cref="CaseTransitionResult.Entry"/> null) is an idempotent
/// repeat: nothing to write.
/// </summary>
public static class CrossProvinceCaseRules
{
    public const int MaxTextLength = CaseStateMachine.MaxTextLength;

    /// <summary>The outbound transfer of a case: one per case, so forwarding again finds the same transfer.</summary>
    public static string TransferIdOf(string caseNo) => "GZX-" + caseNo;

    /// <summary>The case a transfer id of <see cref="TransferIdOf"/> belongs to, or null for a free-standing transfer.</summary>
    public static string? CaseNoOf(string transferId) =>
        transferId.StartsWith("GZX-", StringComparison.Ordinal) && CaseNumber.TryParse(transferId[4..], out var number) ? number.Value : null;

    /// <summary>A region code of a partner province: six digits, outside Guizhou (52).</summary>
    public static bool IsPartnerRegion(string? code) =>
        code is { Length: 6 } && code.All(char.IsAsciiDigit) && !code.StartsWith("52", StringComparison.Ordinal);

    /// <summary>
    /// Forwards a case before 受理 (申请 or 收件) to a partner province's department, by a clerk of the receiving hall
    /// (an online case gets the clerk's hall) or an approver of the case's department and region. Repeating the same
    /// forward (same partner and region) is an idempotent repeat; forwarding a case already tied to a partner otherwise
    /// is a conflict. The status does not change: the partner's 受理 will move it.
    /// </summary>
    public static CaseTransitionResult Forward(CaseState current, CaseForward forward, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(forward);
        var actor = forward.Actor;
        CaseTransitionResult Fail(CaseFailureKind kind, string message) =>
            new(null, null, new CaseFailure(kind, message, current.Status, current.Version, CaseStateMachine.AllowedActions(current)));

        if (current.CrossProvince is { } link)
        {
            return link.Direction == CrossProvinceDirection.Outbound && link.PartnerCode == forward.PartnerCode && link.PartnerRegionCode == forward.TargetRegionCode
                ? new(current, null, null)
                : Fail(CaseFailureKind.ActionNotAllowed, link.Direction == CrossProvinceDirection.Outbound
                    ? $"本件已转至{link.PartnerName}（{link.TransferId}），不能再次转办 (the case was already forwarded)"
                    : $"本件由{link.PartnerName}转入，不能再转出 (a case received from a partner cannot be forwarded)");
        }

        if (forward.ExpectedVersion is { } expected && expected != current.Version)
        {
            return Fail(CaseFailureKind.VersionConflict, $"办件已被更新（当前版本 {current.Version}），请刷新后重试 (version conflict)");
        }

        switch (actor.Role)
        {
            case CaseRole.Clerk when string.IsNullOrEmpty(actor.HallCode):
                return Fail(CaseFailureKind.Forbidden, "窗口人员未绑定大厅 (the clerk's token names no hall)");
            case CaseRole.Clerk when current.ReceivingHallCode is { } hall && hall != actor.HallCode:
                return Fail(CaseFailureKind.Forbidden, $"本件由 {hall} 收件，其他大厅不能转办 (only clerks of the receiving hall may forward it)");
            case CaseRole.Clerk:
                break;
            case CaseRole.Approver when actor.DepartmentCode == current.DepartmentCode && actor.RegionCode == current.RegionCode:
                break;
            case CaseRole.Approver:
                return Fail(CaseFailureKind.Forbidden, "只能转办本部门、本地区的办件 (approvers forward cases of their own department and region)");
            default:
                return Fail(CaseFailureKind.Forbidden, $"角色 {CaseNames.Of(actor.Role)} 不能转办 (only a clerk or an approver may forward a case)");
        }

        if (current.Status is not (CaseStatus.Submitted or CaseStatus.Received))
        {
            return Fail(CaseFailureKind.ActionNotAllowed,
                $"当前状态“{CaseNames.Chinese(current.Status)}”不能跨省转办，只能在受理前转办 (a case is forwarded before acceptance: status {CaseNames.Of(current.Status)})");
        }

        if (!IsPartnerRegion(forward.TargetRegionCode))
        {
            return Fail(CaseFailureKind.InvalidCommand, "targetRegionCode 须为外省行政区划代码（6位，非52开头） (a partner province's region code)");
        }

        if (forward.Note is { Length: > MaxTextLength })
        {
            return Fail(CaseFailureKind.InvalidCommand, $"note 过长 (note is longer than {MaxTextLength} characters)");
        }

        var transferId = TransferIdOf(current.CaseNo);
        var next = current with
        {
            Version = current.Version + 1,
            UpdatedAt = now,
            ReceivingHallCode = current.ReceivingHallCode ?? (actor.Role == CaseRole.Clerk ? actor.HallCode : null),
            CrossProvince = new CrossProvinceLink(CrossProvinceDirection.Outbound, forward.PartnerCode, forward.PartnerName, transferId, forward.TargetRegionCode, now),
        };
        var entry = Entry(next, current.Status, actor.Id, actor.Role, actor.Name, actor.HallCode, actor.WindowNo, actor.DepartmentCode, actor.RegionCode, null, forward.Note, null) with
        {
            CrossProvince = new CrossProvinceStep("forwarded", forward.PartnerCode, forward.PartnerName, transferId, $"已转至{forward.PartnerName}（{transferId}）"),
        };
        return new(next, entry, null);
    }

    /// <summary>The partner's system took the transfer (a state change, recorded once; the attempts before it are not).</summary>
    public static CaseTransitionResult Acknowledge(CaseState current, string partnerCode, string? partnerReference, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(current);
        if (current.CrossProvince is not { Direction: CrossProvinceDirection.Outbound } link || link.PartnerCode != partnerCode)
        {
            return new(null, null, new CaseFailure(CaseFailureKind.InvalidCommand, "本件没有转至该伙伴省份 (the case was not forwarded to this partner)", current.Status, current.Version, []));
        }

        if (link.AcknowledgedAt is not null)
        {
            return new(current, null, null);
        }

        var next = current with
        {
            Version = current.Version + 1,
            UpdatedAt = now,
            CrossProvince = link with { AcknowledgedAt = now, PartnerReference = link.PartnerReference ?? partnerReference },
        };
        var entry = PartnerEntry(next, current.Status, link, null, null, null) with
        {
            CrossProvince = new CrossProvinceStep("acknowledged", link.PartnerCode, link.PartnerName, link.TransferId,
                $"{link.PartnerName}已接收转办材料" + (partnerReference is null ? string.Empty : $"（对方编号 {partnerReference}）"), partnerReference),
        };
        return new(next, entry, null);
    }

    /// <summary>The status a partner report moves a forwarded case to.</summary>
    public static CaseStatus StatusFor(PartnerCaseStatus status) => status switch
    {
        PartnerCaseStatus.Accepted => CaseStatus.Accepted,
        PartnerCaseStatus.InReview => CaseStatus.UnderReview,
        PartnerCaseStatus.Decided => CaseStatus.Completed,
        PartnerCaseStatus.Delivered => CaseStatus.Delivered,
        PartnerCaseStatus.Rejected => CaseStatus.NotAccepted,
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    /// <summary>
    /// A partner's progress report on a case forwarded to it: lands on the timeline and moves the case (受理 →
    /// 审查中 → 办结 with the decision → 已送达; 不予受理 before a decision). Progress only goes forward (steps may be
    /// skipped); a report of the status the case already has is an idempotent repeat; going back is a conflict.
    /// </summary>
    public static CaseTransitionResult Report(CaseState current, PartnerReport report, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(report);
        CaseTransitionResult Fail(CaseFailureKind kind, string message) => new(null, null, new CaseFailure(kind, message, current.Status, current.Version, []));

        if (current.CrossProvince is not { Direction: CrossProvinceDirection.Outbound } link || link.PartnerCode != report.PartnerCode)
        {
            return Fail(CaseFailureKind.InvalidCommand, "本件没有转至该伙伴省份 (the case was not forwarded to this partner)");
        }

        var target = StatusFor(report.Status);
        if (link.PartnerStatus == report.Status && current.Status == target)
        {
            return new(current, null, null);
        }

        if (Rank(target) <= Rank(current.Status) || current.IsFinal || (report.Status == PartnerCaseStatus.Rejected && Rank(current.Status) >= Rank(CaseStatus.Completed)))
        {
            return Fail(CaseFailureKind.ActionNotAllowed,
                $"本件已“{CaseNames.Chinese(current.Status)}”，不能报告“{Chinese(report.Status)}” (progress goes forward only: {CaseNames.Of(current.Status)} → {Wire(report.Status)} is not possible)");
        }

        if (new[] { report.Reason, report.Comment }.FirstOrDefault(t => t is { Length: > MaxTextLength }) is not null ||
            report.Department is { Length: > 100 } || report.Contact is { Length: > 50 } || report.PartnerReference is { Length: > 64 } || report.TrackingNumber is { Length: > 40 })
        {
            return Fail(CaseFailureKind.InvalidCommand, "内容过长 (reason/comment ≤ 1000, department ≤ 100, contact ≤ 50, partnerReference ≤ 64, trackingNumber ≤ 40 characters)");
        }

        if (report.Status == PartnerCaseStatus.Decided && report.Approved is null)
        {
            return Fail(CaseFailureKind.InvalidCommand, "办结须注明结果：approved 为 true（准予）或 false（不予批准） (decided needs approved: true or false)");
        }

        if (report.Status == PartnerCaseStatus.Rejected && string.IsNullOrWhiteSpace(report.Reason))
        {
            return Fail(CaseFailureKind.InvalidCommand, "不予受理须填写理由 (rejected needs a reason)");
        }

        if (report.Status == PartnerCaseStatus.Delivered && report.DeliveryMethod is null)
        {
            return Fail(CaseFailureKind.InvalidCommand, "送达须注明方式：pickup、ems 或 electronic (delivered needs deliveryMethod)");
        }

        var updatedLink = link with
        {
            PartnerStatus = report.Status,
            PartnerDepartment = report.Department ?? link.PartnerDepartment,
            PartnerContact = report.Contact ?? link.PartnerContact,
            PartnerReference = link.PartnerReference ?? report.PartnerReference,
        };
        var next = current with { Version = current.Version + 1, Status = target, UpdatedAt = now, CrossProvince = updatedLink };
        CaseDelivery? delivery = null;
        switch (report.Status)
        {
            case PartnerCaseStatus.Decided:
                next = next with { Decision = new CaseDecision(report.Approved!.Value, report.Reason, now), CompletedAt = now };
                break;
            case PartnerCaseStatus.Rejected:
                next = next with { RejectionReason = report.Reason };
                break;
            case PartnerCaseStatus.Delivered:
                delivery = new CaseDelivery(report.DeliveryMethod!.Value, report.TrackingNumber, null, now);
                next = next with { Delivery = delivery, CompletedAt = next.CompletedAt ?? now };
                break;
        }

        var who = updatedLink.PartnerDepartment ?? updatedLink.PartnerName;
        var text = report.Status switch
        {
            PartnerCaseStatus.Decided => $"{who}已办结：{(report.Approved == true ? "准予" : "不予批准")}",
            _ => $"{who}{Chinese(report.Status)}",
        };
        var entry = PartnerEntry(next, current.Status, updatedLink, report.Reason, report.Comment, delivery) with
        {
            CrossProvince = new CrossProvinceStep(Wire(report.Status), link.PartnerCode, link.PartnerName, link.TransferId, text, updatedLink.PartnerReference, updatedLink.PartnerDepartment),
        };
        return new(next, entry, null);
    }

    /// <summary>What an inbound case's timeline entry tells the partner that sent the case.</summary>
    public static PartnerStatusMessage ReportFor(CaseState state, CaseTimelineEntry entry)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(entry);
        var link = state.CrossProvince ?? throw new ArgumentException($"Case {state.CaseNo} has no partner.", nameof(state));
        return new PartnerStatusMessage(
            link.TransferId, state.CaseNo, entry.Version, CaseNames.Of(entry.To), CaseNames.Chinese(entry.To),
            entry.Action is { } a ? CaseNames.Of(a) : "submit", entry.At, entry.Reason, entry.Comment,
            entry.Delivery is { } d ? CaseNames.Of(d.Method) : null, entry.Delivery?.TrackingNumber, state.DepartmentCode, state.RegionCode);
    }

    public static string Wire(PartnerCaseStatus status) => char.ToLowerInvariant(status.ToString()[0]) + status.ToString()[1..];

    public static bool TryParse(string? text, out PartnerCaseStatus status)
    {
        foreach (var candidate in Enum.GetValues<PartnerCaseStatus>())
        {
            if (string.Equals(Wire(candidate), text, StringComparison.Ordinal))
            {
                status = candidate;
                return true;
            }
        }

        status = default;
        return false;
    }

    public static string Chinese(PartnerCaseStatus status) => status switch
    {
        PartnerCaseStatus.Accepted => "已受理",
        PartnerCaseStatus.InReview => "审查中",
        PartnerCaseStatus.Decided => "已办结",
        PartnerCaseStatus.Delivered => "已送达",
        PartnerCaseStatus.Rejected => "不予受理",
        _ => status.ToString(),
    };

    /// <summary>How far along a case is, for "progress only goes forward".</summary>
    private static int Rank(CaseStatus status) => status switch
    {
        CaseStatus.Submitted or CaseStatus.Received or CaseStatus.OneTimeNotice => 0,
        CaseStatus.Accepted => 1,
        CaseStatus.UnderReview or CaseStatus.Suspended => 2,
        CaseStatus.Approved or CaseStatus.Denied => 3,
        CaseStatus.Completed => 4,
        _ => 5,
    };

    private static CaseTimelineEntry PartnerEntry(CaseState next, CaseStatus from, CrossProvinceLink link, string? reason, string? comment, CaseDelivery? delivery) =>
        Entry(next, from, "partner:" + link.PartnerCode, CaseRole.Approver, link.PartnerDepartment ?? link.PartnerName, null, null, null, link.PartnerRegionCode, reason, comment, delivery);

    private static CaseTimelineEntry Entry(
        CaseState next, CaseStatus from, string actorId, CaseRole role, string? actorName, string? hallCode, int? windowNo, string? departmentCode, string? regionCode,
        string? reason, string? comment, CaseDelivery? delivery) =>
        new(next.CaseNo, next.Version, null, from, next.Status, next.UpdatedAt, actorId, role, actorName, hallCode, windowNo, departmentCode, regionCode, reason, comment, [], delivery);
}

/// <summary>One status report owed to the partner province that sent a case (内转 → 回传办理进展), as posted to it.</summary>
/// <param name="PartnerReference">The partner's own transfer id for the case.</param>
/// <param name="Action">The Guizhou step (<c>submit</c> for the opening, else a transition's wire name).</param>
[GenerateSerializer, Immutable]
public sealed record PartnerStatusMessage(
    [property: Id(0)] string PartnerReference,
    [property: Id(1)] string CaseNo,
    [property: Id(2)] int Version,
    [property: Id(3)] string Status,
    [property: Id(4)] string StatusName,
    [property: Id(5)] string Action,
    [property: Id(6)] DateTimeOffset At,
    [property: Id(7)] string? Reason,
    [property: Id(8)] string? Comment,
    [property: Id(9)] string? DeliveryMethod,
    [property: Id(10)] string? TrackingNumber,
    [property: Id(11)] string DepartmentCode,
    [property: Id(12)] string RegionCode);
