using System.Collections.Frozen;
using System.Text.RegularExpressions;
using TongBan.Grains.Authorisation;
using TongBan.Grains.Calendar;
using TongBan.Grains.Catalogue;
using TongBan.Grains.Identity;
using TongBan.Grains.Regions;

namespace TongBan.Grains.Cases;

/// <summary>
/// The case life cycle of the 操作规程 (task 3, 10): which action is possible in which status, by
/// which role, with which fields, and what it changes. Pure: no I/O, no clock of its own; a case
/// grain holds <see cref="CaseState"/>, calls <see cref="Apply"/> with the item version the case
/// follows and the current time, persists the new state and appends the timeline entry to its
/// audit log. The rules are summarised in CASE_RULES.md beside this file.
/// </summary>
public sealed partial class CaseStateMachine
{
    /// <summary>Longest reason or comment kept (keeps the state and audit entries small).</summary>
    public const int MaxTextLength = 1000;

    private static readonly FrozenDictionary<CaseStatus, CaseAction[]> Transitions = new Dictionary<CaseStatus, CaseAction[]>
    {
        [CaseStatus.Submitted] = [CaseAction.Receive, CaseAction.Withdraw],
        [CaseStatus.Received] = [CaseAction.Accept, CaseAction.Reject, CaseAction.NotifyMissing, CaseAction.Withdraw],
        [CaseStatus.OneTimeNotice] = [CaseAction.Receive, CaseAction.Reject, CaseAction.Withdraw],
        [CaseStatus.Accepted] = [CaseAction.StartReview, CaseAction.Suspend, CaseAction.Withdraw],
        [CaseStatus.UnderReview] = [CaseAction.Approve, CaseAction.Deny, CaseAction.Suspend, CaseAction.Withdraw],
        [CaseStatus.Suspended] = [CaseAction.Resume, CaseAction.Withdraw],
        [CaseStatus.Approved] = [CaseAction.Complete],
        [CaseStatus.Denied] = [CaseAction.Complete],
        [CaseStatus.Completed] = [CaseAction.Deliver],
        [CaseStatus.NotAccepted] = [],
        [CaseStatus.Delivered] = [],
        [CaseStatus.Withdrawn] = [],
    }.ToFrozenDictionary();

    private static readonly FrozenDictionary<CaseAction, CaseRole> Roles = new Dictionary<CaseAction, CaseRole>
    {
        [CaseAction.Receive] = CaseRole.Clerk,
        [CaseAction.Accept] = CaseRole.Clerk,
        [CaseAction.Reject] = CaseRole.Clerk,
        [CaseAction.NotifyMissing] = CaseRole.Clerk,
        [CaseAction.Deliver] = CaseRole.Clerk,
        [CaseAction.StartReview] = CaseRole.Approver,
        [CaseAction.Approve] = CaseRole.Approver,
        [CaseAction.Deny] = CaseRole.Approver,
        [CaseAction.Complete] = CaseRole.Approver,
        [CaseAction.Suspend] = CaseRole.Approver,
        [CaseAction.Resume] = CaseRole.Approver,
        [CaseAction.Withdraw] = CaseRole.Citizen,
    }.ToFrozenDictionary();

    public CaseStateMachine(ServiceItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        Item = item;
    }

    /// <summary>The item version the cases handled by this instance follow.</summary>
    public ServiceItem Item { get; }

    /// <summary>Actions the table allows in <paramref name="status"/>, in a stable order.</summary>
    public static IReadOnlyList<CaseAction> AllowedActions(CaseStatus status) => Transitions[status];

    /// <summary>
    /// Actions possible for this case now: the table for its status, less <see cref="CaseAction.NotifyMissing"/>
    /// once the case has had its one-time notice (一次性告知 means once).
    /// </summary>
    public static IReadOnlyList<CaseAction> AllowedActions(CaseState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.HandledByPartner)
        {
            // 跨省通办 外转: the partner's department decides; the case moves only by its reports.
            return [];
        }

