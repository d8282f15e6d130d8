using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using TongBan.Api.Tests.Infrastructure;
using TongBan.Grains.Calendar;
using TongBan.Grains.Cases;
using TongBan.LoadGen;
using Xunit.Abstractions;

namespace TongBan.Api.Tests.Cluster;

/// <summary>
/// The short CI forms of fault tests 2 and 3 (issue 10): three real silo processes on one PostgreSQL under the load
/// generator's workload, then (2) PostgreSQL stopped with <c>pg_ctl stop -m fast</c> and started again on the same port
/// and data directory, or (3) every silo SIGKILLed and started again on the same addresses. Afterwards every
/// acknowledged ticket, finished ticket, case and rating is read back, no ticket number was issued twice in a
/// hall-day, the hall watchers show the server's snapshot within 30 s, and an appointment's no-show reminder
/// registered before the fault fires after it; across the whole-cluster restart also a case's daily deadline reminder
/// (it turns the case's stage to warning; see <see cref="OutageDeadlineCase"/>).
/// </summary>
[Collection(PostgresCollection.Name)]
[Trait("Category", "Fault")]
public sealed class ClusterOutageTests(PostgresServer shared, ITestOutputHelper output)
{
    private const string Citizen = "52010219900307001X";
    private static readonly TimeSpan China = OutageBookings.China;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan ConvergeTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The no-show deadline of the reminder appointment, counted from the silos' launch: late enough for start-up, the
    /// booking and the fault to come first on a busy box, early enough to keep the test short.
    /// </summary>
    private static readonly TimeSpan DeadlineAfterLaunch = TimeSpan.FromSeconds(110);

    private static readonly TimeSpan CheckInAfter = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task PostgreSQL_stopped_and_started_mid_load_loses_nothing_answers_503_meanwhile_and_reminders_still_fire()
    {
        var total = Stopwatch.StartNew();
        var pg = await PostgresServer.StartOwnAsync();
        var connectionString = await pg.CreateDatabaseAsync("pg_restart");
        var (environment, reminder) = Plan();
        var silos = new List<SiloProcess>();
        try
        {
            var (loaded, log, appointmentId) = await StartUnderLoadAsync(connectionString, environment, silos, reminder, total);
            using var workload = loaded;
            var started = workload.Clock.Elapsed;
            var run = workload.RunAsync(TimeSpan.FromSeconds(30));

            await Task.Delay(TimeSpan.FromSeconds(10));
            var ticketsBefore = workload.Ledger.Tickets.Count;
            await pg.StopAsync();
            var stoppedAt = workload.Clock.Elapsed;
            output.WriteLine($"PostgreSQL stopped at t={stoppedAt.TotalSeconds:F1} s");

            // While the database is down the API says so: 503 ProblemDetails with Retry-After, never a 500.
            var probes = await ProbeWhileDownAsync(silos[2], workload.HallCodes[0]);
            await Task.Delay(TimeSpan.FromSeconds(4));
            await pg.StartAgainAsync();
            var backAt = workload.Clock.Elapsed;
            output.WriteLine($"PostgreSQL started again at t={backAt.TotalSeconds:F1} s");
            await run;
            var duration = workload.Clock.Elapsed - started;
            var ticketsAfter = workload.Ledger.Tickets.Count - ticketsBefore;

            var (outage, convergence, verification) = await AfterTheFaultAsync(workload, log, duration, stoppedAt, backAt, probes);

            Assert.True(verification.Passed, verification.ToString());
            Assert.True(ticketsBefore > 0 && ticketsAfter > 0, $"tickets acknowledged before the stop {ticketsBefore}, after {ticketsAfter}");
            Assert.True(verification.Cases > 0 && verification.Finished > 0, verification.ToString());
            Assert.True(outage.Count("http 500") == 0, $"500s during the outage: {outage}\n{log}");
            Assert.True(convergence.Converged, convergence.ToString());

            // Orleans keeps its membership view while the table is unreachable: nobody left, nobody was evicted.
            Assert.All(silos, s => Assert.False(s.HasExited, $"silo {s.SiloPort} exited\n{s.Describe()}"));
            foreach (var silo in silos)
            {
                using var ready = await silo.Http.GetAsync("/readyz");
                Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            }

            await AssertReminderFiredAsync(connectionString, silos, silos[1], reminder, appointmentId);
            output.WriteLine($"total {total.Elapsed.TotalSeconds:F1} s");
        }
        finally
        {
            await DisposeAllAsync(silos);
            await pg.DisposeAsync();
        }
    }

