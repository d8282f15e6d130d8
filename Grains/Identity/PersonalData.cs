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

    /// <summary>
    /// Retired encryption keys (base64, 32 bytes each) that may still open data sealed before a rotation; new data is
    /// always sealed with <see cref="EncryptionKey"/>. Rotate: move the current key here, set a new current key.
    /// </summary>
    public string[] PreviousEncryptionKeys { get; set; } = [];

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
/// <remarks>
/// Sealed format v2: <c>[2][key id: 4 bytes][nonce: 12][cipher][tag: 16]</c>, the key id being the first 4 bytes of
/// SHA-256 of the key, so data sealed before a rotation opens with the retired key that sealed it. Format v1 (no key
/// id, written before key rotation existed) is opened by trying the current key, then the retired ones (AES-GCM's tag
/// tells a wrong key).
/// Format v3 (the <c>sm</c> suite, the default): <c>[3][key id: 4][nonce: 12][cipher][tag: 16]</c>, the v2 layout with
/// SM4 (GB/T 32907) in GCM mode instead of AES-256: one authenticated pass like v2, the same header and tag checks, and
/// the mode of RFC 8998 (TLS_SM4_GCM_SM3); CBC + HMAC-SM3 would need two keys and two passes for the same guarantee.
/// The 128-bit SM4 key is derived from the configured key with HKDF-SM3 (label <c>tongban/privacy-sm4/v3</c>), so one
/// configured key (and its key id) serves every format. A wrong tag throws <see cref="AuthenticationTagMismatchException"/>
/// for v3 as for v2. <see cref="Reseal"/> moves v1/v2 values to v3 (or v3 back to v2 under <c>international</c>).
/// </remarks>
public sealed class PersonalDataProtector
{
    private const byte LegacyFormat = 1;
    private const byte AesFormat = 2;
    private const byte Sm4Format = 3;
    private const int KeyIdSize = 4;
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly byte[] currentKey;
    private readonly byte[] currentKeyId;
    private readonly List<(byte[] Id, byte[] Key)> keys = [];
    private readonly byte formatVersion;

    // SM4 keys derived once per configured key (HKDF-SM3 per call cost more than the SM4-GCM itself; see PERFORMANCE).
    private readonly Dictionary<byte[], byte[]> sm4Keys = new(ReferenceEqualityComparer.Instance);

    /// <param name="crypto">The suite choosing the format new values are sealed in (default <c>sm</c>: v3, SM4-GCM).</param>
    public PersonalDataProtector(PrivacyOptions options, Crypto.CryptoOptions? crypto = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var international = (crypto ?? new Crypto.CryptoOptions()).Parsed() == Crypto.CryptoSuite.International;
        formatVersion = international ? AesFormat : Sm4Format;
        Hash = new KeyedHash(
            Encoding.UTF8.GetBytes(options.HashKey ?? throw new InvalidOperationException("TongBan:Privacy:HashKey is not set.")),
            international ? KeyedHashFunction.HmacSha256 : KeyedHashFunction.HmacSm3);
        currentKey = ParseKey(options.EncryptionKey ?? throw new InvalidOperationException("TongBan:Privacy:EncryptionKey is not set."), "EncryptionKey");
        currentKeyId = KeyId(currentKey);
        keys.Add((currentKeyId, currentKey));
        foreach (var (previous, i) in options.PreviousEncryptionKeys.Select((k, i) => (k, i)))
        {
            var key = ParseKey(previous, $"PreviousEncryptionKeys:{i}");
            keys.Add((KeyId(key), key));
        }

        foreach (var (_, key) in keys)
        {
            sm4Keys[key] = Sm4KeyOf(key);
        }
    }

    /// <summary>Keyed hashes: new ones in the suite's algorithm (HMAC-SM3 under <c>sm</c>); look-ups try every candidate.</summary>
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

    /// <summary>Seals any personal value (a notification's address, a consent's contacts) like an applicant record.</summary>
    public byte[] SealBytes(byte[] plain) => Seal(plain);

    public byte[] OpenBytes(byte[] sealedData) => Unseal(sealedData);

    public byte[] SealText(string text) => Seal(System.Text.Encoding.UTF8.GetBytes(text));

    public string OpenText(byte[] sealedData) => Utf8(Unseal(sealedData));

    /// <summary>Whether the record was sealed with a retired key or in another format than the suite's and should be re-sealed.</summary>
    public bool NeedsReseal(ApplicantRecord record) =>
        record.Sealed.Length < 1 + KeyIdSize || record.Sealed[0] != formatVersion || !record.Sealed.AsSpan(1, KeyIdSize).SequenceEqual(currentKeyId);

    /// <summary>The format (1, 2 or 3) and algorithm a sealed value names, e.g. <c>(3, "SM4-GCM")</c>.</summary>
    public static (int Format, string Algorithm) FormatOf(byte[] sealedData) => sealedData is [var version, ..]
        ? (version, version == Sm4Format ? "SM4-GCM" : version is AesFormat or LegacyFormat ? "AES-256-GCM" : "unknown")
        : (0, "unknown");

    /// <summary>
    /// The same record sealed with the current key in the suite's format (hashes and masks unchanged): v1/v2 → v3 under
    /// <c>sm</c>. The keyed hashes stay: they are what the case's projection and the grains keyed by them are indexed by.
    /// </summary>
    public ApplicantRecord Reseal(ApplicantRecord record) => record with { Sealed = Seal(Unseal(record.Sealed)) };

