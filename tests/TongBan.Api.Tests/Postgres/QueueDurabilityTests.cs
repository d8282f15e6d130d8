using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using TongBan.Api.Tests.Infrastructure;
using Xunit.Abstractions;

namespace TongBan.Api.Tests.Postgres;

/// <summary>Queue state in PostgreSQL: acknowledged tickets survive kill -9; live calls cross silos.</summary>
[Collection(PostgresCollection.Name)]
[Trait("Category", "Integration")]
public sealed class QueueDurabilityTests(PostgresServer server, ITestOutputHelper output)
{
    private const string Hall = "520302-H001"; // 红花岗区政务服务中心
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private static string Clerk(int window) => TestTokens.Mint("clerk", $"clerk-{window}", claims: new Dictionary<string, string>
    {
        ["hallCode"] = Hall,
        ["windowNo"] = window.ToString(System.Globalization.CultureInfo.InvariantCulture),
    });

    private static async Task<JsonElement> PostAsync(SiloProcess silo, string path, string? token = null, object? body = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = body is null ? null : JsonContent.Create(body) };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await silo.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST {path}: {(int)response.StatusCode} {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    [Fact]
    public async Task Acknowledged_tickets_and_window_state_survive_kill_9()
    {
        var connectionString = await server.CreateDatabaseAsync("queue_kill");
        string lastTicket;
        Dictionary<string, string?> sameAddress;
        await using (var a = SiloProcess.Start(connectionString))
        {
            await a.WaitReadyAsync(StartTimeout);
            await PostAsync(a, $"/api/halls/{Hall}/windows/1/open", Clerk(1));
            for (var i = 0; i < 5; i++)
            {
                await PostAsync(a, $"/api/halls/{Hall}/tickets", body: new { category = "A" });
            }

            var called = await PostAsync(a, $"/api/halls/{Hall}/windows/1/call-next", Clerk(1));
            Assert.Equal("A001", called.GetProperty("ticketNo").GetString());
            lastTicket = (await PostAsync(a, $"/api/halls/{Hall}/tickets", body: new { category = "A" })).GetProperty("ticketNo").GetString()!;

            a.KillHard(); // right after the 200: nothing may be lost
            sameAddress = new()
            {
                // A restarted silo comes back on its address (as a container or service does); Orleans then
                // retires the dead generation at once instead of waiting for its heartbeat to go stale.
                ["TongBan__Silo__SiloPort"] = a.SiloPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["TongBan__Silo__GatewayPort"] = a.GatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            };
            output.WriteLine($"killed silo pid {a.ProcessId} after issuing {lastTicket}");
        }

        await using var b = SiloProcess.Start(connectionString, sameAddress);
        var restart = System.Diagnostics.Stopwatch.StartNew();
        await b.WaitReadyAsync(StartTimeout);
        output.WriteLine($"restarted silo ready after {restart.Elapsed.TotalSeconds:F1} s");
        var last = await b.Http.GetFromJsonAsync<JsonElement>($"/api/halls/{Hall}/tickets/{lastTicket}");
        Assert.Equal("waiting", last.GetProperty("state").GetString());
        var first = await b.Http.GetFromJsonAsync<JsonElement>($"/api/halls/{Hall}/tickets/A001");
        Assert.Equal("called", first.GetProperty("state").GetString());
        Assert.Equal(1, first.GetProperty("windowNo").GetInt32());

        // Numbering continues after the restart: no number is issued twice in the hall-day.
        var next = await PostAsync(b, $"/api/halls/{Hall}/tickets", body: new { category = "A" });
        Assert.Equal("A007", next.GetProperty("ticketNo").GetString());

        // The window still holds A001: it finishes it, then calls A002.
        await PostAsync(b, $"/api/halls/{Hall}/windows/1/start", Clerk(1));
        await PostAsync(b, $"/api/halls/{Hall}/windows/1/finish", Clerk(1));
        Assert.Equal("A002", (await PostAsync(b, $"/api/halls/{Hall}/windows/1/call-next", Clerk(1))).GetProperty("ticketNo").GetString());
    }

    [Fact]
    public async Task A_call_made_through_silo_A_reaches_a_SignalR_client_of_silo_B()
    {
        var connectionString = await server.CreateDatabaseAsync("queue_push");
        await using var a = SiloProcess.Start(connectionString);
        await using var b = SiloProcess.Start(connectionString);
        await Task.WhenAll(a.WaitReadyAsync(StartTimeout), b.WaitReadyAsync(StartTimeout));

        await using var hub = new HubConnectionBuilder().WithUrl(new Uri(b.Http.BaseAddress!, "/hubs/live")).Build();
        var calls = new ConcurrentQueue<(JsonElement Call, DateTime At)>();
        hub.On<JsonElement>("ticketCalled", c => calls.Enqueue((c, DateTime.UtcNow)));
        await hub.StartAsync();
        await hub.InvokeAsync<JsonElement>("WatchHall", Hall);

        await PostAsync(a, $"/api/halls/{Hall}/tickets", body: new { category = "A" });
        await PostAsync(a, $"/api/halls/{Hall}/windows/3/open", Clerk(3));
        var sent = DateTime.UtcNow;
        await PostAsync(a, $"/api/halls/{Hall}/windows/3/call-next", Clerk(3));

        // Generous: this asserts that the call crosses silos; its latency is the benches' business.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (calls.IsEmpty && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        var (call, at) = Assert.Single(calls);
        Assert.Equal("A001", call.GetProperty("ticketNo").GetString());
        Assert.Equal(3, call.GetProperty("windowNo").GetInt32());
        output.WriteLine($"ticketCalled reached silo B's client after {(at - sent).TotalMilliseconds:F0} ms");
    }
}
