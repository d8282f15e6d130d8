using TongBan.Grains.Halls;
using TongBan.Grains.Map;

namespace TongBan.MapBench;

/// <summary>KdTree vs STRtree for nearest-k (k = 5), single thread, on the seeded points and on 20,000.</summary>
internal static class IndexBench
{
    public static void Run(double seconds)
    {
        Console.WriteLine("== index: KdTree vs STRtree, nearest k=5, 1 thread ==");
        foreach (var (label, points) in new[] { ("seeded", BenchData.Seed()), ("synthetic", BenchData.Synthetic(20_000)) })
        {
            var overlay = new LiveOverlay();
            BenchData.FillOverlay(overlay, points, 1);
            var kd = MapIndex.Build(points, overlay, 1, PointIndexKind.KdTree);
            var str = MapIndex.Build(points, overlay, 1, PointIndexKind.StrTree);
            var origins = BenchData.Origins(kd.Extent, 4096, 2);
            var search = new NearestSearch(GreatCircleTravelModel.Guizhou, new QueueLoadModel());
            var calendar = BenchData.Calendar.Value;
            Console.WriteLine($"-- {label}: {points.Count:N0} points");

            // Pure k-nearest by distance (24h points only, so waits and hours play no part), then the full ranking.
            foreach (var (name, index) in new[] { ("KdTree envelope rounds", kd), ("STRtree best-first    ", str) })
            {
                var pure = Measure.Run(1, seconds, (_, i) => search.Find(index, Query(origins[i & 4095], ServicePointType.SelfService), calendar));
                Console.WriteLine($"   {name} search, k=5 nearest (distance only):         {Measure.Format(pure)}");
                var full = Measure.Run(1, seconds, (_, i) => search.Find(index, Query(origins[i & 4095], null), calendar));
                Console.WriteLine($"   {name} search, k=5 by travel+wait (overlay):       {Measure.Format(full)}");
            }

            var builtIn = Measure.Run(1, seconds, (_, i) => str.StrTreeNearest(origins[i & 4095], 5));
            Console.WriteLine($"   STRtree NearestNeighbour(k=5), planar distance:        {Measure.Format(builtIn)}");
        }
    }

    private static NearestQuery Query(TongBan.Grains.Geo.GeoPoint origin, ServicePointType? type) =>
        new(origin, TravelMode.Drive, 5, BenchData.WorkdayMorning, Type: type, AlwaysOpenOnly: type == ServicePointType.SelfService);
}
