using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using TongBan.Grains.Geo;
using TongBan.Grains.Regions;

namespace TongBan.Api.Endpoints;

public static class RegionEndpoints
{
    public static RouteGroupBuilder MapRegionEndpoints(this IEndpointRouteBuilder routes)
    {
        // Administrative divisions are public reference data.
        var group = routes.MapGroup("/api/regions").WithTags("Regions").AllowAnonymous();

        group.MapGet("/", Results<Ok<IEnumerable<RegionDto>>, ValidationProblem, ProblemHttpResult> (
            string? parent, string? crs, RegionCatalog catalog) =>
        {
            if (!CoordinateSystems.TryParse(crs, out var system))
            {
                return Problems.Invalid("crs", "crs must be wgs84 or gcj02.");
            }

            if (parent is null)
            {
                return TypedResults.Ok(catalog.All.Select(r => RegionDto.From(r, system)));
            }

            if (!RegionCatalog.IsWellFormedCode(parent))
            {
                return Problems.Invalid("parent", "A region code has six digits, e.g. 520100.");
            }

            return catalog.Find(parent) is null
                ? Problems.NotFound("Region", parent)
                : TypedResults.Ok(catalog.ChildrenOf(parent).Select(r => RegionDto.From(r, system)));
        })
        .WithSummary("List regions: all of them, or the children of `parent` (province 520000 → 9 prefectures → 88 counties).");

        group.MapGet("/{code}", Results<Ok<RegionDto>, ValidationProblem, ProblemHttpResult> (string code, string? crs, RegionCatalog catalog) =>
        {
            if (!CoordinateSystems.TryParse(crs, out var system))
            {
                return Problems.Invalid("crs", "crs must be wgs84 or gcj02.");
            }

            if (!RegionCatalog.IsWellFormedCode(code))
            {
                return Problems.Invalid("code", "A region code has six digits, e.g. 520100.");
            }

            return catalog.Find(code) is { } region ? TypedResults.Ok(RegionDto.From(region, system)) : Problems.NotFound("Region", code);
        })
        .WithSummary("One region by its official code or a DataV alias (520221 → 520204, 520522 → 520581).");

        group.MapGet("/locate", Results<Ok<RegionDto>, ValidationProblem, ProblemHttpResult> (
            double? lat, double? lon, string? crs, RegionCatalog catalog) =>
        {
            if (CoordinateInput.Parse(lat, lon, crs) is not { } point)
            {
                return CoordinateInput.Problem(lat, lon, crs);
            }

            return catalog.LocateCounty(point.Wgs84) is { } county
                ? TypedResults.Ok(RegionDto.From(county, point.Crs))
                : TypedResults.Problem(
                    statusCode: StatusCodes.Status404NotFound,
                    title: "不在服务范围 Outside coverage",
                    detail: $"({lat}, {lon}) is not inside any county of Guizhou.");
        })
        .WithSummary("The county-level unit containing a point; 404 outside Guizhou.");

        return group;
    }
}

/// <summary>Validates a lat/lon/crs triple from a query string and converts it to WGS84.</summary>
public static class CoordinateInput
{
    public readonly record struct Parsed(GeoPoint Wgs84, CoordinateSystem Crs);

    public static Parsed? Parse(double? lat, double? lon, string? crs)
    {
        if (lat is not { } la || lon is not { } lo || !GeoPoint.IsValidCoordinate(la, lo) || !CoordinateSystems.TryParse(crs, out var system))
        {
            return null;
        }

        return new Parsed(CoordinateSystems.ToWgs84(new GeoPoint(la, lo), system), system);
    }

    public static ValidationProblem Problem(double? lat, double? lon, string? crs)
    {
        if (!CoordinateSystems.TryParse(crs, out _))
        {
            return Problems.Invalid("crs", "crs must be wgs84 or gcj02.");
        }

        return lat is null || lon is null
            ? Problems.Invalid(lat is null ? "lat" : "lon", "lat and lon are required.")
            : Problems.Invalid("lat", "lat must be in [-90, 90] and lon in [-180, 180].");
    }
}
