using NetTopologySuite.Geometries;
using TongBan.Grains.Calendar;
using TongBan.Grains.Geo;
using TongBan.Grains.Halls;

namespace TongBan.Grains.Map;

/// <summary>A nearest-hall question (all coordinates WGS84).</summary>
/// <param name="ArriveAt">Planned arrival time; null = leave now and arrive after the travel time.</param>
/// <param name="IncludeClosed">Also list points closed at arrival (marked, ranked after every open one).</param>
/// <param name="AlwaysOpenOnly">Only 24h points (自助服务 around the clock).</param>
public sealed record NearestQuery(
    GeoPoint Origin,
    TravelMode Mode,
    int K,
    DateTimeOffset Now,
    DateTimeOffset? ArriveAt = null,
    ServicePointType? Type = null,
    string? ItemCode = null,
    bool IncludeClosed = false,
    bool AlwaysOpenOnly = false);

/// <summary>One ranked service point with the figures behind its rank.</summary>
/// <param name="BaseWaitMinutes">The hall's own predicted wait for its quoted category (null: no live figure or no window serving).</param>
/// <param name="ExpectedAhead">Recommended citizens expected to arrive before this one (anti-herding).</param>
/// <param name="HerdingMinutes">What those expected arrivals add to the wait.</param>
public sealed record NearestCandidate(
    MapEntry Entry,
    double DistanceMeters,
    double TravelMinutes,
    double? RouteMeters,
    DateTimeOffset Arrival,
    int? BaseWaitMinutes,
    double ExpectedAhead,
    double HerdingMinutes,
    double TotalMinutes,
    bool Open,
    string? ClosedReason,
    TravelSource TravelSource = TravelSource.GreatCircle)
{
    public double WaitMinutes => (BaseWaitMinutes ?? 0) + HerdingMinutes;

    public string Code => Entry.Point.Code;
}

/// <summary>
/// Ranks service points by total time = travel + predicted wait at arrival (+ the load of recommendations
/// already handed out that arrive earlier), open points first, ties by code. Pure: the same index, live cells,
/// calendar and time give the same answer, which is what the brute-force comparison test relies on.
/// </summary>
public sealed class NearestSearch(GreatCircleTravelModel model, QueueLoadModel load)
{
    private const double EarthRadiusMeters = 6_371_008.8;

    public GreatCircleTravelModel Model => model;

    public QueueLoadModel Load => load;

    /// <summary>
    /// Exact top-k with the great-circle model, by expanding envelopes: every point outside a box of
    /// "radius" r is at least r away, so its total is at least <c>travel(r)</c> (waits are ≥ 0); once the k-th
    /// best open total is below that, no point outside can enter the top k. Otherwise r doubles, up to the
    /// index extent.
    /// </summary>
    public List<NearestCandidate> Find(MapIndex index, NearestQuery query, WorkingDayCalendar calendar)
    {
        var run = new Run(this, query, calendar);
        if (index.Entries.Length == 0 || query.K <= 0)
        {
            return run.Best;
        }

        var radius = Math.Max(1_000, Math.Sqrt(4.0 * query.K / (Math.PI * Math.Max(index.PointsPerKm2, 1e-6))) * 1_000);
        while (true)
        {
            var (box, covers) = BoxAround(query.Origin, radius, index.Extent);
            run.Reset();
            index.Query(box, run);
            if (covers || run.CanStop(model.Minutes(radius, query.Mode)))
            {
                return Explained(run.Best, calendar);
            }

            radius *= 2;
        }
    }

    /// <summary>The reference answer: every point evaluated, sorted. Same model; used by tests and the benchmark.</summary>
    public List<NearestCandidate> BruteForce(MapIndex index, NearestQuery query, WorkingDayCalendar calendar)
    {
        var run = new Run(this, query, calendar);
        var all = new List<NearestCandidate>();
        foreach (var e in index.Entries)
        {
            if (run.Evaluate(e) is { } c)
            {
                all.Add(c);
            }
        }

        return Explained(all.OrderBy(c => c, Comparer<NearestCandidate>.Create(Compare)).Take(query.K).ToList(), calendar);
    }

