using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TongBan.Api.Tests.Support;
using TongBan.Grains.Calendar;
using TongBan.Grains.Geo;

namespace TongBan.Api.Tests.Map;

[Collection(EmbeddedCollection.Name)]
[Trait("Category", "Integration")]
public class MapEndpointTests(EmbeddedApp app)
{
    // 南明区政务服务中心's neighbourhood, WGS84.
    private const string Guiyang = "lat=26.57&lon=106.71";

    /// <summary>The next ordinary working day at 10:00 Beijing time: hall hours apply whatever time the suite runs.</summary>
    private static string NextWorkdayMorning()
    {
        var calendar = WorkingDayCalendar.LoadEmbedded();
        var day = DateOnly.FromDateTime(DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(8)).DateTime).AddDays(1);
        while (!calendar.IsWorkingDay(day))
        {
            day = day.AddDays(1);
        }

        return Uri.EscapeDataString(new DateTimeOffset(day.ToDateTime(new TimeOnly(10, 0)), TimeSpan.FromHours(8)).ToString("O"));
    }

    [Fact]
    public async Task Points_in_a_bbox_are_a_GeoJSON_FeatureCollection_with_live_properties()
    {
        var response = await app.Http.GetAsync("/api/map/points?bbox=106.6,26.5,106.8,26.7");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/geo+json", response.Content.Headers.ContentType?.MediaType);
        var doc = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("FeatureCollection", doc.GetProperty("type").GetString());
        var features = doc.GetProperty("features").EnumerateArray().ToList();
        Assert.True(features.Count > 10);
        foreach (var f in features)
        {
            var c = f.GetProperty("geometry").GetProperty("coordinates");
            Assert.InRange(c[0].GetDouble(), 106.6, 106.8);
            Assert.InRange(c[1].GetDouble(), 26.5, 26.7);
            var props = f.GetProperty("properties");
            Assert.True(props.TryGetProperty("open", out _));
            Assert.True(props.TryGetProperty("code", out _));
        }

        Assert.Contains(features, f => f.GetProperty("properties").GetProperty("code").GetString() == "520102-H001");
    }

    [Fact]
    public async Task Points_filter_by_type_and_answer_in_gcj02_when_asked()
    {
        var wgs = await app.Http.GetFromJsonAsync<JsonElement>("/api/map/points?bbox=106.6,26.5,106.8,26.7&type=hall");
        var features = wgs.GetProperty("features").EnumerateArray().ToList();
        Assert.All(features, f => Assert.Equal("hall", f.GetProperty("properties").GetProperty("type").GetString()));
        var hall = features.Single(f => f.GetProperty("properties").GetProperty("code").GetString() == "520102-H001");
        var w = hall.GetProperty("geometry").GetProperty("coordinates");

        var gcj = await app.Http.GetFromJsonAsync<JsonElement>("/api/map/points?bbox=106.6,26.5,106.8,26.7&type=hall&crs=gcj02");
        var g = gcj.GetProperty("features").EnumerateArray().Single(f => f.GetProperty("properties").GetProperty("code").GetString() == "520102-H001")
            .GetProperty("geometry").GetProperty("coordinates");
        var expected = Gcj02.FromWgs84(new GeoPoint(w[1].GetDouble(), w[0].GetDouble()));
        Assert.Equal(expected.Lon, g[0].GetDouble(), 5);
        Assert.Equal(expected.Lat, g[1].GetDouble(), 5);
    }

    [Theory]
    [InlineData("/api/map/points?bbox=106.8,26.5,106.6,26.7", "bbox")]   // inverted
    [InlineData("/api/map/points?bbox=106.6,26.5,106.8", "bbox")]        // three numbers
    [InlineData("/api/map/points?bbox=NaN,26.5,106.8,26.7", "bbox")]
    [InlineData("/api/map/points?bbox=106.6,95,106.8,96", "bbox")]
    [InlineData("/api/map/points?crs=bd09", "crs")]
    [InlineData("/api/map/points?type=castle", "type")]
    [InlineData("/api/map/nearest?lat=95&lon=106.7", "lat")]
    [InlineData("/api/map/nearest?lat=NaN&lon=106.7", "lat")]
    [InlineData("/api/map/nearest?lon=106.7", "lat")]
    [InlineData("/api/map/nearest?" + Guiyang + "&crs=bd09", "crs")]
    [InlineData("/api/map/nearest?" + Guiyang + "&k=0", "k")]
    [InlineData("/api/map/nearest?" + Guiyang + "&k=100000", "k")]
    [InlineData("/api/map/nearest?" + Guiyang + "&mode=fly", "mode")]
    [InlineData("/api/map/nearest?" + Guiyang + "&item=a%20b", "item")]
    [InlineData("/api/map/nearest?" + Guiyang + "&at=yesterday", "at")]
    [InlineData("/api/map/nearest?" + Guiyang + "&at=2001-01-01T10:00:00%2B08:00", "at")]
    [InlineData("/api/map/aggregates?level=galaxy", "level")]
    public async Task Bad_input_is_a_400_problem_naming_the_field(string url, string field)
    {
        var doc = await ProblemAssert.IsProblem(await app.Http.GetAsync(url), HttpStatusCode.BadRequest);
        Assert.True(doc.GetProperty("errors").TryGetProperty(field, out _), doc.ToString());
    }

    [Fact]
    public async Task Nearest_ranks_by_total_minutes_and_explains_each_rank()
    {
        var results = await app.Http.GetFromJsonAsync<JsonElement>($"/api/map/nearest?{Guiyang}&mode=drive&k=5&at={NextWorkdayMorning()}");
        var list = results.EnumerateArray().ToList();
        Assert.Equal(5, list.Count);
        var totals = list.Select(r => r.GetProperty("totalMinutes").GetDouble()).ToList();
        Assert.Equal(totals.Order(), totals);
        foreach (var r in list)
        {
            Assert.True(r.GetProperty("open").GetBoolean());
            Assert.True(r.GetProperty("distanceMeters").GetDouble() >= 0);
            Assert.Contains("合计", r.GetProperty("reason").GetString(), StringComparison.Ordinal);
            Assert.Contains("min total", r.GetProperty("reason").GetString(), StringComparison.Ordinal);
            Assert.True(r.TryGetProperty("hallCode", out _) && r.TryGetProperty("travelMinutes", out _) && r.TryGetProperty("predictedWaitMinutes", out _) && r.TryGetProperty("waiting", out _));
        }
    }

    /// <summary>
    /// An evening on a rest day followed by a working day, within the 7 days <c>at</c> accepts (a Sunday evening, usually), and
    /// that working day; null in the rare week where none exists (inside a long holiday).
    /// </summary>
    private static (string At, DateOnly OpensOn)? RestEveningBeforeAWorkday()
    {
        var calendar = WorkingDayCalendar.LoadEmbedded();
        var today = DateOnly.FromDateTime(DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(8)).DateTime);
        for (var d = today.AddDays(1); d <= today.AddDays(6); d = d.AddDays(1))
        {
            if (!calendar.IsWorkingDay(d) && d.DayOfWeek != DayOfWeek.Saturday && calendar.IsWorkingDay(d.AddDays(1)))
            {
                return (Uri.EscapeDataString(new DateTimeOffset(d.ToDateTime(new TimeOnly(19, 30)), TimeSpan.FromHours(8)).ToString("O")), d.AddDays(1));
            }
        }

        return null;
    }

    /// <summary>Issue 19's example: a rest-day evening in 观山湖区 (GCJ-02), halls by car and on foot.</summary>
    [Theory]
    [InlineData("drive", 100_000)]
    [InlineData("walk", 5_000)]
    public async Task Nearest_on_a_rest_day_evening_lists_the_nearby_halls_with_when_they_open(string mode, double capMeters)
    {
        var evening = RestEveningBeforeAWorkday();
        var at = evening?.At ?? NextWorkdayMorning().Replace("T10", "T19", StringComparison.Ordinal);
        var results = (await app.Http.GetFromJsonAsync<JsonElement>($"/api/map/nearest?lat=26.6470&lon=106.6302&crs=gcj02&k=3&mode={mode}&type=hall&at={at}"))
            .EnumerateArray().ToList();
        Assert.Equal(3, results.Count);
        var totals = results.Select(r => r.GetProperty("totalMinutes").GetDouble()).ToList();
        Assert.Equal(totals.Order(), totals);
        foreach (var r in results)
        {
            Assert.False(r.GetProperty("open").GetBoolean());
            Assert.True(r.GetProperty("routeMeters").GetDouble() <= capMeters, r.ToString());
            var opensAt = r.GetProperty("opensAt").GetString()!;
            Assert.EndsWith("+08:00", opensAt, StringComparison.Ordinal);
            Assert.Matches("^周[一二三四五六日] \\d{2}:\\d{2} 开门$", r.GetProperty("opensAtText").GetString()!);
            Assert.True(r.GetProperty("waitUntilOpenMinutes").GetDouble() > 0);
            Assert.Equal(Math.Round(r.GetProperty("travelMinutes").GetDouble()), r.GetProperty("travelMinutes").GetDouble()); // whole minutes
            if (evening is { } e)
            {
                var opens = DateTimeOffset.Parse(opensAt, System.Globalization.CultureInfo.InvariantCulture);
                Assert.Equal(e.OpensOn, DateOnly.FromDateTime(opens.DateTime));
                Assert.StartsWith("周" + "日一二三四五六"[(int)e.OpensOn.DayOfWeek], r.GetProperty("opensAtText").GetString(), StringComparison.Ordinal);
            }
        }

        var openOnly = await app.Http.GetFromJsonAsync<JsonElement>($"/api/map/nearest?lat=26.6470&lon=106.6302&crs=gcj02&k=3&mode={mode}&type=hall&at={at}&openNow=true");
        Assert.Equal(0, openOnly.GetArrayLength());
    }

    [Fact]
    public async Task Around_the_clock_points_on_foot_stay_within_the_walking_cap()
    {
        var results = await app.Http.GetFromJsonAsync<JsonElement>($"/api/map/nearest?lat=26.6470&lon=106.6302&crs=gcj02&k=20&mode=walk&always=true");
        Assert.True(results.GetArrayLength() > 0);
        Assert.All(results.EnumerateArray(), r =>
        {
            Assert.True(r.GetProperty("open").GetBoolean());
            Assert.True(r.GetProperty("routeMeters").GetDouble() <= 5_000 && r.GetProperty("travelMinutes").GetDouble() <= 67, r.ToString());
        });
    }

    /// <summary>Issue 19: 300 people planning the same morning are spread over several halls, and the ledger says how many were sent.</summary>
    [Fact]
    public async Task Planned_morning_trips_are_spread_over_halls_and_the_first_choice_counts_those_already_sent()
    {
        var at = NextWorkdayMorning().Replace("T10%3A00", "T09%3A10", StringComparison.Ordinal);
        Assert.Contains("T09%3A10", at, StringComparison.Ordinal);
        const string Zunyi = "lat=27.7255&lon=106.9272"; // 遵义 红花岗区: several halls within a short drive
        var firsts = new List<JsonElement>();
        for (var i = 0; i < 300; i++)
        {
            var answer = await app.Http.GetFromJsonAsync<JsonElement>($"/api/map/nearest?{Zunyi}&mode=drive&k=3&type=hall&at={at}");
            firsts.Add(answer[0]);
        }

        var halls = firsts.Select(f => f.GetProperty("hallCode").GetString()).Distinct().ToList();
        Assert.True(halls.Count >= 2, string.Join(",", halls));
        Assert.Equal(0, firsts[0].GetProperty("expectedArrivalsAhead").GetDouble());
        var last = firsts[^1];
        Assert.True(last.GetProperty("expectedArrivalsAhead").GetDouble() > 0, last.ToString());
        Assert.True(last.GetProperty("predictedWaitMinutes").GetInt32() > 0, last.ToString());
        Assert.Contains("已推荐", last.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Nearest_accepts_gcj02_input_as_the_same_place()
    {
        var wgs = new GeoPoint(26.60, 106.65);
        var gcj = Gcj02.FromWgs84(wgs);
        var at = NextWorkdayMorning();
        // By car: on foot (5 km) there may be no self-service point near this spot.
        var a = await app.Http.GetFromJsonAsync<JsonElement>($"/api/map/nearest?lat={wgs.Lat}&lon={wgs.Lon}&k=3&mode=drive&type=selfService&at={at}");
        var b = await app.Http.GetFromJsonAsync<JsonElement>($"/api/map/nearest?lat={gcj.Lat:R}&lon={gcj.Lon:R}&crs=gcj02&k=3&mode=drive&type=selfService&at={at}");
        Assert.Equal(3, a.GetArrayLength());
        Assert.Equal(a.EnumerateArray().Select(r => r.GetProperty("hallCode").GetString()), b.EnumerateArray().Select(r => r.GetProperty("hallCode").GetString()));
        Assert.Equal(a[0].GetProperty("distanceMeters").GetDouble(), b[0].GetProperty("distanceMeters").GetDouble(), 0);
    }

    [Fact]
    public async Task Far_outside_Guizhou_is_404_outside_coverage_unless_allowOutside()
    {
        var doc = await ProblemAssert.IsProblem(await app.Http.GetAsync("/api/map/nearest?lat=39.9&lon=116.4"), HttpStatusCode.NotFound);
        Assert.Contains("Outside coverage", doc.GetProperty("title").GetString(), StringComparison.Ordinal);
        var results = await app.Http.GetFromJsonAsync<JsonElement>("/api/map/nearest?lat=39.9&lon=116.4&allowOutside=true&always=true&k=2");
        Assert.Equal(2, results.GetArrayLength());
    }

    [Fact]
    public async Task Unknown_but_well_formed_item_matches_nothing_rather_than_failing()
    {
        var results = await app.Http.GetFromJsonAsync<JsonElement>($"/api/map/nearest?{Guiyang}&item=NO-SUCH-ITEM-1");
        Assert.Equal(0, results.GetArrayLength());
    }

    [Fact]
    public async Task Point_details_carry_live_figures_per_category()
    {
        var doc = await app.Http.GetFromJsonAsync<JsonElement>("/api/map/points/520102-H001");
        Assert.Equal("520102-H001", doc.GetProperty("point").GetProperty("code").GetString());
        var categories = doc.GetProperty("categories").EnumerateArray().ToList();
        Assert.Contains(categories, c => c.GetProperty("code").GetString() == "A");
        Assert.All(categories, c => Assert.Equal(JsonValueKind.Number, c.GetProperty("waiting").ValueKind)); // asked the hall itself
        await ProblemAssert.IsProblem(await app.Http.GetAsync("/api/map/points/520102-H999"), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblem(await app.Http.GetAsync("/api/map/points/nonsense"), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Aggregates_cover_every_county_and_prefecture()
    {
        var counties = await app.Http.GetFromJsonAsync<JsonElement>("/api/map/aggregates?level=county");
        Assert.Equal(88, counties.GetArrayLength());
        Assert.All(counties.EnumerateArray(), c => Assert.True(c.GetProperty("points").GetInt32() > 0));
        var prefectures = await app.Http.GetFromJsonAsync<JsonElement>("/api/map/aggregates?level=prefecture");
        Assert.Equal(9, prefectures.GetArrayLength());
        var province = await app.Http.GetFromJsonAsync<JsonElement>("/api/map/aggregates?level=province");
        Assert.True(province[0].GetProperty("points").GetInt32() > 2500);
    }

    [Fact]
    public async Task Admin_adds_moves_closes_and_reopens_a_point_and_the_map_follows()
    {
        const string code = "520102-Z901";
        var anonymous = await app.Http.PostAsJsonAsync("/api/admin/service-points", new { code });
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        var citizen = await app.TokenAsync("citizen", subject: "520102199001011234");
        using (var forbidden = await app.Http.SendAsync(app.Request(HttpMethod.Post, "/api/admin/service-points", citizen, new { code })))
        {
            Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        }

        var admin = await app.TokenAsync("admin");
        var body = new { code, name = "南明区测试自助点", type = "selfService", location = new { lat = 26.5700, lon = 106.7100 }, items = new[] { "TEST-ITEM-1" } };
        using (var created = await app.Http.SendAsync(app.Request(HttpMethod.Post, "/api/admin/service-points", admin, body)))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            Assert.Equal("520102", (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("regionCode").GetString());
        }

        using (var again = await app.Http.SendAsync(app.Request(HttpMethod.Post, "/api/admin/service-points", admin, body)))
        {
            await ProblemAssert.IsProblem(again, HttpStatusCode.Conflict);
        }

        var found = await app.Http.GetFromJsonAsync<JsonElement>("/api/map/nearest?lat=26.57&lon=106.71&item=TEST-ITEM-1&k=1");
        Assert.Equal(code, found[0].GetProperty("hallCode").GetString());

        using (var moved = await app.Http.SendAsync(app.Request(HttpMethod.Put, $"/api/admin/service-points/{code}", admin, new { location = new { lat = 26.6, lon = 106.7 } })))
        {
            Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
        }

        var box = await app.Http.GetFromJsonAsync<JsonElement>("/api/map/points?bbox=106.69,26.59,106.71,26.61&type=selfService");
        Assert.Contains(box.GetProperty("features").EnumerateArray(), f => f.GetProperty("properties").GetProperty("code").GetString() == code);

        using (var closed = await app.Http.SendAsync(app.Request(HttpMethod.Post, $"/api/admin/service-points/{code}/close", admin)))
        {
            Assert.Equal(HttpStatusCode.OK, closed.StatusCode);
        }

        Assert.Equal(0, (await app.Http.GetFromJsonAsync<JsonElement>("/api/map/nearest?lat=26.6&lon=106.7&item=TEST-ITEM-1")).GetArrayLength());
        using (var reopened = await app.Http.SendAsync(app.Request(HttpMethod.Post, $"/api/admin/service-points/{code}/reopen", admin)))
        {
            Assert.Equal(HttpStatusCode.OK, reopened.StatusCode);
        }

        Assert.Equal(1, (await app.Http.GetFromJsonAsync<JsonElement>("/api/map/nearest?lat=26.6&lon=106.7&item=TEST-ITEM-1")).GetArrayLength());

        using var outside = await app.Http.SendAsync(app.Request(HttpMethod.Put, $"/api/admin/service-points/{code}", admin, new { location = new { lat = 39.9, lon = 116.4 } }));
        await ProblemAssert.IsProblem(outside, HttpStatusCode.BadRequest);
    }
}
