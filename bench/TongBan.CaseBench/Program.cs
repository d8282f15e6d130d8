using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;
using TongBan.Throwaway;
using TongBan.CaseBench;
using TongBan.Grains.Cases;
using TongBan.Silo.Postgres;

// The case-store benchmark: persisted case transitions per second through PostgresCaseStore (load → transition →
// commit) against raw single-row insert transactions of the same row width, at each concurrency, in one run
// against one PostgreSQL. bench/run-cases.sh has the commands; docs/PERFORMANCE.md ("Cases") the numbers.
if (args is ["--micro"])
{
    Micro.Run();
    return 0;
}

if (args is ["--crypto"])
{
    CryptoBench.Run();
    return 0;
}

if (args is ["--lookup"])
{
    return await LookupBench.RunAsync();
}

var options = BenchOptions.Parse(args);
if (options is null)
{
    Console.WriteLine(BenchOptions.Usage);
    return 2;
}

Console.WriteLine($"load average {File.ReadAllText("/proc/loadavg").Trim()}; {Environment.ProcessorCount} cores; .NET {Environment.Version}");
ThrowawayPostgres? server = null;
var admin = options.Postgres;
if (admin is null)
{
    server = await ThrowawayPostgres.StartAsync(options.Durable, options.ServerOptions);
    admin = server.AdminConnectionString;
}

var database = "casebench_" + RandomNumberGenerator.GetHexString(8, lowercase: true);
try
{
    await using (var connection = new NpgsqlConnection(admin))
    {
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand($"create database {database}", connection);
        await create.ExecuteNonQueryAsync();
    }

    // Exactly the settings a silo gives its app data source (pool 8, reset on close, 5 s timeout), unless overridden.
    var given = new NpgsqlConnectionStringBuilder(admin) { Database = database };
    var app = new NpgsqlConnectionStringBuilder(PostgresSettings.FromConnectionString(given.ConnectionString, "casebench").AppConnectionString);
    if (options.PoolSize is { } pool)
    {
        app.MaxPoolSize = pool;
    }

    if (options.NoResetOnClose)
    {
        app.NoResetOnClose = true;
    }

    if (options.AutoPrepare > 0)
    {
        app.MaxAutoPrepare = options.AutoPrepare;
    }

    await using var dataSource = NpgsqlDataSource.Create(app.ConnectionString);
    await new SchemaMigrator(dataSource, NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
    await Execute(dataSource, "create table bench_raw (id text primary key, data jsonb not null)");
    Console.WriteLine($"PostgreSQL {await Scalar(dataSource, "show server_version")}, fsync={await Scalar(dataSource, "show fsync")}, " +
                      $"synchronous_commit={await Scalar(dataSource, "show synchronous_commit")}; pool {app.MaxPoolSize}, " +
                      $"reset on close {(app.NoResetOnClose ? "off" : "on")}, auto-prepare {app.MaxAutoPrepare}; " +
                      $"{options.Warmup.TotalSeconds:0} s warm-up + {options.Duration.TotalSeconds:0} s per workload and concurrency");

    var store = new PostgresCaseStore(dataSource);
    var sample = CaseWorkload.SampleStateJson();
    Console.WriteLine($"raw baseline row: 21-character text key + jsonb of {System.Text.Encoding.UTF8.GetByteCount(sample)} bytes (the JSON of a case in review)");
    Console.WriteLine();
    var failed = false;
    var cpu = new CpuMeter(CpuMeter.PostmasterOf(server?.DataDirectory));
    CaseWorkload.ChainHash = options.Chain == "sha256" ? AuditChain.Sha256 : AuditChain.Sm3;
    if (options.Chain == "both")
    {
        failed = await CompareChainsAsync(store, cpu, options);
    }
    else
    {
        failed = await CompareWithRawAsync(dataSource, store, sample, cpu, options);
    }

    Console.WriteLine($"stored sizes: state jsonb {await Scalar(dataSource, "select round(avg(pg_column_size(state))) from tongban.case_record")} B, " +
                      $"state text {await Scalar(dataSource, "select round(avg(octet_length(state::text))) from tongban.case_record")} B, " +
                      $"audit canonical {await Scalar(dataSource, "select round(avg(octet_length(canonical))) from tongban.case_audit")} B; " +
                      $"case_record {await Scalar(dataSource, "select pg_size_pretty(pg_total_relation_size('tongban.case_record'))")} " +
                      $"({await Scalar(dataSource, "select pg_size_pretty(pg_indexes_size('tongban.case_record'))")} indexes) for {await Scalar(dataSource, "select count(*) from tongban.case_record")} cases");

    // The log the runs wrote: seal what the background sealer left, then verify all of it, timed.
    var started = Stopwatch.GetTimestamp();
    var sealedNow = 0;
    for (int n; (n = await store.SealAsync(AuditSealer.BatchSize, CancellationToken.None)) > 0 || sealedNow == 0 && Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(5);)
    {
        sealedNow += n;
    }

    var sealTime = Stopwatch.GetElapsedTime(started);
    started = Stopwatch.GetTimestamp();
    var verification = await store.VerifyAllAsync(CancellationToken.None);
    var verifyTime = Stopwatch.GetElapsedTime(started);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"audit: {verification.Entries:N0} entries, valid={verification.Valid} {verification.FirstBrokenAt}; final seal of {sealedNow:N0} left-over entries {sealTime.TotalMilliseconds:0} ms; VerifyAllAsync {verifyTime.TotalSeconds:0.0} s ({verification.Entries / verifyTime.TotalSeconds:N0} entries/s)"));
    Console.WriteLine("case grain: not in this worktree yet (being written in parallel against the same ICaseStore), so (c) is not measured.");
    failed |= !verification.Valid;
    Console.WriteLine(options.Chain == "both"
        ? failed ? $"FAIL: an error, an invalid audit, or an SM3/SHA-256 ratio below {options.ChainTarget:P0}" : $"PASS: every SM3/SHA-256 ratio ≥ {options.ChainTarget:P0}, audit valid"
        : failed ? $"FAIL: an error, an invalid audit, or an (a)/(b) ratio below {options.TargetRatio:P0}" : $"PASS: every (a)/(b) ratio ≥ {options.TargetRatio:P0}, audit valid");
    return failed ? 1 : 0;
}
finally
{
    if (server is not null)
    {
        await server.DisposeAsync();
    }
    else if (options.KeepDatabase)
    {
        Console.WriteLine($"kept database {database}");
    }
    else
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(admin);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"drop database if exists {database} with (force)", connection);
        await drop.ExecuteNonQueryAsync();
    }
}

