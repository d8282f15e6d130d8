using System.Diagnostics;
using System.Globalization;

namespace TongBan.Bench;

/// <summary>
/// Says what the slowest operations of a run were waiting for. A dedicated (non-pool) thread samples every
/// <see cref="Tick"/>: the process's cumulative GC pause, how late it woke itself (the OS or a GC suspension kept the
/// whole process from running), how long a work item it posted to the thread pool has been queued (thread-pool
/// starvation), and the pool's thread count. Each slow operation is then set against the samples of its own interval:
/// a multi-second latency is a GC pause, a process that was not scheduled, a starved thread pool, or (none of these)
/// time spent inside the grain runtime: queued behind other turns of an activation, a timer, a storage call.
/// </summary>
public sealed class StallWatch : IDisposable
{
    /// <summary>Sampling period of the watch thread.</summary>
    public static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(10);

    /// <summary>Operations slower than this are kept for the report.</summary>
    public static readonly TimeSpan SlowThreshold = TimeSpan.FromMilliseconds(200);

    private const int KeptSlowest = 8;

    private static StallWatch? current;

    private readonly long origin = Stopwatch.GetTimestamp();
    private readonly List<Sample> samples = new(capacity: 16_384);
    private readonly List<SlowOperation> slowest = [];
    private readonly List<(long At, string Phase)> phases = [];
    private readonly Thread thread;
    private readonly Lock gate = new();
    private volatile bool stopping;
    private long probePostedAt;
    private long probeRanAt;

    private StallWatch()
    {
        thread = new Thread(Run) { IsBackground = true, Name = "stall-watch", Priority = ThreadPriority.Highest };
        thread.Start();
    }

    /// <summary>Starts the watch; operations anywhere in the process report to it through <see cref="NoteSince"/>.</summary>
    public static StallWatch Start()
    {
        var watch = new StallWatch();
        current = watch;
        return watch;
    }

    /// <summary>Records an operation that started at <paramref name="startTimestamp"/> and ends now, if it was slow.</summary>
    public static void NoteSince(string operation, long startTimestamp)
    {
        var watch = current;
        if (watch is null)
        {
            return;
        }

        var end = Stopwatch.GetTimestamp();
        if (Stopwatch.GetElapsedTime(startTimestamp, end) >= SlowThreshold)
        {
            watch.Keep(new SlowOperation(operation, startTimestamp, end));
        }
    }

    /// <summary>Names the phase that starts now (baseline, hall day …) for the report.</summary>
    public void Phase(string name)
    {
        lock (gate)
        {
            phases.Add((Stopwatch.GetTimestamp(), name));
        }
    }

    public void Dispose()
    {
        stopping = true;
        thread.Join();
        Interlocked.CompareExchange(ref current, null, this);
    }

