using TongBan.Grains.Catalogue;

namespace TongBan.Grains.Licences;

/// <summary>One e-licence (电子证照) as the licence library holds it.</summary>
/// <param name="HolderKey">Keyed hash of the holder's resident ID number (for a business licence, the legal representative's).</param>
/// <param name="HolderNameMasked">The holder's name, masked (张*), for the clerk's screen.</param>
/// <param name="ValidUntil">Last day of validity; null for licences without expiry (结婚证, 出生医学证明).</param>
[GenerateSerializer, Immutable]
public sealed record ELicenceRecord(
    [property: Id(0)] ELicenceType Type,
    [property: Id(1)] string LicenceNumber,
    [property: Id(2)] string HolderKey,
    [property: Id(3)] string HolderNameMasked,
    [property: Id(4)] string Issuer,
    [property: Id(5)] DateOnly IssuedOn,
    [property: Id(6)] DateOnly? ValidUntil,
    [property: Id(7)] bool Revoked = false);

/// <summary>
/// The e-licence library a case's citations are verified against (task 13, 电子证照共享互认).
/// </summary>
/// <remarks>
/// The embedded and test deployments use <see cref="InProcessELicenceRegistry"/> (seeded demo licences).
/// The provincial data-sharing exchange (贵州省数据共享交换平台 / 电子证照库) plugs in here: an
/// implementation of this interface that calls the exchange's licence query API (mutual-TLS, per-call
/// audit of the querying department) is registered in DI before the host's <c>TryAddSingleton</c>
/// fallback, and nothing else changes: grains only see this interface. Implementations must be
/// thread-safe and must not log holder identifiers.
/// </remarks>
public interface IELicenceRegistry
{
    /// <summary>The licence of that type and number, or null when the library has none.</summary>
    Task<ELicenceRecord?> FindAsync(ELicenceType type, string licenceNumber, CancellationToken cancellationToken);

    /// <summary>All licences of one holder (by keyed hash), for the clerk to pick from.</summary>
    Task<IReadOnlyList<ELicenceRecord>> OfHolderAsync(string holderKey, CancellationToken cancellationToken);
}

/// <summary>Licence numbers are compared trimmed and upper-cased (people type them in either case).</summary>
public static class ELicenceNumbers
{
    public static string Normalise(string licenceNumber)
    {
        ArgumentNullException.ThrowIfNull(licenceNumber);
        return licenceNumber.Trim().ToUpperInvariant();
    }
}
