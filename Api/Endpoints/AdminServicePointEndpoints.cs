using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using TongBan.Api.Security;
using TongBan.Grains.Geo;
using TongBan.Grains.Halls;
using TongBan.Grains.Map;
using TongBan.Grains.Regions;

namespace TongBan.Api.Endpoints;

/// <summary>A coordinate in a request body, in <c>crs</c> (wgs84 default, or gcj02).</summary>
public sealed record LocationInput(double? Lat, double? Lon, string? Crs);

/// <summary>Opening hours in a request body: sessions as "HH:mm-HH:mm".</summary>
public sealed record OpeningHoursInput(bool Always, IReadOnlyList<string>? Workdays, IReadOnlyList<string>? Saturday);

/// <summary>
/// Create (POST, all of name/type/location required) or change (PUT, only the fields given) a service point.
/// <c>regionCode</c> defaults to the county containing the location. <c>ticketCutoffMinutes</c> (0–120): 停止取号 this long before
/// each session closes (default 30).
/// </summary>
public sealed record ServicePointInput(
    string? Code, string? Name, string? Type, string? Level, string? RegionCode, LocationInput? Location,
    string? Address, string? Phone, OpeningHoursInput? Hours, IReadOnlyList<string>? Items, int? TicketCutoffMinutes = null);

public static class AdminServicePointEndpoints
{
    public const int MaxNameLength = 100;
    public const int MaxItems = 2000;
    public const int MaxTicketCutoffMinutes = 120;

    private static readonly QueueCategory General = new("A", "综合受理（全省通办）");

    public static RouteGroupBuilder MapAdminServicePointEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/admin/service-points").WithTags("Admin").RequireAuthorization(Policies.Admin);

        group.MapPost("/", async Task<Results<Created<HallProfileDto>, ValidationProblem, ProblemHttpResult>> (
            ServicePointInput body, ServicePointDirectory directory, RegionCatalog regions, IGrainFactory grains, ServicePointDirectorySync sync) =>
        {
            if (!ServicePointCode.IsWellFormed(body.Code))
            {
                return Problems.Invalid("code", "A service point code looks like 520102-H001 (region-kind letter-number).");
            }

            if (directory.Find(body.Code!) is not null)
            {
                return Problems.Conflict($"Service point {body.Code} exists; change it with PUT.");
            }

            if (string.IsNullOrWhiteSpace(body.Name) || body.Name.Length > MaxNameLength)
            {
                return Problems.Invalid("name", $"name is required, at most {MaxNameLength} characters.");
            }

            if (body.Type is null || !Wire.TryParse<ServicePointType>(body.Type, out var type))
            {
                return Problems.Invalid("type", "type must be one of hall, subHall, station, selfService, partner.");
            }

            if (ServicePointCode.Letter(type) != body.Code![7])
            {
                return Problems.Invalid("code", $"The kind letter of a {body.Type} is {ServicePointCode.Letter(type)}.");
            }

            if (ParseLocation(body.Location) is not { } location)
            {
                return LocationProblem(body.Location);
            }

            var level = ServiceLevel.County;
            if (body.Level is not null && !Wire.TryParse(body.Level, out level))
            {
                return Problems.Invalid("level", "level must be province, city, county, township or village.");
            }

            if (ResolveRegion(body.RegionCode, location, null, regions) is not { } region)
            {
                return RegionProblem(body.RegionCode);
            }

            var hoursResult = ParseHours(body.Hours, type == ServicePointType.SelfService ? OpeningHours.AroundTheClock : DefaultHours);
            if (hoursResult.Invalid is { } badHours)
            {
                return badHours;
            }

            if (ValidateItems(body.Items) is { } badItems)
            {
                return badItems;
            }

            IReadOnlyList<QueueCategory> categories = type == ServicePointType.SelfService ? [] : [General];
            IReadOnlyList<WindowProfile> windows = type == ServicePointType.SelfService ? [] : [new(1, "1号窗口", ["A"]), new(2, "2号窗口", ["A"])];
            var point = new ServicePoint(
                body.Code!, body.Name.Trim(), type, level, region, location, body.Address ?? string.Empty, body.Phone ?? string.Empty,
                hoursResult.Hours!, categories, windows, body.Items ?? []);
            await grains.GetGrain<IServicePointRegistryGrain>(0).Upsert(point);
            sync.ApplyLocal(point);
            return TypedResults.Created($"/api/halls/{point.Code}", Profile(point, regions));
        })
        .WithSummary("Add a service point (admin). Every silo's directory, map index and viewport watchers follow within moments.");

