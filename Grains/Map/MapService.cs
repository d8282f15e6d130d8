using System.Collections.Concurrent;
using NetTopologySuite.Geometries;
using TongBan.Grains.Calendar;
using TongBan.Grains.Geo;
using TongBan.Grains.Halls;
using TongBan.Grains.Regions;

namespace TongBan.Grains.Map;

/// <summary>Options under <c>TongBan:Map</c>.</summary>
public sealed class MapOptions
{
    public const string Section = "TongBan:Map";

    /// <summary>Upper bound of k for the nearest search.</summary>
    public const int MaxK = 50;

    /// <summary>
    /// Share of the top recommendation that is expected to go there (anti-herding weight). An assumption: most
    /// people asking "where should I go" follow the first answer; some go elsewhere or not at all.
    /// </summary>
    public double FollowShare { get; set; } = 0.8;

    /// <summary>Counts recommendations as expected arrivals (on by default; the simulation switches it off to compare).</summary>
    public bool AntiHerding { get; set; } = true;

    /// <summary>How far outside Guizhou's boundary a point still counts as covered (a citizen just across the border).</summary>
    public double CoverageMarginMeters { get; set; } = 20_000;

    /// <summary>Longest route (km, great circle × detour) the nearest search proposes on foot: nobody walks 50 km to a hall.</summary>
    public double MaxWalkKm { get; set; } = 5;

    /// <summary>Longest route (km) proposed by bus or metro (transit, 公交).</summary>
    public double MaxTransitKm { get; set; } = 20;

    /// <summary>Longest route (km) proposed by car.</summary>
    public double MaxDriveKm { get; set; } = 100;

    /// <summary>The route-length cap of a mode, in metres.</summary>
    public double MaxRouteMeters(TravelMode mode) => 1000 * mode switch
    {
        TravelMode.Walk => MaxWalkKm,
        TravelMode.Transit => MaxTransitKm,
        _ => MaxDriveKm,
    };

    public void Validate()
    {
        foreach (var (name, km) in new[] { (nameof(MaxWalkKm), MaxWalkKm), (nameof(MaxTransitKm), MaxTransitKm), (nameof(MaxDriveKm), MaxDriveKm) })
        {
            if (!(km > 0) || km > 2_000)
            {
                throw new ArgumentOutOfRangeException(name, km, $"{Section}:{name} must be in (0, 2000] km.");
            }
        }
    }
}

/// <summary>A point changed (profile or live figures): the viewport feed pushes it to watchers.</summary>
public sealed class MapChangeTracker
{
    private readonly ConcurrentDictionary<string, byte> pending = new(StringComparer.Ordinal);

    public void Mark(string code) => pending.TryAdd(code, 0);

    public bool HasPending => !pending.IsEmpty;

    public IReadOnlyList<string> Drain()
    {
        var codes = new List<string>(pending.Count);
        foreach (var code in pending.Keys)
        {
            if (pending.TryRemove(code, out _))
            {
                codes.Add(code);
            }
        }

        return codes;
    }
}

/// <summary>Choropleth figures of one region.</summary>
public sealed record RegionAggregate(string Code, string Name, RegionLevel Level, int Points, int OpenPoints, int Waiting, int SuspendedPoints, double? GoodRate, int RatedPoints);

/// <summary>
/// The map of one silo: the spatial index over the directory, the live overlay, the nearest search and the
/// anti-herding ledger. Every silo has its own and answers locally; the directory sync and the live feed keep
/// them consistent. Thread-safe: the index is immutable and swapped whole; cells are updated atomically.
/// </summary>
public sealed class MapService
{
    private readonly ServicePointDirectory directory;
    private readonly RegionCatalog regions;
    private readonly CalendarProvider calendar;
    private readonly TimeProvider clock;
    private readonly MapOptions options;
    private readonly Lock rebuildGate = new();
    private readonly ConcurrentDictionary<(string Code, long Minute), (double Weight, long Expires)> unsent = new();
    private volatile MapIndex? index;

    public MapService(
        ServicePointDirectory directory, RegionCatalog regions, CalendarProvider calendar, TimeProvider clock, MapOptions options,
        GreatCircleTravelModel? model = null, PointIndexKind kind = PointIndexKind.StrTree)
    {
        this.directory = directory;
        this.regions = regions;
        this.calendar = calendar;
        this.clock = clock;
        this.options = options;
        Kind = kind;
        Search = new NearestSearch(model ?? GreatCircleTravelModel.Guizhou, new QueueLoadModel());
    }

