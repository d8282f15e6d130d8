using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using TongBan.Api.Security;
using TongBan.Grains.Cases;
using TongBan.Grains.Common;
using TongBan.Grains.Credit;
using TongBan.Grains.Identity;

namespace TongBan.Api.Endpoints;

/// <summary><c>PUT /api/admin/credit</c>: set an applicant's standing (from the credit source, or by hand), reason required.</summary>
public sealed record CreditChangeInput(string? IdNumber, string? Standing, string? Reason);

public sealed record CreditLookupInput(string? IdNumber);

public sealed record CreditDto(string IdNumber, string Standing, string StandingName, bool HistoryValid, IReadOnlyList<CreditChange> History);

/// <summary><c>POST /api/cases/{caseNo}/deferral/supply</c>: deferred materials handed in (by material id).</summary>
public sealed record SupplyInput(IReadOnlyList<string>? MaterialIds);

/// <summary><c>POST /api/cases/{caseNo}/false-materials</c>: a finding of false materials (虚假材料认定).</summary>
public sealed record FalseMaterialsInput(string? Reason, IReadOnlyList<string>? MaterialIds);

public sealed record ReasonInput(string? Reason);

/// <summary>
/// Credit supervision (task 17): applicant standing (admin, audited), the 容缺 promise of a case, false-materials
/// findings that revoke the result and list the applicant as dishonest, and their reversal.
/// </summary>
public static class CreditEndpoints
{
    public static void MapCreditEndpoints(this IEndpointRouteBuilder routes)
    {
        var admin = routes.MapGroup("/api/admin").WithTags("Credit").RequireAuthorization(Policies.Admin);

        admin.MapPut("/credit", async (CreditChangeInput body, ClaimsPrincipal user, IGrainFactory grains, PersonalDataProtector protector, TimeProvider clock) =>
        {
            if (Applicant(body.IdNumber, clock) is not { } id)
            {
                return (IResult)Problems.Invalid("idNumber", "A valid 18-character resident ID number is required.");
            }

            if (!Wire.TryParse<CreditStanding>(body.Standing, out var standing))
            {
                return Problems.Invalid("standing", "standing is good, normal or dishonest.");
            }

            // New changes go to the current key's grain; the view merges the grain of the HMAC-SHA256 key (ApplicantCredit).
            var keys = protector.Hash.ResidentIdCandidates(id);
            var across = keys.Length > 1 ? (await ApplicantCredit.ViewAsync(grains, keys)).Standing : (CreditStanding?)null;
            if (await grains.GetGrain<IApplicantCreditGrain>(keys[0]).Change(new CreditChangeRequest(standing, body.Reason ?? string.Empty, Subject(user), CaseRole.Admin, Across: across)) is { } problem)
            {
                return Problems.Invalid("reason", problem);
            }

            return TypedResults.Ok(Dto(id, await ApplicantCredit.ViewAsync(grains, keys)));
        })
        .Produces<CreditDto>()
        .WithSummary("Set an applicant's credit standing (good, normal, dishonest) with a reason; audited. The ID number is in the body and stored only as a keyed hash.");

        admin.MapPost("/credit/lookup", async (CreditLookupInput body, IGrainFactory grains, PersonalDataProtector protector, TimeProvider clock) =>
            Applicant(body.IdNumber, clock) is not { } id
                ? (IResult)Problems.Invalid("idNumber", "A valid 18-character resident ID number is required.")
                : TypedResults.Ok(Dto(id, await ApplicantCredit.ViewAsync(grains, protector.Hash.ResidentIdCandidates(id)))))
        .Produces<CreditDto>()
        .WithSummary("An applicant's standing and its audited history (under both keyed-hash algorithms while HMAC-SHA256 records remain: one history in time order, the latest change's standing).");

        admin.MapPost("/cases/{caseNo}/false-materials/reverse", async (string caseNo, ReasonInput body, ClaimsPrincipal user, IGrainFactory grains, PersonalDataProtector protector) =>
        {
            if (!CaseNumber.TryParse(caseNo, out var number))
            {
                return (IResult)Problems.Invalid("caseNo", HotlineEndpoints.CaseNoHint);
            }

            return Sanction(await grains.GetGrain<ICaseSanctionGrain>(number.Value).Reverse(body.Reason ?? string.Empty, CaseEndpoints.Actor(user, protector)));
        })
        .Produces<SanctionView>()
        .WithSummary("Reverse a false-materials finding (admin, reason required): the result stands again and the applicant's previous standing is restored.");

        admin.MapPost("/cases/{caseNo}/deferral/check", async (string caseNo, IGrainFactory grains) =>
            CaseNumber.TryParse(caseNo, out var number)
                ? (IResult)TypedResults.Ok(new { status = await grains.GetGrain<ICaseDeferralGrain>(number.Value).CheckDue() })
                : Problems.Invalid("caseNo", HotlineEndpoints.CaseNoHint))
        .WithSummary("Run the 容缺 promise check now (the daily reminder does this after the due date).");

        var cases = routes.MapGroup("/api/cases/{caseNo}").WithTags("Credit");

        cases.MapGet("/deferral", async (string caseNo, ClaimsPrincipal user, IGrainFactory grains, PersonalDataProtector protector) =>
        {
            var (number, refusal) = await Visible(caseNo, user, grains, protector);
            return refusal ?? (await grains.GetGrain<ICaseDeferralGrain>(number!).View() is { } view
                ? TypedResults.Ok(view)
                : Problems.NotFound("Deferral promise of case", number!));
        })
        .RequireAuthorization(Policies.Authenticated)
        .Produces<DeferralView>()
        .WithSummary("The case's 容缺 promise: materials, due date, status (pending, kept, missed, void).");

        cases.MapPost("/deferral/supply", async (string caseNo, SupplyInput body, ClaimsPrincipal user, IGrainFactory grains, PersonalDataProtector protector) =>
        {
            var (number, refusal) = await Visible(caseNo, user, grains, protector);
            if (refusal is not null)
            {
                return refusal;
            }

            var deferral = grains.GetGrain<ICaseDeferralGrain>(number!);
            return await deferral.Supply(body.MaterialIds ?? []) is { } problem
                ? Problems.Conflict(problem)
                : TypedResults.Ok(await deferral.View());
        })
        .RequireAuthorization(p => p.RequireRole(Roles.Clerk))
        .Produces<DeferralView>()
        .WithSummary("A clerk records deferred materials handed in; the promise is kept once all are in.");

        cases.MapPost("/false-materials", async (string caseNo, FalseMaterialsInput body, ClaimsPrincipal user, IGrainFactory grains, PersonalDataProtector protector) =>
        {
            var (number, refusal) = await Visible(caseNo, user, grains, protector);
            return refusal ?? Sanction(await grains.GetGrain<ICaseSanctionGrain>(number!).Revoke(body.Reason ?? string.Empty, body.MaterialIds ?? [], CaseEndpoints.Actor(user, protector)));
        })
        .RequireAuthorization(p => p.RequireRole(Roles.Approver))
        .Produces<SanctionView>()
        .WithSummary("The deciding department finds false materials: the result is revoked, a pending delivery cancelled, the applicant listed as dishonest (audited).");

        cases.MapGet("/sanction", async (string caseNo, ClaimsPrincipal user, IGrainFactory grains, PersonalDataProtector protector) =>
        {
            var (number, refusal) = await Visible(caseNo, user, grains, protector);
            return refusal ?? TypedResults.Ok(await grains.GetGrain<ICaseSanctionGrain>(number!).View());
        })
        .RequireAuthorization(Policies.Authenticated)
        .Produces<SanctionView>()
        .WithSummary("False-materials findings on the case and their reversals.");
    }

