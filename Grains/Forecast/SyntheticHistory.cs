namespace TongBan.Grains.Forecast;

/// <summary>A category of a synthetic hall: its usual walk-ins per open hour, service time and dedicated windows.</summary>
public sealed record SyntheticCategory(string Code, double ArrivalsPerHour, double MeanServiceMinutes, IReadOnlyList<int> Windows, double AppointmentShare = 0.1);

/// <summary>
/// A reproducible synthetic history (合成数据): the same seed gives the same tickets on every machine. Arrivals follow a
/// morning peak and a weekday pattern (Monday busiest, Friday quietest); each category's windows serve its line first
/// come, first called, only inside the day's sessions; a ticket not called by the last close is left uncalled.
/// Feeds the tests and the demo (<c>TongBan:Forecast:SyntheticHistoryDays</c>); everything resting on it says it is synthetic.
/// </summary>
public static class SyntheticHistory
{
    public static IReadOnlyList<PastTicket> Generate(
        string hallCode,
        IReadOnlyList<SyntheticCategory> categories,
        DateOnly firstDay,
        int days,
        int seed,
        Func<DateOnly, IReadOnlyList<(DateTimeOffset Opens, DateTimeOffset Closes)>> sessionsOn)
    {
        ArgumentNullException.ThrowIfNull(categories);
        ArgumentNullException.ThrowIfNull(sessionsOn);
        var random = new Random(seed);
        var tickets = new List<PastTicket>();
        for (var d = 0; d < days; d++)
        {
            var day = firstDay.AddDays(d);
            var sessions = sessionsOn(day);
            if (sessions.Count == 0)
            {
                continue;
            }

            foreach (var category in categories)
            {
                tickets.AddRange(Day(hallCode, category, day, sessions, random));
            }
        }

        return tickets;
    }

    /// <summary>A stable seed from a hall code (string hashes differ per process).</summary>
    public static int SeedOf(string hallCode)
    {
        ArgumentNullException.ThrowIfNull(hallCode);
        var hash = 2166136261u;
        foreach (var c in hallCode)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)(hash & 0x7fffffff);
    }

    /// <summary>Relative busyness of a weekday (周一最忙).</summary>
    public static double WeekdayFactor(DayOfWeek day) => day switch
    {
        DayOfWeek.Monday => 1.3,
        DayOfWeek.Tuesday => 1.1,
        DayOfWeek.Wednesday => 1.0,
        DayOfWeek.Thursday => 0.95,
        DayOfWeek.Friday => 0.8,
        _ => 0.6,
    };

    /// <summary>Relative busyness of an hour (上午高峰 around 10:00, a smaller one after lunch).</summary>
    public static double HourFactor(double hour) =>
        0.5 + (1.2 * Math.Exp(-Math.Pow(hour - 10, 2) / 1.5)) + (0.5 * Math.Exp(-Math.Pow(hour - 15, 2) / 1.0));

    private static IEnumerable<PastTicket> Day(
        string hallCode, SyntheticCategory category, DateOnly day, IReadOnlyList<(DateTimeOffset Opens, DateTimeOffset Closes)> sessions, Random random)
    {
        // Arrivals: a thinned Poisson process per session, minute resolution.
        var taken = new List<(DateTimeOffset At, bool Appointment)>();
        foreach (var (opens, closes) in sessions)
        {
            for (var t = opens; t < closes; t = t.AddMinutes(1))
            {
                var local = ForecastTime.Local(t);
                var rate = category.ArrivalsPerHour / 60 * WeekdayFactor(day.DayOfWeek) * HourFactor(local.Hour + (local.Minute / 60.0));
                var n = Poisson(rate, random);
                for (var i = 0; i < n; i++)
                {
                    taken.Add((t.AddSeconds(random.Next(60)), random.NextDouble() < category.AppointmentShare));
                }
            }
        }

        taken.Sort((a, b) => a.At.CompareTo(b.At));
        var free = category.Windows.ToDictionary(w => w, _ => sessions[0].Opens);
        var lastClose = sessions[^1].Closes;
        foreach (var (at, appointment) in taken)
        {
            var (window, freeAt) = free.OrderBy(f => f.Value).ThenBy(f => f.Key).First();
            var call = Open(sessions, at > freeAt ? at : freeAt);
            if (call is not { } called || called >= lastClose)
            {
                yield return new PastTicket(hallCode, category.Code, at, null, null, null, null, appointment);
                continue;
            }

            var service = Math.Max(1, -Math.Log(1 - random.NextDouble()) * category.MeanServiceMinutes);
            var finished = called.AddMinutes(service);
            free[window] = finished;
            yield return new PastTicket(hallCode, category.Code, at, called, called, finished, window, appointment);
        }
    }

    /// <summary>The first instant at or after <paramref name="t"/> inside a session; null after the last.</summary>
    private static DateTimeOffset? Open(IReadOnlyList<(DateTimeOffset Opens, DateTimeOffset Closes)> sessions, DateTimeOffset t)
    {
        foreach (var (opens, closes) in sessions)
        {
            if (t < opens)
            {
                return opens;
            }

            if (t < closes)
            {
                return t;
            }
        }

        return null;
    }

    private static int Poisson(double mean, Random random)
    {
        var limit = Math.Exp(-mean);
        var k = 0;
        var p = random.NextDouble();
        while (p > limit)
        {
            k++;
            p *= random.NextDouble();
        }

        return k;
    }
}
