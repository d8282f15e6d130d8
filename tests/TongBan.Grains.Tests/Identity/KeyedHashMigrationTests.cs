using System.Security.Cryptography;
using System.Text;
using TongBan.Grains.Appointments;
using TongBan.Grains.Cases;
using TongBan.Grains.Crypto;
using TongBan.Grains.Identity;
using TongBan.Grains.Queues;
using TongBan.Grains.Tests.Crypto;

namespace TongBan.Grains.Tests.Identity;

/// <summary>
/// Issue 21, item 5: keyed hashes move to HMAC-SM3 under the <c>sm</c> suite, name their algorithm, and look-ups keep
/// finding what was stored under HMAC-SHA256 (both candidates, current first).
/// </summary>
[Trait("Category", "Unit")]
public class KeyedHashMigrationTests
{
    private static readonly byte[] Key = [.. Enumerable.Range(1, 32).Select(i => (byte)i)];
    private const string Id = "11010519491231002x";

    [Fact]
    public async Task An_HMAC_SM3_hash_equals_openssl_s_HMAC_SM3_of_the_labelled_value_and_is_tagged_sm3()
    {
        var hash = new KeyedHash(Key, KeyedHashFunction.HmacSm3).OfResidentId(Id);

        var directory = Openssl.TempDirectory();
        try
        {
            await File.WriteAllBytesAsync(Path.Combine(directory, "in"), "resident-id:11010519491231002X"u8.ToArray());
            var (exit, output) = await Openssl.Run(directory, "mac", "-digest", "SM3", "-macopt", "hexkey:" + Convert.ToHexString(Key), "-in", "in", "HMAC");
            Assert.True(exit == 0, output);
            Assert.Equal(KeyedHash.Sm3Prefix + output.Trim().ToLowerInvariant(), hash);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }

        Assert.Equal(KeyedHash.Sm3Prefix.Length + KeyedHash.HexLength, hash.Length);
        Assert.Equal("HMAC-SM3", KeyedHash.AlgorithmOf(hash));
        Assert.True(KeyedHash.IsWellFormed(hash));

        // The same input under HMAC-SHA256: bare hex, another value.
        var legacy = new KeyedHash(Key).OfResidentId(Id);
        Assert.Equal(Convert.ToHexStringLower(HMACSHA256.HashData(Key, "resident-id:11010519491231002X"u8.ToArray())), legacy);
        Assert.Equal("HMAC-SHA256", KeyedHash.AlgorithmOf(legacy));
        Assert.NotEqual(legacy, hash[KeyedHash.Sm3Prefix.Length..]);
    }

    [Fact]
    public void HMAC_SM3_of_abc_under_key_is_the_fixed_value_openssl_prints()
    {
        // A fixed vector, recorded from `printf abc | openssl dgst -sm3 -hmac key` (OpenSSL 3.0.19), so the MAC construction
        // is pinned even where openssl is absent; the test above recomputes one with openssl each run.
        var mac = new Org.BouncyCastle.Crypto.Macs.HMac(new Org.BouncyCastle.Crypto.Digests.SM3Digest());
        mac.Init(new Org.BouncyCastle.Crypto.Parameters.KeyParameter("key"u8.ToArray()));
        mac.BlockUpdate("abc"u8.ToArray(), 0, 3);
        var output = new byte[32];
        mac.DoFinal(output, 0);
        Assert.Equal("28e63256e7c5a087b1f073265dc53092163f7b82729735d06f28f10af9d52393", Convert.ToHexStringLower(output));
    }

    [Fact]
    public void Candidates_are_the_current_algorithm_first_then_HMAC_SHA256_and_either_is_recognised()
    {
        var sm = new KeyedHash(Key, KeyedHashFunction.HmacSm3);
        var international = new KeyedHash(Key);
        var legacy = international.OfResidentId(Id);

        Assert.Equal([sm.OfResidentId(Id), legacy], sm.ResidentIdCandidates(Id));
        Assert.Equal([legacy], international.ResidentIdCandidates(Id));
        Assert.Equal([sm.OfMobile("13812345678"), international.OfMobile("13812345678")], sm.MobileCandidates("+86 138 1234 5678"));

        // A record stored before the switch (HMAC-SHA256) and one after (HMAC-SM3) both belong to the person.
        Assert.True(sm.IsResidentId(legacy, Id));
        Assert.True(sm.IsResidentId(sm.OfResidentId(Id), " 11010519491231002X"));
        Assert.Equal(legacy, sm.MatchResidentId(legacy, Id));
        Assert.Equal(sm.OfResidentId(Id), sm.MatchResidentId(sm.OfResidentId(Id), Id));
        Assert.False(sm.IsResidentId(legacy, "110105194912310037"));
        Assert.False(sm.IsResidentId(null, Id));
        Assert.Null(sm.MatchResidentId(legacy[..10], Id));

        // The HMAC-SM3 hash is not recognised by an international-only hasher: it cannot compute it.
        Assert.False(international.IsResidentId(sm.OfResidentId(Id), Id));
        Assert.True(international.IsResidentId(legacy, Id));
    }

