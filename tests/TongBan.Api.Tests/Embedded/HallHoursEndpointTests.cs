using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using TongBan.Api.Tests.Support;

namespace TongBan.Api.Tests.Embedded;

/// <summary>
/// The hall's clock over HTTP. The shared host's hall floor reads the next working day's morning (Support/HallClockSetup), so
/// the hall is open unless a test closes it: closing runs the real rules (a manager's closure of "today" on that clock).
/// </summary>
[Collection(EmbeddedCollection.Name)]
[Trait("Category", "Integration")]
public partial class HallHoursEndpointTests(EmbeddedApp app)
{
    /// <summary>榕江县政务服务中心: no other test uses it, so a closure here disturbs nobody.</summary>
    private const string Hall = "522632-H001";

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$")]
    private static partial Regex ChinaIso();

    [Fact]
    public async Task The_hall_profile_and_hours_show_the_clock()
    {
        var hall = await app.Http.GetFromJsonAsync<JsonElement>($"/api/halls/{Hall}");
        Assert.True(hall.GetProperty("openNow").GetBoolean());
        Assert.True(hall.GetProperty("takingTickets").GetBoolean());
        Assert.Equal(JsonValueKind.Null, hall.GetProperty("nextOpening").ValueKind);
        Assert.Equal(30, hall.GetProperty("openingHours").GetProperty("ticketCutoffMinutes").GetInt32());
        Assert.Equal(["09:00-12:00", "13:00-17:00"], hall.GetProperty("openingHours").GetProperty("workdays").EnumerateArray().Select(e => e.GetString()!));
        Assert.True(hall.TryGetProperty("status", out _)); // existing fields stay

        var hours = await app.Http.GetFromJsonAsync<JsonElement>($"/api/halls/{Hall}/hours");
        Assert.Matches(ChinaIso(), hours.GetProperty("now").GetString()!);
        Assert.Matches(ChinaIso(), hours.GetProperty("ticketsUntil").GetString()!);
        Assert.True(hours.GetProperty("openNow").GetBoolean());
    }

    [Fact]
    public async Task A_closure_refuses_tickets_and_windows_with_the_next_opening_until_it_is_removed()
    {
        var manager = await app.TokenAsync("hallManager", hallCode: Hall);
        var clerk = await app.TokenAsync("clerk", hallCode: Hall, windowNo: 1, subject: "clerk-rongjiang-1");
        var today = await TodayAsync();
        string waiting;
        using (var before = await app.Http.PostAsJsonAsync($"/api/halls/{Hall}/tickets", new { category = "A", kind = "walkIn" }))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
            waiting = (await before.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("ticketNo").GetString()!;
            var ticket = await app.Http.GetFromJsonAsync<JsonElement>($"/api/halls/{Hall}/tickets/{waiting}");
            Assert.Equal(JsonValueKind.Null, ticket.GetProperty("outcome").ValueKind);
        }

        using (var put = await app.Http.SendAsync(app.Request(HttpMethod.Put, $"/api/halls/{Hall}/hours/exceptions/{today}", manager,
                   new { kind = "closed", reason = "设备检修" })))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
            var body = await put.Content.ReadFromJsonAsync<JsonElement>();
            Assert.False(body.GetProperty("openNow").GetBoolean());
            Assert.Contains("设备检修", body.GetProperty("closedReason").GetString(), StringComparison.Ordinal);
            var exception = Assert.Single(body.GetProperty("openingHours").GetProperty("exceptions").EnumerateArray());
            Assert.Equal("closed", exception.GetProperty("kind").GetString());
        }

        try
        {
            var citizen = await app.TokenAsync("citizen", subject: "522628199001010018");
            foreach (var kind in new[] { "walkIn", "kiosk", "remote" })
            {
                // A remote ticket needs a citizen's sign-in (honest tickets); the closed hall refuses it all the same.
                using var take = await app.Http.SendAsync(app.Request(HttpMethod.Post, $"/api/halls/{Hall}/tickets", kind == "remote" ? citizen : null, new { category = "A", kind }));
                Assert.Equal(HttpStatusCode.Conflict, take.StatusCode);
                var problem = await take.Content.ReadFromJsonAsync<JsonElement>();
                Assert.Equal("hallClosed", problem.GetProperty("code").GetString());
                Assert.Contains("取号", problem.GetProperty("title").GetString(), StringComparison.Ordinal);
                var next = problem.GetProperty("nextOpening").GetString()!;
                Assert.Matches(ChinaIso(), next);
                Assert.True(string.CompareOrdinal(next[..10], today) > 0, next); // not today: it is closed all day
            }

            using (var open = await app.Http.SendAsync(app.Request(HttpMethod.Post, $"/api/halls/{Hall}/windows/1/open", clerk)))
            {
                Assert.Equal(HttpStatusCode.Conflict, open.StatusCode);
                var problem = await open.Content.ReadFromJsonAsync<JsonElement>();
                Assert.Equal("outsideHours", problem.GetProperty("code").GetString());
                Assert.Matches(ChinaIso(), problem.GetProperty("nextOpening").GetString()!);
            }

            // The ticket taken before the closure will not be called today: the citizen sees it, and when to come back.
            var stranded = await app.Http.GetFromJsonAsync<JsonElement>($"/api/halls/{Hall}/tickets/{waiting}");
            Assert.Equal("waiting", stranded.GetProperty("state").GetString());
            Assert.Equal("hallClosed", stranded.GetProperty("outcome").GetString());
            Assert.Matches(ChinaIso(), stranded.GetProperty("nextOpening").GetString()!);

            var hall = await app.Http.GetFromJsonAsync<JsonElement>($"/api/halls/{Hall}");
            Assert.False(hall.GetProperty("openNow").GetBoolean());
            Assert.Matches(ChinaIso(), hall.GetProperty("nextOpening").GetString()!);
        }
        finally
        {
            using var delete = await app.Http.SendAsync(app.Request(HttpMethod.Delete, $"/api/halls/{Hall}/hours/exceptions/{today}", manager));
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        }

