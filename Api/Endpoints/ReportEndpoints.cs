using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using TongBan.Api.Security;
using TongBan.Grains.Cases;
using TongBan.Grains.Common;
using TongBan.Grains.Halls;
using TongBan.Grains.History;
using TongBan.Grains.Queues;
using TongBan.Grains.Ratings;
using TongBan.Grains.Regions;

namespace TongBan.Api.Endpoints;

/// <summary>A report: the figures of each period of the range and of the whole range.</summary>
public sealed record ReportDto(
    string Scope, string Code, DateOnly From, DateOnly To, string Granularity, string Definition, string GoodRateDefinition,
    IReadOnlyList<ReportRow> Rows, ReportRow Total, bool CasesTruncated);

/// <summary>
/// 统计报表 from service history: <c>/api/reports/{scope}/{code}</c> (figures per day, week or month, as JSON, CSV or XLSX),
/// <c>/api/reports/{scope}/{code}/tickets</c> (the ticket records themselves, streamed) and a hall's archived day
/// summaries. Who sees what: a clerk their own figures, a hall manager their hall and its windows and clerks, a
/// supervisor their region, an admin everything.
/// </summary>
public static class ReportEndpoints
{
    public const string ScopeHelp =
        "scope/code: hall/{hallCode} (520102-H001), window/{hallCode}-{windowNo} (520102-H001-3), clerk/{staff subject}, item/{事项编码}, " +
        "region/{county or prefecture code} (520102, 520100), province/520000.";

    /// <summary>Most cases a report reads for its case figures; beyond it the figures say <c>casesTruncated</c>.</summary>
    public const int MaxCases = 100_000;

    public static void MapReportEndpoints(this IEndpointRouteBuilder routes)
    {
        var reports = routes.MapGroup("/api/reports").WithTags("Reports").RequireAuthorization(Policies.Staff);
        reports.MapGet("/{scope}/{code}", ReportAsync)
            .WithSummary("统计报表: tickets, served, no-show, cancelled, waits (mean/p50/p90), service time, staff and paused time, 好差评, cases received and on time, 一次办成 — per day, week or month (granularity) from from to to (yyyy-MM-dd, inclusive, China dates); format json (default), csv (UTF-8 with BOM) or xlsx.")
            .WithDescription(ScopeHelp + " A clerk sees their own clerk figures; a hall manager their hall, its windows and clerks (clerk and item figures limited to the hall); a supervisor halls, regions and items within their region; an admin everything. " +
                "A range longer than TongBan:History:MaxReportDays (default 366 days) is refused with 400. " + ReportCalculator.Definition);
        reports.MapGet("/{scope}/{code}/tickets", TicketsAsync)
            .WithSummary("The ticket records behind a report (one row per outcome: served, noShow, cancelled, transferred, parked, unparked, walkUp), streamed as csv (default), xlsx or json lines (format=json, application/x-ndjson).")
            .WithDescription(ScopeHelp + " Same access rules and range limit as the report.");
        routes.MapGet("/api/halls/{hallCode}/days", DaysAsync)
            .WithTags("Reports")
            .RequireAuthorization(Policies.Staff)
            .WithSummary("The hall's archived day summaries (DaySummary, one per category and closed day) from from to to (yyyy-MM-dd); for the hall's manager, supervisors of its region and admins.");
    }

    private sealed record Scope(string Name, string Code, HistoryQuery Query, string RatingKey, Func<CaseSummary, bool> CaseFilter, CaseQuery CaseQuery, bool CasesFromLinks);

