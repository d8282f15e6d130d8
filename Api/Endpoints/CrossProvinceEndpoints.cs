using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using TongBan.Api.Security;
using TongBan.Grains.Cases;
using TongBan.Grains.Catalogue;
using TongBan.Grains.Common;
using TongBan.Grains.CrossProvince;
using TongBan.Grains.Halls;
using TongBan.Grains.Identity;
using TongBan.Grains.Regions;

namespace TongBan.Api.Endpoints;

/// <summary><c>POST /api/cross-province/outbound</c>: an application received here for a partner province's department.</summary>
public sealed record OutboundRequest(string? PartnerCode, string? TargetRegionCode, string? ItemName, CaseApplicantInput? Applicant, string? Note);

/// <summary><c>POST /api/cross-province/inbound</c> (called by a partner): an application forwarded to Guizhou; it opens a Guizhou case.</summary>
/// <param name="TargetRegionCode">The applicant's Guizhou county (52xxxx): decides the competent region (属地) and the receiving 政务服务中心.</param>
/// <param name="ItemCode">The 全省通办 catalogue item; when absent, <paramref name="ItemName"/> must be an item's exact name.</param>
public sealed record InboundRequest(
    string? TransferId, string? OriginRegionCode, string? TargetRegionCode, string? ItemName, string? ApplicantName, string? ApplicantIdNumber, string? ApplicantPhone,
    string? ItemCode = null, string? Note = null);

/// <summary><c>POST /api/cross-province/demo/inbound</c>: the demo partner sends a sample application to this county (both optional).</summary>
public sealed record DemoInboundRequest(string? TargetRegionCode, string? ItemCode);

/// <summary><c>POST /api/cases/{caseNo}/forward</c>: 跨省通办 — forward a Guizhou case to a partner province's department.</summary>
public sealed record ForwardCaseRequest(string? PartnerCode, string? TargetRegionCode, string? Note, int? ExpectedVersion);

/// <summary><c>POST /api/cross-province/outbound/{transferId}/status</c> (called by the partner): progress on a case forwarded to it.</summary>
/// <param name="Status">accepted (受理), inReview (审查中), decided (办结; with approved), delivered (已送达; with deliveryMethod), rejected (不予受理; with reason).</param>
/// <param name="Department">The partner's responsible department; <paramref name="Contact"/> its phone (the 12345 hotline reads both out).</param>
public sealed record PartnerStatusRequest(
    string? Status, bool? Approved, string? Reason, string? Department, string? Contact, string? PartnerReference, string? DeliveryMethod, string? TrackingNumber, string? Comment);

/// <summary>The case's tie to a partner province and how the messages between us stand.</summary>
/// <param name="Direction">outbound (转出, the partner handles it) or inbound (转入, a Guizhou department handles it).</param>
/// <param name="TransferStatus">outbound: pending until the partner's system acknowledged the transfer, then delivered.</param>
/// <param name="Attempts">outbound: attempts to deliver the transfer; inbound: attempts to deliver status reports.</param>
/// <param name="ReportsPending">inbound: versions of the case whose status report the partner has not acknowledged yet.</param>
public sealed record CaseCrossProvinceDto(
    string Direction, string PartnerCode, string PartnerName, string TransferId, string PartnerRegionCode, DateTimeOffset At,
    string? PartnerReference, string? PartnerDepartment, string? PartnerContact, DateTimeOffset? AcknowledgedAt, string? PartnerStatus,
    string? TransferStatus, int Attempts, string? LastError, DateTimeOffset? NextAttemptAt, int? ReportsDelivered, IReadOnlyList<int>? ReportsPending);

public sealed record TransferDto(
    string TransferId, string PartnerCode, string OriginRegionCode, string TargetRegionCode, string ItemName, CaseApplicantDto Applicant,
    string Status, int Attempts, string? LastError, DateTimeOffset? NextAttemptAt, string? PartnerReference, IReadOnlyList<TransferAttempt> History);

/// <summary>
/// Cross-province cases (跨省通办, task 20): outbound transfers with durable retries and visible state,
/// an authenticated inbound route for partners, idempotent on both sides.
/// </summary>
public static partial class CrossProvinceEndpoints
{
    public static void MapCrossProvinceEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/cross-province").WithTags("Cross-province");

