using TongBan.Grains.Calendar;
using TongBan.Grains.Geo;
using TongBan.Grains.Halls;
using TongBan.Grains.Map;

namespace TongBan.MapBench;

/// <summary>
/// 贵阳市 for one hour: citizens appear at random places within 12 km of the city centre (Poisson, 90% of the
/// halls' combined capacity), ask for the nearest hall by car, and drive to the first answer. Each hall serves its
/// 全省通办 queue (category A) (exponential service, mean 6 min, the queue rules' prior); its live
/// figures (waiting, predicted wait) reach the map at once. Every window that lists category A counts as a server
/// of the A queue (department windows fall back to A when their own queue is empty). The same citizens, places and service draws are
/// replayed with anti-herding off and on, through the production <see cref="MapService"/> (index, overlay, ledger).
/// </summary>
internal static class HerdingSimulation
{
    private const double ServiceMeanMinutes = 6;
    private static readonly DateTimeOffset Start = new(2025, 3, 3, 9, 0, 0, TimeSpan.FromHours(8));

    public static void Run(int seeds)
    {
        Console.WriteLine($"== herding: 贵阳市, 1 hour of queries, {seeds} seeds; anti-herding off vs on ==");
        var regions = BenchData.Regions.Value;
        var halls = BenchData.Seed().Where(p => p.Type is ServicePointType.Hall or ServicePointType.SubHall &&
                                                (regions.IsWithin(p.RegionCode, "520100") || p.Code == "520000-H001")).ToList();
        var servers = halls.ToDictionary(h => h.Code, h => Math.Max(1, h.Windows.Count(w => w.Categories.Contains("A"))));
        var capacityPerHour = servers.Values.Sum() * 60 / ServiceMeanMinutes;
        var rate = 0.9 * capacityPerHour;
        Console.WriteLine($"   {halls.Count} halls/sub-halls, {servers.Values.Sum()} windows serving A, capacity {capacityPerHour:N0}/h, arrivals {rate:N0}/h");

        var results = new List<(Result Off, Result On)>();
        for (var seed = 1; seed <= seeds; seed++)
        {
            results.Add((Simulate(halls, servers, rate, seed, antiHerding: false), Simulate(halls, servers, rate, seed, antiHerding: true)));
        }

        foreach (var (label, pick) in new (string, Func<(Result Off, Result On), Result>)[] { ("off", r => r.Off), ("on ", r => r.On) })
        {
            var r = results.Select(pick).ToList();
            Console.WriteLine($"   anti-herding {label}: spread of hall waits (std dev over halls of the time-averaged predicted wait, sampled each minute) " +
                              $"{r.Average(x => x.SpreadMinutes):N1} min; std dev of per-hall mean actual wait {r.Average(x => x.HallMeanStd):N1} min; " +
                              $"worst hall mean {r.Average(x => x.WorstHallMean):N1} min; citizen wait mean {r.Average(x => x.MeanWait):N1} / p90 {r.Average(x => x.P90Wait):N1} min; " +
                              $"mean travel {r.Average(x => x.MeanTravel):N1} min");
        }
    }

    private sealed record Result(double SpreadMinutes, double HallMeanStd, double WorstHallMean, double MeanWait, double P90Wait, double MeanTravel);

    private sealed class Clock : TimeProvider
    {
        public DateTimeOffset Now { get; set; }

        public override DateTimeOffset GetUtcNow() => Now.ToUniversalTime();
    }

    private sealed class Hall(string code, int servers)
    {
        public string Code { get; } = code;

        public int Servers { get; } = servers;

        public int Busy { get; set; }

        public Queue<double> Line { get; } = new();

        public List<double> Waits { get; } = [];

        public List<double> Samples { get; } = [];
    }

