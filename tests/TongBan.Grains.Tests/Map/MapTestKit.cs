using TongBan.Grains.Calendar;
using TongBan.Grains.Halls;
using TongBan.Grains.Map;
using TongBan.Grains.Regions;
using TongBan.Grains.Tests.Support;

namespace TongBan.Grains.Tests.Map;

/// <summary>The seeded province (~2,700 real-boundary points) with random live figures, shared by the map tests.</summary>
internal static class MapTestKit
{
    public static readonly Lazy<IReadOnlyList<ServicePoint>> Seed = new(() => ServicePointSeed.Generate(ClusterFixture.Regions.Value));

    public static readonly Lazy<WorkingDayCalendar> Calendar = new(WorkingDayCalendar.LoadEmbedded);

    public static RegionCatalog Regions => ClusterFixture.Regions.Value;

    /// <summary>A Monday that is an ordinary working day, 10:00 Beijing time.</summary>
    public static readonly DateTimeOffset WorkdayMorning = new(2025, 3, 3, 10, 0, 0, TimeSpan.FromHours(8));

    public static (MapIndex Index, LiveOverlay Overlay) Build(int seed, PointIndexKind kind = PointIndexKind.StrTree, IEnumerable<ServicePoint>? points = null)
    {
        var overlay = new LiveOverlay();
        var list = (points ?? Seed.Value).ToList();
        var random = new Random(seed);
        foreach (var p in list.Where(p => p.Categories.Count > 0))
        {
            // Most halls report; some not yet (null wait), a few suspended, some with no window serving.
            if (random.NextDouble() < 0.1)
            {
                continue;
            }

            var categories = p.Categories.Select(c =>
            {
                var waiting = random.Next(0, 40);
                int? predicted = random.NextDouble() < 0.1 ? null : waiting * random.Next(2, 9) / 2;
                return new CategoryWait(c.Code, waiting, predicted, random.Next(0, 4));
            }).ToList();
            overlay.Cell(p.Code).Update(new MapPointLive(
                p.Code, WorkdayMorning, categories.Sum(c => c.Waiting), categories, random.NextDouble() < 0.5 ? Math.Round(random.NextDouble(), 3) : null,
                random.NextDouble() < 0.03, random.Next(0, 6), 0));
        }

        return (MapIndex.Build(list, overlay, 1, kind), overlay);
    }
}
