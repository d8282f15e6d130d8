namespace TongBan.Grains.Forecast;

/// <summary>One run of a category line forward in time, minute by minute (a fluid model: expected counts, no dice).</summary>
/// <param name="Start">Where the run starts: now, or the first opening of the day asked about.</param>
/// <param name="WaitingAtStart">Tickets waiting at <paramref name="Start"/> (today's line; 0 on another day).</param>
/// <param name="At">When the citizen takes the ticket.</param>
/// <param name="Sessions">The day's opening sessions (instants); tickets are taken and served only inside them.</param>
/// <param name="ArrivalsPerMinute">Expected walk-ins per minute (the learnt profile; 0 without history).</param>
/// <param name="Windows">Windows serving the category at a time (the live ones first, then the usual ones).</param>
/// <param name="ServiceMinutes">Mean service time.</param>
/// <param name="Appointments">Booked appointments: each arrives at its slot start (预约到号).</param>
public sealed record QueueRun(
    DateTimeOffset Start,
    double WaitingAtStart,
    DateTimeOffset At,
    IReadOnlyList<(DateTimeOffset Opens, DateTimeOffset Closes)> Sessions,
    Func<DateTimeOffset, double> ArrivalsPerMinute,
    Func<DateTimeOffset, double> Windows,
    double ServiceMinutes,
    IReadOnlyList<(DateTimeOffset At, int Count)> Appointments);

/// <summary>
/// Runs a line forward (今日排队 + 预测到达 + 预约 − 窗口办理) to the citizen's arrival and on until they are called.
/// Pure and deterministic.
/// </summary>
public static class QueueRunner
{
    /// <summary>
    /// Expected minutes from <see cref="QueueRun.At"/> until the citizen is called; null when the line ahead is not
    /// expected to be served before the day's last session closes (no window, or too long a line).
    /// </summary>
    public static double? WaitMinutes(QueueRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (run.ServiceMinutes <= 0 || run.At < run.Start)
        {
            return null;
        }

        var (backlog, t) = Run(run);

        // The citizen's ahead: those waiting when they take the ticket (first come, first called).
        var ahead = backlog;
        var lastClose = run.Sessions.Count == 0 ? run.At : run.Sessions.Max(s => s.Closes);
        var wait = 0.0;
        while (ahead > 1e-9)
        {
            if (t >= lastClose)
            {
                return null;
            }

            if (IsOpen(run.Sessions, t))
            {
                var rate = Math.Max(0, run.Windows(t)) / run.ServiceMinutes;
                if (rate >= ahead)
                {
                    return wait + (ahead / rate);
                }

                ahead -= rate;
            }

            wait += 1;
            t = t.AddMinutes(1);
        }

        return wait;
    }

    /// <summary>Expected tickets waiting ahead of a ticket taken at <see cref="QueueRun.At"/>.</summary>
    public static double AheadAt(QueueRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return run.ServiceMinutes <= 0 || run.At < run.Start ? 0 : Run(run).Backlog;
    }

    public static bool IsOpen(IReadOnlyList<(DateTimeOffset Opens, DateTimeOffset Closes)> sessions, DateTimeOffset t)
    {
        ArgumentNullException.ThrowIfNull(sessions);
        foreach (var (opens, closes) in sessions)
        {
            if (t >= opens && t < closes)
            {
                return true;
            }
        }

        return false;
    }

    private static (double Backlog, DateTimeOffset T) Run(QueueRun run)
    {
        var booked = run.Appointments
            .GroupBy(a => Minute(a.At))
            .ToDictionary(g => g.Key, g => g.Sum(a => a.Count));
        var backlog = Math.Max(0, run.WaitingAtStart);
        var t = run.Start;
        while (t < run.At)
        {
            var step = Math.Min(1, (run.At - t).TotalMinutes);
            if (IsOpen(run.Sessions, t))
            {
                backlog += run.ArrivalsPerMinute(t) * step;
                if (booked.TryGetValue(Minute(t), out var n))
                {
                    backlog += n;
                }

                backlog = Math.Max(0, backlog - (Math.Max(0, run.Windows(t)) / run.ServiceMinutes * step));
            }

            t = t.AddMinutes(step);
        }

        return (backlog, t);
    }

    private static long Minute(DateTimeOffset t) => t.ToUnixTimeSeconds() / 60;
}
