using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TongBan.Api.Tests.Support;
using TongBan.Grains.Calendar;

namespace TongBan.Api.Tests.Appointments;

/// <summary>Every appointment route through the real host (embedded mode), including every refusal as ProblemDetails.</summary>
[Collection(AppointmentAppCollection.Name)]
[Trait("Category", "Integration")]
public class AppointmentEndpointTests(AppointmentApp app)
{
    private const string Me = "52010219900307001X";
    private const string Someone = "520102198512120023";

    private static object Applicant(string id = Me, string name = "张三", string phone = "13812345678") => new { name, idNumber = id, phone };

    private object Booking(string start = "10:00", string category = "A", string item = "rsj-001", object? applicant = null, int day = 0) =>
        new { date = app.Date(day), start, category, itemCode = item, applicant = applicant ?? Applicant() };

    private async Task<JsonElement> Ok(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement;
    }

    [Fact]
    public async Task Slots_are_public_and_have_the_contract_shape()
    {
        var slots = await Ok(await app.Http.GetAsync($"/api/halls/520121-H001/appointments/slots?date={app.Date()}&category=A"));
        Assert.Equal(14, slots.GetArrayLength());
        var first = slots[0];
        Assert.EndsWith("T09:00:00+08:00", first.GetProperty("start").GetString());
        Assert.EndsWith("T09:30:00+08:00", first.GetProperty("end").GetString());
        Assert.Equal(10, first.GetProperty("capacity").GetInt32());
        Assert.Equal(0, first.GetProperty("booked").GetInt32());
        Assert.False(first.GetProperty("bookable").GetBoolean()); // 09:00 has started (the clock says 09:50)
        Assert.True(slots[2].GetProperty("bookable").GetBoolean()); // 10:00
    }

    [Fact]
    public async Task Citizen_books_for_themself_sees_a_masked_view_and_others_see_nothing()
    {
        const string hall = "520122-H001";
        var me = await app.TokenAsync("citizen", subject: Me);
        var booked = await Ok(await app.SendAsync(HttpMethod.Post, $"/api/halls/{hall}/appointments", me, Booking()));
        var id = booked.GetProperty("appointmentId").GetString()!;
        Assert.StartsWith($"{hall}-{app.Today:yyyyMMdd}-", id, StringComparison.Ordinal);
        Assert.Equal("booked", booked.GetProperty("state").GetString());

        var view = await app.SendAsync(HttpMethod.Get, $"/api/halls/{hall}/appointments/{id}", me);
        var text = await view.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, view.StatusCode);
        Assert.DoesNotContain(Me, text, StringComparison.Ordinal);
        Assert.DoesNotContain("13812345678", text, StringComparison.Ordinal);
        Assert.DoesNotContain("h1:", text, StringComparison.Ordinal);
        var applicant = JsonDocument.Parse(text).RootElement.GetProperty("applicant");
        Assert.Equal("张*", applicant.GetProperty("name").GetString());
        Assert.Equal("138****5678", applicant.GetProperty("phone").GetString());

        var slots = await Ok(await app.Http.GetAsync($"/api/halls/{hall}/appointments/slots?date={app.Date()}&category=A"));
        Assert.Equal(1, slots.EnumerateArray().Single(s => s.GetProperty("start").GetString()!.Contains("T10:00", StringComparison.Ordinal)).GetProperty("booked").GetInt32());

