using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using TongBan.Grains.Identity;

namespace TongBan.Grains.Tests.Identity;

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

    [Theory]
    [InlineData("not base64 !")]
    [InlineData("AAAA")]
    public void Bad_keys_are_refused_at_start(string key) =>
        Assert.Throws<InvalidOperationException>(() => Protector(NewKey(), key));
}
