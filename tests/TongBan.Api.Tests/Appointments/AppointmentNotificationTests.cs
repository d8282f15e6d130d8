using System.Net;
using System.Text.Json;
using TongBan.Api.Tests.Support;
using TongBan.Grains.Identity;

namespace TongBan.Api.Tests.Appointments;

/// <summary>
/// 预约成功 and 预约取消 reach an applicant who chose SMS (issue 17): one outbox record each, also when the booking is
/// retried, listed on <c>GET …/appointments/{id}/notifications</c>.
/// </summary>
[Collection(AppointmentAppCollection.Name)]
[Trait("Category", "Integration")]
public class AppointmentNotificationTests(AppointmentApp app)
{
    private const string Hall = "520111-H001";

    private static readonly string IdNumber = "52010219880808121" + ResidentId.CheckCharacter("52010219880808121");

    private object Booking(string phone, object? notify) => new
    {
        date = app.Date(),
        start = "16:00",
        category = "A",
        itemCode = "rsj-001",
        applicant = new { name = "陈十", idNumber = IdNumber, phone },
        notify,
    };

    private static async Task<JsonElement> Read(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static bool IsReminder(JsonElement n) => n.GetProperty("event").GetString()!.StartsWith("appointmentReminder", StringComparison.Ordinal);

    [Fact]
    public async Task A_hall_closure_cancels_the_days_bookings_tells_the_applicant_and_drops_the_reminders()
    {
        const string hall = "520623-H001";
        var id17 = "52010219880808122";
        var idNumber = id17 + ResidentId.CheckCharacter(id17);
        var me = await app.TokenAsync("citizen", subject: idNumber);
        var day = app.Date(2);
        var booked = await Read(await app.SendAsync(HttpMethod.Post, $"/api/halls/{hall}/appointments", me, new
        {
            date = day,
            start = "10:00",
            category = "A",
            itemCode = "rsj-001",
            applicant = new { name = "陈十一", idNumber, phone = "13985004646" },
            notify = new { channels = new[] { "sms" } },
        }));
        var id = booked.GetProperty("appointmentId").GetString()!;
        var list = await Read(await app.SendAsync(HttpMethod.Get, $"/api/halls/{hall}/appointments/{id}/notifications", me));
        Assert.Equal(
            ["appointmentConfirmed", "appointmentReminderDayBefore", "appointmentReminderSoon"],
            list.EnumerateArray().Select(n => n.GetProperty("event").GetString()).Order(StringComparer.Ordinal));

        var manager = await app.TokenAsync("hallManager", hallCode: hall);
        await Read(await app.SendAsync(HttpMethod.Put, $"/api/halls/{hall}/hours/exceptions/{day}", manager, new { kind = "closed", reason = "设备检修" }));
        var view = await Read(await app.SendAsync(HttpMethod.Get, $"/api/halls/{hall}/appointments/{id}", me));
        Assert.Equal("cancelled", view.GetProperty("state").GetString());
        list = await Read(await app.SendAsync(HttpMethod.Get, $"/api/halls/{hall}/appointments/{id}/notifications", me));
        var closed = Assert.Single(list.EnumerateArray(), n => n.GetProperty("event").GetString() == "appointmentCancelledHallClosed");
        Assert.StartsWith("因", closed.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.All(list.EnumerateArray().Where(IsReminder), n => Assert.Equal("cancelled", n.GetProperty("reason").GetString()));

        // Setting the closure again cancels and tells nothing more.
        await Read(await app.SendAsync(HttpMethod.Put, $"/api/halls/{hall}/hours/exceptions/{day}", manager, new { kind = "closed", reason = "设备检修" }));
        Assert.Equal(list.GetArrayLength(), (await Read(await app.SendAsync(HttpMethod.Get, $"/api/halls/{hall}/appointments/{id}/notifications", me))).GetArrayLength());
    }

    [Fact]
    public async Task A_booking_with_SMS_consent_is_confirmed_once_and_its_cancellation_is_told()
    {
        var me = await app.TokenAsync("citizen", subject: IdNumber);
        await ProblemAssert.IsProblem(
            await app.SendAsync(HttpMethod.Post, $"/api/halls/{Hall}/appointments", me, Booking("+85291234567", new { channels = new[] { "sms" } })),
            HttpStatusCode.BadRequest); // SMS needs a mainland mobile

        var booked = await Read(await app.SendAsync(HttpMethod.Post, $"/api/halls/{Hall}/appointments", me, Booking("13985004545", new { channels = new[] { "sms" } }), "notify-book-1"));
        var id = booked.GetProperty("appointmentId").GetString()!;
        var retry = await Read(await app.SendAsync(HttpMethod.Post, $"/api/halls/{Hall}/appointments", me, Booking("13985004545", new { channels = new[] { "sms" } }), "notify-book-1"));
        Assert.Equal(id, retry.GetProperty("appointmentId").GetString());

        var list = await Read(await app.SendAsync(HttpMethod.Get, $"/api/halls/{Hall}/appointments/{id}/notifications", me));
        var confirmed = Assert.Single(list.EnumerateArray(), n => !IsReminder(n));

        // 16:00 today (the shifted clock says 09:50): the day-before moment has passed, the one 30 min before check-in waits for 15:00.
        var soon = Assert.Single(list.EnumerateArray(), IsReminder);
        Assert.Equal("appointmentReminderSoon", soon.GetProperty("event").GetString());
        Assert.Equal("queued", soon.GetProperty("state").GetString());
        Assert.Equal(new DateTimeOffset(app.Today.ToDateTime(new TimeOnly(15, 0)), TimeSpan.FromHours(8)), soon.GetProperty("nextAttemptAt").GetDateTimeOffset());
        Assert.Equal("appointmentConfirmed", confirmed.GetProperty("event").GetString());
        Assert.Equal("sms", confirmed.GetProperty("channel").GetString());
        Assert.Equal("139****4545", confirmed.GetProperty("recipient").GetString());
        Assert.StartsWith("您已预约", confirmed.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Contains(confirmed.GetProperty("state").GetString(), new[] { "queued", "sent" });

        await Read(await app.SendAsync(HttpMethod.Delete, $"/api/halls/{Hall}/appointments/{id}", me));
        list = await Read(await app.SendAsync(HttpMethod.Get, $"/api/halls/{Hall}/appointments/{id}/notifications", me));
        Assert.Equal(new[] { "appointmentConfirmed", "appointmentCancelled" }, list.EnumerateArray().Where(n => !IsReminder(n)).Select(n => n.GetProperty("event").GetString()).ToArray());
        soon = Assert.Single(list.EnumerateArray(), IsReminder);
        Assert.Equal("suppressed", soon.GetProperty("state").GetString());
        Assert.Equal("cancelled", soon.GetProperty("reason").GetString());
        Assert.DoesNotContain("13985004545", list.GetRawText(), StringComparison.Ordinal);

        var stranger = await app.TokenAsync("citizen", subject: "520102199003071236");
        await ProblemAssert.IsProblem(await app.SendAsync(HttpMethod.Get, $"/api/halls/{Hall}/appointments/{id}/notifications", stranger), HttpStatusCode.NotFound);
    }
}
