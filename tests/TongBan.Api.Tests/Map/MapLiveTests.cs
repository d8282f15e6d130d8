using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using TongBan.Api.Map;
using TongBan.Api.Tests.Support;

namespace TongBan.Api.Tests.Map;

/// <summary>The map across the two silos of one cluster: viewport pushes and admin edits reach the other silo.</summary>
[Trait("Category", "Integration")]
public class MapLiveTests(EmbeddedCluster cluster) : IClassFixture<EmbeddedCluster>
{
    private async Task<string> AdminToken(int silo)
    {
        var response = await cluster.Silos[silo].Http.PostAsJsonAsync("/api/dev/token", new { role = "admin" });
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
    }

    [Fact]
    public async Task A_hall_change_reaches_a_viewport_watcher_on_the_other_silo_and_not_one_looking_elsewhere()
    {
        const string hall = "520382-H001"; // 仁怀市政务服务中心: this test owns its status
        var profile = await cluster.Silos[1].Http.GetFromJsonAsync<JsonElement>($"/api/halls/{hall}");
        var lat = profile.GetProperty("location").GetProperty("lat").GetDouble();
        var lon = profile.GetProperty("location").GetProperty("lon").GetDouble();

        var inside = new ConcurrentQueue<(string Code, bool Suspended)>();
        var elsewhere = new ConcurrentQueue<string>();
        await using var watcher = cluster.Hub(1);
        watcher.On<JsonElement>("pointsChanged", points =>
        {
            foreach (var p in points.EnumerateArray())
            {
                inside.Enqueue((p.GetProperty("code").GetString()!, p.GetProperty("suspended").GetBoolean()));
            }
        });
        await using var other = cluster.Hub(1);
        other.On<JsonElement>("pointsChanged", points =>
        {
            foreach (var p in points.EnumerateArray())
            {
                elsewhere.Enqueue(p.GetProperty("code").GetString()!);
            }
        });
        await watcher.StartAsync();
        await other.StartAsync();
        var initial = await watcher.InvokeAsync<JsonElement>("WatchViewport", lon - 0.01, lat - 0.01, lon + 0.01, lat + 0.01);
        Assert.Contains(initial.EnumerateArray(), p => p.GetProperty("code").GetString() == hall);
        await other.InvokeAsync<JsonElement>("WatchViewport", 104.80, 26.50, 104.90, 26.60); // 六盘水, far away
        await Assert.ThrowsAsync<HubException>(() => other.InvokeAsync<JsonElement>("WatchViewport", 106.8, 26.5, 106.6, 26.7));

        // Activate the hall (and its queues and windows) first, so the wait below is for the push, not first activation.
        await cluster.Silos[0].Http.GetAsync($"/api/halls/{hall}/snapshot");
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/api/halls/{hall}/status") { Content = JsonContent.Create(new { suspended = true, reason = "地图演练" }) };
        request.Headers.Authorization = new("Bearer", await AdminToken(0));
        Assert.Equal(HttpStatusCode.OK, (await cluster.Silos[0].Http.SendAsync(request)).StatusCode);

        // Generous: this asserts that the push arrives, not how fast (the map bench measures that).
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline && !inside.Any(p => p.Code == hall && p.Suspended))
        {
            await Task.Delay(20);
        }

        Assert.Contains(inside, p => p.Code == hall && p.Suspended);

        // An absence cannot be awaited: give the other watcher's feed a few ticks to (wrongly) push it too.
        await Task.Delay(500);
        Assert.DoesNotContain(hall, elsewhere);