    /// <summary>The slowest operations, each with what the process was doing meanwhile, and the run's worst of each kind.</summary>
    public void Report(TextWriter w)
    {
        List<Sample> s;
        List<SlowOperation> slow;
        lock (gate)
        {
            s = [.. samples];
            slow = [.. slowest.OrderByDescending(o => o.End - o.Start).Take(KeptSlowest)];
        }

        w.WriteLine();
        w.WriteLine($"  stalls (sampled every {Tick.TotalMilliseconds:0} ms on a dedicated thread over {s.Count:N0} samples):");
        if (s.Count > 1)
        {
            var worstLate = s.MaxBy(x => x.LateMicros);
            var worstQueue = s.MaxBy(x => x.ProbeAgeMicros);
            var gcTotal = TimeSpan.FromTicks(s[^1].GcPauseTicks - s[0].GcPauseTicks);
            w.WriteLine($"    whole run: GC paused {gcTotal.TotalMilliseconds:N0} ms in all; the watch thread woke at worst {worstLate.LateMicros / 1000.0:N0} ms late " +
                        $"(at {Seconds(worstLate.At)}); a thread-pool work item waited at worst {worstQueue.ProbeAgeMicros / 1000.0:N0} ms (at {Seconds(worstQueue.At)}); " +
                        $"pool threads {s.Min(x => x.Threads)}–{s.Max(x => x.Threads)} (minimum {MinWorkerThreads()})");
        }

        if (slow.Count == 0)
        {
            w.WriteLine($"    no operation took ≥ {SlowThreshold.TotalMilliseconds:0} ms");
            return;
        }

        foreach (var op in slow)
        {
            var during = s.Where(x => x.At >= op.Start && x.At <= op.End + (long)(Tick.TotalSeconds * Stopwatch.Frequency)).ToList();
            var duration = Stopwatch.GetElapsedTime(op.Start, op.End);
            var gc = during.Count > 0 ? TimeSpan.FromTicks(during[^1].GcPauseTicks - during[0].GcPauseTicks) : TimeSpan.Zero;
            var gen2 = during.Count > 0 ? during[^1].Gen2 - during[0].Gen2 : 0;
            var late = during.Count > 0 ? TimeSpan.FromMicroseconds(during.Max(x => x.LateMicros)) : TimeSpan.Zero;
            var queued = during.Count > 0 ? TimeSpan.FromMicroseconds(during.Max(x => x.ProbeAgeMicros)) : TimeSpan.Zero;
            var threads = during.Count > 0 ? $"{during[0].Threads}→{during[^1].Threads}" : "?";
            w.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"    {op.Operation} at {Seconds(op.Start)} ({PhaseAt(op.Start)}): {duration.TotalMilliseconds:N0} ms; meanwhile GC paused {gc.TotalMilliseconds:N0} ms (gen2 ×{gen2}), " +
                $"watch woke ≤ {late.TotalMilliseconds:N0} ms late, pool queue ≤ {queued.TotalMilliseconds:N0} ms, pool threads {threads} → {Cause(duration, gc, late, queued)}"));
        }
    }

    /// <summary>The largest share of the latency that one process-wide cause accounts for, or the runtime itself.</summary>
    public static string Cause(TimeSpan duration, TimeSpan gcPause, TimeSpan late, TimeSpan queued)
    {
        var half = duration / 2;
        if (gcPause >= half)
        {
            return "a GC pause";
        }

        if (late >= half)
        {
            return "the process was not running (CPU taken by others, or a suspension)";
        }

        if (queued >= half)
        {
            return "thread-pool starvation (work queued, too few threads)";
        }

        return "inside the grain runtime (queued behind an activation's other turns, a timer or storage)";
    }

    private void Keep(SlowOperation op)
    {
        lock (gate)
        {
            slowest.Add(op);
            if (slowest.Count > KeptSlowest * 4)
            {
                slowest.Sort((a, b) => (b.End - b.Start).CompareTo(a.End - a.Start));
                slowest.RemoveRange(KeptSlowest, slowest.Count - KeptSlowest);
            }
        }
    }

    private void Run()
    {
        var period = (long)(Tick.TotalSeconds * Stopwatch.Frequency);
        var last = Stopwatch.GetTimestamp();
        while (!stopping)
        {
            Thread.Sleep(Tick);
            var now = Stopwatch.GetTimestamp();
            var lateMicros = Math.Max(0, (long)Stopwatch.GetElapsedTime(last + period, now).TotalMicroseconds);
            last = now;

            // One probe outstanding at a time: its age is how long the pool has left a ready work item waiting.
            var posted = Volatile.Read(ref probePostedAt);
            var ran = Volatile.Read(ref probeRanAt);
            long probeAge = 0;
            if (posted != 0 && ran < posted)
            {
                probeAge = (long)Stopwatch.GetElapsedTime(posted, now).TotalMicroseconds;
            }
            else
            {
                Volatile.Write(ref probePostedAt, now);
                ThreadPool.UnsafeQueueUserWorkItem(static w => Volatile.Write(ref w.probeRanAt, Stopwatch.GetTimestamp()), this, preferLocal: false);
            }

            var sample = new Sample(now, lateMicros, probeAge, GC.GetTotalPauseDuration().Ticks, GC.CollectionCount(2), ThreadPool.ThreadCount);
            lock (gate)
            {
                samples.Add(sample);
            }
        }
    }

    private static int MinWorkerThreads()
    {
        ThreadPool.GetMinThreads(out var workers, out _);
        return workers;
    }

    private string Seconds(long timestamp) =>
        string.Create(CultureInfo.InvariantCulture, $"t={Stopwatch.GetElapsedTime(origin, timestamp).TotalSeconds:0.0} s");

    private string PhaseAt(long timestamp)
    {
        lock (gate)
        {
            return phases.LastOrDefault(p => p.At <= timestamp).Phase ?? "start-up";
        }
    }

    private readonly record struct Sample(long At, long LateMicros, long ProbeAgeMicros, long GcPauseTicks, int Gen2, int Threads);

    private readonly record struct SlowOperation(string Operation, long Start, long End);
}
