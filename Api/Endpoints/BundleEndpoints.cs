using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using TongBan.Api.Security;
using TongBan.Grains.Bundles;
using TongBan.Grains.Cases;
using TongBan.Grains.Catalogue;
using TongBan.Grains.Common;
using TongBan.Grains.Halls;
using TongBan.Grains.Hotline;
using TongBan.Grains.Identity;
using TongBan.Grains.Regions;

namespace TongBan.Api.Endpoints;

/// <summary><c>POST /api/bundles</c>: one application for every item of a bundle.</summary>
public sealed record BundleRequest(string? BundleCode, CaseApplicantInput? Applicant, string? Channel, string? ReceivingHallCode, IReadOnlyList<MaterialInput>? Materials);

public sealed record BundleChildDto(string ItemCode, string? ItemName, string? CaseNo, string? Status, string? StatusName, string? DepartmentCode, string? DepartmentName, string? RegionCode, string? Failure);

/// <summary>The parent of a bundle with combined progress.</summary>
/// <param name="Status">inProgress, done (every child finished) or incomplete (a child could not be opened).</param>
public sealed record BundleDto(
    string BundleNo, string Code, string Name, string Status, string StatusName, int Done, int Total, int ProgressPercent,
    CaseApplicantDto Applicant, DateTimeOffset SubmittedAt, IReadOnlyList<BundleChildDto> Children);