    [Fact]
    public async Task Whole_cluster_killed_and_restarted_loses_nothing_keeps_the_ticket_sequence_and_reminders_still_fire()
    {
        var total = Stopwatch.StartNew();
        var connectionString = await shared.CreateDatabaseAsync("cluster_restart");
        var (environment, reminder) = Plan();
        environment["Logging__LogLevel__TongBan.Grains.Cases.CaseGrain"] = "Information"; // the deadline stage line
        var silos = new List<SiloProcess>();
        try
        {
            var (loaded, log, appointmentId) = await StartUnderLoadAsync(connectionString, environment, silos, reminder, total);
            using var workload = loaded;
            var deadlineCase = await PlantDeadlineCaseAsync(connectionString, reminder.Deadline);
            var started = workload.Clock.Elapsed;
            var before = workload.RunAsync(TimeSpan.FromSeconds(12));
            await Task.Delay(TimeSpan.FromSeconds(8));

            // A power cut: every silo at once, no goodbye; then the same three addresses come back as new generations.
            var first = silos.ToList();
            var watchingBefore = workload.Subscribers.Connected;
            first.ForEach(s => s.KillHard());
            var killedAt = workload.Clock.Elapsed;
            output.WriteLine($"every silo killed at t={killedAt.TotalSeconds:F1} s");
            var ticketsBefore = workload.Ledger.Tickets.Count;
            var restarted = first.Select(s => s.Restart(connectionString, environment)).ToList();
            silos.AddRange(restarted);
            await Task.WhenAll(restarted.Select(s => s.WaitReadyAsync(StartTimeout)));
            var backAt = workload.Clock.Elapsed;
            output.WriteLine($"every silo ready again at t={backAt.TotalSeconds:F1} s");

            // A reminder whose tick passed while no silo ran waits for its next period (a day): this one must still be ahead.
            Assert.True(DateTimeOffset.UtcNow < deadlineCase.Case.Due, $"the restart ended {DateTimeOffset.UtcNow - deadlineCase.Case.Due} after the case reminder's tick: the test cannot tell");
            Assert.Equal(("onTrack", 1L), await deadlineCase.Case.ReadAsync(connectionString));
            await before;

            await workload.RunAsync(TimeSpan.FromSeconds(12));
            var duration = workload.Clock.Elapsed - started;
            var ticketsAfter = workload.Ledger.Tickets.Count - ticketsBefore;

            var (outage, convergence, verification) = await AfterTheFaultAsync(workload, log, duration, killedAt, backAt);

            // The ledger check includes "no ticket number issued twice in a hall-day": the queues' number sequence
            // survived the restart, tickets issued after it continue where the acknowledged ones stopped.
            Assert.True(verification.Passed, verification.ToString());
            Assert.True(ticketsBefore > 0 && ticketsAfter > 0, $"tickets acknowledged before the kill {ticketsBefore}, after the restart {ticketsAfter}");
            Assert.True(verification.Cases > 0 && verification.Finished > 0, verification.ToString());
            Assert.True(outage.Count("http 500") == 0, $"500s around the restart: {outage}\n{log}");
            Assert.True(workload.Reconnects >= watchingBefore && workload.Subscribers.Connected == workload.Subscribers.Total,
                $"{workload.Reconnects} subscriber reconnects for {watchingBefore} connected before the kill; {workload.Subscribers.Connected}/{workload.Subscribers.Total} connected now");
            Assert.True(convergence.Converged, convergence.ToString());

            await AssertReminderFiredAsync(connectionString, silos, restarted[1], reminder, appointmentId);
            await AssertDeadlineReminderFiredAsync(connectionString, restarted, deadlineCase.Case, deadlineCase.State);
            output.WriteLine($"total {total.Elapsed.TotalSeconds:F1} s");
        }
        finally
        {
            await DisposeAllAsync(silos);
        }
    }

