using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Asn1.GM;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;
using TongBan.Grains.Crypto;

namespace TongBan.Grains.Seals;

/// <summary>Configuration section <c>TongBan:Seals</c>.</summary>
public sealed class SealOptions
{
    public const string Section = "TongBan:Seals";

    /// <summary>
    /// Base64 32-byte key-encryption key that seals the departments' private seal keys at rest (AES-256-GCM, or SM4-GCM
    /// under the <c>sm</c> suite with a key derived from it by HKDF-SM3). When unset, one is
    /// derived from <c>TongBan:Privacy:EncryptionKey</c> with HKDF (label <c>tongban-seal-keys</c>), so the
    /// personal-data key itself never encrypts seal keys.
    /// </summary>
    public string? KeyEncryptionKey { get; set; }
}

/// <summary>
/// Seals private seal keys (PKCS#8) at rest, bound to their key id as associated data, so a sealed key copied under
/// another id does not open. Thread-safe; never logs or exposes key bytes. The first byte names the algorithm:
/// <c>1</c> = AES-256-GCM (the <c>international</c> suite, and every key sealed before issue 21);
/// <c>2</c> = SM4-GCM (GB/T 32907, the <c>sm</c> suite), its 128-bit key HKDF-SM3(key-encryption key,
/// <c>tongban/seal-key-sm4/v2</c>). Layout of both: <c>[format][nonce: 12][cipher][tag: 16]</c>. Both open under either suite.
/// </summary>
public sealed class SealKeyCipher
{
    private const byte AesFormat = 1;
    private const byte Sm4Format = 2;
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly byte[] key;
    private readonly byte[] sm4Key;
    private readonly byte format;

    /// <param name="suite">Which format new keys are sealed in (default <c>sm</c>: SM4-GCM, as <see cref="CryptoOptions"/> defaults).</param>
    public SealKeyCipher(byte[] keyEncryptionKey, CryptoSuite suite = CryptoSuite.Sm)
    {
        ArgumentNullException.ThrowIfNull(keyEncryptionKey);
        if (keyEncryptionKey.Length != 32)
        {
            throw new ArgumentException("The seal key-encryption key must be 32 bytes.", nameof(keyEncryptionKey));
        }

        key = [.. keyEncryptionKey];
        format = suite == CryptoSuite.Sm ? Sm4Format : AesFormat;
        var hkdf = new HkdfBytesGenerator(new SM3Digest());
        hkdf.Init(new HkdfParameters(key, null, "tongban/seal-key-sm4/v2"u8.ToArray()));
        sm4Key = new byte[16];
        hkdf.GenerateBytes(sm4Key, 0, sm4Key.Length);
    }

    /// <summary>From configuration: the explicit key, or one derived from the personal-data encryption key.</summary>
    public static SealKeyCipher From(SealOptions seals, Identity.PrivacyOptions privacy, CryptoOptions? crypto = null)
    {
        ArgumentNullException.ThrowIfNull(seals);
        ArgumentNullException.ThrowIfNull(privacy);
        var suite = (crypto ?? new CryptoOptions()).Parsed();
        if (seals.KeyEncryptionKey is { } explicitKey)
        {
            return new SealKeyCipher(Convert.FromBase64String(explicitKey), suite);
        }

        var master = Convert.FromBase64String(privacy.EncryptionKey ?? throw new InvalidOperationException("TongBan:Privacy:EncryptionKey is not set."));
        return new SealKeyCipher(HKDF.DeriveKey(HashAlgorithmName.SHA256, master, 32, info: "tongban-seal-keys"u8.ToArray()), suite);
    }

    /// <summary>The algorithm a sealed key names: <c>SM4-GCM</c>, <c>AES-256-GCM</c> or <c>unknown</c>.</summary>
    public static string AlgorithmOf(byte[] sealedKey) => sealedKey is [var version, ..]
        ? version switch { Sm4Format => "SM4-GCM", AesFormat => "AES-256-GCM", _ => "unknown" }
        : "unknown";

    public byte[] Seal(string keyId, ReadOnlySpan<byte> privateKey)
    {
        var output = new byte[1 + NonceSize + privateKey.Length + TagSize];
        output[0] = format;
        RandomNumberGenerator.Fill(output.AsSpan(1, NonceSize));
        if (format == Sm4Format)
        {
            Sm4Gcm(true, output.AsSpan(1, NonceSize), keyId, privateKey, output.AsSpan(1 + NonceSize));
            return output;
        }

        using var aes = new AesGcm(key, TagSize);
        aes.Encrypt(output.AsSpan(1, NonceSize), privateKey, output.AsSpan(1 + NonceSize, privateKey.Length), output.AsSpan(1 + NonceSize + privateKey.Length), Encoding.UTF8.GetBytes(keyId));
        return output;
    }

