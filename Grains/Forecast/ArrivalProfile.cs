namespace TongBan.Grains.Forecast;

/// <summary>
/// What a hall's history says about one category: walk-in arrivals per weekday × 15-minute slot (mean over the days the
/// hall was open on that weekday), the windows normally serving it per slot, and its mean service time. Pure; learnt
/// from <see cref="PastTicket"/>s of the whole hall (a day with any ticket counts as an open day).
/// </summary>
public sealed class ArrivalProfile
{
    /// <summary>Longest service counted (a ticket left open over lunch is not a 4-hour service).</summary>
    public const double MaxServiceMinutes = 120;

    private readonly double[,] arrivals = new double[7, ForecastTime.SlotsPerDay];
    private readonly double[,] windows = new double[7, ForecastTime.SlotsPerDay];
    private readonly double[] pooledArrivals = new double[ForecastTime.SlotsPerDay];
    private readonly double[] pooledWindows = new double[ForecastTime.SlotsPerDay];
    private readonly int[] daysPerWeekday = new int[7];

    private ArrivalProfile(string category)
    {
        Category = category;
    }

    public string Category { get; }

    /// <summary>Open days the profile rests on (days with any ticket in the hall).</summary>
    public int Days { get; private set; }

    /// <summary>Tickets of the category it rests on (walk-ins and appointments).</summary>
    public int Tickets { get; private set; }

    public DateOnly? FirstDay { get; private set; }

    public DateOnly? LastDay { get; private set; }

    /// <summary>Mean service minutes of the category's finished tickets; the prior when none finished.</summary>
    public double MeanServiceMinutes { get; private set; }

    /// <summary>Finished tickets the service time rests on.</summary>
    public int ServiceSamples { get; private set; }

    public bool IsEmpty => Days == 0;

    /// <param name="hallTickets">Every ticket of the hall in the learning range (all categories: they tell which days were open).</param>
    /// <param name="priorServiceMinutes">Used when no ticket of the category finished.</param>
    public static ArrivalProfile Learn(IEnumerable<PastTicket> hallTickets, string category, double priorServiceMinutes)
    {
        ArgumentNullException.ThrowIfNull(hallTickets);
        var all = hallTickets as IReadOnlyCollection<PastTicket> ?? [.. hallTickets];
        var profile = new ArrivalProfile(category);
        var openDays = all.Select(t => ForecastTime.LocalDate(t.TakenAt)).Distinct().ToList();
        profile.Days = openDays.Count;
        profile.FirstDay = openDays.Count == 0 ? null : openDays.Min();
        profile.LastDay = openDays.Count == 0 ? null : openDays.Max();
        foreach (var d in openDays)
        {
            profile.daysPerWeekday[(int)d.DayOfWeek]++;
        }

        var mine = all.Where(t => t.Category == category).ToList();
        profile.Tickets = mine.Count;
        foreach (var t in mine.Where(t => !t.Appointment))
        {
            var w = (int)ForecastTime.LocalDate(t.TakenAt).DayOfWeek;
            var s = ForecastTime.Slot(t.TakenAt);
            profile.arrivals[w, s]++;
            profile.pooledArrivals[s]++;
        }

        // Windows serving the category in a slot: distinct windows that called one of its tickets within the slot or the
        // slots either side (a window idle for a quarter of an hour is still open), per day.
        var calls = mine.Where(t => t.CalledAt is not null && t.WindowNo is not null)
            .GroupBy(t => ForecastTime.LocalDate(t.CalledAt!.Value));
        foreach (var day in calls)
        {
            var w = (int)day.Key.DayOfWeek;
            var bySlot = day.GroupBy(t => ForecastTime.Slot(t.CalledAt!.Value)).ToDictionary(g => g.Key, g => g.Select(t => t.WindowNo!.Value).ToHashSet());
            for (var s = 0; s < ForecastTime.SlotsPerDay; s++)
            {
                var near = new HashSet<int>();
                for (var k = Math.Max(0, s - 1); k <= Math.Min(ForecastTime.SlotsPerDay - 1, s + 1); k++)
                {
                    if (bySlot.TryGetValue(k, out var set))
                    {
                        near.UnionWith(set);
                    }
                }

                profile.windows[w, s] += near.Count;
                profile.pooledWindows[s] += near.Count;
            }
        }

        for (var w = 0; w < 7; w++)
        {
            for (var s = 0; s < ForecastTime.SlotsPerDay; s++)
            {
                if (profile.daysPerWeekday[w] > 0)
                {
                    profile.arrivals[w, s] /= profile.daysPerWeekday[w];
                    profile.windows[w, s] /= profile.daysPerWeekday[w];
                }
            }
        }

        for (var s = 0; s < ForecastTime.SlotsPerDay; s++)
        {
            if (profile.Days > 0)
            {
                profile.pooledArrivals[s] /= profile.Days;
                profile.pooledWindows[s] /= profile.Days;
            }
        }

        var services = mine
            .Where(t => t.FinishedAt is not null && (t.ServiceStartedAt ?? t.CalledAt) is not null)
            .Select(t => (t.FinishedAt!.Value - (t.ServiceStartedAt ?? t.CalledAt)!.Value).TotalMinutes)
            .Where(m => m > 0 && m <= MaxServiceMinutes)
            .ToList();
        profile.ServiceSamples = services.Count;
        profile.MeanServiceMinutes = services.Count > 0 ? services.Average() : priorServiceMinutes;
        return profile;
    }

    /// <summary>Expected walk-in arrivals per minute at <paramref name="at"/>; a weekday never seen open takes the mean of all days.</summary>
    public double ArrivalsPerMinute(DateTimeOffset at)
    {
        var (w, s) = (WeekdayOf(at), ForecastTime.Slot(at));
        return (daysPerWeekday[w] > 0 ? arrivals[w, s] : pooledArrivals[s]) / ForecastTime.SlotMinutes;
    }

    /// <summary>Windows normally serving the category at <paramref name="at"/> (a mean, so fractional).</summary>
    public double Windows(DateTimeOffset at)
    {
        var (w, s) = (WeekdayOf(at), ForecastTime.Slot(at));
        return daysPerWeekday[w] > 0 ? windows[w, s] : pooledWindows[s];
    }

    /// <summary>Expected walk-ins per slot of a weekday (for the best-times grid and the tests).</summary>
    public double ArrivalsInSlot(DayOfWeek weekday, int slot) => daysPerWeekday[(int)weekday] > 0 ? arrivals[(int)weekday, slot] : pooledArrivals[slot];

    private static int WeekdayOf(DateTimeOffset at) => (int)ForecastTime.LocalDate(at).DayOfWeek;
}