    /// <summary>
    /// Both scenarios' start: three silo processes on the database, the load generator prepared with its hall watchers
    /// connected, and the reminder appointment booked before any fault.
    /// </summary>
    private async Task<(Workload Workload, StringWriter Log, string AppointmentId)> StartUnderLoadAsync(
        string connectionString, Dictionary<string, string?> environment, List<SiloProcess> silos, ReminderPlan reminder, Stopwatch total)
    {
        silos.AddRange(Enumerable.Range(0, 3).Select(_ => SiloProcess.Start(connectionString, environment)));
        await Task.WhenAll(silos.Select(s => s.WaitReadyAsync(StartTimeout)));
        output.WriteLine($"three silos ready after {total.Elapsed.TotalSeconds:F1} s");

        var log = new StringWriter();
        var workload = new Workload(Options(silos), log);
        try
        {
            await workload.PrepareAsync();
            workload.Subscribers.Start();
            Assert.Equal(workload.Subscribers.Total, await workload.Subscribers.WaitConnectedAsync(TimeSpan.FromSeconds(60)));
            var appointmentId = await BookReminderAppointmentAsync(silos[0], reminder, workload.HallCodes);
            return (workload, log, appointmentId);
        }
        catch
        {
            workload.Dispose();
            throw;
        }
    }

    /// <summary>Both scenarios' reckoning after the load: failures around the fault, the watchers' convergence and the ledger check, all written to the test output.</summary>
    private async Task<(Outage Outage, Convergence Convergence, Verification Verification)> AfterTheFaultAsync(
        Workload workload, StringWriter log, TimeSpan duration, TimeSpan faultAt, TimeSpan backAt, params string[] notes)
    {
        var outage = Outage.Of(workload.Http.Failures, faultAt, backAt);
        var convergence = await workload.Subscribers.ConvergeAsync(workload.Http, ConvergeTimeout);
        var verification = await LedgerCheck.RunAsync(workload.Ledger, workload.Http, workload.Tokens);
        output.WriteLine(log.ToString());
        output.WriteLine(workload.Metrics.Table(duration));
        foreach (var note in notes)
        {
            output.WriteLine(note);
        }

        output.WriteLine(outage.ToString());
        output.WriteLine(ErrorsAfterRetries(workload));
        output.WriteLine($"subscriber reconnects: {workload.Reconnects}");
        output.WriteLine(convergence.ToString());
        output.WriteLine(verification.ToString());
        return (outage, convergence, verification);
    }

    /// <summary>
    /// The silos' environment, and the reminder appointment's slot: the appointment books' clock (and only theirs) is
    /// shifted so that a 10:00 slot on the next working day starts <see cref="DeadlineAfterLaunch"/> − check-in grace
    /// after launch; a booking not checked in becomes a no-show by reminder <see cref="DeadlineAfterLaunch"/> after it.
    /// </summary>
    private static (Dictionary<string, string?> Environment, ReminderPlan Plan) Plan()
    {
        var day = OutageBookings.NextWorkingDay();
        var launch = DateTimeOffset.UtcNow;
        var offset = new DateTimeOffset(day.ToDateTime(new TimeOnly(10, 0)), China) - (launch + DeadlineAfterLaunch - CheckInAfter);
        var environment = new Dictionary<string, string?>
        {
            ["TongBan__Silo__Dashboard"] = "false",
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__TongBan.Grains.Appointments"] = "Information",
            ["TongBan__Security__RateLimits__ticketTaking__PermitLimit"] = "1000000",
            ["TongBan__Security__RateLimits__ratingSubmission__PermitLimit"] = "1000000",
            ["TongBan__Security__RateLimits__nearest__PermitLimit"] = "1000000",
            ["TongBan__Security__RateLimits__hotlineVerification__PermitLimit"] = "1000000",
            ["TongBan__Appointments__TestClockOffset"] = offset.ToString("c", CultureInfo.InvariantCulture),
            ["TongBan__Appointments__CheckInAfter"] = CheckInAfter.ToString("c", CultureInfo.InvariantCulture),
        };
        return (environment, new ReminderPlan(day, launch + DeadlineAfterLaunch));
    }

    private static LoadOptions Options(IEnumerable<SiloProcess> silos) => new()
    {
        Targets = [.. silos.Select(s => s.Http.BaseAddress!)],
        SigningKey = SiloProcess.SigningKey,
        NearestRate = 2,
        TakeRate = 6,
        WindowRate = 5,
        CaseRate = 1.5,
        RatingRate = 2,
        HotlineRate = 1,
        CheckInRate = 0,
        Subscribers = 6,
        Halls = 3,
        WindowsPerHall = 2,
    };

