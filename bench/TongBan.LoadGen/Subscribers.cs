using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace TongBan.LoadGen;

/// <summary>How the watchers' view compared with the server's after the load stopped.</summary>
public sealed record Convergence(bool Converged, TimeSpan Took, int Watchers, IReadOnlyList<string> Differences)
{
    public override string ToString() =>
        Converged
            ? string.Create(CultureInfo.InvariantCulture, $"watchers converged: {Watchers} hall watchers show the server's snapshot after {Took.TotalSeconds:F1} s")
            : $"watchers NOT converged after {Took.TotalSeconds:F1} s ({Differences.Count} differ)\n  " + string.Join("\n  ", Differences.Take(10));
}

/// <summary>
/// SignalR subscribers spread over the silos: hall dashboards (<c>WatchHall</c>, <c>hallSnapshot</c> pushes) and map
/// viewers (<c>WatchRegion</c> on a hall's county, <c>pointsChanged</c> pushes). Each measures push latency as receive
/// time minus the server's timestamp in the message (snapshot <c>at</c>, point <c>at</c>: the same clock on loopback).
/// A subscriber whose connection closes reconnects to the next ready silo (<c>/readyz</c>, as a load balancer routes)
/// and watches again; the watch answers with the current state, so a reconnected dashboard is current at once. Built for thousands of connections in one process:
/// WebSockets without the negotiate round trip, connection attempts bounded by a semaphore.
/// </summary>
public sealed class Subscribers(IReadOnlyList<Uri> targets, IReadOnlyList<string> halls, Metrics metrics, int hallWatchers, int mapViewers, int connectConcurrency, Stopwatch clock) : IAsyncDisposable
{
    private readonly CancellationTokenSource stop = new();
    private readonly SemaphoreSlim connecting = new(Math.Max(1, connectConcurrency));
    // The last snapshot each hall watcher got, kept whole: its fingerprint is taken only when convergence is checked,
    // so the receive handler (10,000 messages a second at 5,000 subscribers) does no more than read a timestamp.
    private readonly ConcurrentDictionary<int, JsonElement> lastSnapshot = new();
    private readonly List<Task> loops = [];
    private int connected;
    private int reconnects;
    private int connectFailures;
    private TimeSpan? allConnectedAt;

    public int Total => hallWatchers + mapViewers;

    public int Connected => Volatile.Read(ref connected);

    public int Reconnects => Volatile.Read(ref reconnects);

    public int ConnectFailures => Volatile.Read(ref connectFailures);

    /// <summary>When every subscriber had connected and watched for the first time (run clock).</summary>
    public TimeSpan? AllConnectedAt => allConnectedAt;

    public bool Started => loops.Count > 0;

    public void Start()
    {
        if (Started || halls.Count == 0)
        {
            return;
        }

        for (var i = 0; i < Total; i++)
        {
            var index = i;
            loops.Add(Task.Run(() => RunAsync(index, stop.Token)));
        }
    }

    /// <summary>Waits until every subscriber is connected (or the timeout passes); returns how many are.</summary>
    public async Task<int> WaitConnectedAsync(TimeSpan timeout)
    {
        var until = clock.Elapsed + timeout;
        while (Connected < Total && clock.Elapsed < until)
        {
            await Task.Delay(200);
        }

        return Connected;
    }

    /// <summary>
    /// Polls until every hall watcher's last snapshot matches the server's (waiting and served per category, each
    /// window's state and ticket), or <paramref name="timeout"/> passes.
    /// </summary>
    public async Task<Convergence> ConvergeAsync(ClusterHttp http, TimeSpan timeout)
    {
        var started = clock.Elapsed;
        List<string> differences = [];
        do
        {
            var server = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var hall in halls)
            {
                var reply = await http.SendAsync("verify", HttpMethod.Get, $"/api/halls/{hall}/snapshot");
                if (reply is { Ok: true, Body: { } body })
                {
                    server[hall] = Fingerprint(body);
                }
            }

            differences = [];
            for (var i = 0; i < hallWatchers; i++)
            {
                var hall = halls[i % halls.Count];
                if (!lastSnapshot.TryGetValue(i, out var seen))
                {
                    differences.Add($"watcher {i} ({hall}): no snapshot");
                }
                else if (Fingerprint(seen) is var fingerprint && (!server.TryGetValue(hall, out var now) || now != fingerprint))
                {
                    differences.Add($"watcher {i} ({hall}): saw {fingerprint}, server {server.GetValueOrDefault(hall, "unreadable")}");
                }
            }

            if (differences.Count == 0)
            {
                return new Convergence(true, clock.Elapsed - started, hallWatchers, []);
            }

            await Task.Delay(500);
        }
        while (clock.Elapsed - started < timeout);

