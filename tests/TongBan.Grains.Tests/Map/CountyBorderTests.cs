using NetTopologySuite.Geometries;
using NetTopologySuite.Geometries.Prepared;
using TongBan.Grains.Geo;

namespace TongBan.Grains.Tests.Map;

[Trait("Category", "Unit")]
public class CountyBorderTests
{
    /// <summary>
    /// Walks every county boundary, and at sampled edges steps ~1 m to each side: the STRtree-backed LocateCounty
    /// must answer what a direct test against all 88 polygons answers, and the inner point must be in the county
    /// whose edge it is (the outer one is in a neighbour on shared borders, or outside Guizhou).
    /// </summary>
    [Fact]
    public void LocateCounty_agrees_with_the_polygons_on_both_sides_of_county_borders()
    {
        var regions = MapTestKit.Regions;
        var counties = regions.Counties.Select(c => (c.Code, Box: regions.ShapeOf(c.Code)!.EnvelopeInternal, Shape: PreparedGeometryFactory.Prepare(regions.ShapeOf(c.Code)!))).ToList();
        int checkedPoints = 0, sharedBorder = 0, innerMisses = 0;
        foreach (var county in regions.Counties)
        {
            var shape = regions.ShapeOf(county.Code)!;
            foreach (var polygon in Enumerable.Range(0, shape.NumGeometries).Select(shape.GetGeometryN).OfType<Polygon>())
            {
                var ring = polygon.ExteriorRing.Coordinates;
                var step = Math.Max(1, ring.Length / 25);
                for (var i = 0; i + 1 < ring.Length; i += step)
                {
                    var a = ring[i];
                    var b = ring[i + 1];
                    var (dx, dy) = (b.X - a.X, b.Y - a.Y);
                    var length = Math.Sqrt((dx * dx) + (dy * dy));
                    if (length < 1e-7)
                    {
                        continue;
                    }

                    var mid = new Coordinate((a.X + b.X) / 2, (a.Y + b.Y) / 2);
                    var (nx, ny) = (-dy / length * 1e-5, dx / length * 1e-5); // ~1 m to the left of the edge
                    foreach (var side in new[] { 1, -1 })
                    {
                        var p = new GeoPoint(mid.Y + (side * ny), mid.X + (side * nx));
                        var point = new Point(p.Lon, p.Lat);
                        // Ground truth: every county polygon that covers the point (a polygon cannot cover a point outside its envelope).
                        var truth = counties.Where(c => c.Box.Covers(p.Lon, p.Lat) && c.Shape.Covers(point)).Select(c => c.Code).ToList();
                        var located = regions.LocateCounty(p)?.Code;
                        if (truth.Count == 0)
                        {
                            Assert.Null(located);
                        }
                        else
                        {
                            Assert.Contains(located, truth);
                        }

                        var inner = polygon.Covers(point);
                        if (inner && located != county.Code && !truth.Contains(county.Code))
                        {
                            innerMisses++;
                        }

                        if (!inner && truth.Count > 0)
                        {
                            sharedBorder++;
                        }

                        checkedPoints++;
                    }
                }
            }
        }

        Assert.True(checkedPoints > 3_000, $"{checkedPoints} points checked");
        Assert.True(sharedBorder > 600, $"{sharedBorder} outer points fell in a neighbouring county");
        Assert.Equal(0, innerMisses);
    }
}
