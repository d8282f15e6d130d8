using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using TongBan.Api.Security;
using TongBan.Grains.Cases;
using TongBan.Grains.Catalogue;
using TongBan.Grains.Common;
using TongBan.Grains.Identity;
using TongBan.Grains.Licences;

namespace TongBan.Api.Endpoints;

public sealed record LicenceDto(string Type, string TypeName, string LicenceNumber, string HolderName, string Issuer, DateOnly IssuedOn, DateOnly? ValidUntil, bool Revoked);

/// <summary>A citation on a case as verified now: <c>verified</c>, or the <c>problem</c> (unknown, otherHolder, expired, revoked) and reason.</summary>
public sealed record CitationDto(string MaterialId, string? MaterialName, string Type, string TypeName, string LicenceNumber, bool Verified, string? Problem, string? Reason, LicenceDto? Licence);

public sealed record HolderLookupInput(string? IdNumber);

/// <summary>E-licences (task 13): what a case cites, verified; an applicant's licences for the clerk or themself.</summary>
public static class LicenceEndpoints
{
    public static void MapLicenceEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/api/cases/{caseNo}/licences", async (string caseNo, ClaimsPrincipal user, IGrainFactory grains, PersonalDataProtector protector, ServiceCatalogue catalogue, TimeProvider clock) =>
        {
            if (!CaseNumber.TryParse(caseNo, out var number))
            {
                return (IResult)Problems.Invalid("caseNo", HotlineEndpoints.CaseNoHint);
            }

            var view = await grains.GetGrain<ICaseGrain>(number.Value).Get();
            if (view is null || !user.MaySeeCase(view, protector))
            {
                return Problems.NotFound("Case", number.Value);
            }

            var item = catalogue.VersionAt(view.State.ItemCode, view.State.ItemBatch);
            var results = await grains.GetGrain<IELicenceCheckGrain>(0).Verify(view.State.ApplicantKey, view.State.Materials, ChinaTime.Today(clock));
            return TypedResults.Ok<IReadOnlyList<CitationDto>>([.. results.Select(r => new CitationDto(
                r.MaterialId, item?.Material(r.MaterialId)?.Name, Wire.Name(r.Citation.Type), CatalogueNames.Of(r.Citation.Type), r.Citation.LicenceNumber,
                r.Verified, r.Problem is { } p ? Wire.Name(p) : null, r.Reason, r.Licence is { } l ? Dto(l) : null))]);
        })
        .WithTags("Licences")
        .RequireAuthorization(Policies.Authenticated)
        .Produces<IReadOnlyList<CitationDto>>()
        .WithSummary("The e-licences the case cites instead of paper, verified against the licence library now (已核验 for the receiving clerk).");

        routes.MapPost("/api/licences/lookup", async (HolderLookupInput body, IELicenceRegistry registry, PersonalDataProtector protector, TimeProvider clock, CancellationToken ct) =>
            ResidentId.Validate(body.IdNumber, ChinaTime.Today(clock)).Id is not { } id
                ? (IResult)Problems.Invalid("idNumber", "A valid 18-character resident ID number is required.")
                : TypedResults.Ok<IReadOnlyList<LicenceDto>>([.. (await OfHolder(registry, protector.Hash.ResidentIdCandidates(id), ct)).Select(Dto)]))
        .WithTags("Licences")
        .RequireAuthorization(p => p.RequireRole(Roles.Clerk))
        .Produces<IReadOnlyList<LicenceDto>>()
        .WithSummary("A clerk lists the applicant's e-licences (ID number in the body) to cite them instead of paper.");

        routes.MapGet("/api/licences/mine", async (ClaimsPrincipal user, IELicenceRegistry registry, PersonalDataProtector protector, CancellationToken ct) =>
            TypedResults.Ok<IReadOnlyList<LicenceDto>>([.. (await OfHolder(registry, protector.Hash.ResidentIdCandidates(user.Claim(TongBanClaims.Subject) ?? string.Empty), ct)).Select(Dto)]))
        .WithTags("Licences")
        .RequireAuthorization(p => p.RequireRole(Roles.Citizen))
        .WithSummary("The citizen's own e-licences (证照夹).");
    }

    /// <summary>The licences held under any of a person's keyed hashes (HMAC-SM3 and, from before the switch, HMAC-SHA256).</summary>
    private static async Task<IEnumerable<ELicenceRecord>> OfHolder(IELicenceRegistry registry, string[] keys, CancellationToken ct) =>
        (await Task.WhenAll(keys.Select(k => registry.OfHolderAsync(k, ct)))).SelectMany(list => list);

    private static LicenceDto Dto(ELicenceRecord l) =>
        new(Wire.Name(l.Type), CatalogueNames.Of(l.Type), l.LicenceNumber, l.HolderNameMasked, l.Issuer, l.IssuedOn, l.ValidUntil, l.Revoked);
}
