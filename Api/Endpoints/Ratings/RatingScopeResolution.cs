using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using TongBan.Grains.Catalogue;
using TongBan.Grains.Halls;
using TongBan.Grains.Ratings;
using TongBan.Grains.Regions;

namespace TongBan.Api.Endpoints;

/// <summary>A rating scope resolved to its roll-up key, or the 400 / 404 that says why not.</summary>
public sealed record RatingScopeResolution(string? Key, ValidationProblem? Invalid, ProblemHttpResult? Missing)
{
    /// <summary>Maps the API's scope and id to a roll-up key, checking that the id exists: 400 when malformed, 404 when unknown.</summary>
    public static RatingScopeResolution Resolve(
        string? scope, string? id, ServicePointDirectory directory, RegionCatalog regions, ServiceCatalogue catalogue, bool allowStaffScopes)
    {
        if (scope is null)
        {
            return Bad(Problems.Invalid("scope", "scope is clerk, window, hall, item, department or region (county, city, province)."));
        }

        if (id is null && scope != RatingScopes.Province)
        {
            return Bad(Problems.Invalid("id", "id is required."));
        }

        if (id is { Length: > 64 })
        {
            return Bad(Problems.Invalid("id", "id has at most 64 characters."));
        }

        switch (scope)
        {
            case RatingScopes.Clerk when allowStaffScopes:
                return Found(RatingScopes.Key(RatingScopes.Clerk, id!));
            case RatingScopes.Window when allowStaffScopes:
                var slash = id!.LastIndexOf('/');
                if (slash < 0 || !int.TryParse(id[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var windowNo))
                {
                    return Bad(Problems.Invalid("id", "A window id is {hallCode}/{windowNo}, e.g. 520102-H001/3."));
                }

                return directory.Find(id[..slash]) is { } point && point.Windows.Any(w => w.WindowNo == windowNo)
                    ? Found(RatingScopes.Key(RatingScopes.Window, $"{point.Code}/{windowNo}"))
                    : Unknown(Problems.NotFound("Window", id));
            case RatingScopes.Hall:
                var lookup = HallLookup.Of(id!, directory);
                return new(lookup.Point is null ? null : RatingScopes.HallKey(id!), lookup.Invalid, lookup.Missing);
            case RatingScopes.Item:
                return catalogue.Find(id) is null ? Unknown(Problems.NotFound("Item", id!)) : Found(RatingScopes.Key(RatingScopes.Item, id!));
            case RatingScopes.Department:
                var parts = id!.Split('/');
                if (Departments.Find(parts[0]) is null || parts.Length > 2)
                {
                    return Unknown(Problems.NotFound("Department", id));
                }

                if (parts.Length == 2 && regions.Find(parts[1]) is null)
                {
                    return Unknown(Problems.NotFound("Region", parts[1]));
                }

                return Found(RatingScopes.Key(RatingScopes.Department, id));
            case "region" or RatingScopes.County or RatingScopes.City or RatingScopes.Province:
                var code = id ?? RegionCatalog.ProvinceCode;
                if (!RegionCatalog.IsWellFormedCode(code))
                {
                    return Bad(Problems.Invalid("id", "A region code has six digits, e.g. 520102."));
                }

                if (regions.Find(code) is not { } region || (scope != "region" && RatingScopes.OfLevel(region.Level) != scope))
                {
                    return Unknown(Problems.NotFound(scope == "region" ? "Region" : scope, code));
                }

                return Found(RatingScopes.Key(RatingScopes.OfLevel(region.Level), region.Code));
            default:
                return Bad(Problems.Invalid("scope", allowStaffScopes
                    ? "scope is clerk, window, hall, item, department or region (county, city, province)."
                    : "scope is hall, item, department or region."));
        }
    }

    /// <summary>The roll-up key of a region code: the province, a city (…00) or a county.</summary>
    public static string RegionKey(string code) => code == RegionCatalog.ProvinceCode
        ? RatingScopes.Key(RatingScopes.Province, code)
        : RatingScopes.Key(code.EndsWith("00", StringComparison.Ordinal) ? RatingScopes.City : RatingScopes.County, code);

    private static RatingScopeResolution Found(string key) => new(key, null, null);

    private static RatingScopeResolution Bad(ValidationProblem problem) => new(null, problem, null);

    private static RatingScopeResolution Unknown(ProblemHttpResult problem) => new(null, null, problem);
}
