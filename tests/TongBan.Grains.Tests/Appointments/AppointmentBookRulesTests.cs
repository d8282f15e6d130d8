using TongBan.Grains.Appointments;
using TongBan.Grains.Halls;
using static TongBan.Grains.Tests.Appointments.AppointmentTestKit;

namespace TongBan.Grains.Tests.Appointments;

/// <summary>The pure booking rules of <see cref="AppointmentBook"/>, with explicit times.</summary>
[Trait("Category", "Unit")]
public class AppointmentBookRulesTests
{
    private static readonly DateOnly Monday = new(2026, 3, 2);
    private static readonly DateTimeOffset EarlyMonday = At(2026, 3, 2, 8, 0);

    private readonly ServicePoint hall = Hall();
    private readonly AppointmentOptions options = new();
    private readonly AppointmentBook book;
    private readonly DayPlan plan;

    public AppointmentBookRulesTests()
    {
        book = new AppointmentBook(new AppointmentBookState(), hall.Code, Monday, options);
        plan = SlotPlanner.Plan(hall, Monday, OfficialCalendar, options.SlotMinutes);
    }

    private AppointmentResult<AppointmentDetails> Book(BookingRequest request, DateTimeOffset? now = null) =>
        book.Book(hall, plan, request, now ?? EarlyMonday);