        return new Convergence(false, clock.Elapsed - started, hallWatchers, differences);
    }

    /// <summary>The parts of a hall snapshot that must agree (not the time-dependent longest wait or estimates).</summary>
    public static string Fingerprint(JsonElement snapshot)
    {
        var b = new StringBuilder();
        b.Append(CultureInfo.InvariantCulture, $"served {snapshot.GetProperty("servedToday").GetInt32()} waiting {snapshot.GetProperty("waitingTotal").GetInt32()};");
        foreach (var c in snapshot.GetProperty("categories").EnumerateArray())
        {
            b.Append(CultureInfo.InvariantCulture, $" {c.GetProperty("code").GetString()}:{c.GetProperty("waiting").GetInt32()}/{c.GetProperty("served").GetInt32()}");
        }

        b.Append(';');
        foreach (var w in snapshot.GetProperty("windows").EnumerateArray())
        {
            var ticket = w.TryGetProperty("servingTicket", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : "-";
            b.Append(CultureInfo.InvariantCulture, $" {w.GetProperty("windowNo").GetInt32()}:{w.GetProperty("state").GetString()}:{ticket}");
        }

        return b.ToString();
    }

    private async Task RunAsync(int index, CancellationToken cancel)
    {
        var isMap = index >= hallWatchers;
        var hall = halls[index % halls.Count];
        var target = index;
        var first = true;
        while (!cancel.IsCancellationRequested)
        {
            var url = new Uri(targets[target % targets.Count], "/hubs/live");
            await using var connection = new HubConnectionBuilder()
                .WithUrl(url, o =>
                {
                    o.SkipNegotiation = true;
                    o.Transports = HttpTransportType.WebSockets;
                })
                .Build();
            var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            connection.Closed += _ =>
            {
                closed.TrySetResult();
                return Task.CompletedTask;
            };
            if (isMap)
            {
                connection.On<JsonElement>("pointsChanged", points =>
                {
                    var now = DateTimeOffset.UtcNow;
                    foreach (var p in points.EnumerateArray())
                    {
                        if (p.TryGetProperty("at", out var at) && at.ValueKind == JsonValueKind.String)
                        {
                            metrics.MapPush.Succeed(now - at.GetDateTimeOffset());
                        }
                    }
                });
            }
            else
            {
                connection.On<JsonElement>("hallSnapshot", s =>
                {
                    metrics.Push.Succeed(DateTimeOffset.UtcNow - s.GetProperty("at").GetDateTimeOffset());
                    lastSnapshot[index] = s;
                });
            }

            var counted = false;
            try
            {
                await connecting.WaitAsync(cancel);
                try
                {
                    // As a load balancer would: only a ready silo gets the connection (its hub is registered for pushes).
                    if (!await ReadyAsync(targets[target % targets.Count], cancel))
                    {
                        throw new HttpRequestException("not ready");
                    }

                    await connection.StartAsync(cancel);
                    if (isMap)
                    {
                        await connection.InvokeAsync<JsonElement>("WatchRegion", hall[..6], cancel);
                    }
                    else
                    {
                        var current = await connection.InvokeAsync<JsonElement>("WatchHall", hall, cancel);
                        lastSnapshot[index] = current;
                    }
                }
                finally
                {
                    connecting.Release();
                }

                if (!first)
                {
                    Interlocked.Increment(ref reconnects);
                }

                first = false;
                counted = true;
                if (Interlocked.Increment(ref connected) == Total && allConnectedAt is null)
                {
                    allConnectedAt = clock.Elapsed;
                }

                await closed.Task.WaitAsync(cancel);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (Exception e) when (e is HttpRequestException or InvalidOperationException or HubException or IOException or TimeoutException or System.Net.WebSockets.WebSocketException)
            {
                Interlocked.Increment(ref connectFailures);
                await Task.Delay(250 + Random.Shared.Next(250), CancellationToken.None);
            }
            finally
            {
                if (counted)
                {
                    Interlocked.Decrement(ref connected);
                }
            }

            target++;
        }
    }

    private static readonly HttpClient Probe = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(1) }) { Timeout = TimeSpan.FromSeconds(15) };

    private static async Task<bool> ReadyAsync(Uri target, CancellationToken cancel)
    {
        try
        {
            using var response = await Probe.GetAsync(new Uri(target, "/readyz"), cancel);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (TaskCanceledException) when (!cancel.IsCancellationRequested)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        await Task.WhenAll(loops);
        stop.Dispose();
        connecting.Dispose();
    }
}
