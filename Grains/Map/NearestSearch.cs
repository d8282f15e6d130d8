using NetTopologySuite.Geometries;
using NetTopologySuite.Index;
using NetTopologySuite.Index.Strtree;
using TongBan.Grains.Calendar;
using TongBan.Grains.Geo;
using TongBan.Grains.Halls;

namespace TongBan.Grains.Map;

/// <summary>A nearest-hall question (all coordinates WGS84).</summary>
/// <param name="ArriveAt">Planned arrival time; null = leave now and arrive after the travel time.</param>
/// <param name="IncludeClosed">
/// Also list points that cannot serve within <see cref="NearestSearch.LookAheadDays"/> days (suspended, long closures), ranked after
/// every other. Points closed at arrival that open later are always listed, ranked by when they can serve.
/// </param>
/// <param name="AlwaysOpenOnly">Only 24h points (自助服务 around the clock).</param>
/// <param name="OpenNowOnly">Only points taking tickets when the citizen arrives (no wait for the opening).</param>
/// <param name="MaxRouteMeters">Cap on the estimated route length (great-circle × detour): walking 50 km is no answer. Null: no cap.</param>
public sealed record NearestQuery(
    GeoPoint Origin,
    TravelMode Mode,
    int K,
    DateTimeOffset Now,
    DateTimeOffset? ArriveAt = null,
    ServicePointType? Type = null,
    string? ItemCode = null,
    bool IncludeClosed = false,
    bool AlwaysOpenOnly = false,
    bool OpenNowOnly = false,
    double? MaxRouteMeters = null);

/// <summary>One ranked service point with the figures behind its rank.</summary>
/// <param name="BaseWaitMinutes">The hall's own predicted wait for its quoted category (null: no live figure or no window serving).</param>
/// <param name="ExpectedAhead">Recommended citizens expected to arrive before this one (anti-herding).</param>
/// <param name="HerdingMinutes">What those expected arrivals add to the wait.</param>
/// <param name="Open">Taking tickets at arrival.</param>
/// <param name="Servable">Can serve within <see cref="NearestSearch.LookAheadDays"/> days (not suspended): ranked before every other.</param>
/// <param name="ServedFrom">When service can start: the arrival when open, else the next opening (开门时间); null when not servable.</param>
/// <param name="SessionEnds">End of the opening session <see cref="ServedFrom"/> falls in (the ledger drops the recommendation then).</param>
/// <param name="LiveWait">The hall's live wait applies (service starts in the session running now); else the queue starts afresh.</param>
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
    TravelSource TravelSource = TravelSource.GreatCircle,
    bool Servable = true,
    DateTimeOffset? ServedFrom = null,
    DateTimeOffset? SessionEnds = null,
    bool LiveWait = true)
{
    public double WaitMinutes => (BaseWaitMinutes ?? 0) + HerdingMinutes;

    /// <summary>Minutes between arrival and the opening (0 when open at arrival).</summary>
    public double MinutesUntilOpen => ServedFrom is { } from && from > Arrival ? (from - Arrival).TotalMinutes : 0;

    public string Code => Entry.Point.Code;
}

/// <summary>
/// Ranks service points by the time until the citizen is served = travel + the wait until the point opens (if closed at
/// arrival) + the predicted wait then (+ the load of recommendations already handed out that arrive earlier in that
/// session), points that cannot serve within <see cref="LookAheadDays"/> last, ties by code. Pure: the same index, live cells,
/// calendar and time give the same answer, which is what the brute-force comparison test relies on.
/// </summary>
public sealed class NearestSearch(GreatCircleTravelModel model, QueueLoadModel load)
{
    private const double EarthRadiusMeters = 6_371_008.8;

    /// <summary>How far ahead the search looks for an opening (the Spring Festival break fits; a longer closure is "not servable").</summary>
    public const int LookAheadDays = 14;

    public GreatCircleTravelModel Model => model;

    public QueueLoadModel Load => load;

