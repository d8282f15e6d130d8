using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using TongBan.Throwaway;
using TongBan.Api.Security;
using TongBan.Grains.Identity;
using TongBan.Silo.Hosting;

// 12345 hotline look-up benchmark: starts the real host in this process (embedded mode unless
// --pg gives a connection string), seeds cases over HTTP, then offers verified look-ups
// (GET /api/hotline/cases/{caseNo}?verify=last4) at a fixed rate (open loop: latency is measured
// from each request's scheduled start, so queueing is not hidden), and finally a closed loop at
// fixed concurrency for the ceiling. Every request runs the full path: JWT auth, case grain read,
// constant-time check, guard grain, hotline log read, DTO.
// Usage: dotnet run -c Release --project bench/TongBan.HotlineBench -- [--rate 500] [--seconds 20] [--cases 300] [--pg "Host=…" | --pg throwaway]
// --pg throwaway starts a PostgreSQL from /usr/lib/postgresql/*/bin for the run (fsync off, like the tests) and deletes it afterwards.
var options = Args.Parse(args);
Console.WriteLine($"load average before: {LoadAverage()}");
await using var throwaway = options.Pg == "throwaway" ? await ThrowawayPostgres.StartAsync() : null;
var connectionString = throwaway?.AdminConnectionString ?? options.Pg;

// Client and server share the process: start with enough pool threads that thread injection is not what is measured.
ThreadPool.SetMinThreads(64, 64);
var free = () => { using var l = new TcpListener(IPAddress.Loopback, 0); l.Start(); return ((IPEndPoint)l.LocalEndpoint).Port; };
var hostArgs = new List<string>
{
    "--urls", "http://127.0.0.1:0",
    "--TongBan:Silo:SiloPort", free().ToString(CultureInfo.InvariantCulture),
    "--TongBan:Silo:GatewayPort", free().ToString(CultureInfo.InvariantCulture),
    "--TongBan:Silo:Dashboard", "false",
    "--Logging:LogLevel:Default", "Warning",
    // The load comes from one address and a few agent accounts standing in for a whole call centre.
    "--TongBan:Security:RateLimits:hotlineVerification:PermitLimit", "100000000",
};
if (connectionString is { } pg)
{
    hostArgs.AddRange(["--ConnectionStrings:TongBan", pg, "--TongBan:Auth:SigningKey", "tongban-bench-signing-key-0123456789abcdef"]);
}

await using var app = TongBanHost.Build([.. hostArgs]);
await app.StartAsync();
var baseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
{
    BaseAddress = baseAddress,
    Timeout = TimeSpan.FromSeconds(30),
};
Console.WriteLine($"mode: {(connectionString is null ? "embedded (in-memory case store and grain state)" : "PostgreSQL (grain state/reminders/clustering on PostgreSQL; case store: " + app.Services.GetRequiredService<TongBan.Grains.Cases.ICaseStore>().GetType().Name + ")")}");
// Tokens minted in-process with the host's signing key (POST /api/dev/token exists in embedded mode only).
var issuer = ActivatorUtilities.CreateInstance<DevelopmentTokenIssuer>(app.Services);
string Token(string role, string subject) => issuer.Issue(new DevTokenRequest(role, subject, null, null, null, null)).Token;
Console.WriteLine($"host: {baseAddress}  cores: {Environment.ProcessorCount}  (client and server share this box)");

for (var i = 0; i < 100 && !(await http.GetAsync(new Uri("/readyz", UriKind.Relative))).IsSuccessStatusCode; i++)
{
    await Task.Delay(200);
}

// Seed: one online case per applicant; the verification is the phone's last four digits.
var item = TongBan.Grains.Catalogue.ServiceCatalogue.Seeded().Items.First(i => i.ProvinceWide && i.Level == TongBan.Grains.Catalogue.HandlingLevel.County);
var seeded = new List<(string CaseNo, string Verify)>();
var seedWatch = Stopwatch.StartNew();
for (var i = 0; i < options.Cases; i++)
{
    var first17 = $"520102198{i / 999 % 10}0101{(i % 999) + 1:000}";
    var idNumber = first17 + ResidentId.CheckCharacter(first17);
    var phone = $"139{i:00000000}";
    var token = Token("citizen", idNumber);
    using var request = new HttpRequestMessage(HttpMethod.Post, "/api/cases")
    {
        Content = JsonContent.Create(new { itemCode = item.Code, applicant = new { name = "测试" + i, idNumber, phone }, channel = "online" }),
    };
    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
    using var response = await http.SendAsync(request);
    response.EnsureSuccessStatusCode();
    var caseNo = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("caseNo").GetString()!;
    seeded.Add((caseNo, phone[^4..]));
}

Console.WriteLine($"seeded {seeded.Count} cases in {seedWatch.Elapsed.TotalSeconds:0.0} s");
var agents = new List<string>();
for (var a = 0; a < 8; a++)
{
    agents.Add(Token("hotlineAgent", $"bench-agent-{a}"));
}

