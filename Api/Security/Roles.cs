namespace TongBan.Api.Security;

/// <summary>Role names carried in the <c>role</c> claim of a TongBan token.</summary>
public static class Roles
{
    /// <summary>办事群众、企业: subject is the resident ID number.</summary>
    public const string Citizen = "citizen";

    /// <summary>窗口人员: scoped by hallCode (and windowNo at a window).</summary>
    public const string Clerk = "clerk";

    /// <summary>后台审批人员: scoped by departmentCode + regionCode.</summary>
    public const string Approver = "approver";

    /// <summary>大厅负责人: scoped by hallCode.</summary>
    public const string HallManager = "hallManager";

    /// <summary>12345 热线坐席.</summary>
    public const string HotlineAgent = "hotlineAgent";

    /// <summary>监管人员 (city or province): scoped by regionCode.</summary>
    public const string Supervisor = "supervisor";

    public const string Admin = "admin";

    /// <summary>
    /// 导服人员 (引导员) at a hall's reception desk: scoped by hallCode. Issues tickets for people in the hall, and alone with
    /// clerks and the hall manager may grant a priority (绿色通道、帮办代办); works no window and sees no case.
    /// </summary>
    public const string Guide = "guide";

    public static readonly IReadOnlyList<string> All =
        [Citizen, Clerk, Approver, HallManager, HotlineAgent, Supervisor, Admin, Guide];
}

/// <summary>Claim names TongBan reads from tokens (short JWT names, no inbound mapping).</summary>
public static class TongBanClaims
{
    public const string Subject = "sub";
    public const string Role = "role";
    public const string HallCode = "hallCode";
    public const string WindowNo = "windowNo";
    public const string DepartmentCode = "departmentCode";
    public const string RegionCode = "regionCode";

    /// <summary>
    /// A priority the identity provider (the province's 统一身份认证) has verified for a citizen, e.g. from the disability
    /// register or the age in the ID: <c>greenChannel</c> (老年人、残疾人、孕妇 绿色通道) or <c>assisted</c> (帮办代办); one claim
    /// per class. A citizen may take a ticket of a priority only with this claim; never self-declared.
    /// </summary>
    public const string PriorityClass = "priorityClass";
}

/// <summary>
/// Authorization policy names. Every endpoint declares one of these or <c>AllowAnonymous</c>;
/// the fallback policy (authenticated user) catches anything that forgets.
/// </summary>
public static class Policies
{
    public const string Admin = "admin";

    /// <summary>Any signed-in user of any role; the endpoint then checks the resource (e.g. a citizen's own case).</summary>
    public const string Authenticated = "authenticated";

    /// <summary>Any staff role: clerk, approver, hall manager, hotline agent, supervisor, admin.</summary>
    public const string Staff = "staff";

    /// <summary>Operators who may change a hall's service status: its hall manager, a supervisor, an admin.</summary>
    public const string HallOperations = "hallOperations";

    /// <summary>Who may work a window: a clerk (of that hall and window, checked per request), the hall manager, an admin.</summary>
    public const string WindowOperations = "windowOperations";
}
