using TongBan.Grains.Calendar;
using TongBan.Grains.Halls;

namespace TongBan.Grains.Appointments;

/// <summary>Whether a service point takes appointments on a date.</summary>
public enum DayStatus
{
    /// <summary>Open with at least one session: slots exist.</summary>
    Open,

    /// <summary>A rest day (weekend without a Saturday session, 法定节假日) for this hall.</summary>
    Closed,

    /// <summary>The point takes no appointments at all: 24h self-service, or no windows.</summary>
    NoAppointments,
}

/// <summary>One bookable time slot, local time (Asia/Shanghai).</summary>
[GenerateSerializer, Immutable]
public readonly record struct SlotTime([property: Id(0)] TimeOnly Start, [property: Id(1)] TimeOnly End);

/// <summary>A hall's appointment day: its status, why, and its slots.</summary>
public sealed record DayPlan(DateOnly Date, DayStatus Status, string Reason, string ReasonZh, IReadOnlyList<SlotTime> Slots)
{
    public SlotTime? Find(TimeOnly start)
    {
        foreach (var slot in Slots)
        {
            if (slot.Start == start)
            {
                return slot;
            }
        }

        return null;
    }
}

/// <summary>
/// Slot generation and capacity (pure). Rules, see APPOINTMENT_RULES.md:
/// <list type="bullet">
/// <item>Sessions: working days (工作日 and 调休上班 days) use the hall's workday sessions; an ordinary Saturday uses
/// its Saturday sessions (错时延时服务) if it has any; Sundays and listed rest days (法定节假日, 调休 rest days,
/// also a Saturday inside a holiday) are closed.</item>
/// <item>Slots are cut from the start of each session, <c>SlotMinutes</c> long, and must end by the session's close:
/// none spans the lunch break, a remainder shorter than a slot is not offered.</item>
/// <item>Capacity of a category per slot = windows listing the category × <c>PerWindowPerSlot</c> (one appointment per
/// serving window per slot by default): at the 6-minute prior service time a window serves ~5 citizens per 30 minutes,
/// so most of its time stays with walk-ins. A window listing several categories counts for each of them.</item>
/// <item>24h self-service points and points without windows take no appointments.</item>
/// </list>
/// </summary>
public static class SlotPlanner
{
    public static DayPlan Plan(ServicePoint point, DateOnly date, WorkingDayCalendar calendar, int slotMinutes)
    {
        ArgumentNullException.ThrowIfNull(point);
        ArgumentNullException.ThrowIfNull(calendar);
        ArgumentOutOfRangeException.ThrowIfLessThan(slotMinutes, 1);
        if (point.Type == ServicePointType.SelfService || point.Hours.Always)
        {
            return new DayPlan(date, DayStatus.NoAppointments, $"{point.Code} is a 24-hour self-service point and takes no appointments.", "24小时自助服务点不提供预约", []);
        }

        if (point.Windows.Count == 0)
        {
            return new DayPlan(date, DayStatus.NoAppointments, $"{point.Code} has no service windows and takes no appointments.", "该服务点没有服务窗口，不提供预约", []);
        }

        // The hall's clock: a manager's closure (临时闭厅) takes the date's slots away; extended hours (延时服务) are for
        // draining the day's queue and add no appointment slots.
        if (HallClock.ExceptionOn(point, date) is { Kind: HoursExceptionKind.Closed } closure)
        {
            var why = string.IsNullOrWhiteSpace(closure.Reason) ? string.Empty : $" ({closure.Reason})";
            return new DayPlan(date, DayStatus.Closed, $"{point.Code} is closed on {date:yyyy-MM-dd} by its manager{why}.", $"{date:yyyy-MM-dd}大厅临时闭厅{why}", []);
        }

        var day = calendar.Describe(date);
        var sessions = HallClock.RegularSessionsOn(point.Hours, calendar, date);
        if (sessions.Count == 0)
        {
            var (reason, reasonZh) = day.Kind == DayKind.Holiday
                ? ($"{point.Code} is closed on {date:yyyy-MM-dd} ({day.HolidayName} holiday).", $"{date:yyyy-MM-dd}为法定节假日（{day.HolidayName}），大厅不办公")
                : ($"{point.Code} is closed on {date:yyyy-MM-dd} ({date.DayOfWeek}).", $"{date:yyyy-MM-dd}为休息日，大厅不办公");
            return new DayPlan(date, DayStatus.Closed, reason, reasonZh, []);
        }

        var slots = new List<SlotTime>();
        foreach (var session in sessions.OrderBy(s => s.Opens))
        {
            var close = ToMinutes(session.Closes);
            for (var start = ToMinutes(session.Opens); start + slotMinutes <= close; start += slotMinutes)
            {
                slots.Add(new SlotTime(FromMinutes(start), FromMinutes(start + slotMinutes)));
            }
        }

        return slots.Count == 0
            ? new DayPlan(date, DayStatus.Closed, $"{point.Code} has no session long enough for a slot on {date:yyyy-MM-dd}.", "当日无可预约时段", [])
            : new DayPlan(date, DayStatus.Open, "open", "可预约", slots);
    }

    /// <summary>Appointments one slot of <paramref name="category"/> takes: windows listing it × <paramref name="perWindow"/>.</summary>
    public static int Capacity(ServicePoint point, string category, int perWindow)
    {
        ArgumentNullException.ThrowIfNull(point);
        return point.Windows.Count(w => w.Categories.Contains(category, StringComparer.Ordinal)) * perWindow;
    }

    private static int ToMinutes(TimeOnly t) => (t.Hour * 60) + t.Minute;

    private static TimeOnly FromMinutes(int minutes) => new(minutes / 60, minutes % 60);
}

/// <summary>Where "now" stands relative to a slot's check-in window.</summary>
public enum CheckInTiming
{
    TooEarly,
    Open,
    TooLate,
}

/// <summary>
/// The check-in window (签到时段), inclusive at both ends: from <c>start − CheckInBefore</c> to <c>start + CheckInAfter</c>.
/// After its close the booking is a no-show. The queue grants 预约 priority under the same default bounds
/// (QUEUE_RULES.md: 30 minutes before, 15 after), so an on-time check-in is always a priority ticket.
/// </summary>
public static class CheckInWindow
{
    public static DateTimeOffset Opens(DateTimeOffset slotStart, AppointmentOptions options) => slotStart - options.CheckInBefore;

    public static DateTimeOffset Closes(DateTimeOffset slotStart, AppointmentOptions options) => slotStart + options.CheckInAfter;

    public static CheckInTiming Evaluate(DateTimeOffset slotStart, DateTimeOffset now, AppointmentOptions options) =>
        now < Opens(slotStart, options) ? CheckInTiming.TooEarly
        : now > Closes(slotStart, options) ? CheckInTiming.TooLate
        : CheckInTiming.Open;

    /// <summary>Whether the window has closed: the moment a booking becomes a no-show is strictly after the close.</summary>
    public static bool HasClosed(DateTimeOffset slotStart, DateTimeOffset now, AppointmentOptions options) => now > Closes(slotStart, options);
}