    /// <exception cref="CryptographicException">Wrong key, wrong key id or a damaged blob.</exception>
    public byte[] Open(string keyId, byte[] sealedKey)
    {
        ArgumentNullException.ThrowIfNull(sealedKey);
        if (sealedKey.Length < 1 + NonceSize + TagSize || sealedKey[0] is not (AesFormat or Sm4Format))
        {
            throw new CryptographicException("Unknown sealed seal-key format.");
        }

        var plain = new byte[sealedKey.Length - 1 - NonceSize - TagSize];
        if (sealedKey[0] == Sm4Format)
        {
            Sm4Gcm(false, sealedKey.AsSpan(1, NonceSize), keyId, sealedKey.AsSpan(1 + NonceSize), plain);
            return plain;
        }

        using var aes = new AesGcm(key, TagSize);
        aes.Decrypt(sealedKey.AsSpan(1, NonceSize), sealedKey.AsSpan(1 + NonceSize, plain.Length), sealedKey.AsSpan(1 + NonceSize + plain.Length), plain, Encoding.UTF8.GetBytes(keyId));
        return plain;
    }

    public override string ToString() => nameof(SealKeyCipher);

    /// <summary>SM4-GCM (BouncyCastle), tag appended; the key id is the associated data, as in format 1.</summary>
    private void Sm4Gcm(bool forEncryption, ReadOnlySpan<byte> nonce, string keyId, ReadOnlySpan<byte> input, Span<byte> output)
    {
        var gcm = new Org.BouncyCastle.Crypto.Modes.GcmBlockCipher(new Org.BouncyCastle.Crypto.Engines.SM4Engine());
        gcm.Init(forEncryption, new AeadParameters(new KeyParameter(sm4Key), TagSize * 8, nonce.ToArray(), Encoding.UTF8.GetBytes(keyId)));
        try
        {
            var written = gcm.ProcessBytes(input, output);
            gcm.DoFinal(output[written..]);
        }
        catch (InvalidCipherTextException e)
        {
            // The same error as a wrong AES-GCM tag (format 1).
            throw new AuthenticationTagMismatchException("The SM4-GCM tag does not match: wrong key, wrong key id or altered data.", e);
        }
    }
}

/// <summary>The outcome of a signature check; never an exception.</summary>
[GenerateSerializer, Immutable]
public sealed record SealCheck([property: Id(0)] bool Valid, [property: Id(1)] string? Reason);

/// <summary>The seal signature algorithms: every key, signature and document names one.</summary>
public static class SealAlgorithms
{
    /// <summary>ECDSA P-256 with SHA-256, IEEE P1363 (r‖s, 64 bytes): every seal issued before the SM suite.</summary>
    public const string Es256 = "ES256";

    /// <summary>SM2 (GB/T 32918) over SM3 with the default distinguishing id, DER signatures (GB/T 35276, GB/T 38540).</summary>
    public const string Sm2Sm3 = "SM2-SM3";

    public static string For(CryptoSuite suite) => suite == CryptoSuite.Sm ? Sm2Sm3 : Es256;

    /// <summary>Stored keys from before algorithm agility carry no name: they are ES256.</summary>
    public static string OrLegacy(string? algorithm) => algorithm ?? Es256;

    public static bool IsKnown(string? algorithm) => algorithm is Es256 or Sm2Sm3;
}

/// <summary>An opened private seal key; lives only in the grain activation that opened it.</summary>
public interface ISealSigner : IDisposable
{
    string Algorithm { get; }

    byte[] Sign(ReadOnlySpan<byte> payload);
}

/// <summary>
/// Seal signatures, ES256 (System.Security.Cryptography) and SM2-SM3 (BouncyCastle; no hand-written cryptography).
/// Pure functions. A hardware crypto module (密码机, PKCS#11) would replace <see cref="NewKeyPair(string)"/> and
/// <see cref="Open"/>: the key stays in the module and <see cref="ISealSigner"/> calls it; verification needs only public keys.
/// </summary>
public static class SealSignatures
{
    /// <summary>The legacy name of the ES256 algorithm (before algorithm agility).</summary>
    public const string Algorithm = SealAlgorithms.Es256;

    /// <summary>GB/T 35276 default distinguishing identifier (用户身份标识 ID).</summary>
    public static readonly byte[] DistinguishingId = "1234567812345678"u8.ToArray();

