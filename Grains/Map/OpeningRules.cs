using TongBan.Grains.Calendar;
using TongBan.Grains.Halls;

namespace TongBan.Grains.Map;

/// <summary>
/// Regular opening hours alone (no manager exceptions), as the <see cref="HallClock"/> reads them. Kept for callers that
/// hold only an <see cref="OpeningHours"/>; service points go through <see cref="HallClock"/> itself.
/// </summary>
public static class OpeningRules
{
    public static bool IsOpen(OpeningHours hours, WorkingDayCalendar calendar, DateTimeOffset at) =>
        HallClock.IsOpen(Probe(hours), calendar, at);

    /// <summary>The regular sessions that apply on a date.</summary>
    public static IReadOnlyList<OpeningSession> SessionsOn(OpeningHours hours, WorkingDayCalendar calendar, DateOnly date) =>
        HallClock.RegularSessionsOn(hours, calendar, date);

    /// <summary>Why a point is closed at a time, for the result's reason: "official holiday 国庆节", "lunch break", ….</summary>
    public static string ClosedReason(OpeningHours hours, WorkingDayCalendar calendar, DateTimeOffset at) =>
        HallClock.Read(Probe(hours), calendar, at).ClosedReason ?? string.Empty;

    private static ServicePoint Probe(OpeningHours hours) =>
        new("probe", string.Empty, ServicePointType.Hall, ServiceLevel.County, string.Empty, new Geo.GeoPoint(0, 0), string.Empty, string.Empty, hours, [], [], []);
}
