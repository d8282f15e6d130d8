using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using TongBan.Api.Tests.Support;

namespace TongBan.Api.Tests.Embedded;

/// <summary>Ticket and window routes over real HTTP. Each test owns one hall of 黔东南 so they never share a queue.</summary>
[Collection(EmbeddedCollection.Name)]
[Trait("Category", "Integration")]
public class QueueEndpointTests(EmbeddedApp app)
{
    private async Task<HttpResponseMessage> Take(string hall, object body, string? key = null)
    {
        using var request = app.Request(HttpMethod.Post, $"/api/halls/{hall}/tickets", body: body);
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        return await app.Http.SendAsync(request);
    }

    private async Task<HttpResponseMessage> Window(string hall, int window, string action, string token, object? body = null, string? key = null)
    {
        using var request = app.Request(HttpMethod.Post, $"/api/halls/{hall}/windows/{window}/{action}", token, body);
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        return await app.Http.SendAsync(request);
    }

    [Fact]
    public async Task Take_a_ticket_and_follow_it_through_the_window()
    {
        const string hall = "522601-H001"; // 凯里市政务服务中心
        var taken = await Take(hall, new { category = "A", kind = "kiosk" });
        Assert.Equal(HttpStatusCode.OK, taken.StatusCode);
        var ticket = await taken.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("A001", ticket.GetProperty("ticketNo").GetString());
        Assert.Equal("A", ticket.GetProperty("category").GetString());
        Assert.Equal(1, ticket.GetProperty("position").GetInt32());
        Assert.Equal(JsonValueKind.Null, ticket.GetProperty("predictedWaitMinutes").ValueKind); // no window open yet

        var clerk = await app.TokenAsync("clerk", hallCode: hall, windowNo: 1, subject: "clerk-kaili-1");
        Assert.Equal(HttpStatusCode.OK, (await Window(hall, 1, "open", clerk)).StatusCode);
        var called = await Window(hall, 1, "call-next", clerk);
        Assert.Equal(HttpStatusCode.OK, called.StatusCode);
        Assert.Equal("A001", (await called.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("ticketNo").GetString());

        var state = await app.Http.GetFromJsonAsync<JsonElement>($"/api/halls/{hall}/tickets/A001");
        Assert.Equal("called", state.GetProperty("state").GetString());
        Assert.Equal(1, state.GetProperty("windowNo").GetInt32());

        Assert.Equal(HttpStatusCode.OK, (await Window(hall, 1, "start", clerk)).StatusCode);
        var finished = await Window(hall, 1, "finish", clerk, key: "f-1");
        Assert.Equal("done", (await finished.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("state").GetString());
        Assert.Equal(HttpStatusCode.OK, (await Window(hall, 1, "finish", clerk, key: "f-1")).StatusCode); // retried: same answer

        var twice = await Window(hall, 1, "finish", clerk);
        var problem = await ProblemAssert.IsProblem(twice, HttpStatusCode.Conflict);
        Assert.Equal("noCurrentTicket", problem.GetProperty("code").GetString());

        Assert.Equal(HttpStatusCode.NoContent, (await Window(hall, 1, "call-next", clerk)).StatusCode);

        var snapshot = await app.Http.GetFromJsonAsync<JsonElement>($"/api/halls/{hall}/snapshot");
        Assert.Equal(1, snapshot.GetProperty("servedToday").GetInt32());
    }

    [Fact]
    public async Task A_retried_take_with_the_same_key_returns_the_same_ticket()
    {
        const string hall = "522622-H001";
        var first = await (await Take(hall, new { category = "A" }, "app-42-1")).Content.ReadFromJsonAsync<JsonElement>();
        var again = await (await Take(hall, new { category = "A" }, "app-42-1")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(first.GetProperty("ticketNo").GetString(), again.GetProperty("ticketNo").GetString());
        var conflict = await Take(hall, new { category = "A", kind = "kiosk" }, "app-42-1");
        await ProblemAssert.IsProblem(conflict, HttpStatusCode.Conflict);
    }

    [Theory]
    [InlineData("{\"category\":\"Q\"}", HttpStatusCode.NotFound)]
    [InlineData("{\"category\":\"AA\"}", HttpStatusCode.BadRequest)]
    [InlineData("{}", HttpStatusCode.BadRequest)]
    [InlineData("{\"category\":\"A\",\"kind\":\"teleport\"}", HttpStatusCode.BadRequest)]
    [InlineData("{\"category\":\"A\",\"priority\":\"vip\"}", HttpStatusCode.BadRequest)]
    [InlineData("{\"category\":\"A\",\"kind\":\"appointment\"}", HttpStatusCode.BadRequest)]
    [InlineData("{\"category\":\"A\",\"appointmentId\":\"x\"}", HttpStatusCode.BadRequest)]
    [InlineData("{\"category\":", HttpStatusCode.BadRequest)]
    public async Task Bad_ticket_requests_are_problems(string json, HttpStatusCode status)
    {
        var response = await app.Http.PostAsync("/api/halls/522623-H001/tickets", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        await ProblemAssert.IsProblem(response, status);
    }

    [Theory]
    [InlineData("/api/halls/522623-H001/tickets/A999", HttpStatusCode.NotFound)]
    [InlineData("/api/halls/522623-H001/tickets/Z001", HttpStatusCode.NotFound)]
    [InlineData("/api/halls/522623-H001/tickets/001", HttpStatusCode.BadRequest)]
    [InlineData("/api/halls/522623-H999/tickets/A001", HttpStatusCode.NotFound)]
    [InlineData("/api/halls/bad/tickets/A001", HttpStatusCode.BadRequest)]
    public async Task Bad_ticket_lookups_are_problems(string url, HttpStatusCode status) =>
        await ProblemAssert.IsProblem(await app.Http.GetAsync(url), status);

    [Fact]
    public async Task Over_long_idempotency_key_is_a_400()
    {
        var response = await Take("522623-H001", new { category = "A" }, new string('k', 65));
        await ProblemAssert.IsProblem(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Window_commands_need_the_right_person()
    {
        const string hall = "522624-H001";
        var response = await app.Http.PostAsync($"/api/halls/{hall}/windows/1/open", null);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);

        var citizen = await app.TokenAsync("citizen");
        Assert.Equal(HttpStatusCode.Forbidden, (await Window(hall, 1, "open", citizen)).StatusCode);

        var otherHall = await app.TokenAsync("clerk", hallCode: "522601-H001", windowNo: 1);
        await ProblemAssert.IsProblem(await Window(hall, 1, "open", otherHall), HttpStatusCode.Forbidden);

        var otherWindow = await app.TokenAsync("clerk", hallCode: hall, windowNo: 2);
        await ProblemAssert.IsProblem(await Window(hall, 1, "open", otherWindow), HttpStatusCode.Forbidden);

        var manager = await app.TokenAsync("hallManager", hallCode: hall);
        Assert.Equal(HttpStatusCode.OK, (await Window(hall, 1, "open", manager)).StatusCode);
        await ProblemAssert.IsProblem(await Window(hall, 99, "open", manager), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Calling_on_a_closed_window_is_a_409_with_the_reason()
    {
        const string hall = "522625-H001";
        await Take(hall, new { category = "A" });
        var clerk = await app.TokenAsync("clerk", hallCode: hall, windowNo: 1);
        var problem = await ProblemAssert.IsProblem(await Window(hall, 1, "call-next", clerk), HttpStatusCode.Conflict);
        Assert.Equal("notOpen", problem.GetProperty("code").GetString());
        Assert.Contains("closed", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Transfer_to_another_category_and_bad_targets()
    {
        const string hall = "522626-H001";
        await Take(hall, new { category = "A" });
        var clerk = await app.TokenAsync("clerk", hallCode: hall, windowNo: 1);
        await Window(hall, 1, "open", clerk);
        await Window(hall, 1, "call-next", clerk);

        await ProblemAssert.IsProblem(await Window(hall, 1, "transfer", clerk, new { toCategory = "Q" }), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblem(await Window(hall, 1, "transfer", clerk, new { toCategory = "bb" }), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblem(await Window(hall, 1, "transfer", clerk, new { toWindow = 0 }), HttpStatusCode.BadRequest);

        var moved = await Window(hall, 1, "transfer", clerk, new { toCategory = "B" }, key: "transfer-1");
        Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
        var ticket = await app.Http.GetFromJsonAsync<JsonElement>($"/api/halls/{hall}/tickets/A001");
        Assert.Equal("B", ticket.GetProperty("category").GetString());
        Assert.Equal("waiting", ticket.GetProperty("state").GetString());

        // A retry after a lost answer gets the first answer, not "the window holds no ticket".
        var retried = await Window(hall, 1, "transfer", clerk, new { toCategory = "B" }, key: "transfer-1");
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.Equal(await moved.Content.ReadAsStringAsync(), await retried.Content.ReadAsStringAsync());
        await ProblemAssert.IsProblem(await Window(hall, 1, "transfer", clerk, new { toCategory = "B" }, key: "transfer-2"), HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task A_suspended_hall_issues_no_tickets()
    {
        const string hall = "522627-H001";
        var admin = await app.TokenAsync("admin");
        await app.Http.SendAsync(app.Request(HttpMethod.Put, $"/api/halls/{hall}/status", admin, new { suspended = true, reason = "停电" }));
        var problem = await ProblemAssert.IsProblem(await Take(hall, new { category = "A" }), HttpStatusCode.Conflict);
        Assert.Contains("suspended", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_watched_ticket_is_pushed_its_call_and_the_hall_hears_ticketCalled()
    {
        const string hall = "522628-H001";
        var citizen = await app.TokenAsync("citizen", subject: "522628199001010018");
        using var take = app.Request(HttpMethod.Post, $"/api/halls/{hall}/tickets", citizen, new { category = "A", kind = "remote" });
        var taken = await (await app.Http.SendAsync(take)).Content.ReadFromJsonAsync<JsonElement>();
        var ticketNo = taken.GetProperty("ticketNo").GetString()!;

        await using var hub = new HubConnectionBuilder().WithUrl(new Uri(app.BaseAddress, "/hubs/live")).Build();
        var updates = new ConcurrentQueue<JsonElement>();
        var calls = new ConcurrentQueue<JsonElement>();
        hub.On<JsonElement>("ticketUpdated", u => updates.Enqueue(u));
        hub.On<JsonElement>("ticketCalled", c => calls.Enqueue(c));
        await hub.StartAsync();
        await hub.InvokeAsync("WatchTicket", hall, ticketNo);
        await hub.InvokeAsync<JsonElement>("WatchHall", hall);

        var clerk = await app.TokenAsync("clerk", hallCode: hall, windowNo: 2);
        await Window(hall, 2, "open", clerk);
        await Window(hall, 2, "call-next", clerk);

        // Waits for the pushes, asserting no latency (a busy CI box must not turn this red).
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline && !(calls.Any() && updates.Any(u => u.GetProperty("state").GetString() == "called")))
        {
            await Task.Delay(20);
        }

        var called = Assert.Single(calls);
        Assert.Equal(ticketNo, called.GetProperty("ticketNo").GetString());
        Assert.Equal(2, called.GetProperty("windowNo").GetInt32());
        var update = updates.Last(u => u.GetProperty("state").GetString() == "called");
        Assert.Equal(2, update.GetProperty("windowNo").GetInt32());
    }

    [Fact]
    public async Task Staff_see_the_queue_figures_others_do_not()
    {
        const string hall = "522629-H001";
        await Take(hall, new { category = "A" });
        var clerk = await app.TokenAsync("clerk", hallCode: hall);
        var view = await app.Http.SendAsync(app.Request(HttpMethod.Get, $"/api/halls/{hall}/queues/A", clerk));
        Assert.Equal(HttpStatusCode.OK, view.StatusCode);
        Assert.Equal(1, (await view.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("counts").GetProperty("issued").GetInt32());

        var stranger = await app.TokenAsync("clerk", hallCode: "522601-H001");
        Assert.Equal(HttpStatusCode.Forbidden, (await app.Http.SendAsync(app.Request(HttpMethod.Get, $"/api/halls/{hall}/queues/A", stranger))).StatusCode);
    }
}
