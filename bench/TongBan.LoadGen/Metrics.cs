using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace TongBan.LoadGen;

/// <summary>Latencies and outcomes of one operation kind.</summary>
public sealed class OperationStats(string name)
{
    private readonly List<double> latencies = [];
    private long offered;
    private long errors;
    private long dropped;

    public string Name { get; } = name;

    public long Offered => Interlocked.Read(ref offered);

    public long Errors => Interlocked.Read(ref errors);

    public long Dropped => Interlocked.Read(ref dropped);

    public long Succeeded
    {
        get
        {
            lock (latencies)
            {
                return latencies.Count;
            }
        }
    }

    public void Offer() => Interlocked.Increment(ref offered);

    public void Drop() => Interlocked.Increment(ref dropped);

    public void Fail() => Interlocked.Increment(ref errors);

    public void Succeed(TimeSpan latency)
    {
        lock (latencies)
        {
            latencies.Add(latency.TotalMilliseconds);
        }
    }

    public double Percentile(double p)
    {
        lock (latencies)
        {
            if (latencies.Count == 0)
            {
                return double.NaN;
            }

            latencies.Sort();
            return latencies[Math.Clamp((int)Math.Ceiling(p * latencies.Count) - 1, 0, latencies.Count - 1)];
        }
    }
}

public sealed class Metrics
{
    private readonly ConcurrentDictionary<string, OperationStats> operations = new();

    public OperationStats this[string name] => operations.GetOrAdd(name, n => new OperationStats(n));

    public IEnumerable<OperationStats> All => operations.Values.OrderBy(o => o.Name, StringComparer.Ordinal);

    /// <summary>Push latency of hall snapshots: receive time minus the snapshot's server timestamp (same clock: loopback).</summary>
    public OperationStats Push { get; } = new("push");

    /// <summary>Push latency of map points (<c>pointsChanged</c>): receive time minus the point's live timestamp.</summary>
    public OperationStats MapPush { get; } = new("push-map");

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
