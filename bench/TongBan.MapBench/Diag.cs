using System.Diagnostics;
using TongBan.Grains.Map;

namespace TongBan.MapBench;

internal static class Diag
{
    public static void Run()
    {
        var points = BenchData.Synthetic(20_000);
        var overlay = new LiveOverlay();
        BenchData.FillOverlay(overlay, points, 1);
        var index = MapIndex.Build(points, overlay, 1);
        var search = new NearestSearch(GreatCircleTravelModel.Guizhou, new QueueLoadModel());
        var origins = BenchData.Origins(index.Extent, 4000, 3);
        var times = new List<(double Us, int I)>();
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        for (var rep = 0; rep < 3; rep++)
        {
            times.Clear();
            for (var i = 0; i < origins.Length; i++)
            {
                var s = Stopwatch.GetTimestamp();
                search.Find(index, new NearestQuery(origins[i], TravelMode.Drive, 5, BenchData.WorkdayMorning), BenchData.Calendar.Value);
                times.Add(((Stopwatch.GetTimestamp() - s) * 1e6 / Stopwatch.Frequency, i));
            }
        }

        Console.WriteLine($"CPU per query {(Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalMicroseconds / (3.0 * origins.Length):N1} µs");
        foreach (var (us, i) in times.OrderByDescending(t => t.Us).Take(0))
        {
            var again = Stopwatch.GetTimestamp();
            for (var n = 0; n < 20; n++)
            {
                search.Find(index, new NearestQuery(origins[i], TravelMode.Drive, 5, BenchData.WorkdayMorning), BenchData.Calendar.Value);
            }

            Console.Write($"again {(Stopwatch.GetTimestamp() - again) * 1e6 / Stopwatch.Frequency / 20,8:N0} µs ");
            var r = search.Find(index, new NearestQuery(origins[i], TravelMode.Drive, 5, BenchData.WorkdayMorning), BenchData.Calendar.Value);
            Console.WriteLine($"{us,8:N0} µs  origin {origins[i]}  last total {r[^1].TotalMinutes:N1} dist {r[^1].DistanceMeters:N0} {string.Join(",", r.Select(c => c.Code))}");
        }

        Console.WriteLine($"GC pause total {GC.GetTotalPauseDuration().TotalMilliseconds:N0} ms, allocated {GC.GetTotalAllocatedBytes() / 1048576.0:N0} MiB");
        Console.WriteLine($"p50 {times.Select(t => t.Us).Order().ElementAt(times.Count / 2):N1} µs, gen0 {GC.CollectionCount(0)} gen2 {GC.CollectionCount(2)}");
    }
}