        var actions = Transitions[state.Status];
        return state.Notice is null ? actions : [.. actions.Where(a => a != CaseAction.NotifyMissing)];
    }

    /// <summary>The actions of <see cref="AllowedActions(CaseState)"/> that <paramref name="role"/> may perform (for showing buttons).</summary>
    public static IReadOnlyList<CaseAction> AllowedActionsFor(CaseState state, CaseRole role) =>
        [.. AllowedActions(state).Where(a => Roles[a] == role)];

    /// <summary>The one role that may perform <paramref name="action"/> (admin: none; see CASE_RULES.md).</summary>
    public static CaseRole RoleFor(CaseAction action) => Roles[action];

    /// <summary>Actions a role may perform at all.</summary>
    public static IReadOnlyList<CaseAction> ActionsOf(CaseRole role) =>
        [.. Enum.GetValues<CaseAction>().Where(a => Roles[a] == role)];

    /// <summary>
    /// Gaps between what was handed in and the item's list, in the item's order: a material is
    /// satisfied by an e-licence of its accepted type, or by paper with enough copies and, where
    /// required, a verified original. One gap per material (the first problem found).
    /// </summary>
    public IReadOnlyList<MaterialGap> CheckMaterials(IEnumerable<SubmittedMaterial> submitted)
    {
        ArgumentNullException.ThrowIfNull(submitted);
        var byId = submitted.GroupBy(m => m.MaterialId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);
        var gaps = new List<MaterialGap>();
        foreach (var required in Item.Materials)
        {
            if (!byId.TryGetValue(required.Id, out var given))
            {
                gaps.Add(new MaterialGap(required.Id, MaterialProblem.Missing));
            }
            else if (given.ELicence is { } licence && licence.Type == required.ReplaceableBy)
            {
                continue;
            }
            else if (required.OriginalRequired && !given.OriginalVerified)
            {
                gaps.Add(new MaterialGap(required.Id, MaterialProblem.OriginalNotVerified));
            }
            else if (given.Copies < required.Copies)
            {
                gaps.Add(new MaterialGap(required.Id, MaterialProblem.TooFewCopies));
            }
        }

        return gaps;
    }

    /// <summary>
    /// Opens a case: status <see cref="CaseStatus.Submitted"/>, version 1. A citizen applies for
    /// themself (their actor id must be the applicant key); a clerk applies on someone's behalf at
    /// their own hall. An item that is not province-wide may only be applied for at a hall of its
    /// competent region. Only a clerk can vouch for an original (原件核验), so the flag is cleared on
    /// materials a citizen submits.
    /// </summary>
    public CaseTransitionResult Submit(CaseSubmission submission, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(submission);
        var actor = submission.Actor;
        CaseTransitionResult Fail(CaseFailureKind kind, string message) =>
            new(null, null, new CaseFailure(kind, message, null, 0, []));

        if (actor.Role is not (CaseRole.Citizen or CaseRole.Clerk))
        {
            return Fail(CaseFailureKind.Forbidden, $"角色 {CaseNames.Of(actor.Role)} 不能提交申请 (only a citizen, or a clerk on the applicant's behalf, may submit)");
        }

        if (actor.Role == CaseRole.Citizen && !KeyedHash.Same(actor.Id, submission.ApplicantKey))
        {
            return Fail(CaseFailureKind.Forbidden, "只能以本人身份提交申请 (a citizen may only apply for themself)");
        }

        if (!KeyedHash.IsWellFormed(submission.ApplicantKey))
        {
            return Fail(CaseFailureKind.InvalidCommand, "申请人标识无效 (the applicant key must be a keyed hash: 64 lower-case hex digits, optionally tagged sm3:)");
        }

        if (!RegionRules.IsGuizhou(submission.RegionCode))
        {
            return Fail(CaseFailureKind.InvalidCommand, "属地行政区划代码无效 (the competent region must be a Guizhou region code)");
        }

        var hall = submission.ReceivingHallCode;
        if (actor.Role == CaseRole.Clerk)
        {
            if (actor.HallCode is null)
            {
                return Fail(CaseFailureKind.Forbidden, "窗口人员未绑定大厅 (the clerk's token names no hall)");
            }

            if (hall is not null && hall != actor.HallCode)
            {
                return Fail(CaseFailureKind.Forbidden, "窗口人员只能在本大厅收件 (a clerk submits at their own hall)");
            }

            hall = actor.HallCode;
        }

        if (submission.Channel == CaseChannel.Window && hall is null)
        {
            return Fail(CaseFailureKind.InvalidCommand, "窗口申请须注明收件大厅 (a window application needs receivingHallCode)");
        }

        if (MaterialsProblem(submission.Materials) is { } problem)
        {
            return Fail(CaseFailureKind.InvalidCommand, problem);
        }

        if (TextProblem(submission.Comment, "comment") is { } commentProblem)
        {
            return Fail(CaseFailureKind.InvalidCommand, commentProblem);
        }

        if (!Item.ProvinceWide && hall is not null && !RegionRules.Covers(submission.RegionCode, hall.Length >= 6 ? hall[..6] : hall))
        {
            return Fail(CaseFailureKind.RuleViolation,
                $"“{Item.Name}”不是全省通办事项，须到属地大厅办理 (this item is not province-wide: apply at a hall of region {submission.RegionCode})");
        }

        var handedIn = actor.Role == CaseRole.Clerk ? submission.Materials : [.. submission.Materials.Select(m => m with { OriginalVerified = false })];
        var materials = Merge([], handedIn);
        var state = new CaseState(
            submission.CaseNo.Value,
            Item.Code,
            submission.ItemBatch,
            CaseStatus.Submitted,
            1,
            submission.ApplicantKey,
            submission.Channel,
            Item.DepartmentCode,
            submission.RegionCode,
            hall,
            materials,
            CheckMaterials(materials),
            now,
            now)
        {
            CrossProvince = submission.CrossProvince,
        };
        var entry = Entry(state, null, null, actor, now, null, submission.Comment, state.Gaps, null) with
        {
            CrossProvince = submission.CrossProvince is { } link
                ? new CrossProvinceStep("received", link.PartnerCode, link.PartnerName, link.TransferId, $"{link.PartnerName}转入（对方编号 {link.TransferId}）")
                : null,
        };
        return new CaseTransitionResult(state, entry, null);
    }

    /// <summary>
    /// Applies <paramref name="command"/> at <paramref name="now"/>. Checks, in this order: version
    /// (409), role (403), status (409 with the allowed actions), the actor's hall / department and
    /// region / identity (403), required fields (400), domain rules (422). On success the new state
    /// has version + 1 and the entry records the step.
    /// </summary>
    /// <exception cref="ArgumentException">The state belongs to another item (a wiring error, not a user error).</exception>
    /// <param name="heldRights">
    /// The 授权信任 rights the acting clerk holds over this case now (asked of the grantors by the caller when
    /// <see cref="DelegationRules.RightsNeeded"/> is not empty); a clerk who does not own the step needs them all.
    /// </param>
    public CaseTransitionResult Apply(CaseState current, CaseCommand command, DateTimeOffset now, IReadOnlyCollection<GrantRight>? heldRights = null)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(command.Actor);
        if (!string.Equals(current.ItemCode, Item.Code, StringComparison.Ordinal))
        {
            throw new ArgumentException($"Case {current.CaseNo} is for item {current.ItemCode}, not {Item.Code}.", nameof(current));
        }

        var action = command.Action;
        var actor = command.Actor;
        var allowed = AllowedActions(current);
        CaseTransitionResult Fail(CaseFailureKind kind, string message) =>
            new(null, null, new CaseFailure(kind, message, current.Status, current.Version, allowed));

        if (command.ExpectedVersion != current.Version)
        {
            return Fail(CaseFailureKind.VersionConflict,
                $"办件已被更新（当前版本 {current.Version}），请刷新后重试 (version conflict: expected {command.ExpectedVersion}, current {current.Version})");
        }

        var role = RoleFor(action);
        if (actor.Role != role)
        {
            return Fail(CaseFailureKind.Forbidden,
                $"角色 {CaseNames.Of(actor.Role)} 不能执行“{CaseNames.Chinese(action)}” (only the {CaseNames.Of(role)} role may {CaseNames.Of(action)})");
        }

        if (!allowed.Contains(action))
        {
            var again = action == CaseAction.NotifyMissing && current.Notice is not null && Transitions[current.Status].Contains(action);
            var list = allowed.Count == 0 ? "无" : string.Join(", ", allowed.Select(CaseNames.Of));
            return Fail(CaseFailureKind.ActionNotAllowed, again
                ? $"本件已一次性告知，不能再次告知，请受理或不予受理；允许的操作：{list} (a one-time notice was already issued for this case)"
                : $"当前状态“{CaseNames.Chinese(current.Status)}”不能执行“{CaseNames.Chinese(action)}”；允许的操作：{list} ({CaseNames.Of(action)} is not allowed in status {CaseNames.Of(current.Status)})");
        }

        var needed = DelegationRules.RightsNeeded(current, command, Item);
        if (needed.Count > 0)
        {
            if (DelegationRules.Missing(needed, heldRights) is { } missing)
            {
                var owner = current.ReceivingHallCode is { } receiving ? $"{receiving} 收件" : $"{current.RegionCode} {current.DepartmentCode} 属地";
                return new(null, null, new CaseFailure(
                    CaseFailureKind.Forbidden,
                    $"缺少{GrantRights.Chinese(missing)}：本件由{owner}，须经收件大厅或属地部门授权 (missing right {GrantRights.Of(missing)}: acting for another hall or region needs a grant in force)",
                    current.Status, current.Version, allowed, missing));
            }
        }
        else if (ScopeProblem(current, actor) is { } scope)
        {
            return Fail(CaseFailureKind.Forbidden, scope);
        }

        if ((TextProblem(command.Reason, "reason") ?? TextProblem(command.Comment, "comment")) is { } text)
        {
            return Fail(CaseFailureKind.InvalidCommand, text);
        }

        if (action is CaseAction.Reject or CaseAction.Deny or CaseAction.Suspend && string.IsNullOrWhiteSpace(command.Reason))
        {
            return Fail(CaseFailureKind.InvalidCommand, $"“{CaseNames.Chinese(action)}”须填写理由 (a reason is required for {CaseNames.Of(action)})");
        }

        var today = CaseState.ChinaDate(now);
        var next = current with { Version = current.Version + 1, UpdatedAt = now };
        IReadOnlyList<MaterialGap> entryMaterials = [];
        CaseDelivery? delivery = null;

        switch (action)
        {
            case CaseAction.Receive:
                if (command.Materials is { } handedIn && MaterialsProblem(handedIn) is { } materialProblem)
                {
                    return Fail(CaseFailureKind.InvalidCommand, materialProblem);
                }

                var merged = Merge(current.Materials, command.Materials ?? []);
                next = next with
                {
                    Status = CaseStatus.Received,
                    Materials = merged,
                    Gaps = CheckMaterials(merged),
                    ReceivingHallCode = current.ReceivingHallCode ?? actor.HallCode,
                };
                entryMaterials = next.Gaps;
                break;

            case CaseAction.Accept:
                if (current.Gaps.Count > 0)
                {
                    if (!command.DeferredMaterialsPromised)
                    {
                        return Fail(CaseFailureKind.RuleViolation,
                            $"材料不齐全（{string.Join("、", current.Gaps.Select(Describe))}），请一次性告知或按容缺受理 (materials are incomplete: issue a one-time notice, or accept with a deferral promise where the item allows it)");
                    }

                    if (!Item.AllowsDeferredMaterials)
                    {
                        return Fail(CaseFailureKind.RuleViolation, $"“{Item.Name}”不适用容缺受理 (this item does not allow deferred materials)");
                    }
                }

                next = next with
                {
                    Status = CaseStatus.Accepted,
                    AcceptedOn = today,
                    LimitWorkingDays = Item.PromisedLimitDays,
                    Suspensions = [],
                    DeferredMaterials = current.Gaps,
                };
                entryMaterials = current.Gaps;
                break;

            case CaseAction.Reject:
                next = next with { Status = CaseStatus.NotAccepted, RejectionReason = command.Reason };
                break;

            case CaseAction.NotifyMissing:
                if (NoticeProblem(current, command.MissingMaterials) is { } notice)
                {
                    return Fail(notice.Kind, notice.Message);
                }

                next = next with { Status = CaseStatus.OneTimeNotice, Notice = new MissingMaterialsNotice(now, command.MissingMaterials!) };
                entryMaterials = command.MissingMaterials!;
                break;

            case CaseAction.StartReview:
                next = next with { Status = CaseStatus.UnderReview };
                break;

            case CaseAction.Approve:
                next = next with { Status = CaseStatus.Approved, Decision = new CaseDecision(true, command.Reason, now) };
                break;

            case CaseAction.Deny:
                next = next with { Status = CaseStatus.Denied, Decision = new CaseDecision(false, command.Reason, now) };
                break;

            case CaseAction.Complete:
                next = next with { Status = CaseStatus.Completed, CompletedAt = now };
                break;

            case CaseAction.Deliver:
                if (DeliveryProblem(command) is { } deliveryProblem)
                {
                    return Fail(CaseFailureKind.InvalidCommand, deliveryProblem);
                }

                delivery = new CaseDelivery(command.DeliveryMethod!.Value, NormaliseTracking(command.TrackingNumber), actor.HallCode, now);
                next = next with { Status = CaseStatus.Delivered, Delivery = delivery };
                break;

            case CaseAction.Suspend:
                var clock = current.Clock() ?? throw new InvalidOperationException($"Case {current.CaseNo} is {current.Status} but has no acceptance date.");
                next = next with
                {
                    Status = CaseStatus.Suspended,
                    ResumeTo = current.Status,
                    Suspensions = clock.Suspend(ClockDay(clock, today), command.Reason).Suspensions,
                };
                break;

            case CaseAction.Resume:
                var stopped = current.Clock() ?? throw new InvalidOperationException($"Case {current.CaseNo} is suspended but has no acceptance date.");
                next = next with
                {
                    Status = current.ResumeTo ?? throw new InvalidOperationException($"Case {current.CaseNo} is suspended without a status to resume to."),
                    ResumeTo = null,
                    Suspensions = stopped.Resume(ClockDay(stopped, today)).Suspensions,
                };
                break;

            case CaseAction.Withdraw:
                // A withdrawal ends an open 补正 period too, so the stored clock is consistent.
                var running = current.Clock();
                next = next with
                {
                    Status = CaseStatus.Withdrawn,
                    WithdrawnAt = now,
                    ResumeTo = null,
                    Suspensions = running is { IsSuspended: true } ? running.Resume(ClockDay(running, today)).Suspensions : current.Suspensions,
                };
                break;

            default:
                throw new ArgumentOutOfRangeException(nameof(command), action, "Unknown action.");
        }

        return new CaseTransitionResult(next, Entry(next, action, current.Status, actor, now, command.Reason, command.Comment, entryMaterials, delivery), null);
    }

    private static CaseTimelineEntry Entry(
        CaseState state, CaseAction? action, CaseStatus? from, CaseActor actor, DateTimeOffset now, string? reason, string? comment, IReadOnlyList<MaterialGap> materials, CaseDelivery? delivery) =>
        new(state.CaseNo, state.Version, action, from, state.Status, now, actor.Id, actor.Role, actor.Name, actor.HallCode, actor.WindowNo,
            actor.DepartmentCode, actor.RegionCode, reason, comment, materials, delivery);

    /// <summary>Clerks act at the receiving hall; approvers for the case's department and region; a citizen only on their own case.</summary>
    private static string? ScopeProblem(CaseState current, CaseActor actor)
    {
        switch (actor.Role)
        {
            case CaseRole.Clerk:
                if (string.IsNullOrEmpty(actor.HallCode))
                {
                    return "窗口人员未绑定大厅 (the clerk's token names no hall)";
                }

                // Online applications have no hall until a clerk receives them; from then on the
                // receiving hall owns the window steps (授权 to other halls is the security issue's).
                return current.ReceivingHallCode is { } hall && hall != actor.HallCode
                    ? $"本件由 {hall} 收件，其他大厅不能办理 (only clerks of the receiving hall may act on this case)"
                    : null;

            case CaseRole.Approver:
                return actor.DepartmentCode == current.DepartmentCode && actor.RegionCode == current.RegionCode
                    ? null
                    : $"本件由 {current.RegionCode} 的 {current.DepartmentCode} 部门审批 (only approvers of department {current.DepartmentCode} in region {current.RegionCode} may act)";

            case CaseRole.Citizen:
                return KeyedHash.Same(actor.Id, current.ApplicantKey) ? null : "只有申请人本人可以撤回 (only the applicant may withdraw)";

            default:
                return null;
        }
    }

    private (CaseFailureKind Kind, string Message)? NoticeProblem(CaseState current, IReadOnlyList<MaterialGap>? listed)
    {
        if (listed is null || listed.Count == 0)
        {
            return (CaseFailureKind.InvalidCommand, "一次性告知须列明所缺材料 (missingMaterials must list at least one material)");
        }

        var unknown = listed.Where(g => Item.Material(g.MaterialId) is null).Select(g => g.MaterialId).ToArray();
        if (unknown.Length > 0)
        {
            return (CaseFailureKind.InvalidCommand, $"不是本事项的材料：{string.Join(", ", unknown)} (not materials of item {Item.Code})");
        }

        if (listed.GroupBy(g => g.MaterialId, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } duplicate)
        {
            return (CaseFailureKind.InvalidCommand, $"材料 {duplicate.Key} 重复列出 (material listed twice)");
        }

        if (listed.Any(g => g.Note is { Length: > MaxTextLength }))
        {
            return (CaseFailureKind.InvalidCommand, $"说明过长 (a note is longer than {MaxTextLength} characters)");
        }

        var omitted = current.Gaps.Where(g => !listed.Any(l => l.MaterialId == g.MaterialId)).ToArray();
        return omitted.Length > 0
            ? (CaseFailureKind.RuleViolation, $"一次性告知须列全所有缺少或不合格的材料，遗漏：{string.Join("、", omitted.Select(Describe))} (the notice must list every gap found on receipt)")
            : null;
    }

    private string Describe(MaterialGap gap) => Item.Material(gap.MaterialId)?.Name ?? gap.MaterialId;

    private string? MaterialsProblem(IReadOnlyList<SubmittedMaterial> materials)
    {
        if (materials.GroupBy(m => m.MaterialId, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } duplicate)
        {
            return $"材料 {duplicate.Key} 重复提交 (material {duplicate.Key} is listed twice)";
        }

        foreach (var given in materials)
        {
            var required = Item.Material(given.MaterialId);
            if (required is null)
            {
                return $"不是本事项的材料：{given.MaterialId} (not a material of item {Item.Code})";
            }

            if (given.Copies < 0)
            {
                return $"材料份数不能为负：{required.Name} (copies cannot be negative)";
            }

            if (given.ELicence is { } licence)
            {
                if (required.ReplaceableBy != licence.Type)
                {
                    return required.ReplaceableBy is { } accepted
                        ? $"“{required.Name}”只能以{CatalogueNames.Of(accepted)}电子证照代替 (only a {accepted} e-licence can replace this material)"
                        : $"“{required.Name}”不能以电子证照代替 (this material cannot be replaced by an e-licence)";
                }

                if (string.IsNullOrWhiteSpace(licence.LicenceNumber) || licence.LicenceNumber.Length > 128)
                {
                    return $"电子证照标识无效：{required.Name} (the e-licence citation needs its licence number)";
                }
            }
        }

        return null;
    }

    private static IReadOnlyList<SubmittedMaterial> Merge(IReadOnlyList<SubmittedMaterial> existing, IReadOnlyList<SubmittedMaterial> handedIn)
    {
        var merged = existing.ToDictionary(m => m.MaterialId, StringComparer.Ordinal);
        foreach (var material in handedIn)
        {
            merged[material.MaterialId] = material;
        }

        return [.. merged.Values.OrderBy(m => m.MaterialId, StringComparer.Ordinal)];
    }

    private static string? TextProblem(string? text, string field) =>
        text is { Length: > MaxTextLength } ? $"{field} 过长 ({field} is longer than {MaxTextLength} characters)" : null;

    private static string? DeliveryProblem(CaseCommand command)
    {
        switch (command.DeliveryMethod)
        {
            case null:
                return "送达须注明方式：pickup、ems 或 electronic (deliveryMethod is required)";
            case DeliveryMethod.Ems:
                var tracking = NormaliseTracking(command.TrackingNumber);
                return tracking is not null && (DomesticTracking().IsMatch(tracking) || UpuTracking().IsMatch(tracking))
                    ? null
                    : "EMS 送达须填写有效的邮件号（13位数字，或如 EA123456789CN） (ems needs a tracking number: 13 digits or the UPU S10 form)";
            default:
                return command.TrackingNumber is null ? null : "只有 EMS 送达需要邮件号 (trackingNumber applies to ems only)";
        }
    }

    private static string? NormaliseTracking(string? tracking) =>
        tracking is null ? null : new string([.. tracking.Where(c => !char.IsWhiteSpace(c)).Select(char.ToUpperInvariant)]);

    /// <summary>
    /// The day to record on the clock: today, but never before the last date it holds (acceptance or
    /// the last suspension boundary), so a silo clock a little behind cannot corrupt the clock.
    /// </summary>
    private static DateOnly ClockDay(DeadlineClock clock, DateOnly today)
    {
        var floor = clock.AcceptedOn;
        foreach (var s in clock.Suspensions)
        {
            floor = Max(floor, Max(s.Start, s.End ?? s.Start));
        }

        return Max(floor, today);

        static DateOnly Max(DateOnly a, DateOnly b) => a > b ? a : b;
    }

    // Domestic EMS / China Post parcels: 13 digits; international and some domestic EMS: UPU S10 (EA123456789CN).
    [GeneratedRegex("^[0-9]{13}$")]
    private static partial Regex DomesticTracking();

    [GeneratedRegex("^[A-Z]{2}[0-9]{9}[A-Z]{2}$")]
    private static partial Regex UpuTracking();
}
