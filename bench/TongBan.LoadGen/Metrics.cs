using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace TongBan.LoadGen;

/// <summary>
/// Latencies recorded from many threads at once without a lock: <see cref="LatencyHistogram"/>'s log-linear buckets
/// (≤ 3 % error) counted with interlocked increments. At 5,000 subscribers the receive handlers record 10,000+
/// samples a second from ~100 threads; a list behind one lock made them queue on each other, which the generator
/// then reported as push latency.
/// </summary>
public sealed class ConcurrentLatencies
{
    private readonly long[] counts = new long[LatencyHistogram.UpperBoundIndex + 1];
    private long count;
    private long max;

    public long Count => Interlocked.Read(ref count);

    public void Record(TimeSpan latency)
    {
        var micros = Math.Max(0, (long)latency.TotalMicroseconds);
        Interlocked.Increment(ref counts[LatencyHistogram.Index(micros)]);
        Interlocked.Increment(ref count);
        var seen = Interlocked.Read(ref max);
        while (micros > seen && Interlocked.CompareExchange(ref max, micros, seen) != seen)
        {
            seen = Interlocked.Read(ref max);
        }
    }

    /// <summary>Milliseconds at or below which a share <paramref name="p"/> (0..1) of the samples fall (bucket upper bound); NaN when empty.</summary>
    public double Percentile(double p)
    {
        var total = Count;
        if (total == 0)
        {
            return double.NaN;
        }

        var rank = Math.Max(1, (long)Math.Ceiling(p * total));
        long seen = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            seen += Interlocked.Read(ref counts[i]);
            if (seen >= rank)
            {
                return Math.Min(LatencyHistogram.UpperBound(i), Interlocked.Read(ref max)) / 1000.0;
            }
        }

        return Interlocked.Read(ref max) / 1000.0;
    }
}

/// <summary>Latencies and outcomes of one operation kind.</summary>
public sealed class OperationStats(string name)
{
    private readonly ConcurrentLatencies latencies = new();
    private long offered;
    private long errors;
    private long dropped;

    public string Name { get; } = name;

    public long Offered => Interlocked.Read(ref offered);

    public long Errors => Interlocked.Read(ref errors);

    public long Dropped => Interlocked.Read(ref dropped);

    public long Succeeded => latencies.Count;

    public void Offer() => Interlocked.Increment(ref offered);

    public void Drop() => Interlocked.Increment(ref dropped);

    public void Fail() => Interlocked.Increment(ref errors);

    public void Succeed(TimeSpan latency) => latencies.Record(latency);

    public double Percentile(double p) => latencies.Percentile(p);
}

public sealed class Metrics
{
    private ConcurrentDictionary<string, OperationStats> operations = new();

    public OperationStats this[string name] => operations.GetOrAdd(name, n => new OperationStats(n));

    /// <summary>Starts the figures afresh (after a warm-up): operations in flight at the switch count in neither or the new one.</summary>
    public void Reset()
    {
        operations = new();
        Push = new("push");
        MapPush = new("push-map");
    }

    public IEnumerable<OperationStats> All => operations.Values.OrderBy(o => o.Name, StringComparer.Ordinal);

    /// <summary>Push latency of hall snapshots: receive time minus the snapshot's server timestamp (same clock: loopback).</summary>
    public OperationStats Push { get; private set; } = new("push");

    /// <summary>Push latency of map points (<c>pointsChanged</c>): receive time minus the point's live timestamp.</summary>
    public OperationStats MapPush { get; private set; } = new("push-map");

    public string Table(TimeSpan duration)
    {
        var s = duration.TotalSeconds;
        var b = new StringBuilder();
        b.AppendLine(CultureInfo.InvariantCulture, $"{"operation",-12} {"offered/s",10} {"achieved/s",11} {"ok",8} {"errors",7} {"dropped",8} {"p50 ms",8} {"p95 ms",8} {"p99 ms",8}");
        foreach (var o in All)
        {
            b.AppendLine(CultureInfo.InvariantCulture, $"{o.Name,-12} {o.Offered / s,10:F1} {o.Succeeded / s,11:F1} {o.Succeeded,8} {o.Errors,7} {o.Dropped,8} {o.Percentile(0.50),8:F1} {o.Percentile(0.95),8:F1} {o.Percentile(0.99),8:F1}");
        }

        foreach (var p in (OperationStats[])[Push, MapPush])
        {
            if (p.Succeeded > 0)
            {
                b.AppendLine(CultureInfo.InvariantCulture, $"{p.Name,-12} {"",10} {p.Succeeded / s,11:F1} {p.Succeeded,8} {"",7} {"",8} {p.Percentile(0.50),8:F1} {p.Percentile(0.95),8:F1} {p.Percentile(0.99),8:F1}");
            }
        }
        return b.ToString();
    }
}