    [Theory]
    [InlineData("sm3:", false)]
    [InlineData("SM3:0000000000000000000000000000000000000000000000000000000000000000", false)]
    [InlineData("sm3:0000000000000000000000000000000000000000000000000000000000000000", true)]
    [InlineData("0000000000000000000000000000000000000000000000000000000000000000", true)]
    [InlineData("000000000000000000000000000000000000000000000000000000000000000A", false)]
    [InlineData("sm3:00000000000000000000000000000000000000000000000000000000000000", false)]
    public void Only_keyed_hash_shapes_are_well_formed(string value, bool expected) => Assert.Equal(expected, KeyedHash.IsWellFormed(value));

    [Fact]
    public void The_personal_data_protector_hashes_with_the_suite_s_algorithm()
    {
        var privacy = PrivacyOptions.Development();
        var sm = new PersonalDataProtector(privacy, CryptoOptions.Sm());
        var international = new PersonalDataProtector(privacy, CryptoOptions.International());
        var details = new ApplicantDetails("龙秀英", "520102198605142015", "13985017342");

        var (smRecord, intlRecord) = (sm.Record(details), international.Record(details));
        Assert.Equal((KeyedHashFunction.HmacSm3, "HMAC-SM3", "HMAC-SM3"), (sm.Hash.Algorithm, KeyedHash.AlgorithmOf(smRecord.IdKey), KeyedHash.AlgorithmOf(smRecord.PhoneKey)));
        Assert.Equal((KeyedHashFunction.HmacSha256, "HMAC-SHA256"), (international.Hash.Algorithm, KeyedHash.AlgorithmOf(intlRecord.IdKey)));
        Assert.Equal(KeyedHashFunction.HmacSm3, new PersonalDataProtector(privacy).Hash.Algorithm); // sm is the default

        // After the switch, look-ups by the raw values find the record written before it.
        Assert.Contains(intlRecord.IdKey, sm.Hash.ResidentIdCandidates(details.IdNumber));
        Assert.Contains(intlRecord.PhoneKey, sm.Hash.MobileCandidates(details.Phone));

        // Re-sealing keeps the keys (they index the projection and the grains keyed by them).
        Assert.Equal((intlRecord.IdKey, intlRecord.PhoneKey), (sm.Reseal(intlRecord).IdKey, sm.Reseal(intlRecord).PhoneKey));
    }

    [Fact]
    public void A_case_submitted_with_an_HMAC_SM3_applicant_key_passes_the_shape_check_and_a_malformed_one_does_not()
    {
        Assert.True(KeyedHash.IsWellFormed(new KeyedHash(Key, KeyedHashFunction.HmacSm3).OfResidentId(Id)));
        Assert.False(KeyedHash.IsWellFormed("sm3:" + new KeyedHash(Key).OfResidentId(Id)[..60]));
        Assert.False(KeyedHash.IsWellFormed("hmac:" + new KeyedHash(Key).OfResidentId(Id)));
    }

    [Fact]
    public void Appointment_hashes_keep_the_scheme_and_the_algorithm_tag_and_either_algorithm_is_the_holder()
    {
        var key = Encoding.UTF8.GetBytes(PrivacyOptions.DevelopmentHashKey);
        var sm = new ApplicantHasher(key); // HMAC-SM3 by default, like the sm suite
        var international = new ApplicantHasher(key, KeyedHashFunction.HmacSha256);
        var smHash = sm.HashResidentId(Id);
        Assert.StartsWith(ApplicantHasher.Scheme + KeyedHash.Sm3Prefix, smHash, StringComparison.Ordinal);
        Assert.Equal(smHash, ApplicantHasher.FromCaseKey(new KeyedHash(key, KeyedHashFunction.HmacSm3).OfResidentId(Id)));

        Assert.True(sm.IsResidentId(international.HashResidentId(Id), Id)); // booked before the switch
        Assert.True(sm.IsResidentId(smHash, Id));
        Assert.False(sm.IsResidentId(smHash, "110105194912310037"));
        Assert.False(sm.IsResidentId(smHash[ApplicantHasher.Scheme.Length..], Id)); // no scheme: not an appointment hash
        Assert.False(sm.IsResidentId(smHash, null));
    }

    [Fact]
    public void Ticket_holder_keys_of_both_algorithms_overlap_so_one_person_holds_one_ticket_across_a_switch()
    {
        var key = Encoding.UTF8.GetBytes(PrivacyOptions.DevelopmentHashKey);
        var before = TicketHolderKeys.Of(new KeyedHash(key), "52010219900101123X", "13800001111");
        var after = TicketHolderKeys.Of(new KeyedHash(key, KeyedHashFunction.HmacSm3), "52010219900101123X", null);

        Assert.Equal(2, before.Length);
        Assert.Equal(2, after.Length);
        Assert.Contains(after, k => k.StartsWith(KeyedHash.Sm3Prefix, StringComparison.Ordinal) && k.Length == KeyedHash.Sm3Prefix.Length + TicketHolderKeys.Length);
        Assert.Contains(after, k => k.Length == TicketHolderKeys.Length);
        Assert.NotEmpty(before.Intersect(after)); // the queue matches a person by any common key
        Assert.Empty(after.Intersect(TicketHolderKeys.Of(new KeyedHash(key, KeyedHashFunction.HmacSm3), "520102198802023456", null)));
    }
}
