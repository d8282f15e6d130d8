using TongBan.Grains.Appointments;
using TongBan.Grains.Calendar;
using TongBan.Grains.Halls;
using TongBan.Grains.Tests.Appointments;
using TongBan.Grains.Tests.Map;

namespace TongBan.Grains.Tests.Halls;

[Trait("Category", "Unit")]
public class HallClockTests
{
    private static readonly TimeSpan China = TimeSpan.FromHours(8);

    /// <summary>A county hall: 9:00–12:00, 13:00–17:00 on working days, no Saturday service.</summary>
    private static readonly ServicePoint County = AppointmentTestKit.Hall() with
    {
        Hours = new OpeningHours(false, [new(new TimeOnly(9, 0), new TimeOnly(12, 0)), new(new TimeOnly(13, 0), new TimeOnly(17, 0))], []),
    };

    /// <summary>A city hall with a Saturday morning (错时延时服务).</summary>
    private static readonly ServicePoint City = County with
    {
        Code = "520100-H001",
        Hours = County.Hours with { Saturday = [new(new TimeOnly(9, 0), new TimeOnly(12, 0))] },
    };

    private static WorkingDayCalendar Calendar => MapTestKit.Calendar.Value;

    private static DateTimeOffset At(int m, int d, int h, int min, int y = 2025) => new(y, m, d, h, min, 0, China);

    private static HallClockReading Read(ServicePoint p, DateTimeOffset at) => HallClock.Read(p, Calendar, at);

    [Fact]
    public void A_working_morning_is_open_and_takes_tickets_until_the_session_cutoff()
    {
        var r = Read(County, At(3, 3, 10, 0)); // Monday
        Assert.True(r.OpenNow);
        Assert.True(r.TakingTickets);
        Assert.Null(r.NextOpening);
        Assert.Equal(At(3, 3, 12, 0), r.ClosesAt);
        Assert.Equal(At(3, 3, 11, 30), r.TicketsUntil);

        var late = Read(County, At(3, 3, 11, 40));
        Assert.True(late.OpenNow);
        Assert.False(late.TakingTickets);
        Assert.Equal(At(3, 3, 13, 0), late.NextOpening);
        Assert.Contains("停止取号", late.ClosedReason, StringComparison.Ordinal);
    }

    [Fact]
    public void The_lunch_break_is_closed_and_the_afternoon_is_the_next_opening()
    {
        var r = Read(County, At(3, 3, 12, 30));
        Assert.False(r.OpenNow);
        Assert.False(r.TakingTickets);
        Assert.Equal(At(3, 3, 13, 0), r.NextOpening);
        Assert.Contains("午间休息", r.ClosedReason, StringComparison.Ordinal);
        Assert.False(HallClock.DayIsOver(r));
        Assert.True(Read(County, At(3, 3, 13, 0)).TakingTickets); // opening time is inclusive
    }

    [Fact]
    public void After_the_afternoon_cutoff_the_next_opening_is_the_next_working_morning_and_the_day_is_over_at_closing()
    {
        var r = Read(County, At(3, 3, 16, 45));
        Assert.True(r.OpenNow);
        Assert.False(r.TakingTickets);
        Assert.Equal(At(3, 4, 9, 0), r.NextOpening);
        Assert.False(HallClock.DayIsOver(r));

        var closed = Read(County, At(3, 3, 17, 0)); // closing time is exclusive
        Assert.False(closed.OpenNow);
        Assert.True(HallClock.DayIsOver(closed));
        Assert.Contains("已下班", closed.ClosedReason, StringComparison.Ordinal);
    }

    [Fact]
    public void Next_opening_crosses_the_weekend()
    {
        var r = Read(County, At(3, 7, 17, 10)); // Friday evening
        Assert.Equal(At(3, 10, 9, 0), r.NextOpening); // Monday
        var sunday = Read(County, At(3, 9, 10, 0));
        Assert.False(sunday.OpenNow);
        Assert.Contains("休息日", sunday.ClosedReason, StringComparison.Ordinal);
        Assert.Equal(At(3, 10, 9, 0), sunday.NextOpening);
    }

    [Fact]
    public void Saturday_service_opens_only_halls_that_have_it()
    {
        var saturday = At(3, 8, 10, 0);
        Assert.True(Read(City, saturday).TakingTickets);
        Assert.False(Read(County, saturday).OpenNow);
        Assert.Equal(At(3, 8, 9, 0), Read(City, At(3, 8, 8, 0)).NextOpening);
        Assert.Equal(At(3, 10, 9, 0), Read(City, At(3, 8, 11, 45)).NextOpening); // no Saturday afternoon, no Sunday
    }

