using System.Text.Json;
using System.Text.RegularExpressions;
using NetTopologySuite.Geometries;
using NetTopologySuite.Geometries.Prepared;
using NetTopologySuite.Index.Strtree;
using NetTopologySuite.IO.Converters;
using TongBan.Grains.Common;
using TongBan.Grains.Geo;

namespace TongBan.Grains.Regions;

/// <summary>
/// The province, its 9 prefectures and 88 county-level units, with boundaries, held in memory
/// on every silo. Built from DataV GeoJSON (GCJ-02), converted once to WGS84 at load.
/// Immutable after construction, so it is safe to share across threads and grains.
/// </summary>
public sealed partial class RegionCatalog
{
    public const string ProvinceCode = "520000";

    /// <summary>DataV keeps two pre-change codes; we use the current official ones and accept both.</summary>
    public static readonly IReadOnlyDictionary<string, string> DataVCodeAliases = new Dictionary<string, string>
    {
        ["520221"] = "520204", // 水城县 → 水城区 (2020)
        ["520522"] = "520581", // 黔西县 → 黔西市 (2021)
    };

    private readonly Dictionary<string, Region> byCode = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IPreparedGeometry> countyShapes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Geometry> shapes = new(StringComparer.Ordinal);
    private readonly STRtree<string> countyIndex = new();
    private readonly List<Region> all = [];

    private RegionCatalog()
    {
    }

    public IReadOnlyList<Region> All => all;

    [GeneratedRegex("^[0-9]{6}$")]
    private static partial Regex CodePattern();

    public static bool IsWellFormedCode(string? code) => code is not null && CodePattern().IsMatch(code);

    /// <summary>Loads the embedded GeoJSON. Takes ~100 ms; call once per process.</summary>
    public static RegionCatalog LoadEmbedded()
    {
        var catalog = new RegionCatalog();
        var factory = new GeometryFactory(new PrecisionModel(), 4326);
        var options = new JsonSerializerOptions();
        options.Converters.Add(new GeoJsonConverterFactory(factory));

        // Guiyang's Amap centre (GCJ-02) stands for the province seat.
        var provinceCenter = Gcj02.ToWgs84(new GeoPoint(26.578343, 106.713478));
        catalog.Add(new Region(ProvinceCode, "贵州省", RegionLevel.Province, null, provinceCenter, []), null);

        foreach (var (level, file) in new[] { (RegionLevel.Prefecture, "prefectures.geojson"), (RegionLevel.County, "counties.geojson") })
        {
            using var stream = EmbeddedData.Open("guizhou." + file);
            using var doc = JsonDocument.Parse(stream);
            foreach (var feature in doc.RootElement.GetProperty("features").EnumerateArray())
            {
                var props = feature.GetProperty("properties");
                var rawCode = props.GetProperty("adcode").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture);
                var code = DataVCodeAliases.GetValueOrDefault(rawCode, rawCode);
                var parent = props.GetProperty("parent").GetProperty("adcode").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture);
                var center = props.GetProperty("center");
                var centerWgs = Gcj02.ToWgs84(new GeoPoint(center[1].GetDouble(), center[0].GetDouble()));
                var geometry = JsonSerializer.Deserialize<Geometry>(feature.GetProperty("geometry").GetRawText(), options)
                    ?? throw new InvalidDataException($"Region {code} has no geometry.");
                geometry.Apply(new Gcj02ToWgs84Filter());
                geometry.GeometryChanged();
                var aliases = rawCode == code ? Array.Empty<string>() : [rawCode];
                catalog.Add(new Region(code, props.GetProperty("name").GetString()!, level, parent, centerWgs, aliases), geometry);
            }
        }

        catalog.countyIndex.Build();
        return catalog;
    }

    private void Add(Region region, Geometry? geometry)
    {
        byCode.Add(region.Code, region);
        foreach (var alias in region.Aliases)
        {
            byCode.Add(alias, region);
        }

        all.Add(region);
        if (geometry is null)
        {
            return;
        }

        shapes[region.Code] = geometry;
        if (region.Level == RegionLevel.County)
        {
            countyShapes[region.Code] = PreparedGeometryFactory.Prepare(geometry);
            countyIndex.Insert(geometry.EnvelopeInternal, region.Code);
        }
    }

    /// <summary>Finds a region by its official code or a known alias.</summary>
    public Region? Find(string code) => byCode.GetValueOrDefault(code);

    public IEnumerable<Region> ChildrenOf(string parentCode)
    {
        var parent = Find(parentCode);
        return parent is null ? [] : all.Where(r => r.ParentCode == parent.Code);
    }

    public IEnumerable<Region> Counties => all.Where(r => r.Level == RegionLevel.County);

    /// <summary>The boundary (WGS84) of a prefecture or county; null for the province.</summary>
    public Geometry? ShapeOf(string code) => Find(code) is { } r ? shapes.GetValueOrDefault(r.Code) : null;

    /// <summary>The county-level unit containing a WGS84 point, or null outside Guizhou.</summary>
    public Region? LocateCounty(GeoPoint wgs)
    {
        var point = new Point(wgs.Lon, wgs.Lat);
        foreach (var code in countyIndex.Query(point.EnvelopeInternal))
        {
            if (countyShapes[code].Covers(point))
            {
                return byCode[code];
            }
        }

        return null;
    }

    /// <summary>True when <paramref name="code"/> is <paramref name="ancestorCode"/> or lies under it.</summary>
    public bool IsWithin(string code, string ancestorCode)
    {
        var target = Find(ancestorCode)?.Code;
        for (var r = Find(code); r is not null; r = r.ParentCode is null ? null : Find(r.ParentCode))
        {
            if (r.Code == target)
            {
                return true;
            }
        }

        return false;
    }

    private sealed class Gcj02ToWgs84Filter : IEntireCoordinateSequenceFilter
    {
        public bool Done => false;

        public bool GeometryChanged => true;

        public void Filter(CoordinateSequence seq)
        {
            for (var i = 0; i < seq.Count; i++)
            {
                var wgs = Gcj02.ToWgs84(new GeoPoint(seq.GetY(i), seq.GetX(i)));
                seq.SetX(i, wgs.Lon);
                seq.SetY(i, wgs.Lat);
            }
        }
    }
}
