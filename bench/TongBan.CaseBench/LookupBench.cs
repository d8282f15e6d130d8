using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;
using TongBan.Throwaway;
using TongBan.Grains.Cases;
using TongBan.Grains.Identity;
using TongBan.Silo.Postgres;

namespace TongBan.CaseBench;

/// <summary>
/// <c>--lookup</c> (issue 21, item 5): in one run, the keyed-hash rates (HMAC-SHA256 vs HMAC-SM3, and both candidates
/// as a look-up computes them) and the cost of the two-key look-up a hotline or "my cases" request makes during the
/// migration: hash + <see cref="PostgresCaseStore.QueryAsync"/> by one key vs by both (<c>= any(array)</c>), against a
/// throwaway PostgreSQL holding <see cref="Persons"/> cases, half stored under each algorithm. Single-threaded,
/// alternating 1-s slices so the box's load hits every workload alike. docs/PERFORMANCE.md ("Cryptography") has the figures.
/// </summary>
internal static class LookupBench
{
    private const int Persons = 20_000;
    private const int Rounds = 5;
    private static readonly TimeSpan Slice = TimeSpan.FromSeconds(1);

    public static async Task<int> RunAsync()
    {
        Console.WriteLine($"load average {File.ReadAllText("/proc/loadavg").Trim()}; {Environment.ProcessorCount} cores; .NET {Environment.Version}");
        var key = Encoding.UTF8.GetBytes(PrivacyOptions.DevelopmentHashKey);
        var sm = new KeyedHash(key, KeyedHashFunction.HmacSm3);
        var sha = new KeyedHash(key);
        var ids = Enumerable.Range(0, Persons).Select(i =>
        {
            var first17 = string.Create(CultureInfo.InvariantCulture, $"5201021980{i / 10_000 + 1:00}{i % 10_000:00000}");
            return first17 + ResidentId.CheckCharacter(first17);
        }).ToArray();

        // Hashing alone: the per-look-up price before any query.
        var random = new Random(21);
        string Pick() => ids[random.Next(ids.Length)];
        Console.WriteLine($"{"keyed hash of one ID number",-44} {"calls/s",12} {"µs/call",9}");
        foreach (var (name, action) in new (string, Action)[]
        {
            ("HMAC-SHA256 (international)", () => sha.OfResidentId(Pick())),
            ("HMAC-SM3 (sm, new data)", () => sm.OfResidentId(Pick())),
            ("both candidates (sm look-up)", () => sm.ResidentIdCandidates(Pick())),
        })
        {
            var rate = Rate(action, TimeSpan.FromSeconds(1));
            Console.WriteLine($"{name,-44} {rate,12:N0} {1e6 / rate,9:0.0}");
        }

        await using var server = await ThrowawayPostgres.StartAsync();
        var database = "lookupbench_" + RandomNumberGenerator.GetHexString(8, lowercase: true);
        await using (var admin = new NpgsqlConnection(server.AdminConnectionString))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"create database {database}", admin);
            await create.ExecuteNonQueryAsync();
        }

        var app = new NpgsqlConnectionStringBuilder(PostgresSettings.FromConnectionString(
            new NpgsqlConnectionStringBuilder(server.AdminConnectionString) { Database = database }.ConnectionString, "lookupbench").AppConnectionString);
        await using var dataSource = NpgsqlDataSource.Create(app.ConnectionString);
        await new SchemaMigrator(dataSource, NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
        await SeedAsync(dataSource, ids, sm, sha);
        var store = new PostgresCaseStore(dataSource);
        Console.WriteLine($"PostgreSQL, {Persons:N0} cases (one per person; even persons stored under HMAC-SHA256, odd under HMAC-SM3), pool {app.MaxPoolSize}");

        // Every workload must find the person's case, whichever key it was stored under (the one-key rows only where it is).
        var workloads = new (string Name, Func<string, Task<int>> Run)[]
        {
            ("international: HMAC-SHA256 + query by one key", async id => (await store.QueryAsync(new CaseQuery(ApplicantIdKey: sha.OfResidentId(id), Limit: 50), default)).Count),
            ("sm only: HMAC-SM3 + query by one key", async id => (await store.QueryAsync(new CaseQuery(ApplicantIdKey: sm.OfResidentId(id), Limit: 50), default)).Count),
            ("migration: both candidates + = any(both)", async id => (await store.QueryAsync(new CaseQuery(ApplicantIdKeys: sm.ResidentIdCandidates(id), Limit: 50), default)).Count),
        };
        var totals = new (int Calls, double Seconds, List<double> Micros, int Found)[workloads.Length];
        for (var w = 0; w < workloads.Length; w++)
        {
            totals[w] = (0, 0, [], 0);
            await Measure(workloads[w].Run, TimeSpan.FromSeconds(1), new List<double>()); // warm-up
        }

        for (var round = 0; round < Rounds; round++)
        {
            for (var w = 0; w < workloads.Length; w++)
            {
                var (calls, seconds, found) = await Measure(workloads[w].Run, Slice, totals[w].Micros);
                totals[w] = (totals[w].Calls + calls, totals[w].Seconds + seconds, totals[w].Micros, totals[w].Found + found);
            }
        }

        Console.WriteLine($"{"look-up of one person's cases",-48} {"calls/s",9} {"p50 µs",8} {"p99 µs",8} {"found",7}");
        var baseline = totals[0].Calls / totals[0].Seconds;
        for (var w = 0; w < workloads.Length; w++)
        {
            var (calls, seconds, micros, found) = totals[w];
            micros.Sort();
            Console.WriteLine($"{workloads[w].Name,-48} {calls / seconds,9:N0} {micros[micros.Count / 2],8:0} {micros[(int)(micros.Count * 0.99)],8:0} {100.0 * found / calls,6:0.0}% " +
                              $"({calls / seconds / baseline:0.00} of international)");
        }

        Console.WriteLine($"load average after: {File.ReadAllText("/proc/loadavg").Trim()}");

        // The two-key look-up finds every person; a one-key look-up only those stored under its algorithm.
        return totals[2].Found == totals[2].Calls ? 0 : 1;

        async Task<(int Calls, double Seconds, int Found)> Measure(Func<string, Task<int>> run, TimeSpan duration, List<double> micros)
        {
            var (calls, found) = (0, 0);
            var t0 = Stopwatch.GetTimestamp();
            while (Stopwatch.GetElapsedTime(t0) < duration)
            {
                var start = Stopwatch.GetTimestamp();
                found += await run(Pick()) > 0 ? 1 : 0;
                micros.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
                calls++;
            }

            return (calls, Stopwatch.GetElapsedTime(t0).TotalSeconds, found);
        }
    }

    /// <summary>Projection rows only (what a look-up reads), written with COPY; state and applicant are placeholders.</summary>
    private static async Task SeedAsync(NpgsqlDataSource dataSource, string[] ids, KeyedHash sm, KeyedHash sha)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using (var copy = await connection.BeginBinaryImportAsync(
            "copy tongban.case_record (case_no, version, state, applicant, last_hash, item_code, status, department_code, region_code, channel, " +
            "submitted_at, updated_at, stage, visits, applicant_id_key, applicant_phone_key, deadline_provisional) from stdin (format binary)"))
        {
            var at = new DateTimeOffset(2026, 11, 2, 9, 0, 0, TimeSpan.Zero);
            for (var i = 0; i < ids.Length; i++)
            {
                var hash = i % 2 == 0 ? sha : sm;
                var phone = string.Create(CultureInfo.InvariantCulture, $"139{i:00000000}");
                await copy.StartRowAsync();
                await copy.WriteAsync(string.Create(CultureInfo.InvariantCulture, $"GZ520102261102{i:0000000}"), NpgsqlDbType.Text);
                await copy.WriteAsync(1, NpgsqlDbType.Integer);
                await copy.WriteAsync("{}", NpgsqlDbType.Jsonb);
                await copy.WriteAsync("{}", NpgsqlDbType.Jsonb);
                await copy.WriteAsync(new byte[32], NpgsqlDbType.Bytea);
                await copy.WriteAsync("rsj-001", NpgsqlDbType.Text);
                await copy.WriteAsync(CaseNames.Of(CaseStatus.Submitted), NpgsqlDbType.Text);
                await copy.WriteAsync("rsj", NpgsqlDbType.Text);
                await copy.WriteAsync("520102", NpgsqlDbType.Text);
                await copy.WriteAsync(CaseNames.Of(CaseChannel.Online), NpgsqlDbType.Text);
                await copy.WriteAsync(at.AddSeconds(i), NpgsqlDbType.TimestampTz);
                await copy.WriteAsync(at.AddSeconds(i), NpgsqlDbType.TimestampTz);
                await copy.WriteAsync("none", NpgsqlDbType.Text);
                await copy.WriteAsync(0, NpgsqlDbType.Integer);
                await copy.WriteAsync(hash.OfResidentId(ids[i]), NpgsqlDbType.Text);
                await copy.WriteAsync(hash.OfMobile(phone), NpgsqlDbType.Text);
                await copy.WriteAsync(false, NpgsqlDbType.Boolean);
            }

            await copy.CompleteAsync();
        }

        await using var analyze = new NpgsqlCommand("analyze tongban.case_record", connection);
        await analyze.ExecuteNonQueryAsync();
    }

    private static double Rate(Action action, TimeSpan duration)
    {
        for (var i = 0; i < 200; i++)
        {
            action();
        }

        var n = 0;
        var t0 = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(t0) < duration)
        {
            for (var i = 0; i < 50; i++)
            {
                action();
            }

            n += 50;
        }

        return n / Stopwatch.GetElapsedTime(t0).TotalSeconds;
    }
}
