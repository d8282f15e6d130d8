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
using var workload = new Workload(options, Console.Out);
await workload.PrepareAsync();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"offering for {options.Duration.TotalSeconds:F0} s: nearest {options.NearestRate}/s, take {options.TakeRate}/s, window cycles {options.WindowRate}/s, cases {options.CaseRate}/s, ratings ≤ {options.RatingRate}/s, {options.Subscribers} subscribers"));
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

if (!options.Verify)
{
    return 0;
}

var verification = await LedgerCheck.RunAsync(workload.Ledger, workload.Http, workload.Tokens);
Console.WriteLine(verification);
return verification.Passed ? 0 : 1;
