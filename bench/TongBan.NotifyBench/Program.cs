using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using TongBan.Grains.Identity;
using TongBan.Grains.Notifications;
using TongBan.Grains.Notifications.Channels;
using TongBan.Silo.Postgres;
using TongBan.Throwaway;

// The notification dispatcher's benchmark (issue 17): the outbox (memory, then PostgreSQL) and the dispatcher sending
// through the 多彩宝 webhook adapter to a loopback provider (Kestrel on 127.0.0.1), in one process.
//   (1) max: N records enqueued in batches of 100 while the dispatcher runs; sends/s = N / time to the last accept;
//   (2) offered 500/s for D seconds: latency from the record's insert to the provider's accept (p50, p99, max);
//   baseline: a bare HTTP POST loop (same body size, same parallelism) to the same provider in the same run.
// bench/run-notify.sh has the commands; docs/PERFORMANCE.md ("Notifications") the figures.
var count = Option("--count", 20_000);
var rate = Option("--rate", 500);
var seconds = Option("--seconds", 20);
var parallelism = Option("--parallelism", 32);
var dispatchers = Option("--dispatchers", 2);
var pollMs = Option("--poll-ms", 100);
var batch = Option("--batch", 200);
var modes = args.Contains("--memory-only") ? ["memory"] : args.Contains("--postgres-only") ? ["postgres"] : new[] { "memory", "postgres" };

var Protector = new PersonalDataProtector(PrivacyOptions.Development());
Console.WriteLine($"load average {File.ReadAllText("/proc/loadavg").Trim()}; {Environment.ProcessorCount} cores; .NET {Environment.Version}");
Console.WriteLine($"dispatchers {dispatchers} × parallelism {parallelism}, batch {batch}, poll {pollMs} ms; max run {count} records; offered {rate}/s for {seconds} s");

var accepted = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
var builder = WebApplication.CreateSlimBuilder();
builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
builder.Logging.ClearProviders();
await using var provider = builder.Build();
provider.MapPost("/push", (HttpContext context) =>
{
    var key = context.Request.Headers["Idempotency-Key"].ToString();
    accepted.TryAdd(key, Stopwatch.GetTimestamp());
    return Results.Json(new { messageId = "dcb-" + key });
});
await provider.StartAsync();
var endpoint = new Uri(new Uri(provider.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()), "/push");

var baseline = await BareHttpAsync(endpoint, Math.Min(count, 10_000), parallelism * dispatchers);
Console.WriteLine($"baseline: bare HTTP POST loop, {parallelism * dispatchers} in flight: {baseline:F0} posts/s");

