using Orleans.Concurrency;
using TongBan.Grains.Cases;
using TongBan.Grains.Catalogue;
using TongBan.Grains.Identity;

namespace TongBan.Grains.Licences;

/// <summary>Why a cited e-licence is not accepted.</summary>
public enum ELicenceProblem
{
    /// <summary>The library has no licence of that type and number.</summary>
    Unknown,

    /// <summary>The licence belongs to someone else.</summary>
    OtherHolder,

    /// <summary>Past its last day of validity.</summary>
    Expired,

    /// <summary>Revoked or cancelled (注销、吊销).</summary>
    Revoked,
}

/// <summary>One citation as verified: the licence found (if any) and the problem (null = verified).</summary>
[GenerateSerializer, Immutable]
public sealed record ELicenceVerification(
    [property: Id(0)] string MaterialId,
    [property: Id(1)] ELicenceCitation Citation,
    [property: Id(2)] ELicenceRecord? Licence,
    [property: Id(3)] ELicenceProblem? Problem,
    [property: Id(4)] string? Reason)
{
    public bool Verified => Problem is null;
}

/// <summary>Verification rules for a cited e-licence. Pure.</summary>
public static class ELicenceRules
{
    public static ELicenceVerification Verify(string materialId, ELicenceCitation citation, ELicenceRecord? licence, string applicantKey, DateOnly today)
    {
        ArgumentNullException.ThrowIfNull(citation);
        var what = $"{CatalogueNames.Of(citation.Type)}（{citation.LicenceNumber.Trim()}）";
        ELicenceVerification Fail(ELicenceProblem problem, string reason) => new(materialId, citation, problem == ELicenceProblem.Unknown ? null : licence, problem, reason);

        if (licence is null || licence.Type != citation.Type)
        {
            return Fail(ELicenceProblem.Unknown, $"电子证照库中没有{what} (no such e-licence in the library)");
        }

        if (!KeyedHash.Same(licence.HolderKey, applicantKey))
        {
            return Fail(ELicenceProblem.OtherHolder, $"{what}不属于申请人本人 (the e-licence belongs to another person)");
        }

        if (licence.Revoked)
        {
            return Fail(ELicenceProblem.Revoked, $"{what}已注销 (the e-licence is revoked)");
        }

        if (licence.ValidUntil is { } until && until < today)
        {
            return Fail(ELicenceProblem.Expired, $"{what}已于{until:yyyy-MM-dd}过期 (the e-licence expired on {until:yyyy-MM-dd})");
        }

        return new(materialId, citation, licence, null, null);
    }
}

/// <summary>
/// Verifies citations against <see cref="IELicenceRegistry"/>. A stateless worker: no state, any
/// silo, as many activations as load needs; the registry (in-process or the exchange) is injected.
/// </summary>
public interface IELicenceCheckGrain : IGrainWithIntegerKey
{
    /// <summary>Every citation among <paramref name="materials"/>, verified for <paramref name="applicantKey"/> as of <paramref name="today"/>.</summary>
    Task<IReadOnlyList<ELicenceVerification>> Verify(string applicantKey, IReadOnlyList<SubmittedMaterial> materials, DateOnly today);
}

[StatelessWorker]
public sealed class ELicenceCheckGrain(IELicenceRegistry registry) : Grain, IELicenceCheckGrain
{
    public async Task<IReadOnlyList<ELicenceVerification>> Verify(string applicantKey, IReadOnlyList<SubmittedMaterial> materials, DateOnly today)
    {
        var results = new List<ELicenceVerification>();
        foreach (var material in materials)
        {
            if (material.ELicence is { } citation)
            {
                var licence = await registry.FindAsync(citation.Type, citation.LicenceNumber, CancellationToken.None);
                results.Add(ELicenceRules.Verify(material.MaterialId, citation, licence, applicantKey, today));
            }
        }

        return results;
    }
}

/// <summary>The check as the intake and the receive path use it: the first failing citation as a 409 case failure.</summary>
public static class ELicenceGate
{
    public static async Task<CaseFailure?> RefusalAsync(IGrainFactory grains, string applicantKey, IReadOnlyList<SubmittedMaterial>? materials, DateOnly today, CaseState? current)
    {
        ArgumentNullException.ThrowIfNull(grains);
        if (materials is null || !materials.Any(m => m.ELicence is not null))
        {
            return null;
        }

        var results = await grains.GetGrain<IELicenceCheckGrain>(0).Verify(applicantKey, materials, today);
        return results.FirstOrDefault(r => !r.Verified) is { } failed
            ? new CaseFailure(CaseFailureKind.LicenceRejected, failed.Reason!, current?.Status, current?.Version ?? 0, current is null ? [] : CaseStateMachine.AllowedActions(current))
            : null;
    }
}