    /// <summary>Books the 10:00 slot at a hall outside the load's working set (its book sees no other traffic).</summary>
    private async Task<string> BookReminderAppointmentAsync(SiloProcess silo, ReminderPlan plan, IReadOnlyList<string> busy)
    {
        var halls = await silo.Http.GetFromJsonAsync<JsonElement>("/api/halls?type=hall");
        plan.Hall = halls.EnumerateArray().Select(h => h.GetProperty("code").GetString()!).First(c => !busy.Contains(c) && c.EndsWith("-H001", StringComparison.Ordinal));
        using var request = Request(HttpMethod.Post, $"/api/halls/{plan.Hall}/appointments", new
        {
            date = plan.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            start = "10:00",
            category = "A",
            itemCode = "rsj-001",
            applicant = new { name = "张三", idNumber = Citizen, phone = "13812345678" },
        });
        using var booked = await silo.Http.SendAsync(request);
        var text = await booked.Content.ReadAsStringAsync();
        Assert.True(booked.StatusCode == HttpStatusCode.OK, $"book: {(int)booked.StatusCode} {text} (start-up took too long for the planned slot?)");
        Assert.True(DateTimeOffset.UtcNow < plan.Deadline - TimeSpan.FromSeconds(20), "the booking came too late: the fault would follow the deadline");
        var id = JsonDocument.Parse(text).RootElement.GetProperty("appointmentId").GetString()!;
        output.WriteLine($"booked {id} at {plan.Hall}; its no-show deadline is in {(plan.Deadline - DateTimeOffset.UtcNow).TotalSeconds:F0} s");
        return id;
    }

    /// <summary>
    /// The reminder registered before the fault fires after it: its row leaves <c>orleans.reminder</c> (the book
    /// unregisters it once nothing is pending) and a silo logs the release; only then is the booking read (a read
    /// would apply the no-show lazily) and must be a no-show.
    /// </summary>
    private async Task AssertReminderFiredAsync(string connectionString, IReadOnlyList<SiloProcess> silos, SiloProcess reader, ReminderPlan plan, string appointmentId)
    {
        await using var db = NpgsqlDataSource.Create(connectionString);
        var waited = Stopwatch.StartNew();
        var grain = $"%{plan.Hall}/{plan.Day:yyyy-MM-dd}%";
        while (true)
        {
            await using var command = db.CreateCommand("select count(*) from orleans.reminder where reminder_name = 'no-show' and grain_id like $1");
            command.Parameters.AddWithValue(grain);
            if ((long)(await command.ExecuteScalarAsync())! == 0)
            {
                break;
            }

            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(150), $"the no-show reminder did not fire by {DateTimeOffset.UtcNow - plan.Deadline} after its deadline");
            await Task.Delay(500);
        }

