using TongBan.Grains.Cases;
using TongBan.Grains.Catalogue;
using TongBan.Grains.Identity;
using TongBan.Grains.Licences;

namespace TongBan.Grains.Tests.Licences;

[Trait("Category", "Unit")]
public class ELicenceRulesTests
{
    private static readonly PersonalDataProtector Protector = new(PrivacyOptions.Development());

    private static readonly InProcessELicenceRegistry Registry = new(Protector);

    private static readonly string A = Protector.Hash.OfResidentId(InProcessELicenceRegistry.HolderA);

    private static readonly DateOnly Today = new(2026, 11, 27);

    private static async Task<ELicenceVerification> Check(ELicenceType type, string number, string applicantKey)
    {
        var citation = new ELicenceCitation(type, number);
        return ELicenceRules.Verify("m", citation, await Registry.FindAsync(type, number, CancellationToken.None), applicantKey, Today);
    }

    [Fact]
    public async Task Own_valid_licence_is_verified()
    {
        var result = await Check(ELicenceType.BusinessLicence, "91520102ma6dxxxx1a", A);
        Assert.True(result.Verified);
        Assert.Equal("陈*", result.Licence!.HolderNameMasked);
    }

    [Fact]
    public async Task Unknown_other_holder_expired_revoked_and_wrong_type_are_refused_with_reasons()
    {
        Assert.Equal(ELicenceProblem.Unknown, (await Check(ELicenceType.BusinessLicence, "NOPE", A)).Problem);
        Assert.Equal(ELicenceProblem.Unknown, (await Check(ELicenceType.Passport, "91520102MA6DXXXX1A", A)).Problem);
        var other = await Check(ELicenceType.Passport, "EJ1234567", A);
        Assert.Equal(ELicenceProblem.OtherHolder, other.Problem);
        Assert.Contains("不属于", other.Reason, StringComparison.Ordinal);
        var expired = await Check(ELicenceType.DrivingLicence, "EL-DL-520102-2012-0456", A);
        Assert.Equal(ELicenceProblem.Expired, expired.Problem);
        Assert.Contains("2022-05-02", expired.Reason, StringComparison.Ordinal);
        var b = Protector.Hash.OfResidentId(InProcessELicenceRegistry.HolderB);
        Assert.Equal(ELicenceProblem.Revoked, (await Check(ELicenceType.BusinessLicence, "92520302MA6EYYYY2B", b)).Problem);
    }

    [Fact]
    public async Task Validity_includes_its_last_day()
    {
        var record = (await Registry.FindAsync(ELicenceType.SocialSecurityCard, "EL-SSC-520100-778899", CancellationToken.None))!;
        var citation = new ELicenceCitation(record.Type, record.LicenceNumber);
        Assert.True(ELicenceRules.Verify("m", citation, record, A, record.ValidUntil!.Value).Verified);
        Assert.False(ELicenceRules.Verify("m", citation, record, A, record.ValidUntil!.Value.AddDays(1)).Verified);
        Assert.Equal(8, (await Registry.OfHolderAsync(A, CancellationToken.None)).Count);
    }
}
