using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Npgsql;
using TongBan.Api.Tests.Infrastructure;
using TongBan.Api.Tests.Notifications;
using TongBan.Grains.Catalogue;
using TongBan.Grains.Identity;
using Xunit.Abstractions;

namespace TongBan.Api.Tests.Cluster;

/// <summary>
/// Issue 17's crash test: "a kill -9 between the change and the send must neither lose nor duplicate it". Two silo
/// processes on one PostgreSQL: A runs the only dispatcher, B takes the case commands (B's dispatcher is off, so every
/// provider request comes from A or from A's restart). The 多彩宝 webhook points at a loopback provider that counts
/// requests by <c>Idempotency-Key</c> (the outbox key). The provider answers the first few requests and then holds
/// every later one without answering: it has taken the message (counted), the silo has not heard so. Once every
/// record A holds a lease on is such a held request, A is killed with SIGKILL — exactly the window the README documents
/// (provider accepted, outcome not written) and no other: no worker of A is between an answer and its outcome write.
/// The case commands keep going through B during and after the kill; then A is restarted and its new dispatcher takes
/// over the expired leases.
/// <para>
/// The assertion, exact rather than a bound: every acknowledged case step has its outbox row, every row of the chosen channel ends
/// <c>sent</c>, the provider saw no key that is not a row, and each row's key reached the provider exactly once —
/// except the keys A held leases on when it died, which reached it exactly twice (the documented gap: the message
/// went out, the outcome was lost with the process, the lease expired and the next dispatcher sent it again with the
/// same Idempotency-Key, so a receiver that honours the key shows it once). The keys held at the provider are checked
/// to be the same set as the rows leased by A's process in the table at the kill.
/// </para>
/// </summary>
[Collection(PostgresCollection.Name)]
[Trait("Category", "Fault")]
public sealed class NotificationCrashTests(PostgresServer server, ITestOutputHelper output)
{
    private const int Cases = 12;
    private const int AnsweredBeforeHold = 6;
    private const int Parallelism = 4;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);
    private static readonly ServiceItem Item = ServiceCatalogue.Seeded().Items.First(i => i.ProvinceWide && i.Level == HandlingLevel.County && i.Materials.Count >= 2);

    [Fact]
    public async Task A_dispatcher_killed_mid_burst_loses_nothing_and_repeats_only_the_sends_whose_outcome_died_with_it()
    {
        var requests = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var held = new ConcurrentDictionary<string, byte>(StringComparer.Ordinal);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var total = 0;
        await using var provider = await LoopbackProvider.StartAsync(app => app.MapPost("/push", async (HttpContext context) =>
        {
            var key = context.Request.Headers["Idempotency-Key"].ToString();
            requests.AddOrUpdate(key, 1, (_, n) => n + 1);
            if (Interlocked.Increment(ref total) > AnsweredBeforeHold && !release.Task.IsCompleted)
            {
                // Taken but not answered: the sender's process dies before it hears back.
                held[key] = 0;
                await Task.WhenAny(release.Task, Task.Delay(Timeout.Infinite, context.RequestAborted));
            }

            return Results.Json(new { messageId = "dcb-" + key });
        }));

        var connectionString = await server.CreateDatabaseAsync("notify_crash");
        Dictionary<string, string?> Environment(bool dispatcher) => new()
        {
            ["TongBan__Silo__Dashboard"] = "false",
            ["Logging__LogLevel__Default"] = "Warning",
            ["TongBan__Notifications__App__Provider"] = "duocaibao",
            ["TongBan__Notifications__App__Endpoint"] = new Uri(provider.BaseAddress, "/push").ToString(),
            ["TongBan__Notifications__App__Secret"] = "crash-test-app-secret",
            // Any real hour (quiet hours off) and many messages a minute to one recipient.
            ["TongBan__Notifications__Limits__QuietHoursStart"] = "00:00",
            ["TongBan__Notifications__Limits__QuietHoursEnd"] = "00:00",
            ["TongBan__Notifications__Limits__PerMinute"] = "1000",
            ["TongBan__Notifications__Limits__PerDay"] = "1000",
            ["TongBan__Notifications__Dispatcher__Enabled"] = dispatcher ? "true" : "false",
            ["TongBan__Notifications__Dispatcher__PollIntervalMilliseconds"] = "50",
            // A batch is the set in flight: once the whole batch is held, no worker is writing an outcome.
            ["TongBan__Notifications__Dispatcher__BatchSize"] = Parallelism.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["TongBan__Notifications__Dispatcher__Parallelism"] = Parallelism.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["TongBan__Notifications__Dispatcher__LeaseSeconds"] = "10",
        };

        var a = SiloProcess.Start(connectionString, Environment(dispatcher: true));
        await using var b = SiloProcess.Start(connectionString, Environment(dispatcher: false));
        SiloProcess? restarted = null;
        try
        {
            await Task.WhenAll(a.WaitReadyAsync(StartTimeout), b.WaitReadyAsync(StartTimeout));
            var commands = new CaseCommands(b, output);
            var run = commands.RunAsync(Cases);

            // Wait until every record A's process holds a lease on is a request held at the provider.
            var leasedAtKill = await UntilAsync(
                async () => await LeasedByAsync(connectionString, a.ProcessId),
                leased => leased.Count > 0 && leased.SetEquals(held.Keys),
                leased => $"leased by A {leased.Count}, held {held.Count}; requests {total}");
            a.KillHard();
            output.WriteLine($"killed pid {a.ProcessId} with {leasedAtKill.Count} sends in the gap after {total} provider requests; commands acknowledged so far {commands.Acknowledged.Count}");
            release.SetResult();

            await run;
            restarted = a.Restart(connectionString, Environment(dispatcher: true));
            await restarted.WaitReadyAsync(StartTimeout);

            // Done when no row waits and the provider saw each row's key (and the gap's again).
            var rows = await UntilAsync(
                async () => await RowsAsync(connectionString),
                r => r.Count > 0 && r.All(x => x.State is "sent" or "suppressed") && requests.Values.Sum() == r.Count(x => x.State == "sent") + leasedAtKill.Count,
                r => $"provider requests {requests.Values.Sum()}, gap {leasedAtKill.Count}; rows: " +
                     string.Join("; ", r.Select(x => $"{x.EventId} {x.State} {x.Detail} ×{requests.GetValueOrDefault(x.Key)}")));
            output.WriteLine($"{rows.Count} outbox rows ({rows.Count(r => r.State == "sent")} sent), {requests.Values.Sum()} provider requests, {commands.Acknowledged.Count} acknowledged steps");

            // Every acknowledged step's notification is a sent row (the change and its rows are one statement); the
            // channels the applicant did not choose are recorded as suppressed (noConsent) and never reach a provider.
            var sent = rows.Where(r => r.State == "sent").ToList();
            var events = sent.Select(r => r.EventId).ToHashSet(StringComparer.Ordinal);
            Assert.All(commands.Acknowledged, step => Assert.Contains(step, events));
            Assert.Equal(rows.Count, rows.Select(r => r.Key).Distinct().Count());
            Assert.Equal(events.Count, sent.Count); // one consented channel: one sent row per step
            Assert.All(rows.Where(r => r.State != "sent"), r => Assert.StartsWith("noConsent", r.Detail, StringComparison.Ordinal));

            // The provider saw only row keys; each once, the gap's keys twice.
            var keys = rows.Select(r => r.Key).ToHashSet(StringComparer.Ordinal);
            Assert.DoesNotContain(requests.Keys, k => !keys.Contains(k));
            Assert.True(leasedAtKill.SetEquals(held.Keys), "the held requests are the rows A leased");
            foreach (var row in rows)
            {
                var expected = row.State != "sent" ? 0 : leasedAtKill.Contains(row.Key) ? 2 : 1;
                Assert.True(requests.GetValueOrDefault(row.Key) == expected, $"{row.EventId}: {requests.GetValueOrDefault(row.Key)} provider requests, expected {expected}");
            }

            Assert.True(commands.Acknowledged.Count >= Cases, $"{commands.Acknowledged.Count} acknowledged notifying steps");
        }
        finally
        {
            foreach (var silo in new[] { a, b, restarted }.OfType<SiloProcess>())
            {
                if (silo.StdErr.Length > 0)
                {
                    output.WriteLine($"silo {silo.SiloPort} stderr:\n{silo.StdErr}");
                }
            }

            await a.DisposeAsync();
            if (restarted is not null)
            {
                await restarted.DisposeAsync();
            }
        }
    }

    /// <summary>The outbox key the dispatcher sends (NotificationDispatcher.KeyOf) from the row's unique columns.</summary>
    private static string KeyOf(string eventId, string channel, string recipientKey) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{eventId}\n{channel}\n{recipientKey}")))[..32];

    private static async Task<HashSet<string>> LeasedByAsync(string connectionString, int pid)
    {
        await using var db = NpgsqlDataSource.Create(connectionString);
        await using var command = db.CreateCommand("select event_id, channel, recipient_key from tongban.notification where state = 'queued' and lease_owner like $1");
        command.Parameters.AddWithValue($"%:{pid}:%");
        var keys = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            keys.Add(KeyOf(reader.GetString(0), reader.GetString(1), reader.GetString(2)));
        }

        return keys;
    }

    private static async Task<List<(string EventId, string Key, string State, string Detail)>> RowsAsync(string connectionString)
    {
        await using var db = NpgsqlDataSource.Create(connectionString);
        await using var command = db.CreateCommand(
            "select event_id, channel, recipient_key, state, concat_ws(' ', reason, attempts, next_attempt_at, lease_owner, last_error) from tongban.notification order by id");
        var rows = new List<(string, string, string, string)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetString(0), KeyOf(reader.GetString(0), reader.GetString(1), reader.GetString(2)), reader.GetString(3), reader.GetString(4)));
        }

        return rows;
    }

    private static async Task<T> UntilAsync<T>(Func<Task<T>> read, Func<T, bool> condition, Func<T, string> describe)
    {
        var deadline = DateTime.UtcNow + Patience;
        var value = await read();
        while (!condition(value))
        {
            Assert.True(DateTime.UtcNow < deadline, $"condition not reached: {describe(value)}");
            await Task.Delay(50);
            value = await read();
        }

        return value;
    }

    /// <summary>Submits cases with 多彩宝 consent and moves each to 受理 and 办结 through silo B, retrying across the kill.</summary>
    private sealed class CaseCommands(SiloProcess silo, ITestOutputHelper output)
    {
        private readonly string clerk = TestTokens.Mint("clerk", "clerk-crash", claims: new Dictionary<string, string> { ["hallCode"] = "520000-H001" });
        private readonly string approver = TestTokens.Mint("approver", "approver-crash", claims: new Dictionary<string, string> { ["departmentCode"] = Item.DepartmentCode, ["regionCode"] = "520102" });

        /// <summary>Event ids (<c>case:{caseNo}:v{version}</c>) of the notifying steps answered 2xx.</summary>
        public ConcurrentBag<string> Acknowledged { get; } = [];

        private static object Materials(bool verified) => Item.Materials.Select(m => new { materialId = m.Id, copies = m.Copies, originalVerified = verified && m.OriginalRequired }).ToArray();

        public async Task RunAsync(int cases)
        {
            var submitted = new List<string>();
            for (var i = 0; i < cases; i++)
            {
                var first17 = $"52010219900307{500 + i:D3}";
                var idNumber = first17 + ResidentId.CheckCharacter(first17);
                var (status, body, _) = await SendAsync("/api/cases", TestTokens.Mint("citizen", idNumber), new
                {
                    itemCode = Item.Code,
                    applicant = new { name = "张三", idNumber, phone = $"1388500{i:D4}" },
                    channel = "online",
                    materials = Materials(verified: false),
                    notify = new { channels = new[] { "app" }, appUserId = $"crash-user-{i:D2}" },
                });
                Assert.True(status == HttpStatusCode.OK, $"submit {i}: {status} {body}");
                var caseNo = body.GetProperty("caseNo").GetString()!;
                submitted.Add(caseNo);
                await StepAsync(caseNo, clerk, "receive", 1, Materials(verified: true));
                await StepAsync(caseNo, clerk, "accept", 2, null, notifies: true);
            }

            foreach (var caseNo in submitted)
            {
                await StepAsync(caseNo, approver, "startReview", 3, null);
                await StepAsync(caseNo, approver, "approve", 4, null);
                await StepAsync(caseNo, approver, "complete", 5, null, notifies: true);
            }
        }

        private async Task StepAsync(string caseNo, string token, string action, int expectedVersion, object? materials, bool notifies = false)
        {
            var (status, body, retried) = await SendAsync($"/api/cases/{caseNo}/transitions", token, materials is null ? new { action, expectedVersion } : new { action, expectedVersion, materials });
            if (status == HttpStatusCode.OK && notifies)
            {
                Acknowledged.Add($"case:{caseNo}:v{expectedVersion + 1}");
            }

            // 409 after a failed try: that try committed (nobody else moves these cases); its notification is then
            // checked like any other row, only not counted as acknowledged.
            Assert.True(status == HttpStatusCode.OK || (status == HttpStatusCode.Conflict && retried), $"{action} {caseNo}: {status} {body}");
        }

        /// <summary>POST until an answer that is not a failure of the cluster (A's death is noticed by B's membership).</summary>
        private async Task<(HttpStatusCode Status, JsonElement Body, bool Retried)> SendAsync(string path, string token, object body)
        {
            var deadline = DateTime.UtcNow + Patience;
            var tried = false;
            while (true)
            {
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                    using var response = await silo.Http.SendAsync(request);
                    var text = await response.Content.ReadAsStringAsync();
                    if ((int)response.StatusCode < 500)
                    {
                        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone(), tried);
                    }

                    output.WriteLine($"{path}: {(int)response.StatusCode}, retrying");
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    output.WriteLine($"{path}: {e.GetType().Name}, retrying");
                }

                tried = true;
                Assert.True(DateTime.UtcNow < deadline, $"{path} kept failing");
                await Task.Delay(200);
            }
        }
    }
}
