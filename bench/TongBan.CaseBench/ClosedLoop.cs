using System.Diagnostics;

namespace TongBan.CaseBench;

/// <summary>Throughput and latency of one measured loop.</summary>
internal sealed record LoopResult(long Count, long Errors, TimeSpan Elapsed, long[] Latencies, string? FirstError)
{
    public double PerSecond => Count / Elapsed.TotalSeconds;

    public double P50Ms => Percentile(0.50);

    public double P99Ms => Percentile(0.99);

    /// <summary>Slices of one measurement, interleaved with the other workload's, added up.</summary>
    public static LoopResult Sum(IReadOnlyList<LoopResult> slices) => new(
        slices.Sum(s => s.Count),
        slices.Sum(s => s.Errors),
        TimeSpan.FromTicks(slices.Sum(s => s.Elapsed.Ticks)),
        [.. slices.SelectMany(s => s.Latencies).Order()],
        slices.Select(s => s.FirstError).FirstOrDefault(e => e is not null));

    private double Percentile(double p) =>
        Latencies.Length == 0 ? 0 : Latencies[Math.Min(Latencies.Length - 1, (int)(p * Latencies.Length))] * 1000.0 / Stopwatch.Frequency;
}

/// <summary>
/// A closed loop: <c>concurrency</c> workers each keep exactly one operation outstanding, back to back, through a
/// warm-up (not recorded) and then the measured window.
/// </summary>
internal static class ClosedLoop
{
    public static async Task<LoopResult> RunAsync(int concurrency, TimeSpan warmup, TimeSpan duration, Func<int, Task> operation)
    {
        var start = Stopwatch.GetTimestamp();
        var measureFrom = start + (long)(warmup.TotalSeconds * Stopwatch.Frequency);
        var measureUntil = measureFrom + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var latencies = new List<long>[concurrency];
        var errors = new long[concurrency];
        string? firstError = null;

        var workers = Enumerable.Range(0, concurrency).Select(w => Task.Run(async () =>
        {
            var mine = latencies[w] = new List<long>(1 << 16);
            while (true)
            {
                var t0 = Stopwatch.GetTimestamp();
                if (t0 >= measureUntil)
                {
                    return;
                }

                try
                {
                    await operation(w);
                    if (t0 >= measureFrom)
                    {
                        mine.Add(Stopwatch.GetTimestamp() - t0);
                    }
                }
                catch (Exception e)
                {
                    if (t0 >= measureFrom)
                    {
                        errors[w]++;
                    }

                    Interlocked.CompareExchange(ref firstError, $"{e.GetType().Name}: {e.Message}", null);
                }
            }
        })).ToList();
        await Task.WhenAll(workers);

        var all = latencies.SelectMany(l => l).Order().ToArray();
        var elapsed = Stopwatch.GetElapsedTime(measureFrom, Math.Max(measureUntil, Stopwatch.GetTimestamp()));
        return new LoopResult(all.Length, errors.Sum(), elapsed, all, firstError);
    }
}