/// <summary>一件事 bundles (task 14): definitions, one application creating a parent and child cases, combined progress, hotline look-up.</summary>
public static class BundleEndpoints
{
    public static void MapBundleEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/api/bundles", (ServiceCatalogue catalogue) => TypedResults.Ok(BundleCatalogue.All.Select(b => new
        {
            b.Code,
            b.Name,
            items = b.ItemCodes.Select(code => new { itemCode = code, itemName = catalogue.Find(code)?.Name, departmentCode = catalogue.Find(code)?.DepartmentCode }),
        })))
        .WithTags("Bundles")
        .AllowAnonymous()
        .WithSummary("一件事 bundle definitions (e.g. 新生儿出生一件事) with their items and departments.");

        routes.MapPost("/api/bundles", OpenAsync)
            .WithTags("Bundles")
            .RequireAuthorization(p => p.RequireRole(Roles.Citizen, Roles.Clerk))
            .Produces<BundleDto>()
            .WithSummary("Apply for a bundle: a parent record and one child case per item, each routed to its department; materials are shared by id.");

        routes.MapGet("/api/bundles/{bundleNo}", async (string bundleNo, ClaimsPrincipal user, IGrainFactory grains, ServiceCatalogue catalogue, PersonalDataProtector protector) =>
        {
            if (!CaseNumber.TryParse(bundleNo, out var number))
            {
                return (IResult)Problems.Invalid("bundleNo", HotlineEndpoints.CaseNoHint);
            }

            var view = await grains.GetGrain<IBundleGrain>(number.Value).View();
            var mine = view is not null && user.IsInRole(Roles.Citizen) && protector.Hash.IsResidentId(view.Applicant.IdKey, user.Claim(TongBanClaims.Subject) ?? string.Empty);
            var staff = user.IsInRole(Roles.Admin) || user.IsInRole(Roles.Supervisor) || user.IsInRole(Roles.Clerk) || user.IsInRole(Roles.HallManager);
            return view is null || !(mine || staff) ? Problems.NotFound("Bundle", number.Value) : TypedResults.Ok(Dto(view, catalogue));
        })
        .WithTags("Bundles")
        .RequireAuthorization(Policies.Authenticated)
        .Produces<BundleDto>()
        .WithSummary("A bundle's combined progress and its child cases (the applicant, hall staff, supervisors).");

        routes.MapGet("/api/hotline/bundles/{bundleNo}", async (string bundleNo, string? verify, ClaimsPrincipal user, IGrainFactory grains, ServiceCatalogue catalogue) =>
        {
            if (!CaseNumber.TryParse(bundleNo, out var number))
            {
                return (IResult)Problems.Invalid("bundleNo", HotlineEndpoints.CaseNoHint);
            }

            if (!CallerCheck.TryParse(verify, out var lastFour))
            {
                return Problems.Invalid("verify", "verify is the last 4 characters of the applicant's phone or ID number.");
            }

            var view = await grains.GetGrain<IBundleGrain>(number.Value).View();
            var matched = CallerCheck.Matches(view?.Applicant, lastFour);
            var gate = await grains.GetGrain<IHotlineGuardGrain>(number.Value).Attempt(user.Claim(TongBanClaims.Subject) ?? "hotline-agent", matched);
            if (gate.Throttled)
            {
                var problem = TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, type: "https://tools.ietf.org/html/rfc6585#section-4", title: "尝试次数过多 Too many attempts");
                return new HeaderResult(problem, "Retry-After", ((int)Math.Ceiling((gate.RetryAfter ?? TimeSpan.FromMinutes(1)).TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            return matched ? TypedResults.Ok(Dto(view!, catalogue)) : Problems.NotFound("Case", number.Value);
        })
        .WithTags("Hotline")
        .RequireAuthorization(p => p.RequireRole(Roles.HotlineAgent))
        .RequireRateLimiting(RateLimitPolicies.HotlineVerification)
        .Produces<BundleDto>()
        .WithSummary("One hotline look-up for a whole bundle (same verification, same 404 and throttling as a case).");
    }

    private static async Task<IResult> OpenAsync(
        BundleRequest body, ClaimsPrincipal user, ServiceCatalogue catalogue, RegionCatalog regions, ServicePointDirectory directory,
        PersonalDataProtector protector, IGrainFactory grains, TimeProvider clock)
    {
        var now = ChinaTime.Now(clock);
        if (BundleCatalogue.Find(body.BundleCode) is not { } definition)
        {
            return body.BundleCode is null ? Problems.Invalid("bundleCode", "bundleCode is required.") : Problems.NotFound("Bundle definition", body.BundleCode);
        }

        if (body.Applicant is not { } applicant || string.IsNullOrWhiteSpace(applicant.Name) || applicant.Name.Length > 50)
        {
            return Problems.Invalid("applicant", "applicant {name, idNumber, phone} is required.");
        }

        var id = ResidentId.Validate(applicant.IdNumber, DateOnly.FromDateTime(now.DateTime));
        if (id.Id is not { } residentId)
        {
            return Problems.Invalid("applicant.idNumber", id.Message ?? "Invalid resident ID number.");
        }

        if (MobileNumber.Validate(applicant.Phone).Number is not { } mobile)
        {
            return Problems.Invalid("applicant.phone", "A valid mainland mobile number is required.");
        }

        if (!CaseNames.TryParse(body.Channel ?? "online", out CaseChannel channel))
        {
            return Problems.Invalid("channel", "channel is window, online, mobile or selfService.");
        }

        var hall = body.ReceivingHallCode ?? (user.IsInRole(Roles.Clerk) ? user.Claim(TongBanClaims.HallCode) : null);
        var hallPoint = hall is null ? null : directory.Find(hall);
        if (hall is not null && hallPoint is null)
        {
            return Problems.Invalid("receivingHallCode", $"No service point '{hall}'.");
        }

        var county = applicant.RegionCode ?? (hallPoint?.Level is ServiceLevel.County or ServiceLevel.Township ? hallPoint.RegionCode : null) ?? residentId.RegionCode;
        if (regions.Find(county) is not { Level: RegionLevel.County })
        {
            return Problems.Invalid("applicant.regionCode", $"'{county}' is not a county-level unit of Guizhou.");
        }

        var materials = new List<SubmittedMaterial>();
        foreach (var m in body.Materials ?? [])
        {
            if (string.IsNullOrWhiteSpace(m.MaterialId) || m.MaterialId.Length > 40 || m.Copies is < 0 or > 100)
            {
                return Problems.Invalid("materials", "Each material has a materialId and 0–100 copies.");
            }

            materials.Add(new SubmittedMaterial(m.MaterialId, m.Copies ?? 0, m.OriginalVerified ?? false));
        }

        var numberRegion = hallPoint?.RegionCode is { } r && RegionCatalog.IsWellFormedCode(r) ? r : county;
        var day = DateOnly.FromDateTime(now.DateTime);
        var bundleNo = CaseNumber.Create(numberRegion, day, await grains.GetGrain<ICaseNumberGrain>($"{numberRegion}/{day:yyMMdd}").Next()).Value;
        var template = new CaseApplication(
            definition.ItemCodes[0], protector.Hash.OfResidentId(residentId.Value), channel, county, numberRegion, materials,
            CaseEndpoints.Actor(user, protector), hall, null);
        var record = protector.Record(new ApplicantDetails(applicant.Name.Trim(), residentId.Value, mobile.Value));
        var view = await grains.GetGrain<IBundleGrain>(bundleNo).Open(definition, template, record);
        return TypedResults.Ok(Dto(view, catalogue));
    }

    private static BundleDto Dto(BundleView v, ServiceCatalogue catalogue) => new(
        v.BundleNo, v.Definition.Code, v.Definition.Name, v.Status,
        v.Status switch { "done" => "已全部办结", "incomplete" => "部分事项未能申请", _ => "办理中" },
        v.Done, v.Total, v.Total == 0 ? 0 : v.Done * 100 / v.Total,
        new CaseApplicantDto(v.Applicant.NameMasked, v.Applicant.IdMasked, v.Applicant.PhoneMasked), v.SubmittedAt,
        [.. v.Children.Select(c => new BundleChildDto(
            c.ItemCode, catalogue.Find(c.ItemCode)?.Name, c.CaseNo, c.Status is { } s ? CaseNames.Of(s) : null, c.Status is { } t ? StatusNames.Chinese(t) : null,
            c.DepartmentCode, Departments.Find(c.DepartmentCode)?.Name, c.RegionCode, c.Failure))]);

    private sealed class HeaderResult(IResult inner, string header, string value) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers[header] = value;
            return inner.ExecuteAsync(httpContext);
        }
    }
}
