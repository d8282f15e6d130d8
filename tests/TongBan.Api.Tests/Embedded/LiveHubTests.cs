using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using TongBan.Api.Tests.Support;
using TongBan.Grains.Halls;

namespace TongBan.Api.Tests.Embedded;

[Trait("Category", "Integration")]
public class LiveHubTests : IClassFixture<EmbeddedCluster>
{
    private readonly EmbeddedCluster cluster;

    public LiveHubTests(EmbeddedCluster cluster) => this.cluster = cluster;

    private async Task<string> AdminToken(int silo)
    {
        var response = await cluster.Silos[silo].Http.PostAsJsonAsync("/api/dev/token", new { role = "admin" });
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
    }

    [Fact]
    public async Task WatchHall_answers_with_the_current_snapshot()
    {
        await using var hub = cluster.Hub(0);
        await hub.StartAsync();
        var snapshot = await hub.InvokeAsync<JsonElement>("WatchHall", "520102-H001");
        Assert.Equal("520102-H001", snapshot.GetProperty("hallCode").GetString());
    }

    [Fact]
    public async Task Watching_an_unknown_hall_is_an_error_not_a_silent_subscription()
    {
        await using var hub = cluster.Hub(0);
        await hub.StartAsync();
        var error = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync<JsonElement>("WatchHall", "520102-H999"));
        Assert.Contains("Unknown service point", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_change_reaches_clients_on_both_silos()
    {
        // One client per silo: whichever silo hosts a hall grain, the client on the other silo
        // proves the cross-silo path. Halls in 清镇市: this test owns their status.
        var halls = Enumerable.Range(1, 10).Select(i => $"520181-S{i:000}").ToArray();
        var received = new[] { new ConcurrentDictionary<string, (JsonElement Snapshot, DateTime At)>(), new() };
        var clients = new List<HubConnection>();
        for (var silo = 0; silo < 2; silo++)
        {
            var hub = cluster.Hub(silo);
            var inbox = received[silo];
            hub.On<JsonElement>("hallSnapshot", s => inbox[s.GetProperty("hallCode").GetString()!] = (s, DateTime.UtcNow));
            await hub.StartAsync();
            foreach (var hall in halls)
            {
                await hub.InvokeAsync<JsonElement>("WatchHall", hall);
            }

            clients.Add(hub);
        }

        var token = await AdminToken(0);
        foreach (var hall in halls)
        {
            using var request = new HttpRequestMessage(HttpMethod.Put, $"/api/halls/{hall}/status") { Content = JsonContent.Create(new { suspended = true, reason = "演练" }) };
            request.Headers.Authorization = new("Bearer", token);
            Assert.Equal(HttpStatusCode.OK, (await cluster.Silos[0].Http.SendAsync(request)).StatusCode);
        }

        // Waits for the condition, not a latency: a busy CI box must not turn this red (push latency is measured in bench/).
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline && !received.All(inbox => halls.All(inbox.ContainsKey)))
        {
            await Task.Delay(50);
        }

        // Where each hall grain lives, to name the cross-silo deliveries in failures.
        var hostOf = new Dictionary<string, int>();
        for (var silo = 0; silo < 2; silo++)
        {
            var address = cluster.Silos[silo].App.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress;
            var management = cluster.Silos[0].App.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0);
            foreach (var stat in await management.GetDetailedGrainStatistics(null, [address]))
            {
                if (halls.Contains(stat.GrainId.Key.ToString()))
                {
                    hostOf[stat.GrainId.Key.ToString()!] = silo;
                }
            }
        }

        foreach (var hall in halls)
        {
            for (var silo = 0; silo < 2; silo++)
            {
                var path = hostOf.TryGetValue(hall, out var host) ? (host == silo ? "same silo" : "cross-silo") : "host unknown";
                Assert.True(received[silo].TryGetValue(hall, out var got), $"{hall} did not reach the client on silo {silo} ({path})");
                Assert.True(got.Snapshot.GetProperty("suspended").GetBoolean());
            }
        }

        foreach (var client in clients)
        {
            await client.DisposeAsync();
        }
    }
}
