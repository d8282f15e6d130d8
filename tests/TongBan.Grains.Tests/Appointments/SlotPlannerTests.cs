using TongBan.Grains.Appointments;
using TongBan.Grains.Halls;
using static TongBan.Grains.Tests.Appointments.AppointmentTestKit;

namespace TongBan.Grains.Tests.Appointments;

[Trait("Category", "Unit")]
public class SlotPlannerTests
{
    private static DayPlan Plan(ServicePoint point, DateOnly date, int slotMinutes = 30) => SlotPlanner.Plan(point, date, OfficialCalendar, slotMinutes);

    [Fact]
    public void A_working_day_has_thirty_minute_slots_in_each_session_and_none_across_the_lunch_break()
    {
        var plan = Plan(Hall(), new DateOnly(2026, 3, 2)); // Monday
        Assert.Equal(DayStatus.Open, plan.Status);
        Assert.Equal(6 + 8, plan.Slots.Count); // 09:00-12:00 and 13:00-17:00
        Assert.Equal(new SlotTime(new TimeOnly(9, 0), new TimeOnly(9, 30)), plan.Slots[0]);
        Assert.Equal(new SlotTime(new TimeOnly(11, 30), new TimeOnly(12, 0)), plan.Slots[5]);
        Assert.Equal(new SlotTime(new TimeOnly(13, 0), new TimeOnly(13, 30)), plan.Slots[6]);
        Assert.Equal(new SlotTime(new TimeOnly(16, 30), new TimeOnly(17, 0)), plan.Slots[^1]);
        Assert.DoesNotContain(plan.Slots, s => s.Start < new TimeOnly(13, 0) && s.End > new TimeOnly(12, 0));
    }

    [Fact]
    public void A_remainder_shorter_than_a_slot_is_not_offered()
    {
        var plan = Plan(Hall(hours: CityHours), new DateOnly(2026, 3, 2), slotMinutes: 40);
        Assert.Equal(new SlotTime(new TimeOnly(11, 0), new TimeOnly(11, 40)), plan.Slots[3]); // 11:40-12:20 would cross the lunch break
        Assert.Equal(new TimeOnly(13, 0), plan.Slots[4].Start);
        Assert.Equal(new SlotTime(new TimeOnly(16, 20), new TimeOnly(17, 0)), plan.Slots[^1]); // 17:00-17:40 would pass the 17:30 close
        Assert.Equal(4 + 6, plan.Slots.Count);
    }

    [Fact]
    public void An_ordinary_saturday_opens_only_halls_with_a_saturday_session()
    {
        var saturday = new DateOnly(2026, 3, 7);
        var city = Plan(Hall(hours: CityHours), saturday);
        Assert.Equal(DayStatus.Open, city.Status);
        Assert.Equal(6, city.Slots.Count);
        Assert.Equal(new TimeOnly(11, 30), city.Slots[^1].Start);

        var county = Plan(Hall(), saturday);
        Assert.Equal(DayStatus.Closed, county.Status);
        Assert.Empty(county.Slots);
        Assert.Equal(DayStatus.Closed, Plan(Hall(hours: CityHours), new DateOnly(2026, 3, 8)).Status); // Sunday
    }

    [Theory]
    [InlineData("2026-02-15")] // 春节 holiday, Sunday
    [InlineData("2026-02-17")] // 春节, Tuesday
    [InlineData("2026-02-21")] // Saturday inside the holiday: closed even where Saturdays open
    [InlineData("2026-02-23")] // last day of the holiday, Monday
    [InlineData("2026-01-01")] // 元旦
    public void Official_holidays_close_every_hall(string date)
    {
        var day = DateOnly.Parse(date, System.Globalization.CultureInfo.InvariantCulture);
        foreach (var hall in new[] { Hall(), Hall(hours: CityHours) })
        {
            var plan = Plan(hall, day);
            Assert.Equal(DayStatus.Closed, plan.Status);
            Assert.Contains("holiday", plan.Reason, StringComparison.Ordinal);
            Assert.Empty(plan.Slots);
        }
    }

