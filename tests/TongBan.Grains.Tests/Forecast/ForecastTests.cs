using TongBan.Grains.Forecast;
using Xunit.Abstractions;

namespace TongBan.Grains.Tests.Forecast;

[Trait("Category", "Unit")]
public class ForecastTests(ITestOutputHelper output)
{
    private const string Hall = "520102-H001";
    private static readonly TimeSpan China = TimeSpan.FromHours(8);

    /// <summary>Monday 2026-11-23.</summary>
    private static readonly DateOnly Monday = new(2026, 11, 23);

    /// <summary>Working days 9:00–12:00 and 13:00–17:00; closed at weekends.</summary>
    internal static IReadOnlyList<(DateTimeOffset Opens, DateTimeOffset Closes)> Sessions(DateOnly d) =>
        d.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday
            ? []
            : [(At(d, 9, 0), At(d, 12, 0)), (At(d, 13, 0), At(d, 17, 0))];

    private static DateTimeOffset At(DateOnly d, int h, int m) => new(d.ToDateTime(new TimeOnly(h, m)), China);

    private static readonly SyntheticCategory[] Categories = [new("A", 14, 8, [1, 2]), new("B", 5, 12, [3])];

    private static PastTicket Walk(DateTimeOffset taken, int? window = 1, double serviceMinutes = 6, bool appointment = false) =>
        new(Hall, "A", taken, taken.AddMinutes(2), taken.AddMinutes(2), taken.AddMinutes(2 + serviceMinutes), window, appointment);

    [Fact]
    public void The_profile_learns_walk_ins_per_weekday_and_slot_as_a_mean_over_the_open_days()
    {
        var second = Monday.AddDays(7);
        PastTicket[] tickets =
        [
            Walk(At(Monday, 10, 1)), Walk(At(Monday, 10, 5)), Walk(At(Monday, 10, 9)), Walk(At(Monday, 10, 14)),
            Walk(At(second, 10, 3)), Walk(At(second, 10, 7)),
            Walk(At(second, 10, 8), appointment: true), // booked: added from the book, not learnt as a walk-in
            Walk(At(Monday.AddDays(1), 9, 30)) with { Category = "B" }, // a Tuesday: an open day of the hall
        ];

        var profile = ArrivalProfile.Learn(tickets, "A", priorServiceMinutes: 10);

        Assert.Equal(3, profile.Days);
        Assert.Equal(7, profile.Tickets);
        Assert.Equal(3.0, profile.ArrivalsInSlot(DayOfWeek.Monday, 40), 6); // 10:00–10:15 is slot 40: (4 + 2) / 2 Mondays
        Assert.Equal(3.0 / 15, profile.ArrivalsPerMinute(At(Monday.AddDays(14), 10, 5)), 6);
        Assert.Equal(0, profile.ArrivalsPerMinute(At(Monday.AddDays(1), 10, 5))); // Tuesday: open, no A walk-ins
        Assert.Equal(6, profile.MeanServiceMinutes, 6);
        Assert.Equal(1, profile.Windows(At(Monday, 10, 5)), 6); // window 1 called on both Mondays
    }

    [Fact]
    public void Without_finished_tickets_the_service_time_is_the_prior()
    {
        var profile = ArrivalProfile.Learn([new PastTicket(Hall, "A", At(Monday, 10, 0), null, null, null, null)], "A", 9.5);
        Assert.Equal(9.5, profile.MeanServiceMinutes);
        Assert.Equal(0, profile.ServiceSamples);
    }

    [Fact]
    public void The_runner_serves_the_line_ahead_at_the_windows_rate()
    {
        var now = At(Monday, 10, 0);
        var run = new QueueRun(now, 10, now, Sessions(Monday), _ => 0, _ => 2, 5, []);

        Assert.Equal(25, QueueRunner.WaitMinutes(run)!.Value, 6); // 10 ahead, 2 windows × 1/5 per minute
        Assert.Equal(10, QueueRunner.AheadAt(run), 6);
    }

