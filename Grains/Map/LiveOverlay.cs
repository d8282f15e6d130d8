using System.Collections.Concurrent;

namespace TongBan.Grains.Map;

/// <summary>
/// Per-point mutable cell shared by every index generation, so a live update is one reference write and
/// the nearest search reads it without a dictionary lookup.
/// </summary>
public sealed class LiveCell(string code)
{
    private volatile MapPointLive? live;

    public string Code { get; } = code;

    public MapPointLive? Live => live;

    /// <summary>Recommendations handed out for this point that have not arrived yet (anti-herding).</summary>
    public ExpectedArrivals Arrivals { get; } = new();

    /// <summary>Keeps the newest snapshot; an older one that arrives late (reordered batches) is ignored.</summary>
    public bool Update(MapPointLive next)
    {
        var current = live;
        if (current is not null && next.At < current.At)
        {
            return false;
        }

        live = next;
        return true;
    }
}

/// <summary>
/// This silo's latest live figures per service point (waiting, predicted wait per category, suspended, good rate),
/// fed by the halls' snapshot pushes. Bounded by the number of known points: cells are created only for codes
/// that the directory knows (see <see cref="MapService"/>).
/// </summary>
public sealed class LiveOverlay
{
    private readonly ConcurrentDictionary<string, LiveCell> cells = new(StringComparer.Ordinal);

    public int Count => cells.Count;

    public LiveCell Cell(string code) => cells.GetOrAdd(code, static c => new LiveCell(c));

    public LiveCell? Find(string code) => cells.GetValueOrDefault(code);
}

/// <summary>
/// Expected arrivals at one point from recommendations (推荐后预计到达), bucketed by arrival minute.
/// Reads are lock-free (an immutable array replaced on write); writes are rare compared with reads
/// (one per nearest query, against tens of candidate reads) and take a lock.
/// </summary>
public sealed class ExpectedArrivals
{
    /// <summary>A planned visit further ahead than this is not counted: plans that far out are mostly not kept.</summary>
    public const int HorizonMinutes = 12 * 60;

    private readonly Lock gate = new();
    private volatile Bucket[] buckets = [];

    public readonly record struct Bucket(long Minute, double Weight);

    public IReadOnlyList<Bucket> Buckets => buckets;

    /// <summary>Expected arrivals in minutes [<paramref name="nowMinute"/>, <paramref name="arrivalMinute"/>]: people who will be in the queue ahead of someone arriving then.</summary>
    public double Ahead(long nowMinute, long arrivalMinute)
    {
        var b = buckets;
        var sum = 0.0;
        for (var i = 0; i < b.Length; i++)
        {
            var m = b[i].Minute;
            if (m > arrivalMinute)
            {
                break;
            }

            if (m >= nowMinute)
            {
                sum += b[i].Weight;
            }
        }

        return sum;
    }

    /// <summary>Adds weight at an arrival minute; drops buckets that have arrived (they are in the live queue now, or never came).</summary>
    public void Add(long nowMinute, long arrivalMinute, double weight)
    {
        if (arrivalMinute < nowMinute || arrivalMinute > nowMinute + HorizonMinutes || weight <= 0)
        {
            return;
        }

        lock (gate)
        {
            var list = new List<Bucket>(buckets.Length + 1);
            var added = false;
            foreach (var b in buckets)
            {
                if (b.Minute < nowMinute)
                {
                    continue;
                }

                if (!added && b.Minute == arrivalMinute)
                {
                    list.Add(b with { Weight = b.Weight + weight });
                    added = true;
                }
                else if (!added && b.Minute > arrivalMinute)
                {
                    list.Add(new Bucket(arrivalMinute, weight));
                    list.Add(b);
                    added = true;
                }
                else
                {
                    list.Add(b);
                }
            }

            if (!added)
            {
                list.Add(new Bucket(arrivalMinute, weight));
            }

            buckets = [.. list];
        }
    }

    public void Clear()
    {
        lock (gate)
        {
            buckets = [];
        }
    }
}
