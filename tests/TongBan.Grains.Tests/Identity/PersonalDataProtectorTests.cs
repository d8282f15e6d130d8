using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using TongBan.Grains.Identity;

namespace TongBan.Grains.Tests.Identity;

[Trait("Category", "Unit")]
public class PersonalDataProtectorTests
{
    private static readonly ApplicantDetails Person = new("龙秀英", "520102198605142015", "13985017342");

    private static string NewKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    private static PersonalDataProtector Protector(string current, params string[] previous) =>
        new(new PrivacyOptions { HashKey = "a-hash-key-of-at-least-thirty-two-bytes!", EncryptionKey = current, PreviousEncryptionKeys = previous });

    [Fact]
    public void Sealed_data_holds_no_raw_value_and_opens_again()
    {
        var protector = Protector(NewKey());
        var record = protector.Record(Person);
        var bytes = Encoding.UTF8.GetString(record.Sealed);
        Assert.DoesNotContain(Person.IdNumber, bytes, StringComparison.Ordinal);
        Assert.DoesNotContain(Person.Phone, bytes, StringComparison.Ordinal);
        Assert.Equal(Person, protector.Open(record));
        Assert.False(protector.NeedsReseal(record));
        Assert.Equal("139****7342", record.PhoneMasked);
    }

    [Fact]
    public void After_a_rotation_old_data_opens_with_the_retired_key_and_is_resealed_with_the_new_one()
    {
        var (oldKey, newKey) = (NewKey(), NewKey());
        var sealedBefore = Protector(oldKey).Record(Person);

        var rotated = Protector(newKey, oldKey);
        Assert.Equal(Person, rotated.Open(sealedBefore));
        Assert.True(rotated.NeedsReseal(sealedBefore));

        var resealed = rotated.Reseal(sealedBefore);
        Assert.False(rotated.NeedsReseal(resealed));
        Assert.Equal((sealedBefore.IdKey, sealedBefore.IdMasked), (resealed.IdKey, resealed.IdMasked));

        // Once everything is resealed the retired key can go.
        Assert.Equal(Person, Protector(newKey).Open(resealed));
        Assert.Throws<CryptographicException>(() => Protector(newKey).Open(sealedBefore));
    }

    [Fact]
    public void Format_1_data_written_before_rotation_existed_still_opens()
    {
        var key = NewKey();
        var plain = JsonSerializer.SerializeToUtf8Bytes(Person);
        var legacy = new byte[1 + 12 + plain.Length + 16];
        legacy[0] = 1;
        RandomNumberGenerator.Fill(legacy.AsSpan(1, 12));
        using (var aes = new AesGcm(Convert.FromBase64String(key), 16))
        {
            aes.Encrypt(legacy.AsSpan(1, 12), plain, legacy.AsSpan(13, plain.Length), legacy.AsSpan(13 + plain.Length));
        }

        var record = Protector(key).Record(Person) with { Sealed = legacy };
        Assert.Equal(Person, Protector(NewKey(), key).Open(record));
        Assert.True(Protector(key).NeedsReseal(record));
        Assert.Throws<CryptographicException>(() => Protector(NewKey()).Open(record));
    }

    [Fact]
    public void A_tampered_header_or_body_does_not_open()
    {
        var protector = Protector(NewKey());
        var record = protector.Record(Person);
        foreach (var at in new[] { 2, record.Sealed.Length / 2, record.Sealed.Length - 1 })
        {
            var copy = (byte[])record.Sealed.Clone();
            copy[at] ^= 0x01;
            Assert.ThrowsAny<CryptographicException>(() => protector.Open(record with { Sealed = copy }));
        }
    }

    [Fact]
    public void New_values_are_format_3_SM4_GCM_and_international_keeps_writing_format_2()
    {
        var key = NewKey();
        var sm = Protector(key);
        var v3 = sm.Record(Person);
        Assert.Equal((3, "SM4-GCM"), PersonalDataProtector.FormatOf(v3.Sealed));
        Assert.Equal(Person, sm.Open(v3));
        Assert.DoesNotContain(Person.IdNumber, Encoding.UTF8.GetString(v3.Sealed), StringComparison.Ordinal);

        var international = new PersonalDataProtector(new PrivacyOptions { HashKey = "a-hash-key-of-at-least-thirty-two-bytes!", EncryptionKey = key }, TongBan.Grains.Crypto.CryptoOptions.International());
        var v2 = international.Record(Person);
        Assert.Equal((2, "AES-256-GCM"), PersonalDataProtector.FormatOf(v2.Sealed));
        Assert.Equal(Person, international.Open(v3)); // every suite opens every format

        // Keyed hashes follow the suite too (HMAC-SM3 | HMAC-SHA256), and the sm protector's look-up candidates hold both.
        Assert.Equal(("HMAC-SM3", "HMAC-SHA256"), (KeyedHash.AlgorithmOf(v3.IdKey), KeyedHash.AlgorithmOf(v2.IdKey)));
        Assert.Equal([v3.IdKey, v2.IdKey], sm.Hash.ResidentIdCandidates(Person.IdNumber));
    }

