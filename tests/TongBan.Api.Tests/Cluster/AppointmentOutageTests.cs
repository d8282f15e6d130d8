using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using TongBan.Api.Tests.Infrastructure;
using TongBan.Grains.Calendar;
using Xunit.Abstractions;

namespace TongBan.Api.Tests.Cluster;

/// <summary>
/// A booking attempted while PostgreSQL is down is refused (503) every time it is tried, and is stored once the
/// database is back: the appointment book must not keep an unstored booking in memory and hand it to the client's
/// retry with the same idempotency key (the PostgreSQL-restart load run acknowledged two bookings that way and lost them).
/// </summary>
[Collection(PostgresCollection.Name)]
[Trait("Category", "Fault")]
public sealed class AppointmentOutageTests(ITestOutputHelper output)
{
    private const string Hall = "520102-H001";
    private static readonly TimeSpan China = OutageBookings.China;

    [Fact]
    public async Task A_booking_refused_while_PostgreSQL_is_down_is_refused_again_on_retry_and_stored_after_the_restart()
    {
        var total = Stopwatch.StartNew();
        var pg = await PostgresServer.StartOwnAsync();
        var connectionString = await pg.CreateDatabaseAsync("appointment_outage");
        var day = OutageBookings.NextWorkingDay();
        var environment = new Dictionary<string, string?>
        {
            ["TongBan__Silo__Dashboard"] = "false",
            ["Logging__LogLevel__Default"] = "Warning",
            // The books' clock stands at 09:00 on the next working day: the 10:00 slot is bookable.
            ["TongBan__Appointments__TestClockOffset"] = (new DateTimeOffset(day.ToDateTime(new TimeOnly(9, 0)), China) - DateTimeOffset.UtcNow).ToString("c", CultureInfo.InvariantCulture),
            ["TongBan__Privacy__HashKey"] = "appointment-outage-test-privacy-key-0123456789",
        };
        var silo = SiloProcess.Start(connectionString, environment);
        SiloProcess? second = null;
        try
        {
            await silo.WaitReadyAsync(TimeSpan.FromSeconds(120));
            // A takes 10:30; B asks for 10:00, which moves the book's no-show reminder: its registration is the first
            // thing to fail while PostgreSQL is down.
            var (first, firstBody) = await BookAsync(silo, "520102199003070014", "outage-a", day, "10:30");
            Assert.True(first == HttpStatusCode.OK, $"{(int)first} {firstBody}");
            var firstId = JsonDocument.Parse(firstBody).RootElement.GetProperty("appointmentId").GetString()!;

            await pg.StopAsync();
            output.WriteLine($"PostgreSQL stopped at {total.Elapsed.TotalSeconds:F1} s");
            const string Second = "520102198511110022";
            for (var attempt = 1; attempt <= 3; attempt++)
            {
                // The same request with the same key, as a client retries after a 503.
                var (status, body) = await BookAsync(silo, Second, "outage-b", day, "10:00");
                output.WriteLine($"attempt {attempt} while down: {(int)status} {body[..Math.Min(body.Length, 160)]}");
                Assert.True(status == HttpStatusCode.ServiceUnavailable, $"attempt {attempt} while PostgreSQL is down: {(int)status} {body}");
            }

            await pg.StartAgainAsync();
            output.WriteLine($"PostgreSQL started again at {total.Elapsed.TotalSeconds:F1} s");
            string? secondId = null;
            for (var waited = Stopwatch.StartNew(); secondId is null; await Task.Delay(500))
            {
                var (status, body) = await BookAsync(silo, Second, "outage-b", day, "10:00");
                if (status == HttpStatusCode.OK)
                {
                    secondId = JsonDocument.Parse(body).RootElement.GetProperty("appointmentId").GetString();
                }
                else
                {
                    Assert.True(waited.Elapsed < TimeSpan.FromSeconds(30), $"after the restart: {(int)status} {body}");
                }
            }

            // Both bookings are in storage: a new process on the same address (the old one killed) reads them back.
            silo.KillHard();
            second = silo.Restart(connectionString, environment);
            await second.WaitReadyAsync(TimeSpan.FromSeconds(120));
            foreach (var (id, citizen) in new[] { (firstId, "520102199003070014"), (secondId!, Second) })
            {
                using var request = Request(HttpMethod.Get, $"/api/halls/{Hall}/appointments/{id}", citizen);
                using var response = await second.Http.SendAsync(request);
                var body = await response.Content.ReadAsStringAsync();
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"{id} after the restart: {(int)response.StatusCode} {body}");
                Assert.Equal("booked", JsonDocument.Parse(body).RootElement.GetProperty("state").GetString());
            }

            output.WriteLine($"total {total.Elapsed.TotalSeconds:F1} s");
        }
        finally
        {
            await silo.DisposeAsync();
            if (second is not null)
            {
                await second.DisposeAsync();
            }

            await pg.DisposeAsync();
        }
    }

    private static async Task<(HttpStatusCode Status, string Body)> BookAsync(SiloProcess silo, string citizen, string key, DateOnly day, string start)
    {
        using var request = Request(HttpMethod.Post, $"/api/halls/{Hall}/appointments", citizen, new
        {
            date = day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            start,
            category = "A",
            itemCode = "rsj-001",
            applicant = new { name = "李四", idNumber = citizen, phone = "13912345678" },
        });
        request.Headers.Add("Idempotency-Key", key);
        using var response = await silo.Http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static HttpRequestMessage Request(HttpMethod method, string path, string citizen, object? body = null) =>
        OutageBookings.CitizenRequest(method, path, citizen, body);
}
