using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using TongBan.Api.Security;
using TongBan.Grains.Geo;
using TongBan.Grains.Halls;
using TongBan.Grains.Regions;

namespace TongBan.Api.Endpoints;

public sealed record HallStatusRequest(bool Suspended, string? Reason);

public static class HallEndpoints
{
    public const int MaxReasonLength = 200;

    public static RouteGroupBuilder MapHallEndpoints(this IEndpointRouteBuilder routes)
    {
        // The directory of service points and their live figures are public (政务数字地图).
        var group = routes.MapGroup("/api/halls").WithTags("Halls");

        group.MapGet("/", Results<Ok<IEnumerable<HallSummaryDto>>, ValidationProblem, ProblemHttpResult> (
            string? region, string? type, string? item, string? crs, RegionCatalog regions, ServicePointDirectory directory) =>
        {
            if (!CoordinateSystems.TryParse(crs, out var system))
            {
                return Problems.Invalid("crs", "crs must be wgs84 or gcj02.");
            }

            if (region is not null && !RegionCatalog.IsWellFormedCode(region))
            {
                return Problems.Invalid("region", "A region code has six digits, e.g. 520100.");
            }

            if (region is not null && regions.Find(region) is null)
            {
                return Problems.NotFound("Region", region);
            }

            ServicePointType? pointType = null;
            if (type is not null)
            {
                if (!Wire.TryParse<ServicePointType>(type, out var parsed))
                {
                    return Problems.Invalid("type", "type must be one of hall, subHall, station, selfService, partner.");
                }

                pointType = parsed;
            }

            if (item is { Length: > 64 })
            {
                return Problems.Invalid("item", "An item code has at most 64 characters.");
            }

            return TypedResults.Ok(directory.Query(region, pointType, item).Select(p => HallSummaryDto.From(p, system)));
        })
        .AllowAnonymous()
        .WithSummary("Service points in a region (and below it), optionally of one type or handling one item.");

        group.MapGet("/{hallCode}", async Task<Results<Ok<HallProfileDto>, ValidationProblem, ProblemHttpResult>> (
            string hallCode, string? crs, ServicePointDirectory directory, RegionCatalog regions, IGrainFactory grains) =>
        {
            if (!CoordinateSystems.TryParse(crs, out var system))
            {
                return Problems.Invalid("crs", "crs must be wgs84 or gcj02.");
            }

            var lookup = HallLookup.Of(hallCode, directory);
            if (lookup.Invalid is { } invalid)
            {
                return invalid;
            }

            if (lookup.Missing is { } missing)
            {
                return missing;
            }

            var point = lookup.Point!;
            var status = await grains.GetGrain<IHallGrain>(hallCode).GetServiceStatus();
            return TypedResults.Ok(HallProfileDto.From(point, regions.Find(point.RegionCode), status, system));
        })
        .AllowAnonymous()
        .WithSummary("Profile of one service point: address, opening hours, categories, windows, items, service status.");

        group.MapGet("/{hallCode}/snapshot", async Task<Results<Ok<HallSnapshot>, ValidationProblem, ProblemHttpResult>> (
            string hallCode, ServicePointDirectory directory, IGrainFactory grains) =>
        {
            var lookup = HallLookup.Of(hallCode, directory);
            if (lookup.Invalid is { } invalid)
            {
                return invalid;
            }

            if (lookup.Missing is { } missing)
            {
                return missing;
            }

            return TypedResults.Ok(await grains.GetGrain<IHallGrain>(hallCode).GetSnapshot());
        })
        .AllowAnonymous()
        .WithSummary("Live snapshot: waiting per category, windows, served today, appointments today, good rate.")
        .WithDescription("Figures are rounded as read: waits and errors in whole minutes, servingWindows a whole count of open windows. " +
            "A category whose tickets wait while no open window serves it has predictedWaitMinutes null and noWindow true (无窗口办理), " +
            "never 0. meanAbsoluteErrorMinutes / p90AbsoluteErrorMinutes are null until they rest on 10 predicted tickets; " +
            "errorSampleCount says how many they rest on.");

        group.MapPut("/{hallCode}/status", async Task<Results<Ok<HallServiceStatus>, ValidationProblem, ProblemHttpResult>> (
            string hallCode, HallStatusRequest body, ClaimsPrincipal user, ServicePointDirectory directory, RegionCatalog regions, IGrainFactory grains) =>
        {
            var lookup = HallLookup.Of(hallCode, directory);
            if (lookup.Invalid is { } invalid)
            {
                return invalid;
            }

            if (lookup.Missing is { } missing)
            {
                return missing;
            }

            if (body.Reason is { Length: > MaxReasonLength })
            {
                return Problems.Invalid("reason", $"reason has at most {MaxReasonLength} characters.");
            }

            if (!MayOperate(user, lookup.Point!, regions))
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "无权操作 Forbidden",
                    detail: $"You may not change the status of service point {hallCode}.");
            }

            var actor = $"{user.Claim(TongBanClaims.Role)}:{user.Claim(TongBanClaims.Subject)}";
            return TypedResults.Ok(await grains.GetGrain<IHallGrain>(hallCode).SetServiceStatus(body.Suspended, body.Reason, actor));
        })
        .RequireAuthorization(Policies.HallOperations)
        .WithSummary("Suspend (暂停服务) or resume a service point. Hall managers for their own hall; supervisors within their region.");

        return group;
    }

    private static bool MayOperate(ClaimsPrincipal user, ServicePoint point, RegionCatalog regions)
    {
        if (user.IsInRole(Roles.Admin))
        {
            return true;
        }

        if (user.IsInRole(Roles.HallManager))
        {
            return user.Claim(TongBanClaims.HallCode) == point.Code;
        }

        return user.IsInRole(Roles.Supervisor) && user.Claim(TongBanClaims.RegionCode) is { } region && regions.IsWithin(point.RegionCode, region);
    }
}

/// <summary>Resolves a hall code from a route: 400 when malformed, 404 when unknown.</summary>
public readonly record struct HallLookup(ServicePoint? Point, ValidationProblem? Invalid, ProblemHttpResult? Missing)
{
    public static HallLookup Of(string hallCode, ServicePointDirectory directory)
    {
        if (!ServicePointCode.IsWellFormed(hallCode))
        {
            return new(null, Problems.Invalid("hallCode", "A service point code looks like 520102-H001."), null);
        }

        return directory.Find(hallCode) is { } point
            ? new(point, null, null)
            : new(null, null, Problems.NotFound("Service point", hallCode));
    }
}
