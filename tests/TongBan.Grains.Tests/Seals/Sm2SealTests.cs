using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Text;
using TongBan.Grains.Seals;
using TongBan.Grains.Tests.Crypto;

namespace TongBan.Grains.Tests.Seals;

/// <summary>SM2-SM3 seals (GB/T 38540): sign and verify, bad input, ES256 records of before, and openssl both ways.</summary>
[Trait("Category", "Unit")]
public class Sm2SealTests
{
    private const string Payload = "{\"caseNo\":\"GZ5201022611270000011\",\"approved\":true,\"authority\":\"南明区人力资源和社会保障局\"}";
    private static readonly byte[] PayloadBytes = Encoding.UTF8.GetBytes(Payload);

    private static (byte[] PublicKey, string Signature) Signed(string payload = Payload)
    {
        var (publicKey, privateKey) = SealSignatures.NewKeyPair(SealAlgorithms.Sm2Sm3);
        using var signer = SealSignatures.Open(SealAlgorithms.Sm2Sm3, privateKey);
        return (publicKey, Convert.ToBase64String(signer.Sign(Encoding.UTF8.GetBytes(payload))));
    }

    [Fact]
    public void An_SM2_signature_verifies_and_a_change_of_document_or_key_breaks_it()
    {
        var (publicKey, signature) = Signed();
        Assert.True(SealSignatures.Verify(SealAlgorithms.Sm2Sm3, publicKey, PayloadBytes, signature).Valid);
        Assert.Contains("篡改", SealSignatures.Verify(SealAlgorithms.Sm2Sm3, publicKey, Encoding.UTF8.GetBytes(Payload.Replace("true", "false", StringComparison.Ordinal)), signature).Reason, StringComparison.Ordinal);
        var (otherKey, _) = SealSignatures.NewKeyPair(SealAlgorithms.Sm2Sm3);
        Assert.False(SealSignatures.Verify(SealAlgorithms.Sm2Sm3, otherKey, PayloadBytes, signature).Valid);
        Assert.Equal(SealAlgorithms.Sm2Sm3, SealSignatures.AlgorithmOf(publicKey));
    }

