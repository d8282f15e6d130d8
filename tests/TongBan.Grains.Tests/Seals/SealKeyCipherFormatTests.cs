using System.Security.Cryptography;
using TongBan.Grains.Crypto;
using TongBan.Grains.Identity;
using TongBan.Grains.Seals;

namespace TongBan.Grains.Tests.Seals;

/// <summary>Issue 21: private seal keys are sealed with SM4-GCM under the <c>sm</c> suite; keys sealed with AES-256-GCM still open.</summary>
[Trait("Category", "Unit")]
public class SealKeyCipherFormatTests
{
    [Fact]
    public void Sm_seals_with_SM4_GCM_international_with_AES_GCM_and_each_opens_the_other_s()
    {
        var kek = RandomNumberGenerator.GetBytes(32);
        var sm = new SealKeyCipher(kek, CryptoSuite.Sm);
        var international = new SealKeyCipher(kek, CryptoSuite.International);
        var (_, privateKey) = SealSignatures.NewKeyPair(SealAlgorithms.Sm2Sm3);

        var sm4 = sm.Seal("rsj/520102/2", privateKey);
        var aes = international.Seal("rsj/520102/1", privateKey);
        Assert.Equal(("SM4-GCM", "AES-256-GCM"), (SealKeyCipher.AlgorithmOf(sm4), SealKeyCipher.AlgorithmOf(aes)));
        Assert.Equal((2, 1), (sm4[0], aes[0]));
        Assert.False(sm4.AsSpan().IndexOf(privateKey.AsSpan(privateKey.Length - 32)) >= 0);

        Assert.Equal(privateKey, sm.Open("rsj/520102/1", aes)); // sealed before the switch
        Assert.Equal(privateKey, international.Open("rsj/520102/2", sm4));
        Assert.Equal(privateKey, sm.Open("rsj/520102/2", sm4));

        // Bound to the key id and the key-encryption key; a damaged blob throws like a wrong AES-GCM tag.
        Assert.Throws<AuthenticationTagMismatchException>(() => sm.Open("rsj/520102/1", sm4));
        Assert.Throws<AuthenticationTagMismatchException>(() => new SealKeyCipher(RandomNumberGenerator.GetBytes(32)).Open("rsj/520102/2", sm4));
        var tampered = sm4.ToArray();
        tampered[^1] ^= 1;
        Assert.Throws<AuthenticationTagMismatchException>(() => sm.Open("rsj/520102/2", tampered));
        tampered[0] = 9;
        Assert.ThrowsAny<CryptographicException>(() => sm.Open("rsj/520102/2", tampered));
        Assert.Equal("unknown", SealKeyCipher.AlgorithmOf(tampered));
    }

    [Fact]
    public void The_configured_suite_chooses_the_format()
    {
        var (_, privateKey) = SealSignatures.NewKeyPair();
        Assert.Equal("SM4-GCM", SealKeyCipher.AlgorithmOf(SealKeyCipher.From(new SealOptions(), PrivacyOptions.Development()).Seal("k/1/1", privateKey)));
        Assert.Equal("AES-256-GCM", SealKeyCipher.AlgorithmOf(SealKeyCipher.From(new SealOptions(), PrivacyOptions.Development(), CryptoOptions.International()).Seal("k/1/1", privateKey)));
    }
}
