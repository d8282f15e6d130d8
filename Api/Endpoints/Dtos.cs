using TongBan.Grains.Geo;
using TongBan.Grains.Halls;
using TongBan.Grains.Regions;

namespace TongBan.Api.Endpoints;

/// <summary>A coordinate on the wire: <c>{ "lat": .., "lon": .. }</c>, in the requested crs (default WGS84).</summary>
public sealed record LatLon(double Lat, double Lon)
{
    public static LatLon From(GeoPoint wgs, CoordinateSystem crs)
    {
        var p = CoordinateSystems.FromWgs84(wgs, crs);
        return new LatLon(Math.Round(p.Lat, 6), Math.Round(p.Lon, 6));
    }
}

public sealed record RegionDto(string Code, string Name, string Level, string? ParentCode, LatLon Center, IReadOnlyList<string> Aliases)
{
    public static RegionDto From(Region r, CoordinateSystem crs) =>
        new(r.Code, r.Name, Wire.Name(r.Level), r.ParentCode, LatLon.From(r.Center, crs), r.Aliases);
}

public sealed record HallSummaryDto(string Code, string Name, string Type, string Level, string RegionCode, LatLon Location)
{
    public static HallSummaryDto From(ServicePoint p, CoordinateSystem crs) =>
        new(p.Code, p.Name, Wire.Name(p.Type), Wire.Name(p.Level), p.RegionCode, LatLon.From(p.Location, crs));
}

/// <param name="TicketCutoffMinutes">停止取号: ticket taking stops this long before each session closes.</param>
/// <param name="Exceptions">A hall manager's exceptions from today on: extended hours (延时服务) and closures (临时闭厅).</param>
public sealed record OpeningHoursDto(
    bool Always, IReadOnlyList<string> Workdays, IReadOnlyList<string> Saturday, bool ClosedOnPublicHolidays,
    int TicketCutoffMinutes = HallClock.DefaultTicketCutoffMinutes, IReadOnlyList<HoursExceptionDto>? Exceptions = null)
{
    public static OpeningHoursDto From(ServicePoint p, DateOnly? from = null) => new(
        p.Hours.Always, [.. p.Hours.Workdays.Select(Format)], [.. p.Hours.Saturday.Select(Format)], !p.Hours.Always,
        (int)HallClock.CutoffOf(p).TotalMinutes,
        [.. (p.HoursExceptions ?? []).Where(e => from is not { } f || e.To >= f).OrderBy(e => e.From).Select(HoursExceptionDto.Of)]);

    public static string Format(OpeningSession s) => $"{s.Opens:HH\\:mm}-{s.Closes:HH\\:mm}";
}

/// <summary>One manager exception: <c>kind</c> extended (with <c>closesAt</c>) or closed (with a <c>reason</c>), dates inclusive.</summary>
public sealed record HoursExceptionDto(string From, string To, string Kind, string? ClosesAt, string? Reason)
{
    public static HoursExceptionDto Of(HoursException e) => new(
        e.From.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        e.To.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        Wire.Name(e.Kind), e.ClosesAt?.ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture), e.Reason);
}

/// <summary>The hall's clock now: <c>GET /api/halls/{hallCode}/hours</c>.</summary>
/// <param name="Now">Now on the hall floor's clock (+08:00).</param>
/// <param name="NextOpening">When ticket taking resumes (ISO 8601, +08:00); null while it is open.</param>
public sealed record HallHoursDto(
    string HallCode, string Now, bool OpenNow, bool TakingTickets, string? NextOpening, string? ClosesAt, string? TicketsUntil,
    string? ClosedReason, OpeningHoursDto OpeningHours)
{
    public static HallHoursDto From(ServicePoint p, HallClockReading r) => new(
        p.Code, HallClock.Iso(r.At), r.OpenNow, r.TakingTickets, Iso(r.NextOpening), Iso(r.ClosesAt), Iso(r.TicketsUntil), r.ClosedReason,
        OpeningHoursDto.From(p, DateOnly.FromDateTime(r.At.DateTime)));

    public static string? Iso(DateTimeOffset? at) => at is { } t ? HallClock.Iso(t) : null;
}

public sealed record WindowDto(int WindowNo, string Name, IReadOnlyList<string> Categories);

public sealed record HallProfileDto(
    string Code, string Name, string Type, string Level, string RegionCode, string? RegionName, LatLon Location,
    string Address, string Phone, OpeningHoursDto OpeningHours, IReadOnlyList<QueueCategory> Categories,
    IReadOnlyList<WindowDto> Windows, IReadOnlyList<string> Items, HallServiceStatus Status,
    bool? OpenNow = null, string? NextOpening = null, bool? TakingTickets = null, string? ClosedReason = null)
{
    /// <param name="clock">The hall's clock now; adds <c>openNow</c>, <c>takingTickets</c>, <c>nextOpening</c> and <c>closedReason</c>.</param>
    public static HallProfileDto From(ServicePoint p, Region? region, HallServiceStatus status, CoordinateSystem crs, HallClockReading? clock = null) => new(
        p.Code, p.Name, Wire.Name(p.Type), Wire.Name(p.Level), p.RegionCode, region?.Name, LatLon.From(p.Location, crs),
        p.Address, p.Phone,
        OpeningHoursDto.From(p, clock is null ? null : DateOnly.FromDateTime(clock.At.DateTime)),
        p.Categories, [.. p.Windows.Select(w => new WindowDto(w.WindowNo, w.Name, w.Categories))], p.ItemCodes, status,
        clock?.OpenNow, HallHoursDto.Iso(clock?.NextOpening), clock?.TakingTickets, clock?.ClosedReason);
}

/// <summary>Wire names of enums: camelCase, as the published contract spells them.</summary>
public static class Wire
{
    public static string Name<T>(T value)
        where T : struct, Enum
    {
        var s = value.ToString();
        return char.ToLowerInvariant(s[0]) + s[1..];
    }

    public static bool TryParse<T>(string? text, out T value)
        where T : struct, Enum
    {
        value = default;
        return text is not null && Enum.GetNames<T>().Any(n => string.Equals(n, text, StringComparison.OrdinalIgnoreCase)) &&
               Enum.TryParse(text, ignoreCase: true, out value);
    }
}
