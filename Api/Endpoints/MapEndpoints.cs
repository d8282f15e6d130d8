using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using NetTopologySuite.Features;
using NetTopologySuite.Geometries;
using NetTopologySuite.IO.Converters;
using TongBan.Api.Map;
using TongBan.Api.Security;
using TongBan.Grains.Geo;
using TongBan.Grains.Halls;
using TongBan.Grains.Map;
using TongBan.Grains.Regions;

namespace TongBan.Api.Endpoints;

/// <summary>
/// The 政务数字地图 routes. Coordinates: inputs in <c>crs</c> (wgs84 default, or gcj02), converted to WGS84 at
/// once; outputs in the same <c>crs</c>. A gcj02 bbox is converted corner by corner (the GCJ-02 offset varies by
/// metres across a city, so the box edges move by at most that).
/// </summary>
public static partial class MapEndpoints
{
    public const int MaxItemCodeLength = 64;

    /// <summary>Planned arrivals further ahead than this are refused: queue figures say nothing about next month.</summary>
    public static readonly TimeSpan MaxPlanAhead = TimeSpan.FromDays(7);

    private static readonly JsonSerializerOptions GeoJson = CreateGeoJsonOptions();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
    private static partial Regex ItemCodePattern();

    public static RouteGroupBuilder MapMapEndpoints(this IEndpointRouteBuilder routes)
    {
        // The map is public (政务公开): no personal data, only service points and their queues.
        var group = routes.MapGroup("/api/map").WithTags("Map").AllowAnonymous();

        group.MapGet("/points", Results<FileContentHttpResult, ValidationProblem, ProblemHttpResult> (
            string? bbox, string? type, string? item, string? region, string? crs, MapService map) =>
        {
            if (!CoordinateSystems.TryParse(crs, out var system))
            {
                return Problems.Invalid("crs", "crs must be wgs84 or gcj02.");
            }

            Envelope box;
            if (bbox is null)
            {
                box = new Envelope(-180, 180, -90, 90);
            }
            else if (!TryParseBox(bbox, system, out box, out var error))
            {
                return Problems.Invalid("bbox", error);
            }

            if (ParseType(type) is { Invalid: { } badType })
            {
                return badType;
            }

            if (ValidateItem(item) is { } badItem)
            {
                return badItem;
            }

            if (region is not null)
            {
                if (!RegionCatalog.IsWellFormedCode(region))
                {
                    return Problems.Invalid("region", "A region code has six digits, e.g. 520100.");
                }

                if (map.Regions.Find(region) is null)
                {
                    return Problems.NotFound("Region", region);
                }
            }

            var now = map.Now;
            var features = new FeatureCollection();
            foreach (var e in map.InBox(box, ParseType(type).Type, item))
            {
                if (region is not null && !map.Regions.IsWithin(e.Point.RegionCode, region))
                {
                    continue;
                }

                features.Add(Feature(MapPointDto.From(e.Point, map, now, system)));
            }

            return TypedResults.File(JsonSerializer.SerializeToUtf8Bytes(features, GeoJson), "application/geo+json");
        })
        .Produces(StatusCodes.Status200OK, contentType: "application/geo+json")
        .WithSummary("GeoJSON FeatureCollection of the service points in a bbox (minLon,minLat,maxLon,maxLat in crs), with live figures in the properties.");

        group.MapGet("/points/{code}", async Task<Results<Ok<MapPointDetailDto>, ValidationProblem, ProblemHttpResult>> (
            HallRoute routeHall, string code, string? crs, MapService map, ServicePointDirectory directory, IGrainFactory grains) =>
        {
            if (!CoordinateSystems.TryParse(crs, out var system))
            {
                return Problems.Invalid("crs", "crs must be wgs84 or gcj02.");
            }

            var p = routeHall.Point;
            if (p.Categories.Count > 0 && !p.Closed)
            {
                // Details are read one at a time: ask the hall itself, and refresh this silo's overlay with the answer.
                map.ApplyLive(MapPointLive.From(await grains.GetGrain<IHallGrain>(code).GetSnapshot()));
            }

            var live = map.Overlay.Find(code)?.Live;
            var categories = p.Categories.Select(c =>
            {
                var figures = live?.Categories.FirstOrDefault(x => x.Code == c.Code);
                return new CategoryLiveDto(c.Code, c.Name, figures?.Waiting, figures?.PredictedWaitMinutes, figures?.ServingWindows, figures?.NoWindow ?? false);
            }).ToList();
            var hours = OpeningHoursDto.From(p, DateOnly.FromDateTime(map.Now.ToOffset(Grains.Common.ChinaTime.Offset).DateTime));
            return TypedResults.Ok(new MapPointDetailDto(
                MapPointDto.From(p, map, map.Now, system), p.Address, p.Phone, hours, categories, p.Windows.Count, live?.AppointmentsNextHour,
                map.Regions.Find(p.RegionCode)?.Name));
        })
        .WithSummary("One service point with its live figures per queue category.")
        .WithDescription("Waits are whole minutes and servingWindows a whole count of open windows. A category whose tickets wait while no " +
            "open window serves it answers predictedWaitMinutes null and noWindow true (无窗口办理), never 0; the point's noWindow says the " +
            "same of its quoted category, and unservedCategories lists every such category.");

        group.MapGet("/nearest", async Task<Results<Ok<List<NearestResultDto>>, ValidationProblem, ProblemHttpResult>> (
            double? lat, double? lon, string? crs, string? item, string? mode, int? k, string? at, string? type,
            bool? includeClosed, bool? always, bool? allowOutside, bool? openNow, MapService map, NearestPlanner planner, CancellationToken cancellationToken) =>
        {
            if (CoordinateInput.Parse(lat, lon, crs) is not { } origin)
            {
                return CoordinateInput.Problem(lat, lon, crs);
            }

            var travelMode = TravelMode.Walk;
            if (mode is not null && !Wire.TryParse(mode, out travelMode))
            {
                return Problems.Invalid("mode", "mode must be walk, drive or transit.");
            }

            var count = k ?? 5;
            if (count < 1 || count > MapOptions.MaxK)
            {
                return Problems.Invalid("k", $"k must be between 1 and {MapOptions.MaxK}.");
            }

            if (ValidateItem(item) is { } badItem)
            {
                return badItem;
            }

            var parsedType = ParseType(type);
            if (parsedType.Invalid is { } badType)
            {
                return badType;
            }

            var now = map.Now;
            DateTimeOffset? arriveAt = null;
            if (at is not null)
            {
                if (!TryParseTime(at, out var when))
                {
                    return Problems.Invalid("at", "at is an ISO-8601 time, e.g. 2025-03-03T10:30:00+08:00 (no offset = Beijing time).");
                }

                if (when < now.AddMinutes(-5) || when > now + MaxPlanAhead)
                {
                    return Problems.Invalid("at", "at must lie between now and 7 days ahead.");
                }

                arriveAt = when;
            }

            var covered = map.IsCovered(origin.Wgs84);
            if (allowOutside != true && !covered)
            {
                return TypedResults.Problem(
                    statusCode: StatusCodes.Status404NotFound,
                    title: "不在服务范围 Outside coverage",
                    detail: $"({lat}, {lon}) 不在贵州省服务范围内；加 allowOutside=true 仍可查最近的网点。 | ({lat}, {lon}) is outside Guizhou; add allowOutside=true to get the nearest service points anyway.");
            }

            // Travel caps per mode; outside the province (allowOutside) the citizen asked for the nearest points whatever the distance.
            var query = new NearestQuery(
                origin.Wgs84, travelMode, count, now, arriveAt, parsedType.Type, item, includeClosed ?? false, always ?? false, openNow ?? false,
                covered ? map.Options.MaxRouteMeters(travelMode) : null);
            var answer = await planner.FindAsync(query, cancellationToken);
            var results = new List<NearestResultDto>(answer.Results.Count);
            for (var i = 0; i < answer.Results.Count; i++)
            {
                results.Add(NearestResultDto.From(answer.Results[i], i + 1, i + 1 < answer.Results.Count ? answer.Results[i + 1] : null, query, answer.TravelNote, origin.Crs));
            }

            return TypedResults.Ok(results);
        })
        .RequireRateLimiting(RateLimitPolicies.Nearest)
        .WithSummary("Service points ranked by the minutes until you are served = travel + the wait for the opening (if closed at arrival) + the predicted wait then.")
        .WithDescription(
            "mode walk|drive|transit (default walk); k 1..50 (default 5); at = planned arrival (up to 7 days ahead, +08:00 when no offset); type; " +
            "item (filters on the point's item codes). Routes are capped per mode (TongBan:Map:MaxWalkKm 5, MaxTransitKm 20, MaxDriveKm 100, " +
            "great circle × detour): k results come back when k points lie within the cap, fewer otherwise. A point closed at arrival stays " +
            "in the list, ranked by when it can serve, with opensAt (+08:00), opensAtText (「周一 09:00 开门」) and waitUntilOpenMinutes. " +
            "openNow=true keeps only points taking tickets at arrival; includeClosed also lists points that cannot serve within two weeks " +
            "(suspended, long closures), last; always = only 24h points; allowOutside answers outside Guizhou (no cap there). " +
            "The wait counts the people already sent there by earlier answers who are served before you in the same opening session " +
            "(expectedArrivalsAhead; plans up to 7 days ahead count, in the session of the planned arrival). Minutes are whole minutes; " +
            "totalMinutes is travel + waitUntilOpen + predictedWaitMinutes before rounding.");

        group.MapGet("/aggregates", Results<Ok<IEnumerable<RegionAggregateDto>>, ValidationProblem> (string? level, MapService map) =>
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
                case "province":
                    regionLevel = RegionLevel.Province;
                    break;
                default:
                    return Problems.Invalid("level", "level must be county, prefecture or province.");
            }

            return TypedResults.Ok(map.Aggregate(regionLevel).Select(a =>
                new RegionAggregateDto(a.Code, a.Name, Wire.Name(a.Level), a.Points, a.OpenPoints, a.Waiting, a.SuspendedPoints, a.GoodRate, a.RatedPoints)));
        })
        .WithSummary("Choropleth figures per county, prefecture or the province: points, open now, waiting, suspended, mean good rate where reported.");

        return group;
    }

    internal static bool TryParseBox(string text, CoordinateSystem crs, out Envelope box, out string error)
    {
        box = new Envelope();
        var parts = text.Split(',');
        var v = new double[4];
        if (parts.Length != 4 || !parts.Select((p, i) => double.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out v[i]) && double.IsFinite(v[i])).All(ok => ok))
        {
            error = "bbox is minLon,minLat,maxLon,maxLat: four numbers.";
            return false;
        }

        if (!GeoPoint.IsValidCoordinate(v[1], v[0]) || !GeoPoint.IsValidCoordinate(v[3], v[2]))
        {
            error = "bbox longitudes must be in [-180, 180] and latitudes in [-90, 90].";
            return false;
        }

        if (v[0] >= v[2] || v[1] >= v[3])
        {
            error = "bbox is inverted or empty: minLon < maxLon and minLat < maxLat are required.";
            return false;
        }

        var sw = CoordinateSystems.ToWgs84(new GeoPoint(v[1], v[0]), crs);
        var ne = CoordinateSystems.ToWgs84(new GeoPoint(v[3], v[2]), crs);
        box = new Envelope(sw.Lon, ne.Lon, sw.Lat, ne.Lat);
        error = string.Empty;
        return true;
    }

    private static (ServicePointType? Type, ValidationProblem? Invalid) ParseType(string? type)
    {
        if (type is null)
        {
            return (null, null);
        }

        return Wire.TryParse<ServicePointType>(type, out var parsed)
            ? (parsed, null)
            : (null, Problems.Invalid("type", "type must be one of hall, subHall, station, selfService, partner."));
    }

    /// <summary>
    /// There is no item catalogue in this build: any well-formed code is accepted and matched against the points'
    /// own item lists (an unknown code simply matches nothing).
    /// </summary>
    private static ValidationProblem? ValidateItem(string? item) =>
        item is not null && (item.Length > MaxItemCodeLength || !ItemCodePattern().IsMatch(item))
            ? Problems.Invalid("item", $"An item code is 1..{MaxItemCodeLength} letters, digits, '-', '_' or '.'.")
            : null;

    [GeneratedRegex(@"(Z|[+-]\d{2}:?\d{2})$", RegexOptions.IgnoreCase)]
    private static partial Regex OffsetSuffix();

    /// <summary>ISO-8601; a time without an offset is Beijing time (+08:00), whatever the server's zone.</summary>
    internal static bool TryParseTime(string text, out DateTimeOffset value)
    {
        text = text.Trim();
        if (OffsetSuffix().IsMatch(text))
        {
            return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out value);
        }

        if (DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
        {
            value = new DateTimeOffset(DateTime.SpecifyKind(local, DateTimeKind.Unspecified), Grains.Common.ChinaTime.Offset);
            return true;
        }

        value = default;
        return false;
    }

    private static IFeature Feature(MapPointDto p)
    {
        var attributes = new AttributesTable
        {
            { "code", p.Code }, { "name", p.Name }, { "type", p.Type }, { "level", p.Level }, { "regionCode", p.RegionCode },
            { "open", p.Open }, { "suspended", p.Suspended }, { "always", p.Always }, { "waiting", p.Waiting },
            { "predictedWaitMinutes", p.PredictedWaitMinutes }, { "goodRate", p.GoodRate }, { "openWindows", p.OpenWindows },
            { "items", p.Items.ToArray() }, { "at", p.At }, { "noWindow", p.NoWindow },
            { "unservedCategories", (p.UnservedCategories ?? []).ToArray() },
        };
        return new NetTopologySuite.Features.Feature(new Point(p.Location.Lon, p.Location.Lat), attributes);
    }

    private static JsonSerializerOptions CreateGeoJsonOptions()
    {
        // UTF-8 as every other route sends it (the Web defaults escape all non-ASCII: 名称 became \u540D\u79F0).
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web) { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        options.Converters.Add(new GeoJsonConverterFactory());
        options.Converters.Add(new ChinaTimeJsonConverter());
        return options;
    }
}