    /// <summary>Distinguishes this silo's recommendation batches from its peers' (it has counted its own already).</summary>
    public Guid InstanceId { get; } = Guid.NewGuid();

    public LiveOverlay Overlay { get; } = new();

    public MapChangeTracker Changes { get; } = new();

    public NearestSearch Search { get; }

    public PointIndexKind Kind { get; }

    public MapOptions Options => options;

    public RegionCatalog Regions => regions;

    public WorkingDayCalendar Calendar => calendar.Current;

    public DateTimeOffset Now => Common.ChinaTime.Now(clock);

    /// <summary>The current index; rebuilt on first use after the directory changed.</summary>
    public MapIndex Index
    {
        get
        {
            var current = index;
            var version = directory.Version;
            if (current is not null && current.DirectoryVersion == version)
            {
                return current;
            }

            lock (rebuildGate)
            {
                current = index;
                if (current is null || current.DirectoryVersion != directory.Version)
                {
                    version = directory.Version;
                    current = MapIndex.Build(directory.All, Overlay, version, Kind);
                    index = current;
                }

                return current;
            }
        }
    }

    /// <summary>
    /// Applies a live snapshot; unknown codes are ignored so the overlay stays bounded by the directory. The point is
    /// marked for the map watchers only when its figures changed (<see cref="MapPointLive.SameFigures"/>).
    /// </summary>
    public bool ApplyLive(MapPointLive live)
    {
        if (directory.Find(live.Code) is null)
        {
            return false;
        }

        var cell = Overlay.Cell(live.Code);
        var before = cell.Live;
        if (!cell.Update(live))
        {
            return false;
        }

        if (before is null || !before.SameFigures(live))
        {
            Changes.Mark(live.Code);
        }

        return true;
    }

    /// <summary>Whether a point is inside Guizhou or within the coverage margin of its boundary.</summary>
    public bool IsCovered(GeoPoint wgs)
    {
        if (regions.LocateCounty(wgs) is not null)
        {
            return true;
        }

        // Outside every county: covered only close to the boundary (people living just across it).
        var nearest = Index.Entries.Length == 0 ? double.MaxValue : NearestDistanceMeters(wgs);
        return nearest <= options.CoverageMarginMeters;
    }

    private double NearestDistanceMeters(GeoPoint wgs)
    {
        var best = double.MaxValue;
        var idx = Index;
        var (box, _) = NearestSearch.BoxAround(wgs, options.CoverageMarginMeters, idx.Extent);
        foreach (var e in idx.Query(box))
        {
            best = Math.Min(best, GreatCircle.DistanceMeters(wgs, e.Location));
        }

        return best;
    }

    /// <summary>The exact top-k by the great-circle model (no side effects).</summary>
    public List<NearestCandidate> Rank(NearestQuery query) => Search.Find(Index, query, calendar.Current);

    /// <summary>
    /// Counts the top recommendation as an expected arrival at its hall (weight <see cref="MapOptions.FollowShare"/>) from the time it
    /// can serve (the planned arrival, or the opening) until the end of that opening session, here and, through
    /// <see cref="DrainUnsent"/>, on the other silos.
    /// </summary>
    public void RecordRecommendation(NearestCandidate top)
    {
        if (!options.AntiHerding || top.Entry.Point.Categories.Count == 0 || top.ServedFrom is not { } from)
        {
            return;
        }

        var now = NearestSearch.MinuteOf(Now);
        var minute = NearestSearch.MinuteOf(from);
        var expires = top.SessionEnds is { } end ? NearestSearch.MinuteOf(end) : minute;
        top.Entry.Cell.Arrivals.Add(now, minute, expires, options.FollowShare);
        unsent.AddOrUpdate(
            (top.Code, ExpectedArrivals.SlotOf(minute)), (options.FollowShare, expires), (_, w) => (w.Weight + options.FollowShare, Math.Max(w.Expires, expires)));
    }

    /// <summary>Buckets in the anti-herding ledger over all points (each a slot × point), for the bounded-memory figures.</summary>
    public int LedgerBuckets()
    {
        var count = 0;
        foreach (var e in Index.Entries)
        {
            count += e.Cell.Arrivals.Buckets.Count;
        }

        return count;
    }

