using System.Diagnostics;
using TongBan.Grains.Appointments;
using TongBan.Grains.Halls;
using TongBan.Grains.Queues;
using Xunit.Abstractions;
using static TongBan.Grains.Tests.Appointments.AppointmentTestKit;

namespace TongBan.Grains.Tests.Appointments;

/// <summary>Appointment books on a TestCluster with a settable appointment clock. Each test owns one hall.</summary>
[Collection(AppointmentClusterCollection.Name)]
[Trait("Category", "Integration")]
public class AppointmentBookGrainTests(AppointmentClusterFixture fixture, ITestOutputHelper output)
{
    private static readonly DateOnly Monday = new(2026, 3, 2);

    private IAppointmentBookGrain Book(string hall, DateOnly date) => fixture.Grains.GetGrain<IAppointmentBookGrain>(AppointmentBookKeys.Of(hall, date));

    private static void Now(DateTimeOffset now) => AppointmentClusterFixture.Clock.SetNow(now);

    private static string Id(int n) => "52010219900307" + n.ToString("0000", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task Book_list_get_and_cancel()
    {
        const string hall = "520102-H001"; // seeded county hall: 10 windows, all list A
        Now(At(2026, 3, 2, 8, 0));
        var book = Book(hall, Monday);
        var slots = (await book.GetSlots("A")).Ok;
        Assert.Equal(14, slots.Count);
        Assert.All(slots, s => Assert.Equal((10, 0, true), (s.Capacity, s.Booked, s.Bookable)));

        var booked = (await book.Book(Request("10:00"))).Ok;
        Assert.Equal(1, (await book.GetSlots("A")).Ok.Single(s => s.Start == booked.SlotStart).Booked);
        Assert.Equal(booked, (await book.Get(booked.AppointmentId)).Ok);

        var cancelled = (await book.Cancel(booked.AppointmentId, "citizen:self")).Ok;
        Assert.Equal(AppointmentState.Cancelled, cancelled.State);
        Assert.Equal(cancelled, (await book.Cancel(booked.AppointmentId, "citizen:self")).Ok); // DELETE retried
        Assert.Equal(0, (await book.GetSlots("A")).Ok.Single(s => s.Start == booked.SlotStart).Booked);
        Assert.Equal(AppointmentViolationCode.UnknownAppointment, (await book.Get(AppointmentIds.Make(hall, Monday, 99))).Violation!.Code);
    }

    [Fact]
    public async Task Full_slot_duplicate_and_idempotent_booking()
    {
        const string hall = "520103-H001"; // category D: one window
        Now(At(2026, 3, 2, 8, 0));
        var book = Book(hall, Monday);
        var first = (await book.Book(Request("10:00", category: "D", key: "key-1"))).Ok;
        var retried = (await book.Book(Request("10:00", category: "D", key: "key-1"))).Ok;
        Assert.Equal(first.AppointmentId, retried.AppointmentId);

        var full = await book.Book(Request("10:00", category: "D", applicant: Applicant(Id(2))));
        Assert.Equal(AppointmentViolationCode.SlotFull, full.Violation!.Code);

        var duplicate = await book.Book(Request("14:00", category: "A", item: "ITEM-1"));
        Assert.Equal(AppointmentViolationCode.DuplicateBooking, duplicate.Violation!.Code);
        Assert.Equal(first.AppointmentId, duplicate.Violation.AppointmentId);

        var conflict = await book.Book(Request("14:00", category: "D", key: "key-1"));
        Assert.Equal(AppointmentViolationCode.IdempotencyKeyConflict, conflict.Violation!.Code);
        Assert.Equal(1, (await book.GetFigures()).Today);
    }

    [Fact]
    public async Task Closed_days_self_service_points_and_the_horizon_are_refused()
    {
        Now(At(2026, 2, 10, 8, 0));
        Assert.Equal(AppointmentViolationCode.HallClosed, (await Book("520111-H001", new DateOnly(2026, 2, 17)).GetSlots("A")).Violation!.Code);
        Assert.True((await Book("520111-H001", new DateOnly(2026, 2, 14)).GetSlots("A")).IsOk); // 调休 Saturday
        Assert.Equal(AppointmentViolationCode.NoAppointments, (await Book("520111-Z001", new DateOnly(2026, 2, 11)).GetSlots("A")).Violation!.Code);
        Assert.Equal(AppointmentViolationCode.BeyondHorizon, (await Book("520111-H001", new DateOnly(2026, 2, 25)).GetSlots("A")).Violation!.Code);
        Assert.Equal(AppointmentViolationCode.DateInPast, (await Book("520111-H001", new DateOnly(2026, 2, 9)).GetSlots("A")).Violation!.Code);
        Assert.Equal(AppointmentViolationCode.UnknownHall, (await Book("520111-H999", new DateOnly(2026, 2, 11)).GetSlots("A")).Violation!.Code);
        Assert.Equal(AppointmentViolationCode.UnknownCategory, (await Book("520111-H001", new DateOnly(2026, 2, 11)).GetSlots("Q")).Violation!.Code);
    }

    [Fact]
    public async Task Reschedule_within_the_day_and_to_another_day()
    {
        const string hall = "520112-H001";
        Now(At(2026, 3, 2, 8, 0));
        var monday = Book(hall, Monday);
        var a = (await monday.Book(Request("10:00"))).Ok;

        var sameDay = (await AppointmentRescheduler.RescheduleAsync(fixture.Grains, a.AppointmentId, Monday, new TimeOnly(14, 0), "clerk:1")).Ok;
        Assert.Equal(At(2026, 3, 2, 14, 0), sameDay.SlotStart);

        var tuesday = new DateOnly(2026, 3, 3);
        var moved = (await AppointmentRescheduler.RescheduleAsync(fixture.Grains, sameDay.AppointmentId, tuesday, new TimeOnly(9, 30), "clerk:1")).Ok;
        Assert.Equal(At(2026, 3, 3, 9, 30), moved.SlotStart);
        Assert.Equal(sameDay.AppointmentId, moved.RescheduledFrom);
        Assert.Equal((AppointmentState.Rescheduled, moved.AppointmentId), ((await monday.Get(sameDay.AppointmentId)).Ok.State, (await monday.Get(sameDay.AppointmentId)).Ok.RescheduledTo));
        Assert.Equal(0, (await monday.GetFigures()).Today);
        Assert.Equal("张*", moved.ApplicantName);
        Assert.Equal(a.ApplicantIdHash, moved.ApplicantIdHash);

        // Retrying the same request answers the same replacement; another target is refused.
        Assert.Equal(moved.AppointmentId, (await AppointmentRescheduler.RescheduleAsync(fixture.Grains, sameDay.AppointmentId, tuesday, new TimeOnly(9, 30), "clerk:1")).Ok.AppointmentId);
        Assert.Equal(AppointmentViolationCode.InvalidState,
            (await AppointmentRescheduler.RescheduleAsync(fixture.Grains, sameDay.AppointmentId, tuesday, new TimeOnly(10, 0), "clerk:1")).Violation!.Code);

        // The target day's rules apply: a Saturday is closed, the old booking stays.
        var closed = await AppointmentRescheduler.RescheduleAsync(fixture.Grains, moved.AppointmentId, new DateOnly(2026, 3, 7), new TimeOnly(10, 0), "clerk:1");
        Assert.Equal(AppointmentViolationCode.HallClosed, closed.Violation!.Code);
        Assert.Equal(AppointmentState.Booked, (await Book(hall, tuesday).Get(moved.AppointmentId)).Ok.State);
    }

    [Fact]
    public async Task Check_in_issues_an_appointment_ticket_from_the_queue_once()
    {
        const string hall = "520113-H001";
        Now(At(2026, 3, 2, 9, 45));
        var book = Book(hall, Monday);
        var a = (await book.Book(Request("10:00"))).Ok;
        var later = (await book.Book(Request("11:00", item: "ITEM-2"))).Ok;

        var receipt = (await book.CheckIn(a.AppointmentId, null)).Ok;
        Assert.Matches("^A[0-9]{3}$", receipt.Ticket.Ticket.Number);
        Assert.Equal(TicketKind.Appointment, receipt.Ticket.Ticket.Kind);
        Assert.Equal(a.SlotStart, receipt.Ticket.Ticket.AppointmentSlotStart);
        Assert.Equal((AppointmentState.CheckedIn, receipt.Ticket.Ticket.Number), (receipt.Appointment.State, receipt.Appointment.TicketNo));

        var queue = fixture.Grains.Line(hall, "A");
        var inQueue = await queue.GetStatus(receipt.Ticket.Ticket.Number);
        Assert.Equal(TicketKind.Appointment, inQueue!.Ticket.Kind);

        // A retried check-in (lost answer, double tap) returns the same ticket; the queue issued one.
        var again = (await book.CheckIn(a.AppointmentId, null)).Ok;
        Assert.Equal(receipt.Ticket.Ticket.Number, again.Ticket.Ticket.Number);
        Assert.Equal(1, (await queue.GetView()).Counts.Issued);

        var early = await book.CheckIn(later.AppointmentId, "5678");
        Assert.Equal(AppointmentViolationCode.CheckInTooEarly, early.Violation!.Code);
        Assert.Contains("10:30", early.Violation.Message, StringComparison.Ordinal);
        Assert.Equal(AppointmentViolationCode.UnknownAppointment, (await book.CheckIn(later.AppointmentId, "0000")).Violation!.Code);
        Assert.Equal(AppointmentViolationCode.InvalidState, (await book.Cancel(a.AppointmentId, "x")).Violation!.Code);
    }

    [Fact]
    public async Task Reminder_releases_a_no_show_without_anyone_reading_the_book()
    {
        const string hall = "520115-H001";
        Now(At(2026, 3, 2, 9, 59, 55)); // check-in closes at 10:00:05 in this fixture
        var book = Book(hall, Monday);
        var a = (await book.Book(Request("10:00"))).Ok;
        var clock = Stopwatch.StartNew();

        // Only the hall is watched: the book reports to it after each change, and the reminder is the only thing
        // that can change the book now.
        var snapshotHall = fixture.Grains.GetGrain<IHallGrain>(hall);
        await WaitFor(async () => (await snapshotHall.GetSnapshot()).AppointmentsToday == 1, TimeSpan.FromSeconds(10));
        Assert.Equal(1, (await snapshotHall.GetSnapshot()).AppointmentsNextHour);
        await WaitFor(async () => (await snapshotHall.GetSnapshot()).AppointmentsToday == 0, TimeSpan.FromSeconds(40));
        output.WriteLine($"no-show released by the reminder {clock.Elapsed.TotalSeconds:0.0} s after booking (deadline was ~10 s ahead)");
        Assert.Equal(0, (await snapshotHall.GetSnapshot()).AppointmentsNextHour);

        var after = (await book.Get(a.AppointmentId)).Ok;
        Assert.Equal(AppointmentState.NoShow, after.State);
        Assert.NotNull(after.NoShowAt);
        Assert.Equal(0, (await book.GetSlots("A")).Ok.Single(s => s.Start == a.SlotStart).Booked);
        Assert.Equal(AppointmentViolationCode.CheckInTooLate, (await book.CheckIn(a.AppointmentId, null)).Violation!.Code);
    }

    private static async Task WaitFor(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(clock.Elapsed < timeout, $"condition not met within {timeout}");
            await Task.Delay(200);
        }
    }
}
