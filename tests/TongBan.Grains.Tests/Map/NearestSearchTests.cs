using TongBan.Grains.Geo;
using TongBan.Grains.Halls;
using TongBan.Grains.Map;
using Xunit.Abstractions;

namespace TongBan.Grains.Tests.Map;

[Trait("Category", "Unit")]
public class NearestSearchTests(ITestOutputHelper output)
{
    private static readonly NearestSearch Search = new(GreatCircleTravelModel.Guizhou, new QueueLoadModel());

    private static NearestQuery RandomQuery(Random random, MapIndex index)
    {
        var e = index.Extent;
        var origin = new GeoPoint(e.MinY + (random.NextDouble() * e.Height), e.MinX + (random.NextDouble() * e.Width));
        var mode = (TravelMode)random.Next(3);
        // Times across a week incl. nights, lunch breaks, a Saturday and the Qingming holiday (2025-04-04..06).
        var now = MapTestKit.WorkdayMorning.AddMinutes(random.Next(0, 60 * 24 * 7)).AddDays(random.NextDouble() < 0.2 ? 32 : 0);
        DateTimeOffset? at = random.NextDouble() < 0.2 ? now.AddMinutes(random.Next(0, 600)) : null;
        ServicePointType? type = random.NextDouble() < 0.25 ? (ServicePointType)random.Next(5) : null;
        var cap = random.NextDouble() < 0.5 ? new MapOptions().MaxRouteMeters(mode) : (double?)null;
        return new NearestQuery(origin, mode, random.Next(1, 21), now, at, type, null, random.NextDouble() < 0.2, random.NextDouble() < 0.05, random.NextDouble() < 0.1, cap);
    }

    [Fact]
    public void Ten_thousand_random_queries_rank_exactly_like_brute_force()
    {
        var (index, overlay) = MapTestKit.Build(7);
        // Some halls already have recommended citizens on the way (the anti-herding load is part of the ranking).
        var random = new Random(11);
        foreach (var e in index.Entries.Where(e => e.Point.Categories.Count > 0).Take(400))
        {
            var now = NearestSearch.MinuteOf(MapTestKit.WorkdayMorning);
            e.Cell.Arrivals.Add(now, now + random.Next(0, 120), now + 600, 0.8 * random.Next(1, 5));
        }

        var calendar = MapTestKit.Calendar.Value;
        var queries = Enumerable.Range(0, 10_000).Select(_ => RandomQuery(random, index)).ToArray();
        Parallel.For(0, queries.Length, i =>
        {
            var q = queries[i];
            var fast = Search.Find(index, q, calendar);
            var slow = Search.BruteForce(index, q, calendar);
            Assert.True(slow.Select(c => c.Code).SequenceEqual(fast.Select(c => c.Code)),
                $"query {i} {q}: index [{string.Join(",", fast.Select(c => c.Code))}] vs brute force [{string.Join(",", slow.Select(c => c.Code))}]");
            Assert.Equal(slow.Select(c => c.TotalMinutes), fast.Select(c => c.TotalMinutes));
        });

        Assert.True(overlay.Count > 0);
    }

    [Fact]
    public void KdTree_index_gives_the_same_answers()
    {
        var (kd, _) = MapTestKit.Build(3, PointIndexKind.KdTree);
        var (str, _) = MapTestKit.Build(3);
        var random = new Random(5);
        for (var i = 0; i < 500; i++)
        {
            var q = RandomQuery(random, kd);
            Assert.Equal(Search.Find(kd, q, MapTestKit.Calendar.Value).Select(c => c.Code), Search.Find(str, q, MapTestKit.Calendar.Value).Select(c => c.Code));
        }
    }

    [Fact]
    public void Points_at_the_same_coordinate_are_both_indexed()
    {
        // The province centre and 观山湖区's county hall both sit at the district seat (the KdTree groups them).
        var (index, _) = MapTestKit.Build(1, PointIndexKind.KdTree);
        var province = index.Entries.Single(e => e.Point.Code == "520000-H001");
        var box = new NetTopologySuite.Geometries.Envelope(province.Location.Lon, province.Location.Lon, province.Location.Lat, province.Location.Lat);
        var found = index.Query(box).Select(e => e.Point.Code).ToList();
        Assert.Contains("520000-H001", found);
        Assert.Contains("520115-H001", found);
        Assert.Equal(MapTestKit.Seed.Value.Count, index.Entries.Length);
    }

