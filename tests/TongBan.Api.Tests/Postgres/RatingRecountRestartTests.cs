using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Npgsql;
using NpgsqlTypes;
using TongBan.Api.Tests.Infrastructure;
using TongBan.Grains.Common;
using TongBan.Grains.Halls;
using TongBan.Grains.Ratings;
using TongBan.Grains.Regions;
using Xunit.Abstractions;

namespace TongBan.Api.Tests.Postgres;

/// <summary>
/// The issue's evidence: 10,000 random ratings across every hall of the province, posted over HTTP to two real
/// silo processes in PostgreSQL mode, one of them killed with SIGKILL half-way and restarted; then every
/// acknowledged rating is in the database and every roll-up equals a recount of the stored ratings.
/// </summary>
[Collection(PostgresCollection.Name)]
[Trait("Category", "Fault")]
public sealed class RatingRecountRestartTests(PostgresServer server, ITestOutputHelper output)
{
    private const int Ratings = 10_000;
    private const int Workers = 24;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly byte[] TokenKey = [.. Enumerable.Range(1, 32).Select(i => (byte)(i * 7))];

    private sealed record Planned(string HallCode, string TicketNo, int WindowNo, string Clerk, int Level, string? Comment);

    [Fact]
    public async Task Ten_thousand_ratings_with_a_silo_killed_half_way_are_all_kept_and_every_roll_up_equals_its_recount()
    {
        var total = Stopwatch.StartNew();
        var connectionString = await server.CreateDatabaseAsync("ratings_recount");
        var environment = new Dictionary<string, string?>
        {
            ["TongBan__Ratings__TokenKey"] = Convert.ToBase64String(TokenKey),
            ["TongBan__Silo__Dashboard"] = "false",
            ["Logging__LogLevel__Default"] = "Warning",
            // The test is the whole province rating from one loopback address: lift the per-client limit.
            ["TongBan__Security__RateLimits__ratingSubmission__PermitLimit"] = "1000000",
        };
        var silos = new SiloProcess[2];
        silos[0] = SiloProcess.Start(connectionString, environment);
        silos[1] = SiloProcess.Start(connectionString, environment);
        try
        {
            await Task.WhenAll(silos.Select(s => s.WaitReadyAsync(StartTimeout)));
            output.WriteLine($"two silos ready after {total.Elapsed.TotalSeconds:F1} s");

            var day = ChinaTime.Today(TimeProvider.System);
            var plan = Plan(day);
            await SeedServedTicketsAsync(connectionString, plan, day);
            var tokens = new RatingTokens(TokenKey);

            // A dashboard on silo A (never killed) follows the province; ratings posted to either silo reach it.
            await using var hub = new HubConnectionBuilder().WithUrl(new Uri(silos[0].Http.BaseAddress!, "/hubs/live")).Build();
            var provincePushes = 0;
            var provinceTotal = 0;
            hub.On<JsonElement>(RatingLive.RatingsChanged, r =>
            {
                if (r.GetProperty("scope").GetString() == RatingScopes.Province)
                {
                    Interlocked.Increment(ref provincePushes);
                    Volatile.Write(ref provinceTotal, r.GetProperty("allTime").GetProperty("total").GetInt32());
                }
            });
            await hub.StartAsync();
            await hub.InvokeAsync<JsonElement>("WatchRegion", RegionCatalog.ProvinceCode);

            // Workers post the plan; a request that fails (connection reset by the kill, 5xx) is retried on the other silo.
            var acknowledged = new ConcurrentDictionary<int, int>();
            var next = -1;
            var retries = 0;
            var down = false;
            var killAt = Ratings / 2;
            var killed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var posting = Stopwatch.StartNew();
            TimeSpan killedAt, firstPhase;

            async Task Worker()
            {
                while (Interlocked.Increment(ref next) is var i && i < Ratings)
                {
                    var p = plan[i];
                    var body = new { hallCode = p.HallCode, ticketNo = p.TicketNo, level = p.Level, channel = "mobile", ratingToken = tokens.Issue(p.HallCode, day, p.TicketNo), comment = p.Comment };
                    for (var attempt = 0; ; attempt++)
                    {
                        var silo = Volatile.Read(ref down) ? silos[0] : silos[(i + attempt) % 2];
                        try
                        {
                            using var response = await silo.Http.PostAsJsonAsync("/api/ratings", body);
                            if (response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK)
                            {
                                acknowledged[i] = (int)response.StatusCode;
                                if (acknowledged.Count >= killAt)
                                {
                                    killed.TrySetResult();
                                }

                                break;
                            }

                            Assert.True((int)response.StatusCode >= 500, $"rating {i}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                        }
                        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                        {
                            // The silo went away under this request: the rating may or may not be stored; retrying is safe.
                        }

                        Interlocked.Increment(ref retries);
                        Assert.True(attempt < 20, $"rating {i} failed 20 times");
                        await Task.Delay(100);
                    }
                }
            }

            var workers = Enumerable.Range(0, Workers).Select(_ => Task.Run(Worker)).ToList();

            // Half-way: SIGKILL silo B while requests are in flight, bring it back on its address, let it take load again.
            if (await Task.WhenAny(killed.Task, Task.WhenAll(workers)) != killed.Task)
            {
                await Task.WhenAll(workers); // a worker failed before half-way: show why
                Assert.Fail("all ratings were posted before the kill");
            }

            firstPhase = posting.Elapsed;
            var dead = silos[1];
            dead.KillHard(); // with requests in flight on it: they fail and are retried on silo A
            Volatile.Write(ref down, true);
            killedAt = posting.Elapsed;
            var sameAddress = new Dictionary<string, string?>(environment)
            {
                ["TongBan__Silo__SiloPort"] = dead.SiloPort.ToString(CultureInfo.InvariantCulture),
                ["TongBan__Silo__GatewayPort"] = dead.GatewayPort.ToString(CultureInfo.InvariantCulture),
            };
            var restarted = SiloProcess.Start(connectionString, sameAddress);
            await restarted.WaitReadyAsync(StartTimeout);
            var downFor = posting.Elapsed - killedAt;
            silos[1] = restarted;
            Volatile.Write(ref down, false);
            await dead.DisposeAsync();

            await Task.WhenAll(workers);
            var postingTime = posting.Elapsed;
            Assert.Equal(Ratings, acknowledged.Count);
            output.WriteLine($"posted {Ratings} ratings in {postingTime.TotalSeconds:F1} s ({Ratings / postingTime.TotalSeconds:F0}/s overall; first {killAt} in {firstPhase.TotalSeconds:F1} s = {killAt / firstPhase.TotalSeconds:F0}/s); " +
                             $"silo B killed at {killedAt.TotalSeconds:F1} s and ready again after {downFor.TotalSeconds:F1} s; {retries} retried request(s), " +
                             $"{acknowledged.Values.Count(v => v == 200)} answered as replays of a stored rating");

            // Acknowledged ratings are never lost: every one is in the database, once.
            await using (var data = NpgsqlDataSource.Create(connectionString))
            {
                await using var count = data.CreateCommand("select count(*), count(distinct id) from tongban.rating");
                await using var reader = await count.ExecuteReaderAsync();
                await reader.ReadAsync();
                Assert.Equal((Ratings, Ratings), ((int)reader.GetInt64(0), (int)reader.GetInt64(1)));
            }

            // Let any delta still on its way land, then recount every roll-up against the stored ratings.
            await Task.Delay(TimeSpan.FromSeconds(2));
            var admin = TestTokens.Admin();
            var recount = Stopwatch.StartNew();
            var report = await PostAsync(silos[0], "/api/admin/ratings/recount?repair=false", admin);
            output.WriteLine($"recount (check only) of {report.GetProperty("scopes").GetInt32()} roll-ups over {report.GetProperty("ratings").GetInt64()} stored ratings in {recount.Elapsed.TotalSeconds:F1} s: " +
                             $"{report.GetProperty("matching").GetInt32()} equal, {report.GetProperty("mismatched").GetInt32()} different, {report.GetProperty("inFlight").GetInt32()} in flight");
            Assert.Equal(Ratings, report.GetProperty("ratings").GetInt64());

            // The one thing delivery can still do wrong is lose a delta: the intake waits for its roll-ups (2 s at
            // most) before answering, but a silo that dies between storing and sending, or a roll-up unreachable
            // for longer than the wait, leaves a roll-up short, never over. Every roll-up repairs that itself
            // within ReconcileMinutes; here the admin repair does it at once.
            foreach (var difference in report.GetProperty("differences").EnumerateArray())
            {
                var rollup = difference.GetProperty("rollup");
                var stored = difference.GetProperty("recount");
                Assert.All(new[] { "l1", "l2", "l3", "l4", "l5" }, l => Assert.True(rollup.GetProperty(l).GetInt32() <= stored.GetProperty(l).GetInt32(), difference.GetRawText()));
            }

            if (report.GetProperty("mismatched").GetInt32() > 0)
            {
                output.WriteLine("short: " + string.Join("; ", report.GetProperty("differences").EnumerateArray().Select(d =>
                    $"{d.GetProperty("scopeKey").GetString()} {d.GetProperty("rollup").GetProperty("total").GetInt32()} of {d.GetProperty("recount").GetProperty("total").GetInt32()}")));
                var repaired = await PostAsync(silos[0], "/api/admin/ratings/recount?repair=true", admin);
                output.WriteLine($"repair: {repaired.GetProperty("repaired").GetInt32()} roll-up(s) took their recount");
                report = await PostAsync(silos[0], "/api/admin/ratings/recount?repair=false", admin);
            }

            Assert.True(report.GetProperty("mismatched").GetInt32() == 0, report.GetRawText());

            // The province, a city and a few halls, through the public summary, against the test's own tally.
            await AssertSummary(silos[1], "region", "520000", plan);
            await AssertSummary(silos[0], "region", "520100", plan.Where(p => p.HallCode.StartsWith("5201", StringComparison.Ordinal) || p.HallCode == "520100-H001").ToList());
            foreach (var (hall, i) in plan.Select(p => p.HallCode).Distinct().Take(6).Select((h, i) => (h, i)))
            {
                await AssertSummary(silos[i % 2], "hall", hall, plan.Where(p => p.HallCode == hall).ToList());
            }

            // The live figure the SignalR client holds is the stored one.
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (Volatile.Read(ref provinceTotal) != Ratings && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }

            output.WriteLine($"SignalR client on silo A: {Volatile.Read(ref provincePushes)} province ratingsChanged pushes (coalesced), last allTime.total {Volatile.Read(ref provinceTotal)}");
            Assert.Equal(Ratings, Volatile.Read(ref provinceTotal));

            output.WriteLine($"whole test {total.Elapsed.TotalSeconds:F1} s");
        }
        finally
        {
            foreach (var silo in silos)
            {
                await silo.DisposeAsync();
            }
        }
    }

    /// <summary>10,000 ratings over every hall (province, prefecture and county centres), a realistic mix of levels.</summary>
    private static List<Planned> Plan(DateOnly day)
    {
        var regions = RegionCatalog.LoadEmbedded();
        var halls = ServicePointSeed.Generate(regions).Where(p => p.Type == ServicePointType.Hall).ToList();
        var random = new Random(20261124 + day.DayNumber);
        var numbers = new Dictionary<(string, string), int>();
        var plan = new List<Planned>(Ratings);
        for (var i = 0; i < Ratings; i++)
        {
            var hall = halls[random.Next(halls.Count)];
            var window = hall.Windows[random.Next(hall.Windows.Count)];
            var category = window.Categories[0];
            var seq = numbers[(hall.Code, category)] = numbers.GetValueOrDefault((hall.Code, category)) + 1;
            var roll = random.Next(100);
            var level = roll < 58 ? 5 : roll < 80 ? 4 : roll < 90 ? 3 : roll < 96 ? 2 : 1;
            plan.Add(new Planned(hall.Code, $"{category}{seq:000}", window.WindowNo, $"clerk-{hall.Code}-{window.WindowNo}", level, level <= 2 ? "等候时间过长" : null));
        }

        return plan;
    }

    /// <summary>What the windows would have recorded when they finished these tickets (one statement).</summary>
    private static async Task SeedServedTicketsAsync(string connectionString, List<Planned> plan, DateOnly day)
    {
        await using var data = NpgsqlDataSource.Create(connectionString);
        await using var command = data.CreateCommand("""
            insert into tongban.rating_service (hall_code, day, ticket_no, category, window_no, clerk, finished_at)
            select * from unnest($1, $2, $3, $4, $5, $6, $7)
            """);
        var finished = DateTime.UtcNow.AddMinutes(-30);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. plan.Select(p => p.HallCode)], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<DateOnly[]> { TypedValue = [.. plan.Select(_ => day)], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Date });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. plan.Select(p => p.TicketNo)], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. plan.Select(p => p.TicketNo[..1])], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = [.. plan.Select(p => p.WindowNo)], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. plan.Select(p => p.Clerk)], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<DateTime[]> { TypedValue = [.. plan.Select(_ => finished)], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        Assert.Equal(Ratings, await command.ExecuteNonQueryAsync());
    }

    private async Task AssertSummary(SiloProcess silo, string scope, string id, IReadOnlyCollection<Planned> expected)
    {
        var summary = await silo.Http.GetFromJsonAsync<JsonElement>($"/api/ratings/summary?scope={scope}&id={id}&period=allTime");
        var byLevel = Enumerable.Range(1, 5).Select(l => summary.GetProperty("byLevel").GetProperty(l.ToString(CultureInfo.InvariantCulture)).GetInt32()).ToArray();
        var tally = Enumerable.Range(1, 5).Select(l => expected.Count(p => p.Level == l)).ToArray();
        Assert.True(tally.SequenceEqual(byLevel), $"{scope} {id}: roll-up {string.Join(",", byLevel)}, sent {string.Join(",", tally)}");
        Assert.Equal(expected.Count, summary.GetProperty("total").GetInt32());
        var good = expected.Count(p => p.Level >= 3);
        Assert.Equal(Math.Round((double)good / expected.Count, 4), summary.GetProperty("goodRate").GetDouble());
        if (scope == "region" && id == "520000")
        {
            output.WriteLine($"province: total {expected.Count}, byLevel [{string.Join(", ", byLevel)}], goodRate {summary.GetProperty("goodRate").GetDouble()}, badCount {summary.GetProperty("badCount").GetInt32()}");
        }
    }

    /// <summary>
    /// Posts an idempotent admin command (the recount checks or repairs to the same result), retrying as the API asks when it
    /// answers 503 + Retry-After: on a loaded box a roll-up's recount query can outlast a grain call's timeout.
    /// </summary>
    private static async Task<JsonElement> PostAsync(SiloProcess silo, string path, string token)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await silo.Http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable && attempt < 5)
            {
                await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(2));
                continue;
            }

            Assert.True(response.IsSuccessStatusCode, $"POST {path}: {(int)response.StatusCode} {text}");
            return JsonDocument.Parse(text).RootElement.Clone();
        }
    }
}