    private static string Id(int n) => "52010219900307" + n.ToString("0000", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void Booking_holds_a_place_and_masks_the_applicant()
    {
        var booked = Book(Request("10:00")).Ok;
        Assert.Equal(AppointmentState.Booked, booked.State);
        Assert.Equal(At(2026, 3, 2, 10, 0), booked.SlotStart);
        Assert.Equal(At(2026, 3, 2, 10, 30), booked.SlotEnd);
        Assert.Equal("张*", booked.ApplicantName);
        Assert.Equal("138****5678", booked.ApplicantPhone);
        Assert.StartsWith("h1:", booked.ApplicantIdHash, StringComparison.Ordinal);
        Assert.DoesNotContain("52010219900307001X", booked.ApplicantIdHash, StringComparison.Ordinal);
        Assert.Equal(At(2026, 3, 2, 9, 30), booked.CheckInOpensAt);
        Assert.Equal(At(2026, 3, 2, 10, 15), booked.CheckInClosesAt);
        Assert.True(AppointmentIds.TryParse(booked.AppointmentId, out var code, out var date, out var seq));
        Assert.Equal((hall.Code, Monday, 1), (code, date, seq));

        var slot = book.Slots(hall, plan, "A", EarlyMonday).Ok.Single(s => s.Start == booked.SlotStart);
        Assert.Equal((4, 1, true), (slot.Capacity, slot.Booked, slot.Bookable));
    }

    [Fact]
    public void A_full_slot_is_refused_and_other_categories_have_their_own_places()
    {
        for (var i = 1; i <= 4; i++)
        {
            Assert.True(Book(Request("10:00", applicant: Applicant(Id(i)))).IsOk);
        }

        var full = Book(Request("10:00", applicant: Applicant(Id(5))));
        Assert.Equal(AppointmentViolationCode.SlotFull, full.Violation!.Code);
        Assert.Contains("4 of 4", full.Violation.Message, StringComparison.Ordinal);
        Assert.True(Book(Request("10:00", category: "B", applicant: Applicant(Id(5)))).IsOk);
        Assert.Equal(AppointmentViolationCode.SlotFull, Book(Request("10:00", category: "B", applicant: Applicant(Id(6)))).Violation!.Code);
        Assert.False(book.Slots(hall, plan, "A", EarlyMonday).Ok.Single(s => s.Start.Hour == 10 && s.Start.Minute == 0).Bookable);
    }

    [Fact]
    public void One_active_booking_per_applicant_per_item_per_day()
    {
        var first = Book(Request("10:00")).Ok;
        var second = Book(Request("14:00"));
        Assert.Equal(AppointmentViolationCode.DuplicateBooking, second.Violation!.Code);
        Assert.Equal(first.AppointmentId, second.Violation.AppointmentId);

        Assert.True(Book(Request("14:00", item: "ITEM-2")).IsOk); // another item is fine
        Assert.True(Book(Request("14:00", applicant: Applicant(Id(9)))).IsOk); // another applicant too

        // A lower-case x in the ID number is the same person.
        Assert.Equal(AppointmentViolationCode.DuplicateBooking, Book(Request("15:00", applicant: Applicant("52010219900307001x"))).Violation!.Code);

        book.Cancel(first.AppointmentId, "citizen:self", EarlyMonday);
        Assert.True(Book(Request("15:00")).IsOk); // a cancelled booking no longer counts
    }

    [Fact]
    public void Same_idempotency_key_returns_the_same_appointment_and_a_different_request_is_a_conflict()
    {
        var first = Book(Request("10:00", key: "k-1")).Ok;
        var again = Book(Request("10:00", key: "k-1")).Ok;
        Assert.Equal(first.AppointmentId, again.AppointmentId);
        Assert.Single(book.State.Appointments);

        var other = Book(Request("10:30", key: "k-1"));
        Assert.Equal(AppointmentViolationCode.IdempotencyKeyConflict, other.Violation!.Code);
    }

    [Fact]
    public void Started_slots_unknown_starts_and_unknown_categories_are_refused()
    {
        var at1001 = At(2026, 3, 2, 10, 1);
        Assert.Equal(AppointmentViolationCode.SlotPast, Book(Request("10:00"), at1001).Violation!.Code);
        Assert.Equal(AppointmentViolationCode.SlotPast, Book(Request("10:00"), At(2026, 3, 2, 10, 0)).Violation!.Code);
        Assert.True(Book(Request("10:30"), at1001).IsOk);
        Assert.Equal(AppointmentViolationCode.NotASlot, Book(Request("12:00")).Violation!.Code); // lunch break
        Assert.Equal(AppointmentViolationCode.NotASlot, Book(Request("10:15")).Violation!.Code);
        Assert.Equal(AppointmentViolationCode.UnknownCategory, Book(Request("10:00", category: "Q")).Violation!.Code);
        Assert.Equal(AppointmentViolationCode.InvalidRequest, Book(Request("10:00", category: "A!")).Violation!.Code);
        Assert.False(book.Slots(hall, plan, "A", at1001).Ok.First(s => s.Start.Hour == 10).Bookable);
    }

    [Fact]
    public void Dates_in_the_past_beyond_the_horizon_or_closed_are_refused()
    {
        AppointmentViolationCode Refusal(DateOnly date, DateTimeOffset now)
        {
            var b = new AppointmentBook(new AppointmentBookState(), hall.Code, date, options);
            return b.Book(hall, SlotPlanner.Plan(hall, date, OfficialCalendar, 30), Request("10:00"), now).Violation!.Code;
        }

        Assert.Equal(AppointmentViolationCode.DateInPast, Refusal(new DateOnly(2026, 3, 2), At(2026, 3, 3, 8, 0)));
        Assert.Equal(AppointmentViolationCode.BeyondHorizon, Refusal(new DateOnly(2026, 3, 17), At(2026, 3, 2, 8, 0))); // day 15
        Assert.Equal(AppointmentViolationCode.HallClosed, Refusal(new DateOnly(2026, 3, 7), At(2026, 3, 2, 8, 0))); // Saturday
        Assert.Equal(AppointmentViolationCode.HallClosed, Refusal(new DateOnly(2026, 2, 17), At(2026, 2, 10, 8, 0))); // 春节

        var lastDay = new AppointmentBook(new AppointmentBookState(), hall.Code, new DateOnly(2026, 3, 16), options);
        Assert.True(lastDay.Book(hall, SlotPlanner.Plan(hall, new DateOnly(2026, 3, 16), OfficialCalendar, 30), Request("10:00"), At(2026, 3, 2, 8, 0)).IsOk); // day 14

        var self = SelfService();
        var selfBook = new AppointmentBook(new AppointmentBookState(), self.Code, Monday, options);
        var refused = selfBook.Slots(self, SlotPlanner.Plan(self, Monday, OfficialCalendar, 30), "A", EarlyMonday);
        Assert.Equal(AppointmentViolationCode.NoAppointments, refused.Violation!.Code);
    }

    [Fact]
    public void Check_in_window_and_no_show_release()
    {
        var a = Book(Request("10:00")).Ok;
        Assert.Equal(AppointmentViolationCode.CheckInTooEarly, book.CanCheckIn(a.AppointmentId, At(2026, 3, 2, 9, 29, 59)).Violation!.Code);
        Assert.True(book.CanCheckIn(a.AppointmentId, At(2026, 3, 2, 9, 30)).IsOk);
        Assert.True(book.CanCheckIn(a.AppointmentId, At(2026, 3, 2, 10, 15)).IsOk);
        Assert.Equal(AppointmentViolationCode.CheckInTooLate, book.CanCheckIn(a.AppointmentId, At(2026, 3, 2, 10, 15, 1)).Violation!.Code);

        Assert.Equal(At(2026, 3, 2, 10, 15), book.NextDeadline());
        Assert.Empty(book.ApplyNoShows(At(2026, 3, 2, 10, 15)));
        var released = book.ApplyNoShows(At(2026, 3, 2, 10, 15, 1));
        Assert.Equal(a.AppointmentId, Assert.Single(released).Id);
        Assert.Equal(AppointmentState.NoShow, book.Get(a.AppointmentId).Ok.State);
        Assert.Null(book.NextDeadline());
        Assert.Equal(0, book.Slots(hall, plan, "A", At(2026, 3, 2, 10, 16)).Ok.Single(s => s.Start == a.SlotStart).Booked);
        Assert.Equal(AppointmentViolationCode.CheckInTooLate, book.CanCheckIn(a.AppointmentId, At(2026, 3, 2, 10, 16)).Violation!.Code);
        Assert.Equal(AppointmentViolationCode.InvalidState, book.Cancel(a.AppointmentId, "x", At(2026, 3, 2, 10, 16)).Violation!.Code);
    }

    [Fact]
    public void Checked_in_appointments_keep_their_place_and_are_not_no_shows()
    {
        var a = Book(Request("10:00")).Ok;
        var entry = book.CanCheckIn(a.AppointmentId, At(2026, 3, 2, 9, 50)).Ok;
        var done = book.CompleteCheckIn(entry, "A001", At(2026, 3, 2, 9, 50));
        Assert.Equal((AppointmentState.CheckedIn, "A001"), (done.State, done.TicketNo));
        Assert.Empty(book.ApplyNoShows(At(2026, 3, 2, 11, 0)));
        Assert.True(book.CanCheckIn(a.AppointmentId, At(2026, 3, 2, 11, 0)).IsOk); // a repeated check-in answers again
        Assert.Equal(1, book.Slots(hall, plan, "A", At(2026, 3, 2, 11, 0)).Ok.Single(s => s.Start == a.SlotStart).Booked);
        Assert.Equal(AppointmentViolationCode.InvalidState, book.Cancel(a.AppointmentId, "x", At(2026, 3, 2, 11, 0)).Violation!.Code);
    }

    [Fact]
    public void Figures_count_today_and_the_next_hour()
    {
        Book(Request("10:00"));
        Book(Request("10:30", applicant: Applicant(Id(2))));
        Book(Request("14:00", applicant: Applicant(Id(3))));
        Assert.Equal(new BookFigures(3, 2), book.Figures(At(2026, 3, 2, 9, 45)));
        Assert.Equal(new BookFigures(3, 1), book.Figures(At(2026, 3, 2, 10, 20))); // 10:00 still expected until 10:15, then gone
        book.ApplyNoShows(At(2026, 3, 2, 10, 20));
        Assert.Equal(new BookFigures(2, 1), book.Figures(At(2026, 3, 2, 10, 20)));
    }

    [Fact]
    public void Rescheduling_within_the_day_moves_the_place_and_a_retry_answers_the_same()
    {
        var a = Book(Request("10:00")).Ok;
        var moved = book.Reschedule(hall, plan, a.AppointmentId, new TimeOnly(14, 0), "citizen:self", EarlyMonday).Ok;
        Assert.NotEqual(a.AppointmentId, moved.AppointmentId);
        Assert.Equal(At(2026, 3, 2, 14, 0), moved.SlotStart);
        Assert.Equal(a.AppointmentId, moved.RescheduledFrom);
        var old = book.Get(a.AppointmentId).Ok;
        Assert.Equal((AppointmentState.Rescheduled, moved.AppointmentId), (old.State, old.RescheduledTo));
        Assert.Equal(moved.AppointmentId, book.Reschedule(hall, plan, a.AppointmentId, new TimeOnly(14, 0), "c", EarlyMonday).Ok.AppointmentId);
        Assert.Equal(AppointmentViolationCode.InvalidState, book.Reschedule(hall, plan, a.AppointmentId, new TimeOnly(15, 0), "c", EarlyMonday).Violation!.Code);

        // The same rules: a full target slot refuses, and the old place stays.
        for (var i = 1; i <= 4; i++)
        {
            Book(Request("15:00", applicant: Applicant(Id(i))));
        }

        Assert.Equal(AppointmentViolationCode.SlotFull, book.Reschedule(hall, plan, moved.AppointmentId, new TimeOnly(15, 0), "c", EarlyMonday).Violation!.Code);
        Assert.Equal(AppointmentState.Booked, book.Get(moved.AppointmentId).Ok.State);
    }

    [Fact]
    public void Kiosk_proof_is_the_last_four_phone_digits_and_locks_after_repeated_failures()
    {
        var a = Book(Request("10:00")).Ok;
        Assert.Null(book.VerifyProof(a.AppointmentId, "5678").Refused);
        var wrong = new List<AppointmentViolation>();
        for (var i = 0; i < options.MaxProofFailures; i++)
        {
            var (refused, changed) = book.VerifyProof(a.AppointmentId, "0000");
            Assert.Equal(AppointmentViolationCode.UnknownAppointment, refused!.Code);
            Assert.True(changed);
            wrong.Add(refused);
        }

        // Locked, wrong and unknown look alike, so a kiosk cannot be used to find out which ids exist.
        var locked = book.VerifyProof(a.AppointmentId, "5678");
        Assert.Equal(wrong[0], locked.Refused);
        var unknownId = AppointmentIds.Make(hall.Code, Monday, 99);
        Assert.Equal(wrong[0].Message.Replace(a.AppointmentId, unknownId, StringComparison.Ordinal), book.VerifyProof(unknownId, "5678").Refused!.Message);
    }
}

[Trait("Category", "Unit")]
public class AppointmentIdAndApplicantTests
{
    [Fact]
    public void Ids_round_trip_and_a_typo_is_caught_by_the_check_letter()
    {
        var id = AppointmentIds.Make("520102-H001", new DateOnly(2026, 3, 2), 7);
        Assert.Matches("^520102-H001-20260302-007[A-Z]$", id);
        Assert.True(AppointmentIds.TryParse(id, out var hall, out var date, out var seq));
        Assert.Equal(("520102-H001", new DateOnly(2026, 3, 2), 7), (hall, date, seq));

        Assert.False(AppointmentIds.TryParse(id.Replace("-007", "-008", StringComparison.Ordinal), out _, out _, out _));
        Assert.False(AppointmentIds.TryParse(id.Replace("H001", "H002", StringComparison.Ordinal), out _, out _, out _));
        Assert.False(AppointmentIds.TryParse("520102-H001-20260230-001" + "A", out _, out _, out _)); // 30 February
        Assert.False(AppointmentIds.TryParse("nonsense", out _, out _, out _));
        Assert.False(AppointmentIds.TryParse(null, out _, out _, out _));
        Assert.True(AppointmentIds.TryParse(AppointmentIds.Make("520102-H001", new DateOnly(2026, 3, 2), 1234), out _, out _, out var big));
        Assert.Equal(1234, big);
    }