    private static async Task<IResult> ReportAsync(
        string scope, string code, string? from, string? to, string? granularity, string? format, ClaimsPrincipal user,
        ServicePointDirectory directory, RegionCatalog regions, IServiceHistory history, IRatingStore ratings, ICaseStore cases,
        HistoryOptions options, TimeProvider clock, CancellationToken ct)
    {
        var (first, last, badRange) = Range(from, to, options);
        if (badRange is not null)
        {
            return badRange;
        }

        if (!TryGranularity(granularity, out var g))
        {
            return Problems.Invalid("granularity", "granularity is day, week or month.");
        }

        if (format is not (null or "json" or "csv" or "xlsx"))
        {
            return Problems.Invalid("format", "format is json, csv or xlsx.");
        }

        var resolved = Resolve(scope, code, user, directory, regions, first, last);
        if (resolved.Error is { } refused)
        {
            return refused;
        }

        var s = resolved.Scope!;
        var calculator = new ReportCalculator(first, last, g);
        await foreach (var t in history.TicketsAsync(s.Query, ct))
        {
            calculator.Add(t);
        }

        await foreach (var a in history.ActivitiesAsync(s.Query, ct))
        {
            calculator.Add(a);
        }

        var counts = await ratings.CountAsync(s.RatingKey, first, ChinaTime.Now(clock), ct);
        foreach (var (day, levels) in counts.Days)
        {
            calculator.AddRatings(day, levels);
        }

        var truncated = await AddCasesAsync(calculator, s, history, cases, first, last, ct);
        var report = new ReportDto(
            s.Name, s.Code, first, last, Name(g), ReportCalculator.Definition, GoodRate.Definition, calculator.Rows(), calculator.Total(), truncated);
        var fileName = $"report-{s.Name}-{s.Code}-{first:yyyyMMdd}-{last:yyyyMMdd}";
        return format switch
        {
            "csv" => ReportExports.Csv(Rows(report), RowColumns, fileName),
            "xlsx" => ReportExports.Xlsx(Rows(report), RowColumns, fileName, "报表"),
            _ => TypedResults.Ok(report),
        };
    }

    private static async Task<IResult> TicketsAsync(
        string scope, string code, string? from, string? to, string? format, ClaimsPrincipal user,
        ServicePointDirectory directory, RegionCatalog regions, IServiceHistory history, HistoryOptions options, CancellationToken ct)
    {
        var (first, last, badRange) = Range(from, to, options);
        if (badRange is not null)
        {
            return badRange;
        }

        if (format is not (null or "json" or "csv" or "xlsx"))
        {
            return Problems.Invalid("format", "format is csv, xlsx or json.");
        }

        var resolved = Resolve(scope, code, user, directory, regions, first, last);
        if (resolved.Error is { } refused)
        {
            return refused;
        }

        var s = resolved.Scope!;
        var fileName = $"tickets-{s.Name}-{s.Code}-{first:yyyyMMdd}-{last:yyyyMMdd}";

        // The request's token stops the store's reader when the client goes away.
        var rows = history.TicketsAsync(s.Query, ct);
        return format switch
        {
            "xlsx" => ReportExports.Xlsx(rows, TicketColumns, fileName, "服务记录"),
            "json" => TypedResults.Stream(stream => JsonLinesAsync(stream, rows, ct), "application/x-ndjson"),
            _ => ReportExports.Csv(rows, TicketColumns, fileName),
        };
    }

    private static async Task<IResult> DaysAsync(
        string hallCode, string? from, string? to, ClaimsPrincipal user, ServicePointDirectory directory, IQueueDayArchive archive,
        HistoryOptions options, CancellationToken ct)
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

        var range = Range(from, to, options);
        if (range.Error is not null)
        {
            return range.Error;
        }

        if (!MayWatchHall(user, lookup.Point!))
        {
            return Forbidden("A hall's day summaries are for its manager, supervisors of its region and admins.");
        }

