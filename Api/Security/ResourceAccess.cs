using System.Globalization;
using System.Security.Claims;

namespace TongBan.Api.Security;

/// <summary>Resource checks on top of role policies: which hall and window a caller may act on.</summary>
public static class ResourceAccess
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
}