// Case work against raw inserts (the "Cases" table of docs/PERFORMANCE.md).
static async Task<bool> CompareWithRawAsync(NpgsqlDataSource dataSource, PostgresCaseStore store, string sample, CpuMeter cpu, BenchOptions options)
{
    Console.WriteLine($"each measurement: {options.Rounds} slices of raw and case work alternating, so both see the same load from the rest of the box");
    Console.WriteLine("CPU = client + server CPU time per operation (this process + the PostgreSQL processes); it does not depend on what else runs");
    Console.WriteLine();
    Console.WriteLine("(a) load → transition → commit; (a') commit only, state held in memory as a case grain holds it; (b) raw 1-row insert transactions");
    Console.WriteLine();
    Console.WriteLine("concurrency | (a) transitions/s | p50 ms | p99 ms | CPU ms | (a') commits/s | p50 ms | p99 ms | CPU ms | (b) inserts/s | p50 ms | p99 ms | CPU ms | a/b  | a'/b | CPU b/a | load/compute/commit ms (a)");
    Console.WriteLine("----------- | ----------------- | ------ | ------ | ------ | -------------- | ------ | ------ | ------ | ------------- | ------ | ------ | ------ | ---- | ---- | ------- | --------------------------");

    long rawKeys = 0;
    var failed = false;
    var cpuSplits = new List<string>();
    foreach (var concurrency in options.Concurrency)
    {
        async Task RawInsert(int worker)
        {
            await using var insert = dataSource.CreateCommand("insert into bench_raw (id, data) values ($1, $2)");
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = string.Create(CultureInfo.InvariantCulture, $"GZ{Interlocked.Increment(ref rawKeys):D19}") });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = sample, NpgsqlDbType = NpgsqlDbType.Jsonb });
            await insert.ExecuteNonQueryAsync();
        }

        var workload = new CaseWorkload(store, concurrency);
        var held = new CaseWorkload(store, concurrency, holdState: true);
        async Task<(LoopResult Result, TimeSpan Cpu, TimeSpan Client)> Slice(CaseWorkload? cases, TimeSpan length)
        {
            using var sealing = new CancellationTokenSource();
            var sealer = cases is not null ? SealEveryTwoSecondsAsync(store, sealing.Token) : Task.CompletedTask;
            var before = cpu.Read();
            var result = await ClosedLoop.RunAsync(concurrency, TimeSpan.Zero, length, cases is not null ? cases.StepAsync : RawInsert);
            await sealing.CancelAsync();
            await sealer;
            var after = cpu.Read();
            return (result, after.Client - before.Client + (after.Server - before.Server ?? TimeSpan.Zero), after.Client - before.Client);
        }

        await Slice(null, options.Warmup);
        await Slice(workload, options.Warmup);
        await Slice(held, options.Warmup);
        workload.ResetBreakdown();
        var rawSlices = new List<(LoopResult Result, TimeSpan Cpu, TimeSpan Client)>();
        var caseSlices = new List<(LoopResult Result, TimeSpan Cpu, TimeSpan Client)>();
        var heldSlices = new List<(LoopResult Result, TimeSpan Cpu, TimeSpan Client)>();
        for (var round = 0; round < options.Rounds; round++)
        {
            if (!options.CasesOnly)
            {
                rawSlices.Add(await Slice(null, options.Duration / options.Rounds));
                heldSlices.Add(await Slice(held, options.Duration / options.Rounds));
            }

            caseSlices.Add(await Slice(workload, options.Duration / options.Rounds));
        }

        var raw = LoopResult.Sum([.. rawSlices.Select(s => s.Result)]);
        var cases = LoopResult.Sum([.. caseSlices.Select(s => s.Result)]);
        var commits = LoopResult.Sum([.. heldSlices.Select(s => s.Result)]);
        var commitCpu = heldSlices.Sum(s => s.Cpu.TotalMilliseconds) / Math.Max(1, commits.Count);
        var rawCpu = rawSlices.Sum(s => s.Cpu.TotalMilliseconds) / Math.Max(1, raw.Count);
        var caseCpu = caseSlices.Sum(s => s.Cpu.TotalMilliseconds) / Math.Max(1, cases.Count);
        var rawClient = rawSlices.Sum(s => s.Client.TotalMilliseconds) / Math.Max(1, raw.Count);
        var caseClient = caseSlices.Sum(s => s.Client.TotalMilliseconds) / Math.Max(1, cases.Count);
        var ratio = cases.PerSecond / raw.PerSecond;
        var (load, compute, commit, operations) = workload.Breakdown();
        double Per(TimeSpan t) => operations == 0 ? 0 : t.TotalMilliseconds / operations;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{concurrency,11} | {cases.PerSecond,17:N0} | {cases.P50Ms,6:0.00} | {cases.P99Ms,6:0.00} | {caseCpu,6:0.000} | {commits.PerSecond,14:N0} | {commits.P50Ms,6:0.00} | {commits.P99Ms,6:0.00} | {commitCpu,6:0.000} | {raw.PerSecond,13:N0} | {raw.P50Ms,6:0.00} | {raw.P99Ms,6:0.00} | {rawCpu,6:0.000} | {ratio,4:P0} | {commits.PerSecond / raw.PerSecond,4:P0} | {rawCpu / caseCpu,7:P0} | {Per(load):0.00} / {Per(compute):0.00} / {Per(commit):0.00}"));
        cpuSplits.Add(string.Create(CultureInfo.InvariantCulture, $"{concurrency}: case {caseClient:0.000} + {caseCpu - caseClient:0.000}, raw {rawClient:0.000} + {rawCpu - rawClient:0.000}"));
        foreach (var (name, result) in new[] { ("case", cases), ("commit-only", commits), ("raw", raw) })
        {
            if (result.Errors > 0)
            {
                Console.WriteLine($"  {name}: {result.Errors} errors, first: {result.FirstError}");
                failed = true;
            }
        }

        failed |= ratio < options.TargetRatio;
    }

    Console.WriteLine();
    Console.WriteLine($"CPU ms per operation, client + server, by concurrency: {string.Join("; ", cpuSplits)}");
    return failed;
}