        return TypedResults.Ok(await archive.HistoryAsync(lookup.Point!.Code, range.From, range.To, ct));
    }

    /// <summary>The case figures: the scope's cases received in the range, their status and hall visits (from the ticket↔case links).</summary>
    private static async Task<bool> AddCasesAsync(
        ReportCalculator calculator, Scope s, IServiceHistory history, ICaseStore cases, DateOnly first, DateOnly last, CancellationToken ct)
    {
        IEnumerable<CaseSummary> rows;
        var truncated = false;
        if (s.CasesFromLinks)
        {
            // A window's or clerk's cases: those opened while serving one of its tickets.
            var linked = new Dictionary<string, string>(StringComparer.Ordinal);
            await foreach (var l in history.CaseLinksAsync(s.Query with { Category = null }, ct))
            {
                linked[l.CaseNo] = l.HallCode;
            }

            var found = new List<CaseSummary>();
            foreach (var hall in linked.Values.Distinct(StringComparer.Ordinal))
            {
                var ofHall = await cases.QueryAsync(new CaseQuery(HallCode: hall, Limit: MaxCases), ct);
                truncated |= ofHall.Count >= MaxCases;
                found.AddRange(ofHall.Where(c => linked.ContainsKey(c.CaseNo)));
            }

            rows = found;
        }
        else
        {
            var all = await cases.QueryAsync(s.CaseQuery, ct);
            truncated = all.Count >= MaxCases;
            rows = all.Where(s.CaseFilter);
        }

        var inRange = rows.Where(c => HistoryDays.Of(c.SubmittedAt) is var d && d >= first && d <= last).ToList();
        var visits = await history.VisitsAsync([.. inRange.Select(c => c.CaseNo)], ct);
        foreach (var c in inRange)
        {
            var finished = CaseFigures.Finished.Contains(c.Status);
            calculator.Add(new CaseFact(c.CaseNo, HistoryDays.Of(c.SubmittedAt), finished, finished && c.Stage != "overdue", visits.GetValueOrDefault(c.CaseNo)));
        }

        return truncated;
    }

    /// <summary>Resolves scope and code to the history selection, or a 400/403/404, applying who may see what.</summary>
    private static (Scope? Scope, IResult? Error) Resolve(
        string scope, string code, ClaimsPrincipal user, ServicePointDirectory directory, RegionCatalog regions, DateOnly first, DateOnly last)
    {
        var admin = user.IsInRole(Roles.Admin);
        var supervisorRegion = user.IsInRole(Roles.Supervisor) ? user.Claim(TongBanClaims.RegionCode) : null;
        var managerHall = user.IsInRole(Roles.HallManager) ? user.Claim(TongBanClaims.HallCode) : null;
        var q = new HistoryQuery(first, last);
        switch (scope)
        {
            case "hall":
            case "window":
                {
                    var hallCode = code;
                    int? windowNo = null;
                    if (scope == "window")
                    {
                        var dash = code.LastIndexOf('-');
                        if (dash <= 0 || !int.TryParse(code.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var w))
                        {
                            return (null, Problems.Invalid("code", "A window's code is {hallCode}-{windowNo}, e.g. 520102-H001-3."));
                        }

                        (hallCode, windowNo) = (code[..dash], w);
                    }

                    var lookup = HallLookup.Of(hallCode, directory);
                    if (lookup.Invalid is { } invalid)
                    {
                        return (null, invalid);
                    }

                    if (lookup.Missing is { } missing)
                    {
                        return (null, missing);
                    }

                    var hall = lookup.Point!;
                    if (windowNo is { } n && hall.Windows.All(x => x.WindowNo != n))
                    {
                        return (null, Problems.NotFound("Window", code));
                    }

                    if (!MayWatchHall(user, hall))
                    {
                        return (null, Forbidden("A hall's and its windows' figures are for its manager, supervisors of its region and admins."));
                    }

                    return (new Scope(
                        scope, code, q with { HallCode = hall.Code, WindowNo = windowNo },
                        windowNo is { } wn ? RatingScopes.Key(RatingScopes.Window, $"{hall.Code}/{wn}") : RatingScopes.HallKey(hall.Code),
                        _ => true, new CaseQuery(HallCode: hall.Code, Limit: MaxCases), CasesFromLinks: windowNo is not null), null);
                }

            case "clerk":
                {
                    if (string.IsNullOrWhiteSpace(code) || code.Length > 128)
                    {
                        return (null, Problems.Invalid("code", "A clerk's code is their staff subject (the token's sub)."));
                    }

                    // A clerk: only themselves. A hall manager: the clerk's work in their hall. A supervisor: within their region.
                    HistoryQuery? limited = admin ? q
                        : user.IsInRole(Roles.Clerk) && user.Claim(TongBanClaims.Subject) == code ? q
                        : managerHall is not null ? q with { HallCode = managerHall }
                        : supervisorRegion is not null ? q with { RegionPrefix = HistoryDays.RegionPrefix(supervisorRegion) }
                        : null;
                    if (limited is null)
                    {
                        return (null, Forbidden("A clerk sees only their own figures; a clerk's figures are also for their hall's manager, supervisors and admins."));
                    }

                    return (new Scope(scope, code, limited with { Clerk = code }, RatingScopes.Key(RatingScopes.Clerk, code), _ => true, new CaseQuery(), CasesFromLinks: true), null);
                }

            case "item":
                {
                    if (string.IsNullOrWhiteSpace(code) || code.Length > 64)
                    {
                        return (null, Problems.Invalid("code", "An item's code is its catalogue code (事项编码)."));
                    }

                    HistoryQuery? limited = admin ? q
                        : supervisorRegion is not null ? q with { RegionPrefix = HistoryDays.RegionPrefix(supervisorRegion) }
                        : managerHall is not null ? q with { HallCode = managerHall }
                        : null;
                    if (limited is null)
                    {
                        return (null, Forbidden("Item figures are for hall managers (their hall), supervisors (their region) and admins."));
                    }

                    var caseQuery = limited.HallCode is { } h ? new CaseQuery(HallCode: h, Limit: MaxCases)
                        : new CaseQuery(RegionCode: supervisorRegion is not null && !admin ? supervisorRegion : RegionCatalog.ProvinceCode, Limit: MaxCases);
                    return (new Scope(scope, code, limited with { Item = code }, RatingScopes.Key(RatingScopes.Item, code), c => c.ItemCode == code, caseQuery, CasesFromLinks: false), null);
                }

            case "region":
            case "province":
                {
                    if (regions.Find(code) is not { } region || (scope == "province") != (region.Level == RegionLevel.Province))
                    {
                        return (null, RegionCatalog.IsWellFormedCode(code) && regions.Find(code) is null
                            ? Problems.NotFound("Region", code)
                            : Problems.Invalid("code", scope == "province" ? "The province's code is 520000." : "A region's code is a county or prefecture code of Guizhou, e.g. 520102 or 520100."));
                    }

                    if (!admin && !(supervisorRegion is not null && RegionRules.Covers(supervisorRegion, region.Code)))
                    {
                        return (null, Forbidden("Region figures are for supervisors of that region (or a region above it) and admins."));
                    }

                    return (new Scope(
                        scope, code, q with { RegionPrefix = HistoryDays.RegionPrefix(region.Code) }, RatingScopes.Key(RatingScopes.OfLevel(region.Level), region.Code),
                        _ => true, new CaseQuery(RegionCode: region.Code, Limit: MaxCases), CasesFromLinks: false), null);
                }

            default:
                return (null, Problems.Invalid("scope", "scope is hall, window, clerk, item, region or province."));
        }
    }

    private static (DateOnly From, DateOnly To, IResult? Error) Range(string? from, string? to, HistoryOptions options)
    {
        if (!DateOnly.TryParseExact(from, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var first))
        {
            return (default, default, Problems.Invalid("from", "from is a date yyyy-MM-dd (China time), e.g. 2026-12-01."));
        }

        if (!DateOnly.TryParseExact(to, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var last))
        {
            return (default, default, Problems.Invalid("to", "to is a date yyyy-MM-dd (China time), inclusive."));
        }

        if (last < first)
        {
            return (default, default, Problems.Invalid("to", "to is on or after from."));
        }

        if (last.DayNumber - first.DayNumber + 1 > options.MaxReportDays)
        {
            return (default, default, Problems.Invalid("to",
                $"报表时间范围最长 {options.MaxReportDays} 天。 A report covers at most {options.MaxReportDays} days (TongBan:History:MaxReportDays); this range has {last.DayNumber - first.DayNumber + 1}."));
        }

        return (first, last, null);
    }

    private static bool TryGranularity(string? text, out ReportGranularity granularity)
    {
        (var ok, granularity) = text switch
        {
            null or "day" => (true, ReportGranularity.Day),
            "week" => (true, ReportGranularity.Week),
            "month" => (true, ReportGranularity.Month),
            _ => (false, ReportGranularity.Day),
        };
        return ok;
    }

    private static string Name(ReportGranularity g) => g switch
    {
        ReportGranularity.Week => "week",
        ReportGranularity.Month => "month",
        _ => "day",
    };

    private static ProblemHttpResult Forbidden(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "无权查看 Forbidden", detail: detail);

    private static bool MayWatchHall(ClaimsPrincipal user, ServicePoint hall) =>
        user.IsInRole(Roles.Admin)
        || (user.IsInRole(Roles.HallManager) && user.Claim(TongBanClaims.HallCode) == hall.Code)
        || (user.IsInRole(Roles.Supervisor) && user.Claim(TongBanClaims.RegionCode) is { } region && RegionRules.Covers(region, hall.RegionCode));

    private static async IAsyncEnumerable<ReportRow> Rows(ReportDto report)
    {
        foreach (var row in report.Rows)
        {
            yield return row;
        }

        yield return report.Total;
        await Task.CompletedTask;
    }

    private static async Task JsonLinesAsync(Stream stream, IAsyncEnumerable<TicketOutcome> rows, CancellationToken ct)
    {
        var options = new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web);
        options.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter(System.Text.Json.JsonNamingPolicy.CamelCase));
        var newline = "\n"u8.ToArray();
        await foreach (var t in rows.WithCancellation(ct))
        {
            await System.Text.Json.JsonSerializer.SerializeAsync(stream, t, options, ct);
            await stream.WriteAsync(newline, ct);
        }
    }

    public static readonly IReadOnlyList<ExportColumn<ReportRow>> RowColumns =
    [
        new("期间", r => r.Period),
        new("开始日期", r => r.From),
        new("结束日期", r => r.To),
        new("取号", r => r.Tickets),
        new("办结", r => r.Served),
        new("补录", r => r.WalkUps),
        new("过号", r => r.NoShow),
        new("取消", r => r.Cancelled),
        new("转出", r => r.Transferred),
        new("挂起", r => r.Parked),
        new("平均等候(分)", r => r.WaitMeanMinutes),
        new("等候P50(分)", r => r.WaitP50Minutes),
        new("等候P90(分)", r => r.WaitP90Minutes),
        new("平均办理(分)", r => r.ServiceMeanMinutes),
        new("在岗(分)", r => r.StaffMinutes),
        new("暂停(分)", r => r.PausedMinutes),
        new("挂起时长(分)", r => r.ParkedMinutes),
        new("评价数", r => r.Ratings),
        new("好评", r => r.GoodRatings),
        new("差评", r => r.BadRatings),
        new("好评率", r => r.GoodRate),
        new("收件", r => r.CasesReceived),
        new("办结件", r => r.CasesFinished),
        new("按期办结", r => r.CasesOnTime),
        new("一次办成", r => r.OneVisitFinished),
        new("一次办成率", r => r.OneVisitRate),
    ];

    public static readonly IReadOnlyList<ExportColumn<TicketOutcome>> TicketColumns =
    [
        new("日期", t => t.Day),
        new("大厅", t => t.HallCode),
        new("区划", t => t.RegionCode),
        new("类别", t => t.Category),
        new("票号", t => t.TicketNo),
        new("结果", t => PostgresOutcome(t.Outcome)),
        new("窗口", t => t.WindowNo),
        new("工作人员", t => t.Clerk),
        new("事项", t => t.Item),
        new("取号时间", t => t.TakenAt),
        new("叫号时间", t => t.CalledAt),
        new("开始办理", t => t.StartedAt),
        new("时间", t => t.At),
        new("等候(秒)", t => t.WaitSeconds),
        new("办理(秒)", t => t.ServiceSeconds),
        new("取号方式", t => t.Kind.ToString()),
        new("备注", t => t.Note),
    ];

    private static string PostgresOutcome(TicketOutcomeKind kind) => kind switch
    {
        TicketOutcomeKind.Served => "served",
        TicketOutcomeKind.NoShow => "noShow",
        TicketOutcomeKind.Cancelled => "cancelled",
        TicketOutcomeKind.Transferred => "transferred",
        TicketOutcomeKind.Parked => "parked",
        TicketOutcomeKind.Unparked => "unparked",
        _ => "walkUp",
    };
}