// Warm-up (JIT tiers, connection pool, grain activations) with a short closed loop; not reported as a result.
var warm = await ClosedLoop(http, seeded, agents, 16, 5);
Console.WriteLine($"warm-up (closed loop, 16 in flight, 5 s): {warm}");
var open = await OpenLoop(http, seeded, agents, options.Rate, options.Seconds);
Console.WriteLine($"open loop, offered {options.Rate}/s for {options.Seconds} s: {open}");
var closed = await ClosedLoop(http, seeded, agents, 32, Math.Max(5, options.Seconds / 2));
Console.WriteLine($"closed loop, 32 in flight: {closed}");
Console.WriteLine($"load average after: {LoadAverage()}");
await app.StopAsync();

static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

static async Task<(bool Ok, double Ms, double ServiceMs)> Lookup(HttpClient http, (string CaseNo, string Verify) target, string agent, long scheduledTicks)
{
    var sent = Stopwatch.GetTimestamp();
    using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/hotline/cases/{target.CaseNo}?verify={target.Verify}");
    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", agent);
    try
    {
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead);
        await response.Content.ReadAsByteArrayAsync();
        return (response.StatusCode == HttpStatusCode.OK, Stopwatch.GetElapsedTime(scheduledTicks).TotalMilliseconds, Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
    }
    catch (HttpRequestException)
    {
        return (false, Stopwatch.GetElapsedTime(scheduledTicks).TotalMilliseconds, Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
    }
}

static async Task<Result> OpenLoop(HttpClient http, List<(string CaseNo, string Verify)> cases, List<string> agents, int rate, int seconds)
{
    // Paced from a dedicated thread, so a busy thread pool delays responses (measured) but not the schedule.
    var total = rate * seconds;
    var tasks = new Task<(bool Ok, double Ms, double ServiceMs)>[total];
    var start = Stopwatch.GetTimestamp();
    var pacer = new Thread(() =>
    {
        for (var i = 0; i < total; i++)
        {
            var due = start + (long)(i * (double)Stopwatch.Frequency / rate);
            while (Stopwatch.GetTimestamp() < due)
            {
                Thread.Sleep(Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due) > TimeSpan.FromMilliseconds(2) ? 1 : 0);
            }

            tasks[i] = Lookup(http, cases[i % cases.Count], agents[i % agents.Count], due);
        }
    })
    { IsBackground = true, Name = "pacer" };
    pacer.Start();
    await Task.Run(pacer.Join);
    var results = await Task.WhenAll(tasks);
    return Result.Of(results, Stopwatch.GetElapsedTime(start));
}

static async Task<Result> ClosedLoop(HttpClient http, List<(string CaseNo, string Verify)> cases, List<string> agents, int concurrency, int seconds)
{
    var results = new List<(bool, double, double)>[concurrency];
    var stop = Stopwatch.GetTimestamp() + (seconds * Stopwatch.Frequency);
    var start = Stopwatch.GetTimestamp();
    await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async worker =>
    {
        results[worker] = [];
        for (var i = worker; Stopwatch.GetTimestamp() < stop; i += concurrency)
        {
            results[worker].Add(await Lookup(http, cases[i % cases.Count], agents[i % agents.Count], Stopwatch.GetTimestamp()));
        }
    }));
    return Result.Of([.. results.SelectMany(r => r)], Stopwatch.GetElapsedTime(start));
}

/// <summary>Latency from the scheduled start (includes any queueing, in the client too) and the service part (from send to response).</summary>
internal sealed record Result(int Requests, int Errors, double PerSecond, double P50, double P95, double P99, double Max, double ServiceP50, double ServiceP99)
{
    public static Result Of((bool Ok, double Ms, double ServiceMs)[] samples, TimeSpan elapsed)
    {
        var ms = samples.Select(s => s.Ms).Order().ToArray();
        var service = samples.Select(s => s.ServiceMs).Order().ToArray();
        static double P(double[] sorted, double q) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
        return new(samples.Length, samples.Count(s => !s.Ok), samples.Length / elapsed.TotalSeconds, P(ms, 0.50), P(ms, 0.95), P(ms, 0.99), ms.LastOrDefault(), P(service, 0.50), P(service, 0.99));
    }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Requests} look-ups, {Errors} errors, {PerSecond:0} /s, p50 {P50:0.0} ms, p95 {P95:0.0} ms, p99 {P99:0.0} ms, max {Max:0.0} ms (send→response p50 {ServiceP50:0.0} ms, p99 {ServiceP99:0.0} ms)");
}

internal sealed record Args(int Rate, int Seconds, int Cases, string? Pg)
{
    public static Args Parse(string[] args)
    {
        string? Get(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        return new(
            int.Parse(Get("--rate") ?? "500", CultureInfo.InvariantCulture),
            int.Parse(Get("--seconds") ?? "20", CultureInfo.InvariantCulture),
            int.Parse(Get("--cases") ?? "300", CultureInfo.InvariantCulture),
            Get("--pg"));
    }
}