        // The other silo's map answers with the new figure too (its overlay got the push).
        var points = await cluster.Silos[1].Http.GetFromJsonAsync<JsonElement>($"/api/map/points?bbox={lon - 0.01},{lat - 0.01},{lon + 0.01},{lat + 0.01}&type=hall");
        Assert.Contains(points.GetProperty("features").EnumerateArray(), f =>
            f.GetProperty("properties").GetProperty("code").GetString() == hall && f.GetProperty("properties").GetProperty("suspended").GetBoolean());
    }

    [Fact]
    public async Task Watchers_of_one_region_share_each_push_and_a_watcher_of_another_region_gets_none_of_it()
    {
        const string hall = "520402-H001"; // 西秀区政务服务中心: this test owns its status
        var seen = new ConcurrentQueue<(int Watcher, string Code, bool Suspended)>[3];
        var hubs = new HubConnection[3];
        for (var i = 0; i < 3; i++)
        {
            var index = i;
            seen[i] = new();
            hubs[i] = cluster.Hub(0);
            hubs[i].On<JsonElement>("pointsChanged", points =>
            {
                foreach (var p in points.EnumerateArray())
                {
                    seen[index].Enqueue((index, p.GetProperty("code").GetString()!, p.GetProperty("suspended").GetBoolean()));
                }
            });
            await hubs[i].StartAsync();
        }

        try
        {
            await hubs[0].InvokeAsync<JsonElement>("WatchRegion", "520402");
            await hubs[1].InvokeAsync<JsonElement>("WatchRegion", "520402");
            await hubs[2].InvokeAsync<JsonElement>("WatchRegion", "520381"); // 赤水市: another county
            await cluster.Silos[0].Http.GetAsync($"/api/halls/{hall}/snapshot");
            using var request = new HttpRequestMessage(HttpMethod.Put, $"/api/halls/{hall}/status") { Content = JsonContent.Create(new { suspended = true, reason = "地图演练" }) };
            request.Headers.Authorization = new("Bearer", await AdminToken(0));
            Assert.Equal(HttpStatusCode.OK, (await cluster.Silos[0].Http.SendAsync(request)).StatusCode);

            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (DateTime.UtcNow < deadline && !(seen[0].Any(p => p.Code == hall && p.Suspended) && seen[1].Any(p => p.Code == hall && p.Suspended)))
            {
                await Task.Delay(20);
            }

            Assert.Contains(seen[0], p => p.Code == hall && p.Suspended);
            Assert.Contains(seen[1], p => p.Code == hall && p.Suspended);
            await Task.Delay(500); // an absence cannot be awaited: a few feed ticks for a wrong push to show

            Assert.DoesNotContain(seen[2], p => p.Code == hall);
        }
        finally
        {
            foreach (var hub in hubs)
            {
                await hub.DisposeAsync();
            }
        }
    }

    [Fact]
    public void A_connection_id_set_keeps_the_first_order_drops_repeats_and_answers_Contains_as_a_list()
    {
        var set = new ConnectionIdSet { "c", "a", "b", "a" };
        Assert.Equal(["c", "a", "b"], set);
        Assert.Equal(3, set.Count);
        Assert.Equal("a", set[1]);
        IReadOnlyList<string> list = set; // how SignalR's lifetime manager holds it
        Assert.Contains("b", list);
        Assert.DoesNotContain("d", list);
        Assert.True(set.Remove("c"));
        Assert.Equal(["a", "b"], set);
        Assert.DoesNotContain("c", list);
    }

    [Fact]
    public async Task A_point_added_on_one_silo_is_on_the_other_silos_map_at_once()
    {
        const string code = "520382-Z901";
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/admin/service-points")
        {
            Content = JsonContent.Create(new { code, name = "仁怀市测试自助点", type = "selfService", location = new { lat = 27.80, lon = 106.40 } }),
        };
        request.Headers.Authorization = new("Bearer", await AdminToken(0));
        Assert.Equal(HttpStatusCode.Created, (await cluster.Silos[0].Http.SendAsync(request)).StatusCode);
        // A push, not the registry's 5-s re-registration: 3 s leaves room for a busy CI box (other test collections
        // run beside this one) and stays under the refresh interval.
        var deadline = DateTime.UtcNow.AddSeconds(3);
        HttpStatusCode status;
        do
        {
            status = (await cluster.Silos[1].Http.GetAsync($"/api/map/points/{code}")).StatusCode;
        }
        while (status != HttpStatusCode.OK && DateTime.UtcNow < deadline && await Task.Delay(20).ContinueWith(_ => true));

        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task WatchRegion_answers_with_the_region_rejects_unknown_codes_and_ends_with_the_connection()
    {
        var watchers = cluster.Silos[0].App.Services.GetRequiredService<MapWatchers>();
        var hub = cluster.Hub(0);
        await hub.StartAsync();
        var points = await hub.InvokeAsync<JsonElement>("WatchRegion", "520382");
        Assert.True(points.GetArrayLength() > 5);
        Assert.All(points.EnumerateArray(), p => Assert.Equal("520382", p.GetProperty("regionCode").GetString()));
        await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync<JsonElement>("WatchRegion", "999999"));
        Assert.True(watchers.Count >= 1);

        await hub.DisposeAsync();
        var deadline = DateTime.UtcNow.AddSeconds(3);
        while (watchers.Count > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.Equal(0, watchers.Count); // no watch outlives its connection
    }
}