    /// <summary>Rank order: open before closed, then total minutes, then code (deterministic ties).</summary>
    public static int Compare(NearestCandidate a, NearestCandidate b)
    {
        if (a.Open != b.Open)
        {
            return a.Open ? -1 : 1;
        }

        var c = a.TotalMinutes.CompareTo(b.TotalMinutes);
        return c != 0 ? c : string.CompareOrdinal(a.Code, b.Code);
    }

    /// <summary>
    /// Evaluates one point with a given travel time (from the model or a routing engine). Null when a filter
    /// excludes it, or it is closed at arrival and closed points were not asked for.
    /// </summary>
    public NearestCandidate? Evaluate(MapEntry e, NearestQuery q, WorkingDayCalendar calendar, double distance, double travelMinutes, double? routeMeters, TravelSource source, DayMemo? memo = null)
    {
        var p = e.Point;
        if ((q.Type is { } t && p.Type != t) || (q.AlwaysOpenOnly && !p.Hours.Always) ||
            (q.ItemCode is { } item && !Contains(p.ItemCodes, item)))
        {
            return null;
        }

        var arrival = q.ArriveAt ?? q.Now.AddMinutes(travelMinutes);
        var live = e.Cell.Live;
        var suspended = live?.Suspended ?? false;
        bool open;
        if (suspended)
        {
            open = false;
        }
        else if (p.Hours.Always)
        {
            open = true;
        }
        else
        {
            memo ??= new DayMemo(calendar);
            open = memo.IsOpen(p.Hours, arrival);
        }

        if (!open && !q.IncludeClosed)
        {
            return null;
        }

        int? baseWait = null;
        double ahead = 0, herding = 0;
        if (p.Categories.Count > 0)
        {
            var quoted = live?.QuotedCategory();
            baseWait = quoted?.PredictedWaitMinutes;
            ahead = e.Cell.Arrivals.Ahead(MinuteOf(q.Now), MinuteOf(arrival));
            if (ahead > 0)
            {
                herding = ahead * load.MinutesPerArrival(quoted);
            }
        }

        var total = travelMinutes + (baseWait ?? 0) + herding;
        return new NearestCandidate(e, distance, travelMinutes, routeMeters, arrival, baseWait, ahead, herding, total, open, null, source);
    }

    /// <summary>Adds the closed-at-arrival reason to the final results only (it costs a calendar look-up per point).</summary>
    public static List<NearestCandidate> Explained(List<NearestCandidate> results, WorkingDayCalendar calendar)
    {
        for (var i = 0; i < results.Count; i++)
        {
            var c = results[i];
            if (!c.Open && c.ClosedReason is null)
            {
                results[i] = c with
                {
                    ClosedReason = c.Entry.Cell.Live?.Suspended == true
                        ? "暂停服务 service suspended"
                        : OpeningRules.ClosedReason(c.Entry.Point.Hours, calendar, c.Arrival),
                };
            }
        }

        return results;
    }

    public static long MinuteOf(DateTimeOffset t) => t.ToUnixTimeSeconds() / 60;