// Issue 21 item 7: the same case transitions with SHA-256 and with SM3 audit chains, in alternating slices
// (SHA-256, SM3, SHA-256, SM3 …) so noise from the rest of the box hits both; (a) load → transition → commit and
// (a') commit only with the state held in memory, as a case grain does.
static async Task<bool> CompareChainsAsync(PostgresCaseStore store, CpuMeter cpu, BenchOptions options)
{
    Console.WriteLine($"each measurement: {options.Rounds} rounds of SHA-256 and SM3 chain slices alternating (A/B/A/B), so both see the same load from the rest of the box");
    Console.WriteLine("CPU = client + server CPU time per transition (this process + the PostgreSQL processes)");
    Console.WriteLine();
    Console.WriteLine("concurrency | workload | SHA-256 transitions/s | p50 ms | CPU ms | SM3 transitions/s | p50 ms | CPU ms | SM3/SHA-256 | compute ms SHA-256 / SM3");
    Console.WriteLine("----------- | -------- | --------------------- | ------ | ------ | ----------------- | ------ | ------ | ----------- | ------------------------");
    var failed = false;
    foreach (var concurrency in options.Concurrency)
    {
        foreach (var hold in new[] { false, true })
        {
            var sha = new CaseWorkload(store, concurrency, hold, AuditChain.Sha256);
            var sm3 = new CaseWorkload(store, concurrency, hold, AuditChain.Sm3);
            async Task<(LoopResult Result, TimeSpan Cpu)> Slice(CaseWorkload workload, TimeSpan length)
            {
                using var sealing = new CancellationTokenSource();
                var sealer = SealEveryTwoSecondsAsync(store, sealing.Token);
                var before = cpu.Read();
                var result = await ClosedLoop.RunAsync(concurrency, TimeSpan.Zero, length, workload.StepAsync);
                await sealing.CancelAsync();
                await sealer;
                var after = cpu.Read();
                return (result, after.Client - before.Client + (after.Server - before.Server ?? TimeSpan.Zero));
            }

            await Slice(sha, options.Warmup);
            await Slice(sm3, options.Warmup);
            sha.ResetBreakdown();
            sm3.ResetBreakdown();
            var shaSlices = new List<(LoopResult Result, TimeSpan Cpu)>();
            var sm3Slices = new List<(LoopResult Result, TimeSpan Cpu)>();
            for (var round = 0; round < options.Rounds; round++)
            {
                shaSlices.Add(await Slice(sha, options.Duration / options.Rounds));
                sm3Slices.Add(await Slice(sm3, options.Duration / options.Rounds));
            }

            var a = LoopResult.Sum([.. shaSlices.Select(s => s.Result)]);
            var b = LoopResult.Sum([.. sm3Slices.Select(s => s.Result)]);
            var aCpu = shaSlices.Sum(s => s.Cpu.TotalMilliseconds) / Math.Max(1, a.Count);
            var bCpu = sm3Slices.Sum(s => s.Cpu.TotalMilliseconds) / Math.Max(1, b.Count);
            var ratio = b.PerSecond / a.PerSecond;
            static double Compute(CaseWorkload w)
            {
                var (_, compute, _, operations) = w.Breakdown();
                return operations == 0 ? 0 : compute.TotalMilliseconds / operations;
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{concurrency,11} | {(hold ? "(a')" : "(a)"),-8} | {a.PerSecond,21:N0} | {a.P50Ms,6:0.00} | {aCpu,6:0.000} | {b.PerSecond,17:N0} | {b.P50Ms,6:0.00} | {bCpu,6:0.000} | {ratio,11:P1} | {Compute(sha):0.000} / {Compute(sm3):0.000}"));
            foreach (var (name, result) in new[] { ("SHA-256", a), ("SM3", b) })
            {
                if (result.Errors > 0)
                {
                    Console.WriteLine($"  {name}: {result.Errors} errors, first: {result.FirstError}");
                    failed = true;
                }
            }

            failed |= ratio < options.ChainTarget;
        }
    }

    Console.WriteLine();
    return failed;
}

// What AuditSealer does in a silo: SealAsync(1000) every 2 s, draining while batches come back full.
static async Task SealEveryTwoSecondsAsync(ICaseStore store, CancellationToken stop)
{
    try
    {
        while (!stop.IsCancellationRequested)
        {
            while (await store.SealAsync(AuditSealer.BatchSize, CancellationToken.None) == AuditSealer.BatchSize)
            {
            }

            await Task.Delay(AuditSealer.Period, stop);
        }
    }
    catch (OperationCanceledException)
    {
    }
}

static async Task<string> Scalar(NpgsqlDataSource dataSource, string sql)
{
    await using var command = dataSource.CreateCommand(sql);
    return Convert.ToString(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture) ?? "";
}

static async Task Execute(NpgsqlDataSource dataSource, string sql)
{
    await using var command = dataSource.CreateCommand(sql);
    await command.ExecuteNonQueryAsync();
}
