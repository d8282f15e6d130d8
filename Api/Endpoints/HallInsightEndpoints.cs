using System.Globalization;
using System.Security.Claims;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using TongBan.Api.Security;
using TongBan.Grains.Alerts;
using TongBan.Grains.Common;
using TongBan.Grains.Forecast;
using TongBan.Grains.Halls;

namespace TongBan.Api.Endpoints;

/// <summary>
/// <c>PUT /api/halls/{hallCode}/alert-thresholds</c>: the hall's alert thresholds; a null (or missing) number switches
/// its rule off; <c>noOpenWindow</c> defaults to on.
/// </summary>
public sealed record AlertThresholdsRequest(int? WaitingCount, int? PredictedWaitMinutes, int? WindowPausedMinutes, bool? NoOpenWindow, int? DeadlineWarningDays);

/// <summary>Alerts to the hall manager (大厅预警) and the wait forecast (等候预测) of a hall.</summary>
public static partial class HallInsightEndpoints
{
    /// <summary>Longest range of <c>GET /api/halls/{hallCode}/alerts</c>.</summary>
    public const int MaxAlertRangeDays = 92;

    public static RouteGroupBuilder MapHallInsightEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/halls").WithTags("Halls");

        group.MapGet("/{hallCode}/alert-thresholds", async Task<Results<Ok<AlertThresholds>, ValidationProblem, ProblemHttpResult>> (
            string hallCode, ClaimsPrincipal user, ServicePointDirectory directory, IGrainFactory grains) =>
        {
            var (invalid, refused) = Check(hallCode, user, directory);
            if (invalid is not null)
            {
                return invalid;
            }

            if (refused is not null)
            {
                return refused;
            }

            return TypedResults.Ok(await grains.GetGrain<IHallAlertGrain>(hallCode).GetThresholds());
        })
        .RequireAuthorization(Policies.HallOperations)
        .WithSummary("The hall's alert thresholds (预警阈值): its manager or an admin.")
        .WithDescription("Defaults until set: waitingCount 30, predictedWaitMinutes 45, windowPausedMinutes 20, noOpenWindow true, deadlineWarningDays 1. A null threshold means the rule is off.");

        group.MapPut("/{hallCode}/alert-thresholds", async Task<Results<Ok<AlertThresholds>, ValidationProblem, ProblemHttpResult>> (
            string hallCode, AlertThresholdsRequest body, ClaimsPrincipal user, ServicePointDirectory directory, IGrainFactory grains) =>
        {
            var (invalid, refused) = Check(hallCode, user, directory);
            if (invalid is not null)
            {
                return invalid;
            }

            if (refused is not null)
            {
                return refused;
            }

            var thresholds = new AlertThresholds(body.WaitingCount, body.PredictedWaitMinutes, body.WindowPausedMinutes, body.NoOpenWindow ?? true, body.DeadlineWarningDays);
            if (thresholds.Validate() is { } bad)
            {
                return Problems.Invalid(bad.Field, bad.Message);
            }

            var actor = $"{user.Claim(TongBanClaims.Role)}:{user.Claim(TongBanClaims.Subject)}";
            return TypedResults.Ok(await grains.GetGrain<IHallAlertGrain>(hallCode).SetThresholds(thresholds, actor));
        })
        .RequireAuthorization(Policies.HallOperations)
        .WithSummary("Set the hall's alert thresholds (hall manager of the hall, or admin); the alerts are re-evaluated at once. Idempotent.")
        .WithDescription("waitingCount 1–10000 per category; predictedWaitMinutes 1–600 per category; windowPausedMinutes 1–600 for one pause; " +
            "noOpenWindow: tickets wait in a category no open window serves; deadlineWarningDays 0–30: a 差评 follow-up (回访核实 / 整改反馈) or a case received at the hall due within that many calendar days, or overdue. null switches a rule off.");

        group.MapGet("/{hallCode}/alerts", async Task<Results<Ok<HallAlertList>, ValidationProblem, ProblemHttpResult>> (
            string hallCode, string? from, string? to, ClaimsPrincipal user, ServicePointDirectory directory, IGrainFactory grains, TimeProvider clock) =>
        {
            var (invalid, refused) = Check(hallCode, user, directory);
            if (invalid is not null)
            {
                return invalid;
            }

            if (refused is not null)
            {
                return refused;
            }

            // Alerts are stamped by the silo's clock (not the hall floor's test-shiftable one): the default range reads it too.
            var now = ChinaTime.Now(clock);
            var start = ForecastTime.At(ChinaTime.Today(clock), TimeOnly.MinValue);
            var end = now.AddMinutes(1);
            if (from is not null)
            {
                if (ParseTime(from, endOfDay: false) is not { } f)
                {
                    return Problems.Invalid("from", "from is ISO 8601 (2026-12-01T08:00:00+08:00) or a date (2026-12-01).");
                }

                start = f;
            }

            if (to is not null)
            {
                if (ParseTime(to, endOfDay: true) is not { } t)
                {
                    return Problems.Invalid("to", "to is ISO 8601 (2026-12-01T18:00:00+08:00) or a date (2026-12-01, inclusive).");
                }

                end = t;
            }

            if (end <= start)
            {
                return Problems.Invalid("to", "to must be later than from.");
            }

            if (end - start > TimeSpan.FromDays(MaxAlertRangeDays))
            {
                return Problems.Invalid("to", $"A range covers at most {MaxAlertRangeDays} days.");
            }

            return TypedResults.Ok(await grains.GetGrain<IHallAlertGrain>(hallCode).GetAlerts(start, end));
        })
        .RequireAuthorization(Policies.HallOperations)
        .WithSummary("The hall's alerts: open ones and the cleared ones overlapping [from, to) (hall manager of the hall, or admin).")
        .WithDescription("Default range: today (+08:00) until now. Each alert has kind (waitingCount, predictedWait, noOpenWindow, windowPaused, followUpDeadline, caseDeadline), " +
            "subject, a zh-CN message, openedAt and clearedAt (null while open). Opening and clearing are pushed live as hallAlert to the manager's desk (WatchHallComplaints joins it). " +
            $"History keeps the latest {AlertRules.HistoryLimit} cleared alerts per hall.");

