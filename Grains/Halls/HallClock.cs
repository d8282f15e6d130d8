using System.Globalization;
using TongBan.Grains.Calendar;
using TongBan.Grains.Common;

namespace TongBan.Grains.Halls;

/// <summary>Kinds of manager-set exception to a service point's regular hours.</summary>
public enum HoursExceptionKind
{
    /// <summary>延时服务: the last session of the day closes later (<see cref="HoursException.ClosesAt"/>).</summary>
    Extended,

    /// <summary>临时闭厅: closed for the whole date range, with a reason the public sees.</summary>
    Closed,
}

/// <summary>
/// A hall manager's exception to the regular hours, for the dates <see cref="From"/>..<see cref="To"/> (inclusive).
/// Extended hours cover exactly one date (<see cref="From"/> = <see cref="To"/>).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record HoursException(
    [property: Id(0)] DateOnly From,
    [property: Id(1)] DateOnly To,
    [property: Id(2)] HoursExceptionKind Kind,
    [property: Id(3)] TimeOnly? ClosesAt,
    [property: Id(4)] string? Reason,
    [property: Id(5)] string? SetBy = null)
{
    public bool Covers(DateOnly date) => date >= From && date <= To;
}

/// <summary>What the clock says about a service point at one moment.</summary>
/// <param name="OpenNow">Inside an opening session (regular or extended): windows may open, tickets are served.</param>
/// <param name="TakingTickets">
/// Open, and more than the ticket cutoff before the current session closes (停止取号). Always false when not open.
/// </param>
/// <param name="NextOpening">
/// When the point does not take tickets now: the start of the next session in which it will (Asia/Shanghai, +08:00);
/// null while it takes tickets, or when nothing opens within <see cref="HallClock.LookAheadDays"/> days.
/// </param>
/// <param name="ClosesAt">While open: when the current session ends.</param>
/// <param name="TicketsUntil">While open: when ticket taking stops in the current session.</param>
/// <param name="ClosedReason">While not taking tickets: why, zh-CN then English.</param>
/// <param name="Exception">The manager exception that applies on this date, if any.</param>
public sealed record HallClockReading(
    DateTimeOffset At,
    bool OpenNow,
    bool TakingTickets,
    DateTimeOffset? NextOpening,
    DateTimeOffset? ClosesAt,
    DateTimeOffset? TicketsUntil,
    string? ClosedReason,
    HoursException? Exception);

/// <summary>
/// The hall's clock: one pure rule for "is this service point open", used by ticket taking, windows, appointments,
/// the map and the nearest search, so they never disagree.
/// <list type="bullet">
/// <item>24 h points (<see cref="OpeningHours.Always"/>) are always open, except on a manager's closure.</item>
/// <item>Other points run their workday sessions on official working days (including 调休 working weekends), their Saturday
/// sessions on Saturdays that are ordinary rest days, and nothing on Sundays or official holidays (<see cref="WorkingDayCalendar"/>).
/// Sessions are half-open [opens, closes); the lunch break is the gap between two sessions.</item>
/// <item>Manager exceptions: a closure (临时闭厅) empties its dates; extended hours (延时服务) move the day's last closing time later.</item>
/// <item>Ticket taking stops <see cref="ServicePoint.TicketCutoffMinutes"/> (default 30) before the end of <em>each</em> session: a
/// ticket taken at 11:50 would wait over the lunch break with nobody serving, so the morning stops at 11:30 and the day at 16:30
/// (typical 停止取号 notices of Guizhou's halls). Under extended hours the cutoff counts from the extended closing time.</item>
/// </list>
/// </summary>
public static class HallClock
{
    public const int DefaultTicketCutoffMinutes = 30;

    /// <summary>How far ahead <see cref="HallClockReading.NextOpening"/> looks (a long closure or the Spring Festival fit easily).</summary>
    public const int LookAheadDays = 400;

    public static TimeSpan CutoffOf(ServicePoint point)
    {
        ArgumentNullException.ThrowIfNull(point);
        return TimeSpan.FromMinutes(point.TicketCutoffMinutes ?? DefaultTicketCutoffMinutes);
    }

    /// <summary>The exception on a date: a closure wins over extended hours.</summary>
    public static HoursException? ExceptionOn(ServicePoint point, DateOnly date)
    {
        ArgumentNullException.ThrowIfNull(point);
        HoursException? found = null;
        foreach (var e in point.HoursExceptions ?? [])
        {
            if (e.Covers(date) && (found is null || e.Kind == HoursExceptionKind.Closed))
            {
                found = e;
            }
        }

        return found;
    }

    /// <summary>The regular sessions of a date from the calendar alone (no exceptions; empty for 24 h points).</summary>
    public static IReadOnlyList<OpeningSession> RegularSessionsOn(OpeningHours hours, WorkingDayCalendar calendar, DateOnly date)
    {
        ArgumentNullException.ThrowIfNull(hours);
        ArgumentNullException.ThrowIfNull(calendar);
        return calendar.Describe(date).Kind switch
        {
            DayKind.Workday or DayKind.AdjustedWorkday => hours.Workdays,
            DayKind.Weekend when date.DayOfWeek == DayOfWeek.Saturday => hours.Saturday,
            _ => [],
        };
    }