    private static async Task<(string? CaseNo, IResult? Refusal)> Visible(string caseNo, ClaimsPrincipal user, IGrainFactory grains, PersonalDataProtector protector)
    {
        if (!CaseNumber.TryParse(caseNo, out var number))
        {
            return (null, Problems.Invalid("caseNo", HotlineEndpoints.CaseNoHint));
        }

        var view = await grains.GetGrain<ICaseGrain>(number.Value).Get();
        return view is null || !user.MaySeeCase(view, protector) ? (null, Problems.NotFound("Case", number.Value)) : (number.Value, null);
    }

    private static IResult Sanction(SanctionResult result) => result.FailureKind switch
    {
        null => TypedResults.Ok(result.View),
        CaseFailureKind.InvalidCommand => Problems.Invalid("reason", result.Failure!),
        CaseFailureKind.Forbidden => Problems.Forbidden(result.Failure),
        _ => Problems.Conflict(result.Failure!),
    };

    private static string? Applicant(string? idNumber, TimeProvider clock) =>
        ResidentId.Validate(idNumber, ChinaTime.Today(clock)).Id?.Value;

    private static CreditDto Dto(string idNumber, CreditView view) =>
        new(Masking.ResidentId(idNumber), Wire.Name(view.Standing), CreditRules.Chinese(view.Standing), view.HistoryValid, view.History);

    private static string Subject(ClaimsPrincipal user) => user.Claim(TongBanClaims.Subject) ?? "admin";
}
