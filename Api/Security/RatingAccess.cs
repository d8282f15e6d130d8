using System.Security.Claims;
using TongBan.Grains.Regions;
using TongBan.Grains.Cases;
using TongBan.Grains.Identity;
using TongBan.Grains.Ratings;

namespace TongBan.Api.Security;

/// <summary>Who may see a rating and the staff figures of 好差评.</summary>
public static class RatingAccess
{
    /// <summary>Clerk figures: the clerk, hall managers, supervisors, admins. Window figures: staff of that hall, supervisors, admins.</summary>
    public static bool MaySeeStaffRatingFigures(this ClaimsPrincipal user, string scope, string id)
    {
        if (user.IsInRole(Roles.Admin) || user.IsInRole(Roles.Supervisor))
        {
            return true;
        }

        if (scope == RatingScopes.Clerk)
        {
            return user.IsInRole(Roles.HallManager) || (user.IsInRole(Roles.Clerk) && user.Claim(TongBanClaims.Subject) == id);
        }

        var hall = id[..id.LastIndexOf('/')];
        return user.MaySeeHallInternals(hall);
    }

    /// <summary>A rating is seen by staff answerable for it and by its rater (case applicant); others get 404.</summary>
    public static bool MaySeeRating(this ClaimsPrincipal user, RatingRecord r, PersonalDataProtector protector)
    {
        var s = r.Subject;
        if (user.IsInRole(Roles.Admin))
        {
            return true;
        }

        if (user.IsInRole(Roles.Supervisor))
        {
            return user.Claim(TongBanClaims.RegionCode) is { } region && RegionRules.Covers(region, s.RegionCode);
        }

        if (user.IsInRole(Roles.HallManager))
        {
            return s.HallCode is not null && user.Claim(TongBanClaims.HallCode) == s.HallCode;
        }

        if (user.IsInRole(Roles.Approver))
        {
            return s.DepartmentCode is not null && user.Claim(TongBanClaims.DepartmentCode) == s.DepartmentCode && user.Claim(TongBanClaims.RegionCode) == s.RegionCode;
        }

        return user.IsInRole(Roles.Citizen) && r.RaterKey is not null &&
               protector.Hash.IsResidentId(r.RaterKey, user.Claim(TongBanClaims.Subject) ?? string.Empty);
    }
}
