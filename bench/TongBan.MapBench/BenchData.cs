using NetTopologySuite.Geometries;
using NetTopologySuite.Geometries.Prepared;
using TongBan.Grains.Calendar;
using TongBan.Grains.Geo;
using TongBan.Grains.Halls;
using TongBan.Grains.Map;
using TongBan.Grains.Regions;

namespace TongBan.MapBench;

/// <summary>The seeded province and a synthetic 20,000-point variant (extra stations placed inside real county polygons).</summary>
internal static class BenchData
{
    public static readonly Lazy<RegionCatalog> Regions = new(RegionCatalog.LoadEmbedded);

    public static readonly Lazy<WorkingDayCalendar> Calendar = new(WorkingDayCalendar.LoadEmbedded);

    /// <summary>A Monday 10:00 Beijing time (an ordinary working day: halls open).</summary>
    public static readonly DateTimeOffset WorkdayMorning = new(2025, 3, 3, 10, 0, 0, TimeSpan.FromHours(8));

    public static IReadOnlyList<ServicePoint> Seed() => ServicePointSeed.Generate(Regions.Value);

    public static IReadOnlyList<ServicePoint> Synthetic(int total)
    {
        var regions = Regions.Value;
        var points = Seed().ToList();
        var counties = regions.Counties.Select(c => (c, Shape: regions.ShapeOf(c.Code)!, Prepared: PreparedGeometryFactory.Prepare(regions.ShapeOf(c.Code)!))).ToList();
        var totalArea = counties.Sum(c => c.Shape.Area);
        var random = new Random(20000);
        var perCounty = counties.ToDictionary(c => c.c.Code, _ => 500);
        while (points.Count < total)
        {
            // Pick a county by area, then a uniform point inside its polygon.
            var pick = random.NextDouble() * totalArea;
            var county = counties[^1];
            foreach (var c in counties)
            {
                pick -= c.Shape.Area;
                if (pick <= 0)
                {
                    county = c;
                    break;
                }
            }

            var env = county.Shape.EnvelopeInternal;
            var lon = env.MinX + (random.NextDouble() * env.Width);
            var lat = env.MinY + (random.NextDouble() * env.Height);
            if (!county.Prepared.Covers(new Point(lon, lat)))
            {
                continue;
            }

            var seq = perCounty[county.c.Code]++;
            var template = points.First(p => p.Type == ServicePointType.Station);
            points.Add(template with
            {
                Code = ServicePointCode.Make(county.c.Code, ServicePointType.Station, seq % 1000),
                Name = $"{county.c.Name}合成站点{seq}",
                RegionCode = county.c.Code,
                Location = new GeoPoint(Math.Round(lat, 6), Math.Round(lon, 6)),
            });
        }

        // Codes must be unique: renumber the synthetic ones with a running suffix if the 3-digit space wrapped.
        return points.GroupBy(p => p.Code).SelectMany(g => g.Select((p, i) => i == 0 ? p : p with { Code = $"{p.Code}-{i}" })).ToList();
    }

    /// <summary>Live figures for every point with a queue, as the overlay would hold them mid-morning.</summary>
    public static void FillOverlay(LiveOverlay overlay, IEnumerable<ServicePoint> points, int seed)
    {
        var random = new Random(seed);
        foreach (var p in points.Where(p => p.Categories.Count > 0))
        {
            var cats = p.Categories.Select(c =>
            {
                var waiting = random.Next(0, 30);
                return new CategoryWait(c.Code, waiting, waiting * random.Next(2, 8) / 2, random.Next(1, 4));
            }).ToList();
            overlay.Cell(p.Code).Update(new MapPointLive(p.Code, WorkdayMorning, cats.Sum(c => c.Waiting), cats, Math.Round(random.NextDouble(), 3), false, 3, 0));
        }
    }

    public static GeoPoint[] Origins(Envelope extent, int count, int seed)
    {
        var random = new Random(seed);
        var regions = Regions.Value;
        var list = new List<GeoPoint>(count);
        while (list.Count < count)
        {
            var p = new GeoPoint(extent.MinY + (random.NextDouble() * extent.Height), extent.MinX + (random.NextDouble() * extent.Width));
            if (regions.LocateCounty(p) is not null)
            {
                list.Add(p);
            }
        }

        return [.. list];
    }
}