    [Fact]
    public void A_tiaoxiu_working_saturday_runs_the_workday_sessions()
    {
        var day = new DateOnly(2025, 10, 11);
        Assert.Equal(DayKind.AdjustedWorkday, Calendar.Describe(day).Kind); // 调休上班 after 国庆
        Assert.True(Read(County, At(10, 11, 15, 0)).TakingTickets); // afternoon too, although the county hall has no Saturday service
        Assert.Equal(2, HallClock.SessionsOn(City, Calendar, day).Count); // workday sessions, not the Saturday morning
    }

    [Fact]
    public void An_official_holiday_is_closed_and_the_next_opening_follows_it()
    {
        var r = Read(City, At(10, 1, 10, 0));
        Assert.False(r.OpenNow);
        Assert.Contains("国庆节", r.ClosedReason, StringComparison.Ordinal);
        Assert.Equal(At(10, 9, 9, 0), r.NextOpening); // 1–8 Oct off, Saturday the 4th inside the holiday has no Saturday session
    }

    [Fact]
    public void Extended_hours_keep_the_hall_open_and_move_the_cutoff()
    {
        var extended = County with { HoursExceptions = [new(new DateOnly(2025, 3, 3), new DateOnly(2025, 3, 3), HoursExceptionKind.Extended, new TimeOnly(19, 0), "延时服务")] };
        var r = Read(extended, At(3, 3, 17, 30));
        Assert.True(r.OpenNow);
        Assert.True(r.TakingTickets);
        Assert.Equal(At(3, 3, 18, 30), r.TicketsUntil);
        Assert.False(Read(extended, At(3, 3, 18, 45)).TakingTickets);
        Assert.True(Read(extended, At(3, 3, 18, 45)).OpenNow);
        Assert.True(HallClock.DayIsOver(Read(extended, At(3, 3, 19, 0))));
        Assert.False(Read(extended, At(3, 4, 17, 30)).OpenNow); // one date only
    }

    [Fact]
    public void A_closure_closes_its_dates_with_its_reason_and_wins_over_extended_hours()
    {
        var closed = County with
        {
            HoursExceptions =
            [
                new(new DateOnly(2025, 3, 3), new DateOnly(2025, 3, 4), HoursExceptionKind.Closed, null, "设备检修"),
                new(new DateOnly(2025, 3, 4), new DateOnly(2025, 3, 4), HoursExceptionKind.Extended, new TimeOnly(19, 0), null),
            ],
        };
        var r = Read(closed, At(3, 3, 10, 0));
        Assert.False(r.OpenNow);
        Assert.False(r.TakingTickets);
        Assert.Contains("设备检修", r.ClosedReason, StringComparison.Ordinal);
        Assert.Equal(At(3, 5, 9, 0), r.NextOpening);
        Assert.Equal(HoursExceptionKind.Closed, HallClock.ExceptionOn(closed, new DateOnly(2025, 3, 4))!.Kind);
        Assert.Empty(HallClock.SessionsOn(closed, Calendar, new DateOnly(2025, 3, 4)));
        Assert.True(HallClock.DayIsOver(r));
    }

    [Fact]
    public void The_cutoff_is_per_hall()
    {
        Assert.True(Read(County with { TicketCutoffMinutes = 0 }, At(3, 3, 11, 59)).TakingTickets);
        Assert.False(Read(County with { TicketCutoffMinutes = 60 }, At(3, 3, 11, 5)).TakingTickets);
        Assert.Equal(TimeSpan.FromMinutes(30), HallClock.CutoffOf(County));
    }

    [Fact]
    public void Around_the_clock_points_close_only_for_a_closure()
    {
        var always = County with { Hours = OpeningHours.AroundTheClock };
        Assert.True(Read(always, At(10, 1, 3, 0)).TakingTickets);
        var closed = always with { HoursExceptions = [new(new DateOnly(2025, 10, 1), new DateOnly(2025, 10, 2), HoursExceptionKind.Closed, null, "断网")] };
        var r = Read(closed, At(10, 1, 3, 0));
        Assert.False(r.OpenNow);
        Assert.Equal(At(10, 3, 0, 0), r.NextOpening);
    }

    [Fact]
    public void Next_opening_is_published_with_the_china_offset()
    {
        Assert.Equal("2025-03-10T09:00:00+08:00", HallClock.Iso(Read(County, At(3, 7, 17, 10)).NextOpening!.Value));
    }

    [Fact]
    public void A_closure_takes_the_dates_appointment_slots_away()
    {
        var closed = County with { HoursExceptions = [new(new DateOnly(2025, 3, 3), new DateOnly(2025, 3, 3), HoursExceptionKind.Closed, null, "设备检修")] };
        var plan = SlotPlanner.Plan(closed, new DateOnly(2025, 3, 3), Calendar, 30);
        Assert.Equal(DayStatus.Closed, plan.Status);
        Assert.Contains("设备检修", plan.ReasonZh, StringComparison.Ordinal);
        Assert.Equal(DayStatus.Open, SlotPlanner.Plan(closed, new DateOnly(2025, 3, 4), Calendar, 30).Status);
    }
}
