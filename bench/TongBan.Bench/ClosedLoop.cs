using System.Diagnostics;
using TongBan.LoadGen;

namespace TongBan.Bench;

/// <summary>Throughput and latency of one measured loop.</summary>
public sealed record LoadResult(string Name, int Concurrency, long Count, long Errors, TimeSpan Elapsed, LatencyHistogram Latency)
{
    public double PerSecond => Elapsed > TimeSpan.Zero ? Count / Elapsed.TotalSeconds : 0;

    public string? FirstError { get; init; }
}

/// <summary>
/// A closed loop: <c>concurrency</c> workers each keep exactly one call outstanding, back to back, for a
/// warm-up (not recorded) and then the measured duration.
/// </summary>
public static class ClosedLoop
{
    public static async Task<LoadResult> RunAsync(string name, int concurrency, TimeSpan warmup, TimeSpan duration, Func<int, long, Task> operation)
    {
        var start = Stopwatch.GetTimestamp();
        var measureFrom = start + (long)(warmup.TotalSeconds * Stopwatch.Frequency);
        var measureUntil = measureFrom + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var histograms = new LatencyHistogram[concurrency];
        var errors = new long[concurrency];
        string? firstError = null;

        var workers = Enumerable.Range(0, concurrency).Select(w => Task.Run(async () =>
        {
            var histogram = histograms[w] = new LatencyHistogram();
            for (long i = 0; ; i++)
            {
                // Each call starts from the pool's shared queue, as a request arriving on a socket does. Chained inline,
                // the workers' continuations and the grain turns they schedule (Orleans queues those to the running
                // thread's own queue) kept every pool thread busy with local work, and the shared queue (timers, socket
                // completions) waited seconds: the no-op baseline's start-up stall (docs/PERFORMANCE.md, Hall day).
                await Task.Yield();
                var t0 = Stopwatch.GetTimestamp();
                if (t0 >= measureUntil)
                {
                    return;
                }

                try
                {
                    await operation(w, i);
                    if (t0 >= measureFrom)
                    {
                        histogram.RecordSince(t0);
                        StallWatch.NoteSince(name, t0);
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

        var merged = new LatencyHistogram();
        foreach (var h in histograms)
        {
            merged.Add(h);
        }

        var elapsed = Stopwatch.GetElapsedTime(measureFrom, Math.Max(measureUntil, Stopwatch.GetTimestamp()));
        return new LoadResult(name, concurrency, merged.Count, errors.Sum(), elapsed, merged) { FirstError = firstError };
    }
}