        group.MapGet("/{hallCode}/forecast", async Task<Results<Ok<WaitForecast>, ValidationProblem, ProblemHttpResult>> (
            string hallCode, string? category, string? at, ServicePointDirectory directory, HallHours hours, HallForecaster forecaster, ForecastOptions options,
            CancellationToken cancellationToken) =>
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

            var point = lookup.Point!;
            if (string.IsNullOrWhiteSpace(category))
            {
                return Problems.Invalid("category", "category is required, e.g. A.");
            }

            if (category.Length > 16)
            {
                return Problems.Invalid("category", "A category code has at most 16 characters.");
            }

            if (!point.Categories.Any(c => c.Code == category))
            {
                return Problems.NotFound($"Category of {hallCode}", category);
            }

            var now = hours.Now;
            var when = now;
            if (at is not null)
            {
                if (ParseTime(at, endOfDay: false) is not { } parsed || IsDateOnly(at))
                {
                    return Problems.Invalid("at", "at is an ISO 8601 time, e.g. 2026-12-08T10:30:00+08:00 (+08:00 when no offset is given).");
                }

                when = parsed;
            }

            if (when < now.AddMinutes(-1))
            {
                return Problems.Invalid("at", "at must not be in the past.");
            }

            if (when > now.AddDays(options.MaxDaysAhead))
            {
                return Problems.Invalid("at", $"at is at most {options.MaxDaysAhead} days ahead.");
            }

            var reading = HallClock.Read(point, hours.Calendar, when);
            if (!reading.TakingTickets)
            {
                return TypedResults.Problem(
                    statusCode: StatusCodes.Status400BadRequest,
                    title: "该时间不取号 Not taking tickets then",
                    detail: $"{point.Name} does not take tickets at {HallClock.Iso(when)}: {reading.ClosedReason ?? "停止取号 ticket cutoff"}.",
                    extensions: new Dictionary<string, object?>
                    {
                        ["code"] = "hallClosedAt",
                        ["nextOpening"] = reading.NextOpening is { } next ? HallClock.Iso(next) : null,
                    });
            }

            return TypedResults.Ok(await forecaster.ForecastAsync(point, category, when, cancellationToken));
        })
        .AllowAnonymous()
        .WithSummary("Forecast wait (等候预测) for a ticket of a category taken at a future time: {predictedWaitMinutes, errorMinutes, basis}.")
        .WithDescription("Runs the line forward from now: today's line, the walk-ins the hall's own history expects per weekday × 15-minute slot, " +
            "the booked appointments, the windows open now (next 30 minutes) and then the windows normally open, within the hall's opening hours. " +
            "errorMinutes is the mean absolute error of a backtest on the latest held-out days (up to 7). basis.kind is history or noHistory: " +
            "without history only today's line, the bookings and the planned windows count, and errorMinutes is today's live estimate error (today only). " +
            "basis.synthetic marks a synthetic (demo) history. at defaults to now; past times, more than TongBan:Forecast:MaxDaysAhead days ahead, " +
            "or a time the hall takes no tickets (code hallClosedAt, with nextOpening) are 400; an unknown hall or category 404.");

        return group;
    }

    /// <summary>An alert route: a known hall, and the caller is its hall manager or an admin.</summary>
    private static (ValidationProblem? Invalid, ProblemHttpResult? Refused) Check(string hallCode, ClaimsPrincipal user, ServicePointDirectory directory)
    {
        var lookup = HallLookup.Of(hallCode, directory);
        if (lookup.Invalid is { } invalid)
        {
            return (invalid, null);
        }

        if (lookup.Missing is { } missing)
        {
            return (null, missing);
        }

        var allowed = user.IsInRole(Roles.Admin) || (user.IsInRole(Roles.HallManager) && user.Claim(TongBanClaims.HallCode) == hallCode);
        return allowed ? (null, null) : (null, TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "无权操作 Forbidden",
            detail: $"只有该大厅的负责人或管理员可以查看和设置预警。 Only the hall manager of {hallCode} or an admin may see or set its alerts."));
    }

    private static bool IsDateOnly(string text) => DateOnlyPattern().IsMatch(text);

    /// <summary>ISO 8601 with an offset or Z; without one, +08:00; a bare date is local midnight (or the next one for an inclusive end).</summary>
    internal static DateTimeOffset? ParseTime(string text, bool endOfDay)
    {
        if (IsDateOnly(text))
        {
            return DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
                ? ForecastTime.At(endOfDay ? date.AddDays(1) : date, TimeOnly.MinValue)
                : null;
        }

        if (text.Length > 40)
        {
            return null;
        }

        if (OffsetPattern().IsMatch(text))
        {
            return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var withOffset) ? withOffset.ToOffset(ChinaTime.Offset) : null;
        }

        return DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local) && text.Contains('T', StringComparison.Ordinal)
            ? new DateTimeOffset(DateTime.SpecifyKind(local, DateTimeKind.Unspecified), ChinaTime.Offset)
            : null;
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}$")]
    private static partial Regex DateOnlyPattern();

    [GeneratedRegex(@"T.*(Z|[+-]\d{2}:?\d{2})$")]
    private static partial Regex OffsetPattern();
}
