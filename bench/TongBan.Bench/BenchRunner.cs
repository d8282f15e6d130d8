using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using TongBan.Throwaway;
using TongBan.LoadGen;

namespace TongBan.Bench;

/// <summary>One benchmark run: database (PostgreSQL mode), host, baselines, the hall day, the report.</summary>
public static class BenchRunner
{
    /// <summary>Target of the issue: embedded hall-day ops/s as a share of the no-op grain call rate.</summary>
    public const double EmbeddedTargetRatio = 0.30;

    /// <summary>Target of the issue: persisted ticket operations per second in PostgreSQL mode.</summary>
    public const double PostgresTargetPerSecond = 2_000;

    /// <summary>Targets of #16 part 6: ticket ops as a share of "grain call + state write" of the same run, per mode.</summary>
    public const double EmbeddedWriteTargetRatio = 0.35;

    public const double PostgresWriteTargetRatio = 0.60;

    /// <summary>Target of #16 part 6: the slowest ticket operation, in both modes.</summary>
    public static readonly TimeSpan MaxLatencyTarget = TimeSpan.FromMilliseconds(500);

    private static readonly TimeSpan BaselineWarmup = TimeSpan.FromSeconds(1);

    /// <returns>0 when every check passed, 1 when a check failed, 2 when nothing was measured (<c>--http</c> without routes).</returns>
    public static async Task<int> RunAsync(BenchOptions options, TextWriter output)
    {
        var o = options;
        var clock = o.RealClock ? null : new CompressedDayClock(o.Speed ?? CompressedDayClock.DayLength / (o.Warmup + o.Duration));
        if (clock is not null && CompressedDayClock.DayStart.ToTimeSpan() + TimeSpan.FromMinutes(5) + ((o.Warmup + o.Duration) * clock.Speed) >= TimeSpan.FromHours(23.9))
        {
            throw new ArgumentException($"--speed {clock.Speed:0} would run the day past midnight (queues would roll over mid-run); lower it.");
        }

        output.WriteLine($"TongBan hall-day benchmark — {Describe(o.Mode)}, variant: {o.Variant}{(o.Smoke ? " (smoke)" : "")}");
        output.WriteLine($"  machine: {Environment.ProcessorCount} cores, {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1 << 20):N0} MiB, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, " +
                         $"{(GCSettings.IsServerGC ? "server" : "workstation")} GC, {BuildConfiguration()} build");
        output.WriteLine($"  load average before the run: {LoadAverage()}");
        if (BuildConfiguration() == "Debug")
        {
            output.WriteLine("  WARNING: Debug build — numbers are not representative; use -c Release.");
        }

        await using var postgres = o.Mode == BenchMode.Postgres && o.PostgresConnectionString is null ? await ThrowawayPostgres.StartAsync(takePort: () => BenchHost.TakeFreePorts(1)[0]) : null;
        string? connectionString = o.PostgresConnectionString;
        if (postgres is not null)
        {
            connectionString = await postgres.CreateDatabaseAsync("tongban_bench_" + RandomNumberGenerator.GetHexString(6, lowercase: true));
            if (o.PostgresExtra is not null)
            {
                connectionString += ";" + o.PostgresExtra;
            }

            output.WriteLine($"  PostgreSQL {postgres.Version}: throwaway server on 127.0.0.1 ({ThrowawayPostgres.FastSettings} max_connections=100)");
        }
        else if (connectionString is not null)
        {
            connectionString += o.PostgresExtra is null ? "" : ";" + o.PostgresExtra;
            output.WriteLine("  PostgreSQL: the server given with --pg");
        }

        var started = Stopwatch.GetTimestamp();
        await using var host = await BenchHost.StartAsync(o, connectionString, clock);
        output.WriteLine($"  silo started in {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s ({host.Directory.Count:N0} service points loaded)");

        if (o.Memory)
        {
            output.WriteLine($"  memory per active grain: {o.Halls} halls (GC: {(GCSettings.IsServerGC ? "server" : "workstation")}) …");
            await GrainMemory.RunAsync(host, o, output);
            output.WriteLine($"  load average after the run: {LoadAverage()}");
            return 0;
        }

        if (o.Http)
        {
            var routes = host.TicketRoutes();
            if (routes.Count == 0)
            {
                output.WriteLine("  --http: this build maps no ticket or window HTTP routes (only /api/halls, /api/regions, /api/dev/token);");
                output.WriteLine("          nothing to drive over HTTP — skipped. The grain-layer run (without --http) is the measurement.");
                return 2;
            }

            output.WriteLine($"  --http: routes found ({string.Join(", ", routes)}), but this harness drives the grain layer only — skipped.");
            return 2;
        }

        using var meters = new OrleansMeters();
        using var stalls = StallWatch.Start();
        LoadResult? noop = null, write = null;
        var costs = new List<(string Name, long Operations, ProcessCost Cost, TimeSpan? Db)>();
        TimeSpan? DbCpu() => postgres?.ServerCpu();
        if (o.Baseline)
        {
            output.WriteLine($"  baseline: no-op grain call, {o.Concurrency} outstanding, {o.BaselineDuration.TotalSeconds:0.#} s …");
            var grains = host.Grains;
            var c0 = ProcessCost.Now();
            var d0 = DbCpu();
            stalls.Phase("no-op baseline");
            noop = await ClosedLoop.RunAsync("no-op grain call", o.Concurrency, BaselineWarmup, o.BaselineDuration,
                (w, i) => grains.GetGrain<IBenchNoOpGrain>((w * 7919) + (i % 16)).Ping());
            costs.Add(("no-op baseline (incl. warm-up)", (long)(noop.PerSecond * (o.BaselineDuration + BaselineWarmup).TotalSeconds), ProcessCost.Now() - c0, DbCpu() - d0));
            output.WriteLine($"  baseline: small state write, {o.Concurrency} outstanding, {o.BaselineDuration.TotalSeconds:0.#} s …");
            c0 = ProcessCost.Now();
            d0 = DbCpu();
            stalls.Phase("state-write baseline");
            write = await ClosedLoop.RunAsync($"grain call + {(o.NullStorage ? "null" : o.LocalStorage ? "in-process" : o.Mode == BenchMode.Postgres ? "PostgreSQL" : "memory")} state write", o.Concurrency, BaselineWarmup, o.BaselineDuration,
                (w, i) => grains.GetGrain<IBenchWriteGrain>((w * 7919) + (i % 16)).Increment());
            costs.Add(("state-write baseline (incl. warm-up)", (long)(write.PerSecond * (o.BaselineDuration + BaselineWarmup).TotalSeconds), ProcessCost.Now() - c0, DbCpu() - d0));
        }

        output.WriteLine($"  hall day: {o.Halls} halls, {o.Concurrency} outstanding, {o.Warmup.TotalSeconds:0.#} s warm-up + {o.Duration.TotalSeconds:0.#} s measured …");
        var before = meters.Snapshot();
        var serialized = host.App.Services.GetRequiredService<MeteredStorageSerializer>();
        var serializedBefore = serialized.Totals;
        var callCounter = host.App.Services.GetRequiredService<GrainCallCounter>();
        var callsBefore = callCounter.Snapshot();
        var dayCost = ProcessCost.Now();
        var dayDb = DbCpu();
        stalls.Phase("hall day");
        var day = await HallDay.RunAsync(host.Grains, host.Directory, clock, o, output);
        costs.Add(("hall day (all of it: setup, warm-up, checks)", day.AllOperations, ProcessCost.Now() - dayCost, DbCpu() - dayDb));
        var orleans = OrleansMeters.Delta(before, meters.Snapshot());
        var (sCalls, sBytes, sCpu) = serialized.Totals;
        var stateWrites = (Calls: sCalls - serializedBefore.Calls, Bytes: sBytes - serializedBefore.Bytes, Cpu: sCpu - serializedBefore.Cpu);
        var grainCalls = GrainCallCounter.Delta(callsBefore, callCounter.Snapshot()).ToList();

        List<LoadResult> raw = [];
        IReadOnlyList<(string StateName, long Rows, double MeanBytes, long MaxBytes)> sizes = [];
        if (host.Mode == BenchMode.Postgres && connectionString is not null)
        {
            sizes = await RawPostgres.GrainStateSizesAsync(connectionString, host.App.Services.GetRequiredService<IConfiguration>()["TongBan:Silo:ServiceId"]!);
            if (o.RawInsert)
            {
                var rows = sizes.Sum(s => s.Rows);
                var mean = rows == 0 ? 512 : (int)(sizes.Sum(s => s.MeanBytes * s.Rows) / rows);
                output.WriteLine($"  raw Npgsql baselines: {o.Concurrency} outstanding, {o.BaselineDuration.TotalSeconds:0.#} s each, {mean:N0}-byte rows (the mean grain state of this run) …");
                foreach (var update in new[] { false, true })
                {
                    var (c1, d1) = (ProcessCost.Now(), DbCpu());
                    var r = update
                        ? await RawPostgres.UpdateAsync(connectionString, o.Concurrency, mean, BaselineWarmup, o.BaselineDuration)
                        : await RawPostgres.InsertAsync(connectionString, o.Concurrency, mean, BaselineWarmup, o.BaselineDuration);
                    raw.Add(r);
                    costs.Add(($"{r.Name} (incl. warm-up)", (long)(r.PerSecond * (o.BaselineDuration + BaselineWarmup).TotalSeconds), ProcessCost.Now() - c1, DbCpu() - d1));
                }
            }
        }

        var profile = o.Profile ? GrainWorkProfile.Run(host.App.Services.GetRequiredService<IGrainStorageSerializer>()) : [];
        stalls.Phase("raw baselines and report");
        Report(output, o, host.Mode, day, noop, write, raw, sizes, orleans, costs, profile, stateWrites, grainCalls);
        stalls.Report(output);
        output.WriteLine($"  load average after the run: {LoadAverage()} (the run itself keeps both cores busy)");
        return day.AllChecksPassed ? 0 : 1;
    }

