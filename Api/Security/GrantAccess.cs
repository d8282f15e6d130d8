using System.Security.Claims;
using TongBan.Grains.Authorisation;

namespace TongBan.Api.Security;

/// <summary>Who may give, revoke and list 授权信任 grants.</summary>
public static class GrantAccess
{
    /// <summary>Who may grant and revoke for a grantor: its hall manager, an approver of that department and region, an admin.</summary>
    public static bool MayManageGrants(this ClaimsPrincipal user, Grantor grantor) =>
        user.IsInRole(Roles.Admin) ||
        (grantor.HallCode is { } hall && user.IsInRole(Roles.HallManager) && user.Claim(TongBanClaims.HallCode) == hall) ||
        (grantor.DepartmentCode is { } department && user.IsInRole(Roles.Approver) &&
         user.Claim(TongBanClaims.DepartmentCode) == department && user.Claim(TongBanClaims.RegionCode) == grantor.RegionCode);

    /// <summary>Admins and supervisors list any grantor's grants.</summary>
    public static bool MaySeeAllGrants(this ClaimsPrincipal user) => user.IsInRole(Roles.Admin) || user.IsInRole(Roles.Supervisor);
}
