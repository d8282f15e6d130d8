using TongBan.Grains.Cases;
using TongBan.Grains.Catalogue;
using TongBan.Grains.Regions;

namespace TongBan.Grains.Authorisation;

/// <summary>
/// Pure rules of 授权信任: which right a clerk needs to act on a case they do not own, which grantors can give it,
/// whether a set of grants holds it at a given time, and what a well-formed grant is. See AUTHORISATION.md.
/// </summary>
public static class DelegationRules
{
    public const int MaxReasonLength = 500;

    public const int MaxItemCodes = 100;

    /// <summary>Longest validity a single grant may have; trust is re-granted, not given forever.</summary>
    public static readonly TimeSpan MaxValidity = TimeSpan.FromDays(366 * 3);

    /// <summary>
    /// The rights a clerk needs for <paramref name="command"/> on <paramref name="state"/>, in the order they are
    /// checked; empty when the clerk owns the step (their hall received the case, or nobody has received it yet
    /// and the item is 全省通办 or the hall lies in the case's competent region), when the actor is not a clerk,
    /// or when the command would be refused before the scope check anyway (wrong role, wrong status).
    /// </summary>
    public static IReadOnlyList<GrantRight> RightsNeeded(CaseState state, CaseCommand command, ServiceItem item)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(item);
        var actor = command.Actor;
        if (actor.Role != CaseRole.Clerk || actor.HallCode is not { Length: >= 6 } hall ||
            CaseStateMachine.RoleFor(command.Action) != CaseRole.Clerk || !CaseStateMachine.AllowedActions(state).Contains(command.Action))
        {
            return [];
        }

        var owns = state.ReceivingHallCode is { } receiving
            ? string.Equals(receiving, hall, StringComparison.Ordinal)
            : item.ProvinceWide || RegionRules.Covers(state.RegionCode, hall[..6]);
        return owns ? [] : RightsFor(command);
    }

    /// <summary>
    /// The action → right table (for a clerk who does not own the step): receive, accept and 不予受理 need 收件受理权;
    /// a receipt that vouches for an original also needs 原件核验权; a one-time notice needs 一次性告知权; delivery
    /// needs 审批结果送达权. Approver actions are the competent department's own and are not delegable.
    /// </summary>
    public static IReadOnlyList<GrantRight> RightsFor(CaseCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        return command.Action switch
        {
            CaseAction.Receive when command.Materials?.Any(m => m.OriginalVerified) == true => [GrantRight.ReceiveAccept, GrantRight.VerifyOriginals],
            CaseAction.Receive or CaseAction.Accept or CaseAction.Reject => [GrantRight.ReceiveAccept],
            CaseAction.NotifyMissing => [GrantRight.OneTimeNotice],
            CaseAction.Deliver => [GrantRight.DeliverResults],
            _ => [],
        };
    }

    /// <summary>Who can grant rights over a case: the hall that received it (once one has), and its competent department.</summary>
    public static IReadOnlyList<Grantor> GrantorsOf(CaseState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var department = Grantor.Department(state.DepartmentCode, state.RegionCode);
        return state.ReceivingHallCode is { } hall ? [Grantor.Hall(hall), department] : [department];
    }

    /// <summary>True when <paramref name="grant"/> is in force at <paramref name="at"/>: started, not expired, not revoked.</summary>
    public static bool InForce(Grant grant, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(grant);
        return grant.ValidFrom <= at && at < grant.ValidUntil && (grant.RevokedAt is null || at < grant.RevokedAt);
    }

    /// <summary>The rights that grants in force give a clerk of <paramref name="hallCode"/> over a case of <paramref name="itemCode"/>.</summary>
    public static IReadOnlySet<GrantRight> Held(IEnumerable<Grant> grants, string hallCode, string itemCode, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(grants);
        var held = new HashSet<GrantRight>();
        foreach (var grant in grants)
        {
            if (InForce(grant, at) && grant.Grantee.Covers(hallCode) &&
                (grant.ItemCodes.Count == 0 || grant.ItemCodes.Contains(itemCode, StringComparer.Ordinal)))
            {
                held.UnionWith(grant.Rights);
            }
        }

        return held;
    }

    /// <summary>The first needed right that is not held, or null when all are.</summary>
    public static GrantRight? Missing(IReadOnlyList<GrantRight> needed, IReadOnlyCollection<GrantRight>? held)
    {
        ArgumentNullException.ThrowIfNull(needed);
        foreach (var right in needed)
        {
            if (held is null || !held.Contains(right))
            {
                return right;
            }
        }

        return null;
    }

    /// <summary>Structural checks of a new grant (existence of halls, regions and items is the caller's); null when well-formed.</summary>
    public static string? Problem(Grant grant)
    {
        ArgumentNullException.ThrowIfNull(grant);
        if (string.IsNullOrWhiteSpace(grant.Id) || grant.Id.Length > 64 || !grant.Id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            return "授权编号须为1–64位字母、数字、-或_ (id has 1–64 letters, digits, '-' or '_')";
        }

        if ((grant.Grantor.HallCode is null) == (grant.Grantor.DepartmentCode is null || grant.Grantor.RegionCode is null))
        {
            return "授权方须为一个大厅，或一个部门及其行政区划 (the grantor is a hall, or a department with its region)";
        }

        if ((grant.Grantee.HallCode is null) == (grant.Grantee.RegionCode is null))
        {
            return "被授权方须为一个大厅或一个行政区划 (the grantee is a hall or a region)";
        }

        if (grant.Grantor.HallCode is { } hall && grant.Grantee.HallCode == hall)
        {
            return "不能授权给本大厅 (a hall cannot grant rights to itself)";
        }

        if (grant.Rights.Count == 0)
        {
            return "须至少授予一项权限 (rights must name at least one right)";
        }

        if (grant.Rights.Distinct().Count() != grant.Rights.Count)
        {
            return "权限重复 (a right is listed twice)";
        }

        if (grant.ItemCodes.Count > MaxItemCodes || grant.ItemCodes.Distinct(StringComparer.Ordinal).Count() != grant.ItemCodes.Count)
        {
            return $"事项至多{MaxItemCodes}项且不重复 (at most {MaxItemCodes} distinct item codes)";
        }

        if (grant.ValidUntil <= grant.ValidFrom)
        {
            return "有效期截止时间须晚于开始时间 (validUntil must be after validFrom)";
        }

        if (grant.ValidUntil - grant.ValidFrom > MaxValidity)
        {
            return "有效期过长，至多三年 (a grant is valid for at most three years)";
        }

        if (grant.ValidUntil <= grant.GrantedAt)
        {
            return "有效期已过 (validUntil is already past)";
        }

        return grant.Reason is { Length: > MaxReasonLength } ? $"理由过长 (reason is longer than {MaxReasonLength} characters)" : null;
    }
}