    private static bool Contains(IReadOnlyList<string> items, string item)
    {
        for (var i = 0; i < items.Count; i++)
        {
            if (string.Equals(items[i], item, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// A lon/lat box such that every point outside it is at least <paramref name="radius"/> metres away:
    /// |Δlat| ≥ r/R bounds the meridian arc; for longitude the nearest point of the meridian at Δλ lies
    /// R·asin(sin Δλ · cos φ) away, so Δλ = asin(sin(r/R) / cos φ). Covers = the box holds the whole extent.
    /// </summary>
    internal static (Envelope Box, bool Covers) BoxAround(GeoPoint origin, double radius, Envelope extent)
    {
        var angular = radius / EarthRadiusMeters;
        var dLat = angular * 180 / Math.PI;
        var s = Math.Sin(Math.Min(angular, Math.PI / 2)) / Math.Cos(origin.Lat * Math.PI / 180);
        var dLon = s >= 1 ? 180 : Math.Asin(s) * 180 / Math.PI;
        var box = new Envelope(origin.Lon - dLon, origin.Lon + dLon, origin.Lat - dLat, origin.Lat + dLat);
        return (box, box.Covers(extent));
    }

    /// <summary>Caches the calendar's verdict per date (a query's arrivals mostly fall on one or two dates).</summary>
    public sealed class DayMemo(WorkingDayCalendar calendar)
    {
        private DateOnly lastDate;
        private DayKind lastKind;
        private bool has;

        public bool IsOpen(OpeningHours hours, DateTimeOffset at)
        {
            var local = at.ToOffset(Common.ChinaTime.Offset).DateTime;
            var date = DateOnly.FromDateTime(local);
            if (!has || date != lastDate)
            {
                lastDate = date;
                lastKind = calendar.Describe(date).Kind;
                has = true;
            }

            var sessions = lastKind switch
            {
                DayKind.Workday or DayKind.AdjustedWorkday => hours.Workdays,
                DayKind.Weekend when date.DayOfWeek == DayOfWeek.Saturday => hours.Saturday,
                _ => (IReadOnlyList<OpeningSession>)[],
            };
            var time = TimeOnly.FromDateTime(local);
            for (var i = 0; i < sessions.Count; i++)
            {
                if (time >= sessions[i].Opens && time < sessions[i].Closes)
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>One search: evaluates visited entries and keeps the best k in a small sorted buffer.</summary>
    private sealed class Run(NearestSearch search, NearestQuery query, WorkingDayCalendar calendar) : IMapEntryVisitor
    {
        private readonly DayMemo memo = new(calendar);

        public List<NearestCandidate> Best { get; } = new(query.K + 1);

        public void Reset() => Best.Clear();

        public bool CanStop(double travelAtRadius) =>
            Best.Count >= query.K && Best[^1].Open && Best[^1].TotalMinutes < travelAtRadius;

        public NearestCandidate? Evaluate(MapEntry e)
        {
            var d = GreatCircle.DistanceMeters(query.Origin, e.Location);
            return search.Evaluate(e, query, calendar, d, search.Model.Minutes(d, query.Mode), search.Model.RouteMeters(d, query.Mode), TravelSource.GreatCircle, memo);
        }

        public void Visit(MapEntry entry)
        {
            // Cheap pre-check: with k results in hand, a point whose travel alone exceeds the k-th open total cannot enter.
            var d = GreatCircle.DistanceMeters(query.Origin, entry.Location);
            var travel = search.Model.Minutes(d, query.Mode);
            if (Best.Count >= query.K && Best[^1].Open && travel > Best[^1].TotalMinutes)
            {
                return;
            }

            if (search.Evaluate(entry, query, calendar, d, travel, search.Model.RouteMeters(d, query.Mode), TravelSource.GreatCircle, memo) is not { } c)
            {
                return;
            }

            if (Best.Count >= query.K && Compare(c, Best[^1]) >= 0)
            {
                return;
            }

            var at = Best.BinarySearch(c, Comparer<NearestCandidate>.Create(Compare));
            Best.Insert(at < 0 ? ~at : at, c);
            if (Best.Count > query.K)
            {
                Best.RemoveAt(Best.Count - 1);
            }
        }
    }
}

/// <summary>
/// How much queue one more person adds, for the anti-herding load: the quoted category's observed service
/// time per serving window when the hall reports a wait for people in line (predicted ÷ waiting), else the queue
/// rules' prior service time (6 min) over the serving windows (at least one: a window will open).
/// </summary>
public sealed class QueueLoadModel(double priorServiceMinutes = 6)
{
    public double PriorServiceMinutes => priorServiceMinutes;

    public double MinutesPerArrival(CategoryWait? quoted)
    {
        if (quoted is { Waiting: > 0, PredictedWaitMinutes: { } predicted } q && predicted > 0)
        {
            return (double)predicted / q.Waiting;
        }

        var windows = Math.Max(1.0, quoted?.ServingWindows ?? 1.0);
        return priorServiceMinutes / windows;
    }
}