var failed = false;
foreach (var mode in modes)
{
    ThrowawayPostgres? server = null;
    NpgsqlDataSource? dataSource = null;
    INotificationOutbox outbox;
    if (mode == "postgres")
    {
        server = await ThrowawayPostgres.StartAsync();
        var connectionString = await server.CreateDatabaseAsync("notifybench_" + RandomNumberGenerator.GetHexString(8, lowercase: true));
        // The silo's app data source settings (pool size, timeouts).
        dataSource = NpgsqlDataSource.Create(PostgresSettings.FromConnectionString(connectionString, "notifybench").AppConnectionString);
        await new SchemaMigrator(dataSource, NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
        outbox = new PostgresNotificationOutbox(dataSource);
        Console.WriteLine($"== postgres ({server.Version}, fsync off as the tests' throwaway server)");
    }
    else
    {
        outbox = new InMemoryNotificationOutbox();
        Console.WriteLine("== memory (embedded mode)");
    }

    try
    {
        var (max, cpu) = await MaxAsync(outbox, mode, server);
        Console.WriteLine($"max: {max:F0} sends/s ({max / baseline:P0} of the bare POST loop); CPU per notification {cpu}");
        var latency = await OfferedAsync(outbox, mode);
        Console.WriteLine($"offered {rate}/s: {latency}");
        failed |= max < 2000 || latency.P99 >= 2000;
    }
    finally
    {
        if (dataSource is not null)
        {
            await dataSource.DisposeAsync();
        }

        if (server is not null)
        {
            await server.DisposeAsync();
        }
    }
}

await provider.StopAsync();
Console.WriteLine(failed ? "below target (≥ 2,000 sends/s, p99 < 2 s at 500/s)" : "targets met (≥ 2,000 sends/s, p99 < 2 s at 500/s)");
return failed ? 1 : 0;

async Task<(double PerSecond, string Cpu)> MaxAsync(INotificationOutbox outbox, string mode, ThrowawayPostgres? server)
{
    var entries = Entries($"{mode}-max", count);
    using var run = new CancellationTokenSource();
    var serverCpu = server?.ServerCpu();
    var cpu = Process.GetCurrentProcess().TotalProcessorTime;
    var clock = Stopwatch.StartNew();
    var loops = StartDispatchers(outbox, run.Token);
    foreach (var chunk in entries.Chunk(100))
    {
        await outbox.EnqueueAsync(chunk, DateTimeOffset.UtcNow, CancellationToken.None);
    }

    var enqueued = clock.Elapsed;
    await UntilAcceptedAsync(entries.Select(e => NotificationDispatcher.KeyOf(e)));
    var elapsed = clock.Elapsed;
    await run.CancelAsync();
    await loops;
    var used = Process.GetCurrentProcess().TotalProcessorTime - cpu;
    var usedServer = server?.ServerCpu() - serverCpu;
    Console.WriteLine($"max: {count} enqueued in {enqueued.TotalSeconds:F2} s ({count / enqueued.TotalSeconds:F0}/s into the outbox), all accepted after {elapsed.TotalSeconds:F2} s");
    var perItem = $"{used.TotalMicroseconds / count:F0} µs in this process (outbox, dispatcher, adapter and the loopback provider)" +
                  (usedServer is { } s ? $" + {s.TotalMicroseconds / count:F0} µs PostgreSQL" : "");
    return (count / elapsed.TotalSeconds, perItem);
}

async Task<Latency> OfferedAsync(INotificationOutbox outbox, string mode)
{
    var total = rate * seconds;
    var entries = Entries($"{mode}-offered", total);
    var inserted = new long[total];
    using var run = new CancellationTokenSource();
    var loops = StartDispatchers(outbox, run.Token);
    var clock = Stopwatch.StartNew();
    const int Tick = 10; // ms: rate/100 records every 10 ms, paced by the clock (no drift, no coordinated omission)
    var perTick = Math.Max(1, rate * Tick / 1000);
    for (var i = 0; i < total; i += perTick)
    {
        var due = TimeSpan.FromMilliseconds((double)i / rate * 1000);
        if (due > clock.Elapsed)
        {
            await Task.Delay(due - clock.Elapsed);
        }

        var slice = entries.Skip(i).Take(perTick).ToArray();
        var now = Stopwatch.GetTimestamp();
        for (var j = 0; j < slice.Length; j++)
        {
            inserted[i + j] = now;
        }

        await outbox.EnqueueAsync(slice, DateTimeOffset.UtcNow, CancellationToken.None);
    }

    await UntilAcceptedAsync(entries.Select(e => NotificationDispatcher.KeyOf(e)));
    await run.CancelAsync();
    await loops;
    var millis = entries.Select((e, i) => Stopwatch.GetElapsedTime(inserted[i], accepted[NotificationDispatcher.KeyOf(e)]).TotalMilliseconds).Order().ToArray();
    return new Latency(millis[millis.Length / 2], millis[(int)(millis.Length * 0.99)], millis[^1], total);
}

Task StartDispatchers(INotificationOutbox outbox, CancellationToken stop)
{
    var options = new NotificationOptions
    {
        App = new AppOptions { Provider = "duocaibao", Endpoint = endpoint.ToString(), Secret = "bench-secret" },
        Limits = new LimitOptions { QuietHoursStart = "00:00", QuietHoursEnd = "00:00", PerMinute = 1000, PerDay = 1000 },
        Dispatcher = new DispatcherOptions { BatchSize = batch, Parallelism = parallelism, PollIntervalMilliseconds = pollMs },
    };
    var loops = Enumerable.Range(0, dispatchers).Select(_ => Task.Run(async () =>
    {
        using var sender = new DuocaibaoWebhookSender(options.App, TimeProvider.System);
        var dispatcher = new NotificationDispatcher(outbox, [sender], options, Protector, TimeProvider.System, NullLogger<NotificationDispatcher>.Instance);
        while (!stop.IsCancellationRequested)
        {
            // As NotificationDispatchService: a full batch is followed at once by the next, else one poll interval.
            var leased = await dispatcher.DispatchDueAsync(CancellationToken.None);
            if (leased < batch)
            {
                try
                {
                    await Task.Delay(pollMs, stop);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }));
    return Task.WhenAll(loops);
}

async Task UntilAcceptedAsync(IEnumerable<string> keys)
{
    var all = keys.ToArray();
    var deadline = Stopwatch.StartNew();
    while (!all.All(accepted.ContainsKey))
    {
        if (deadline.Elapsed > TimeSpan.FromMinutes(5))
        {
            throw new TimeoutException($"{all.Count(k => !accepted.ContainsKey(k))} of {all.Length} not accepted after 5 minutes");
        }

        await Task.Delay(5);
    }
}

static async Task<double> BareHttpAsync(Uri endpoint, int total, int inFlight)
{
    using var http = new HttpClient();
    var body = new string('x', 300);
    var next = -1;
    var clock = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, inFlight).Select(async _ =>
    {
        while (Interlocked.Increment(ref next) < total)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            request.Headers.Add("Idempotency-Key", "bare-" + next.ToString(CultureInfo.InvariantCulture));
            using var response = await http.SendAsync(request);
            response.EnsureSuccessStatusCode();
        }
    }));
    return total / clock.Elapsed.TotalSeconds;
}

OutboxEntry[] Entries(string run, int n) => [.. Enumerable.Range(0, n).Select(i =>
{
    var user = $"bench-user-{run}-{i}";
    return new OutboxEntry(
        $"bench:{run}:{i}", $"case:bench-{i}", NotificationChannel.App, Protector.Hash.OfContact("app", user), "bench-****",
        Protector.SealText(user), NotificationTemplates.CaseAccepted, [$"BENCH-{i}", "个体工商户登记", "5"]);
})];

int Option(string name, int fallback)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
}

internal sealed record Latency(double P50, double P99, double Max, int Count)
{
    public override string ToString() => $"{Count} records, insert → provider accept p50 {P50:F0} ms, p99 {P99:F0} ms, max {Max:F0} ms";
}
