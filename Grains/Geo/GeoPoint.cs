namespace TongBan.Grains.Geo;

/// <summary>
/// A point in WGS84 degrees. Every coordinate held inside TongBan is WGS84 (the system that
/// browser geolocation, GPS and Tianditu/CGCS2000 use); GCJ-02 input is converted at the edge.
/// </summary>
[GenerateSerializer, Immutable]
public readonly record struct GeoPoint([property: Id(0)] double Lat, [property: Id(1)] double Lon)
{
    public static bool IsValidCoordinate(double lat, double lon) =>
        !double.IsNaN(lat) && !double.IsNaN(lon) && lat is >= -90 and <= 90 && lon is >= -180 and <= 180;
}

/// <summary>Coordinate reference systems accepted on input and offered on output.</summary>
public enum CoordinateSystem
{
    /// <summary>WGS84 / CGCS2000 (GPS, browser geolocation, Tianditu). The internal system.</summary>
    Wgs84,

    /// <summary>GCJ-02 "火星坐标" (Amap/Gaode, DataV GeoJSON, most Chinese web maps).</summary>
    Gcj02,
}

public static class CoordinateSystems
{
    public static bool TryParse(string? text, out CoordinateSystem crs)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case null or "" or "wgs84" or "cgcs2000":
                crs = CoordinateSystem.Wgs84;
                return true;
            case "gcj02" or "gcj-02":
                crs = CoordinateSystem.Gcj02;
                return true;
            default:
                crs = default;
                return false;
        }
    }

    public static GeoPoint ToWgs84(GeoPoint p, CoordinateSystem from) =>
        from == CoordinateSystem.Gcj02 ? Gcj02.ToWgs84(p) : p;

    public static GeoPoint FromWgs84(GeoPoint p, CoordinateSystem to) =>
        to == CoordinateSystem.Gcj02 ? Gcj02.FromWgs84(p) : p;
}
