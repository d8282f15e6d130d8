using System.Security.Claims;
using TongBan.Api.Security;
using TongBan.Grains.Geo;
using TongBan.Grains.Halls;
using TongBan.Grains.Regions;

namespace TongBan.Api.Tests.Security;

/// <summary>The hall resource rules of <see cref="HallAccess"/>, checked directly (the endpoints and hubs only call them).</summary>
[Trait("Category", "Unit")]
public sealed class HallAccessTests
{
    private static readonly Lazy<RegionCatalog> Regions = new(RegionCatalog.LoadEmbedded);

    private static readonly ServicePoint Hall = new(
        "520102-H001", "南明区政务服务中心", ServicePointType.Hall, ServiceLevel.County, "520102", new GeoPoint(26.57, 106.71),
        string.Empty, string.Empty, new OpeningHours(false, [], []), [], [], []);

    private static ClaimsPrincipal User(string role, string? hallCode = null, string? regionCode = null, int? windowNo = null)
    {
        var claims = new List<Claim> { new(TongBanClaims.Role, role), new(TongBanClaims.Subject, "u1") };
        if (hallCode is not null)
        {
            claims.Add(new Claim(TongBanClaims.HallCode, hallCode));
        }

        if (regionCode is not null)
        {
            claims.Add(new Claim(TongBanClaims.RegionCode, regionCode));
        }

        if (windowNo is { } w)
        {
            claims.Add(new Claim(TongBanClaims.WindowNo, w.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, "test", TongBanClaims.Subject, TongBanClaims.Role));
    }

    [Fact]
    public void A_hall_is_operated_by_its_manager_a_supervisor_over_its_region_and_an_admin_only()
    {
        Assert.True(User(Roles.HallManager, hallCode: "520102-H001").MayOperateHall(Hall, Regions.Value));
        Assert.False(User(Roles.HallManager, hallCode: "520103-H001").MayOperateHall(Hall, Regions.Value));
        Assert.True(User(Roles.Supervisor, regionCode: "520100").MayOperateHall(Hall, Regions.Value));
        Assert.False(User(Roles.Supervisor, regionCode: "520300").MayOperateHall(Hall, Regions.Value));
        Assert.True(User(Roles.Admin).MayOperateHall(Hall, Regions.Value));
        Assert.False(User(Roles.Clerk, hallCode: "520102-H001").MayOperateHall(Hall, Regions.Value));
    }

    [Fact]
    public void A_halls_case_figures_are_watched_by_its_manager_a_supervisor_over_it_and_an_admin()
    {
        Assert.True(User(Roles.HallManager, hallCode: "520102-H001").MayWatchHall(Hall));
        Assert.False(User(Roles.HallManager, hallCode: "520103-H001").MayWatchHall(Hall));
        Assert.True(User(Roles.Supervisor, regionCode: "520102").MayWatchHall(Hall));
        Assert.False(User(Roles.Supervisor, regionCode: "520103").MayWatchHall(Hall));
        Assert.True(User(Roles.Admin).MayWatchHall(Hall));
        Assert.False(User(Roles.Citizen).MayWatchHall(Hall));
    }

    [Fact]
    public void A_clerk_signed_in_at_a_window_works_that_window_only()
    {
        Assert.True(User(Roles.Clerk, hallCode: "520102-H001", windowNo: 3).MayWorkWindow("520102-H001", 3));
        Assert.False(User(Roles.Clerk, hallCode: "520102-H001", windowNo: 3).MayWorkWindow("520102-H001", 4));
        Assert.True(User(Roles.Clerk, hallCode: "520102-H001").MayWorkWindow("520102-H001", 4));
        Assert.False(User(Roles.Clerk, hallCode: "520103-H001").MayWorkWindow("520102-H001", 4));
        Assert.True(User(Roles.HallManager, hallCode: "520102-H001").MayWorkWindow("520102-H001", 9));
    }
}