        routes.MapGet("/api/partners", (PartnerOptions partners) => TypedResults.Ok(partners.List.Select(p => new { p.Code, p.Name, p.RegionPrefixes })))
            .WithTags("Cross-province")
            .RequireAuthorization(Policies.Staff)
            .WithSummary("Configured partner provinces and the region prefixes they cover (no endpoints or tokens).");

        group.MapPost("/outbound", async (OutboundRequest body, ClaimsPrincipal user, PartnerOptions partners, PersonalDataProtector protector, IGrainFactory grains, TimeProvider clock) =>
        {
            if (partners.Find(body.PartnerCode) is not { } partner)
            {
                return (IResult)Problems.Invalid("partnerCode", PartnerCodeHint(partners));
            }

            if (body.TargetRegionCode is not { Length: 6 } target || !target.All(char.IsAsciiDigit) || target.StartsWith("52", StringComparison.Ordinal) ||
                !partner.RegionPrefixes.Any(p => target.StartsWith(p, StringComparison.Ordinal)))
            {
                return Problems.Invalid("targetRegionCode", $"A region code outside Guizhou covered by {partner.Name} ({string.Join("/", partner.RegionPrefixes)}xxxx).");
            }

            if (string.IsNullOrWhiteSpace(body.ItemName) || body.ItemName.Length > 100 || body.Note is { Length: > 500 })
            {
                return Problems.Invalid("itemName", "itemName (≤ 100 characters) is required; note ≤ 500.");
            }

            if (body.Applicant is not { Name: { Length: > 0 and <= 50 } name } applicant ||
                ResidentId.Validate(applicant.IdNumber, ChinaTime.Today(clock)).Id is not { } id || MobileNumber.Validate(applicant.Phone).Number is not { } phone)
            {
                return Problems.Invalid("applicant", "applicant {name, idNumber, phone} with a valid ID number and mobile number is required.");
            }

            var origin = user.Claim(TongBanClaims.HallCode) is { Length: >= 6 } hall ? hall[..6] : "520000";
            var transferId = $"GZX-{ChinaTime.Today(clock):yyMMdd}-{Guid.NewGuid():N}"[..24].ToUpperInvariant();
            var view = await grains.GetGrain<IOutboundTransferGrain>(transferId).Start(new OutboundTransfer(
                transferId, partner.Code, origin, target, body.ItemName.Trim(), protector.Record(new ApplicantDetails(name.Trim(), id.Value, phone.Value)), body.Note,
                user.Claim(TongBanClaims.Subject) ?? "clerk"));
            return TypedResults.Accepted($"/api/cross-province/outbound/{transferId}", Dto(view));
        })
        .RequireAuthorization(p => p.RequireRole(Roles.Clerk))
        .Produces<TransferDto>(StatusCodes.Status202Accepted)
        .WithSummary("Forward an application to a partner province's department: stored first, then delivered with retries and exponential backoff until the partner acknowledges it (202; follow the Location).");

        group.MapGet("/outbound/{transferId}", async (string transferId, IGrainFactory grains) =>
            transferId is { Length: > 0 and <= 40 } && await grains.GetGrain<IOutboundTransferGrain>(transferId).View() is { } view
                ? (IResult)TypedResults.Ok(Dto(view))
                : Problems.NotFound("Transfer", transferId))
        .RequireAuthorization(Policies.Staff)
        .Produces<TransferDto>()
        .WithSummary("A transfer's state: pending (attempts, last error, next attempt) or delivered (partner reference).");

        group.MapPost("/inbound", InboundAsync)
        .AllowAnonymous()
        .Produces(StatusCodes.Status200OK)
        .RequireRateLimiting(RateLimitPolicies.PartnerIntake)
        .ProducesValidationProblem()
        .ProducesProblem(StatusCodes.Status401Unauthorized)
        .WithSummary("Partner provinces forward applications here (X-Partner-Code + X-Partner-Token): opens a Guizhou case (caseNo) at the applicant's county 政务服务中心 for the competent department; every step of it is reported back to {partner}/transfers/{transferId}/status, stored and retried. A retry with the same transferId returns the same case.");

