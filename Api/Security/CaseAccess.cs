using System.Security.Claims;
using TongBan.Grains.Regions;
using TongBan.Grains.Cases;
using TongBan.Grains.Identity;

namespace TongBan.Api.Security;

/// <summary>Who may see a case: used by the case, hotline, credit, licence, seal and notification endpoints and the live hub.</summary>
public static class CaseAccess
{
    /// <summary>
    /// Resource check for reading a case: the applicant; clerks and managers of its receiving hall;
    /// approvers of its department in its region; supervisors over its region; admins. Clerks may
    /// also see unreceived online cases (they receive them remotely).
    /// </summary>
    public static bool MaySeeCase(this ClaimsPrincipal user, CaseView view, PersonalDataProtector protector)
    {
        var s = view.State;
        if (user.IsInRole(Roles.Admin))
        {
            return true;
        }

        if (user.IsInRole(Roles.Citizen))
        {
            return protector.Hash.IsResidentId(s.ApplicantKey, user.Claim(TongBanClaims.Subject) ?? string.Empty);
        }

        if (user.IsInRole(Roles.Clerk) || user.IsInRole(Roles.HallManager))
        {
            return s.ReceivingHallCode is null ? user.IsInRole(Roles.Clerk) : user.Claim(TongBanClaims.HallCode) == s.ReceivingHallCode;
        }

        if (user.IsInRole(Roles.Approver))
        {
            return user.Claim(TongBanClaims.DepartmentCode) == s.DepartmentCode && user.Claim(TongBanClaims.RegionCode) == s.RegionCode;
        }

        return user.IsInRole(Roles.Supervisor) && user.Claim(TongBanClaims.RegionCode) is { } region && RegionRules.Covers(region, s.RegionCode);
    }
}