    /// <summary>
    /// Exact top-k with the great-circle model. Travel grows strictly with distance and waits are ≥ 0, so a point
    /// at least r away totals at least <c>travel(r)</c>; once the k-th best open total is below that, nothing
    /// farther can enter the top k. On the STRtree (default) nodes and points are taken best-first by a lower bound
    /// of their distance until that holds; on a KdTree, envelopes of "radius" r are queried with r doubling (each
    /// round visiting only its new ring) up to the index extent.
    /// </summary>
    public List<NearestCandidate> Find(MapIndex index, NearestQuery query, WorkingDayCalendar calendar)
    {
        var run = new Run(this, query, calendar);
        if (index.Entries.Length == 0 || query.K <= 0)
        {
            return run.Best;
        }

        if (index.StrRoot(query.Type) is { } root)
        {
            return Explained(BestFirst(root, run, query), calendar);
        }

        // KdTree: start where about k points are expected, and double: each round visits only the ring it adds.
        var radius = Math.Max(500, Math.Sqrt(query.K / (Math.PI * Math.Max(index.PointsPerKm2(query.Type), 1e-6))) * 1_000);
        Envelope? previous = null;
        while (true)
        {
            var (box, covers) = BoxAround(query.Origin, radius, index.Extent);
            run.Skip = previous;
            index.Query(box, run, query.Type);
            if (covers || run.CanStop(model.Minutes(radius, query.Mode)) || BeyondCap(radius, query))
            {
                return Explained(run.Best, calendar);
            }

            previous = box;
            radius *= 2;
        }
    }

    /// <summary>
    /// Best-first over the STRtree: nodes and points come out of a priority queue in order of a lower bound of their
    /// distance from the origin; once travel(bound) exceeds the k-th best open total, nothing left can enter.
    /// Visits little more than the points that could rank, and walks each tree node at most once.
    /// </summary>
    private List<NearestCandidate> BestFirst(AbstractNode<Envelope, MapEntry> root, Run run, NearestQuery query)
    {
        var queue = new PriorityQueue<IBoundable<Envelope, MapEntry>, double>();
        var cosOrigin = Math.Cos(query.Origin.Lat * Math.PI / 180.0);
        queue.Enqueue(root, 0);
        while (queue.TryDequeue(out var next, out var bound))
        {
            if (run.CanStop(model.Minutes(bound, query.Mode)) || BeyondCap(bound, query))
            {
                break;
            }

            if (next is AbstractNode<Envelope, MapEntry> node)
            {
                foreach (var child in node.ChildBoundables)
                {
                    queue.Enqueue(child, LowerBoundMeters(query.Origin, cosOrigin, child.Bounds));
                }
            }
            else
            {
                run.Visit(next.Item);
            }
        }

        return run.Best;
    }

    /// <summary>Whether a point this far (great circle) is beyond the query's route-length cap.</summary>
    internal bool BeyondCap(double greatCircleMeters, NearestQuery query) =>
        query.MaxRouteMeters is { } cap && model.RouteMeters(greatCircleMeters, query.Mode) > cap;

    /// <summary>
    /// A lower bound of the great-circle distance from the origin to any point of a lon/lat box: the latitude gap
    /// (meridian arc), and the longitude gap as the distance to the nearest bounding meridian's great circle,
    /// R·asin(sin Δλ · cos φ). The larger of the two.
    /// </summary>
    internal static double LowerBoundMeters(GeoPoint origin, double cosOrigin, Envelope box)
    {
        var dLat = origin.Lat < box.MinY ? box.MinY - origin.Lat : origin.Lat > box.MaxY ? origin.Lat - box.MaxY : 0;
        var dLon = origin.Lon < box.MinX ? box.MinX - origin.Lon : origin.Lon > box.MaxX ? origin.Lon - box.MaxX : 0;
        if (dLat == 0 && dLon == 0)
        {
            return 0;
        }

        var byLat = dLat * Math.PI / 180.0 * GreatCircle.EarthRadiusMeters;
        var byLon = Math.Asin(Math.Sin(Math.Min(dLon, 90) * Math.PI / 180.0) * cosOrigin) * GreatCircle.EarthRadiusMeters;
        return Math.Max(byLat, byLon);
    }