        using (var take = await app.Http.PostAsJsonAsync($"/api/halls/{Hall}/tickets", new { category = "A", kind = "walkIn" }))
        {
            Assert.Equal(HttpStatusCode.OK, take.StatusCode);
        }

        using (var open = await app.Http.SendAsync(app.Request(HttpMethod.Post, $"/api/halls/{Hall}/windows/1/open", clerk)))
        {
            Assert.Equal(HttpStatusCode.OK, open.StatusCode);
        }

        using var close = await app.Http.SendAsync(app.Request(HttpMethod.Post, $"/api/halls/{Hall}/windows/1/close", clerk));
        Assert.Equal(HttpStatusCode.OK, close.StatusCode);
    }

    [Fact]
    public async Task Extended_hours_are_kept_listed_and_overlaps_refused()
    {
        var manager = await app.TokenAsync("hallManager", hallCode: Hall);
        var day = await NextWorkingDayAfterTodayAsync();
        using (var put = await app.Http.SendAsync(app.Request(HttpMethod.Put, $"/api/halls/{Hall}/hours/exceptions/{day}", manager,
                   new { kind = "extended", closesAt = "19:00", reason = "延时服务" })))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        try
        {
            using (var again = await app.Http.SendAsync(app.Request(HttpMethod.Put, $"/api/halls/{Hall}/hours/exceptions/{day}", manager,
                       new { kind = "extended", closesAt = "19:30" })))
            {
                Assert.Equal(HttpStatusCode.OK, again.StatusCode); // the same start date: replaced
            }

            var hours = await app.Http.GetFromJsonAsync<JsonElement>($"/api/halls/{Hall}/hours");
            var listed = Assert.Single(hours.GetProperty("openingHours").GetProperty("exceptions").EnumerateArray());
            Assert.Equal("19:30", listed.GetProperty("closesAt").GetString());

            var earlier = DateOnly.Parse(day, System.Globalization.CultureInfo.InvariantCulture).AddDays(-1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
            using var overlap = await app.Http.SendAsync(app.Request(HttpMethod.Put, $"/api/halls/{Hall}/hours/exceptions/{earlier}", manager,
                new { kind = "closed", to = day, reason = "停电" }));
            Assert.Equal(HttpStatusCode.Conflict, overlap.StatusCode);
            Assert.Equal("exceptionOverlaps", (await overlap.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        }
        finally
        {
            using var delete = await app.Http.SendAsync(app.Request(HttpMethod.Delete, $"/api/halls/{Hall}/hours/exceptions/{day}", manager));
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        }
    }

    [Fact]
    public async Task Bad_input_unknown_halls_and_other_halls_managers_are_refused()
    {
        var manager = await app.TokenAsync("hallManager", hallCode: Hall);
        var today = await TodayAsync();
        var yesterday = DateOnly.Parse(today, System.Globalization.CultureInfo.InvariantCulture).AddDays(-1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var day = await NextWorkingDayAfterTodayAsync();
        (string Date, object Body, string Field)[] bad =
        [
            ("2026-13-01", new { kind = "closed", reason = "x" }, "date"),
            ("tomorrow", new { kind = "closed", reason = "x" }, "date"),
            (yesterday, new { kind = "closed", reason = "x" }, "date"),
            (day, new { kind = "holiday" }, "kind"),
            (day, new { kind = "closed" }, "reason"),
            (day, new { kind = "closed", reason = "x", to = yesterday }, "to"),
            (day, new { kind = "closed", reason = "x", to = "31/12" }, "to"),
            (day, new { kind = "extended" }, "closesAt"),
            (day, new { kind = "extended", closesAt = "7pm" }, "closesAt"),
            (day, new { kind = "extended", closesAt = "16:00" }, "closesAt"),
        ];
        foreach (var (date, body, field) in bad)
        {
            using var response = await app.Http.SendAsync(app.Request(HttpMethod.Put, $"/api/halls/{Hall}/hours/exceptions/{date}", manager, body));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{date} {JsonSerializer.Serialize(body)}: {problem}");
        }

        using (var unknown = await app.Http.SendAsync(app.Request(HttpMethod.Put, $"/api/halls/522632-H099/hours/exceptions/{day}", manager, new { kind = "closed", reason = "x" })))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        }

        using (var unknownHours = await app.Http.GetAsync("/api/halls/522632-H099/hours"))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknownHours.StatusCode);
        }

        var otherManager = await app.TokenAsync("hallManager", hallCode: "520102-H001");
        using (var forbidden = await app.Http.SendAsync(app.Request(HttpMethod.Put, $"/api/halls/{Hall}/hours/exceptions/{day}", otherManager, new { kind = "closed", reason = "x" })))
        {
            Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        }

        var clerk = await app.TokenAsync("clerk", hallCode: Hall, windowNo: 1);
        using (var clerkPut = await app.Http.SendAsync(app.Request(HttpMethod.Put, $"/api/halls/{Hall}/hours/exceptions/{day}", clerk, new { kind = "closed", reason = "x" })))
        {
            Assert.Equal(HttpStatusCode.Forbidden, clerkPut.StatusCode);
        }

        using (var anonymous = await app.Http.SendAsync(app.Request(HttpMethod.Put, $"/api/halls/{Hall}/hours/exceptions/{day}", null, new { kind = "closed", reason = "x" })))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        using (var missing = await app.Http.SendAsync(app.Request(HttpMethod.Delete, $"/api/halls/{Hall}/hours/exceptions/{day}", manager)))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }

        using var badDelete = await app.Http.SendAsync(app.Request(HttpMethod.Delete, $"/api/halls/{Hall}/hours/exceptions/soon", manager));
        Assert.Equal(HttpStatusCode.BadRequest, badDelete.StatusCode);
    }

    /// <summary>Today on the hall floor's clock (the host's shifted "now").</summary>
    private async Task<string> TodayAsync() =>
        (await app.Http.GetFromJsonAsync<JsonElement>($"/api/halls/{Hall}/hours")).GetProperty("now").GetString()![..10];

    /// <summary>The date of the next opening after today's last session: a working day after the hall floor's today.</summary>
    private async Task<string> NextWorkingDayAfterTodayAsync()
    {
        var today = DateOnly.Parse(await TodayAsync(), System.Globalization.CultureInfo.InvariantCulture);
        var calendar = TongBan.Grains.Calendar.WorkingDayCalendar.LoadEmbedded();
        var day = today.AddDays(1);
        while (!calendar.IsWorkingDay(day))
        {
            day = day.AddDays(1);
        }

        return day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
    }
}