        var other = await app.TokenAsync("citizen", subject: Someone);
        await ProblemAssert.IsProblem(await app.SendAsync(HttpMethod.Get, $"/api/halls/{hall}/appointments/{id}", other), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblem(await app.SendAsync(HttpMethod.Delete, $"/api/halls/{hall}/appointments/{id}", other), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblem(await app.SendAsync(HttpMethod.Post, $"/api/halls/{hall}/appointments/{id}/check-in", other), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblem(await app.SendAsync(HttpMethod.Get, $"/api/halls/{hall}/appointments/{id}", await app.TokenAsync("clerk", "520102-H001")), HttpStatusCode.Forbidden);
        await ProblemAssert.IsProblem(await app.SendAsync(HttpMethod.Get, $"/api/halls/{hall}/appointments/{id}", await app.TokenAsync("supervisor")), HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.SendAsync(HttpMethod.Get, $"/api/halls/{hall}/appointments/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.SendAsync(HttpMethod.Get, $"/api/halls/{hall}/appointments/{id}", await app.TokenAsync("clerk", hall))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.SendAsync(HttpMethod.Get, $"/api/halls/{hall}/appointments/{id}", await app.TokenAsync("hallManager", hall))).StatusCode);

        // A citizen books only for themself.
        var forSomeoneElse = await app.SendAsync(HttpMethod.Post, $"/api/halls/{hall}/appointments", me, Booking(applicant: Applicant(Someone)));
        await ProblemAssert.IsProblem(forSomeoneElse, HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.SendAsync(HttpMethod.Post, $"/api/halls/{hall}/appointments", body: Booking())).StatusCode);
    }

    [Fact]
    public async Task Clerk_books_on_behalf_idempotently_and_conflicts_are_409_with_the_reason()
    {
        const string hall = "520123-H001";
        var clerk = await app.TokenAsync("clerk", hall);
        var first = await Ok(await app.SendAsync(HttpMethod.Post, $"/api/halls/{hall}/appointments", clerk, Booking(category: "D"), "book-1"));
        var retry = await Ok(await app.SendAsync(HttpMethod.Post, $"/api/halls/{hall}/appointments", clerk, Booking(category: "D"), "book-1"));
        Assert.Equal(first.GetProperty("appointmentId").GetString(), retry.GetProperty("appointmentId").GetString());

        var full = await ProblemAssert.IsProblem(
            await app.SendAsync(HttpMethod.Post, $"/api/halls/{hall}/appointments", clerk, Booking(category: "D", applicant: Applicant(Someone))), HttpStatusCode.Conflict);
        Assert.Equal("slotFull", full.GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(full.GetProperty("detailZh").GetString()));

        var duplicate = await ProblemAssert.IsProblem(
            await app.SendAsync(HttpMethod.Post, $"/api/halls/{hall}/appointments", clerk, Booking(start: "14:00")), HttpStatusCode.Conflict);
        Assert.Equal("duplicateBooking", duplicate.GetProperty("code").GetString());
        Assert.Equal(first.GetProperty("appointmentId").GetString(), duplicate.GetProperty("appointmentId").GetString());

        var keyReused = await ProblemAssert.IsProblem(
            await app.SendAsync(HttpMethod.Post, $"/api/halls/{hall}/appointments", clerk, Booking(start: "14:00", category: "D"), "book-1"), HttpStatusCode.Conflict);
        Assert.Equal("idempotencyKeyConflict", keyReused.GetProperty("code").GetString());

        var started = await ProblemAssert.IsProblem(
            await app.SendAsync(HttpMethod.Post, $"/api/halls/{hall}/appointments", clerk, Booking(start: "09:30", item: "sw-001")), HttpStatusCode.Conflict);
        Assert.Equal("slotPast", started.GetProperty("code").GetString());

        await ProblemAssert.IsProblem(
            await app.SendAsync(HttpMethod.Post, $"/api/halls/{hall}/appointments", await app.TokenAsync("clerk", "520102-H001"), Booking(item: "mz-001")), HttpStatusCode.Forbidden);
        await ProblemAssert.IsProblem(
            await app.SendAsync(HttpMethod.Post, $"/api/halls/{hall}/appointments", await app.TokenAsync("hotlineAgent"), Booking(item: "mz-001")), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Check_in_by_the_citizen_the_clerk_or_a_kiosk_gives_one_appointment_ticket()
    {
        const string hall = "520181-H001";
        var me = await app.TokenAsync("citizen", subject: Me);
        var id = (await Ok(await app.SendAsync(HttpMethod.Post, $"/api/halls/{hall}/appointments", me, Booking()))).GetProperty("appointmentId").GetString()!;

        var ticket = await Ok(await app.SendAsync(HttpMethod.Post, $"/api/halls/{hall}/appointments/{id}/check-in", me, idempotencyKey: "ci-1"));
        var ticketNo = ticket.GetProperty("ticketNo").GetString()!;
        Assert.Matches("^A[0-9]{3}$", ticketNo);
        Assert.Equal("appointment", ticket.GetProperty("kind").GetString());
        Assert.Equal("A", ticket.GetProperty("category").GetString());
        Assert.Equal(id, ticket.GetProperty("appointmentId").GetString());
        Assert.True(ticket.TryGetProperty("position", out _));
        Assert.True(ticket.TryGetProperty("predictedWaitMinutes", out _));

        var again = await Ok(await app.SendAsync(HttpMethod.Post, $"/api/halls/{hall}/appointments/{id}/check-in", me, idempotencyKey: "ci-1"));
        Assert.Equal(ticketNo, again.GetProperty("ticketNo").GetString());
        var byClerk = await Ok(await app.SendAsync(HttpMethod.Post, $"/api/halls/{hall}/appointments/{id}/check-in", await app.TokenAsync("clerk", hall)));
        Assert.Equal(ticketNo, byClerk.GetProperty("ticketNo").GetString());
        var view = await Ok(await app.SendAsync(HttpMethod.Get, $"/api/halls/{hall}/appointments/{id}", me));
        Assert.Equal(("checkedIn", ticketNo), (view.GetProperty("state").GetString(), view.GetProperty("ticketNo").GetString()));

        // A kiosk: no token, the appointment id and the last four phone digits.
        var clerk = await app.TokenAsync("clerk", hall);
        var other = (await Ok(await app.SendAsync(HttpMethod.Post, $"/api/halls/{hall}/appointments", clerk, Booking(applicant: Applicant(Someone, "李四", "13900001234")))))
            .GetProperty("appointmentId").GetString()!;
        await ProblemAssert.IsProblem(await app.SendAsync(HttpMethod.Post, $"/api/halls/{hall}/appointments/{other}/check-in", body: new { phoneLast4 = "9999" }), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblem(await app.SendAsync(HttpMethod.Post, $"/api/halls/{hall}/appointments/{other}/check-in"), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblem(await app.SendAsync(HttpMethod.Post, $"/api/halls/{hall}/appointments/{other}/check-in", body: new { phoneLast4 = "12a4" }), HttpStatusCode.BadRequest);
        var kiosk = await Ok(await app.SendAsync(HttpMethod.Post, $"/api/halls/{hall}/appointments/{other}/check-in", body: new { phoneLast4 = "1234" }));
        Assert.NotEqual(ticketNo, kiosk.GetProperty("ticketNo").GetString());

        // Outside the window: the 11:00 slot opens for check-in at 10:30.
        var later = (await Ok(await app.SendAsync(HttpMethod.Post, $"/api/halls/{hall}/appointments", me, Booking(start: "11:00", item: "rsj-002")))).GetProperty("appointmentId").GetString()!;
        var early = await ProblemAssert.IsProblem(await app.SendAsync(HttpMethod.Post, $"/api/halls/{hall}/appointments/{later}/check-in", me), HttpStatusCode.Conflict);
        Assert.Equal("checkInTooEarly", early.GetProperty("code").GetString());
        Assert.Contains("10:30", early.GetProperty("detail").GetString(), StringComparison.Ordinal);

        // Once checked in it can no longer be cancelled.
        var cancel = await ProblemAssert.IsProblem(await app.SendAsync(HttpMethod.Delete, $"/api/halls/{hall}/appointments/{id}", me), HttpStatusCode.Conflict);
        Assert.Equal("invalidState", cancel.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Cancel_and_reschedule()
    {
        const string hall = "520113-H001";
        var me = await app.TokenAsync("citizen", subject: Me);
        var id = (await Ok(await app.SendAsync(HttpMethod.Post, $"/api/halls/{hall}/appointments", me, Booking(start: "10:30")))).GetProperty("appointmentId").GetString()!;

        var nextDay = NextOpenDay(1);
        var moved = await Ok(await app.SendAsync(HttpMethod.Put, $"/api/halls/{hall}/appointments/{id}", me, new { date = nextDay, start = "14:00" }));
        var newId = moved.GetProperty("appointmentId").GetString()!;
        Assert.NotEqual(id, newId);
        Assert.Equal(id, moved.GetProperty("rescheduledFrom").GetString());
        Assert.Equal(nextDay, moved.GetProperty("date").GetString());
        var old = await Ok(await app.SendAsync(HttpMethod.Get, $"/api/halls/{hall}/appointments/{id}", me));
        Assert.Equal(("rescheduled", newId), (old.GetProperty("state").GetString(), old.GetProperty("rescheduledTo").GetString()));

        var cancelled = await Ok(await app.SendAsync(HttpMethod.Delete, $"/api/halls/{hall}/appointments/{newId}", me));
        Assert.Equal("cancelled", cancelled.GetProperty("state").GetString());
        Assert.Equal("cancelled", (await Ok(await app.SendAsync(HttpMethod.Delete, $"/api/halls/{hall}/appointments/{newId}", me))).GetProperty("state").GetString());
        var after = await ProblemAssert.IsProblem(await app.SendAsync(HttpMethod.Put, $"/api/halls/{hall}/appointments/{newId}", me, new { date = nextDay, start = "15:00" }), HttpStatusCode.Conflict);
        Assert.Equal("invalidState", after.GetProperty("code").GetString());

        // Booking the item again after cancelling is allowed.
        Assert.Equal(HttpStatusCode.OK, (await app.SendAsync(HttpMethod.Post, $"/api/halls/{hall}/appointments", me, Booking(start: "15:00", day: 0))).StatusCode);
    }

    public static TheoryData<string, HttpStatusCode> BadSlotQueries() => new()
    {
        { "/api/halls/nonsense/appointments/slots?date={today}&category=A", HttpStatusCode.BadRequest },
        { "/api/halls/520102-H999/appointments/slots?date={today}&category=A", HttpStatusCode.NotFound },
        { "/api/halls/520102-H001/appointments/slots?date={today}&category=Q", HttpStatusCode.NotFound },
        { "/api/halls/520102-H001/appointments/slots?date={today}", HttpStatusCode.BadRequest },
        { "/api/halls/520102-H001/appointments/slots?date={today}&category=" + "AAAAAAAAA", HttpStatusCode.BadRequest },
        { "/api/halls/520102-H001/appointments/slots?category=A", HttpStatusCode.BadRequest },
        { "/api/halls/520102-H001/appointments/slots?date=2026-13-01&category=A", HttpStatusCode.BadRequest },
        { "/api/halls/520102-H001/appointments/slots?date=tomorrow&category=A", HttpStatusCode.BadRequest },
        { "/api/halls/520102-H001/appointments/slots?date={yesterday}&category=A", HttpStatusCode.BadRequest },
        { "/api/halls/520102-H001/appointments/slots?date={beyond}&category=A", HttpStatusCode.BadRequest },
        { "/api/halls/520102-H001/appointments/slots?date={closed}&category=A", HttpStatusCode.Conflict },
        { "/api/halls/520102-Z001/appointments/slots?date={today}&category=A", HttpStatusCode.Conflict },
    };

    [Theory]
    [MemberData(nameof(BadSlotQueries))]
    public async Task Bad_slot_queries_are_problems(string url, HttpStatusCode status) =>
        await ProblemAssert.IsProblem(await app.Http.GetAsync(Expand(url)), status);

    public static TheoryData<string, HttpStatusCode> BadBookings() => new()
    {
        { """{"date":"{today}","start":"10:00","category":"A","itemCode":"rsj-001","applicant":{"name":"张三","idNumber":"5201021990030700","phone":"13812345678"}}""", HttpStatusCode.BadRequest },
        { """{"date":"{today}","start":"10:00","category":"A","itemCode":"rsj-001","applicant":{"name":"{longName}","idNumber":"52010219900307001X","phone":"13812345678"}}""", HttpStatusCode.BadRequest },
        { """{"date":"{today}","start":"10:00","category":"A","itemCode":"rsj-001","applicant":{"name":"张三","idNumber":"52010219900307001X","phone":"12"}}""", HttpStatusCode.BadRequest },
        { """{"date":"{today}","start":"10:00","category":"A","itemCode":"rsj-001"}""", HttpStatusCode.BadRequest },
        { """{"date":"{today}","start":"10:00","category":"A","itemCode":"{longItem}","applicant":{"name":"张三","idNumber":"52010219900307001X","phone":"13812345678"}}""", HttpStatusCode.BadRequest },
        { """{"date":"{today}","start":"25:00","category":"A","itemCode":"rsj-001","applicant":{"name":"张三","idNumber":"52010219900307001X","phone":"13812345678"}}""", HttpStatusCode.BadRequest },
        { """{"date":"{today}","start":"10:15","category":"A","itemCode":"rsj-001","applicant":{"name":"张三","idNumber":"52010219900307001X","phone":"13812345678"}}""", HttpStatusCode.BadRequest },
        { """{"date":"{today}","start":"12:00","category":"A","itemCode":"rsj-001","applicant":{"name":"张三","idNumber":"52010219900307001X","phone":"13812345678"}}""", HttpStatusCode.BadRequest },
        { """{"date":"{yesterday}","start":"10:00","category":"A","itemCode":"rsj-001","applicant":{"name":"张三","idNumber":"52010219900307001X","phone":"13812345678"}}""", HttpStatusCode.BadRequest },
        { """{"date":"{beyond}","start":"10:00","category":"A","itemCode":"rsj-001","applicant":{"name":"张三","idNumber":"52010219900307001X","phone":"13812345678"}}""", HttpStatusCode.BadRequest },
        { """{"date":"{closed}","start":"10:00","category":"A","itemCode":"rsj-001","applicant":{"name":"张三","idNumber":"52010219900307001X","phone":"13812345678"}}""", HttpStatusCode.Conflict },
        { """{"date":"{today}","start":"10:00","category":"Q","itemCode":"rsj-001","applicant":{"name":"张三","idNumber":"52010219900307001X","phone":"13812345678"}}""", HttpStatusCode.NotFound },
        { """{"date":"{today}","start":"10:00","category":"A","itemCode":"rsj-001","applicant":""", HttpStatusCode.BadRequest },
        { """[1,2,3]""", HttpStatusCode.BadRequest },
    };

    [Theory]
    [MemberData(nameof(BadBookings))]
    public async Task Bad_bookings_are_problems_never_500(string json, HttpStatusCode status)
    {
        var admin = await app.TokenAsync("admin");
        await ProblemAssert.IsProblem(await app.SendAsync(HttpMethod.Post, "/api/halls/520102-H001/appointments", admin, Expand(json)), status);
    }

    [Fact]
    public async Task Bad_ids_halls_and_headers_are_problems()
    {
        var admin = await app.TokenAsync("admin");
        var real = TongBan.Grains.Appointments.AppointmentIds.Make("520102-H001", app.Today, 1);
        var typo = real[..^1] + (real[^1] == 'A' ? 'B' : 'A');
        await ProblemAssert.IsProblem(await app.SendAsync(HttpMethod.Get, "/api/halls/520102-H001/appointments/nonsense", admin), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblem(await app.SendAsync(HttpMethod.Get, $"/api/halls/520102-H001/appointments/{typo}", admin), HttpStatusCode.BadRequest); // wrong check letter
        var unknown = TongBan.Grains.Appointments.AppointmentIds.Make("520102-H001", app.Today, 987);
        await ProblemAssert.IsProblem(await app.SendAsync(HttpMethod.Get, $"/api/halls/520102-H001/appointments/{unknown}", admin), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblem(await app.SendAsync(HttpMethod.Delete, $"/api/halls/520102-H001/appointments/{unknown}", admin), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblem(await app.SendAsync(HttpMethod.Post, $"/api/halls/520102-H001/appointments/{unknown}/check-in", admin), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblem(await app.SendAsync(HttpMethod.Put, $"/api/halls/520102-H001/appointments/{unknown}", admin, new { date = app.Date(), start = "14:00" }), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblem(await app.SendAsync(HttpMethod.Put, $"/api/halls/520102-H001/appointments/{unknown}", admin, new { date = "x", start = "14:00" }), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblem(await app.SendAsync(HttpMethod.Get, $"/api/halls/520103-H001/appointments/{unknown}", admin), HttpStatusCode.NotFound); // id of another hall
        await ProblemAssert.IsProblem(await app.SendAsync(HttpMethod.Get, $"/api/halls/520102-H999/appointments/{unknown}", admin), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblem(await app.SendAsync(HttpMethod.Post, $"/api/halls/520102-H999/appointments/{unknown}/check-in", admin), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblem(
            await app.SendAsync(HttpMethod.Post, "/api/halls/520102-H001/appointments", admin, Booking(item: "jt-001"), new string('k', 201)), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblem(await app.SendAsync(HttpMethod.Post, $"/api/halls/520102-H001/appointments/{unknown}/check-in", body: "{\"phoneLast4\":"), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblem(await app.SendAsync(HttpMethod.Post, $"/api/halls/520102-H001/appointments/{unknown}/check-in", body: new { phoneLast4 = "1234" }), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblem(
            await app.SendAsync(HttpMethod.Post, $"/api/halls/520102-H001/appointments/{unknown}/check-in", admin, idempotencyKey: new string('k', 201)), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task OpenApi_documents_the_appointment_routes()
    {
        var doc = JsonDocument.Parse(await app.Http.GetStringAsync("/openapi/v1.json")).RootElement.GetProperty("paths");
        foreach (var path in new[] { "/api/halls/{hallCode}/appointments/slots", "/api/halls/{hallCode}/appointments/", "/api/halls/{hallCode}/appointments/{id}", "/api/halls/{hallCode}/appointments/{id}/check-in" })
        {
            Assert.True(doc.TryGetProperty(path, out var item) || doc.TryGetProperty(path.TrimEnd('/'), out item), path);
            foreach (var operation in item.EnumerateObject())
            {
                Assert.False(string.IsNullOrEmpty(operation.Value.GetProperty("summary").GetString()), $"{operation.Name} {path}");
            }
        }
    }

    private string NextOpenDay(int from)
    {
        var calendar = WorkingDayCalendar.LoadEmbedded();
        var day = app.Today.AddDays(from);
        while (!calendar.IsWorkingDay(day))
        {
            day = day.AddDays(1);
        }

        return day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
    }

    private string Expand(string text)
    {
        var calendar = WorkingDayCalendar.LoadEmbedded();
        var closed = app.Today.AddDays(1);
        while (calendar.IsWorkingDay(closed))
        {
            closed = closed.AddDays(1);
        }

        return text
            .Replace("{today}", app.Date(), StringComparison.Ordinal)
            .Replace("{yesterday}", app.Date(-1), StringComparison.Ordinal)
            .Replace("{beyond}", app.Date(15), StringComparison.Ordinal)
            .Replace("{closed}", closed.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{longName}", new string('名', 51), StringComparison.Ordinal)
            .Replace("{longItem}", new string('I', 65), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_hotline_lists_a_callers_appointments_with_their_cases_by_ID_number()
    {
        const string hall = "520123-H001";
        var idNumber = CaseDriver.Id("52010219870707123");
        var me = await app.TokenAsync("citizen", subject: idNumber);
        var booked = await Ok(await app.SendAsync(HttpMethod.Post, $"/api/halls/{hall}/appointments", me, Booking(start: "15:00", applicant: Applicant(idNumber, "周九", "13985002323"))));
        var id = booked.GetProperty("appointmentId").GetString()!;

        var agent = await app.TokenAsync("hotlineAgent", subject: "agent-appointments");
        var listed = await Ok(await app.SendAsync(HttpMethod.Post, "/api/hotline/callers/cases", agent, new { idNumber }));
        var line = Assert.Single(listed.EnumerateArray(), l => l.GetProperty("kind").GetString() == "appointment");
        Assert.Equal((id, hall, "booked", "已预约"), (line.GetProperty("appointmentId").GetString(), line.GetProperty("hallCode").GetString(),
            line.GetProperty("status").GetString(), line.GetProperty("statusName").GetString()));
        Assert.Equal(JsonValueKind.Null, line.GetProperty("caseNo").ValueKind);
        Assert.DoesNotContain(idNumber, listed.GetRawText(), StringComparison.Ordinal);

        await Ok(await app.SendAsync(HttpMethod.Delete, $"/api/halls/{hall}/appointments/{id}", me));
        listed = await Ok(await app.SendAsync(HttpMethod.Post, "/api/hotline/callers/cases", agent, new { idNumber }));
        Assert.Equal("cancelled", Assert.Single(listed.EnumerateArray(), l => l.GetProperty("appointmentId").GetString() == id).GetProperty("status").GetString());

        // Someone else's look-up does not see it.
        var other = await Ok(await app.SendAsync(HttpMethod.Post, "/api/hotline/callers/cases", agent, new { idNumber = CaseDriver.Id("52010219851212002") }));
        Assert.DoesNotContain(other.EnumerateArray(), l => l.GetProperty("appointmentId").GetString() == id);
    }
}
