using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using TongBan.Grains.Appointments;
using TongBan.Grains.Identity;
using TongBan.Silo.Hosting;

namespace TongBan.Api.Tests.Appointments;

/// <summary>Appointment settings and the privacy key are checked at start-up, with one line for the operator.</summary>
[Trait("Category", "Integration")]
public class AppointmentStartupTests
{
    private const string Production = "Host=127.0.0.1;Port=1;Database=x";
    private const string SigningKey = "appointment-startup-test-signing-key-0123456789";

    [Theory]
    [InlineData("--TongBan:Privacy:HashKey", "short", "TongBan:Privacy:HashKey must have at least 32 bytes")]
    [InlineData("--TongBan:Privacy:HashKey", ApplicantHasher.DevelopmentKey, "public development key")]
    [InlineData("--TongBan:Appointments:SlotMinutes", "0", "SlotMinutes")]
    [InlineData("--TongBan:Appointments:CheckInAfter", "-00:01:00", "CheckInAfter")]
    public void Bad_appointment_settings_stop_the_start(string key, string value, string expected)
    {
        var error = Assert.Throws<StartupException>(() =>
            TongBanHost.Build(["--ConnectionStrings:TongBan", Production, "--TongBan:Auth:SigningKey", SigningKey, key, value]));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', TongBanHost.Describe(error));
    }

    [Fact]
    public void Privacy_key_defaults_per_mode()
    {
        static IConfiguration Config(params (string Key, string Value)[] pairs) =>
            new ConfigurationBuilder().AddInMemoryCollection(pairs.Select(p => new KeyValuePair<string, string?>(p.Key, p.Value))).Build();

        const string Id = "52010219900307001X";
        var development = AppointmentServices.HasherFrom(Config(), developmentMode: true).HashResidentId(Id);
        Assert.Equal(ApplicantHasher.FromText(ApplicantHasher.DevelopmentKey).HashResidentId(Id), development);

        // Production without a hash key: derived from the signing key, never equal to the key itself or the development one.
        var derived = AppointmentServices.HasherFrom(Config(("TongBan:Auth:SigningKey", SigningKey)), developmentMode: false).HashResidentId(Id);
        Assert.NotEqual(development, derived);
        Assert.NotEqual(ApplicantHasher.FromText(SigningKey).HashResidentId(Id), derived);

        var explicitKey = AppointmentServices.HasherFrom(
            Config(("TongBan:Auth:SigningKey", SigningKey), ("TongBan:Privacy:HashKey", "explicit-privacy-key-0123456789abcdef")), developmentMode: false);
        Assert.Equal(ApplicantHasher.FromText("explicit-privacy-key-0123456789abcdef").HashResidentId(Id), explicitKey.HashResidentId(Id));

        // The suite chooses the MAC, as it does for the cases' keys: HMAC-SM3 (sm3: tag) by default, HMAC-SHA256 under international.
        Assert.StartsWith(ApplicantHasher.Scheme + KeyedHash.Sm3Prefix, development, StringComparison.Ordinal);
        var international = AppointmentServices.HasherFrom(Config(("TongBan:Crypto:Suite", "international")), developmentMode: true).HashResidentId(Id);
        Assert.Equal(ApplicantHasher.FromText(ApplicantHasher.DevelopmentKey, KeyedHashFunction.HmacSha256).HashResidentId(Id), international);
        Assert.Equal(ApplicantHasher.Scheme.Length + KeyedHash.HexLength, international.Length);

        var none = Assert.Throws<StartupException>(() => AppointmentServices.HasherFrom(Config(("TongBan:Auth:Authority", "https://id.example")), developmentMode: false));
        Assert.Contains("TongBan:Privacy:HashKey must be set", none.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// One caller hash finds both a person's cases and their appointments (the 12345 caller look-up): in every mode the
    /// appointment hash is the case applicant key under the same key, with the scheme prefix.
    /// </summary>
    [Theory]
    [InlineData(false, null)]
    [InlineData(true, null)]
    [InlineData(true, "explicit-privacy-key-0123456789abcdef")]
    public async Task Appointments_and_cases_hash_an_id_number_alike(bool postgresMode, string? hashKey)
    {
        const string Id = "52010219900307001X";
        List<string> args = ["--urls", "http://127.0.0.1:0"];
        if (postgresMode)
        {
            args.AddRange(["--ConnectionStrings:TongBan", Production, "--TongBan:Auth:SigningKey", SigningKey]);
        }

        if (hashKey is not null)
        {
            args.AddRange(["--TongBan:Privacy:HashKey", hashKey]);
        }

        await using var app = TongBanHost.Build([.. args]);
        var caseKey = app.Services.GetRequiredService<PersonalDataProtector>().Hash.OfResidentId(Id);
        var appointments = app.Services.GetRequiredService<ApplicantHasher>();

        Assert.Equal(ApplicantHasher.FromCaseKey(caseKey), appointments.HashResidentId(Id));
        Assert.Equal(appointments.HashResidentId(Id), appointments.HashResidentId(" 52010219900307001x"));
        Assert.Equal(appointments.HashResidentId(Id), appointments.HashResidentId("５２０１０２１９９００３０７００１Ｘ"));
        Assert.NotEqual(appointments.HashResidentId(Id), appointments.HashResidentId("520102199003070028"));
    }
}
