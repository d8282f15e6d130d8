using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TongBan.Api.Tests.Support;

namespace TongBan.Api.Tests.Embedded;

/// <summary>
/// The counter operations over real HTTP: park/unpark, 指定叫号, 补录, pause reasons, live window categories, and their
/// bad input (400/404/409 ProblemDetails with zh-CN titles). Each test owns one county hall of 黔南: windows 1-3 serve A,
/// 4 serves B then A, 5 C then A.
/// </summary>
[Collection(EmbeddedCollection.Name)]
[Trait("Category", "Integration")]
public class CounterOperationEndpointTests(EmbeddedApp app)
{
    private async Task<HttpResponseMessage> Send(HttpMethod method, string path, string? token, object? body = null, string? key = null)
    {
        using var request = app.Request(method, path, token, body);
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        return await app.Http.SendAsync(request);
    }

    private Task<HttpResponseMessage> Window(string hall, int window, string action, string token, object? body = null, string? key = null) =>
        Send(HttpMethod.Post, $"/api/halls/{hall}/windows/{window}/{action}", token, body, key);

    private async Task<string> Take(string hall, string category)
    {
        var response = await app.Http.PostAsJsonAsync($"/api/halls/{hall}/tickets", new { category });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("ticketNo").GetString()!;
    }

    private static async Task<JsonElement> Json(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"expected 200, got {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement;
    }

    /// <summary>A ProblemDetails with the status and a Chinese title.</summary>
    private static async Task<JsonElement> Problem(HttpResponseMessage response, HttpStatusCode status)
    {
        var problem = await ProblemAssert.IsProblem(response, status);
        Assert.Contains(problem.GetProperty("title").GetString()!, c => c is >= '\u4e00' and <= '\u9fff');
        return problem;
    }

    private static List<string> Actions(JsonElement problem) =>
        [.. problem.GetProperty("allowedActions").EnumerateArray().Select(a => a.GetString()!)];

    private async Task<JsonElement> Snapshot(string hall, Func<JsonElement, bool> until)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var snapshot = await app.Http.GetFromJsonAsync<JsonElement>($"/api/halls/{hall}/snapshot");
            if (until(snapshot))
            {
                return snapshot;
            }

