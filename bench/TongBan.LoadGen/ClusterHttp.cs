using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;

namespace TongBan.LoadGen;

/// <summary>One failed attempt: when (on the run's clock), against which silo, and why.</summary>
public sealed record FailedAttempt(TimeSpan At, int Target, string Operation, string Kind);

/// <summary>The final answer to an operation after retries.</summary>
public sealed record Reply(HttpStatusCode Status, JsonElement? Body, int Attempts)
{
    public bool Ok => (int)Status is >= 200 and < 300;
}

/// <summary>
/// HTTP to the cluster the way a load balancer with retries would: each attempt goes to the next silo; a
/// connection error, a timeout or a 5xx is retried (idempotency keys make retried takes and submissions safe);
/// a silo that refused a connection is skipped for two seconds. Every failed attempt is logged with its time.
/// </summary>
public sealed class ClusterHttp : IDisposable
{
    private readonly HttpClient[] clients;
    private readonly long[] downUntil;
    private readonly int attempts;
    private int next;

    public ClusterHttp(IReadOnlyList<Uri> targets, int attempts, TimeSpan attemptTimeout, Stopwatch clock)
    {
        Clock = clock;
        this.attempts = attempts;
        var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = TimeSpan.FromMinutes(5), ConnectTimeout = TimeSpan.FromSeconds(2) };
        clients = [.. targets.Select(t => new HttpClient(handler, disposeHandler: false) { BaseAddress = t, Timeout = attemptTimeout })];
        downUntil = new long[targets.Count];
    }

    public Stopwatch Clock { get; }

    public int Count => clients.Length;

    public ConcurrentQueue<FailedAttempt> Failures { get; } = new();

    public HttpClient Client(int target) => clients[target];

    public async Task<Reply> SendAsync(string operation, HttpMethod method, string path, string? token = null, object? body = null, string? idempotencyKey = null, int? preferred = null)
    {
        var target = preferred ?? Interlocked.Increment(ref next);
        HttpStatusCode last = 0;
        for (var attempt = 1; ; attempt++)
        {
            var t = PickTarget(ref target);
            string failure;
            try
            {
                using var request = new HttpRequestMessage(method, path);
                if (token is not null)
                {
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                }

                if (idempotencyKey is not null)
                {
                    request.Headers.Add("Idempotency-Key", idempotencyKey);
                }

                if (body is not null)
                {
                    request.Content = JsonContent.Create(body);
                }

                using var response = await clients[t].SendAsync(request);
                last = response.StatusCode;
                if ((int)response.StatusCode < 500)
                {
                    var text = await response.Content.ReadAsStringAsync();
                    JsonElement? json = text.Length > 0 && text[0] is '{' or '[' ? JsonDocument.Parse(text).RootElement.Clone() : null;
                    return new Reply(response.StatusCode, json, attempt);
                }

                failure = $"http {(int)response.StatusCode}";
            }
            catch (HttpRequestException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused })
            {
                failure = "connection refused";
                Volatile.Write(ref downUntil[t], Clock.ElapsedMilliseconds + 2000);
            }
            catch (HttpRequestException e)
            {
                failure = "connection: " + (e.InnerException?.GetType().Name ?? e.HttpRequestError.ToString());
            }
            catch (TaskCanceledException)
            {
                failure = "timeout";
            }

            Failures.Enqueue(new FailedAttempt(Clock.Elapsed, t, operation, failure));
            if (attempt >= attempts)
            {
                return new Reply(last == 0 ? HttpStatusCode.ServiceUnavailable : last, null, attempt);
            }

            target++;
            await Task.Delay(Math.Min(50 * attempt, 500));
        }
    }

    private int PickTarget(ref int target)
    {
        var now = Clock.ElapsedMilliseconds;
        for (var i = 0; i < clients.Length; i++)
        {
            var t = (int)((uint)(target + i) % (uint)clients.Length);
            if (Volatile.Read(ref downUntil[t]) <= now)
            {
                target += i;
                return t;
            }
        }

        return (int)((uint)target % (uint)clients.Length);
    }

    public void Dispose()
    {
        foreach (var c in clients)
        {
            c.Dispose();
        }
    }
}
