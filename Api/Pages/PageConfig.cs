namespace TongBan.Api.Pages;

/// <summary>Configuration section <c>TongBan:Pages</c>: what the web pages need from the server.</summary>
public sealed class PageOptions
{
    public const string Section = "TongBan:Pages";

    /// <summary>
    /// Optional raster tile URL template for the map (Leaflet syntax: {z}/{x}/{y}, {s}); in WGS84 web mercator (Tianditu's *_w layers with their key, OSM); GCJ-02 tiles (Amap) would sit ~500 m off.
    /// Unset: the map draws only the county and prefecture polygons, so it works with no tile server.
    /// </summary>
    public string? TileUrl { get; set; }

    public string? TileAttribution { get; set; }
}

/// <summary><c>GET /api/pages/config</c>: the tile layer and whether demo tokens can be had from the development endpoint.</summary>
public sealed record PageConfigDto(string? TileUrl, string? TileAttribution, bool DevTokens);
