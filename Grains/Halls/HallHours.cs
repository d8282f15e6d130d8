using TongBan.Grains.Calendar;
using TongBan.Grains.Common;

namespace TongBan.Grains.Halls;

/// <summary>Configuration section <c>TongBan:Halls</c>.</summary>
public sealed class HallOptions
{
    public const string Section = "TongBan:Halls";

    /// <summary>
    /// Test only: shifts the clock the hall floor's opening-hours checks read (ticket taking, window opening, the hall's
    /// <c>openNow</c>), so tests and load runs that take tickets work at any real time (e.g. a Sunday night).
    /// Queues, windows and Orleans keep the real time. Zero in production; the host warns when it is set.
    /// </summary>
    public TimeSpan TestClockOffset { get; set; }

    public void Validate()
    {
        if (TestClockOffset.Duration() > TimeSpan.FromDays(400))
        {
            throw new ArgumentOutOfRangeException(nameof(TestClockOffset), TestClockOffset, $"{Section}:TestClockOffset must be within ±400 days.");
        }
    }
}

/// <summary>
/// The clock the hall floor's opening-hours checks read: the silo's <see cref="TimeProvider"/> plus
/// <see cref="HallOptions.TestClockOffset"/>. A separate type (like the appointment clock) so that shifting it for a
/// test moves only the opening-hours verdicts, never the queues' timestamps or Orleans' own timekeeping.
/// </summary>
public sealed class HallFloorClock(TimeProvider inner, TimeSpan offset) : ShiftedClock(inner, offset)
{
    public HallFloorClock(TimeProvider inner)
        : this(inner, TimeSpan.Zero)
    {
    }
}

/// <summary>
/// Reads <see cref="HallClock"/> for a service point now: the silo-local directory's profile (hours and manager exceptions,
/// the same on every silo through the directory sync), the current working-day calendar and the hall floor's clock.
/// </summary>
public sealed class HallHours(CalendarProvider calendars, HallFloorClock clock)
{
    public WorkingDayCalendar Calendar => calendars.Current;

    /// <summary>Now on the hall floor's clock, +08:00.</summary>
    public DateTimeOffset Now => ChinaTime.Now(clock);

    /// <summary>Today's date on the hall floor's clock (Asia/Shanghai).</summary>
    public DateOnly Today => ChinaTime.Today(clock);

    public HallClockReading Read(ServicePoint point) => HallClock.Read(point, calendars.Current, clock.GetUtcNow());
}