    [Theory]
    [InlineData("张三", "张*")]
    [InlineData("欧阳娜娜", "欧***")]
    [InlineData("李", "李*")]
    public void Names_are_masked_after_the_first_character(string name, string masked) => Assert.Equal(masked, ApplicantRules.MaskName(name));

    [Theory]
    [InlineData("13812345678", "138****5678")]
    [InlineData("+8613812345678", "861******5678")]
    [InlineData("0851-5551234", "085****1234")]
    [InlineData("555 1234", "***1234")]
    public void Phones_are_masked_to_the_first_three_and_last_four_digits(string phone, string masked) =>
        Assert.Equal(masked, ApplicantRules.MaskPhone(ApplicantRules.NormalizePhone(phone)!));

    [Fact]
    public void Light_validation_names_each_bad_field()
    {
        Assert.Empty(ApplicantRules.Validate(new ApplicantInput("张三", "52010219900307001x", "138 1234 5678")));
        var errors = ApplicantRules.Validate(new ApplicantInput(" ", "5201021990030700", "12"));
        Assert.Equal(["applicant.idNumber", "applicant.name", "applicant.phone"], errors.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("applicant.name", ApplicantRules.Validate(new ApplicantInput(new string('名', 51), "52010219900307001X", "13812345678")).Keys);
        Assert.Contains("applicant", ApplicantRules.Validate(null).Keys);
    }

    [Fact]
    public void Keyed_hashes_depend_on_the_key_and_never_contain_the_number()
    {
        var a = ApplicantHasher.FromText("key-one-0123456789abcdef0123456789abcdef");
        var b = ApplicantHasher.FromText("key-two-0123456789abcdef0123456789abcdef");
        var h = a.HashResidentId("52010219900307001X");
        Assert.Equal(h, a.HashResidentId(" 52010219900307001x "));
        Assert.NotEqual(h, b.HashResidentId("52010219900307001X"));
        Assert.DoesNotContain("1990", h, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => ApplicantHasher.FromText("short"));
    }
}
