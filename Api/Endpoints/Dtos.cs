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

public sealed record OpeningHoursDto(bool Always, IReadOnlyList<string> Workdays, IReadOnlyList<string> Saturday, bool ClosedOnPublicHolidays);

public sealed record WindowDto(int WindowNo, string Name, IReadOnlyList<string> Categories);

public sealed record HallProfileDto(
    string Code, string Name, string Type, string Level, string RegionCode, string? RegionName, LatLon Location,
    string Address, string Phone, OpeningHoursDto OpeningHours, IReadOnlyList<QueueCategory> Categories,
    IReadOnlyList<WindowDto> Windows, IReadOnlyList<string> Items, HallServiceStatus Status)
{
    public static HallProfileDto From(ServicePoint p, Region? region, HallServiceStatus status, CoordinateSystem crs) => new(
        p.Code, p.Name, Wire.Name(p.Type), Wire.Name(p.Level), p.RegionCode, region?.Name, LatLon.From(p.Location, crs),
        p.Address, p.Phone,
        new OpeningHoursDto(p.Hours.Always, [.. p.Hours.Workdays.Select(Format)], [.. p.Hours.Saturday.Select(Format)], !p.Hours.Always),
        p.Categories, [.. p.Windows.Select(w => new WindowDto(w.WindowNo, w.Name, w.Categories))], p.ItemCodes, status);

    private static string Format(OpeningSession s) => $"{s.Opens:HH\\:mm}-{s.Closes:HH\\:mm}";
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
