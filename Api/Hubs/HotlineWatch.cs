using System.Security.Claims;
using TongBan.Api.Security;
using TongBan.Grains.Hotline;

namespace TongBan.Api.Hubs;

/// <summary>
/// Lets a 12345 agent watch a case they opened with a verified look-up: the guard grain of the case
/// number holds a short-lived grant per agent (cluster-wide, so the hub connection may be on any silo).
/// </summary>
public static class HotlineWatch
{
    public static async Task<bool> MayWatchAsync(IGrainFactory grains, ClaimsPrincipal user, string caseNo) =>
        user.IsInRole(Roles.HotlineAgent) && user.Claim(TongBanClaims.Subject) is { } agent &&
        await grains.GetGrain<IHotlineGuardGrain>(caseNo).MayWatch(agent);
}