            Assert.True(DateTime.UtcNow < deadline, $"timed out; last snapshot {snapshot}");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task Park_with_a_reason_list_the_parked_and_unpark_to_the_front()
    {
        const string hall = "522701-H001";
        var first = await Take(hall, "A");
        await Take(hall, "A");
        var clerk = await app.TokenAsync("clerk", hallCode: hall, windowNo: 1);
        await Json(await Window(hall, 1, "open", clerk));
        await Json(await Window(hall, 1, "call-next", clerk));

        await Problem(await Window(hall, 1, "park", clerk), HttpStatusCode.BadRequest);
        await Problem(await Window(hall, 1, "park", clerk, new { reason = "  " }), HttpStatusCode.BadRequest);
        await Problem(await Window(hall, 1, "park", clerk, new { reason = new string('x', 201) }), HttpStatusCode.BadRequest);

        var parked = await Json(await Window(hall, 1, "park", clerk, new { reason = "缺少身份证复印件" }, "park-1"));
        Assert.Equal((first, "waiting", true, "缺少身份证复印件"), (parked.GetProperty("ticketNo").GetString(), parked.GetProperty("state").GetString(), parked.GetProperty("parked").GetBoolean(), parked.GetProperty("parkReason").GetString()));
        var retried = await Json(await Window(hall, 1, "park", clerk, new { reason = "缺少身份证复印件" }, "park-1"));
        Assert.Equal(first, retried.GetProperty("ticketNo").GetString());
        var nothingHeld = await Problem(await Window(hall, 1, "park", clerk, new { reason = "again" }), HttpStatusCode.Conflict);
        Assert.Equal("noCurrentTicket", nothingHeld.GetProperty("code").GetString());
        Assert.Contains("call-next", Actions(nothingHeld));

        var list = await Json(await Send(HttpMethod.Get, $"/api/halls/{hall}/parked", clerk));
        var only = Assert.Single(list.EnumerateArray());
        Assert.Equal((first, "缺少身份证复印件", 1), (only.GetProperty("ticketNo").GetString(), only.GetProperty("reason").GetString(), only.GetProperty("parkedBy").GetInt32()));
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Http.GetAsync($"/api/halls/{hall}/parked")).StatusCode);

        await Problem(await Window(hall, 1, "unpark", clerk, new { ticketNo = "x1" }), HttpStatusCode.BadRequest);
        await Problem(await Window(hall, 1, "unpark", clerk), HttpStatusCode.BadRequest);
        await Problem(await Window(hall, 1, "unpark", clerk, new { ticketNo = "A099" }), HttpStatusCode.NotFound);

        var manager = await app.TokenAsync("hallManager", hallCode: hall);
        var unparked = await Json(await Window(hall, 2, "unpark", manager, new { ticketNo = first }));
        Assert.Equal(("waiting", false), (unparked.GetProperty("state").GetString(), unparked.GetProperty("parked").GetBoolean()));
        var notParked = await Problem(await Window(hall, 2, "unpark", manager, new { ticketNo = first }), HttpStatusCode.Conflict);
        Assert.Equal(("invalidState", "waiting"), (notParked.GetProperty("code").GetString(), notParked.GetProperty("state").GetString()));
        Assert.Contains("call", Actions(notParked));

        var next = await Json(await Window(hall, 1, "call-next", clerk));
        Assert.Equal(first, next.GetProperty("ticketNo").GetString()); // the front of its line
    }

    [Fact]
    public async Task Call_a_named_ticket_and_the_refusals_name_state_and_allowed_actions()
    {
        const string hall = "522702-H001";
        var a1 = await Take(hall, "A");
        var a2 = await Take(hall, "A");
        var c1 = await Take(hall, "C");
        var clerk4 = await app.TokenAsync("clerk", hallCode: hall, windowNo: 4);

        var closed = await Problem(await Window(hall, 4, "call", clerk4, new { ticketNo = a2 }), HttpStatusCode.Conflict);
        Assert.Equal(("notOpen", "closed"), (closed.GetProperty("code").GetString(), closed.GetProperty("windowState").GetString()));
        Assert.Contains("open", Actions(closed));

        await Json(await Window(hall, 4, "open", clerk4));
        var notServed = await Problem(await Window(hall, 4, "call", clerk4, new { ticketNo = c1 }), HttpStatusCode.Conflict);
        Assert.Equal("notServed", notServed.GetProperty("code").GetString());
        await Problem(await Window(hall, 4, "call", clerk4, new { ticketNo = "A050" }), HttpStatusCode.NotFound);
        await Problem(await Window(hall, 4, "call", clerk4, new { ticketNo = "Q001" }), HttpStatusCode.NotFound);
        await Problem(await Window(hall, 4, "call", clerk4, new { ticketNo = "" }), HttpStatusCode.BadRequest);

        var called = await Json(await Window(hall, 4, "call", clerk4, new { ticketNo = a2 }, "call-1"));
        Assert.Equal((a2, "called", 4), (called.GetProperty("ticketNo").GetString(), called.GetProperty("state").GetString(), called.GetProperty("windowNo").GetInt32()));
        Assert.Equal(a2, (await Json(await Window(hall, 4, "call", clerk4, new { ticketNo = a2 }, "call-1"))).GetProperty("ticketNo").GetString());

        var busy = await Problem(await Window(hall, 4, "call", clerk4, new { ticketNo = a1 }), HttpStatusCode.Conflict);
        Assert.Equal(("busy", "called"), (busy.GetProperty("code").GetString(), busy.GetProperty("state").GetString()));
        Assert.Contains("start", Actions(busy));

        var clerk1 = await app.TokenAsync("clerk", hallCode: hall, windowNo: 1);
        await Json(await Window(hall, 1, "open", clerk1));
        var taken = await Problem(await Window(hall, 1, "call", clerk1, new { ticketNo = a2 }), HttpStatusCode.Conflict);
        Assert.Equal(("invalidState", "called", a2), (taken.GetProperty("code").GetString(), taken.GetProperty("state").GetString(), taken.GetProperty("ticketNo").GetString()));
        Assert.Contains("recall", Actions(taken));
    }

    [Fact]
    public async Task A_walk_up_is_served_once_per_key_and_counted_in_the_hall()
    {
        const string hall = "522722-H001";
        var clerk = await app.TokenAsync("clerk", hallCode: hall, windowNo: 1);
        await Json(await Window(hall, 1, "open", clerk));

        var served = await Json(await Window(hall, 1, "walk-up", clerk, new { category = "A" }, "walk-1"));
        Assert.Equal(("A-W001", "A", 1, 1), (served.GetProperty("id").GetString(), served.GetProperty("category").GetString(), served.GetProperty("windowNo").GetInt32(), served.GetProperty("servedToday").GetInt32()));
        var retried = await Json(await Window(hall, 1, "walk-up", clerk, new { category = "A" }, "walk-1"));
        Assert.Equal(("A-W001", 1), (retried.GetProperty("id").GetString(), retried.GetProperty("servedToday").GetInt32()));

        await Problem(await Window(hall, 1, "walk-up", clerk, new { category = "Q" }), HttpStatusCode.NotFound);
        await Problem(await Window(hall, 1, "walk-up", clerk, new { category = "AA" }), HttpStatusCode.BadRequest);
        await Problem(await Window(hall, 1, "walk-up", clerk, new { }), HttpStatusCode.BadRequest);
        await Problem(await Window(hall, 1, "walk-up", clerk, new { category = "A", item = "no-such-item" }), HttpStatusCode.NotFound);
        var notServed = await Problem(await Window(hall, 1, "walk-up", clerk, new { category = "B" }), HttpStatusCode.Conflict);
        Assert.Equal("notServed", notServed.GetProperty("code").GetString());

        var window = await Json(await Send(HttpMethod.Get, $"/api/halls/{hall}/windows/1/", clerk));
        Assert.Equal((1, 1), (window.GetProperty("servedToday").GetInt32(), window.GetProperty("walkUpsToday").GetInt32()));
        var snapshot = await Snapshot(hall, s => s.GetProperty("servedToday").GetInt32() == 1);
        Assert.Equal(0, snapshot.GetProperty("waitingTotal").GetInt32());
    }

    [Fact]
    public async Task Pause_takes_a_listed_reason_or_none_and_the_dashboard_shows_it()
    {
        const string hall = "522723-H001";
        var clerk = await app.TokenAsync("clerk", hallCode: hall, windowNo: 1);
        await Json(await Window(hall, 1, "open", clerk));

        var bodyless = await Json(await Window(hall, 1, "pause", clerk));
        Assert.Equal(("paused", "other"), (bodyless.GetProperty("state").GetString(), bodyless.GetProperty("pauseReason").GetString()));
        foreach (var bad in new[] { "nap", "Break", "" })
        {
            await Problem(await Window(hall, 1, "pause", clerk, new { reason = bad }), HttpStatusCode.BadRequest);
        }

        var training = await Json(await Window(hall, 1, "pause", clerk, new { reason = "training" }));
        Assert.Equal("training", training.GetProperty("pauseReason").GetString());
        Assert.True(training.GetProperty("pausedMinutesToday").GetInt32() >= 0);
        await Snapshot(hall, s => s.GetProperty("windows").EnumerateArray().Any(w => w.GetProperty("windowNo").GetInt32() == 1 && w.GetProperty("pauseReason").GetString() == "training"));

        var opened = await Json(await Window(hall, 1, "open", clerk));
        Assert.Equal(JsonValueKind.Null, opened.GetProperty("pauseReason").ValueKind);
    }

    [Fact]
    public async Task The_hall_manager_changes_a_windows_categories_live()
    {
        const string hall = "522725-H001";
        var clerk = await app.TokenAsync("clerk", hallCode: hall, windowNo: 1);
        var manager = await app.TokenAsync("hallManager", hallCode: hall);
        var path = $"/api/halls/{hall}/windows/1/categories";

        await Problem(await Send(HttpMethod.Put, path, clerk, new { categories = new[] { "B", "A" } }), HttpStatusCode.Forbidden);
        var otherManager = await app.TokenAsync("hallManager", hallCode: "522726-H001");
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(HttpMethod.Put, path, otherManager, new { categories = new[] { "B" } })).StatusCode);
        await Problem(await Send(HttpMethod.Put, path, manager, new { categories = new[] { "Z" } }), HttpStatusCode.BadRequest);
        await Problem(await Send(HttpMethod.Put, path, manager, new { categories = Array.Empty<string>() }), HttpStatusCode.BadRequest);
        await Problem(await Send(HttpMethod.Put, path, manager, new { categories = new[] { "b" } }), HttpStatusCode.BadRequest);
        await Problem(await Send(HttpMethod.Put, path, manager, new { }), HttpStatusCode.BadRequest);
        await Problem(await Send(HttpMethod.Put, $"/api/halls/{hall}/windows/99/categories", manager, new { categories = new[] { "B" } }), HttpStatusCode.NotFound);
        await Problem(await Send(HttpMethod.Put, "/api/halls/522725-H999/windows/1/categories", manager, new { categories = new[] { "B" } }), HttpStatusCode.NotFound);

        var set = await Json(await Send(HttpMethod.Put, path, manager, new { categories = new[] { "B", "A" } }));
        Assert.Equal(["B", "A"], set.GetProperty("categories").EnumerateArray().Select(c => c.GetString()));

        var b1 = await Take(hall, "B");
        await Json(await Window(hall, 1, "open", clerk));
        Assert.Equal(b1, (await Json(await Window(hall, 1, "call-next", clerk))).GetProperty("ticketNo").GetString());
        await Snapshot(hall, s =>
            s.GetProperty("windows").EnumerateArray().Any(w => w.GetProperty("windowNo").GetInt32() == 1 && w.GetProperty("categories").EnumerateArray().First().GetString() == "B")
            && s.GetProperty("categories").EnumerateArray().Any(c => c.GetProperty("code").GetString() == "B" && c.GetProperty("servingWindows").GetDouble() > 0));
    }

    [Theory]
    [InlineData("/api/halls/522726-H999/windows/1/park")]
    [InlineData("/api/halls/522726-H001/windows/99/park")]
    [InlineData("/api/halls/522726-H999/windows/1/walk-up")]
    [InlineData("/api/halls/522726-H001/windows/99/call")]
    [InlineData("/api/halls/522726-H001/windows/99/unpark")]
    public async Task Unknown_halls_and_windows_are_404s(string path)
    {
        var admin = await app.TokenAsync("admin");
        await Problem(await Send(HttpMethod.Post, path, admin, new { reason = "x", ticketNo = "A001", category = "A" }), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_parked_list_of_an_unknown_hall_is_a_404()
    {
        var admin = await app.TokenAsync("admin");
        await Problem(await Send(HttpMethod.Get, "/api/halls/522726-H999/parked", admin), HttpStatusCode.NotFound);
    }
}
