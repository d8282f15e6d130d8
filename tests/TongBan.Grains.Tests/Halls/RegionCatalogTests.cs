using TongBan.Grains.Geo;
using TongBan.Grains.Regions;
using TongBan.Grains.Tests.Support;

namespace TongBan.Grains.Tests.Halls;

[Trait("Category", "Integration")]
public class RegionCatalogTests
{
    private static RegionCatalog Catalog => ClusterFixture.Regions.Value;

    [Fact]
    public void Province_has_9_prefectures_and_88_counties()
    {
        Assert.Equal(9, Catalog.ChildrenOf(RegionCatalog.ProvinceCode).Count());
        Assert.Equal(88, Catalog.Counties.Count());
        Assert.Equal(98, Catalog.All.Count);
        Assert.Equal(16, Catalog.ChildrenOf("522600").Count()); // 黔东南 has 16 county-level units
    }

    [Theory]
    [InlineData("520221", "520204", "水城区")]
    [InlineData("520522", "520581", "黔西市")]
    public void DataV_codes_resolve_to_current_official_codes(string dataV, string official, string name)
    {
        Assert.Equal(official, Catalog.Find(dataV)!.Code);
        Assert.Equal(name, Catalog.Find(official)!.Name);
        Assert.Contains(dataV, Catalog.Find(official)!.Aliases);
    }

    [Fact]
    public void Every_county_seat_lies_in_its_own_county()
    {
        foreach (var county in Catalog.Counties)
        {
            // Two seats sit exactly on a shared border in the source data; accept the neighbour only there.
            var located = Catalog.LocateCounty(county.Center);
            Assert.NotNull(located);
            Assert.True(located.Code == county.Code || located.ParentCode == county.ParentCode,
                $"{county.Name} seat located in {located.Name}");
        }
    }

    [Theory]
    [InlineData(26.5770, 106.7122, "520102")] // 南明区 seat (WGS84)
    [InlineData(27.6978, 106.9393, "520302")] // 遵义红花岗区 seat (DataV centre converted to WGS84)
    [InlineData(27.3017, 105.2851, "520502")] // 毕节七星关区
    public void Locates_known_points(double lat, double lon, string expected) =>
        Assert.Equal(expected, Catalog.LocateCounty(new GeoPoint(lat, lon))?.Code);

    [Theory]
    [InlineData(30.66, 104.06)] // 成都
    [InlineData(25.04, 102.71)] // 昆明
    [InlineData(0, 0)]
    public void Points_outside_Guizhou_have_no_county(double lat, double lon) =>
        Assert.Null(Catalog.LocateCounty(new GeoPoint(lat, lon)));

    [Fact]
    public void Boundaries_are_held_in_WGS84_not_GCJ02()
    {
        // The DataV centre of 贵阳 is GCJ-02 (26.578343, 106.713478); held in WGS84 it moves ~500 m south-west.
        var prefecture = Catalog.Find("520100")!;
        Assert.InRange(GreatCircle.DistanceMeters(prefecture.Center, new GeoPoint(26.578343, 106.713478)), 400, 650);
        Assert.True(prefecture.Center.Lon < 106.713478);
    }

    [Fact]
    public void Ancestry_is_transitive()
    {
        Assert.True(Catalog.IsWithin("520102", "520000"));
        Assert.True(Catalog.IsWithin("520102", "520100"));
        Assert.True(Catalog.IsWithin("520221", "520200")); // alias
        Assert.False(Catalog.IsWithin("520102", "520200"));
    }

    [Theory]
    [InlineData("520102", true)]
    [InlineData("52010", false)]
    [InlineData("5201022", false)]
    [InlineData("52010a", false)]
    [InlineData(null, false)]
    public void Code_format(string? code, bool ok) => Assert.Equal(ok, RegionCatalog.IsWellFormedCode(code));
}
