using System.Globalization;
using System.Security.Claims;
using TongBan.Api.Security;
using TongBan.Grains.Cases;
using TongBan.Grains.Identity;
using TongBan.Grains.Ratings;

namespace TongBan.Api.Endpoints;

/// <summary>Who acts on a rating, read from the caller's token.</summary>
public static class RatingActors
{
    public static RaterIdentity Rater(ClaimsPrincipal user) => new(
        user.Identity?.IsAuthenticated == true, user.IsInRole(Roles.Citizen), user.IsInRole(Roles.HotlineAgent), user.IsInRole(Roles.Clerk),
        user.Claim(TongBanClaims.Subject), user.Claim(TongBanClaims.HallCode),
        int.TryParse(user.Claim(TongBanClaims.WindowNo), NumberStyles.None, CultureInfo.InvariantCulture, out var windowNo) ? windowNo : null);

    /// <summary>
    /// The citizen's keyed hash as the case stores its applicant: the HMAC-SHA256 candidate for a case opened before the
    /// switch to HMAC-SM3, else the current one (the grains compare hashes only, so the endpoint picks the matching one).
    /// </summary>
    public static async Task<string> CitizenKeyAsync(ClaimsPrincipal user, PersonalDataProtector protector, IGrainFactory grains, string caseNo)
    {
        var sub = user.Claim(TongBanClaims.Subject) ?? string.Empty;
        var stored = (await grains.GetGrain<ICaseGrain>(caseNo).Get())?.State.ApplicantKey;
        return protector.Hash.MatchResidentId(stored, sub) ?? protector.Hash.OfResidentId(sub);
    }

    public static FollowUpActor StaffActor(ClaimsPrincipal user)
    {
        var role = user.IsInRole(Roles.Admin) ? FollowUpRole.Admin
            : user.IsInRole(Roles.Supervisor) ? FollowUpRole.Supervisor
            : user.IsInRole(Roles.HallManager) ? FollowUpRole.HallManager
            : FollowUpRole.Approver;
        return new FollowUpActor(
            role, user.Claim(TongBanClaims.Subject), user.Claim(TongBanClaims.HallCode), user.Claim(TongBanClaims.DepartmentCode), user.Claim(TongBanClaims.RegionCode));
    }
}