    /// <summary>Applies a peer silo's recommendations.</summary>
    public void ApplyPeerArrivals(ExpectedArrivalBatch batch)
    {
        if (batch.Origin == InstanceId || !options.AntiHerding)
        {
            return;
        }

        var now = NearestSearch.MinuteOf(Now);
        foreach (var a in batch.Arrivals)
        {
            if (directory.Find(a.Code) is not null)
            {
                // A batch from a silo that predates session expiry (no ExpiresMinute) counts until the arrival, as it did then.
                Overlay.Cell(a.Code).Arrivals.Add(now, a.Minute, Math.Max(a.ExpiresMinute, a.Minute), a.Weight);
            }
        }
    }

    /// <summary>The recommendations counted here since the last call, for the broadcast to peers.</summary>
    public ExpectedArrivalBatch? DrainUnsent()
    {
        if (unsent.IsEmpty)
        {
            return null;
        }

        var list = new List<ExpectedArrival>();
        foreach (var key in unsent.Keys)
        {
            if (unsent.TryRemove(key, out var w))
            {
                list.Add(new ExpectedArrival(key.Code, key.Minute, w.Weight, w.Expires));
            }
        }

        return list.Count == 0 ? null : new ExpectedArrivalBatch(InstanceId, [.. list]);
    }

    /// <summary>Open now: not closed, not suspended, within opening hours on this calendar day.</summary>
    public bool IsOpenNow(ServicePoint p, DateTimeOffset now)
    {
        if (p.Closed || Overlay.Find(p.Code)?.Live?.Suspended == true)
        {
            return false;
        }

        return HallClock.IsOpen(p, calendar.Current, now);
    }

    /// <summary>Service points in a lon/lat box (WGS84), optionally of one type or handling one item.</summary>
    public List<MapEntry> InBox(Envelope box, ServicePointType? type = null, string? itemCode = null)
    {
        var found = Index.Query(box, type);
        found.RemoveAll(e => itemCode is { } i && !e.Point.ItemCodes.Contains(i, StringComparer.Ordinal));
        found.Sort((a, b) => string.CompareOrdinal(a.Point.Code, b.Point.Code));
        return found;
    }

    /// <summary>
    /// Choropleth figures per county or prefecture: points, points open now, people waiting, suspended points,
    /// and the mean good rate of the points that report one (unweighted: the snapshot carries no rating counts).
    /// </summary>
    public IReadOnlyList<RegionAggregate> Aggregate(RegionLevel level)
    {
        var now = Now;
        var byRegion = new Dictionary<string, (int Points, int Open, int Waiting, int Suspended, double GoodSum, int Rated)>(StringComparer.Ordinal);
        foreach (var e in Index.Entries)
        {
            var region = RollUp(e.Point.RegionCode, level);
            if (region is null)
            {
                continue;
            }

            var live = e.Cell.Live;
            var a = byRegion.GetValueOrDefault(region);
            a.Points++;
            a.Open += IsOpenNow(e.Point, now) ? 1 : 0;
            a.Waiting += live?.WaitingTotal ?? 0;
            a.Suspended += live?.Suspended == true ? 1 : 0;
            if (live?.GoodRate is { } g)
            {
                a.GoodSum += g;
                a.Rated++;
            }

            byRegion[region] = a;
        }

        return [.. regions.All.Where(r => r.Level == level).Select(r =>
        {
            var a = byRegion.GetValueOrDefault(r.Code);
            return new RegionAggregate(r.Code, r.Name, r.Level, a.Points, a.Open, a.Waiting, a.Suspended, a.Rated == 0 ? null : Math.Round(a.GoodSum / a.Rated, 4), a.Rated);
        })];
    }

    /// <summary>The region of <paramref name="level"/> that contains <paramref name="regionCode"/>; null above it (the province centre for counties).</summary>
    private string? RollUp(string regionCode, RegionLevel level)
    {
        for (var r = regions.Find(regionCode); r is not null; r = r.ParentCode is null ? null : regions.Find(r.ParentCode))
        {
            if (r.Level == level)
            {
                return r.Code;
            }
        }

        return null;
    }
}

/// <summary>Expected arrivals counted on one silo, for its peers.</summary>
[GenerateSerializer, Immutable]
public sealed record ExpectedArrivalBatch([property: Id(0)] Guid Origin, [property: Id(1)] IReadOnlyList<ExpectedArrival> Arrivals);

[GenerateSerializer, Immutable]
public readonly record struct ExpectedArrival(
    [property: Id(0)] string Code, [property: Id(1)] long Minute, [property: Id(2)] double Weight, [property: Id(3)] long ExpiresMinute = 0);
