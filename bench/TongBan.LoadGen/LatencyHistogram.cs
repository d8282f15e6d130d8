using System.Diagnostics;
using System.Numerics;

namespace TongBan.LoadGen;

/// <summary>
/// A log-linear latency histogram in microseconds (HdrHistogram's layout with 32 linear sub-buckets per
/// power of two: at most ~3% relative error, fixed 15 KB, no allocation per sample). Not thread-safe (the load
/// generator's <see cref="ConcurrentLatencies"/> counts into the same buckets from many threads):
/// each worker records into its own and the report merges them.
/// </summary>
public sealed class LatencyHistogram
{
    private const int SubBits = 5;
    private const int SubBuckets = 1 << SubBits;
    private const int BucketCount = (64 - SubBits) * SubBuckets;

    /// <summary>The largest bucket index <see cref="Index"/> can return.</summary>
    internal const int UpperBoundIndex = BucketCount - 1;

    private readonly long[] counts = new long[BucketCount];

    public long Count { get; private set; }

    public long MaxMicros { get; private set; }

    public double SumMicros { get; private set; }

    public double MeanMicros => Count == 0 ? 0 : SumMicros / Count;

    /// <summary>Records the time since <paramref name="startTimestamp"/> (<see cref="Stopwatch.GetTimestamp"/>).</summary>
    public void RecordSince(long startTimestamp) =>
        Record((long)Stopwatch.GetElapsedTime(startTimestamp).TotalMicroseconds);

    public void Record(long micros)
    {
        micros = Math.Max(0, micros);
        counts[Index(micros)]++;
        Count++;
        SumMicros += micros;
        MaxMicros = Math.Max(MaxMicros, micros);
    }

    public void Add(LatencyHistogram other)
    {
        for (var i = 0; i < BucketCount; i++)
        {
            counts[i] += other.counts[i];
        }

        Count += other.Count;
        SumMicros += other.SumMicros;
        MaxMicros = Math.Max(MaxMicros, other.MaxMicros);
    }

    /// <summary>The value at or below which <paramref name="percentile"/>% of the samples fall (bucket upper bound; exact max at 100).</summary>
    public long PercentileMicros(double percentile)
    {
        if (Count == 0)
        {
            return 0;
        }

        var rank = Math.Max(1, (long)Math.Ceiling(percentile / 100 * Count));
        long seen = 0;
        for (var i = 0; i < BucketCount; i++)
        {
            seen += counts[i];
            if (seen >= rank)
            {
                return Math.Min(UpperBound(i), MaxMicros);
            }
        }

        return MaxMicros;
    }

    internal static int Index(long value)
    {
        if (value < SubBuckets)
        {
            return (int)value;
        }

        var shift = 63 - BitOperations.LeadingZeroCount((ulong)value) - SubBits;
        return ((shift + 1) << SubBits) + (int)((value >> shift) & (SubBuckets - 1));
    }

    internal static long UpperBound(int index)
    {
        if (index < SubBuckets)
        {
            return index;
        }

        var shift = (index >> SubBits) - 1;
        var sub = index & (SubBuckets - 1);
        return ((long)(SubBuckets + sub + 1) << shift) - 1;
    }
}
