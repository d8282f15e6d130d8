using TongBan.Grains.Geo;

namespace TongBan.Grains.Tests.Geo;

[Trait("Category", "Unit")]
public class Gcj02Tests
{
    /// <summary>
    /// Reference vector from the test suite of the widely used gcoord library
    /// (GCJ-02 lon 123, lat 45 → WGS84 122.99395597, 44.99804071, to 5 decimals).
    /// </summary>
    [Fact]
    public void Inverse_matches_published_reference_vector()
    {
        var wgs = Gcj02.ToWgs84(new GeoPoint(45, 123));
        Assert.Equal(44.99804071, wgs.Lat, 5);
        Assert.Equal(122.99395597, wgs.Lon, 5);
        var forward = Gcj02.FromWgs84(new GeoPoint(44.99804071, 122.99395597));
        Assert.Equal(45, forward.Lat, 5);
        Assert.Equal(123, forward.Lon, 5);
    }

    [Fact]
    public void Guizhou_offset_is_within_the_documented_band()
    {
        // data/README.md: in Guizhou GCJ-02 minus WGS84 is about +0.0025°..+0.0046° lon and −0.0031°..−0.0037° lat.
        foreach (var (lat, lon) in new[] { (26.58, 106.71), (27.72, 106.93), (25.09, 104.90), (28.20, 109.20), (26.20, 105.45) })
        {
            var wgs = new GeoPoint(lat, lon);
            var gcj = Gcj02.FromWgs84(wgs);
            Assert.InRange(gcj.Lon - wgs.Lon, 0.0020, 0.0050);
            Assert.InRange(gcj.Lat - wgs.Lat, -0.0040, -0.0025);
            var metres = GreatCircle.DistanceMeters(wgs, gcj);
            Assert.InRange(metres, 350, 650);
        }
    }

    [Fact]
    public void Inverse_round_trips_to_under_a_centimetre_across_Guizhou()
    {
        var random = new Random(52);
        for (var i = 0; i < 2000; i++)
        {
            var wgs = new GeoPoint(24.6 + (random.NextDouble() * 4.6), 103.6 + (random.NextDouble() * 6.0));
            var back = Gcj02.ToWgs84(Gcj02.FromWgs84(wgs));
            Assert.True(GreatCircle.DistanceMeters(wgs, back) < 0.01);
        }
    }

    [Fact]
    public void Points_outside_China_are_not_shifted()
    {
        var tokyo = new GeoPoint(35.68, 139.76);
        Assert.Equal(tokyo, Gcj02.FromWgs84(tokyo));
        Assert.Equal(tokyo, Gcj02.ToWgs84(tokyo));
    }

    [Theory]
    [InlineData(null, CoordinateSystem.Wgs84)]
    [InlineData("WGS84", CoordinateSystem.Wgs84)]
    [InlineData("gcj02", CoordinateSystem.Gcj02)]
    [InlineData("GCJ-02", CoordinateSystem.Gcj02)]
    public void Crs_names_parse(string? text, CoordinateSystem expected)
    {
        Assert.True(CoordinateSystems.TryParse(text, out var crs));
        Assert.Equal(expected, crs);
    }

    [Fact]
    public void Unknown_crs_is_rejected() => Assert.False(CoordinateSystems.TryParse("bd09", out _));

    [Fact]
    public void Haversine_distance_of_one_degree_latitude() =>
        Assert.InRange(GreatCircle.DistanceMeters(new GeoPoint(26, 106), new GeoPoint(27, 106)), 111_000, 111_400);
}
