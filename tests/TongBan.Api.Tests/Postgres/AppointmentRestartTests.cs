using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using TongBan.Api.Tests.Infrastructure;
using TongBan.Grains.Calendar;
using Xunit.Abstractions;

namespace TongBan.Api.Tests.Postgres;

/// <summary>
/// Appointment books in PostgreSQL mode with real silo processes: a booking answered with 200 survives a kill -9, and
/// the no-show reminder registered before the kill fires in the silo that replaces it.
/// </summary>
[Collection(PostgresCollection.Name)]
[Trait("Category", "Fault")]
public sealed class AppointmentRestartTests(PostgresServer server, ITestOutputHelper output)
{
    private const string Hall = "520102-H001";
    private const string Citizen = "52010219900307001X";
    private static readonly TimeSpan China = TimeSpan.FromHours(8);
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Booking_survives_a_hard_kill_and_the_no_show_reminder_fires_after_the_restart()
    {
        var total = Stopwatch.StartNew();
        var connectionString = await server.CreateDatabaseAsync("appointments");
        await using var db = NpgsqlDataSource.Create(connectionString);

        // The books' clock says 09:59:15 on the next working day when the silos are launched (the booking must be made
        // within 45 s); check-in closes 30 s after the 10:00 slot starts, so the no-show deadline is 75 s after launch,
        // whatever the real hour.
        var day = NextWorkingDay();
        var launch = DateTimeOffset.UtcNow;
        var offset = new DateTimeOffset(day.ToDateTime(new TimeOnly(9, 59, 15)), China) - launch;
        var deadline = launch + TimeSpan.FromSeconds(75);
        var environment = new Dictionary<string, string?>
        {
            ["TongBan__Appointments__TestClockOffset"] = offset.ToString("c", CultureInfo.InvariantCulture),
            ["TongBan__Appointments__CheckInAfter"] = "00:00:30",
            ["TongBan__Privacy__HashKey"] = "appointment-restart-test-privacy-key-0123456789",
        };

        // Two silos, as in production. A serves the booking and is killed right after its 200; C replaces it; B, the
        // survivor that notices A's death within seconds (a lone new silo waits ~100 s for A's liveness row to go
        // stale before it may join), is then stopped gracefully, so when C answers no copy of the book can be
        // anywhere but in PostgreSQL.
        var a = SiloProcess.Start(connectionString, environment);
        await using var b = SiloProcess.Start(connectionString, environment);
        string id;
        try
        {
            await Task.WhenAll(a.WaitReadyAsync(StartTimeout), b.WaitReadyAsync(StartTimeout));
            output.WriteLine($"silos A and B ready after {total.Elapsed.TotalSeconds:0.0} s");
            using var book = Request(HttpMethod.Post, $"/api/halls/{Hall}/appointments", new
            {
                date = day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                start = "10:00",
                category = "A",
                itemCode = "rsj-001",
                applicant = new { name = "张三", idNumber = Citizen, phone = "13812345678" },
            });
            book.Headers.Add("Idempotency-Key", "restart-1");
            using var booked = await a.Http.SendAsync(book);
            var text = await booked.Content.ReadAsStringAsync();
            Assert.True(booked.StatusCode == HttpStatusCode.OK, $"book: {(int)booked.StatusCode} {text}\n{a.Describe()}");
            a.KillHard(); // right after the 200: nothing more may happen in this process
            id = JsonDocument.Parse(text).RootElement.GetProperty("appointmentId").GetString()!;
            output.WriteLine($"booked {id} through A and killed A (kill -9) at {total.Elapsed.TotalSeconds:0.0} s");
        }
        finally
        {
            await a.DisposeAsync();
        }

        Assert.DoesNotContain(Citizen, a.StdOut + a.StdErr, StringComparison.Ordinal);
        Assert.Equal(1L, await ScalarAsync(db, $"select count(*) from orleans.reminder where reminder_name = 'no-show' and grain_id like '%{Hall}/{day:yyyy-MM-dd}%'"));

        await using var c = SiloProcess.Start(connectionString, environment);
        await c.WaitReadyAsync(StartTimeout);
        output.WriteLine($"silo C ready at {total.Elapsed.TotalSeconds:0.0} s");
        await b.StopAsync(TimeSpan.FromSeconds(30));
        output.WriteLine($"silo B stopped at {total.Elapsed.TotalSeconds:0.0} s");

        // Calls may fail for a moment while C takes over B's directory partition; the booking is there once they pass.
        var view = await UntilOk(c, $"/api/halls/{Hall}/appointments/{id}", TimeSpan.FromSeconds(45));
        output.WriteLine($"booking read back through C at {total.Elapsed.TotalSeconds:0.0} s");
        Assert.True(DateTimeOffset.UtcNow < deadline, "the restart took longer than the check-in window; the test cannot tell the reminder from a lazy read");
        Assert.Equal("booked", view.GetProperty("state").GetString());
        Assert.Equal("张*", view.GetProperty("applicant").GetProperty("name").GetString());
        var second = c;

        // Only the reminder can now change the book: nothing reads it until its row is gone (the book unregisters it
        // once no deadline is pending).
        var waited = Stopwatch.StartNew();
        while (await ScalarAsync(db, "select count(*) from orleans.reminder where reminder_name = 'no-show'") > 0)
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(150), $"the no-show reminder did not fire\n{second.Describe()}");
            await Task.Delay(500);
        }

        output.WriteLine($"reminder fired and unregistered at {total.Elapsed.TotalSeconds:0.0} s ({(DateTimeOffset.UtcNow - deadline).TotalSeconds:0.0} s after the deadline)");
        Assert.Contains("no-show reminder fired, 1 place(s) released", second.StdOut, StringComparison.Ordinal);
        var after = await UntilOk(second, $"/api/halls/{Hall}/appointments/{id}", TimeSpan.FromSeconds(10));
        Assert.Equal("noShow", after.GetProperty("state").GetString());
        var slots = await second.Http.GetFromJsonAsync<JsonElement>($"/api/halls/{Hall}/appointments/slots?date={day:yyyy-MM-dd}&category=A");
        Assert.Equal(0, slots.EnumerateArray().Single(s => s.GetProperty("start").GetString()!.Contains("T10:00", StringComparison.Ordinal)).GetProperty("booked").GetInt32());
        Assert.DoesNotContain(Citizen, second.StdOut + second.StdErr, StringComparison.Ordinal);
        output.WriteLine($"total {total.Elapsed.TotalSeconds:0.0} s");
    }

    private static DateOnly NextWorkingDay()
    {
        var calendar = WorkingDayCalendar.LoadEmbedded();
        var day = DateOnly.FromDateTime(DateTimeOffset.UtcNow.ToOffset(China).DateTime).AddDays(1);
        while (!calendar.IsWorkingDay(day))
        {
            day = day.AddDays(1);
        }

        return day;
    }

    private static HttpRequestMessage Request(HttpMethod method, string path, object? body = null)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", TestTokens.Mint("citizen", Citizen));
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return request;
    }

    private async Task<JsonElement> UntilOk(SiloProcess silo, string path, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        var last = string.Empty;
        while (clock.Elapsed < timeout)
        {
            try
            {
                using var request = Request(HttpMethod.Get, path);
                using var response = await silo.Http.SendAsync(request);
                last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return JsonDocument.Parse(last[4..]).RootElement;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                last = e.Message;
            }

            output.WriteLine($"GET {path}: {last[..Math.Min(last.Length, 160)]}");
            await Task.Delay(1000);
        }

        throw new TimeoutException($"GET {path} did not answer 200 within {timeout}: {last}\n{silo.Describe()}");
    }

    private static async Task<long> ScalarAsync(NpgsqlDataSource data, string sql)
    {
        await using var command = data.CreateCommand(sql);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
