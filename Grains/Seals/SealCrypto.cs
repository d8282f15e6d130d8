using System.Security.Cryptography;
using System.Text;

namespace TongBan.Grains.Seals;

/// <summary>Configuration section <c>TongBan:Seals</c>.</summary>
public sealed class SealOptions
{
    public const string Section = "TongBan:Seals";

    /// <summary>
    /// Base64 AES-256 key that seals the departments' private seal keys at rest. When unset, one is
    /// derived from <c>TongBan:Privacy:EncryptionKey</c> with HKDF (label <c>tongban-seal-keys</c>), so the
    /// personal-data key itself never encrypts seal keys.
    /// </summary>
    public string? KeyEncryptionKey { get; set; }
}

/// <summary>
/// Seals private seal keys (PKCS#8) with AES-256-GCM, bound to their key id as associated data, so a
/// sealed key copied under another id does not open. Thread-safe; never logs or exposes key bytes.
/// </summary>
public sealed class SealKeyCipher
{
    private const byte FormatVersion = 1;
    private readonly byte[] key;

    public SealKeyCipher(byte[] keyEncryptionKey)
    {
        ArgumentNullException.ThrowIfNull(keyEncryptionKey);
        if (keyEncryptionKey.Length != 32)
        {
            throw new ArgumentException("The seal key-encryption key must be 32 bytes.", nameof(keyEncryptionKey));
        }

        key = [.. keyEncryptionKey];
    }

    /// <summary>From configuration: the explicit key, or one derived from the personal-data encryption key.</summary>
    public static SealKeyCipher From(SealOptions seals, Identity.PrivacyOptions privacy)
    {
        ArgumentNullException.ThrowIfNull(seals);
        ArgumentNullException.ThrowIfNull(privacy);
        if (seals.KeyEncryptionKey is { } explicitKey)
        {
            return new SealKeyCipher(Convert.FromBase64String(explicitKey));
        }

        var master = Convert.FromBase64String(privacy.EncryptionKey ?? throw new InvalidOperationException("TongBan:Privacy:EncryptionKey is not set."));
        return new SealKeyCipher(HKDF.DeriveKey(HashAlgorithmName.SHA256, master, 32, info: "tongban-seal-keys"u8.ToArray()));
    }

    public byte[] Seal(string keyId, ReadOnlySpan<byte> privateKey)
    {
        var output = new byte[1 + 12 + privateKey.Length + 16];
        output[0] = FormatVersion;
        RandomNumberGenerator.Fill(output.AsSpan(1, 12));
        using var aes = new AesGcm(key, 16);
        aes.Encrypt(output.AsSpan(1, 12), privateKey, output.AsSpan(13, privateKey.Length), output.AsSpan(13 + privateKey.Length), Encoding.UTF8.GetBytes(keyId));
        return output;
    }

    /// <exception cref="CryptographicException">Wrong key, wrong key id or a damaged blob.</exception>
    public byte[] Open(string keyId, byte[] sealedKey)
    {
        ArgumentNullException.ThrowIfNull(sealedKey);
        if (sealedKey.Length < 1 + 12 + 16 || sealedKey[0] != FormatVersion)
        {
            throw new CryptographicException("Unknown sealed seal-key format.");
        }

        var plain = new byte[sealedKey.Length - 29];
        using var aes = new AesGcm(key, 16);
        aes.Decrypt(sealedKey.AsSpan(1, 12), sealedKey.AsSpan(13, plain.Length), sealedKey.AsSpan(13 + plain.Length), plain, Encoding.UTF8.GetBytes(keyId));
        return plain;
    }

    public override string ToString() => nameof(SealKeyCipher);
}

/// <summary>The outcome of a signature check; never an exception.</summary>
[GenerateSerializer, Immutable]
public sealed record SealCheck([property: Id(0)] bool Valid, [property: Id(1)] string? Reason);

/// <summary>ECDSA P-256 with SHA-256 (ES256, IEEE P1363 signatures) over UTF-8 payloads. Pure functions.</summary>
public static class SealSignatures
{
    public const string Algorithm = "ES256";

    /// <summary>A new P-256 key pair: (SubjectPublicKeyInfo, PKCS#8 private key).</summary>
    public static (byte[] PublicKey, byte[] PrivateKey) NewKeyPair()
    {
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return (ecdsa.ExportSubjectPublicKeyInfo(), ecdsa.ExportPkcs8PrivateKey());
    }

    public static byte[] Sign(ECDsa key, string payload)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key.SignData(Encoding.UTF8.GetBytes(payload), HashAlgorithmName.SHA256);
    }

    /// <summary>Checks <paramref name="signatureBase64"/> over <paramref name="payload"/>; malformed input is "invalid", not an error.</summary>
    public static SealCheck Verify(byte[] publicKey, string payload, string? signatureBase64)
    {
        ArgumentNullException.ThrowIfNull(publicKey);
        ArgumentNullException.ThrowIfNull(payload);
        if (string.IsNullOrWhiteSpace(signatureBase64))
        {
            return new(false, "缺少签名 (no signature)");
        }

        var signature = new byte[signatureBase64.Length];
        if (!Convert.TryFromBase64String(signatureBase64, signature, out var length) || length != 64)
        {
            return new(false, "签名格式无效 (the signature is not a base64 P-256 signature)");
        }

        try
        {
            using var ecdsa = ECDsa.Create();
            ecdsa.ImportSubjectPublicKeyInfo(publicKey, out _);
            return ecdsa.VerifyData(Encoding.UTF8.GetBytes(payload), signature.AsSpan(0, length), HashAlgorithmName.SHA256)
                ? new(true, null)
                : new(false, "签名与文书内容不符，文书可能被篡改 (the signature does not match the document: it was altered or signed by another key)");
        }
        catch (CryptographicException)
        {
            return new(false, "公钥无效 (the public key cannot be read)");
        }
    }

    /// <summary>PEM of a SubjectPublicKeyInfo, for offline verification.</summary>
    public static string Pem(byte[] publicKey) => PemEncoding.WriteString("PUBLIC KEY", publicKey);
}
