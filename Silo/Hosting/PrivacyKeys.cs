using TongBan.Grains.Identity;

namespace TongBan.Silo.Hosting;

/// <summary>
/// The privacy keys the host runs with, decided in one place for the cases, the appointment books and every other
/// keyed hash: <c>TongBan:Privacy</c> when set, else the public development keys (embedded mode), else keys derived
/// from the JWT signing key (<see cref="PrivacyOptions.DerivedFrom"/>), which production must keep secret anyway.
/// </summary>
internal static class PrivacyKeys
{
    public const string SigningKey = "TongBan:Auth:SigningKey";

    /// <summary>The keys; a key is null only in PostgreSQL mode with neither that key nor a signing key configured.</summary>
    public static PrivacyOptions From(IConfiguration configuration, bool development)
    {
        var privacy = configuration.GetSection(PrivacyOptions.Section).Get<PrivacyOptions>() ?? new PrivacyOptions();
        privacy.HashKey = string.IsNullOrEmpty(privacy.HashKey) ? null : privacy.HashKey;
        privacy.EncryptionKey = string.IsNullOrEmpty(privacy.EncryptionKey) ? null : privacy.EncryptionKey;
        if (privacy.HashKey is null || privacy.EncryptionKey is null)
        {
            var signingKey = configuration[SigningKey];
            var fallback = development ? PrivacyOptions.Development() : string.IsNullOrEmpty(signingKey) ? null : PrivacyOptions.DerivedFrom(signingKey);
            privacy.HashKey ??= fallback?.HashKey;
            privacy.EncryptionKey ??= fallback?.EncryptionKey;
        }

        return privacy;
    }
}
