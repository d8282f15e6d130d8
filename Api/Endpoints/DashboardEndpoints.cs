using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using TongBan.Api.Security;
using TongBan.Grains.Calendar;
using TongBan.Grains.Cases;
using TongBan.Grains.Catalogue;
using TongBan.Grains.Common;
using TongBan.Grains.Geo;
using TongBan.Grains.Halls;
using TongBan.Grains.Regions;

namespace TongBan.Api.Endpoints;

/// <summary>One overdue case on a hall's dashboard; <c>relation</c> says why it is this hall's: received here, responsible here, or both.</summary>
public sealed record HallOverdueCaseDto(
    string CaseNo, string ItemCode, string? ItemName, string Status, string DepartmentCode, string? DepartmentName, string RegionCode,
    string? RegionName, string? ReceivingHallCode, DateOnly? DueDate, int OverdueWorkingDays, string Relation, DateTimeOffset SubmittedAt);

/// <summary>按时办结 of one region: finished cases, finished within the deadline, and the rate (null without finished cases).</summary>
public sealed record OnTimeRowDto(string Code, string Name, string Level, int Finished, int OnTime, double? OnTimeRate);

public sealed record OnTimeDto(string Level, string Definition, IReadOnlyList<OnTimeRowDto> Regions, OnTimeRowDto Province);

/// <summary>One 受理地 → 属地 flow at the requested level, with both regions' centres for drawing it.</summary>
public sealed record FlowRowDto(string FromCode, string FromName, LatLon FromCenter, string ToCode, string ToName, LatLon ToCenter, int Cases);

public sealed record FlowsDto(string Level, string Definition, int Total, IReadOnlyList<FlowRowDto> Flows);

/// <summary>Figures for the hall manager's and the province supervisor's dashboards, from the case query model.</summary>
public static class DashboardEndpoints
{
    public const string FlowDefinition =
        "跨区域流向（受理地 → 属地）：在一个地区的大厅收件、由另一地区（申请人属地）部门审批的案件数，含各状态；网上申请不计。受理地 = 收件大厅所在县区。";

    public static void MapDashboardEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/api/halls/{hallCode}/overdue-cases", OverdueCasesAsync)
            .WithTags("Halls")
            .RequireAuthorization(p => p.RequireRole(Roles.HallManager, Roles.Supervisor, Roles.Admin))
            .WithSummary("The hall's overdue open cases: received at this hall, or of this hall's region (its departments are responsible), most overdue first; for the hall's manager, supervisors of its region and admins.");

