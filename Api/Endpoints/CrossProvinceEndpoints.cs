using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using TongBan.Api.Security;
using TongBan.Grains.Common;
using TongBan.Grains.CrossProvince;
using TongBan.Grains.Identity;

namespace TongBan.Api.Endpoints;

/// <summary><c>POST /api/cross-province/outbound</c>: an application received here for a partner province's department.</summary>
public sealed record OutboundRequest(string? PartnerCode, string? TargetRegionCode, string? ItemName, CaseApplicantInput? Applicant, string? Note);

/// <summary><c>POST /api/cross-province/inbound</c> (called by a partner): an application forwarded to Guizhou.</summary>
public sealed record InboundRequest(string? TransferId, string? OriginRegionCode, string? TargetRegionCode, string? ItemName, string? ApplicantName, string? ApplicantIdNumber, string? ApplicantPhone);

public sealed record TransferDto(
    string TransferId, string PartnerCode, string OriginRegionCode, string TargetRegionCode, string ItemName, CaseApplicantDto Applicant,
    string Status, int Attempts, string? LastError, DateTimeOffset? NextAttemptAt, string? PartnerReference, IReadOnlyList<TransferAttempt> History);

/// <summary>
/// Cross-province cases (跨省通办, task 20): outbound transfers with durable retries and visible state,
/// an authenticated inbound route for partners, idempotent on both sides.
/// </summary>
public static class CrossProvinceEndpoints
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
                return (IResult)Problems.Invalid("partnerCode", $"partnerCode is one of {string.Join(", ", partners.List.Select(p => p.Code))}.");
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

        group.MapPost("/inbound", async (InboundRequest body, [FromHeader(Name = "X-Partner-Code")] string? partnerCode, [FromHeader(Name = "X-Partner-Token")] string? token,
            PartnerOptions partners, PersonalDataProtector protector, IGrainFactory grains, TimeProvider clock) =>
        {
            if (partners.Authenticate(partnerCode, token) is not { } partner)
            {
                return (IResult)TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "未认证 Unauthorized", detail: "Unknown partner or wrong X-Partner-Token.");
            }

            if (body.TransferId is not { Length: > 0 and <= 64 } transferId || body.TargetRegionCode is not { Length: 6 } target || !target.StartsWith("52", StringComparison.Ordinal) ||
                string.IsNullOrWhiteSpace(body.ItemName) || string.IsNullOrWhiteSpace(body.ApplicantName) ||
                ResidentId.Validate(body.ApplicantIdNumber, ChinaTime.Today(clock)).Id is not { } id || MobileNumber.Validate(body.ApplicantPhone).Number is not { } phone)
            {
                return Problems.Invalid("body", "transferId, targetRegionCode (52xxxx), itemName and a valid applicant are required.");
            }

            var received = await grains.GetGrain<IInboundTransferGrain>($"{partner.Code}/{transferId}").Receive(new InboundTransfer(
                partner.Code, transferId, body.OriginRegionCode ?? string.Empty, target, body.ItemName.Trim(),
                protector.Record(new ApplicantDetails(body.ApplicantName.Trim(), id.Value, phone.Value)), ChinaTime.Now(clock)));
            return TypedResults.Ok(new { received.PartnerCode, received.TransferId, received.TargetRegionCode, received.ReceivedAt });
        })
        .AllowAnonymous()
        .WithSummary("Partner provinces forward applications here (X-Partner-Code + X-Partner-Token); a retry returns the first receipt.");

        group.MapGet("/inbound/{partnerCode}/{transferId}", async (string partnerCode, string transferId, PartnerOptions partners, IGrainFactory grains) =>
            partners.Find(partnerCode) is not null && transferId.Length <= 64 && await grains.GetGrain<IInboundTransferGrain>($"{partnerCode}/{transferId}").View() is { } t
                ? (IResult)TypedResults.Ok(new { t.PartnerCode, t.TransferId, t.OriginRegionCode, t.TargetRegionCode, t.ItemName, applicant = new CaseApplicantDto(t.Applicant.NameMasked, t.Applicant.IdMasked, t.Applicant.PhoneMasked), t.ReceivedAt })
                : Problems.NotFound("Transfer", transferId))
        .RequireAuthorization(Policies.Staff)
        .WithSummary("An inbound transfer as received (masked applicant).");
    }

    private static TransferDto Dto(TransferView v) => new(
        v.Transfer.TransferId, v.Transfer.PartnerCode, v.Transfer.OriginRegionCode, v.Transfer.TargetRegionCode, v.Transfer.ItemName,
        new CaseApplicantDto(v.Transfer.Applicant.NameMasked, v.Transfer.Applicant.IdMasked, v.Transfer.Applicant.PhoneMasked),
        Wire.Name(v.Status), v.Attempts.Count, v.Attempts.LastOrDefault(a => !a.Delivered)?.Error, v.NextAttemptAt, v.PartnerReference, v.Attempts);
}
