using System.Globalization;
using TongBan.MapBench;

// TongBan map benchmark and herding simulation. See docs/PERFORMANCE.md ("Map") and bench/run-map.sh.
//   index                       KdTree vs STRtree nearest-k on the ~2,700 seeded points and on 20,000 points
//   nearest [--pg CONNSTRING]   nearest-k q/s and p99 on 20,000 points with live overlay; PostGIS KNN on the same points; memory
//   herding                     one city, one hour of citizens asking: spread of waits with anti-herding on and off
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
var mode = args.FirstOrDefault() ?? "all";
string? pg = null;
for (var i = 0; i < args.Length - 1; i++)
{
    if (args[i] == "--pg")
    {
        pg = args[i + 1];
    }
}

// Memory of the boundaries first, in a fresh heap: 9 prefecture + 88 county polygons, prepared, with their STRtree.
var heapBefore = GC.GetTotalMemory(true);
_ = BenchData.Regions.Value;
Console.WriteLine($"== memory: county + prefecture polygons (WGS84, prepared for point-in-polygon, STRtree): {(GC.GetTotalMemory(true) - heapBefore) / 1048576.0:N1} MiB ==");
Console.WriteLine($"   machine: {Environment.ProcessorCount} cores, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]} at start (other work shares this box)");

var seconds = args.Contains("--quick") ? 1.0 : 4.0;
if (mode is "index" or "all")
{
    IndexBench.Run(seconds);
}

if (mode is "nearest" or "all")
{
    await NearestBench.Run(seconds, pg);
}

if (mode is "herding" or "all")
{
    HerdingSimulation.Run(args.Contains("--quick") ? 3 : 10);
}