        group.MapPut("/{code}", async Task<Results<Ok<HallProfileDto>, ValidationProblem, ProblemHttpResult>> (
            HallRoute routeHall, string code, ServicePointInput body, ServicePointDirectory directory, RegionCatalog regions, IGrainFactory grains, ServicePointDirectorySync sync) =>
        {
            var point = routeHall.Point;
            if (body.Code is not null && body.Code != code)
            {
                return Problems.Invalid("code", "A service point's code cannot change.");
            }

            if (body.Type is not null && (!Wire.TryParse<ServicePointType>(body.Type, out var newType) || newType != point.Type))
            {
                return Problems.Invalid("type", "A service point's type cannot change (its code carries it).");
            }

            if (body.Name is not null)
            {
                if (string.IsNullOrWhiteSpace(body.Name) || body.Name.Length > MaxNameLength)
                {
                    return Problems.Invalid("name", $"name has 1..{MaxNameLength} characters.");
                }

                point = point with { Name = body.Name.Trim() };
            }

            if (body.Location is not null)
            {
                if (ParseLocation(body.Location) is not { } location)
                {
                    return LocationProblem(body.Location);
                }

                if (ResolveRegion(body.RegionCode, location, point, regions) is not { } region)
                {
                    return RegionProblem(body.RegionCode);
                }

                point = point with { Location = location, RegionCode = region };
            }
            else if (body.RegionCode is not null)
            {
                if (regions.Find(body.RegionCode) is not { } r)
                {
                    return RegionProblem(body.RegionCode);
                }

                point = point with { RegionCode = r.Code };
            }

            if (body.Level is not null)
            {
                if (!Wire.TryParse<ServiceLevel>(body.Level, out var level))
                {
                    return Problems.Invalid("level", "level must be province, city, county, township or village.");
                }

                point = point with { Level = level };
            }

            if (body.Hours is not null)
            {
                var hoursResult = ParseHours(body.Hours, point.Hours);
                if (hoursResult.Invalid is { } badHours)
                {
                    return badHours;
                }

                point = point with { Hours = hoursResult.Hours! };
            }

            if (body.Items is not null)
            {
                if (ValidateItems(body.Items) is { } badItems)
                {
                    return badItems;
                }

                point = point with { ItemCodes = body.Items };
            }

            if (body.TicketCutoffMinutes is { } cutoff)
            {
                if (cutoff is < 0 or > MaxTicketCutoffMinutes)
                {
                    return Problems.Invalid("ticketCutoffMinutes", $"ticketCutoffMinutes is 0..{MaxTicketCutoffMinutes}.");
                }

                point = point with { TicketCutoffMinutes = cutoff };
            }

            point = point with { Address = body.Address ?? point.Address, Phone = body.Phone ?? point.Phone };
            await grains.GetGrain<IServicePointRegistryGrain>(0).Upsert(point);
            sync.ApplyLocal(point);
            return TypedResults.Ok(Profile(point, regions));
        })
        .WithSummary("Change a service point (admin): name, location (move), region, level, hours, ticket cutoff, items, address, phone.");

        group.MapPost("/{code}/close", (HallRoute routeHall, string code, ServicePointDirectory directory, RegionCatalog regions, IGrainFactory grains, ServicePointDirectorySync sync) =>
            SetClosed(routeHall, code, true, directory, regions, grains, sync))
            .WithSummary("Close a service point (撤销/停用): it leaves the map and the nearest search. Idempotent.");

        group.MapPost("/{code}/reopen", (HallRoute routeHall, string code, ServicePointDirectory directory, RegionCatalog regions, IGrainFactory grains, ServicePointDirectorySync sync) =>
            SetClosed(routeHall, code, false, directory, regions, grains, sync))
            .WithSummary("Reopen a closed service point. Idempotent.");