        output.WriteLine($"no-show reminder fired and unregistered {(DateTimeOffset.UtcNow - plan.Deadline).TotalSeconds:F1} s after its deadline");
        Assert.Contains(silos, s => s.StdOut.Split('\n').Any(l => l.Contains($"Appointment book {plan.Hall} ", StringComparison.Ordinal)
            && l.Contains("no-show reminder fired, 1 place(s) released", StringComparison.Ordinal)));
        using var request = Request(HttpMethod.Get, $"/api/halls/{plan.Hall}/appointments/{appointmentId}");
        using var response = await reader.Http.SendAsync(request);
        var view = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("noShow", view.GetProperty("state").GetString());
    }

    /// <summary>The accepted case and its deadline reminder, due when the no-show is (after the restart); stored stage onTrack.</summary>
    private async Task<(OutageDeadlineCase Case, CaseState State)> PlantDeadlineCaseAsync(string connectionString, DateTimeOffset due)
    {
        var planted = await OutageDeadlineCase.PlantAsync(connectionString, due);
        Assert.Equal(("onTrack", 1L), await planted.Case.ReadAsync(connectionString));
        output.WriteLine($"case {planted.Case.CaseNo} accepted on {planted.Case.AcceptedOn:yyyy-MM-dd}, stored onTrack; its deadline reminder ticks in {(due - DateTimeOffset.UtcNow).TotalSeconds:F0} s");
        return planted;
    }

    /// <summary>
    /// The case's deadline reminder, written before the kill, fires in the new generation: the stored stage becomes
    /// warning (only the reminder re-projects a case nobody touches), a silo logs it, and the daily reminder stays.
    /// </summary>
    private async Task AssertDeadlineReminderFiredAsync(string connectionString, IReadOnlyList<SiloProcess> silos, OutageDeadlineCase deadlineCase, CaseState state)
    {
        var waited = Stopwatch.StartNew();
        var expected = deadlineCase.ExpectedStageNow(state);
        var (stage, reminders) = await deadlineCase.ReadAsync(connectionString);
        while (stage != expected)
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(150), $"the case's deadline reminder did not fire by {DateTimeOffset.UtcNow - deadlineCase.Due} after its tick: stage {stage}");
            await Task.Delay(500);
            (stage, reminders) = await deadlineCase.ReadAsync(connectionString);
        }

        output.WriteLine($"deadline reminder of {deadlineCase.CaseNo} fired {(DateTimeOffset.UtcNow - deadlineCase.Due).TotalSeconds:F1} s after its tick: stage {stage}");
        Assert.Equal(1L, reminders);
        Assert.Contains(silos, s => s.StdOut.Split('\n').Any(l => l.Contains($"Case {deadlineCase.CaseNo}: deadline stage {expected}", StringComparison.Ordinal)));
    }

    /// <summary>Direct calls (no retries) to one silo while PostgreSQL is down: a take, a case read and /readyz.</summary>
    private static async Task<string> ProbeWhileDownAsync(SiloProcess silo, string hall)
    {
        // The first call after the stop may still find the pool's dead connections; give PostgreSQL's absence a moment.
        await Task.Delay(TimeSpan.FromSeconds(1));
        using var take = new HttpRequestMessage(HttpMethod.Post, $"/api/halls/{hall}/tickets") { Content = JsonContent.Create(new { category = "A", kind = "walkIn" }) };
        take.Headers.Add("Idempotency-Key", "probe-" + Guid.NewGuid().ToString("N"));
        using var taken = await silo.Http.SendAsync(take);
        var body = await taken.Content.ReadAsStringAsync();
        Assert.True(taken.StatusCode == HttpStatusCode.ServiceUnavailable, $"take while PostgreSQL is down: {(int)taken.StatusCode} {body}");
        Assert.Equal("application/problem+json", taken.Content.Headers.ContentType?.MediaType);
        Assert.True(taken.Headers.RetryAfter?.Delta is { } delta && delta > TimeSpan.Zero, "Retry-After missing");
        Assert.Equal(503, JsonDocument.Parse(body).RootElement.GetProperty("status").GetInt32());

        using var ready = await silo.Http.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        return $"while PostgreSQL was down: take → {(int)taken.StatusCode} {taken.Content.Headers.ContentType?.MediaType} Retry-After {taken.Headers.RetryAfter}; /readyz → {(int)ready.StatusCode}";
    }

    private static string ErrorsAfterRetries(Workload workload) =>
        "operations failed after retries: " + string.Join(", ", workload.Metrics.All.Where(o => o.Errors > 0).Select(o => $"{o.Name} {o.Errors}").DefaultIfEmpty("none"));

    private async Task DisposeAllAsync(IEnumerable<SiloProcess> silos)
    {
        foreach (var silo in silos)
        {
            if (silo.StdErr.Length > 0)
            {
                output.WriteLine($"silo {silo.SiloPort} stderr:\n{silo.StdErr}");
            }

            // Unhandled errors (500s) with their exception chain, for the record.
            foreach (var line in silo.StdOut.Split('\n').Where(l => l.Contains("Unhandled error", StringComparison.Ordinal)).Take(3))
            {
                output.WriteLine($"silo {silo.SiloPort}: {line[..Math.Min(line.Length, 3000)]}");
            }

            await silo.DisposeAsync();
        }
    }

    private static HttpRequestMessage Request(HttpMethod method, string path, object? body = null) =>
        OutageBookings.CitizenRequest(method, path, Citizen, body);

    private sealed class ReminderPlan(DateOnly day, DateTimeOffset deadline)
    {
        public DateOnly Day { get; } = day;

        public DateTimeOffset Deadline { get; } = deadline;

        public string Hall { get; set; } = "";
    }
}
