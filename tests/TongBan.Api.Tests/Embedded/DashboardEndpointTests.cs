using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using TongBan.Api.Tests.Support;

namespace TongBan.Api.Tests.Embedded;

/// <summary>
/// The dashboards' routes over real HTTP on Kestrel (hall overdue cases, on-time rate, cross-region flows: who may ask,
/// bad input as ProblemDetails) and the window pad's rating offer over SignalR (only that window's pad may watch).
/// </summary>
[Collection(EmbeddedCollection.Name)]
[Trait("Category", "Integration")]
public class DashboardEndpointTests(EmbeddedApp app)
{
    private async Task<HttpResponseMessage> Get(string path, string? token)
    {
        using var request = app.Request(HttpMethod.Get, path, token);
        return await app.Http.SendAsync(request);
    }

    private static async Task<JsonElement> Ok(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"expected 200, got {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    [Fact]
    public async Task Hall_overdue_cases_are_for_the_halls_manager_supervisors_of_its_region_and_admins()
    {
        const string hall = "522324-H001"; // 晴隆县
        var manager = await app.TokenAsync("hallManager", hallCode: hall);
        Assert.Equal(JsonValueKind.Array, (await Ok(await Get($"/api/halls/{hall}/overdue-cases", manager))).ValueKind);
        await Ok(await Get($"/api/halls/{hall}/overdue-cases", await app.TokenAsync("supervisor", regionCode: "522300")));
        await Ok(await Get($"/api/halls/{hall}/overdue-cases", await app.TokenAsync("admin")));

        using var anonymous = await Get($"/api/halls/{hall}/overdue-cases", null);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        await ProblemAssert.IsProblem(await Get($"/api/halls/{hall}/overdue-cases", await app.TokenAsync("hallManager", hallCode: "522301-H001")), HttpStatusCode.Forbidden);
        await ProblemAssert.IsProblem(await Get($"/api/halls/{hall}/overdue-cases", await app.TokenAsync("supervisor", regionCode: "520100")), HttpStatusCode.Forbidden);
        using var clerk = await Get($"/api/halls/{hall}/overdue-cases", await app.TokenAsync("clerk", hallCode: hall));
        Assert.Equal(HttpStatusCode.Forbidden, clerk.StatusCode);

        await ProblemAssert.IsProblem(await Get("/api/halls/not-a-hall/overdue-cases", manager), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblem(await Get("/api/halls/522324-H099/overdue-cases", manager), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task On_time_and_flow_figures_are_for_supervisors_with_their_definitions_and_refuse_bad_input()
    {
        var supervisor = await app.TokenAsync("supervisor", regionCode: "520000");
        var onTime = await Ok(await Get("/api/metrics/on-time?level=prefecture", supervisor));
        Assert.Equal("prefecture", onTime.GetProperty("level").GetString());
        Assert.Contains("按时办结率", onTime.GetProperty("definition").GetString(), StringComparison.Ordinal);
        Assert.Equal("520000", onTime.GetProperty("province").GetProperty("code").GetString());
        Assert.All(onTime.GetProperty("regions").EnumerateArray(), r => Assert.Equal("prefecture", r.GetProperty("level").GetString()));

        var flows = await Ok(await Get("/api/metrics/flows?level=county&limit=5", supervisor));
        Assert.Contains("受理地", flows.GetProperty("definition").GetString(), StringComparison.Ordinal);
        Assert.True(flows.GetProperty("flows").GetArrayLength() <= 5);

        // A prefecture's supervisor sees only figures of its own region.
        var zunyi = await Ok(await Get("/api/metrics/on-time?level=county", await app.TokenAsync("supervisor", regionCode: "520300")));
        Assert.Equal("520300", zunyi.GetProperty("province").GetProperty("code").GetString());
        Assert.All(zunyi.GetProperty("regions").EnumerateArray(), r => Assert.StartsWith("5203", r.GetProperty("code").GetString(), StringComparison.Ordinal));

        await ProblemAssert.IsProblem(await Get("/api/metrics/on-time?level=galaxy", supervisor), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblem(await Get("/api/metrics/flows?level=county&limit=0", supervisor), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblem(await Get("/api/metrics/flows?limit=9999", supervisor), HttpStatusCode.BadRequest);
        using var manager = await Get("/api/metrics/on-time", await app.TokenAsync("hallManager", hallCode: "520102-H001"));
        Assert.Equal(HttpStatusCode.Forbidden, manager.StatusCode);
        using var anonymous = await Get("/api/metrics/flows", null);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task Only_the_windows_pad_may_watch_it_and_it_receives_the_just_finished_ticket()
    {
        const string hall = "522325-H001"; // 贞丰县
        var padToken = await app.TokenAsync("clerk", hallCode: hall, windowNo: 1, subject: "pad-1");
        await using var pad = new HubConnectionBuilder()
            .WithUrl(new Uri(app.BaseAddress, "/hubs/live"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(padToken))
            .Build();
        var offers = new ConcurrentQueue<JsonElement>();
        pad.On<JsonElement>("ratingOffer", o => offers.Enqueue(o));
        await pad.StartAsync();
        var before = await pad.InvokeAsync<JsonElement?>("WatchWindowPad", hall, 1);
        Assert.True(before is null || before.Value.ValueKind == JsonValueKind.Null, "no offer before any finish");

        // Another window's clerk, another hall's, a clerk not signed in at a window, and an anonymous connection are refused.
        foreach (var (token, window) in new[]
        {
            (await app.TokenAsync("clerk", hallCode: hall, windowNo: 2, subject: "pad-2"), 1),
            (await app.TokenAsync("clerk", hallCode: "522301-H001", windowNo: 1, subject: "pad-x"), 1),
            (await app.TokenAsync("clerk", hallCode: hall, subject: "floor-clerk"), 1),
        })
        {
            await using var other = new HubConnectionBuilder()
                .WithUrl(new Uri(app.BaseAddress, "/hubs/live"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
                .Build();
            await other.StartAsync();
            await Assert.ThrowsAsync<HubException>(() => other.InvokeAsync<JsonElement?>("WatchWindowPad", hall, window));
        }

        await using (var anonymous = new HubConnectionBuilder().WithUrl(new Uri(app.BaseAddress, "/hubs/live")).Build())
        {
            await anonymous.StartAsync();
            await Assert.ThrowsAsync<HubException>(() => anonymous.InvokeAsync<JsonElement?>("WatchWindowPad", hall, 1));
        }

        using (var taken = await app.Http.SendAsync(app.Request(HttpMethod.Post, $"/api/halls/{hall}/tickets", null, new { category = "A" })))
        {
            taken.EnsureSuccessStatusCode();
        }

        var clerk = await app.TokenAsync("clerk", hallCode: hall, windowNo: 1, subject: "clerk-zf");
        string? ticketNo = null;
        foreach (var step in new[] { "open", "call-next", "start", "finish" })
        {
            using var response = await app.Http.SendAsync(app.Request(HttpMethod.Post, $"/api/halls/{hall}/windows/1/{step}", clerk));
            var body = await Ok(response);
            if (step == "call-next")
            {
                ticketNo = body.GetProperty("ticketNo").GetString();
            }
        }

        var deadline = DateTime.UtcNow.AddSeconds(2);
        while (offers.IsEmpty && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        var offer = Assert.Single(offers);
        Assert.Equal((hall, 1, ticketNo), (offer.GetProperty("hallCode").GetString(), offer.GetProperty("windowNo").GetInt32(), offer.GetProperty("ticketNo").GetString()));
        var finished = offer.GetProperty("finishedAt").GetDateTimeOffset();
        Assert.Equal(TimeSpan.FromMinutes(3), offer.GetProperty("expiresAt").GetDateTimeOffset() - finished);

        // A pad that (re)connects gets the still-valid offer as the answer to WatchWindowPad.
        var again = await pad.InvokeAsync<JsonElement>("WatchWindowPad", hall, 1);
        Assert.Equal(ticketNo, again.GetProperty("ticketNo").GetString());
    }
}
