using TongBan.Grains.Geo;
using TongBan.Grains.Halls;
using TongBan.Grains.Map;

namespace TongBan.Grains.Tests.Map;

[Trait("Category", "Unit")]
public class NearestSearchTests
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
        return new NearestQuery(origin, mode, random.Next(1, 21), now, at, type, null, random.NextDouble() < 0.2, random.NextDouble() < 0.05);
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
            e.Cell.Arrivals.Add(now, now + random.Next(0, 120), 0.8 * random.Next(1, 5));
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
        Assert.DoesNotContain(result.Skip(at + 1), c => c.Open); // closed ranks after every open point
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
        hall.Cell.Arrivals.Add(NearestSearch.MinuteOf(now), NearestSearch.MinuteOf(now) + 5, 3);
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
    public void Expected_arrivals_count_only_people_arriving_before_and_expire_when_they_arrive()
    {
        var a = new ExpectedArrivals();
        a.Add(100, 110, 1);
        a.Add(100, 130, 1);
        a.Add(100, 110, 0.5);
        Assert.Equal(1.5, a.Ahead(100, 120));
        Assert.Equal(2.5, a.Ahead(100, 130));
        Assert.Equal(1, a.Ahead(111, 200)); // the 110 group has arrived: it is in the live queue now
        a.Add(120, 125, 1);
        Assert.Equal(2, a.Buckets.Count); // adding prunes arrived buckets
        a.Add(100, 100 + ExpectedArrivals.HorizonMinutes + 1, 1);
        Assert.Equal(2, a.Buckets.Count); // beyond the horizon: not counted
    }
}