    /// <summary>OID of the SM2 curve (sm2p256v1), 1.2.156.10197.1.301, named in every SM2 SubjectPublicKeyInfo.</summary>
    public const string Sm2CurveOid = "1.2.156.10197.1.301";

    private static readonly ECNamedDomainParameters Sm2Domain = new(GMObjectIdentifiers.sm2p256v1, GMNamedCurves.GetByOid(GMObjectIdentifiers.sm2p256v1));
    private static readonly X9ECParameters P256 = ECNamedCurveTable.GetByName("P-256");
    private static readonly SecureRandom Random = new();

    /// <summary>A new P-256 key pair: (SubjectPublicKeyInfo, PKCS#8 private key). The ES256 path as it always was.</summary>
    public static (byte[] PublicKey, byte[] PrivateKey) NewKeyPair() => NewKeyPair(SealAlgorithms.Es256);

    /// <summary>A new key pair for <paramref name="algorithm"/>: (SubjectPublicKeyInfo DER, PKCS#8 DER).</summary>
    public static (byte[] PublicKey, byte[] PrivateKey) NewKeyPair(string algorithm)
    {
        if (algorithm == SealAlgorithms.Sm2Sm3)
        {
            var generator = new ECKeyPairGenerator();
            generator.Init(new ECKeyGenerationParameters(Sm2Domain, Random));
            var pair = generator.GenerateKeyPair();
            return (SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(pair.Public).GetDerEncoded(),
                PrivateKeyInfoFactory.CreatePrivateKeyInfo(pair.Private).GetDerEncoded());
        }

        Known(algorithm);
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return (ecdsa.ExportSubjectPublicKeyInfo(), ecdsa.ExportPkcs8PrivateKey());
    }

    /// <summary>Opens a PKCS#8 private key for signing (the caller zeroes <paramref name="pkcs8"/>).</summary>
    public static ISealSigner Open(string algorithm, byte[] pkcs8)
    {
        ArgumentNullException.ThrowIfNull(pkcs8);
        if (algorithm == SealAlgorithms.Sm2Sm3)
        {
            return PrivateKeyFactory.CreateKey(pkcs8) is ECPrivateKeyParameters { Parameters: var p } key && IsSm2(p)
                ? new Sm2Signer(key)
                : throw new CryptographicException("Not an SM2 private key.");
        }

        Known(algorithm);
        var ecdsa = ECDsa.Create();
        try
        {
            ecdsa.ImportPkcs8PrivateKey(pkcs8, out _);
            return new Es256Signer(ecdsa);
        }
        catch
        {
            ecdsa.Dispose();
            throw;
        }
    }

