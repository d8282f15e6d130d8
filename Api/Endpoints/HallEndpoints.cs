using System.Globalization;
using System.Security.Claims;
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

public sealed record HallStatusRequest(bool Suspended, string? Reason);

/// <summary>
/// <c>PUT /api/halls/{hallCode}/hours/exceptions/{date}</c>: <c>kind</c> "extended" (延时服务, with <c>closesAt</c> "HH:mm" later than the
/// day's regular closing) or "closed" (临时闭厅, with a <c>reason</c>, through <c>to</c> "yyyy-MM-dd" for a range; default the one date).
/// </summary>
public sealed record HoursExceptionRequest(string? Kind, string? ClosesAt, string? To, string? Reason);

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
            HallRoute routeHall, string hallCode, string? crs, ServicePointDirectory directory, RegionCatalog regions, IGrainFactory grains, HallHours hours) =>
        {
            if (!CoordinateSystems.TryParse(crs, out var system))
            {
                return Problems.Invalid("crs", "crs must be wgs84 or gcj02.");
            }

            var point = routeHall.Point;
            var status = await grains.GetGrain<IHallGrain>(hallCode).GetServiceStatus();
            return TypedResults.Ok(HallProfileDto.From(point, regions.Find(point.RegionCode), status, system, hours.Read(point)));
        })
        .AllowAnonymous()
        .WithSummary("Profile of one service point: address, opening hours, categories, windows, items, service status.")
        .WithDescription("`openingHours` (sessions, ticket cutoff, manager exceptions), `openNow`, `takingTickets` and `nextOpening` (ISO 8601, +08:00) come from the hall's clock.");

        group.MapGet("/{hallCode}/snapshot", async Task<Results<Ok<HallSnapshot>, ValidationProblem, ProblemHttpResult>> (
            HallRoute routeHall, string hallCode, ServicePointDirectory directory, IGrainFactory grains) =>
        {
            return TypedResults.Ok(await grains.GetGrain<IHallGrain>(hallCode).GetSnapshot());
        })
        .AllowAnonymous()
        .WithSummary("Live snapshot: waiting per category, windows, served today, appointments today, good rate.")
        .WithDescription("Figures are rounded as read: waits and errors in whole minutes, servingWindows a whole count of open windows. " +
            "A category whose tickets wait while no open window serves it has predictedWaitMinutes null and noWindow true (无窗口办理), " +
            "never 0. meanAbsoluteErrorMinutes / p90AbsoluteErrorMinutes are null until they rest on 10 predicted tickets; " +
            "errorSampleCount says how many they rest on.");

        group.MapPut("/{hallCode}/status", async Task<Results<Ok<HallServiceStatus>, ValidationProblem, ProblemHttpResult>> (
            HallRoute routeHall, string hallCode, HallStatusRequest body, ClaimsPrincipal user, ServicePointDirectory directory, RegionCatalog regions, IGrainFactory grains) =>
        {
            if (body.Reason is { Length: > MaxReasonLength })
            {
                return Problems.Invalid("reason", $"reason has at most {MaxReasonLength} characters.");
            }

            if (!user.MayOperateHall(routeHall.Point, regions))
            {
                return Problems.Forbidden($"You may not change the status of service point {hallCode}.");
            }

            var actor = $"{user.Claim(TongBanClaims.Role)}:{user.Claim(TongBanClaims.Subject)}";
            return TypedResults.Ok(await grains.GetGrain<IHallGrain>(hallCode).SetServiceStatus(body.Suspended, body.Reason, actor));
        })
        .RequireAuthorization(Policies.HallOperations)
        .WithSummary("Suspend (暂停服务) or resume a service point. Hall managers for their own hall; supervisors within their region.");

        MapHoursRoutes(group);
        return group;
    }

    public const int MaxClosureDays = 92;
    public const int MaxExceptionsAhead = 60;

    private static void MapHoursRoutes(RouteGroupBuilder group)
    {
        group.MapGet("/{hallCode}/hours", Results<Ok<HallHoursDto>, ValidationProblem, ProblemHttpResult> (
            HallRoute routeHall, HallHours hours) => TypedResults.Ok(HallHoursDto.From(routeHall.Point, hours.Read(routeHall.Point))))
        .AllowAnonymous()
        .WithSummary("The hall's clock now: open, taking tickets, next opening, closing and cutoff times, sessions and manager exceptions.");

        group.MapPut("/{hallCode}/hours/exceptions/{date}", async Task<Results<Ok<HallHoursDto>, ValidationProblem, ProblemHttpResult>> (
            HallRoute routeHall, string hallCode, string date, HoursExceptionRequest body, ClaimsPrincipal user, ServicePointDirectory directory, RegionCatalog regions,
            IGrainFactory grains, ServicePointDirectorySync sync, HallHours hours, Grains.Appointments.AppointmentOptions appointments) =>
        {
            var point = routeHall.Point;
            if (!user.MayOperateHall(point, regions))
            {
                return Forbidden(hallCode);
            }

            var parsed = ParseException(date, body, point, hours);
            if (parsed.Invalid is { } bad)
            {
                return bad;
            }

            var exception = parsed.Exception! with { SetBy = $"{user.Claim(TongBanClaims.Role)}:{user.Claim(TongBanClaims.Subject)}" };
            var today = hours.Today;
            var kept = (point.HoursExceptions ?? []).Where(e => e.To >= today && e.From != exception.From).ToList();
            if (kept.FirstOrDefault(e => e.From <= exception.To && exception.From <= e.To) is { } overlap)
            {
                return Problems.Conflict(
                    $"An exception already covers {overlap.From:yyyy-MM-dd}–{overlap.To:yyyy-MM-dd} ({Wire.Name(overlap.Kind)}); delete it first (DELETE …/hours/exceptions/{overlap.From:yyyy-MM-dd}).",
                    new Dictionary<string, object?> { ["code"] = "exceptionOverlaps", ["from"] = overlap.From.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) });
            }

            if (kept.Count >= MaxExceptionsAhead)
            {
                return Problems.Invalid("date", $"A hall keeps at most {MaxExceptionsAhead} exceptions ahead.");
            }

            point = point with { HoursExceptions = [.. kept.Append(exception).OrderBy(e => e.From)] };
            await grains.GetGrain<IServicePointRegistryGrain>(0).Upsert(point);
            sync.ApplyLocal(point);
            if (exception.Kind == HoursExceptionKind.Closed)
            {
                await AppointmentClosure.CancelAsync(grains, hallCode, exception.From, exception.To, today, appointments.HorizonDays);
            }

            return TypedResults.Ok(HallHoursDto.From(point, hours.Read(point)));
        })
        .RequireAuthorization(Policies.HallOperations)
        .WithSummary("Set an exception to the hall's hours from {date} (yyyy-MM-dd): extended hours (延时服务) or a closure (临时闭厅) with a reason. Idempotent.")
        .WithDescription("Hall managers for their own hall; supervisors within their region. Every silo's clock follows (tickets, windows, appointments, map). " +
            "A closure cancels the bookings of its days (within the booking horizon) and tells their applicants (appointmentCancelledHallClosed); their reminders are suppressed. " +
            "400 for bad dates or times, 409 when it overlaps another exception.");

        group.MapDelete("/{hallCode}/hours/exceptions/{date}", async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> (
            HallRoute routeHall, string hallCode, string date, ClaimsPrincipal user, ServicePointDirectory directory, RegionCatalog regions,
            IGrainFactory grains, ServicePointDirectorySync sync) =>
        {
            if (!DateOnly.TryParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var from))
            {
                return Problems.Invalid("date", "date is yyyy-MM-dd.");
            }

            var point = routeHall.Point;
            if (!user.MayOperateHall(point, regions))
            {
                return Forbidden(hallCode);
            }

            var exceptions = point.HoursExceptions ?? [];
            if (exceptions.All(e => e.From != from))
            {
                return Problems.NotFound($"Hours exception of {hallCode}", date);
            }

            point = point with { HoursExceptions = [.. exceptions.Where(e => e.From != from)] };
            await grains.GetGrain<IServicePointRegistryGrain>(0).Upsert(point);
            sync.ApplyLocal(point);
            return TypedResults.NoContent();
        })
        .RequireAuthorization(Policies.HallOperations)
        .WithSummary("Remove the exception that starts on {date}: the regular hours apply again.");
    }

    private static ProblemHttpResult Forbidden(string hallCode) =>
        Problems.Forbidden($"You may not change the hours of service point {hallCode}.");

    private static (HoursException? Exception, ValidationProblem? Invalid) ParseException(string date, HoursExceptionRequest body, ServicePoint point, HallHours hours)
    {
        if (!DateOnly.TryParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var from))
        {
            return (null, Problems.Invalid("date", "date is yyyy-MM-dd, e.g. 2026-12-31."));
        }

        var today = hours.Today;
        if (from < today || from > today.AddDays(366))
        {
            return (null, Problems.Invalid("date", $"date is between today ({today:yyyy-MM-dd}) and a year ahead."));
        }

        if (body.Reason is { Length: > MaxReasonLength })
        {
            return (null, Problems.Invalid("reason", $"reason has at most {MaxReasonLength} characters."));
        }

        switch (body.Kind)
        {
            case "closed":
                var to = from;
                if (body.To is not null && !DateOnly.TryParseExact(body.To, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out to))
                {
                    return (null, Problems.Invalid("to", "to is yyyy-MM-dd."));
                }

                if (to < from || to.DayNumber - from.DayNumber >= MaxClosureDays)
                {
                    return (null, Problems.Invalid("to", $"to is on or after date, at most {MaxClosureDays} days in all."));
                }

                if (string.IsNullOrWhiteSpace(body.Reason))
                {
                    return (null, Problems.Invalid("reason", "A closure needs a reason the public sees (e.g. 设备检修)."));
                }

                return (new HoursException(from, to, HoursExceptionKind.Closed, null, body.Reason.Trim()), null);
            case "extended":
                if (body.To is not null && body.To != date)
                {
                    return (null, Problems.Invalid("to", "Extended hours cover one date; set one exception per date."));
                }

                if (body.ClosesAt is null || !TimeOnly.TryParseExact(body.ClosesAt, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var closesAt))
                {
                    return (null, Problems.Invalid("closesAt", "closesAt is HH:mm, e.g. 19:00."));
                }

                if (point.Hours.Always)
                {
                    return (null, Problems.Invalid("kind", "A 24-hour point has no closing time to extend."));
                }

                var sessions = HallClock.RegularSessionsOn(point.Hours, hours.Calendar, from);
                if (sessions.Count == 0)
                {
                    return (null, Problems.Invalid("date", $"{from:yyyy-MM-dd} is not an opening day of {point.Code}; extended hours extend a day's last session."));
                }

                if (closesAt <= sessions[^1].Closes)
                {
                    return (null, Problems.Invalid("closesAt", $"closesAt is later than the regular closing time {sessions[^1].Closes:HH\\:mm}."));
                }

                return (new HoursException(from, from, HoursExceptionKind.Extended, closesAt, string.IsNullOrWhiteSpace(body.Reason) ? null : body.Reason.Trim()), null);
            default:
                return (null, Problems.Invalid("kind", "kind is extended (延时服务) or closed (临时闭厅)."));
        }
    }
}
