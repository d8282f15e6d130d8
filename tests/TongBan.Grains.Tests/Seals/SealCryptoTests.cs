using System.Security.Cryptography;
using TongBan.Grains.Identity;
using TongBan.Grains.Seals;

namespace TongBan.Grains.Tests.Seals;

[Trait("Category", "Unit")]
public class SealCryptoTests
{
    private const string Payload = "{\"caseNo\":\"GZ5201022611270000011\",\"approved\":true}";

    [Fact]
    public void A_signature_verifies_and_any_change_of_the_document_or_key_breaks_it()
    {
        var (publicKey, privateKey) = SealSignatures.NewKeyPair();
        using var key = ECDsa.Create();
        key.ImportPkcs8PrivateKey(privateKey, out _);
        var signature = Convert.ToBase64String(SealSignatures.Sign(key, Payload));

        Assert.True(SealSignatures.Verify(publicKey, Payload, signature).Valid);
        Assert.False(SealSignatures.Verify(publicKey, Payload.Replace("true", "false", StringComparison.Ordinal), signature).Valid);
        var (otherPublic, _) = SealSignatures.NewKeyPair();
        Assert.False(SealSignatures.Verify(otherPublic, Payload, signature).Valid);

        foreach (var junk in new[] { null, "", "not base64!", Convert.ToBase64String(new byte[10]), Convert.ToBase64String(new byte[64]) })
        {
            var check = SealSignatures.Verify(publicKey, Payload, junk);
            Assert.False(check.Valid);
            Assert.False(string.IsNullOrEmpty(check.Reason));
        }

        Assert.False(SealSignatures.Verify([1, 2, 3], Payload, signature).Valid); // unreadable key: invalid, not an exception
        Assert.StartsWith("-----BEGIN PUBLIC KEY-----", SealSignatures.Pem(publicKey), StringComparison.Ordinal);
    }

    [Fact]
    public void Private_keys_are_sealed_bound_to_their_key_id_and_the_key_encryption_key()
    {
        var cipher = SealKeyCipher.From(new SealOptions(), PrivacyOptions.Development());
        var (_, privateKey) = SealSignatures.NewKeyPair();
        var sealedKey = cipher.Seal("rsj/520102/1", privateKey);
        Assert.False(sealedKey.AsSpan().IndexOf(privateKey.AsSpan(privateKey.Length - 32)) >= 0);
        Assert.Equal(privateKey, cipher.Open("rsj/520102/1", sealedKey));
        Assert.ThrowsAny<CryptographicException>(() => cipher.Open("rsj/520102/2", sealedKey));
        var other = new SealKeyCipher(RandomNumberGenerator.GetBytes(32));
        Assert.ThrowsAny<CryptographicException>(() => other.Open("rsj/520102/1", sealedKey));
        Assert.Equal(nameof(SealKeyCipher), cipher.ToString());
    }

    [Theory]
    [InlineData("rsj/520102/1", true)]
    [InlineData("rsj/520102/12", true)]
    [InlineData("rsj/520102/0", false)]
    [InlineData("castle/520102/1", false)]
    [InlineData("rsj/510102/1", false)]
    [InlineData("rsj/520102", false)]
    [InlineData("rsj/520102/-1", false)]
    [InlineData("../../etc/1", false)]
    public void Key_ids_name_a_known_department_and_a_Guizhou_region(string keyId, bool valid) =>
        Assert.Equal(valid, DecisionVerifier.ParseKeyId(keyId) is not null);
}