        return group;
    }

    private static readonly OpeningHours DefaultHours = new(
        false, [new(new TimeOnly(9, 0), new TimeOnly(12, 0)), new(new TimeOnly(13, 0), new TimeOnly(17, 0))], []);

    private static async Task<Results<Ok<HallProfileDto>, ValidationProblem, ProblemHttpResult>> SetClosed(
        HallRoute routeHall, string code, bool closed, ServicePointDirectory directory, RegionCatalog regions, IGrainFactory grains, ServicePointDirectorySync sync)
    {
        var point = routeHall.Point;
        if (point.Closed != closed)
        {
            point = point with { Closed = closed };
            await grains.GetGrain<IServicePointRegistryGrain>(0).Upsert(point);
            sync.ApplyLocal(point);
        }

        return TypedResults.Ok(Profile(point, regions));
    }

    private static HallProfileDto Profile(ServicePoint p, RegionCatalog regions) =>
        HallProfileDto.From(p, regions.Find(p.RegionCode), HallServiceStatus.Open, CoordinateSystem.Wgs84);

    private static GeoPoint? ParseLocation(LocationInput? input) =>
        input is null ? null : CoordinateInput.Parse(input.Lat, input.Lon, input.Crs)?.Wgs84;

    private static ValidationProblem LocationProblem(LocationInput? input) =>
        input is null ? Problems.Invalid("location", "location {lat, lon, crs?} is required.") : CoordinateInput.Problem(input.Lat, input.Lon, input.Crs);

    private static ValidationProblem RegionProblem(string? regionCode) =>
        regionCode is null
            ? Problems.Invalid("location", "The location is not inside any county of Guizhou; give a regionCode if this is intended.")
            : Problems.Invalid("regionCode", $"Unknown region '{regionCode}'.");

    /// <summary>
    /// The region of a new or moved point: the given code; else, for a move within the old region (a city hall
    /// moving inside its city), the old region; else the county that contains the new location.
    /// </summary>
    private static string? ResolveRegion(string? given, GeoPoint location, ServicePoint? old, RegionCatalog regions)
    {
        if (given is not null)
        {
            return RegionCatalog.IsWellFormedCode(given) ? regions.Find(given)?.Code : null;
        }

        var county = regions.LocateCounty(location)?.Code;
        if (old is not null && county is not null && regions.IsWithin(county, old.RegionCode))
        {
            return old.RegionCode;
        }

        return county;
    }

    private static (OpeningHours? Hours, ValidationProblem? Invalid) ParseHours(OpeningHoursInput? input, OpeningHours fallback)
    {
        if (input is null)
        {
            return (fallback, null);
        }

        if (input.Always)
        {
            return (OpeningHours.AroundTheClock, null);
        }

        var workdays = ParseSessions(input.Workdays);
        var saturday = ParseSessions(input.Saturday);
        if (workdays is null || saturday is null)
        {
            return (null, Problems.Invalid("hours", "Sessions are \"HH:mm-HH:mm\", in order, not overlapping, e.g. [\"09:00-12:00\", \"13:00-17:00\"]."));
        }

        return (new OpeningHours(false, workdays, saturday), null);
    }

    private static List<OpeningSession>? ParseSessions(IReadOnlyList<string>? texts)
    {
        var sessions = new List<OpeningSession>();
        foreach (var text in texts ?? [])
        {
            var parts = text.Split('-');
            if (parts.Length != 2 || !TimeOnly.TryParseExact(parts[0].Trim(), "HH:mm", out var opens) ||
                !TimeOnly.TryParseExact(parts[1].Trim(), "HH:mm", out var closes) || closes <= opens ||
                (sessions.Count > 0 && opens < sessions[^1].Closes))
            {
                return null;
            }

            sessions.Add(new OpeningSession(opens, closes));
        }

        return sessions;
    }

    private static ValidationProblem? ValidateItems(IReadOnlyList<string>? items)
    {
        if (items is null)
        {
            return null;
        }

        return items.Count > MaxItems || items.Any(i => string.IsNullOrWhiteSpace(i) || i.Length > MapEndpoints.MaxItemCodeLength)
            ? Problems.Invalid("items", $"items: at most {MaxItems} codes of 1..{MapEndpoints.MaxItemCodeLength} characters.")
            : null;
    }
}