        var metrics = routes.MapGroup("/api/metrics").WithTags("Cases")
            .RequireAuthorization(p => p.RequireRole(Roles.Supervisor, Roles.Admin));
        metrics.MapGet("/on-time", OnTimeAsync)
            .WithSummary("按时办结率 per county, prefecture (level=county|prefecture) and the province, within the supervisor's region.")
            .WithDescription(CaseFigures.OnTimeDefinition);
        metrics.MapGet("/flows", FlowsAsync)
            .WithSummary("Cross-region flows 受理地 → 属地 between counties or prefectures (level), most cases first (limit, default 20), within the supervisor's region.")
            .WithDescription(FlowDefinition);
    }

    private static async Task<Results<Ok<IReadOnlyList<HallOverdueCaseDto>>, ValidationProblem, ProblemHttpResult>> OverdueCasesAsync(
        HallRoute routeHall, string hallCode, ClaimsPrincipal user, ServicePointDirectory directory, RegionCatalog regions, ServiceCatalogue catalogue,
        ICaseStore store, CalendarProvider calendar, TimeProvider clock, CancellationToken ct)
    {
        var hall = routeHall.Point;
        if (!user.MayWatchHall(hall))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "无权查看 Forbidden",
                detail: "A hall's overdue cases are for its manager, supervisors of its region and admins.");
        }

        // Open and not yet 办结: a case completed late waits only for delivery and is no longer overdue work.
        var received = await store.QueryAsync(new CaseQuery(HallCode: hall.Code, OverdueOnly: true, OpenOnly: true, Limit: 200), ct);
        var responsible = (await store.QueryAsync(new CaseQuery(RegionCode: hall.RegionCode, OverdueOnly: true, OpenOnly: true, Limit: 500), ct))
            .Where(s => s.RegionCode == hall.RegionCode);
        var today = ChinaTime.Today(clock);
        var rows = received.Concat(responsible)
            .Where(s => s.Status != CaseStatus.Completed)
            .GroupBy(s => s.CaseNo, StringComparer.Ordinal)
            .Select(g =>
            {
                var s = g.First();
                var atHall = s.ReceivingHallCode == hall.Code;
                var relation = atHall && s.RegionCode == hall.RegionCode ? "both" : atHall ? "received" : "responsible";
                var overdueDays = s.DueDate is { } due ? Math.Max(0, calendar.Current.WorkingDaysBetween(due, today).Days) : 0;
                return new HallOverdueCaseDto(
                    s.CaseNo, s.ItemCode, catalogue.Find(s.ItemCode)?.Name, CaseNames.Of(s.Status), s.DepartmentCode,
                    Departments.Find(s.DepartmentCode)?.Name, s.RegionCode, regions.Find(s.RegionCode)?.Name, s.ReceivingHallCode,
                    s.DueDate, overdueDays, relation, s.SubmittedAt);
            })
            .OrderByDescending(r => r.OverdueWorkingDays).ThenBy(r => r.DueDate).ThenBy(r => r.CaseNo, StringComparer.Ordinal)
            .Take(200)
            .ToList();
        return TypedResults.Ok<IReadOnlyList<HallOverdueCaseDto>>(rows);
    }

    private static async Task<Results<Ok<OnTimeDto>, ValidationProblem>> OnTimeAsync(
        string? level, ClaimsPrincipal user, RegionCatalog regions, ICaseStore store, CancellationToken ct)
    {
        if (!TryLevel(level, out var wanted))
        {
            return Problems.Invalid("level", "level is county or prefecture.");
        }

        var scope = ScopeOf(user);
        var figures = (await store.OnTimeAsync(ct)).Where(f => regions.IsWithin(f.RegionCode, scope)).ToList();
        var rows = figures
            .GroupBy(f => RollUp(regions, f.RegionCode, wanted), StringComparer.Ordinal)
            .Where(g => regions.Find(g.Key) is not null)
            .Select(g => Row(regions.Find(g.Key)!, g.Sum(f => f.Finished), g.Sum(f => f.OnTime)))
            .OrderBy(r => r.Code, StringComparer.Ordinal)
            .ToList();
        var top = regions.Find(scope) ?? regions.Find(RegionCatalog.ProvinceCode)!;
        return TypedResults.Ok(new OnTimeDto(
            wanted == RegionLevel.County ? "county" : "prefecture", CaseFigures.OnTimeDefinition, rows,
            Row(top, figures.Sum(f => f.Finished), figures.Sum(f => f.OnTime))));
    }

    private static async Task<Results<Ok<FlowsDto>, ValidationProblem>> FlowsAsync(
        string? level, int? limit, ClaimsPrincipal user, RegionCatalog regions, ICaseStore store, CancellationToken ct)
    {
        if (!TryLevel(level, out var wanted))
        {
            return Problems.Invalid("level", "level is county or prefecture.");
        }

        if (limit is < 1 or > 500)
        {
            return Problems.Invalid("limit", "limit is 1–500.");
        }

        var scope = ScopeOf(user);
        var flows = (await store.FlowsAsync(ct))
            .Where(f => regions.IsWithin(f.FromRegionCode, scope) || regions.IsWithin(f.ToRegionCode, scope))
            .Select(f => (From: RollUp(regions, f.FromRegionCode, wanted), To: RollUp(regions, f.ToRegionCode, wanted), f.Cases))
            .Where(f => f.From != f.To && regions.Find(f.From) is not null && regions.Find(f.To) is not null)
            .GroupBy(f => (f.From, f.To))
            .Select(g =>
            {
                var from = regions.Find(g.Key.From)!;
                var to = regions.Find(g.Key.To)!;
                return new FlowRowDto(from.Code, from.Name, LatLon.From(from.Center, CoordinateSystem.Wgs84), to.Code, to.Name,
                    LatLon.From(to.Center, CoordinateSystem.Wgs84), g.Sum(f => f.Cases));
            })
            .OrderByDescending(f => f.Cases).ThenBy(f => f.FromCode, StringComparer.Ordinal).ThenBy(f => f.ToCode, StringComparer.Ordinal)
            .ToList();
        return TypedResults.Ok(new FlowsDto(
            wanted == RegionLevel.County ? "county" : "prefecture", FlowDefinition, flows.Sum(f => f.Cases), [.. flows.Take(limit ?? 20)]));
    }

    private static OnTimeRowDto Row(Region region, int finished, int onTime) => new(
        region.Code, region.Name, Wire.Name(region.Level), finished, onTime, finished == 0 ? null : Math.Round((double)onTime / finished, 4));

    private static bool TryLevel(string? level, out RegionLevel wanted)
    {
        wanted = level switch
        {
            null or "county" => RegionLevel.County,
            "prefecture" or "city" => RegionLevel.Prefecture,
            _ => RegionLevel.Province,
        };
        return wanted != RegionLevel.Province;
    }

    /// <summary>The region a code counts under at the wanted level (a county's prefecture; a prefecture code stays itself).</summary>
    private static string RollUp(RegionCatalog regions, string code, RegionLevel wanted)
    {
        var region = regions.Find(code);
        return wanted == RegionLevel.Prefecture && region is { Level: RegionLevel.County, ParentCode: { } parent } ? parent : region?.Code ?? code;
    }

    /// <summary>A supervisor sees their region; an admin the province.</summary>
    private static string ScopeOf(ClaimsPrincipal user) =>
        user.IsInRole(Roles.Admin) ? RegionCatalog.ProvinceCode : user.Claim(TongBanClaims.RegionCode) ?? "-";
}
