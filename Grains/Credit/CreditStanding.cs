using TongBan.Grains.Cases;

namespace TongBan.Grains.Credit;

/// <summary>An applicant's credit standing (信用状况), as the deployment's credit source or an admin sets it.</summary>
public enum CreditStanding
{
    /// <summary>信用良好 (守信): no record of broken promises or false materials; 容缺受理 is open to them.</summary>
    Good,

    /// <summary>一般: e.g. a recent broken promise; applies with complete materials only.</summary>
    Normal,

    /// <summary>失信 (listed as dishonest): false materials found, or listed by the credit source.</summary>
    Dishonest,
}

/// <summary>One audited change of standing (who, when, why, from the credit source or a case finding).</summary>
/// <param name="Source"><c>admin</c>, <c>falseMaterials:{caseNo}</c> or <c>reversal:{caseNo}</c>.</param>
[GenerateSerializer, Immutable]
public sealed record CreditChange(
    [property: Id(0)] int Seq,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] CreditStanding From,
    [property: Id(3)] CreditStanding To,
    [property: Id(4)] string Reason,
    [property: Id(5)] string ActorId,
    [property: Id(6)] CaseRole Role,
    [property: Id(7)] string Source);

/// <summary>A requested change; <see cref="Reason"/> is required.</summary>
/// <param name="Across">The person's standing across all their keyed hashes (<see cref="ApplicantCredit.Merge"/>) when the
/// caller knows it: the no-op check and the recorded <see cref="CreditChange.From"/> use it, so a rehabilitation under the
/// HMAC-SM3 key of someone listed under the HMAC-SHA256 key is recorded, not skipped as "already good".</param>
[GenerateSerializer, Immutable]
public sealed record CreditChangeRequest(
    [property: Id(0)] CreditStanding To,
    [property: Id(1)] string Reason,
    [property: Id(2)] string ActorId,
    [property: Id(3)] CaseRole Role,
    [property: Id(4)] string Source = "admin",
    [property: Id(5)] CreditStanding? Across = null);

/// <summary>Standing now and its audited history.</summary>
[GenerateSerializer, Immutable]
public sealed record CreditView(
    [property: Id(0)] CreditStanding Standing,
    [property: Id(1)] IReadOnlyList<CreditChange> History,
    [property: Id(2)] bool HistoryValid);

/// <summary>Credit rules: who may be accepted with deferred materials, what a change must carry. Pure.</summary>
public static class CreditRules
{
    public const int MaxReasonLength = 500;

    /// <summary>
    /// Standing of an applicant the credit source has said nothing about: good. Under 信用承诺制 an
    /// applicant is trusted until a record says otherwise; the dishonest list is what bars 容缺.
    /// </summary>
    public const CreditStanding Unrecorded = CreditStanding.Good;

    /// <summary>容缺受理 only for applicants in good standing (task 17).</summary>
    public static bool MayDefer(CreditStanding standing) => standing == CreditStanding.Good;

    public static string Chinese(CreditStanding standing) => standing switch
    {
        CreditStanding.Good => "信用良好",
        CreditStanding.Normal => "信用一般",
        CreditStanding.Dishonest => "失信",
        _ => standing.ToString(),
    };

    /// <summary>Why a change may not be made, or null.</summary>
    public static string? Problem(CreditChangeRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrWhiteSpace(request.Reason))
        {
            return "须填写理由 (a reason is required)";
        }

        if (request.Reason.Length > MaxReasonLength)
        {
            return $"理由过长 (the reason is longer than {MaxReasonLength} characters)";
        }

        return request.Role is CaseRole.Admin or CaseRole.Approver
            ? null
            : "只有管理员（或作出虚假材料认定的审批部门）可以变更信用状况 (only an admin, or the deciding department on a finding, changes standing)";
    }
}
