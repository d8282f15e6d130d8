using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using TongBan.Api.Tests.Infrastructure;
using Xunit.Abstractions;

namespace TongBan.Api.Tests.Postgres;

/// <summary>Real silo processes in PostgreSQL mode, sharing one database: one cluster, shared state, a restart.</summary>
[Collection(PostgresCollection.Name)]
[Trait("Category", "Integration")]
public sealed class TwoSiloClusterTests(PostgresServer server, ITestOutputHelper output)
{
    private const string Hall = "520102-H001";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Two_silos_share_state_through_postgres_and_it_survives_a_restart()
    {
        var connectionString = await server.CreateDatabaseAsync("two_silos");
        await using var admin = NpgsqlDataSource.Create(connectionString);

        // Both start at once on an empty database: one migrates, the other waits for the lock.
        await using var a = SiloProcess.Start(connectionString);
        await using var b = SiloProcess.Start(connectionString);
        await Task.WhenAll(a.WaitReadyAsync(StartTimeout), b.WaitReadyAsync(StartTimeout));

        // A ready silo is active in its own view; its row in the shared table may follow a moment later (one run in CI read 1).
        await WaitForActiveRowsAsync(admin, 2);
        Assert.Equal(HttpStatusCode.OK, (await a.Http.GetAsync("/readyz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await b.Http.GetAsync("/readyz")).StatusCode);
        AssertStartupOrder(a);
        AssertStartupOrder(b);

        // Suspend through A, read through B (the hall grain lives on one of them; its state in PostgreSQL).
        using var put = new HttpRequestMessage(HttpMethod.Put, $"/api/halls/{Hall}/status")
        {
            Content = JsonContent.Create(new { suspended = true, reason = "停电" }),
        };
        put.Headers.Authorization = new AuthenticationHeaderValue("Bearer", TestTokens.Admin());
        using (var response = await a.Http.SendAsync(put))
        {
            Assert.True(response.IsSuccessStatusCode, $"PUT status: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        var viaB = await StatusAsync(b);
        Assert.True(viaB.GetProperty("suspended").GetBoolean());
        Assert.Equal("停电", viaB.GetProperty("reason").GetString());
        Assert.Equal(1L, await ScalarAsync(admin, "select count(*) from orleans.grain_state where grain_type = 'hall' and grain_id_extension = '" + Hall + "' and payload is not null"));

        await ReportConnectionsAsync(admin, "two silos, after the PUT");
        await BurstAsync(a, b, admin);
        var points = await ScalarAsync(admin, "select count(*) from tongban.service_point");
        Assert.True(points > 2000, $"{points} service points stored");

        // Restart: both leave gracefully, one comes back on the same database.
        await Task.WhenAll(a.StopAsync(StopTimeout), b.StopAsync(StopTimeout));
        Assert.Equal(0L, await ScalarAsync(admin, "select count(*) from orleans.membership where cluster_id = 'tongban' and status = 3"));
        await using var c = SiloProcess.Start(connectionString);
        await c.WaitReadyAsync(StartTimeout);

        var afterRestart = await StatusAsync(c);
        Assert.True(afterRestart.GetProperty("suspended").GetBoolean());
        Assert.Equal("停电", afterRestart.GetProperty("reason").GetString());
        Assert.Equal(points, await ScalarAsync(admin, "select count(*) from tongban.service_point"));
        Assert.Equal((long)TongBan.Silo.Postgres.SchemaMigrator.EmbeddedMigrations.Count, await ScalarAsync(admin, "select count(*) from tongban.schema_migrations"));
        Assert.Contains("Schema: up to date at version", c.StdOut);
        Assert.Contains("0 newly stored", c.StdOut);
        await ReportConnectionsAsync(admin, "one silo after the restart");

        // PostgreSQL mode has no development token endpoint.
        using var anonymous = await c.Http.PostAsJsonAsync("/api/dev/token", new { role = "admin" });
        output.WriteLine($"POST /api/dev/token without a token: {(int)anonymous.StatusCode}");
        using var withToken = new HttpRequestMessage(HttpMethod.Post, "/api/dev/token") { Content = JsonContent.Create(new { role = "admin" }) };
        withToken.Headers.Authorization = new AuthenticationHeaderValue("Bearer", TestTokens.Admin());
        Assert.Equal(HttpStatusCode.NotFound, (await c.Http.SendAsync(withToken)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, anonymous.StatusCode); // the /api fallback answers 404 before the fallback auth policy

        Assert.Empty(a.StdErr.Trim() + b.StdErr.Trim() + c.StdErr.Trim());
    }

    /// <summary>
    /// A short burst through both silos (every hall: a state write through one silo, a read through the other,
    /// 64 requests in flight) while sampling pg_stat_activity, to see how far the pools grow under load.
    /// </summary>
    private async Task BurstAsync(SiloProcess a, SiloProcess b, NpgsqlDataSource admin)
    {
        var halls = (await a.Http.GetFromJsonAsync<JsonElement>("/api/halls?type=hall")).EnumerateArray()
            .Select(h => h.GetProperty("code").GetString()!).Where(c => c != Hall).ToArray();
        var token = TestTokens.Admin();
        var peak = new Dictionary<string, long>();
        using var done = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!done.IsCancellationRequested)
            {
                await using var command = admin.CreateCommand("""
                    select application_name, count(*) from pg_stat_activity
                     where datname = current_database() and application_name like 'tongban:%' group by 1
                    """);
                await using var reader = await command.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    peak[reader.GetString(0)] = Math.Max(peak.GetValueOrDefault(reader.GetString(0)), reader.GetInt64(1));
                }

                await Task.Delay(20);
            }
        });

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var failures = 0;
        await Parallel.ForEachAsync(halls.Select((code, i) => (code, i)), new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (hall, _) =>
        {
            var (writer, reader) = hall.i % 2 == 0 ? (a, b) : (b, a);
            using var put = new HttpRequestMessage(HttpMethod.Put, $"/api/halls/{hall.code}/status")
            {
                Content = JsonContent.Create(new { suspended = false, reason = "演练" }),
            };
            put.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var written = await writer.Http.SendAsync(put);
            using var read = await reader.Http.GetAsync($"/api/halls/{hall.code}");
            if (!written.IsSuccessStatusCode || !read.IsSuccessStatusCode)
            {
                Interlocked.Increment(ref failures);
            }
        });
        var elapsed = clock.Elapsed;
        await done.CancelAsync();
        await sampler;

        Assert.Equal(0, failures);
        output.WriteLine($"burst: {halls.Length} writes + {halls.Length} reads in {elapsed.TotalMilliseconds:0} ms");
        foreach (var (name, count) in peak.OrderBy(p => p.Key))
        {
            output.WriteLine($"burst peak: {name} = {count}");
        }

        output.WriteLine($"burst peak: total (sum of per-pool peaks) {peak.Values.Sum()}");
        Assert.All(peak, p => Assert.True(p.Value <= (p.Key.EndsWith(":orleans", StringComparison.Ordinal) ? TongBan.Silo.Postgres.PostgresSettings.OrleansPoolSize : TongBan.Silo.Postgres.PostgresSettings.AppPoolSize), $"{p.Key} = {p.Value}"));
    }

    /// <summary>Schema first, then reference data, then the Orleans silo, then Kestrel (hosted services start in registration order).</summary>
    private static void AssertStartupOrder(SiloProcess silo)
    {
        var log = silo.StdOut;
        int At(string text)
        {
            var i = log.IndexOf(text, StringComparison.Ordinal);
            Assert.True(i >= 0, $"'{text}' not in the silo's log:\n{silo.Describe()}");
            return i;
        }

        var schema = Math.Max(log.IndexOf("Schema: applied", StringComparison.Ordinal), log.IndexOf("Schema: up to date", StringComparison.Ordinal));
        Assert.True(schema >= 0, silo.Describe());
        Assert.True(schema < At("Reference data:"), "schema before reference data");
        Assert.True(At("Reference data:") < At("Starting Orleans Silo."), "reference data before the silo");
        Assert.True(At("Orleans Silo started.") < At("Now listening on:"), "the silo before Kestrel");
    }

    private static async Task<JsonElement> StatusAsync(SiloProcess silo)
    {
        var profile = await silo.Http.GetFromJsonAsync<JsonElement>($"/api/halls/{Hall}");
        return profile.GetProperty("status");
    }

    /// <summary>Waits until the membership table lists <paramref name="count"/> active silos; on timeout, fails with every row's status.</summary>
    private static async Task WaitForActiveRowsAsync(NpgsqlDataSource data, long count)
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        while (await ScalarAsync(data, "select count(*) from orleans.membership where cluster_id = 'tongban' and status = 3") != count)
        {
            if (DateTime.UtcNow > deadline)
            {
                await using var rows = data.CreateCommand("select address || ':' || port || ' status ' || status from orleans.membership where cluster_id = 'tongban'");
                var statuses = new List<string>();
                await using (var reader = await rows.ExecuteReaderAsync())
                {
                    while (await reader.ReadAsync())
                    {
                        statuses.Add(reader.GetString(0));
                    }
                }

                Assert.Fail($"expected {count} active silos in orleans.membership within {StartTimeout}; rows: {string.Join(", ", statuses)}");
            }

            await Task.Delay(100); // polling the table: the condition is the row, no event announces it
        }
    }

    private static async Task<long> ScalarAsync(NpgsqlDataSource data, string sql)
    {
        await using var command = data.CreateCommand(sql);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Connections per pool (application_name is "tongban:&lt;silo port&gt;:orleans|app"), for the record.</summary>
    private async Task ReportConnectionsAsync(NpgsqlDataSource data, string when)
    {
        await using var command = data.CreateCommand("""
            select application_name, count(*) from pg_stat_activity
             where datname = current_database() and application_name like 'tongban:%'
             group by 1 order by 1
            """);
        await using var reader = await command.ExecuteReaderAsync();
        var total = 0L;
        while (await reader.ReadAsync())
        {
            output.WriteLine($"{when}: {reader.GetString(0)} = {reader.GetInt64(1)}");
            total += reader.GetInt64(1);
        }

        output.WriteLine($"{when}: total {total}");
    }
}
