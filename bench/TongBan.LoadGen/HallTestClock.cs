using System.Globalization;
using TongBan.Grains.Calendar;
using TongBan.Grains.Common;

namespace TongBan.LoadGen;

/// <summary>
/// <c>TongBan:Halls:TestClockOffset</c> for tests, benches and load runs that take tickets and open windows: the shift that puts
/// "now" on the hall floor at <see cref="MorningTime"/> (+08:00) of the next official working day, so they pass at any real time
/// (a Sunday night in CI). Only the opening-hours checks read it; the dedicated clock tests use exceptions and their own clocks.
/// </summary>
public static class HallTestClock
{
    public const string Key = "TongBan:Halls:TestClockOffset";

    /// <summary>09:30 leaves two hours before the morning cutoff (11:30) of the seeded 9:00–12:00 sessions.</summary>
    public static readonly TimeOnly MorningTime = new(9, 30);

    private static readonly Lazy<WorkingDayCalendar> Calendar = new(WorkingDayCalendar.LoadEmbedded);

    /// <summary>The offset from <paramref name="now"/> to the next working day's morning (never today: always well-defined).</summary>
    public static TimeSpan OffsetFrom(DateTimeOffset now)
    {
        var day = DateOnly.FromDateTime(now.ToOffset(ChinaTime.Offset).DateTime).AddDays(1);
        while (!Calendar.Value.IsWorkingDay(day))
        {
            day = day.AddDays(1);
        }

        return new DateTimeOffset(day.ToDateTime(MorningTime), ChinaTime.Offset) - now;
    }

    /// <summary>The offset as configuration text ("c" format, e.g. 1.10:29:59.1234567).</summary>
    public static string Text(TimeSpan offset) => offset.ToString("c", CultureInfo.InvariantCulture);
}
