using System.Diagnostics;
using TongBan.Api.Tests.Infrastructure;
using TongBan.LoadGen;
using Xunit.Abstractions;

namespace TongBan.Api.Tests.Cluster;

/// <summary>
/// The short CI form of the cluster fault test: three real silo processes on one PostgreSQL, the load generator's
/// workload (tickets, window cycles, cases, ratings, hall watchers) through all three, one silo SIGKILLed mid-load,
/// the load kept going; then every acknowledged operation is read back, no ticket number was issued twice in a
/// hall-day, and the failed-call window after the kill is measured.
/// </summary>
[Collection(PostgresCollection.Name)]
[Trait("Category", "Fault")]
public sealed class ClusterFaultTests(PostgresServer server, ITestOutputHelper output)
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan Load = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan KillAfter = TimeSpan.FromSeconds(10);

    /// <summary>The target: a hard-killed silo costs clients less than 5 s of failed calls.</summary>
    private static readonly TimeSpan FailedCallBudget = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task A_silo_killed_mid_load_loses_no_acknowledged_operation_and_costs_under_five_seconds_of_failed_calls()
    {
        var total = Stopwatch.StartNew();
        var connectionString = await server.CreateDatabaseAsync("cluster_fault");
        var environment = new Dictionary<string, string?>
        {
            ["TongBan__Silo__Dashboard"] = "false",
            ["Logging__LogLevel__Default"] = "Warning",
            // The test is many citizens on one loopback address: lift the per-client limits (as scripts/cluster.sh does).
            ["TongBan__Security__RateLimits__ticketTaking__PermitLimit"] = "1000000",
            ["TongBan__Security__RateLimits__ratingSubmission__PermitLimit"] = "1000000",
            ["TongBan__Security__RateLimits__nearest__PermitLimit"] = "1000000",
            ["TongBan__Security__RateLimits__hotlineVerification__PermitLimit"] = "1000000",
        };
        var silos = new[] { SiloProcess.Start(connectionString, environment), SiloProcess.Start(connectionString, environment), SiloProcess.Start(connectionString, environment) };
        try
        {
            await Task.WhenAll(silos.Select(s => s.WaitReadyAsync(StartTimeout)));
            output.WriteLine($"three silos ready after {total.Elapsed.TotalSeconds:F1} s");

            var options = new LoadOptions
            {
                Targets = [.. silos.Select(s => s.Http.BaseAddress!)],
                SigningKey = SiloProcess.SigningKey,
                NearestRate = 4,
                TakeRate = 8,
                WindowRate = 6,
                CaseRate = 2,
                RatingRate = 2,
                HotlineRate = 1,
                CheckInRate = 0, // outside opening hours no slot is open; the outage tests cover appointments
                Subscribers = 6,
                Halls = 4,
                WindowsPerHall = 2,
            };
            var log = new StringWriter();
            using var workload = new Workload(options, log);
            await workload.PrepareAsync();
            var started = workload.Clock.Elapsed;
            var run = workload.RunAsync(Load);

            await Task.Delay(KillAfter);
            var ticketsBefore = workload.Ledger.Tickets.Count;
            silos[1].KillHard();
            var killedAt = workload.Clock.Elapsed;
            await run;
            var duration = workload.Clock.Elapsed - started;
            var ticketsAfter = workload.Ledger.Tickets.Count - ticketsBefore;

            var window = FaultWindow.Of(workload.Http.Failures, killedAt, deadTarget: 1);
            var verification = await LedgerCheck.RunAsync(workload.Ledger, workload.Http, workload.Tokens);
            output.WriteLine(log.ToString());
            output.WriteLine(workload.Metrics.Table(duration));
            output.WriteLine(window.ToString());
            output.WriteLine($"subscriber reconnects: {workload.Reconnects}");
            output.WriteLine(verification.ToString());
            output.WriteLine($"total {total.Elapsed.TotalSeconds:F1} s");

            Assert.True(verification.Passed, verification.ToString());
            Assert.True(ticketsBefore > 0 && ticketsAfter > 0, $"tickets acknowledged before the kill {ticketsBefore}, after {ticketsAfter}");
            Assert.True(verification.Cases > 0 && verification.Finished > 0 && verification.Ratings > 0, verification.ToString());
            // Retries with idempotency keys hide the kill from every kind of operation; a window left stuck on a
            // command its queue had applied before the crash would show here as failed window commands.
            foreach (var name in (string[])["take", "case", "rating", "nearest", "call-next", "start", "finish", "hotline"])
            {
                Assert.True(workload.Metrics[name].Errors == 0, $"{name}: {workload.Metrics[name].Errors} operations failed after retries\n{log}");
            }

            // The two watchers connected to the killed silo found another one and watch their hall again.
            Assert.True(workload.Reconnects >= options.Subscribers / silos.Length, $"{workload.Reconnects} subscriber reconnects");
            Assert.True(window.FailedCallWindow < FailedCallBudget, window.ToString());
        }
        finally
        {
            foreach (var silo in silos)
            {
                if (silo.StdErr.Length > 0)
                {
                    output.WriteLine($"silo {silo.SiloPort} stderr:\n{silo.StdErr}");
                }

                await silo.DisposeAsync();
            }
        }
    }
}
