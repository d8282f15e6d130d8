using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using NetTopologySuite.Features;
using NetTopologySuite.Geometries;
using NetTopologySuite.IO.Converters;
using NetTopologySuite.Simplify;
using TongBan.Api.Pages;
using TongBan.Grains.Regions;

namespace TongBan.Api.Endpoints;

/// <summary>
/// Routes the web pages need beyond the published contract: region boundaries for the map's base layer and the
/// pages' configuration.
/// </summary>
public static class BoundaryEndpoints
{
    /// <summary>Simplification tolerance in degrees (≈ 200 m): enough for a province or county map, ~10× smaller.</summary>
    public const double Tolerance = 0.002;

    public static RouteGroupBuilder MapBoundaryEndpoints(this IEndpointRouteBuilder routes, PageOptions pages, bool developmentMode)
    {
        var group = routes.MapGroup("/api").WithTags("Pages").AllowAnonymous();
        var cache = new Dictionary<RegionLevel, Lazy<byte[]>>();

        group.MapGet("/map/boundaries", Results<FileContentHttpResult, ValidationProblem> (string? level, RegionCatalog regions, HttpContext context) =>
        {
            RegionLevel regionLevel;
            switch (level?.ToLowerInvariant())
            {
                case null or "county":
                    regionLevel = RegionLevel.County;
                    break;
                case "prefecture" or "city":
                    regionLevel = RegionLevel.Prefecture;
                    break;
                default:
                    return Problems.Invalid("level", "level must be county or prefecture.");
            }

            Lazy<byte[]> bytes;
            lock (cache)
            {
                if (!cache.TryGetValue(regionLevel, out bytes!))
                {
                    bytes = new Lazy<byte[]>(() => Build(regions, regionLevel));
                    cache[regionLevel] = bytes;
                }
            }

            context.Response.Headers.CacheControl = "public, max-age=3600";
            return TypedResults.File(bytes.Value, "application/geo+json");
        })
        .Produces(StatusCodes.Status200OK, contentType: "application/geo+json")
        .WithSummary("WGS84 boundaries (simplified to ≈200 m) of the 88 counties or 9 prefectures: properties code, name, level, parentCode.");

        group.MapGet("/pages/config", () => TypedResults.Ok(new PageConfigDto(
                string.IsNullOrWhiteSpace(pages.TileUrl) ? null : pages.TileUrl, pages.TileAttribution, developmentMode)))
            .WithSummary("What the web pages need: optional raster tile URL, and whether demo tokens come from /api/dev/token.");
        return group;
    }

    private static byte[] Build(RegionCatalog regions, RegionLevel level)
    {
        var features = new FeatureCollection();
        foreach (var region in regions.All.Where(r => r.Level == level))
        {
            if (regions.ShapeOf(region.Code) is not { } shape)
            {
                continue;
            }

            var simplified = TopologyPreservingSimplifier.Simplify(shape.Copy(), Tolerance);
            simplified.Apply(new RoundingFilter());
            features.Add(new Feature(simplified, new AttributesTable
            {
                { "code", region.Code }, { "name", region.Name }, { "level", Wire.Name(region.Level) }, { "parentCode", region.ParentCode },
            }));
        }

        // UTF-8 as every other route sends it (the Web defaults escape all non-ASCII: 名称 became \u540D\u79F0).
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web) { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        options.Converters.Add(new GeoJsonConverterFactory());
        options.Converters.Add(new ChinaTimeJsonConverter());
        return JsonSerializer.SerializeToUtf8Bytes(features, options);
    }

    /// <summary>Five decimals (≈1 m) are plenty for a boundary drawn on a map.</summary>
    private sealed class RoundingFilter : IEntireCoordinateSequenceFilter
    {
        public bool Done => false;

        public bool GeometryChanged => true;

        public void Filter(CoordinateSequence seq)
        {
            for (var i = 0; i < seq.Count; i++)
            {
                seq.SetX(i, Math.Round(seq.GetX(i), 5));
                seq.SetY(i, Math.Round(seq.GetY(i), 5));
            }
        }
    }
}
