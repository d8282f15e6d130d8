using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using TongBan.Api.Tests.Support;
using TongBan.Grains.Halls;
using Xunit.Abstractions;

namespace TongBan.Api.Tests.Insights;

/// <summary>The app with 28 days of synthetic history per hall (seeded by the hall code), so the forecast rests on history.</summary>
public sealed class ForecastApp : EmbeddedApp
{
    protected override IEnumerable<string> ExtraArgs => ["--TongBan:Forecast:SyntheticHistoryDays", "28"];
}

/// <summary>Alerts to the hall manager and the wait forecast over HTTP. The hall floor reads the next working day's 09:30 (HallClockSetup).</summary>
[Trait("Category", "Integration")]
public sealed class HallInsightEndpointTests(ForecastApp app, ITestOutputHelper output) : IClassFixture<ForecastApp>
{
    /// <summary>榕江县政务服务中心 (category A; 09:00–12:00, 13:00–17:00).</summary>
    private const string Hall = "522632-H001";

    private HallHours Hours => app.App.Services.GetRequiredService<HallHours>();

    private static string Iso(DateTimeOffset at) => at.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);

    [Fact]
    public async Task The_forecast_rests_on_the_halls_history_and_publishes_its_backtest_error()
    {
        var at = Hours.Now.AddHours(1);
        var forecast = await app.Http.GetFromJsonAsync<JsonElement>($"/api/halls/{Hall}/forecast?category=A&at={Uri.EscapeDataString(Iso(at))}");

        Assert.True(forecast.GetProperty("predictedWaitMinutes").GetInt32() >= 0);
        Assert.True(forecast.GetProperty("errorMinutes").GetDouble() >= 0);
        var basis = forecast.GetProperty("basis");
        Assert.Equal("history", basis.GetProperty("kind").GetString());
        Assert.True(basis.GetProperty("synthetic").GetBoolean());
        var days = basis.GetProperty("days").GetInt32();
        Assert.InRange(days, 15, 28); // working days among the 28 before today
        Assert.Equal(Math.Clamp(days / 4, 1, 7), basis.GetProperty("heldOutDays").GetInt32()); // the latest quarter
        output.WriteLine(forecast.ToString());
        Assert.True(basis.GetProperty("backtestTickets").GetInt32() > 0);
        Assert.Contains("合成数据", basis.GetProperty("description").GetString(), StringComparison.Ordinal);

        // The same question gives the same answer (the history is seeded by the hall code; the model is cached per day).
        var again = await app.Http.GetFromJsonAsync<JsonElement>($"/api/halls/{Hall}/forecast?category=A&at={Uri.EscapeDataString(Iso(at))}");
        Assert.Equal(forecast.GetProperty("errorMinutes").GetDouble(), again.GetProperty("errorMinutes").GetDouble());
    }

    [Fact]
    public async Task Bad_forecast_questions_are_problems()
    {
        var now = Hours.Now;
        async Task<JsonElement> Ask(string query, HttpStatusCode status)
        {
            using var response = await app.Http.GetAsync($"/api/halls/{query}");
            return await ProblemAssert.IsProblem(response, status);
        }

        await Ask($"{Hall}/forecast", HttpStatusCode.BadRequest); // no category
        await Ask($"{Hall}/forecast?category=Z", HttpStatusCode.NotFound);
        await Ask("520102-H999/forecast?category=A", HttpStatusCode.NotFound);
        await Ask($"{Hall}/forecast?category=A&at=tomorrow", HttpStatusCode.BadRequest);
        await Ask($"{Hall}/forecast?category=A&at={Uri.EscapeDataString(Iso(now.AddHours(-2)))}", HttpStatusCode.BadRequest);
        await Ask($"{Hall}/forecast?category=A&at={Uri.EscapeDataString(Iso(now.AddDays(30)))}", HttpStatusCode.BadRequest);

        // 03:00 the next day: the hall takes no tickets then, and says when it does.
        var night = new DateTimeOffset(Hours.Today.AddDays(1).ToDateTime(new TimeOnly(3, 0)), TimeSpan.FromHours(8));
        var closed = await Ask($"{Hall}/forecast?category=A&at={Uri.EscapeDataString(Iso(night))}", HttpStatusCode.BadRequest);
        Assert.Equal("hallClosedAt", closed.GetProperty("code").GetString());
        Assert.Contains("不取号", closed.GetProperty("title").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Only_the_halls_manager_or_an_admin_sees_and_sets_the_thresholds()
    {
        var manager = await app.TokenAsync("hallManager", hallCode: Hall);
        var other = await app.TokenAsync("hallManager", hallCode: "520102-H001");
        var clerk = await app.TokenAsync("clerk", hallCode: Hall, windowNo: 1);
        var admin = await app.TokenAsync("admin");

        using (var anonymous = await app.Http.GetAsync($"/api/halls/{Hall}/alert-thresholds"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        using (var byClerk = await app.Http.SendAsync(app.Request(HttpMethod.Get, $"/api/halls/{Hall}/alert-thresholds", clerk)))
        {
            await ProblemAssert.IsProblem(byClerk, HttpStatusCode.Forbidden);
        }

        using (var byOther = await app.Http.SendAsync(app.Request(HttpMethod.Put, $"/api/halls/{Hall}/alert-thresholds", other, new { waitingCount = 5 })))
        {
            await ProblemAssert.IsProblem(byOther, HttpStatusCode.Forbidden);
        }

        using (var bad = await app.Http.SendAsync(app.Request(HttpMethod.Put, $"/api/halls/{Hall}/alert-thresholds", manager, new { waitingCount = 0 })))
        {
            var problem = await ProblemAssert.IsProblem(bad, HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty("waitingCount", out _));
        }

        using (var range = await app.Http.SendAsync(app.Request(HttpMethod.Get, $"/api/halls/{Hall}/alerts?from=2026-12-01&to=2026-11-01", admin)))
        {
            await ProblemAssert.IsProblem(range, HttpStatusCode.BadRequest);
        }

        using (var missing = await app.Http.SendAsync(app.Request(HttpMethod.Get, "/api/halls/520102-H999/alert-thresholds", admin)))
        {
            await ProblemAssert.IsProblem(missing, HttpStatusCode.NotFound);
        }

        var defaults = await Send(HttpMethod.Get, $"/api/halls/{Hall}/alert-thresholds", admin);
        Assert.True(defaults.TryGetProperty("waitingCount", out _));
    }

    [Fact]
    public async Task A_line_past_the_threshold_with_no_open_window_opens_alerts_for_the_manager()
    {
        var manager = await app.TokenAsync("hallManager", hallCode: Hall);
        var set = await Send(HttpMethod.Put, $"/api/halls/{Hall}/alert-thresholds", manager,
            new { waitingCount = 1, predictedWaitMinutes = (int?)null, windowPausedMinutes = 20, noOpenWindow = true, deadlineWarningDays = (int?)null });
        Assert.Equal(1, set.GetProperty("waitingCount").GetInt32());
        Assert.Equal(JsonValueKind.Null, set.GetProperty("predictedWaitMinutes").ValueKind);
        Assert.StartsWith("hallManager:", set.GetProperty("updatedBy").GetString(), StringComparison.Ordinal);

        using (var take = await app.Http.PostAsJsonAsync($"/api/halls/{Hall}/tickets", new { category = "A", kind = "walkIn" }))
        {
            Assert.Equal(HttpStatusCode.OK, take.StatusCode);
        }

        // The floor reaches the hall, then its alerts (one-way): wait for the condition, not a time.
        var alerts = await Poll.Until(
            () => Send(HttpMethod.Get, $"/api/halls/{Hall}/alerts", manager),
            a => a.GetProperty("open").EnumerateArray().Any(x => x.GetProperty("kind").GetString() == "waitingCount"),
            TimeSpan.FromSeconds(20));
        var open = alerts.GetProperty("open").EnumerateArray().ToList();
        var waiting = open.Single(x => x.GetProperty("kind").GetString() == "waitingCount");
        Assert.Equal("A", waiting.GetProperty("subject").GetString());
        Assert.Equal(JsonValueKind.Null, waiting.GetProperty("clearedAt").ValueKind);
        Assert.Contains(open, x => x.GetProperty("kind").GetString() == "noOpenWindow"); // no window is open in this hall
        Assert.Equal(1, alerts.GetProperty("thresholds").GetProperty("waitingCount").GetInt32());
    }

    private async Task<JsonElement> Send(HttpMethod method, string path, string token, object? body = null)
    {
        using var response = await app.Http.SendAsync(app.Request(method, path, token, body));
        Assert.True(response.IsSuccessStatusCode, $"{method} {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }
}