    [Fact]
    public void The_runner_adds_forecast_walk_ins_and_booked_appointments_before_the_arrival()
    {
        var now = At(Monday, 10, 0);
        var at = now.AddMinutes(30);

        // 1 walk-in a minute against 2 windows serving 0.4 a minute: 18 ahead after 30 minutes, plus 4 booked at 10:15.
        var run = new QueueRun(now, 0, at, Sessions(Monday), _ => 1, _ => 2, 5, [(At(Monday, 10, 15), 4)]);

        Assert.Equal(22, QueueRunner.AheadAt(run), 6);
        Assert.Equal(55, QueueRunner.WaitMinutes(run)!.Value, 6);
    }

    [Fact]
    public void The_lunch_break_counts_in_the_wait_and_a_line_not_served_by_closing_has_no_forecast()
    {
        var before = At(Monday, 11, 50);
        var lunch = new QueueRun(before, 10, before, Sessions(Monday), _ => 0, _ => 2, 5, []);
        Assert.Equal(85, QueueRunner.WaitMinutes(lunch)!.Value, 6); // 10 min before 12:00 serve 4, the other 6 take 15 min from 13:00

        var noWindow = lunch with { Windows = _ => 0 };
        Assert.Null(QueueRunner.WaitMinutes(noWindow));
    }

    [Fact]
    public void The_synthetic_history_is_reproducible_from_its_seed_and_opens_only_on_session_days()
    {
        var a = SyntheticHistory.Generate(Hall, Categories, Monday, 14, 42, Sessions);
        var b = SyntheticHistory.Generate(Hall, Categories, Monday, 14, 42, Sessions);
        var c = SyntheticHistory.Generate(Hall, Categories, Monday, 14, 43, Sessions);

        Assert.Equal(a, b);
        Assert.NotEmpty(a);
        Assert.False(a.SequenceEqual(c));
        Assert.Equal(10, a.Select(t => ForecastTime.LocalDate(t.TakenAt)).Distinct().Count()); // two weeks: ten working days
        Assert.All(a.Where(t => t.CalledAt is not null), t => Assert.True(t.CalledAt >= t.TakenAt && QueueRunner.IsOpen(Sessions(ForecastTime.LocalDate(t.TakenAt)), t.CalledAt!.Value)));
        Assert.Equal(SyntheticHistory.SeedOf(Hall), SyntheticHistory.SeedOf(Hall));
    }

    [Fact]
    public void The_backtest_holds_out_the_latest_days_and_beats_guessing_no_wait()
    {
        var history = SyntheticHistory.Generate(Hall, Categories, Monday, 56, 7, Sessions);

        var result = ForecastBacktest.Run(history, "A", 10, Sessions);

        Assert.Equal(7, result.HeldOutDays.Count);
        var days = history.Select(t => ForecastTime.LocalDate(t.TakenAt)).Distinct().Order().ToList();
        Assert.Equal(days.TakeLast(7), result.HeldOutDays);
        Assert.True(result.Samples > 100, $"samples {result.Samples}");
        var heldOut = history.Where(t => t.Category == "A" && t.CalledAt is not null && result.HeldOutDays.Contains(ForecastTime.LocalDate(t.TakenAt))).ToList();
        var guessZero = heldOut.Average(t => (t.CalledAt!.Value - t.TakenAt).TotalMinutes);
        output.WriteLine($"synthetic seed 7, 56 days, category A: held out {result.HeldOutDays.Count} days, {result.Samples} tickets, MAE {result.MeanAbsoluteErrorMinutes:F1} min; mean actual wait {guessZero:F1} min");
        Assert.True(result.MeanAbsoluteErrorMinutes < guessZero, $"MAE {result.MeanAbsoluteErrorMinutes:F1} vs guessing 0: {guessZero:F1}");
    }

    [Fact]
    public void Too_few_days_give_no_backtest_error()
    {
        var history = SyntheticHistory.Generate(Hall, Categories, Monday, 2, 7, Sessions);
        var result = ForecastBacktest.Run(history, "A", 10, Sessions);
        Assert.Null(result.MeanAbsoluteErrorMinutes);
        Assert.Equal(0, result.Samples);
    }
}