    private static Result Simulate(IReadOnlyList<ServicePoint> points, Dictionary<string, int> servers, double ratePerHour, int seed, bool antiHerding)
    {
        var directory = new ServicePointDirectory(BenchData.Regions.Value);
        directory.Load(points);
        var clock = new Clock { Now = Start };
        var map = new MapService(directory, BenchData.Regions.Value, new CalendarProvider(BenchData.Calendar.Value), clock, new MapOptions { AntiHerding = antiHerding, FollowShare = 1.0 });
        var halls = points.ToDictionary(p => p.Code, p => new Hall(p.Code, servers[p.Code]));
        var random = new Random(seed);
        var serviceRandom = new Random(seed * 7919);
        var centre = new GeoPoint(26.5783, 106.7135); // 贵阳 city centre (WGS84, approx.)
        var events = new PriorityQueue<(int Kind, string? Hall, GeoPoint At), double>();
        for (var t = 0.0; ;)
        {
            t += -Math.Log(1 - random.NextDouble()) * 60 / ratePerHour;
            if (t >= 60)
            {
                break;
            }

            var r = 12_000 * Math.Sqrt(random.NextDouble());
            var theta = random.NextDouble() * 2 * Math.PI;
            events.Enqueue((0, null, new GeoPoint(centre.Lat + (r * Math.Sin(theta) / 111_320), centre.Lon + (r * Math.Cos(theta) / (111_320 * Math.Cos(centre.Lat * Math.PI / 180))))), t);
        }

        for (var m = 0; m < 60; m++)
        {
            events.Enqueue((3, null, default), m + 0.5);
        }

        foreach (var h in halls.Values)
        {
            Publish(map, h, Start);
        }

        var travel = new List<double>();
        while (events.TryDequeue(out var e, out var time))
        {
            clock.Now = Start.AddMinutes(time);
            switch (e.Kind)
            {
                case 0: // a citizen asks and drives to the first answer
                    var answer = map.Rank(new NearestQuery(e.At, TravelMode.Drive, 1, clock.Now));
                    if (answer.Count == 0)
                    {
                        break;
                    }

                    map.RecordRecommendation(answer[0]);
                    travel.Add(answer[0].TravelMinutes);
                    events.Enqueue((1, answer[0].Code, default), time + answer[0].TravelMinutes);
                    break;
                case 1: // arrives and takes a ticket
                    var hall = halls[e.Hall!];
                    if (hall.Busy < hall.Servers)
                    {
                        hall.Busy++;
                        hall.Waits.Add(0);
                        events.Enqueue((2, hall.Code, default), time + Service(serviceRandom));
                    }
                    else
                    {
                        hall.Line.Enqueue(time);
                    }

                    Publish(map, hall, clock.Now);
                    break;
                case 2: // a window finishes; the next ticket is called
                    var done = halls[e.Hall!];
                    done.Busy--;
                    if (done.Line.TryDequeue(out var arrived))
                    {
                        done.Busy++;
                        done.Waits.Add(time - arrived);
                        events.Enqueue((2, done.Code, default), time + Service(serviceRandom));
                    }

                    Publish(map, done, clock.Now);
                    break;
                default: // sample every hall's predicted wait once a minute
                    foreach (var h in halls.Values)
                    {
                        h.Samples.Add(h.Line.Count * ServiceMeanMinutes / h.Servers);
                    }

                    break;
            }
        }

        var used = halls.Values.Where(h => h.Waits.Count >= 5).ToList();
        var means = used.Select(h => h.Waits.Average()).ToList();
        var timeAveraged = halls.Values.Select(h => h.Samples.Average()).ToList();
        var waits = halls.Values.SelectMany(h => h.Waits).Order().ToList();
        return new Result(Std(timeAveraged), Std(means), means.Max(), waits.Average(), waits[(int)(waits.Count * 0.9)], travel.Average());
    }

    private static double Service(Random random) => -Math.Log(1 - random.NextDouble()) * ServiceMeanMinutes;

    private static void Publish(MapService map, Hall h, DateTimeOffset at)
    {
        var waiting = h.Line.Count;
        var predicted = (int)Math.Ceiling((waiting * ServiceMeanMinutes / h.Servers) - 1e-9);
        map.ApplyLive(new MapPointLive(h.Code, at, waiting, [new CategoryWait("A", waiting, predicted, h.Servers)], null, false, h.Servers, 0));
    }

    private static double Std(IReadOnlyCollection<double> xs)
    {
        var mean = xs.Average();
        return Math.Sqrt(xs.Sum(x => (x - mean) * (x - mean)) / xs.Count);
    }
}