    private byte[] Seal(byte[] plain)
    {
        var output = new byte[1 + KeyIdSize + NonceSize + plain.Length + TagSize];
        output[0] = formatVersion;
        currentKeyId.CopyTo(output, 1);
        var nonce = output.AsSpan(1 + KeyIdSize, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        if (formatVersion == Sm4Format)
        {
            Sm4Gcm(forEncryption: true, sm4Keys[currentKey], nonce, output.AsSpan(0, 1 + KeyIdSize), plain, output.AsSpan(1 + KeyIdSize + NonceSize));
            return output;
        }

        using var aes = new AesGcm(currentKey, TagSize);
        // The header (format and key id) is authenticated too.
        aes.Encrypt(nonce, plain, output.AsSpan(1 + KeyIdSize + NonceSize, plain.Length), output.AsSpan(output.Length - TagSize), output.AsSpan(0, 1 + KeyIdSize));
        return output;
    }

    private byte[] Unseal(byte[] sealedData)
    {
        if (sealedData.Length >= 1 + KeyIdSize + NonceSize + TagSize && sealedData[0] is AesFormat or Sm4Format)
        {
            var id = sealedData[1..(1 + KeyIdSize)];
            var key = keys.FirstOrDefault(k => k.Id.AsSpan().SequenceEqual(id)).Key
                ?? throw new CryptographicException("Personal data sealed with a key that is not configured (add it to TongBan:Privacy:PreviousEncryptionKeys).");
            if (sealedData[0] == Sm4Format)
            {
                var plain = new byte[sealedData.Length - 1 - KeyIdSize - NonceSize - TagSize];
                Sm4Gcm(forEncryption: false, sm4Keys[key], sealedData.AsSpan(1 + KeyIdSize, NonceSize), sealedData.AsSpan(0, 1 + KeyIdSize),
                    sealedData.AsSpan(1 + KeyIdSize + NonceSize), plain);
                return plain;
            }

            return Decrypt(key, sealedData, 1 + KeyIdSize, sealedData.AsSpan(0, 1 + KeyIdSize));
        }

        if (sealedData.Length >= 1 + NonceSize + TagSize && sealedData[0] == LegacyFormat)
        {
            foreach (var (_, key) in keys)
            {
                try
                {
                    return Decrypt(key, sealedData, 1, []);
                }
                catch (AuthenticationTagMismatchException)
                {
                    // not this key; try the next one
                }
            }

            throw new CryptographicException("Personal data (format 1) opens with none of the configured keys.");
        }

        throw new CryptographicException("Unknown sealed personal-data format.");
    }

    private static byte[] Decrypt(byte[] key, byte[] sealedData, int nonceAt, ReadOnlySpan<byte> associated)
    {
        var nonce = sealedData.AsSpan(nonceAt, NonceSize);
        var cipher = sealedData.AsSpan(nonceAt + NonceSize, sealedData.Length - nonceAt - NonceSize - TagSize);
        var plain = new byte[cipher.Length];
        using var aes = new AesGcm(key, TagSize);
        aes.Decrypt(nonce, cipher, sealedData.AsSpan(sealedData.Length - TagSize), plain, associated);
        return plain;
    }

    private static byte[] KeyId(byte[] key) => SHA256.HashData(key)[..KeyIdSize];

    /// <summary>The 128-bit SM4 key of a configured 256-bit key: HKDF with SM3 (BouncyCastle), one label for this use.</summary>
    private static byte[] Sm4KeyOf(byte[] key)
    {
        var hkdf = new Org.BouncyCastle.Crypto.Generators.HkdfBytesGenerator(new Org.BouncyCastle.Crypto.Digests.SM3Digest());
        hkdf.Init(new Org.BouncyCastle.Crypto.Parameters.HkdfParameters(key, null, "tongban/privacy-sm4/v3"u8.ToArray()));
        var output = new byte[16];
        hkdf.GenerateBytes(output, 0, output.Length);
        return output;
    }

    /// <summary>SM4-GCM (BouncyCastle), 128-bit tag appended to the cipher text; header authenticated as associated data.</summary>
    private static void Sm4Gcm(bool forEncryption, byte[] key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> associated, ReadOnlySpan<byte> input, Span<byte> output)
    {
        var gcm = new Org.BouncyCastle.Crypto.Modes.GcmBlockCipher(new Org.BouncyCastle.Crypto.Engines.SM4Engine());
        gcm.Init(forEncryption, new Org.BouncyCastle.Crypto.Parameters.AeadParameters(
            new Org.BouncyCastle.Crypto.Parameters.KeyParameter(key), TagSize * 8, nonce.ToArray(), associated.ToArray()));
        try
        {
            var written = gcm.ProcessBytes(input, output);
            gcm.DoFinal(output[written..]);
        }
        catch (Org.BouncyCastle.Crypto.InvalidCipherTextException e)
        {
            // The same error as a tampered AES-GCM value (v2), so callers treat both alike.
            throw new AuthenticationTagMismatchException("The SM4-GCM tag does not match: wrong key or altered data.", e);
        }
    }

    private static byte[] ParseKey(string base64, string name)
    {
        byte[] key;
        try
        {
            key = Convert.FromBase64String(base64);
        }
        catch (FormatException)
        {
            throw new InvalidOperationException($"TongBan:Privacy:{name} is not base64.");
        }

        return key.Length == 32 ? key : throw new InvalidOperationException($"TongBan:Privacy:{name} must be 32 bytes (base64).");
    }

    /// <summary>For tests and logs: never the raw values.</summary>
    public override string ToString() => nameof(PersonalDataProtector);

    internal static string Utf8(byte[] bytes) => Encoding.UTF8.GetString(bytes);
}
