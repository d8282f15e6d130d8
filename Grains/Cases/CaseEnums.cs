namespace TongBan.Grains.Cases;

/// <summary>
/// Where a case (办件) stands. Wire names are the camelCase member names (<c>oneTimeNotice</c>);
/// see <see cref="CaseNames"/>.
/// </summary>
public enum CaseStatus
{
    /// <summary>申请: submitted online or at a window, not yet received by a clerk.</summary>
    Submitted,

    /// <summary>收件: a clerk has the materials and has checked them against the item's list.</summary>
    Received,

    /// <summary>受理: accepted; the deadline clock runs from the end of this day.</summary>
    Accepted,

    /// <summary>不予受理 (terminal): refused with a reason.</summary>
    NotAccepted,

    /// <summary>一次性告知: every missing or defective material was told at once; waiting for the applicant.</summary>
    OneTimeNotice,

    /// <summary>审查: the competent department (属地部门) is reviewing.</summary>
    UnderReview,

    /// <summary>补正/暂停: the clock is stopped, waiting for supplements; resumes to the status it left.</summary>
    Suspended,

    /// <summary>准予 (批准): decided in the applicant's favour.</summary>
    Approved,

    /// <summary>不予批准: decided against, with reasons.</summary>
    Denied,

    /// <summary>办结: the decision is final and the result (or the refusal) is ready to hand over.</summary>
    Completed,

    /// <summary>送达 (terminal): the result was handed over, posted or issued electronically.</summary>
    Delivered,

    /// <summary>撤回 (terminal): withdrawn by the applicant before a decision.</summary>
    Withdrawn,
}

/// <summary>The transitions of <c>POST /api/cases/{caseNo}/transitions</c>; wire names exactly as API.md.</summary>
public enum CaseAction
{
    /// <summary>收件 (also: receive the supplements after a one-time notice).</summary>
    Receive,

    /// <summary>受理</summary>
    Accept,

    /// <summary>不予受理 (reason required)</summary>
    Reject,

    /// <summary>一次性告知 (material list required; once per case)</summary>
    NotifyMissing,

    /// <summary>开始审查</summary>
    StartReview,

    /// <summary>准予</summary>
    Approve,

    /// <summary>不予批准 (reason required)</summary>
    Deny,

    /// <summary>办结</summary>
    Complete,

    /// <summary>送达 (delivery method required)</summary>
    Deliver,

    /// <summary>补正/暂停计时 (reason required)</summary>
    Suspend,

    /// <summary>恢复计时</summary>
    Resume,

    /// <summary>申请人撤回</summary>
    Withdraw,
}

/// <summary>
/// Roles as carried in the token's <c>role</c> claim (same names as the Api's <c>Roles</c> constants;
/// Grains do not reference Api, so the names are repeated here and a test keeps them aligned).
/// </summary>
public enum CaseRole
{
    /// <summary>办事群众、企业</summary>
    Citizen,

    /// <summary>窗口人员</summary>
    Clerk,

    /// <summary>后台审批人员</summary>
    Approver,

    /// <summary>大厅负责人 (reads cases, does not transition them)</summary>
    HallManager,

    /// <summary>12345 热线坐席 (reads masked cases and urges; no transitions)</summary>
    HotlineAgent,

    /// <summary>监管人员 (reads; no transitions)</summary>
    Supervisor,

    /// <summary>系统管理员: no case transitions by default (separation of duties; see CASE_RULES.md)</summary>
    Admin,
}

/// <summary>How the result is handed over (送达方式).</summary>
public enum DeliveryMethod
{
    /// <summary>就近打证: collected at the receiving hall.</summary>
    Pickup,

    /// <summary>EMS post, with a tracking number (快递跑 instead of 群众跑).</summary>
    Ems,

    /// <summary>Issued to the applicant's e-licence wallet (电子证照).</summary>
    Electronic,
}

/// <summary>Where an application came in.</summary>
public enum CaseChannel
{
    /// <summary>At a hall window (窗口).</summary>
    Window,

    /// <summary>贵州政务服务网 (web portal).</summary>
    Online,

    /// <summary>Mobile app (云上贵州多彩宝).</summary>
    Mobile,

    /// <summary>24h self-service terminal (自助终端).</summary>
    SelfService,
}

/// <summary>What is wrong with one material.</summary>
public enum MaterialProblem
{
    /// <summary>Not handed in (缺少).</summary>
    Missing,

    /// <summary>The original must be checked and was not (原件未核验).</summary>
    OriginalNotVerified,

    /// <summary>Fewer copies than the item requires (份数不足).</summary>
    TooFewCopies,

    /// <summary>Handed in but unusable in the clerk's judgement: illegible, expired, wrong person (不符合要求).</summary>
    Defective,
}

/// <summary>Exact wire names (camelCase) and strict parsing: <see cref="Enum.TryParse{TEnum}(string?, out TEnum)"/> would accept "1" or "RECEIVE".</summary>
public static class CaseNames
{
    public static string Of(CaseAction action) => Camel(action.ToString());

    public static string Of(CaseStatus status) => Camel(status.ToString());

    public static string Of(CaseRole role) => Camel(role.ToString());

    public static string Of(DeliveryMethod method) => Camel(method.ToString());

    public static string Of(CaseChannel channel) => Camel(channel.ToString());

    public static bool TryParse(string? text, out CaseAction action) => TryParseExact(text, out action);

    public static bool TryParse(string? text, out CaseRole role) => TryParseExact(text, out role);

    public static bool TryParse(string? text, out DeliveryMethod method) => TryParseExact(text, out method);

    public static bool TryParse(string? text, out CaseChannel channel) => TryParseExact(text, out channel);

    /// <summary>Chinese label for timelines and messages.</summary>
    public static string Chinese(CaseStatus status) => status switch
    {
        CaseStatus.Submitted => "已申请",
        CaseStatus.Received => "已收件",
        CaseStatus.Accepted => "已受理",
        CaseStatus.NotAccepted => "不予受理",
        CaseStatus.OneTimeNotice => "已一次性告知",
        CaseStatus.UnderReview => "审查中",
        CaseStatus.Suspended => "补正中（暂停计时）",
        CaseStatus.Approved => "准予",
        CaseStatus.Denied => "不予批准",
        CaseStatus.Completed => "已办结",
        CaseStatus.Delivered => "已送达",
        CaseStatus.Withdrawn => "已撤回",
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    public static string Chinese(CaseAction action) => action switch
    {
        CaseAction.Receive => "收件",
        CaseAction.Accept => "受理",
        CaseAction.Reject => "不予受理",
        CaseAction.NotifyMissing => "一次性告知",
        CaseAction.StartReview => "开始审查",
        CaseAction.Approve => "准予",
        CaseAction.Deny => "不予批准",
        CaseAction.Complete => "办结",
        CaseAction.Deliver => "送达",
        CaseAction.Suspend => "补正（暂停计时）",
        CaseAction.Resume => "恢复计时",
        CaseAction.Withdraw => "撤回",
        _ => throw new ArgumentOutOfRangeException(nameof(action)),
    };

    private static string Camel(string name) => char.ToLowerInvariant(name[0]) + name[1..];

    private static bool TryParseExact<T>(string? text, out T value)
        where T : struct, Enum
    {
        foreach (var candidate in Enum.GetValues<T>())
        {
            if (string.Equals(Camel(candidate.ToString()), text, StringComparison.Ordinal))
            {
                value = candidate;
                return true;
            }
        }

        value = default;
        return false;
    }
}
