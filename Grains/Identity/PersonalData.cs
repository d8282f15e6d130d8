using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace TongBan.Grains.Identity;

/// <summary>Configuration section <c>TongBan:Privacy</c>: keys for personal data (rotation: see the security section of the README).</summary>
public sealed class PrivacyOptions
{
    public const string Section = "TongBan:Privacy";

    /// <summary>Secret text (≥ 32 bytes of UTF-8) keying the hashes used to find people by ID number or phone.</summary>
    public string? HashKey { get; set; }

    /// <summary>Base64 AES key (32 bytes) sealing raw names, ID numbers and phones at rest.</summary>
    public string? EncryptionKey { get; set; }

    /// <summary>The public development hash key (also the appointment books'); refused in production.</summary>
    public const string DevelopmentHashKey = "tongban-embedded-development-privacy-key-not-for-production";

    /// <summary>Development keys: public, so only for the embedded mode and tests.</summary>
    public static PrivacyOptions Development() => new()
    {
        HashKey = DevelopmentHashKey,
        EncryptionKey = Convert.ToBase64String(SHA256.HashData("tongban-dev-encryption-key"u8)),
    };

    /// <summary>
    /// Keys derived (HKDF-SHA256, one label each) from the JWT signing key, for a PostgreSQL deployment that has
    /// not configured its own: that key is already a production secret. Configure both to rotate the signing key
    /// without changing stored hashes or losing sealed data.
    /// </summary>
    public static PrivacyOptions DerivedFrom(string signingKey) => new()
    {
        HashKey = Convert.ToBase64String(HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(signingKey), 32, info: "tongban/privacy-case-hash/v1"u8.ToArray())),
        EncryptionKey = Convert.ToBase64String(HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(signingKey), 32, info: "tongban/privacy-seal/v1"u8.ToArray())),
    };
}

/// <summary>An applicant's raw personal data; exists only in memory, never logged.</summary>
public sealed record ApplicantDetails(string Name, string IdNumber, string Phone);

/// <summary>
/// What a case keeps about its applicant: keyed hashes to find them, masked forms to show staff,
/// and the raw values sealed with AES-GCM for the few who need them (delivery, certificates).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ApplicantRecord(
    [property: Id(0)] string IdKey,
    [property: Id(1)] string PhoneKey,
    [property: Id(2)] string NameMasked,
    [property: Id(3)] string IdMasked,
    [property: Id(4)] string PhoneMasked,
    [property: Id(5)] byte[] Sealed);

/// <summary>Seals and opens personal data; hashes it for look-ups. Thread-safe.</summary>
public sealed class PersonalDataProtector
{
    private const byte FormatVersion = 1;
    private readonly byte[] encryptionKey;

    public PersonalDataProtector(PrivacyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Hash = new KeyedHash(Encoding.UTF8.GetBytes(options.HashKey ?? throw new InvalidOperationException("TongBan:Privacy:HashKey is not set.")));
        encryptionKey = Convert.FromBase64String(options.EncryptionKey ?? throw new InvalidOperationException("TongBan:Privacy:EncryptionKey is not set."));
        if (encryptionKey.Length != 32)
        {
            throw new InvalidOperationException("TongBan:Privacy:EncryptionKey must be 32 bytes (base64).");
        }
    }

    public KeyedHash Hash { get; }

    public ApplicantRecord Record(ApplicantDetails details) => new(
        Hash.OfResidentId(details.IdNumber),
        Hash.OfMobile(details.Phone),
        Masking.Name(details.Name),
        Masking.ResidentId(details.IdNumber),
        Masking.Mobile(details.Phone),
        Seal(JsonSerializer.SerializeToUtf8Bytes(details)));

    public ApplicantDetails Open(ApplicantRecord record) =>
        JsonSerializer.Deserialize<ApplicantDetails>(Unseal(record.Sealed))!;

    private byte[] Seal(byte[] plain)
    {
        var output = new byte[1 + AesGcm.NonceByteSizes.MaxSize + plain.Length + AesGcm.TagByteSizes.MaxSize];
        output[0] = FormatVersion;
        var nonce = output.AsSpan(1, AesGcm.NonceByteSizes.MaxSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(encryptionKey, AesGcm.TagByteSizes.MaxSize);
        aes.Encrypt(nonce, plain, output.AsSpan(1 + nonce.Length, plain.Length), output.AsSpan(1 + nonce.Length + plain.Length));
        return output;
    }

    private byte[] Unseal(byte[] sealedData)
    {
        if (sealedData.Length < 1 + 12 + 16 || sealedData[0] != FormatVersion)
        {
            throw new CryptographicException("Unknown sealed personal-data format.");
        }

        var nonce = sealedData.AsSpan(1, 12);
        var cipher = sealedData.AsSpan(13, sealedData.Length - 13 - 16);
        var plain = new byte[cipher.Length];
        using var aes = new AesGcm(encryptionKey, 16);
        aes.Decrypt(nonce, cipher, sealedData.AsSpan(sealedData.Length - 16), plain);
        return plain;
    }

    /// <summary>For tests and logs: never the raw values.</summary>
    public override string ToString() => nameof(PersonalDataProtector);

    internal static string Utf8(byte[] bytes) => Encoding.UTF8.GetString(bytes);
}
