using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using TongBan.Grains.Cases;
using TongBan.Grains.Catalogue;
using TongBan.Grains.Common;
using TongBan.Grains.Credit;
using TongBan.Grains.Regions;

namespace TongBan.Grains.Seals;

/// <summary>
/// A decision document (准予/不予许可决定书) as signed: every field is covered by the seal's signature
/// over its canonical JSON (camelCase, this property order), including the key id, so a document
/// cannot be passed off under another department's key, and the algorithm (documents issued before
/// algorithm agility have none and are ES256; leaving it out keeps their canonical JSON, and so their signatures, valid).
/// </summary>
/// <param name="Authority">The deciding authority by name, e.g. 南明区人力资源和社会保障局.</param>
/// <param name="ApplicantName">Masked (张*): the document is shown to verifiers who need no more.</param>
[GenerateSerializer, Immutable]
public sealed record DecisionDocument(
    [property: Id(0)] string DocumentNo,
    [property: Id(1)] string CaseNo,
    [property: Id(2)] string ItemCode,
    [property: Id(3)] string ItemName,
    [property: Id(4)] bool Approved,
    [property: Id(5)] string? Reason,
    [property: Id(6)] DateTimeOffset DecidedAt,
    [property: Id(7)] string DepartmentCode,
    [property: Id(8)] string RegionCode,
    [property: Id(9)] string Authority,
    [property: Id(10)] string ApplicantName,
    [property: Id(11)] DateTimeOffset IssuedAt,
    [property: Id(12)] string KeyId,
    [property: Id(13), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Algorithm = null);

/// <summary>The signed document: the exact payload signed, the signature and the key id.</summary>
[GenerateSerializer, Immutable]
public sealed record SignedDecision(
    [property: Id(0)] string Payload,
    [property: Id(1)] string Signature,
    [property: Id(2)] string KeyId,
    [property: Id(3)] string Algorithm);

/// <summary><c>{valid, reason}</c> and, when it could be read, what the document says of itself.</summary>
/// <param name="Revoked">Valid signature, but the result was revoked later (false materials).</param>
[GenerateSerializer, Immutable]
public sealed record SealVerification(
    [property: Id(0)] bool Valid,
    [property: Id(1)] string? Reason,
    [property: Id(2)] string? KeyId,
    [property: Id(3)] string? CaseNo,
    [property: Id(4)] string? Authority,
    [property: Id(5)] bool Revoked);

/// <summary>Issues (once) and keeps the signed decision document of a case, keyed by case number.</summary>
public interface IDecisionDocumentGrain : IGrainWithStringKey
{
    /// <summary>The signed document; null while the case has no decision.</summary>
    Task<SignedDecision?> Issue();
}

[GenerateSerializer]
public sealed class DecisionDocumentState
{
    [Id(0)]
    public SignedDecision? Document { get; set; }
}

public sealed class DecisionDocumentGrain(
    [PersistentState("decisiondocument", StorageNames.Default)] IPersistentState<DecisionDocumentState> state,
    ServiceCatalogue catalogue,
    RegionCatalog regions,
    TimeProvider clock) : Grain, IDecisionDocumentGrain
{
    public async Task<SignedDecision?> Issue()
    {
        if (state.State.Document is { } issued)
        {
            return issued;
        }

        var view = await GrainFactory.GetGrain<ICaseGrain>(this.GetPrimaryKeyString()).Get();
        if (view?.State.Decision is not { } decision)
        {
            return null;
        }

        var s = view.State;
        var seal = GrainFactory.GetGrain<IDepartmentSealGrain>($"{s.DepartmentCode}/{s.RegionCode}");
        var key = await seal.CurrentKey();
        var (keyId, algorithm) = (key.KeyId, key.Algorithm);
        for (var attempt = 0; ; attempt++)
        {
            var document = new DecisionDocument(
                s.CaseNo + "-JD", s.CaseNo, s.ItemCode, catalogue.VersionAt(s.ItemCode, s.ItemBatch)?.Name ?? s.ItemCode, decision.Approved, decision.Reason,
                decision.At, s.DepartmentCode, s.RegionCode, DecisionVerifier.Authority(s.DepartmentCode, s.RegionCode, regions),
                view.Applicant.NameMasked, ChinaTime.Now(clock), keyId, algorithm);
            var payload = DecisionVerifier.Canonical(document);
            var signature = await seal.Sign(payload);
            if ((signature.KeyId == keyId && signature.Algorithm == algorithm) || attempt > 0)
            {
                state.State.Document = new SignedDecision(payload, signature.SignatureBase64, signature.KeyId, signature.Algorithm);
                break;
            }

            (keyId, algorithm) = (signature.KeyId, signature.Algorithm); // rotated meanwhile: sign again naming the key that signs
        }

        await state.WriteStateAsync();
        return state.State.Document;
    }
}

/// <summary>Public verification of decision documents: tampered, unknown-key or malformed input is <c>valid: false</c>, never an error.</summary>
public static class DecisionVerifier
{
    private static readonly JsonSerializerOptions Strict = new(AuditChain.Json) { UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow };

    public static string Canonical(DecisionDocument document) => JsonSerializer.Serialize(document, AuditChain.Json);

    public static string Authority(string departmentCode, string regionCode, RegionCatalog regions)
    {
        ArgumentNullException.ThrowIfNull(regions);
        var department = Departments.Find(departmentCode)?.Name ?? departmentCode;
        var region = regions.Find(regionCode);
        return region?.Level == RegionLevel.Province ? "贵州省" + department.Replace("局", "厅", StringComparison.Ordinal) : (region?.Name ?? regionCode) + department;
    }

    /// <param name="algorithm">The algorithm the caller claims (optional); it must match the document's and the key's.</param>
    public static async Task<SealVerification> VerifyAsync(IGrainFactory grains, JsonElement document, string? signature, string? keyId, string? algorithm = null)
    {
        ArgumentNullException.ThrowIfNull(grains);
        DecisionDocument? parsed;
        try
        {
            parsed = document.ValueKind == JsonValueKind.Object ? document.Deserialize<DecisionDocument>(Strict) : null;
        }
        catch (JsonException)
        {
            parsed = null;
        }

        if (parsed is null || parsed.KeyId is null || parsed.CaseNo is null)
        {
            return new(false, "文书格式无效 (not a decision document)", keyId, null, null, false);
        }

        if (keyId is not null && keyId != parsed.KeyId)
        {
            return new(false, "签名密钥与文书所载不一致 (the key id does not match the document's)", keyId, parsed.CaseNo, parsed.Authority, false);
        }

        if (ParseKeyId(parsed.KeyId) is not { } key ||
            await grains.GetGrain<IDepartmentSealGrain>(key.Seal).PublicKey(key.Number) is not { } publicKey)
        {
            return new(false, "未知的签章密钥 (unknown seal key)", parsed.KeyId, parsed.CaseNo, parsed.Authority, false);
        }

        // Documents from before algorithm agility name none: they are ES256.
        var claimed = algorithm ?? SealAlgorithms.OrLegacy(parsed.Algorithm);
        if (claimed != SealAlgorithms.OrLegacy(parsed.Algorithm) || claimed != publicKey.Algorithm)
        {
            return new(false, $"签名算法与密钥不符 (the document claims {claimed}, key {parsed.KeyId} is {publicKey.Algorithm})", parsed.KeyId, parsed.CaseNo, parsed.Authority, false);
        }

        var check = SealSignatures.Verify(publicKey.Algorithm, publicKey.PublicKey, System.Text.Encoding.UTF8.GetBytes(Canonical(parsed)), signature);
        var revoked = check.Valid && CaseNumber.TryParse(parsed.CaseNo, out var number) && await grains.GetGrain<ICaseSanctionGrain>(number.Value).IsRevoked();
        return new(check.Valid, check.Reason ?? (revoked ? "签章有效，但该决定因虚假材料已被撤销 (valid seal, but the result was revoked)" : null), parsed.KeyId, parsed.CaseNo, parsed.Authority, revoked);
    }

    /// <summary><c>{department}/{region}/{n}</c> with a known department and a Guizhou region code; null otherwise (no grain is touched for junk).</summary>
    public static (string Seal, int Number)? ParseKeyId(string keyId)
    {
        var parts = keyId.Split('/');
        return parts.Length == 3 && Departments.Find(parts[0]) is not null && parts[1].Length == 6 && parts[1].StartsWith("52", StringComparison.Ordinal) &&
               parts[1].All(char.IsAsciiDigit) && int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1
            ? ($"{parts[0]}/{parts[1]}", n)
            : null;
    }
}