    [Fact]
    public void Truncated_non_DER_P1363_and_junk_signatures_are_invalid_with_a_reason_never_an_exception()
    {
        var (publicKey, signature) = Signed();
        var der = Convert.FromBase64String(signature);
        var reader = new AsnReader(der, AsnEncodingRules.DER).ReadSequence();
        var r = reader.ReadIntegerBytes().ToArray();
        var s = reader.ReadIntegerBytes().ToArray();
        var p1363 = new byte[64];
        r.AsSpan()[^32..].CopyTo(p1363);
        s.AsSpan()[^32..].CopyTo(p1363.AsSpan(32));
        byte[] trailing = [.. der, 0];
        byte[] ber = [0x30, 0x80, .. der[2..], 0, 0]; // indefinite length: BER, not DER

        foreach (var junk in new[] { null, "", "not base64!", Convert.ToBase64String(der[..^1]), Convert.ToBase64String(der[..10]), Convert.ToBase64String(p1363), Convert.ToBase64String(trailing), Convert.ToBase64String(ber), Convert.ToBase64String(new byte[72]) })
        {
            var check = SealSignatures.Verify(SealAlgorithms.Sm2Sm3, publicKey, PayloadBytes, junk);
            Assert.False(check.Valid, junk);
            Assert.False(string.IsNullOrEmpty(check.Reason));
        }

        Assert.False(SealSignatures.Verify(SealAlgorithms.Sm2Sm3, [1, 2, 3], PayloadBytes, signature).Valid); // unreadable key
        Assert.Contains("不支持", SealSignatures.Verify("RS256", publicKey, PayloadBytes, signature).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void An_algorithm_that_does_not_match_the_key_is_invalid_with_a_reason()
    {
        var (sm2Key, sm2Signature) = Signed();
        var (p256Key, _) = SealSignatures.NewKeyPair(SealAlgorithms.Es256);
        Assert.Contains("不符", SealSignatures.Verify(SealAlgorithms.Sm2Sm3, p256Key, PayloadBytes, sm2Signature).Reason, StringComparison.Ordinal);
        Assert.False(SealSignatures.Verify(SealAlgorithms.Es256, sm2Key, PayloadBytes, sm2Signature).Valid);
        Assert.Equal(SealAlgorithms.Es256, SealSignatures.AlgorithmOf(p256Key));
        Assert.Null(SealSignatures.AlgorithmOf([1, 2, 3]));
    }

    [Fact]
    public void ES256_seals_made_by_the_code_of_before_keep_verifying()
    {
        // Exactly the pre-agility path: NewKeyPair(), Sign(ECDsa, string), a key entry without an algorithm.
        var (publicKey, privateKey) = SealSignatures.NewKeyPair();
        using var key = ECDsa.Create();
        key.ImportPkcs8PrivateKey(privateKey, out _);
        var signature = Convert.ToBase64String(SealSignatures.Sign(key, Payload));
        var stored = new SealKeyEntry { Number = 1, PublicKey = publicKey, SealedPrivateKey = [], CreatedAt = DateTimeOffset.UnixEpoch };

        Assert.Null(stored.Algorithm);
        Assert.True(SealSignatures.Verify(SealAlgorithms.OrLegacy(stored.Algorithm), publicKey, PayloadBytes, signature).Valid);
        Assert.False(SealSignatures.Verify(SealAlgorithms.Sm2Sm3, publicKey, PayloadBytes, signature).Valid);
        using var reopened = SealSignatures.Open(SealAlgorithms.OrLegacy(stored.Algorithm), privateKey);
        Assert.True(SealSignatures.Verify(publicKey, Payload, Convert.ToBase64String(reopened.Sign(PayloadBytes))).Valid);
    }

    [Fact]
    public void A_document_issued_before_algorithm_agility_keeps_its_canonical_bytes()
    {
        var at = new DateTimeOffset(2026, 11, 27, 10, 0, 0, TimeSpan.FromHours(8));
        var old = new DecisionDocument("GZ1-JD", "GZ1", "item", "名称", true, null, at, "rsj", "520102", "南明区人力资源和社会保障局", "张*", at, "rsj/520102/1");
        var canonical = DecisionVerifier.Canonical(old);
        Assert.DoesNotContain("algorithm", canonical, StringComparison.Ordinal);
        Assert.EndsWith("\"keyId\":\"rsj/520102/1\"}", canonical, StringComparison.Ordinal);
        Assert.Contains("\"algorithm\":\"SM2-SM3\"", DecisionVerifier.Canonical(old with { Algorithm = SealAlgorithms.Sm2Sm3 }), StringComparison.Ordinal);
    }

    [Fact]
    public void SM2_public_keys_name_the_SM2_curve_and_private_keys_seal_like_ES256_keys()
    {
        var (publicKey, privateKey) = SealSignatures.NewKeyPair(SealAlgorithms.Sm2Sm3);
        var spki = new AsnReader(publicKey, AsnEncodingRules.DER).ReadSequence();
        var algorithm = spki.ReadSequence();
        Assert.Equal("1.2.840.10045.2.1", algorithm.ReadObjectIdentifier()); // id-ecPublicKey
        Assert.Equal(SealSignatures.Sm2CurveOid, algorithm.ReadObjectIdentifier());
        Assert.StartsWith("-----BEGIN PUBLIC KEY-----", SealSignatures.Pem(publicKey), StringComparison.Ordinal);

        var cipher = new SealKeyCipher(RandomNumberGenerator.GetBytes(32));
        var sealedKey = cipher.Seal("rsj/520102/2", privateKey);
        Assert.Equal(privateKey, cipher.Open("rsj/520102/2", sealedKey));
        Assert.ThrowsAny<CryptographicException>(() => cipher.Open("rsj/520102/1", sealedKey));
        Assert.ThrowsAny<CryptographicException>(() => SealSignatures.Open(SealAlgorithms.Sm2Sm3, SealSignatures.NewKeyPair(SealAlgorithms.Es256).PrivateKey));
    }

    [Fact]
    public async Task Openssl_verifies_a_TongBan_SM2_seal()
    {
        var directory = Openssl.TempDirectory();
        try
        {
            var (publicKey, signature) = Signed();
            await File.WriteAllTextAsync(Path.Combine(directory, "key.pem"), SealSignatures.Pem(publicKey));
            await File.WriteAllBytesAsync(Path.Combine(directory, "payload"), PayloadBytes);
            await File.WriteAllBytesAsync(Path.Combine(directory, "sig.der"), Convert.FromBase64String(signature));

            var (exit, output) = await Openssl.VerifySm2(directory, "key.pem", "payload", "sig.der");
            Assert.True(exit == 0, output);
            Assert.Contains("Signature Verified Successfully", output, StringComparison.Ordinal);

            await File.WriteAllBytesAsync(Path.Combine(directory, "payload"), Encoding.UTF8.GetBytes(Payload.Replace("true", "false", StringComparison.Ordinal)));
            Assert.NotEqual(0, (await Openssl.VerifySm2(directory, "key.pem", "payload", "sig.der")).ExitCode);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task TongBan_verifies_a_payload_signed_by_openssl()
    {
        var directory = Openssl.TempDirectory();
        try
        {
            Assert.Equal(0, (await Openssl.Run(directory, "genpkey", "-algorithm", "SM2", "-out", "private.pem")).ExitCode);
            Assert.Equal(0, (await Openssl.Run(directory, "pkey", "-in", "private.pem", "-pubout", "-out", "public.pem")).ExitCode);
            await File.WriteAllBytesAsync(Path.Combine(directory, "payload"), PayloadBytes);
            var (exit, output) = await Openssl.Run(directory, "pkeyutl", "-sign", "-inkey", "private.pem", "-rawin", "-digest", "sm3", "-pkeyopt", "distid:1234567812345678", "-in", "payload", "-out", "sig.der");
            Assert.True(exit == 0, output);

            var pem = await File.ReadAllTextAsync(Path.Combine(directory, "public.pem"));
            var publicKey = PemEncoding.Find(pem) is var fields ? Convert.FromBase64String(pem[fields.Base64Data]) : [];
            Assert.Equal(SealAlgorithms.Sm2Sm3, SealSignatures.AlgorithmOf(publicKey));
            var signature = Convert.ToBase64String(await File.ReadAllBytesAsync(Path.Combine(directory, "sig.der")));
            Assert.True(SealSignatures.Verify(SealAlgorithms.Sm2Sm3, publicKey, PayloadBytes, signature).Valid);
            Assert.False(SealSignatures.Verify(SealAlgorithms.Sm2Sm3, publicKey, Encoding.UTF8.GetBytes(Payload + " "), signature).Valid);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