    [Fact]
    public void Closed_points_leave_the_index_and_suspended_ones_are_closed_at_arrival()
    {
        var points = MapTestKit.Seed.Value.Select(p => p.Code == "520102-H001" ? p with { Closed = true } : p).ToList();
        var (index, overlay) = MapTestKit.Build(1, points: points);
        Assert.DoesNotContain(index.Entries, e => e.Point.Code == "520102-H001");

        var hall = index.Entries.Single(e => e.Point.Code == "520103-H001");
        overlay.Cell(hall.Point.Code).Update(new MapPointLive(hall.Point.Code, MapTestKit.WorkdayMorning.AddHours(1), 0, [], null, true, 0, 0));
        var q = new NearestQuery(hall.Location, TravelMode.Walk, 500, MapTestKit.WorkdayMorning, Type: ServicePointType.Hall, IncludeClosed: true);
        var result = Search.Find(index, q, MapTestKit.Calendar.Value);
        var mine = result.Single(c => c.Code == "520103-H001");
        Assert.False(mine.Open);
        Assert.Contains("暂停服务", mine.ClosedReason, StringComparison.Ordinal);
        var at = result.IndexOf(mine);
        Assert.True(at > 0); // at distance 0, yet not first:
        Assert.False(mine.Servable);
        Assert.DoesNotContain(result.Skip(at + 1), c => c.Servable); // a suspended point ranks after every point that can serve
        Assert.DoesNotContain(Search.Find(index, q with { IncludeClosed = false }, MapTestKit.Calendar.Value), c => c.Code == "520103-H001");
    }

