using System.Collections.Frozen;
using TongBan.Grains.Catalogue;
using TongBan.Grains.Identity;

namespace TongBan.Grains.Licences;

/// <summary>
/// In-process licence library with demo licences for a few test applicants (fictional ID numbers,
/// valid check characters). Holders are indexed by keyed hash, as the real library would be queried.
/// </summary>
public sealed class InProcessELicenceRegistry : IELicenceRegistry
{
    /// <summary>Demo holders: 陈一 (Guiyang, many licences) and 林二 (Zunyi).</summary>
    public static readonly string HolderA = WithCheck("52010219860412345");

    public static readonly string HolderB = WithCheck("52030219920618246");

    private readonly FrozenDictionary<(ELicenceType, string), ELicenceRecord> byNumber;
    private readonly FrozenDictionary<string, ELicenceRecord[]> byHolder;

    public InProcessELicenceRegistry(PersonalDataProtector protector)
        : this(Seed(protector))
    {
    }

    public InProcessELicenceRegistry(IEnumerable<ELicenceRecord> records)
    {
        var list = records.Select(r => r with { LicenceNumber = ELicenceNumbers.Normalise(r.LicenceNumber) }).ToList();
        byNumber = list.ToFrozenDictionary(r => (r.Type, r.LicenceNumber));
        byHolder = list.GroupBy(r => r.HolderKey, StringComparer.Ordinal).ToFrozenDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);
    }

    public Task<ELicenceRecord?> FindAsync(ELicenceType type, string licenceNumber, CancellationToken cancellationToken) =>
        Task.FromResult(byNumber.GetValueOrDefault((type, ELicenceNumbers.Normalise(licenceNumber))));

    public Task<IReadOnlyList<ELicenceRecord>> OfHolderAsync(string holderKey, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<ELicenceRecord>>(byHolder.GetValueOrDefault(holderKey) ?? []);

    /// <summary>The demo licences (numbers are stable: tests and demos cite them).</summary>
    public static IReadOnlyList<ELicenceRecord> Seed(PersonalDataProtector protector)
    {
        ArgumentNullException.ThrowIfNull(protector);
        var a = protector.Hash.OfResidentId(HolderA);
        var b = protector.Hash.OfResidentId(HolderB);
        return
        [
            new(ELicenceType.ResidentIdCard, "EL-ID-" + HolderA[^6..], a, "陈*", "贵阳市公安局南明分局", new(2016, 4, 12), new(2036, 4, 12)),
            new(ELicenceType.HouseholdRegister, "EL-HK-520102-000123", a, "陈*", "贵阳市公安局南明分局", new(2010, 1, 5), null),
            new(ELicenceType.BusinessLicence, "91520102MA6DXXXX1A", a, "陈*", "贵阳市南明区市场监督管理局", new(2021, 3, 1), new(2041, 2, 28)),
            new(ELicenceType.RealEstateCertificate, "黔(2020)南明区不动产权第0012345号", a, "陈*", "贵阳市不动产登记中心", new(2020, 7, 7), null),
            new(ELicenceType.DrivingLicence, "EL-DL-520102-2012-0456", a, "陈*", "贵阳市公安局交通管理局", new(2012, 5, 2), new(2022, 5, 2)), // expired
            new(ELicenceType.SocialSecurityCard, "EL-SSC-520100-778899", a, "陈*", "贵阳市人力资源和社会保障局", new(2019, 9, 9), new(2029, 9, 9)),
            new(ELicenceType.MarriageCertificate, "J520102-2015-003344", a, "陈*", "贵阳市南明区民政局", new(2015, 10, 1), null),
            new(ELicenceType.FoodProductionLicence, "SC10652010200123", a, "陈*", "贵阳市市场监督管理局", new(2022, 1, 10), new(2027, 1, 9)),
            new(ELicenceType.ResidentIdCard, "EL-ID-" + HolderB[^6..], b, "林*", "遵义市公安局红花岗分局", new(2018, 6, 18), new(2038, 6, 18)),
            new(ELicenceType.Passport, "EJ1234567", b, "林*", "遵义市公安局出入境管理支队", new(2019, 2, 1), new(2029, 1, 31)),
            new(ELicenceType.BusinessLicence, "92520302MA6EYYYY2B", b, "林*", "遵义市红花岗区市场监督管理局", new(2020, 8, 8), null, Revoked: true), // 注销
        ];
    }

    private static string WithCheck(string first17) => first17 + ResidentId.CheckCharacter(first17);
}