    /// <summary>The sessions that apply on a date, exceptions included (empty for 24 h points: see <see cref="Read"/>).</summary>
    public static IReadOnlyList<OpeningSession> SessionsOn(ServicePoint point, WorkingDayCalendar calendar, DateOnly date)
    {
        ArgumentNullException.ThrowIfNull(point);
        var exception = ExceptionOn(point, date);
        if (exception?.Kind == HoursExceptionKind.Closed)
        {
            return [];
        }

        var sessions = RegularSessionsOn(point.Hours, calendar, date);
        if (exception is { Kind: HoursExceptionKind.Extended, ClosesAt: { } later } && sessions.Count > 0 && later > sessions[^1].Closes)
        {
            return [.. sessions.Take(sessions.Count - 1), sessions[^1] with { Closes = later }];
        }

        return sessions;
    }

    public static bool IsOpen(ServicePoint point, WorkingDayCalendar calendar, DateTimeOffset at) => Read(point, calendar, at).OpenNow;

    public static HallClockReading Read(ServicePoint point, WorkingDayCalendar calendar, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(point);
        ArgumentNullException.ThrowIfNull(calendar);
        var local = at.ToOffset(ChinaTime.Offset);
        var date = DateOnly.FromDateTime(local.DateTime);
        var time = TimeOnly.FromDateTime(local.DateTime);
        var exception = ExceptionOn(point, date);
        if (point.Hours.Always)
        {
            if (exception?.Kind != HoursExceptionKind.Closed)
            {
                return new HallClockReading(local, true, true, null, null, null, null, exception);
            }

            return new HallClockReading(local, false, false, NextAlwaysOpening(point, exception.To), null, null, ClosureReason(exception), exception);
        }

        var cutoff = CutoffOf(point);
        var sessions = SessionsOn(point, calendar, date);
        foreach (var s in sessions)
        {
            if (time >= s.Opens && time < s.Closes)
            {
                var closes = At(date, s.Closes);
                var ticketsUntil = closes - cutoff;
                var taking = local < ticketsUntil;
                return new HallClockReading(
                    local, true, taking, taking ? null : NextOpening(point, calendar, local, cutoff), closes, ticketsUntil,
                    taking ? null : $"停止取号 ticket taking stopped at {ticketsUntil:HH\\:mm} (closes {s.Closes:HH\\:mm})", exception);
            }
        }

        return new HallClockReading(
            local, false, false, NextOpening(point, calendar, local, cutoff), null, null,
            ClosedReason(calendar, date, time, sessions, exception), exception);
    }

    /// <summary>
    /// The day's service is over: closed, and nothing opens again before midnight (after the last session, on a rest day,
    /// or under a closure). Tickets still waiting then will not be called today.
    /// </summary>
    public static bool DayIsOver(HallClockReading reading)
    {
        ArgumentNullException.ThrowIfNull(reading);
        return !reading.OpenNow && (reading.NextOpening is not { } next || next.Date > reading.At.Date);
    }

    /// <summary>Formats a reading's moment the way the API publishes it: ISO 8601 with the +08:00 offset.</summary>
    public static string Iso(DateTimeOffset at) => at.ToOffset(ChinaTime.Offset).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);

    private static DateTimeOffset? NextOpening(ServicePoint point, WorkingDayCalendar calendar, DateTimeOffset local, TimeSpan cutoff)
    {
        var today = DateOnly.FromDateTime(local.DateTime);
        for (var d = today; d <= today.AddDays(LookAheadDays); d = d.AddDays(1))
        {
            foreach (var s in SessionsOn(point, calendar, d))
            {
                var opens = At(d, s.Opens);
                // A session shorter than the cutoff never takes tickets: it is no opening for a citizen.
                if (opens > local && At(d, s.Closes) - cutoff > opens)
                {
                    return opens;
                }
            }
        }

        return null;
    }

    private static DateTimeOffset? NextAlwaysOpening(ServicePoint point, DateOnly closedUntil)
    {
        var d = closedUntil.AddDays(1);
        for (var i = 0; i < LookAheadDays; i++, d = d.AddDays(1))
        {
            if (ExceptionOn(point, d)?.Kind != HoursExceptionKind.Closed)
            {
                return At(d, TimeOnly.MinValue);
            }
        }

        return null;
    }

    private static string ClosedReason(
        WorkingDayCalendar calendar, DateOnly date, TimeOnly time, IReadOnlyList<OpeningSession> sessions, HoursException? exception)
    {
        if (exception?.Kind == HoursExceptionKind.Closed)
        {
            return ClosureReason(exception);
        }

        var day = calendar.Describe(date);
        if (day.Kind == DayKind.Holiday)
        {
            return $"法定节假日休息 closed on the official holiday {day.HolidayName}";
        }

        if (sessions.Count == 0)
        {
            return "休息日不开放 closed on rest days";
        }

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

    private static string ClosureReason(HoursException closure) =>
        $"临时闭厅 closed {closure.From:yyyy-MM-dd}–{closure.To:yyyy-MM-dd}" + (string.IsNullOrWhiteSpace(closure.Reason) ? string.Empty : $"：{closure.Reason}");

    private static DateTimeOffset At(DateOnly date, TimeOnly time) => new(date.ToDateTime(time), ChinaTime.Offset);
}
