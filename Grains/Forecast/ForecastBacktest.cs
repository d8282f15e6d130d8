namespace TongBan.Grains.Forecast;

/// <summary>The forecast's error on held-out days (回测): mean |predicted − actual| wait of their called tickets.</summary>
/// <param name="HeldOutDays">The latest open days, kept out of learning.</param>
/// <param name="Samples">Called tickets of the category on those days that a prediction was compared with.</param>
/// <param name="MeanAbsoluteErrorMinutes">Null when no sample could be compared.</param>
public sealed record BacktestResult(IReadOnlyList<DateOnly> HeldOutDays, int Samples, double? MeanAbsoluteErrorMinutes);

/// <summary>
/// Backtests the history forecast: learns from the days before the held-out ones, then predicts each held-out ticket's
/// wait as the forecast would have the day before (a run from the day's opening with the learnt arrivals, the usual
/// windows and that day's appointment tickets), and compares it with the wait it had (taken → called). Pure.
/// </summary>
public static class ForecastBacktest
{
    /// <summary>At least this many open days before any are held out (two to learn from, one to test).</summary>
    public const int MinDays = 3;

    /// <summary>Held out: a quarter of the open days, at least 1, at most 7 (the latest ones).</summary>
    public const int MaxHeldOutDays = 7;

    /// <summary>Tickets compared per held-out day at most (evenly spread), to bound the work.</summary>
    public const int MaxSamplesPerDay = 200;

    public static BacktestResult Run(
        IReadOnlyList<PastTicket> hallTickets,
        string category,
        double priorServiceMinutes,
        Func<DateOnly, IReadOnlyList<(DateTimeOffset Opens, DateTimeOffset Closes)>> sessionsOn)
    {
        ArgumentNullException.ThrowIfNull(hallTickets);
        ArgumentNullException.ThrowIfNull(sessionsOn);
        var days = hallTickets.Select(t => ForecastTime.LocalDate(t.TakenAt)).Distinct().Order().ToList();
        if (days.Count < MinDays)
        {
            return new BacktestResult([], 0, null);
        }

        var heldOut = days.TakeLast(Math.Clamp(days.Count / 4, 1, MaxHeldOutDays)).ToList();
        var firstHeldOut = heldOut[0];
        var learnt = ArrivalProfile.Learn(hallTickets.Where(t => ForecastTime.LocalDate(t.TakenAt) < firstHeldOut), category, priorServiceMinutes);
        var errors = new List<double>();
        foreach (var day in heldOut)
        {
            var sessions = sessionsOn(day);
            if (sessions.Count == 0)
            {
                continue;
            }

            var mine = hallTickets.Where(t => t.Category == category && ForecastTime.LocalDate(t.TakenAt) == day).ToList();
            var appointments = mine.Where(t => t.Appointment).Select(t => (t.TakenAt, 1)).ToList();
            var called = mine.Where(t => t.CalledAt is not null).OrderBy(t => t.TakenAt).ToList();
            var stride = Math.Max(1, (int)Math.Ceiling(called.Count / (double)MaxSamplesPerDay));
            for (var i = 0; i < called.Count; i += stride)
            {
                var t = called[i];
                var predicted = QueueRunner.WaitMinutes(new QueueRun(
                    sessions[0].Opens,
                    0,
                    t.TakenAt,
                    sessions,
                    learnt.ArrivalsPerMinute,
                    learnt.Windows,
                    learnt.MeanServiceMinutes,
                    appointments));
                if (predicted is { } p)
                {
                    errors.Add(Math.Abs(p - (t.CalledAt!.Value - t.TakenAt).TotalMinutes));
                }
            }
        }

        return new BacktestResult(heldOut, errors.Count, errors.Count == 0 ? null : errors.Average());
    }
}
