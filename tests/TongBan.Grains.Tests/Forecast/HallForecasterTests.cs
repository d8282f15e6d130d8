using TongBan.Grains.Calendar;
using TongBan.Grains.Forecast;
using TongBan.Grains.Halls;
using TongBan.Grains.Tests.Support;

namespace TongBan.Grains.Tests.Forecast;

/// <summary>The forecaster against a test cluster's live line and appointment book, with and without history.</summary>
[Collection(ClusterCollection.Name)]
[Trait("Category", "Integration")]
public class HallForecasterTests(ClusterFixture fixture)
{
    /// <summary>雷山县: no grain test takes tickets there, so its line is empty.</summary>
    private const string Hall = "522634-H001";

    private static readonly ServicePoint Point = ServicePointSeed.Generate(ClusterFixture.Regions.Value).Single(p => p.Code == Hall);

    /// <summary>The forecaster's clock: Tuesday 24 Nov 2026, 10:00 +08:00.</summary>
    private static HallHours Hours() => new(CalendarProvider.FromEmbedded(), new HallFloorClock(TestSiloWiring.WorkingMorning));

    [Fact]
    public async Task Without_history_the_fallback_runs_todays_line_only_and_says_so()
    {
        var hours = Hours();
        var forecaster = new HallForecaster(new InMemoryArrivalHistory(), new ForecastOptions(), hours, fixture.Grains);

        var forecast = await forecaster.ForecastAsync(Point, "A", hours.Now.AddHours(1), CancellationToken.None);

        Assert.Equal("noHistory", forecast.Basis.Kind);
        Assert.False(forecast.Basis.Synthetic);
        Assert.Equal(0, forecast.Basis.Days);
        Assert.Equal(0, forecast.PredictedWaitMinutes); // an empty line and no walk-ins expected: called at once
        Assert.Null(forecast.ErrorMinutes); // today's live estimate has no error samples yet
    }

    [Fact]
    public async Task With_history_the_forecast_learns_the_halls_days_and_publishes_the_backtest_error()
    {
        var hours = Hours();
        var history = new InMemoryArrivalHistory(synthetic: true);
        history.Add(SyntheticHallHistory.For(Point, hours, 28));
        var forecaster = new HallForecaster(history, new ForecastOptions(), hours, fixture.Grains);
        var tomorrow = new DateTimeOffset(2026, 11, 25, 10, 30, 0, TimeSpan.FromHours(8)); // Wednesday, in the morning peak

        var forecast = await forecaster.ForecastAsync(Point, "A", tomorrow, CancellationToken.None);
        var early = await forecaster.ForecastAsync(Point, "A", new DateTimeOffset(2026, 11, 25, 9, 1, 0, TimeSpan.FromHours(8)), CancellationToken.None);

        Assert.Equal("history", forecast.Basis.Kind);
        Assert.True(forecast.Basis.Synthetic);
        Assert.InRange(forecast.Basis.Days, 15, 28);
        Assert.NotNull(forecast.ErrorMinutes);
        Assert.True(forecast.Basis.BacktestTickets > 0);
        Assert.True(forecast.PredictedWaitMinutes > early.PredictedWaitMinutes, $"10:30 {forecast.PredictedWaitMinutes} min vs 09:01 {early.PredictedWaitMinutes} min: the line builds up in the morning");
    }
}
