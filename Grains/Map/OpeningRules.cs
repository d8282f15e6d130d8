using TongBan.Grains.Calendar;
using TongBan.Grains.Halls;

namespace TongBan.Grains.Map;

/// <summary>
/// Whether a service point is open at a local time (Asia/Shanghai):
/// 24h points always; others run their workday sessions on official working days (including 调休 working
/// weekends), their Saturday sessions on Saturdays that are ordinary rest days, and nothing on Sundays or
/// official holidays. Sessions are half-open [opens, closes); the lunch break is the gap between sessions.
/// </summary>
public static class OpeningRules
{
    public static bool IsOpen(OpeningHours hours, WorkingDayCalendar calendar, DateTimeOffset at)
    {
        if (hours.Always)
        {
            return true;
        }

        var local = at.ToOffset(Common.ChinaTime.Offset);
        var date = DateOnly.FromDateTime(local.DateTime);
        var time = TimeOnly.FromDateTime(local.DateTime);
        var sessions = SessionsOn(hours, calendar, date);
        foreach (var s in sessions)
        {
            if (time >= s.Opens && time < s.Closes)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The sessions that apply on a date.</summary>
    public static IReadOnlyList<OpeningSession> SessionsOn(OpeningHours hours, WorkingDayCalendar calendar, DateOnly date)
    {
        var day = calendar.Describe(date);
        return day.Kind switch
        {
            DayKind.Workday or DayKind.AdjustedWorkday => hours.Workdays,
            DayKind.Weekend when date.DayOfWeek == DayOfWeek.Saturday => hours.Saturday,
            _ => [],
        };
    }

    /// <summary>Why a point is closed at a time, for the result's reason: "official holiday 国庆节", "lunch break", ….</summary>
    public static string ClosedReason(OpeningHours hours, WorkingDayCalendar calendar, DateTimeOffset at)
    {
        var local = at.ToOffset(Common.ChinaTime.Offset);
        var date = DateOnly.FromDateTime(local.DateTime);
        var day = calendar.Describe(date);
        if (day.Kind == DayKind.Holiday)
        {
            return $"法定节假日休息 closed on the official holiday {day.HolidayName}";
        }

        var sessions = SessionsOn(hours, calendar, date);
        if (sessions.Count == 0)
        {
            return "休息日不开放 closed on rest days";
        }

        var time = TimeOnly.FromDateTime(local.DateTime);
        if (time < sessions[0].Opens)
        {
            return $"尚未开门 opens at {sessions[0].Opens:HH\\:mm}";
        }

        if (time >= sessions[^1].Closes)
        {
            return $"已下班 closed after {sessions[^1].Closes:HH\\:mm}";
        }

        return "午间休息 lunch break";
    }
}
