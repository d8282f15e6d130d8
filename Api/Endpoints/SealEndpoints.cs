using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using TongBan.Api.Security;
using TongBan.Grains.Cases;
using TongBan.Grains.Identity;
using TongBan.Grains.Seals;

namespace TongBan.Api.Endpoints;

/// <summary>
/// A signed decision document: <c>document</c> is what was signed; <c>signedPayload</c> is the exact signed bytes
/// (UTF-8 canonical JSON) in base64, for verifiers that check bytes (openssl); <c>signature</c> is base64
/// (SM2-SM3: DER SEQUENCE {r, s}; ES256: r‖s).
/// </summary>
public sealed record DecisionDocumentDto(JsonElement Document, string Signature, string KeyId, string Algorithm, string SignedPayload);

/// <summary><c>POST /api/seals/verify</c>: the document as received, its signature, optionally the key id and algorithm it claims.</summary>
public sealed record SealVerifyRequest(JsonElement Document, string? Signature, string? KeyId, string? Algorithm = null);

public sealed record SealKeyDto(string KeyId, string Algorithm, string PublicKeyPem, DateTimeOffset CreatedAt, DateTimeOffset? RetiredAt);

/// <summary>Electronic seals (task 8): signed decision documents, public verification, public keys, rotation.</summary>
public static class SealEndpoints
{
    public static void MapSealEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/api/cases/{caseNo}/decision-document", async (string caseNo, ClaimsPrincipal user, IGrainFactory grains, PersonalDataProtector protector) =>
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

            return await grains.GetGrain<IDecisionDocumentGrain>(number.Value).Issue() is { } signed
                ? TypedResults.Ok(new DecisionDocumentDto(
                    JsonDocument.Parse(signed.Payload).RootElement.Clone(), signed.Signature, signed.KeyId, signed.Algorithm, Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(signed.Payload))))
                : Problems.Conflict("尚未作出决定，没有决定书 (no decision yet)");
        })
        .WithTags("Seals")
        .RequireAuthorization(Policies.Authenticated)
        .Produces<DecisionDocumentDto>()
        .WithSummary("The decision document (准予/不予许可决定书) signed with the deciding department's seal; issued once, on first request after the decision.")
        .WithDescription("algorithm is SM2-SM3 (GB/T 38540: SM2 over SM3, distinguishing id 1234567812345678, DER signature) under the default sm suite, ES256 under international (and for documents issued before); signedPayload is the exact signed bytes in base64.");

        routes.MapPost("/api/seals/verify", async (SealVerifyRequest body, IGrainFactory grains) =>
            TypedResults.Ok(await DecisionVerifier.VerifyAsync(grains, body.Document, body.Signature, body.KeyId, body.Algorithm)))
        .WithTags("Seals")
        .AllowAnonymous()
        .Produces<SealVerification>()
        .WithSummary("Anyone verifies a decision document: {valid, reason}. Tampered, unknown-key or malformed documents are valid:false, never an error.")
        .WithDescription("Verifies both suites (SM2-SM3 and ES256). An algorithm (claimed in the body or the document) that does not match the key's, a truncated or non-DER signature, or an unknown key is valid:false with a reason.");

        routes.MapGet("/api/seals/{departmentCode}/{regionCode}/keys", async (string departmentCode, string regionCode, IGrainFactory grains) =>
        {
            if (DecisionVerifier.ParseKeyId($"{departmentCode}/{regionCode}/1") is not { } seal)
            {
                return (IResult)Problems.NotFound("Seal", $"{departmentCode}/{regionCode}");
            }

            var keys = await grains.GetGrain<IDepartmentSealGrain>(seal.Seal).PublicKeys();
            return TypedResults.Ok<IReadOnlyList<SealKeyDto>>([.. keys.Select(k => new SealKeyDto(k.KeyId, k.Algorithm, SealSignatures.Pem(k.PublicKey), k.CreatedAt, k.RetiredAt))]);
        })
        .WithTags("Seals")
        .AllowAnonymous()
        .Produces<IReadOnlyList<SealKeyDto>>()
        .WithSummary("A department seal's public keys (current and retired), PEM SubjectPublicKeyInfo, for offline verification.")
        .WithDescription("SM2-SM3 keys are id-ecPublicKey on the SM2 curve (OID 1.2.156.10197.1.301), ES256 keys on P-256; each names its algorithm.");

        routes.MapPost("/api/admin/seals/{departmentCode}/{regionCode}/rotate", async (string departmentCode, string regionCode, IGrainFactory grains) =>
            DecisionVerifier.ParseKeyId($"{departmentCode}/{regionCode}/1") is not { } seal
                ? (IResult)Problems.NotFound("Seal", $"{departmentCode}/{regionCode}")
                : TypedResults.Ok(new { keyId = await grains.GetGrain<IDepartmentSealGrain>(seal.Seal).Rotate() }))
        .WithTags("Seals")
        .RequireAuthorization(Policies.Admin)
        .WithSummary("Rotate a department seal: new key from now on; retired keys keep verifying what they signed.");
    }
}
