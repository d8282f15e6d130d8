using System.Globalization;
using System.Security.Claims;
using TongBan.Grains.Cases;
using TongBan.Grains.Halls;
using TongBan.Grains.Regions;

namespace TongBan.Api.Security;

/// <summary>Resource checks on top of role policies: which hall and window a caller may act on or watch.</summary>
public static class HallAccess
{
    /// <summary>
    /// A clerk acts only in their hall and, when their token names a window (signed in at a window),
    /// only at that window; a hall manager anywhere in their hall; an admin anywhere.
    /// </summary>
    public static bool MayWorkWindow(this ClaimsPrincipal user, string hallCode, int windowNo)
    {
        if (user.IsInRole(Roles.Admin))
        {
            return true;
        }

        if (user.Claim(TongBanClaims.HallCode) != hallCode)
        {
            return false;
        }

        if (user.IsInRole(Roles.HallManager))
        {
            return true;
        }

        return user.IsInRole(Roles.Clerk) &&
               (user.Claim(TongBanClaims.WindowNo) is not { } signedIn || signedIn == windowNo.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// Staff who may issue tickets for people in a hall and grant them a priority: its guides (导服), clerks and hall
    /// manager, and admins.
    /// </summary>
    public static bool MayIssueHallTickets(this ClaimsPrincipal user, string hallCode) =>
        user.IsInRole(Roles.Admin) ||
        ((user.IsInRole(Roles.Guide) || user.IsInRole(Roles.Clerk) || user.IsInRole(Roles.HallManager)) && user.Claim(TongBanClaims.HallCode) == hallCode);

    /// <summary>Staff who may see a hall's internals (waiting lines): its clerks and manager, supervisors, admins.</summary>
    public static bool MaySeeHallInternals(this ClaimsPrincipal user, string hallCode) =>
        user.IsInRole(Roles.Admin) || user.IsInRole(Roles.Supervisor) ||
        ((user.IsInRole(Roles.Clerk) || user.IsInRole(Roles.HallManager)) && user.Claim(TongBanClaims.HallCode) == hallCode);

    /// <summary>Who may change a hall's status and hours: its manager, supervisors within its region, admins.</summary>
    public static bool MayOperateHall(this ClaimsPrincipal user, ServicePoint point, RegionCatalog regions)
    {
        if (user.IsInRole(Roles.Admin))
        {
            return true;
        }

        if (user.IsInRole(Roles.HallManager))
        {
            return user.Claim(TongBanClaims.HallCode) == point.Code;
        }

        return user.IsInRole(Roles.Supervisor) && user.Claim(TongBanClaims.RegionCode) is { } region && regions.IsWithin(point.RegionCode, region);
    }

    /// <summary>Who may watch a hall's case figures (overdue cases): its manager, supervisors over its region, admins.</summary>
    public static bool MayWatchHall(this ClaimsPrincipal user, ServicePoint hall)
    {
        if (user.IsInRole(Roles.Admin))
        {
            return true;
        }

        if (user.IsInRole(Roles.HallManager))
        {
            return user.Claim(TongBanClaims.HallCode) == hall.Code;
        }

        return user.IsInRole(Roles.Supervisor) && user.Claim(TongBanClaims.RegionCode) is { } region && RegionRules.Covers(region, hall.RegionCode);
    }
}