    public static byte[] Sign(ECDsa key, string payload)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key.SignData(Encoding.UTF8.GetBytes(payload), HashAlgorithmName.SHA256);
    }

    /// <summary>ES256 over the UTF-8 payload, as before algorithm agility.</summary>
    public static SealCheck Verify(byte[] publicKey, string payload, string? signatureBase64) =>
        Verify(SealAlgorithms.Es256, publicKey, Encoding.UTF8.GetBytes(payload ?? throw new ArgumentNullException(nameof(payload))), signatureBase64);

    /// <summary>Checks <paramref name="signatureBase64"/> over <paramref name="payload"/>; malformed input is "invalid" with a reason, never an exception.</summary>
    public static SealCheck Verify(string algorithm, byte[] publicKey, ReadOnlySpan<byte> payload, string? signatureBase64)
    {
        ArgumentNullException.ThrowIfNull(publicKey);
        if (!SealAlgorithms.IsKnown(algorithm))
        {
            return new(false, $"不支持的签名算法 (unsupported algorithm '{algorithm}')");
        }

        if (string.IsNullOrWhiteSpace(signatureBase64))
        {
            return new(false, "缺少签名 (no signature)");
        }

        var signature = new byte[signatureBase64.Length];
        if (!Convert.TryFromBase64String(signatureBase64, signature, out var length))
        {
            return new(false, "签名格式无效 (the signature is not base64)");
        }

        return algorithm == SealAlgorithms.Sm2Sm3
            ? VerifySm2(publicKey, payload, signature.AsSpan(0, length))
            : VerifyEs256(publicKey, payload, signature.AsSpan(0, length));
    }

    /// <summary>The algorithm a SubjectPublicKeyInfo is for (by its curve), or null when it is neither P-256 nor SM2.</summary>
    public static string? AlgorithmOf(byte[] publicKey)
    {
        try
        {
            return PublicKeyFactory.CreateKey(publicKey) is ECPublicKeyParameters { Parameters: var p }
                ? IsSm2(p) ? SealAlgorithms.Sm2Sm3 : p.Curve.Equals(P256.Curve) ? SealAlgorithms.Es256 : null
                : null;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or SecurityUtilityException or Org.BouncyCastle.Asn1.Asn1Exception or InvalidCastException)
        {
            return null;
        }
    }

    /// <summary>PEM of a SubjectPublicKeyInfo, for offline verification.</summary>
    public static string Pem(byte[] publicKey) => PemEncoding.WriteString("PUBLIC KEY", publicKey);

    private static SealCheck Altered() =>
        new(false, "签名与文书内容不符，文书可能被篡改 (the signature does not match the document: it was altered or signed by another key)");

    private static SealCheck VerifyEs256(byte[] publicKey, ReadOnlySpan<byte> payload, ReadOnlySpan<byte> signature)
    {
        if (signature.Length != 64)
        {
            return new(false, "签名格式无效 (an ES256 signature is 64 bytes r‖s)");
        }

        try
        {
            using var ecdsa = ECDsa.Create();
            ecdsa.ImportSubjectPublicKeyInfo(publicKey, out _);
            if (ecdsa.KeySize != 256)
            {
                return new(false, "签名算法与密钥不符 (the key is not a P-256 key)");
            }

            return ecdsa.VerifyData(payload, signature, HashAlgorithmName.SHA256) ? new(true, null) : Altered();
        }
        catch (CryptographicException)
        {
            return new(false, "公钥无效 (the public key cannot be read)");
        }
    }

    private static SealCheck VerifySm2(byte[] publicKey, ReadOnlySpan<byte> payload, ReadOnlySpan<byte> signature)
    {
        ECPublicKeyParameters key;
        try
        {
            if (PublicKeyFactory.CreateKey(publicKey) is not ECPublicKeyParameters { Parameters: var p } k || !IsSm2(p))
            {
                return new(false, "签名算法与密钥不符 (the key is not an SM2 key)");
            }

            key = k;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or SecurityUtilityException or Org.BouncyCastle.Asn1.Asn1Exception or InvalidCastException)
        {
            return new(false, "公钥无效 (the public key cannot be read)");
        }

        if (!IsDerSignature(signature))
        {
            return new(false, "签名格式无效 (an SM2 signature is DER SEQUENCE { r, s }, GB/T 35276)");
        }

        var verifier = new SM2Signer(new SM3Digest());
        verifier.Init(false, new ParametersWithID(key, DistinguishingId));
        verifier.BlockUpdate(payload);
        return verifier.VerifySignature(signature.ToArray()) ? new(true, null) : Altered();
    }

    /// <summary>Strict DER SEQUENCE of two positive INTEGERs, nothing after (BouncyCastle checks it too; this names the reason).</summary>
    private static bool IsDerSignature(ReadOnlySpan<byte> signature)
    {
        try
        {
            var reader = new System.Formats.Asn1.AsnReader(signature.ToArray(), System.Formats.Asn1.AsnEncodingRules.DER);
            var sequence = reader.ReadSequence();
            var r = sequence.ReadInteger();
            var s = sequence.ReadInteger();
            return !sequence.HasData && !reader.HasData && r.Sign > 0 && s.Sign > 0;
        }
        catch (System.Formats.Asn1.AsnContentException)
        {
            return false;
        }
    }

    private static bool IsSm2(ECDomainParameters parameters) => parameters.Curve.Equals(Sm2Domain.Curve) && parameters.G.Equals(Sm2Domain.G);

    private static void Known(string algorithm)
    {
        if (algorithm != SealAlgorithms.Es256)
        {
            throw new ArgumentException($"Unknown seal algorithm '{algorithm}'.", nameof(algorithm));
        }
    }

    private sealed class Es256Signer(ECDsa key) : ISealSigner
    {
        public string Algorithm => SealAlgorithms.Es256;

        public byte[] Sign(ReadOnlySpan<byte> payload) => key.SignData(payload, HashAlgorithmName.SHA256);

        public void Dispose() => key.Dispose();
    }

    private sealed class Sm2Signer(ECPrivateKeyParameters key) : ISealSigner
    {
        public string Algorithm => SealAlgorithms.Sm2Sm3;

        public byte[] Sign(ReadOnlySpan<byte> payload)
        {
            // A fresh signer per call: SM2Signer holds per-message state and grains may be called from any thread.
            var signer = new SM2Signer(new SM3Digest());
            signer.Init(true, new ParametersWithID(new ParametersWithRandom(key, Random), DistinguishingId));
            signer.BlockUpdate(payload);
            return signer.GenerateSignature();
        }

        public void Dispose()
        {
            // BouncyCastle keys are immutable BigIntegers: nothing to zero; dropping the reference is all there is.
        }
    }
}
