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
/// Expected arrivals at one point from recommendations (推荐后预计到达), bucketed by 5-minute slot of the time the point
/// can serve them (the planned arrival, or the opening if it is closed then). A bucket counts from its slot until the end of
/// the opening session it falls in, and up to <see cref="HorizonMinutes"/> (7 days) ahead: the morning rush is planned the
/// evening before. Bounded: one bucket per point per slot of the next 7 days at most, and slots of ended sessions are dropped
/// on each write. Reads are lock-free (an immutable array replaced on write); writes (one per nearest query) take a lock.
/// </summary>
public sealed class ExpectedArrivals
{
    /// <summary>Plans further ahead than this are not counted (the nearest search refuses them too).</summary>
    public const int HorizonMinutes = 7 * 24 * 60;

    /// <summary>Bucket width: arrivals within the same 5 minutes are one bucket, which bounds the ledger by time, not by traffic.</summary>
    public const int SlotMinutes = 5;

    private readonly Lock gate = new();
    private volatile Bucket[] buckets = [];

    /// <param name="Minute">Start of the 5-minute slot (Unix minutes).</param>
    /// <param name="ExpiresMinute">End of the opening session the slot lies in: the bucket is dropped then.</param>
    public readonly record struct Bucket(long Minute, long ExpiresMinute, double Weight);

    public IReadOnlyList<Bucket> Buckets => buckets;

    public static long SlotOf(long minute) => minute - (((minute % SlotMinutes) + SlotMinutes) % SlotMinutes);

    /// <summary>
    /// Expected arrivals in slots [<paramref name="fromMinute"/>, <paramref name="arrivalMinute"/>]: people who will be in the queue
    /// ahead of someone served from <paramref name="arrivalMinute"/>. The caller passes the later of now (earlier arrivals are in the
    /// live queue) and the start of the session (an earlier session's people are gone by then).
    /// </summary>
    public double Ahead(long fromMinute, long arrivalMinute)
    {
        var b = buckets;
        var from = SlotOf(fromMinute);
        var sum = 0.0;
        for (var i = 0; i < b.Length; i++)
        {
            var m = b[i].Minute;
            if (m > arrivalMinute)
            {
                break;
            }

            if (m >= from)
            {
                sum += b[i].Weight;
            }
        }

        return sum;
    }

    /// <summary>Adds weight at an arrival minute until <paramref name="expiresMinute"/>; drops buckets whose session has ended.</summary>
    public void Add(long nowMinute, long arrivalMinute, long expiresMinute, double weight)
    {
        if (arrivalMinute > nowMinute + HorizonMinutes || expiresMinute < nowMinute || weight <= 0)
        {
            return;
        }

        var slot = SlotOf(arrivalMinute);
        expiresMinute = Math.Max(expiresMinute, arrivalMinute);
        lock (gate)
        {
            var list = new List<Bucket>(buckets.Length + 1);
            var added = false;
            foreach (var b in buckets)
            {
                if (b.ExpiresMinute < nowMinute)
                {
                    continue;
                }

                if (!added && b.Minute == slot)
                {
                    list.Add(new Bucket(slot, Math.Max(b.ExpiresMinute, expiresMinute), b.Weight + weight));
                    added = true;
                }
                else if (!added && b.Minute > slot)
                {
                    list.Add(new Bucket(slot, expiresMinute, weight));
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
                list.Add(new Bucket(slot, expiresMinute, weight));
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