    /// <summary>
    /// The reference answer: every point scored (no index, no pruning), the best k kept by <see cref="Compare"/>.
    /// Same travel model and scoring; used by the tests and the benchmark.
    /// </summary>
    public List<NearestCandidate> BruteForce(MapIndex index, NearestQuery query, WorkingDayCalendar calendar)
    {
        var memo = new DayMemo(calendar);
        var best = new List<NearestCandidate>(query.K + 1);
        foreach (var e in index.Entries)
        {
            var d = GreatCircle.DistanceMeters(query.Origin, e.Location);
            var travel = model.Minutes(d, query.Mode);
            if (BeyondCap(d, query) || !TryScore(e, query, memo, travel, out var s))
            {
                continue;
            }

            var c = Candidate(e, d, travel, model.RouteMeters(d, query.Mode), query, s, TravelSource.GreatCircle);
            if (best.Count == query.K && Compare(c, best[^1]) >= 0)
            {
                continue;
            }

            var at = 0;
            while (at < best.Count && Compare(best[at], c) < 0)
            {
                at++;
            }

            best.Insert(at, c);
            if (best.Count > query.K)
            {
                best.RemoveAt(best.Count - 1);
            }
        }

        return Explained(best, calendar);
    }

    public static readonly IComparer<NearestCandidate> Comparer = Comparer<NearestCandidate>.Create(Compare);