    [Fact]
    public void Reseal_migrates_format_2_and_format_1_values_to_format_3_and_they_still_open()
    {
        var (oldKey, newKey) = (NewKey(), NewKey());
        var v2 = new PersonalDataProtector(new PrivacyOptions { HashKey = "a-hash-key-of-at-least-thirty-two-bytes!", EncryptionKey = oldKey }, TongBan.Grains.Crypto.CryptoOptions.International()).Record(Person);
        var sm = Protector(newKey, oldKey);
        Assert.Equal(Person, sm.Open(v2));
        Assert.True(sm.NeedsReseal(v2));
        var migrated = sm.Reseal(v2);
        Assert.Equal(3, PersonalDataProtector.FormatOf(migrated.Sealed).Format);
        Assert.False(sm.NeedsReseal(migrated));
        Assert.Equal(Person, Protector(newKey).Open(migrated));
        Assert.Equal((v2.IdKey, v2.PhoneKey, v2.NameMasked), (migrated.IdKey, migrated.PhoneKey, migrated.NameMasked));

        // Same key, only the format differs: still resealed.
        var sameKey = Protector(oldKey);
        Assert.True(sameKey.NeedsReseal(v2));
        Assert.Equal(3, PersonalDataProtector.FormatOf(sameKey.Reseal(v2).Sealed).Format);

        var plain = JsonSerializer.SerializeToUtf8Bytes(Person);
        var legacy = new byte[1 + 12 + plain.Length + 16];
        legacy[0] = 1;
        using (var aes = new AesGcm(Convert.FromBase64String(oldKey), 16))
        {
            aes.Encrypt(legacy.AsSpan(1, 12), plain, legacy.AsSpan(13, plain.Length), legacy.AsSpan(13 + plain.Length));
        }

        var fromV1 = sm.Reseal(v2 with { Sealed = legacy });
        Assert.Equal(3, PersonalDataProtector.FormatOf(fromV1.Sealed).Format);
        Assert.Equal(Person, sm.Open(fromV1));
    }

    [Fact]
    public void A_format_3_value_with_a_wrong_tag_fails_like_a_tampered_format_2_value()
    {
        var key = NewKey();
        var v3 = Protector(key).Record(Person);
        var v2 = new PersonalDataProtector(new PrivacyOptions { HashKey = "a-hash-key-of-at-least-thirty-two-bytes!", EncryptionKey = key }, TongBan.Grains.Crypto.CryptoOptions.International()).Record(Person);
        static byte[] Flip(byte[] sealedData, int at)
        {
            var copy = (byte[])sealedData.Clone();
            copy[at] ^= 0x01;
            return copy;
        }

        var fromV2 = Assert.ThrowsAny<CryptographicException>(() => Protector(key).Open(v2 with { Sealed = Flip(v2.Sealed, v2.Sealed.Length - 1) }));
        var fromV3 = Assert.ThrowsAny<CryptographicException>(() => Protector(key).Open(v3 with { Sealed = Flip(v3.Sealed, v3.Sealed.Length - 1) }));
        Assert.IsType<AuthenticationTagMismatchException>(fromV2);
        Assert.IsType<AuthenticationTagMismatchException>(fromV3);
        Assert.ThrowsAny<CryptographicException>(() => Protector(key).Open(v3 with { Sealed = Flip(v3.Sealed, 2) })); // key id: unknown key
        Assert.Throws<AuthenticationTagMismatchException>(() => Protector(key).Open(v3 with { Sealed = Flip(v3.Sealed, 20) })); // nonce
        Assert.Throws<AuthenticationTagMismatchException>(() => Protector(key).Open(v3 with { Sealed = [2, .. v3.Sealed[1..]] })); // relabelled v2
    }

    [Theory]
    [InlineData("not base64 !")]
    [InlineData("AAAA")]
    public void Bad_keys_are_refused_at_start(string key) =>
        Assert.Throws<InvalidOperationException>(() => Protector(NewKey(), key));
}
