using System.Globalization;
using TongBan.LoadGen;

LoadOptions options;
try
{
    options = LoadOptions.Parse(args);
}
catch (Exception e) when (e is ArgumentException or FormatException or IOException or UriFormatException)
{
    Console.Error.WriteLine($"loadgen: {e.Message}");
    Console.Error.WriteLine(LoadOptions.Usage);
    return 2;
}

Console.WriteLine($"== load average before: {File.ReadAllText("/proc/loadavg").Split(' ')[..3].Aggregate((a, b) => a + " " + b)}");
if (options.Subscribers + options.MapViewers > 500)
{
    // Thousands of hub connections: their receive loops and keep-alives need threads at once, not at the pool's injection rate.
    ThreadPool.GetMinThreads(out var workers, out var io);
    ThreadPool.SetMinThreads(Math.Max(workers, 4 * Environment.ProcessorCount + 64), Math.Max(io, 64));
}

using var workload = new Workload(options, Console.Out);
await workload.PrepareAsync();
if (workload.Subscribers.Total > 0)
{
    // Connect the subscribers before the load so their connection storm is not measured as push latency.
    workload.Subscribers.Start();
    var connectedIn = workload.Clock.Elapsed;
    var connected = await workload.Subscribers.WaitConnectedAsync(TimeSpan.FromSeconds(Math.Max(60, workload.Subscribers.Total / 20.0)));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{connected}/{workload.Subscribers.Total} subscribers connected in {(workload.Clock.Elapsed - connectedIn).TotalSeconds:F1} s ({workload.Subscribers.ConnectFailures} failed attempts); process threads {System.Diagnostics.Process.GetCurrentProcess().Threads.Count}"));
}

if (options.Warmup > TimeSpan.Zero)
{
    // Fresh silos compile their hot paths to tier 1 in the first minute of load; measure after that.
    await workload.RunAsync(options.Warmup);
    workload.Metrics.Reset();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"warmed up for {options.Warmup.TotalSeconds:F0} s (those operations are in the ledger, not in the table)"));
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"offering for {options.Duration.TotalSeconds:F0} s: nearest {options.NearestRate}/s, take {options.TakeRate}/s, window cycles {options.WindowRate}/s, cases {options.CaseRate}/s, ratings ≤ {options.RatingRate}/s, hotline {options.HotlineRate}/s, check-ins {options.CheckInRate}/s; {options.Subscribers} hall watchers, {options.MapViewers} map viewers"));
var started = workload.Clock.Elapsed;
var run = workload.RunAsync(options.Duration);
TimeSpan? killedAt = null;
if (options.KillPidFile is { } pidFile)
{
    await Task.Delay(options.KillAfter);
    var pid = int.Parse(File.ReadAllText(pidFile).Trim(), CultureInfo.InvariantCulture);
    System.Diagnostics.Process.GetProcessById(pid).Kill();
    killedAt = workload.Clock.Elapsed;
    Console.WriteLine($"killed pid {pid} (SIGKILL) at t={killedAt.Value.TotalSeconds:F1} s");
}

Outage? outage = null;
if (options.PgRestartAfter is { } pgAfter)
{
    await Task.Delay(pgAfter);
    var at = workload.Clock.Elapsed;
    await Cluster("pg-stop");
    Console.WriteLine($"PostgreSQL stopped (pg_ctl stop -m fast) at t={at.TotalSeconds:F1} s");
    await Task.Delay(options.PgDown);
    await Cluster("pg-start");
    var back = workload.Clock.Elapsed;
    Console.WriteLine($"PostgreSQL started again at t={back.TotalSeconds:F1} s");
    await run;
    outage = Outage.Of(workload.Http.Failures, at, back);
}
else if (options.RestartClusterAfter is { } restartAfter)
{
    await Task.Delay(restartAfter);
    var at = workload.Clock.Elapsed;
    await Cluster("kill-all");
    Console.WriteLine($"every silo killed (SIGKILL) at t={at.TotalSeconds:F1} s");
    await Cluster("start-silos");
    var back = workload.Clock.Elapsed;
    Console.WriteLine($"every silo ready again at t={back.TotalSeconds:F1} s");
    await run;
    outage = Outage.Of(workload.Http.Failures, at, back);
}

await run;
var duration = workload.Clock.Elapsed - started;
Console.WriteLine($"== load average after: {File.ReadAllText("/proc/loadavg").Split(' ')[..3].Aggregate((a, b) => a + " " + b)}");
Console.WriteLine();
Console.Write(workload.Metrics.Table(duration));
Console.WriteLine($"subscriber reconnects: {workload.Reconnects}");

// Failed attempts (before retries) per silo and kind, and the span they cover: after a kill, the failed-call window.
var failures = workload.Http.Failures.Where(f => f.Operation != "verify").ToList();
Console.WriteLine($"failed attempts (retried on another silo): {failures.Count}");
foreach (var g in failures.GroupBy(f => (f.Target, f.Kind)).OrderBy(g => g.Key.Target))
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"  silo {options.Targets[g.Key.Target].Authority} {g.Key.Kind}: {g.Count()} between t={g.Min(f => f.At).TotalSeconds:F1} s and t={g.Max(f => f.At).TotalSeconds:F1} s"));
}

if (killedAt is { } k)
{
    Console.WriteLine(FaultWindow.Of(failures, k, options.KillTarget - 1));
}

if (outage is not null)
{
    Console.WriteLine(outage);
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"operations failed after retries: {workload.Metrics.All.Where(o => o.Name != "open").Sum(o => o.Errors)}; check-in offers without an open slot: {workload.CheckInsSkipped}"));
if (!options.Verify)
{
    return 0;
}

var convergence = workload.Subscribers.Total > options.MapViewers
    ? await workload.Subscribers.ConvergeAsync(workload.Http, options.ConvergeTimeout)
    : null;
if (convergence is not null)
{
    Console.WriteLine(convergence);
}

var verification = await LedgerCheck.RunAsync(workload.Ledger, workload.Http, workload.Tokens);
Console.WriteLine(verification);
return verification.Passed && convergence?.Converged != false ? 0 : 1;

async Task Cluster(string command)
{
    var start = new System.Diagnostics.ProcessStartInfo(options.ClusterScript) { ArgumentList = { command }, RedirectStandardOutput = true, RedirectStandardError = true };
    start.Environment["TONGBAN_NO_BUILD"] = "1";
    using var process = System.Diagnostics.Process.Start(start) ?? throw new InvalidOperationException($"cannot run {options.ClusterScript}");
    var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
    await process.WaitForExitAsync();
    Console.Write(output);
    if (process.ExitCode != 0)
    {
        throw new InvalidOperationException($"{options.ClusterScript} {command} failed ({process.ExitCode})");
    }
}