/// <summary>Service points written before the hall's clock existed still load, and the new members round-trip (PostgreSQL jsonb shape).</summary>
[Trait("Category", "Integration")]
public class ServicePointJsonTests
{
    [Fact]
    public void A_stored_point_without_exceptions_loads_and_exceptions_round_trip()
    {
        var point = TongBan.Grains.Halls.ServicePointSeed.Generate(TongBan.Grains.Regions.RegionCatalog.LoadEmbedded())[0];
        var json = JsonSerializer.Serialize(point, TongBan.Silo.Postgres.PostgresServicePointStore.Json);
        var old = System.Text.Json.Nodes.JsonNode.Parse(json)!.AsObject();
        old.Remove("hoursExceptions");
        old.Remove("ticketCutoffMinutes");
        var loaded = JsonSerializer.Deserialize<TongBan.Grains.Halls.ServicePoint>(old.ToJsonString(), TongBan.Silo.Postgres.PostgresServicePointStore.Json)!;
        Assert.Null(loaded.HoursExceptions);
        Assert.Null(loaded.TicketCutoffMinutes);
        Assert.Equal(point.Hours.Workdays, loaded.Hours.Workdays);

        var changed = point with
        {
            TicketCutoffMinutes = 45,
            HoursExceptions = [new(new DateOnly(2026, 12, 31), new DateOnly(2026, 12, 31), TongBan.Grains.Halls.HoursExceptionKind.Extended, new TimeOnly(19, 0), "延时服务", "hallManager:m1")],
        };
        var back = JsonSerializer.Deserialize<TongBan.Grains.Halls.ServicePoint>(
            JsonSerializer.Serialize(changed, TongBan.Silo.Postgres.PostgresServicePointStore.Json), TongBan.Silo.Postgres.PostgresServicePointStore.Json)!;
        Assert.Equal(45, back.TicketCutoffMinutes);
        Assert.Equal(changed.HoursExceptions, back.HoursExceptions);
    }
}