        group.MapGet("/inbound/{partnerCode}/{transferId}", async (string partnerCode, string transferId, PartnerOptions partners, IGrainFactory grains) =>
            partners.Find(partnerCode) is not null && transferId.Length <= 64 && await grains.GetGrain<IInboundTransferGrain>($"{partnerCode}/{transferId}").View() is { Transfer: var t } receipt
                ? (IResult)TypedResults.Ok(new { t.PartnerCode, t.TransferId, t.OriginRegionCode, t.TargetRegionCode, t.ItemName, applicant = new CaseApplicantDto(t.Applicant.NameMasked, t.Applicant.IdMasked, t.Applicant.PhoneMasked), t.ReceivedAt, receipt.CaseNo })
                : Problems.NotFound("Transfer", transferId))
        .RequireAuthorization(Policies.Staff)
        .WithSummary("An inbound transfer as received (masked applicant) and the Guizhou case it opened.");

        group.MapPost("/outbound/{transferId}/status", PartnerStatusAsync)
        .AllowAnonymous()
        .Produces(StatusCodes.Status200OK)
        .RequireRateLimiting(RateLimitPolicies.PartnerIntake)
        .ProducesValidationProblem()
        .ProducesProblem(StatusCodes.Status401Unauthorized)
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status409Conflict)
        .WithSummary("The partner reports progress on a case forwarded to it (X-Partner-Code + X-Partner-Token): accepted, inReview, decided {approved}, delivered {deliveryMethod}, rejected {reason}. Lands on the Guizhou case's timeline and moves its status; the same report again changes nothing; going back is 409.");

        group.MapPost("/demo/inbound", DemoInboundAsync)
        .RequireAuthorization(p => p.RequireRole(Roles.Clerk, Roles.HallManager, Roles.Admin))
        .Produces(StatusCodes.Status200OK)
        .ProducesProblem(StatusCodes.Status404NotFound)
        .WithSummary("演示合作方 (demo partner, embedded mode): asks the in-process demo partner to send a sample application (演示申请人, 基本养老保险关系转移接续 unless itemCode is given) to a Guizhou county (targetRegionCode; default: the caller's hall's county, else 520102). It opens a Guizhou case through the same intake as POST /inbound and answers its caseNo; the case's status reports go back to the demo partner. 404 when the demo partner is off (PostgreSQL mode unless TongBan:Partners:Demo=true).");

        routes.MapPost("/api/cases/{caseNo}/forward", ForwardAsync)
        .WithTags("Cross-province")
        .RequireAuthorization(p => p.RequireRole(Roles.Clerk, Roles.Approver))
        .Produces<ForwardedDto>(StatusCodes.Status202Accepted)
        .ProducesValidationProblem()
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status409Conflict)
        .WithSummary("跨省通办: forward a case (before 受理) to a partner province's department. The transfer (GZX-{caseNo}) is stored, then delivered with retries; the timeline records 已转至<partner>. The same forward again returns the same transfer; another forward of a forwarded case is 409.");
    }

    /// <summary>The answer to a forward: the case after it and its transfer.</summary>
    public sealed record ForwardedDto(string CaseNo, string Status, int Version, TransferDto Transfer);

    private static async Task<IResult> ForwardAsync(
        string caseNo, ForwardCaseRequest body, ClaimsPrincipal user, PartnerOptions partners, PersonalDataProtector protector, ServiceCatalogue catalogue,
        IGrainFactory grains, ILoggerFactory loggers)
    {
        if (!CaseNumber.TryParse(caseNo, out var number))
        {
            return Problems.Invalid("caseNo", HotlineEndpoints.CaseNoHint);
        }

        if (partners.Find(body.PartnerCode) is not { } partner)
        {
            return Problems.Invalid("partnerCode", PartnerCodeHint(partners));
        }

        if (!CrossProvinceCaseRules.IsPartnerRegion(body.TargetRegionCode) || !partner.RegionPrefixes.Any(p => body.TargetRegionCode!.StartsWith(p, StringComparison.Ordinal)))
        {
            return Problems.Invalid("targetRegionCode", $"A region code outside Guizhou covered by {partner.Name} ({string.Join("/", partner.RegionPrefixes)}xxxx).");
        }

        if (body.Note is { Length: > 500 } || body.ExpectedVersion is < 1)
        {
            return Problems.Invalid("note", "note ≤ 500 characters; expectedVersion ≥ 1 when given.");
        }

        var grain = grains.GetGrain<ICaseGrain>(number.Value);
        var view = await grain.Get();

        // Like transitions: a clerk of another hall goes on to the grain, which answers 403.
        if (view is null || !(user.MaySeeCase(view, protector) || user.IsInRole(Roles.Clerk)))
        {
            return Problems.NotFound("Case", number.Value);
        }

        var actor = CaseEndpoints.Actor(user, protector, view.State.ApplicantKey);
        var reply = await grain.Forward(new CaseForward(actor, partner.Code, partner.Name, body.TargetRegionCode!, body.Note, body.ExpectedVersion));
        if (!reply.Succeeded)
        {
            return CaseEndpoints.Failure(reply.Failure!);
        }

        // Started after the case recorded the forward, and on every repeat: Start is idempotent, so a crash between the
        // two is mended by the client's retry. The transfer is written before its first attempt.
        var state = reply.View!.State;
        var link = state.CrossProvince!;
        var transfer = await grains.GetGrain<IOutboundTransferGrain>(link.TransferId).Start(new OutboundTransfer(
            link.TransferId, link.PartnerCode, state.ReceivingHallCode is { Length: >= 6 } hall ? hall[..6] : state.RegionCode, link.PartnerRegionCode,
            catalogue.Find(state.ItemCode)?.Name ?? state.ItemCode, reply.View.Applicant, body.Note, actor.Id)
        {
            CaseNo = state.CaseNo,
        });
        LogForwarded(loggers.CreateLogger(typeof(CrossProvinceEndpoints)), state.CaseNo, link.PartnerCode, link.TransferId);
        return TypedResults.Accepted($"/api/cross-province/outbound/{link.TransferId}", new ForwardedDto(state.CaseNo, CaseNames.Of(state.Status), state.Version, Dto(transfer)));
    }

    private static async Task<IResult> PartnerStatusAsync(
        string transferId, PartnerStatusRequest body, [FromHeader(Name = "X-Partner-Code")] string? partnerCode, [FromHeader(Name = "X-Partner-Token")] string? token,
        PartnerOptions partners, IGrainFactory grains)
    {
        if (partners.Authenticate(partnerCode, token) is not { } partner)
        {
            return Unauthorized();
        }

        if (!CrossProvinceCaseRules.TryParse(body.Status, out var status))
        {
            return Problems.Invalid("status", "status is one of accepted, inReview, decided, delivered, rejected.");
        }

        DeliveryMethod? method = null;
        if (body.DeliveryMethod is not null)
        {
            if (!CaseNames.TryParse(body.DeliveryMethod, out DeliveryMethod parsed))
            {
                return Problems.Invalid("deliveryMethod", "deliveryMethod is pickup, ems or electronic.");
            }

            method = parsed;
        }

        // Another partner's transfer answers like a missing one.
        if (transferId is not { Length: > 0 and <= 40 } || await grains.GetGrain<IOutboundTransferGrain>(transferId).View() is not { Transfer: { CaseNo: { } caseNo } transfer } ||
            transfer.PartnerCode != partner.Code)
        {
            return Problems.NotFound("Transfer", transferId);
        }

        var reply = await grains.GetGrain<ICaseGrain>(caseNo).ReportFromPartner(new PartnerReport(
            partner.Code, status, body.Approved, body.Reason, body.Department, body.Contact, body.PartnerReference, method, body.TrackingNumber, body.Comment));
        if (!reply.Succeeded)
        {
            return CaseEndpoints.Failure(reply.Failure!);
        }

        var s = reply.View!.State;
        return TypedResults.Ok(new { caseNo = s.CaseNo, status = CaseNames.Of(s.Status), statusName = StatusNames.Chinese(s.Status), version = s.Version });
    }

    private static async Task<IResult> InboundAsync(
        InboundRequest body, [FromHeader(Name = "X-Partner-Code")] string? partnerCode, [FromHeader(Name = "X-Partner-Token")] string? token,
        PartnerOptions partners, PersonalDataProtector protector, ServiceCatalogue catalogue, RegionCatalog regions, IGrainFactory grains, TimeProvider clock)
    {
        if (partners.Authenticate(partnerCode, token) is not { } partner)
        {
            return Unauthorized();
        }

        return await ReceiveAsync(partner, body, protector, catalogue, regions, grains, clock);
    }

    /// <summary>The demo partner sends a sample application to a Guizhou county, through the same intake as a real partner's.</summary>
    private static async Task<IResult> DemoInboundAsync(
        DemoInboundRequest? body, ClaimsPrincipal user, PartnerOptions partners, PersonalDataProtector protector, ServiceCatalogue catalogue, RegionCatalog regions,
        IGrainFactory grains, TimeProvider clock)
    {
        if (partners.Find(DemoPartner.Code) is not { } demo || !DemoPartner.Is(demo))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "未启用演示合作方 Demo partner off",
                detail: "演示合作方仅在内嵌模式下默认启用，或配置 TongBan:Partners:Demo=true。 The demo partner is on in embedded mode, or with TongBan:Partners:Demo=true.");
        }

        var hall = user.Claim(TongBanClaims.HallCode);
        var target = body?.TargetRegionCode ?? (hall is { Length: >= 6 } && regions.Find(hall[..6]) is { Level: RegionLevel.County } ? hall[..6] : "520102");
        var now = ChinaTime.Now(clock);
        var itemCode = body?.ItemCode ?? DemoItemCode;
        var request = new InboundRequest(
            $"DEMO-{now:yyMMddHHmmss}-{Random.Shared.Next(0, 1_000_000):D6}", DemoPartner.RegionCode, target, catalogue.Find(itemCode)?.Name ?? itemCode,
            "演示申请人", DemoApplicantId, "13900009999", itemCode, "演示合作方发来的演示转办件（非真实申请）");
        return await ReceiveAsync(demo, request, protector, catalogue, regions, grains, clock);
    }

    private const string DemoItemCode = "rsj-003";

    /// <summary>A made-up applicant with a well-formed number (the intake checks it like any other).</summary>
    private static readonly string DemoApplicantId = "51010419900101998" + ResidentId.CheckCharacter("51010419900101998");

    private static async Task<IResult> ReceiveAsync(
        PartnerEndpoint partner, InboundRequest body, PersonalDataProtector protector, ServiceCatalogue catalogue, RegionCatalog regions, IGrainFactory grains, TimeProvider clock)
    {
        if (body.TransferId is not { Length: > 0 and <= 64 } transferId || body.TargetRegionCode is not { Length: 6 } target || !target.StartsWith("52", StringComparison.Ordinal) ||
            string.IsNullOrWhiteSpace(body.ItemName) || string.IsNullOrWhiteSpace(body.ApplicantName) || body.ApplicantName.Length > 50 || body.Note is { Length: > 500 } ||
            body.OriginRegionCode is { Length: > 6 } ||
            ResidentId.Validate(body.ApplicantIdNumber, ChinaTime.Today(clock)).Id is not { } id || MobileNumber.Validate(body.ApplicantPhone).Number is not { } phone)
        {
            return Problems.Invalid("body", "transferId, targetRegionCode (52xxxx), itemName and a valid applicant are required.");
        }

        if (regions.Find(target) is not { Level: RegionLevel.County })
        {
            return Problems.Invalid("targetRegionCode", "targetRegionCode is the applicant's Guizhou county (e.g. 520102).");
        }

        var itemName = body.ItemName.Trim();
        if ((catalogue.Find(body.ItemCode) ?? catalogue.Search(itemName).FirstOrDefault(i => i.Name == itemName)) is not { } item)
        {
            return Problems.Invalid("itemCode", "itemCode (or itemName exactly) must name an item of the 全省通办 catalogue (GET /api/items).");
        }

        var now = ChinaTime.Now(clock);
        var hall = ServicePointCode.Make(target, ServicePointType.Hall, 1);
        var application = new CaseApplication(
            item.Code, protector.Hash.OfResidentId(id.Value), CaseChannel.Online, RegionRules.CompetentRegion(item, target), target, [],
            new CaseActor("partner:" + partner.Code, CaseRole.Clerk, partner.Name, hall), hall, body.Note)
        {
            CrossProvince = new CrossProvinceLink(CrossProvinceDirection.Inbound, partner.Code, partner.Name, transferId, body.OriginRegionCode ?? string.Empty, now),
        };
        var receipt = await grains.GetGrain<IInboundTransferGrain>($"{partner.Code}/{transferId}").Receive(
            new InboundTransfer(partner.Code, transferId, body.OriginRegionCode ?? string.Empty, target, itemName,
                protector.Record(new ApplicantDetails(body.ApplicantName.Trim(), id.Value, phone.Value)), now),
            application);
        if (receipt.Failure is { } failure)
        {
            return CaseEndpoints.Failure(failure);
        }

        var t = receipt.Transfer;
        return TypedResults.Ok(new { t.PartnerCode, t.TransferId, t.TargetRegionCode, t.ReceivedAt, receipt.CaseNo });
    }

    /// <summary>The cross-province block of a case view: the link, and how the transfer (outbound) or the status reports (inbound) stand.</summary>
    internal static async Task<CaseCrossProvinceDto?> DescribeAsync(CaseState state, IGrainFactory grains)
    {
        if (state.CrossProvince is not { } link)
        {
            return null;
        }

        var dto = new CaseCrossProvinceDto(
            link.Direction == CrossProvinceDirection.Outbound ? "outbound" : "inbound", link.PartnerCode, link.PartnerName, link.TransferId, link.PartnerRegionCode, link.At,
            link.PartnerReference, link.PartnerDepartment, link.PartnerContact, link.AcknowledgedAt,
            link.PartnerStatus is { } ps ? CrossProvinceCaseRules.Wire(ps) : null, null, 0, null, null, null, null);
        if (link.Direction == CrossProvinceDirection.Outbound)
        {
            return await grains.GetGrain<IOutboundTransferGrain>(link.TransferId).View() is { } t
                ? dto with
                {
                    TransferStatus = Wire.Name(t.Status),
                    Attempts = t.Attempts.Count,
                    LastError = t.Attempts.LastOrDefault(a => !a.Delivered)?.Error,
                    NextAttemptAt = t.NextAttemptAt,
                    PartnerReference = dto.PartnerReference ?? t.PartnerReference,
                }
                : dto;
        }

        return await grains.GetGrain<IPartnerReportGrain>(state.CaseNo).View() is { } r
            ? dto with { Attempts = r.Attempts, LastError = r.LastError, NextAttemptAt = r.NextAttemptAt, ReportsDelivered = r.Delivered, ReportsPending = r.PendingVersions }
            : dto with { ReportsDelivered = 0, ReportsPending = [] };
    }

    private static ProblemHttpResult Unauthorized() =>
        TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "未认证 Unauthorized", detail: "Unknown partner or wrong X-Partner-Token.");

    [LoggerMessage(Level = LogLevel.Information, Message = "Case {CaseNo} forwarded to partner {Partner} as transfer {TransferId}")]
    private static partial void LogForwarded(ILogger logger, string caseNo, string partner, string transferId);

    private static TransferDto Dto(TransferView v) => new(
        v.Transfer.TransferId, v.Transfer.PartnerCode, v.Transfer.OriginRegionCode, v.Transfer.TargetRegionCode, v.Transfer.ItemName,
        new CaseApplicantDto(v.Transfer.Applicant.NameMasked, v.Transfer.Applicant.IdMasked, v.Transfer.Applicant.PhoneMasked),
        Wire.Name(v.Status), v.Attempts.Count, v.Attempts.LastOrDefault(a => !a.Delivered)?.Error, v.NextAttemptAt, v.PartnerReference, v.Attempts);

    /// <summary>An empty option list says that nothing is configured instead of "one of .".</summary>
    private static string PartnerCodeHint(PartnerOptions partners) =>
        partners.List.Count == 0
            ? "未配置任何跨省合作方（TongBan:Partners:List），暂不能转出。 No partner province is configured (TongBan:Partners:List)."
            : $"合作方代码须为以下之一：{string.Join("、", partners.List.Select(p => p.Code))}。 partnerCode is one of {string.Join(", ", partners.List.Select(p => p.Code))}.";
}
