using System.Diagnostics;

namespace TongBan.MapBench;

/// <param name="PerCpuSecond">Queries per second of process CPU time: what a core gives when the box is shared (load from other work).</param>
internal readonly record struct Throughput(double PerSecond, double P50Micros, double P99Micros, long Count, double PerCpuSecond = 0);

internal static class Measure
{
    /// <summary>Runs <paramref name="query"/> on <paramref name="threads"/> threads for <paramref name="seconds"/>, timing each call.</summary>
    public static Throughput Run(int threads, double seconds, Action<int, int> query)
    {
        // Warm-up: JIT tiers and caches.
        var warm = Stopwatch.StartNew();
        for (var i = 0; warm.Elapsed.TotalSeconds < Math.Min(1, seconds / 2); i++)
        {
            query(0, i);
        }

        var samples = new List<long>[threads];
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var stop = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
        var started = Stopwatch.GetTimestamp();
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            var mine = new List<long>(1 << 20);
            for (var i = 0; ; i++)
            {
                var s = Stopwatch.GetTimestamp();
                query(t, i);
                var e = Stopwatch.GetTimestamp();
                mine.Add(e - s);
                if (e >= stop)
                {
                    break;
                }
            }

            samples[t] = mine;
        })).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());
        var elapsed = (Stopwatch.GetTimestamp() - started) / (double)Stopwatch.Frequency;
        var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
        var all = samples.SelectMany(s => s).Order().ToArray();
        return new Throughput(all.Length / elapsed, Micros(all[all.Length / 2]), Micros(all[(int)(all.Length * 0.99)]), all.Length, all.Length / cpu);
    }

    public static async Task<Throughput> RunAsync(int workers, double seconds, Func<int, int, Task> query)
    {
        for (var i = 0; i < 200; i++)
        {
            await query(0, i);
        }

        var stop = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
        var started = Stopwatch.GetTimestamp();
        var samples = await Task.WhenAll(Enumerable.Range(0, workers).Select(async w =>
        {
            var mine = new List<long>(1 << 16);
            for (var i = 0; ; i++)
            {
                var s = Stopwatch.GetTimestamp();
                await query(w, i);
                var e = Stopwatch.GetTimestamp();
                mine.Add(e - s);
                if (e >= stop)
                {
                    break;
                }
            }

            return mine;
        }));
        var elapsed = (Stopwatch.GetTimestamp() - started) / (double)Stopwatch.Frequency;
        var all = samples.SelectMany(s => s).Order().ToArray();
        return new Throughput(all.Length / elapsed, Micros(all[all.Length / 2]), Micros(all[(int)(all.Length * 0.99)]), all.Length);
    }

    public static string Format(Throughput t) =>
        $"{t.PerSecond,9:N0} q/s   p50 {t.P50Micros,7:N1} µs   p99 {t.P99Micros,8:N1} µs" + (t.PerCpuSecond > 0 ? $"   {t.PerCpuSecond,9:N0} q/CPU-s" : string.Empty);

    private static double Micros(long ticks) => ticks * 1e6 / Stopwatch.Frequency;
}