    [Fact]
    public void Total_is_travel_plus_wait_plus_herding_and_the_reason_says_so()
    {
        var (index, overlay) = MapTestKit.Build(1);
        var hall = index.Entries.Single(e => e.Point.Code == "520381-H001"); // 赤水市: alone at its seat
        overlay.Cell(hall.Point.Code).Update(new MapPointLive(hall.Point.Code, MapTestKit.WorkdayMorning.AddHours(1), 10,
            [new CategoryWait("A", 10, 20, 2)], 0.98, false, 4, 0));
        var now = MapTestKit.WorkdayMorning;
        hall.Cell.Arrivals.Add(NearestSearch.MinuteOf(now), NearestSearch.MinuteOf(now) + 5, NearestSearch.MinuteOf(now) + 120, 3);
        var q = new NearestQuery(hall.Location, TravelMode.Drive, 1, now, Type: ServicePointType.Hall);
        var top = Search.Find(index, q, MapTestKit.Calendar.Value).Single();
        Assert.Equal("520381-H001", top.Code);
        Assert.Equal(5.0, top.TravelMinutes, 6); // fixed parking minutes at distance 0
        Assert.Equal(20, top.BaseWaitMinutes);
        Assert.Equal(3, top.ExpectedAhead);
        Assert.Equal(3 * (20.0 / 10), top.HerdingMinutes, 6); // 2 minutes per person from the hall's own figures
        Assert.Equal(5 + 20 + 6, top.TotalMinutes, 6);
        var reason = RankReason.Explain(top, 1, null, TravelMode.Drive, null);
        Assert.Contains("预计等候20分钟", reason, StringComparison.Ordinal);
        Assert.Contains("6 min for ~3 people already sent here", reason, StringComparison.Ordinal);
        Assert.Contains("great-circle", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Expected_arrivals_count_from_their_slot_until_their_session_ends()
    {
        var a = new ExpectedArrivals();
        a.Add(100, 110, 300, 1);
        a.Add(100, 130, 300, 1);
        a.Add(100, 112, 300, 0.5); // same 5-minute slot as 110: one bucket
        Assert.Equal(2, a.Buckets.Count);
        Assert.Equal(1.5, a.Ahead(100, 120));
        Assert.Equal(2.5, a.Ahead(100, 130));
        Assert.Equal(1, a.Ahead(115, 200)); // the 110 group has arrived: it is in the live queue now
        a.Add(250, 260, 400, 1);
        Assert.Equal(3, a.Buckets.Count); // still in their session: kept
        a.Add(301, 310, 400, 1);
        Assert.Equal(2, a.Buckets.Count); // the first session ended at 300: its buckets are dropped
        a.Add(100, 100 + ExpectedArrivals.HorizonMinutes + 1, 100 + ExpectedArrivals.HorizonMinutes + 60, 1);
        Assert.Equal(2, a.Buckets.Count); // beyond 7 days: not counted
        a.Add(400, 400 + ExpectedArrivals.HorizonMinutes - 60, 400 + ExpectedArrivals.HorizonMinutes, 1);
        Assert.Equal(3, a.Buckets.Count); // a plan 7 days ahead counts
    }

    /// <summary>Issue 19: on a Sunday evening the nearest halls are the ones 1-2 km away, with when they open, not one 300 km off.</summary>
    [Theory]
    [InlineData(TravelMode.Drive)]
    [InlineData(TravelMode.Walk)]
    public void Sunday_evening_lists_the_nearby_halls_with_their_opening_within_the_mode_cap(TravelMode mode)
    {
        var (index, _) = MapTestKit.Build(1);
        var origin = Gcj02.ToWgs84(new GeoPoint(26.6470, 106.6302));
        var sundayEvening = new DateTimeOffset(2025, 3, 9, 19, 30, 0, TimeSpan.FromHours(8));
        var cap = new MapOptions().MaxRouteMeters(mode);
        var q = new NearestQuery(origin, mode, 3, sundayEvening, Type: ServicePointType.Hall, MaxRouteMeters: cap);
        var results = Search.Find(index, q, MapTestKit.Calendar.Value);
        Assert.Equal(3, results.Count);
        var monday9 = new DateTimeOffset(2025, 3, 10, 9, 0, 0, TimeSpan.FromHours(8));
        foreach (var c in results)
        {
            Assert.False(c.Open);
            Assert.True(c.Servable);
            Assert.Equal(monday9, c.ServedFrom);
            Assert.True(c.RouteMeters <= cap, $"{c.Code} {c.RouteMeters} m");
            Assert.Equal(c.TravelMinutes + c.MinutesUntilOpen + (c.BaseWaitMinutes ?? 0), c.TotalMinutes, 6); // nobody sent there yet
            Assert.Contains("周一 09:00 开门", RankReason.Explain(c, 1, null, mode, null), StringComparison.Ordinal);
        }

        Assert.Equal(results.Select(c => c.TotalMinutes).Order(), results.Select(c => c.TotalMinutes));
        Assert.Equal(Search.BruteForce(index, q, MapTestKit.Calendar.Value).Select(c => c.Code), results.Select(c => c.Code));
        Assert.Empty(Search.Find(index, q with { OpenNowOnly = true }, MapTestKit.Calendar.Value));
    }

    [Fact]
    public void Around_the_clock_points_on_foot_stay_within_walking_reach()
    {
        var (index, _) = MapTestKit.Build(1);
        var origin = Gcj02.ToWgs84(new GeoPoint(26.6470, 106.6302));
        var q = new NearestQuery(origin, TravelMode.Walk, 10, MapTestKit.WorkdayMorning.AddHours(12), AlwaysOpenOnly: true, MaxRouteMeters: new MapOptions().MaxRouteMeters(TravelMode.Walk));
        var results = Search.Find(index, q, MapTestKit.Calendar.Value);
        Assert.All(results, c => Assert.True(c.Open && c.TravelMinutes <= (5_000 / GreatCircleTravelModel.Guizhou.Profile(TravelMode.Walk).MetersPerMinute) + 1e-9, $"{c.Code} {c.TravelMinutes} min"));
    }

    /// <summary>
    /// The ledger stays bounded by time, not traffic: a province-wide day with a recommendation for every point in every
    /// 5-minute slot of its opening hours (far more than real traffic) is one bucket per point and slot.
    /// </summary>
    [Fact]
    public void A_province_wide_day_of_recommendations_keeps_the_ledger_bounded()
    {
        var (index, _) = MapTestKit.Build(2);
        var now = NearestSearch.MinuteOf(MapTestKit.WorkdayMorning.AddHours(-10)); // 00:00
        var open = NearestSearch.MinuteOf(MapTestKit.WorkdayMorning.AddHours(-1)); // 09:00
        var close = open + (int)TimeSpan.FromHours(8.5).TotalMinutes; // 17:30
        var halls = index.Entries.Where(e => e.Point.Categories.Count > 0).ToList();
        foreach (var e in halls)
        {
            for (var m = open; m < close; m++)
            {
                e.Cell.Arrivals.Add(now, m, close, 0.8);
            }
        }

        var buckets = halls.Sum(e => e.Cell.Arrivals.Buckets.Count);
        var perPoint = (close - open) / ExpectedArrivals.SlotMinutes;
        Assert.Equal(halls.Count * perPoint, buckets);
        var bytes = buckets * System.Runtime.CompilerServices.Unsafe.SizeOf<ExpectedArrivals.Bucket>();
        output.WriteLine($"anti-herding ledger, province-wide day: {halls.Count} points x {perPoint} slots = {buckets} buckets, {bytes / 1024} KiB");
        Assert.True(bytes < 8 * 1024 * 1024, $"{halls.Count} points x {perPoint} slots = {buckets} buckets, {bytes / 1024} KiB");
        Assert.Equal(0.8 * 5, halls[0].Cell.Arrivals.Ahead(open, open + 4), 9);
        halls[0].Cell.Arrivals.Add(close + 1, close + 10, close + 60, 1);
        Assert.Single(halls[0].Cell.Arrivals.Buckets); // the day's session ended: all of it dropped
    }
}