    private static void Report(
        TextWriter w, BenchOptions o, BenchMode mode, HallDayResult day, LoadResult? noop, LoadResult? write, List<LoadResult> raw,
        IReadOnlyList<(string StateName, long Rows, double MeanBytes, long MaxBytes)> sizes, IReadOnlyDictionary<string, (long Count, double Sum)> orleans,
        List<(string Name, long Operations, ProcessCost Cost, TimeSpan? Db)> costs, IReadOnlyList<GrainWorkProfile.Line> profile,
        (long Calls, long Bytes, TimeSpan Cpu) stateWrites, IReadOnlyList<(string Interface, long Calls)> grainCalls)
    {
        w.WriteLine();
        w.WriteLine($"Hall day: {day.Halls} halls ({day.HallMix}), {day.Windows:N0} windows, {day.Queues} queues");
        w.WriteLine($"  day {day.SimulatedDay}; measured {day.Measured.TotalSeconds:0.0} s after {o.Warmup.TotalSeconds:0.#} s warm-up; {o.Concurrency} outstanding calls; backlog {o.Backlog}/queue; " +
                    $"skip {o.SkipRate:P0}, no-show {o.NoShowRate:P0}, transfer {o.TransferRate:P0}");
        w.WriteLine();
        w.WriteLine($"  {"operation",-34} {"count",10} {"ops/s",10} {"p50 ms",8} {"p99 ms",8} {"max ms",8} {"errors",7}");
        foreach (var row in day.Operations.Where(r => r.Count > 0))
        {
            Row(w, row.Name, row.Count, row.Count / day.Measured.TotalSeconds, row.Latency, row.Errors);
        }

        Row(w, "TOTAL ticket operations", day.TotalOperations, day.PerSecond, day.AllLatencies(), day.TotalErrors);
        w.WriteLine($"  {"",-34} {"",10} {"",10}");
        if (noop is not null)
        {
            Row(w, "baseline: " + noop.Name, noop.Count, noop.PerSecond, noop.Latency, noop.Errors);
        }

        if (write is not null)
        {
            Row(w, "baseline: " + write.Name, write.Count, write.PerSecond, write.Latency, write.Errors);
        }

        foreach (var r in raw)
        {
            Row(w, "baseline: " + r.Name, r.Count, r.PerSecond, r.Latency, r.Errors);
        }

        Row(w, day.Setup.Name, day.Setup.Count, double.NaN, day.Setup.Latency, day.Setup.Errors);
        foreach (var error in new[] { noop, write }.Concat(raw).Where(r => r?.FirstError is not null))
        {
            w.WriteLine($"  first error of {error!.Name}: {error.FirstError}");
        }

        if (day.ErrorReasons.Count > 0)
        {
            w.WriteLine("  refusals/failures: " + string.Join("; ", day.ErrorReasons.OrderByDescending(kv => kv.Value).Select(kv => $"{kv.Key} ×{kv.Value}")));
        }

        w.WriteLine();
        if (noop is not null)
        {
            var ratio = day.PerSecond / noop.PerSecond;
            var target = mode == BenchMode.Embedded
                ? $"target ≥ {EmbeddedTargetRatio:P0} in embedded mode: {(ratio >= EmbeddedTargetRatio ? "MET" : "NOT MET")}"
                : $"(the {EmbeddedTargetRatio:P0} target is for embedded mode)";
            w.WriteLine($"  ratio hall day / no-op baseline: {day.PerSecond:N0} / {noop.PerSecond:N0} = {ratio:P1}  — {target}");
        }

        if (write is not null)
        {
            var ratio = day.PerSecond / write.PerSecond;
            var target = mode == BenchMode.Embedded ? EmbeddedWriteTargetRatio : PostgresWriteTargetRatio;
            w.WriteLine($"  ratio hall day / \"{write.Name}\": {day.PerSecond:N0} / {write.PerSecond:N0} = {ratio:P1}  — target ≥ {target:P0} (#16): {(ratio >= target ? "MET" : "NOT MET")}");
        }

        var slowest = TimeSpan.FromMicroseconds(day.AllLatencies().MaxMicros);
        w.WriteLine($"  slowest ticket operation: {slowest.TotalMilliseconds:N0} ms — target < {MaxLatencyTarget.TotalMilliseconds:N0} ms (#16): {(slowest < MaxLatencyTarget ? "MET" : "NOT MET")}");

        if (mode == BenchMode.Postgres)
        {
            w.WriteLine($"  persisted ticket operations/s: {day.PerSecond:N0} — target ≥ {PostgresTargetPerSecond:N0}: {(day.PerSecond >= PostgresTargetPerSecond ? "MET" : "NOT MET")}");
            foreach (var s in sizes)
            {
                w.WriteLine($"  grain state '{s.StateName}': {s.Rows:N0} rows, mean {s.MeanBytes:N0} B, max {s.MaxBytes:N0} B");
            }
        }

        // Orleans' own meter over the whole hall day (setup and warm-up included): what one command costs the runtime.
        var commands = Math.Max(1, day.AllOperations + day.Setup.Count);
        w.WriteLine($"  per command over the whole day ({commands:N0} commands incl. opening and warm-up), from Orleans' meter:");
        if (orleans.TryGetValue("orleans-messaging-processing-dispatcher-received", out var messages) && messages.Sum > 0)
        {
            w.WriteLine($"    {messages.Sum / commands:0.0} messages dispatched (grain calls, one-way reports, responses)");
        }

        if (orleans.TryGetValue("orleans-app-requests-latency", out var requests) && requests.Count > 0)
        {
            w.WriteLine($"    {(double)requests.Count / commands:0.0} request/response grain calls, mean {requests.Sum / requests.Count:0.00} ms each");
        }

        if (orleans.TryGetValue("orleans-storage-write-latency", out var writes) && writes.Count > 0)
        {
            w.WriteLine($"    {(double)writes.Count / commands:0.00} storage writes through IPersistentState, mean {writes.Sum / writes.Count:0.00} ms each " +
                        "(Orleans' meter; the hall queue's group-committed writes go to IGrainStorage directly: see the states serialized)");
        }

        if (stateWrites.Calls > 0)
        {
            w.WriteLine($"    {(double)stateWrites.Calls / commands:0.00} grain states serialized for storage, {stateWrites.Bytes / 1024.0 / commands:0.0} KB and " +
                        $"{stateWrites.Cpu.TotalMicroseconds / commands:0} µs CPU per command (mean state {stateWrites.Bytes / stateWrites.Calls:N0} B)");
        }

        if (grainCalls.Count > 0)
        {
            // Per command, by the grain interface called (a window command: its window, then the hall queue; pushes one-way).
            w.WriteLine("    grain calls per command: " + string.Join(", ", grainCalls.Select(c => $"{c.Interface} {(double)c.Calls / commands:0.00}")));
        }

        if (Environment.GetEnvironmentVariable("TONGBAN_BENCH_DUMP_METERS") == "1")
        {
            foreach (var (name, (count, sum)) in orleans.Where(kv => kv.Value.Count != 0).OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                w.WriteLine($"    meter {name}: count {count:N0}, sum {sum:N1}");
            }
        }

        var created = orleans.GetValueOrDefault("orleans-catalog-activation-created").Count;
        var collected = orleans.GetValueOrDefault("orleans-catalog-activation-collections").Count;
        w.WriteLine($"    activations created during the day: {created:N0}; idle collections: {collected:N0}");

        foreach (var (name, operations, cost, db) in costs)
        {
            var server = db is { } d && operations > 0 ? $"; PostgreSQL server {d.TotalMicroseconds / operations:N1} µs CPU per op" : "";
            w.WriteLine($"  cost of the {name}: {cost.PerOperation(operations)}{server}");
        }

        if (profile.Count > 0)
        {
            w.WriteLine("  work inside one command, single-threaded (µs per call; bytes written to storage):");
            foreach (var line in profile)
            {
                w.WriteLine($"    {line.What,-72} {line.Micros,8:N1} µs{(line.Bytes > 0 ? $"  {line.Bytes,7:N0} B" : "")}");
            }
        }

        w.WriteLine();
        w.WriteLine("  correctness:");
        foreach (var c in day.Checks)
        {
            w.WriteLine($"    {(c.Passed ? "PASS" : "FAIL")}  {c.Name} — {c.Detail}");
        }

        w.WriteLine($"  {(day.AllChecksPassed ? "ALL CHECKS PASSED" : "SOME CHECKS FAILED")}; {day.TicketsIssued:N0} tickets issued ({(double)day.TicketsIssued / day.Queues:0} per queue)");
        w.WriteLine();
        w.WriteLine("  throughput over the day (all operations, warm-up included):");
        w.WriteLine("    " + string.Join("  ", day.Timeline.Select(t => $"{t.At.TotalSeconds:0}s[{t.SimulatedTime[..5]}] {t.PerSecond:N0}/s")));
    }

    private static void Row(TextWriter w, string name, long count, double perSecond, LatencyHistogram latency, long errors) =>
        w.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {name,-34} {count,10:N0} {(double.IsNaN(perSecond) ? "" : perSecond.ToString("N0", CultureInfo.InvariantCulture)),10} {Ms(latency.PercentileMicros(50)),8} {Ms(latency.PercentileMicros(99)),8} {Ms(latency.MaxMicros),8} {errors,7:N0}"));

    private static string Ms(long micros) => (micros / 1000.0).ToString(micros < 10_000 ? "0.00" : "0.0", CultureInfo.InvariantCulture);

    private static string Describe(BenchMode mode) => mode == BenchMode.Embedded
        ? "embedded mode (memory grain storage)"
        : "PostgreSQL mode (ADO.NET grain storage, every command persisted before it answers)";

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private static string BuildConfiguration() =>
        typeof(BenchRunner).Assembly.GetCustomAttribute<DebuggableAttribute>()?.IsJITOptimizerDisabled == true ? "Debug" : "Release";
}