    [Theory]
    [InlineData("2026-02-14")] // 调休上班 Saturday before 春节
    [InlineData("2026-02-28")] // 调休上班 Saturday after 春节
    [InlineData("2026-01-04")] // 调休上班 Sunday after 元旦
    public void Adjusted_working_weekend_days_open_with_the_full_workday_sessions(string date)
    {
        var day = DateOnly.Parse(date, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(14, Plan(Hall(), day).Slots.Count);
        Assert.Equal(15, Plan(Hall(hours: CityHours), day).Slots.Count); // workday hours, not the Saturday morning
    }

    [Fact]
    public void Self_service_points_and_halls_without_windows_take_no_appointments()
    {
        var monday = new DateOnly(2026, 3, 2);
        Assert.Equal(DayStatus.NoAppointments, Plan(SelfService(), monday).Status);
        Assert.Equal(DayStatus.NoAppointments, Plan(Hall(windows: []), monday).Status);
    }

    [Fact]
    public void Capacity_is_the_number_of_windows_listing_the_category_times_the_per_window_figure()
    {
        var hall = Hall();
        Assert.Equal(4, SlotPlanner.Capacity(hall, "A", 1));
        Assert.Equal(1, SlotPlanner.Capacity(hall, "B", 1));
        Assert.Equal(2, SlotPlanner.Capacity(hall, "D", 2));
        Assert.Equal(0, SlotPlanner.Capacity(hall, "Z", 1));
    }

    [Fact]
    public void Seeded_county_hall_capacity_follows_its_window_plan()
    {
        var windows = ServicePointSeed.Windows([new("A", "综合"), new("B", "公安"), new("C", "社保"), new("E", "市场"), new("D", "帮办")], 10);
        var hall = Hall(windows: windows);
        Assert.Equal(10, SlotPlanner.Capacity(hall, "A", 1)); // every window falls back to A
        Assert.Equal(2, SlotPlanner.Capacity(hall, "B", 1));
        Assert.Equal(1, SlotPlanner.Capacity(hall, "D", 1));
    }
}

[Trait("Category", "Unit")]
public class CheckInWindowTests
{
    private static readonly AppointmentOptions Options = new();
    private static readonly DateTimeOffset Slot = At(2026, 3, 2, 10, 0);

    [Theory]
    [InlineData(-31, 0, CheckInTiming.TooEarly)]
    [InlineData(-30, -1, CheckInTiming.TooEarly)] // 09:29:59
    [InlineData(-30, 0, CheckInTiming.Open)] // opens at 09:30:00 exactly
    [InlineData(0, 0, CheckInTiming.Open)]
    [InlineData(15, 0, CheckInTiming.Open)] // 10:15:00 still on time
    [InlineData(15, 1, CheckInTiming.TooLate)] // 10:15:01
    [InlineData(60, 0, CheckInTiming.TooLate)]
    public void Window_is_thirty_minutes_before_to_fifteen_after_inclusive(int minutes, int seconds, CheckInTiming expected)
    {
        var now = Slot + TimeSpan.FromMinutes(minutes) + TimeSpan.FromSeconds(seconds);
        Assert.Equal(expected, CheckInWindow.Evaluate(Slot, now, Options));
        Assert.Equal(expected == CheckInTiming.TooLate, CheckInWindow.HasClosed(Slot, now, Options));
    }

    [Fact]
    public void Window_bounds_are_configurable()
    {
        var options = new AppointmentOptions { CheckInBefore = TimeSpan.FromMinutes(10), CheckInAfter = TimeSpan.FromSeconds(30) };
        Assert.Equal(CheckInTiming.TooEarly, CheckInWindow.Evaluate(Slot, Slot.AddMinutes(-11), options));
        Assert.Equal(CheckInTiming.Open, CheckInWindow.Evaluate(Slot, Slot.AddSeconds(30), options));
        Assert.Equal(CheckInTiming.TooLate, CheckInWindow.Evaluate(Slot, Slot.AddSeconds(31), options));
    }

    [Fact]
    public void Invalid_options_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new AppointmentOptions { SlotMinutes = 0 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new AppointmentOptions { CheckInAfter = TimeSpan.FromMinutes(-1) }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new AppointmentOptions { HorizonDays = 365 }.Validate());
        new AppointmentOptions().Validate();
    }
}