    /// <summary>Rank order: servable before not, then total minutes (until served), then code (deterministic ties).</summary>
    public static int Compare(NearestCandidate a, NearestCandidate b)
    {
        if (a.Servable != b.Servable)
        {
            return a.Servable ? -1 : 1;
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
        memo ??= new DayMemo(calendar);
        if (q.MaxRouteMeters is { } cap && (routeMeters ?? model.RouteMeters(distance, q.Mode)) > cap)
        {
            return null;
        }

        return TryScore(e, q, memo, travelMinutes, out var s) ? Candidate(e, distance, travelMinutes, routeMeters, q, s, source) : null;
    }

    private static NearestCandidate Candidate(MapEntry e, double distance, double travel, double? routeMeters, NearestQuery q, in Score s, TravelSource source)
    {
        var arrival = q.ArriveAt ?? q.Now.AddMinutes(travel);
        DateTimeOffset? servedFrom = !s.Servable ? null : s.Open ? arrival : FromLocal(s.StartLocal);
        DateTimeOffset? sessionEnds = s.Servable && double.IsFinite(s.SessionClosesLocal) ? FromLocal(s.SessionClosesLocal) : null;
        return new NearestCandidate(
            e, distance, travel, routeMeters, arrival, s.BaseWait, s.Ahead, s.Herding, s.Total, s.Open, null, source, s.Servable, servedFrom, sessionEnds, s.LiveWait);
    }

    /// <summary>The figures behind a rank, computed without allocating (most visited points do not make the top k).</summary>
    internal readonly record struct Score(
        int? BaseWait, double Ahead, double Herding, double Total, bool Open, bool Servable, double StartLocal, double SessionClosesLocal, bool LiveWait);

    internal bool TryScore(MapEntry e, NearestQuery q, DayMemo memo, double travelMinutes, out Score score)
    {
        score = default;
        var p = e.Point;
        if ((q.Type is { } t && p.Type != t) || (q.AlwaysOpenOnly && !p.Hours.Always) ||
            (q.ItemCode is { } item && !Contains(p.ItemCodes, item)))
        {
            return false;
        }

        // Times as local (Beijing) minutes since 0001-01-01: plain arithmetic in the hot loop, no DateTimeOffset.
        var nowLocal = LocalMinutes(q.Now);
        var arrivalLocal = q.ArriveAt is { } fixedArrival ? LocalMinutes(fixedArrival) : nowLocal + travelMinutes;
        var live = e.Cell.Live;
        if ((live?.Suspended ?? false) || !memo.TryServe(p, arrivalLocal, out var service))
        {
            // Suspended, or no opening within the look-ahead: listed last, and only when asked for.
            if (!q.IncludeClosed || q.OpenNowOnly)
            {
                return false;
            }

            score = new Score(null, 0, 0, travelMinutes, false, false, arrivalLocal, double.PositiveInfinity, false);
            return true;
        }

        var open = service.StartLocal <= arrivalLocal;
        if (q.OpenNowOnly && !open)
        {
            return false;
        }

        // The hall's live wait says something only about the session running now; a later session starts with an empty queue.
        var liveWait = service.SessionOpensLocal <= nowLocal;
        int? baseWait = null;
        double ahead = 0, herding = 0, wait = 0;
        if (p.Categories.Count > 0)
        {
            var quoted = liveWait ? live?.QuotedCategory() : null;
            baseWait = quoted?.PredictedWaitMinutes;
            ahead = e.Cell.Arrivals.Ahead(UnixMinute(Math.Max(nowLocal, service.SessionOpensLocal)), UnixMinute(service.StartLocal));
            if (ahead > 0)
            {
                herding = ahead * load.MinutesPerArrival(quoted, ProfileWindows(p, quoted?.Code));
            }

            if (baseWait is not null || herding > 0)
            {
                wait = PublishedWait((baseWait ?? 0) + herding); // rank on the whole minutes the citizen is shown
            }
        }

        var untilOpen = Math.Max(0, service.StartLocal - arrivalLocal);
        score = new Score(baseWait, ahead, herding, travelMinutes + untilOpen + wait, open, true, service.StartLocal, service.SessionClosesLocal, liveWait);
        return true;
    }

    /// <summary>A wait as published: whole minutes, rounded up (a person reads "about 7 minutes", never 6.3).</summary>
    public static int PublishedWait(double minutes) => (int)Math.Ceiling(minutes - 1e-9);

    /// <summary>
    /// The point's serving capacity for a category from its profile: the windows that serve it (the general 全省通办 category,
    /// else the first, when none is quoted). A closed hall has no serving windows now, yet all of them when it opens.
    /// </summary>
    internal static int ProfileWindows(ServicePoint p, string? category)
    {
        if (category is null)
        {
            category = p.Categories[0].Code;
            for (var i = 0; i < p.Categories.Count; i++)
            {
                if (p.Categories[i].Code == MapPointLive.GeneralCategory)
                {
                    category = MapPointLive.GeneralCategory;
                    break;
                }
            }
        }

        var count = 0;
        for (var i = 0; i < p.Windows.Count; i++)
        {
            if (Contains(p.Windows[i].Categories, category))
            {
                count++;
            }
        }

        return count;
    }

    private static readonly double OffsetMinutes = Common.ChinaTime.Offset.TotalMinutes;
    private static readonly double UnixEpochMinutes = DateTimeOffset.UnixEpoch.UtcTicks / (double)TimeSpan.TicksPerMinute;

    /// <summary>Beijing local time as minutes since 0001-01-01 00:00.</summary>
    public static double LocalMinutes(DateTimeOffset t) => (t.UtcTicks / (double)TimeSpan.TicksPerMinute) + OffsetMinutes;

    private static long UnixMinute(double localMinutes) => (long)Math.Floor(localMinutes - OffsetMinutes - UnixEpochMinutes);

    /// <summary>The instant of a local (Beijing) minute count, +08:00.</summary>
    public static DateTimeOffset FromLocal(double localMinutes) =>
        new DateTimeOffset((long)Math.Round((localMinutes - OffsetMinutes) * TimeSpan.TicksPerMinute), TimeSpan.Zero).ToOffset(Common.ChinaTime.Offset);

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
                        : HallClock.Read(c.Entry.Point, calendar, c.Arrival).ClosedReason ?? (c.Servable ? null : "近期不开放 no opening in the next two weeks"),
                };
            }
        }

        return results;
    }

    public static long MinuteOf(DateTimeOffset t) => UnixMinute(LocalMinutes(t));

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

    /// <summary>When service can start for an arrival, and the opening session it falls in (local minutes; infinite for 24 h points).</summary>
    public readonly record struct Service(double StartLocal, double SessionOpensLocal, double SessionClosesLocal);

    /// <summary>Caches the calendar's verdict per date (a query's arrivals mostly fall on one or two dates).</summary>
    public sealed class DayMemo(WorkingDayCalendar calendar)
    {
        private int lastDay = -1;
        private DayKind lastKind;
        private bool saturday;

        public bool IsOpen(OpeningHours hours, DateTimeOffset at) => hours.Always || IsOpenAt(hours, LocalMinutes(at));

        /// <summary>
        /// When a point can serve someone arriving at <paramref name="arrivalLocal"/>: at arrival while it takes tickets (inside a
        /// session and before the 停止取号 cutoff), else at the start of the next session that takes tickets, within
        /// <see cref="LookAheadDays"/> days. The same rule as <see cref="HallClock.Read"/>; regular hours take the fast path.
        /// </summary>
        public bool TryServe(ServicePoint point, double arrivalLocal, out Service service)
        {
            var exceptions = point.HoursExceptions is { Count: > 0 };
            if (point.Hours.Always)
            {
                if (!exceptions)
                {
                    service = new Service(arrivalLocal, double.NegativeInfinity, double.PositiveInfinity);
                    return true;
                }

                var reading = HallClock.Read(point, calendar, FromLocal(arrivalLocal));
                var from = reading.OpenNow ? arrivalLocal : reading.NextOpening is { } next ? LocalMinutes(next) : double.NaN;
                service = new Service(from, reading.OpenNow ? double.NegativeInfinity : from, double.PositiveInfinity);
                return !double.IsNaN(from);
            }

            var cutoff = (point.TicketCutoffMinutes ?? HallClock.DefaultTicketCutoffMinutes) * 1.0;
            var firstDay = (int)(arrivalLocal / MinutesPerDay);
            for (var day = firstDay; day <= firstDay + LookAheadDays; day++)
            {
                var sessions = exceptions ? HallClock.SessionsOn(point, calendar, DateOnly.FromDayNumber(day)) : Regular(point.Hours, day);
                if (sessions is null)
                {
                    continue;
                }

                for (var i = 0; i < sessions.Count; i++)
                {
                    var opens = (day * MinutesPerDay) + Minutes(sessions[i].Opens);
                    var closes = (day * MinutesPerDay) + Minutes(sessions[i].Closes);
                    if (closes - cutoff > opens && arrivalLocal < closes - cutoff)
                    {
                        service = new Service(Math.Max(arrivalLocal, opens), opens, closes);
                        return true;
                    }
                }
            }

            service = default;
            return false;
        }

        private IReadOnlyList<OpeningSession>? Regular(OpeningHours hours, int day)
        {
            if (day != lastDay)
            {
                var date = DateOnly.FromDayNumber(day);
                lastKind = calendar.Describe(date).Kind;
                saturday = date.DayOfWeek == DayOfWeek.Saturday;
                lastDay = day;
            }

            return lastKind switch
            {
                DayKind.Workday or DayKind.AdjustedWorkday => hours.Workdays,
                DayKind.Weekend when saturday => hours.Saturday,
                _ => null,
            };
        }

        /// <summary>
        /// A point with manager exceptions (延时服务, 临时闭厅): the full <see cref="HallClock"/>, off the fast path because few
        /// points have any.
        /// </summary>
        public bool IsOpen(ServicePoint point, double localMinutes)
        {
            var utcTicks = (long)Math.Round((localMinutes - OffsetMinutes) * TimeSpan.TicksPerMinute);
            return HallClock.IsOpen(point, calendar, new DateTimeOffset(utcTicks, TimeSpan.Zero));
        }

        /// <summary>Open at a local time given as minutes since 0001-01-01 (see <see cref="LocalMinutes"/>).</summary>
        public bool IsOpenAt(OpeningHours hours, double localMinutes)
        {
            var day = (int)(localMinutes / MinutesPerDay);
            if (day != lastDay)
            {
                var date = DateOnly.FromDayNumber(day);
                lastKind = calendar.Describe(date).Kind;
                saturday = date.DayOfWeek == DayOfWeek.Saturday;
                lastDay = day;
            }

            var sessions = lastKind switch
            {
                DayKind.Workday or DayKind.AdjustedWorkday => hours.Workdays,
                DayKind.Weekend when saturday => hours.Saturday,
                _ => null,
            };
            if (sessions is null)
            {
                return false;
            }

            var time = localMinutes - (day * MinutesPerDay);
            for (var i = 0; i < sessions.Count; i++)
            {
                if (time >= Minutes(sessions[i].Opens) && time < Minutes(sessions[i].Closes))
                {
                    return true;
                }
            }

            return false;
        }

        private const double MinutesPerDay = 1440;

        private static double Minutes(TimeOnly t) => t.Ticks / (double)TimeSpan.TicksPerMinute;
    }

    /// <summary>One search: evaluates visited entries and keeps the best k in a small sorted buffer.</summary>
    private sealed class Run(NearestSearch search, NearestQuery query, WorkingDayCalendar calendar) : IMapEntryVisitor
    {
        private readonly DayMemo memo = new(calendar);
        private readonly double originCos = Math.Cos(query.Origin.Lat * Math.PI / 180.0);

        public List<NearestCandidate> Best { get; } = new(query.K + 1);

        /// <summary>The previous round's box (KdTree rounds): its points were evaluated already (boundary included, as queries include it).</summary>
        public Envelope? Skip { get; set; }

        /// <summary><see cref="GreatCircle.DistanceMeters"/> with both cosines precomputed: the same formula and the same bits.</summary>
        private double Distance(MapEntry e)
        {
            var dLat = (e.Location.Lat - query.Origin.Lat) * Math.PI / 180.0;
            var dLon = (e.Location.Lon - query.Origin.Lon) * Math.PI / 180.0;
            var sLat = Math.Sin(dLat / 2);
            var sLon = Math.Sin(dLon / 2);
            var h = (sLat * sLat) + (originCos * e.CosLat * sLon * sLon);
            return 2 * GreatCircle.EarthRadiusMeters * Math.Asin(Math.Min(1, Math.Sqrt(h)));
        }

        public bool CanStop(double travelAtRadius) =>
            Best.Count >= query.K && Best[^1].Servable && Best[^1].TotalMinutes < travelAtRadius;

        public void Visit(MapEntry entry)
        {
            if (Skip is { } skip && skip.Covers(entry.Location.Lon, entry.Location.Lat))
            {
                return;
            }

            // With k results in hand, a point whose travel alone exceeds the k-th open total cannot enter.
            var d = Distance(entry);
            var travel = search.Model.Minutes(d, query.Mode);
            var full = Best.Count >= query.K;
            if ((full && Best[^1].Servable && travel > Best[^1].TotalMinutes) || search.BeyondCap(d, query))
            {
                return;
            }

            if (!search.TryScore(entry, query, memo, travel, out var s))
            {
                return;
            }

            if (full)
            {
                var last = Best[^1];
                if (s.Servable == last.Servable &&
                    (s.Total > last.TotalMinutes || (s.Total == last.TotalMinutes && string.CompareOrdinal(entry.Point.Code, last.Code) > 0)))
                {
                    return;
                }

                if (!s.Servable && last.Servable)
                {
                    return;
                }
            }

            var c = Candidate(entry, d, travel, search.Model.RouteMeters(d, query.Mode), query, s, TravelSource.GreatCircle);
            var at = Best.BinarySearch(c, Comparer);
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
/// rules' prior service time (6 min) over the windows serving now, or, when none serves yet (closed, or a later session),
/// over the windows of the point's profile that serve the category (at least one).
/// </summary>
public sealed class QueueLoadModel(double priorServiceMinutes = 6)
{
    public double PriorServiceMinutes => priorServiceMinutes;

    public double MinutesPerArrival(CategoryWait? quoted, int profileWindows = 1)
    {
        if (quoted is { Waiting: > 0, PredictedWaitMinutes: { } predicted } q && predicted > 0)
        {
            return (double)predicted / q.Waiting;
        }

        var windows = quoted is { ServingWindows: > 0 } serving ? serving.ServingWindows : Math.Max(1, profileWindows);
        return priorServiceMinutes / windows;
    }
}
