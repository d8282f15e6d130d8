using System.Buffers.Binary;
using System.Security.Cryptography;
using TongBan.Grains.Crypto;
using TongBan.Grains.Identity;
using TongBan.Grains.Ratings;
using TongBan.Grains.Tests.Crypto;

namespace TongBan.Grains.Tests.Ratings;

/// <summary>Issue 21: rating tokens are HMAC-SM3 under the <c>sm</c> suite and say so; tokens printed before still verify.</summary>
[Trait("Category", "Unit")]
public class RatingTokenAlgorithmTests
{
    private static readonly byte[] Key = [.. Enumerable.Range(1, 32).Select(i => (byte)(i * 3))];
    private static readonly DateOnly Day = new(2026, 11, 24);

    [Fact]
    public void A_new_token_under_sm_is_tagged_S_and_an_old_HMAC_SHA256_token_still_verifies()
    {
        var sm = new RatingTokens(Key, sm3: true);
        var international = new RatingTokens(Key);
        var token = sm.Issue("520102-H001", Day, "A012");
        var old = international.Issue("520102-H001", Day, "A012");

        Assert.Equal((RatingTokens.Sm3Length, "261124S"), (token.Length, token[..7]));
        Assert.Equal(("HMAC-SM3", "HMAC-SHA256"), (RatingTokens.AlgorithmOf(token), RatingTokens.AlgorithmOf(old)));
        Assert.Equal(RatingTokens.Length, old.Length);

        // Both forms verify under either suite (a switch must not void the slips already printed).
        foreach (var verifier in new[] { sm, international })
        {
            Assert.True(verifier.TryVerify("520102-H001", "A012", token, out var day));
            Assert.Equal(Day, day);
            Assert.True(verifier.TryVerify("520102-H001", "A012", old, out _));
            Assert.True(verifier.TryVerify("520102-H001", "A012", token.ToLowerInvariant(), out _));
        }

        // Bound to hall, number and day, and to the algorithm it names.
        Assert.False(sm.TryVerify("520102-H001", "A013", token, out _));
        Assert.False(sm.TryVerify("520103-H001", "A012", token, out _));
        Assert.False(sm.TryVerify("520102-H001", "A012", "261125" + token[6..], out _));
        Assert.False(sm.TryVerify("520102-H001", "A012", old[..6] + "S" + old[6..], out _)); // an HMAC-SHA256 MAC claimed as SM3
        Assert.False(sm.TryVerify("520102-H001", "A012", token[..6] + token[7..], out _)); // an SM3 MAC without its tag
        Assert.False(sm.TryVerify("520102-H001", "A012", token[..6] + "X" + token[7..], out _));
        Assert.False(sm.TryVerify("520102-H001", "A012", token[..^1] + (token[^1] == 'A' ? 'B' : 'A'), out _));
        Assert.False(new RatingTokens(RandomNumberGenerator.GetBytes(32), sm3: true).TryVerify("520102-H001", "A012", token, out _));
        Assert.Equal(token, sm.Issue("520102-H001", Day, "A012")); // a retried take gets the same token
    }

    [Fact]
    public async Task The_SM3_token_s_MAC_is_openssl_s_HMAC_SM3_of_purpose_hall_day_and_number()
    {
        var token = new RatingTokens(Key, sm3: true).Issue("520102-H001", Day, "A012");
        var directory = Openssl.TempDirectory();
        try
        {
            await File.WriteAllTextAsync(Path.Combine(directory, "in"), "ticket-rating|520102-H001|2026-11-24|A012");
            var (exit, output) = await Openssl.Run(directory, "mac", "-digest", "SM3", "-macopt", "hexkey:" + Convert.ToHexString(Key), "-in", "in", "HMAC");
            Assert.True(exit == 0, output);

            // The token carries the MAC's first 50 bits, 5 per base32 character.
            var first = BinaryPrimitives.ReadUInt64BigEndian(Convert.FromHexString(output.Trim())[..8]);
            var expected = string.Concat(Enumerable.Range(0, 10).Select(i => "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"[(int)((first >> (59 - (5 * i))) & 0x1F)]));
            Assert.Equal(expected, token[7..]);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void The_suite_chooses_the_algorithm_of_new_tokens_and_the_key_is_shared()
    {
        var privacy = PrivacyOptions.Development();
        var sm = RatingTokens.Create(new RatingOptions(), privacy);
        var international = RatingTokens.Create(new RatingOptions(), privacy, CryptoOptions.International());
        Assert.Equal((true, false), (sm.Sm3, international.Sm3));
        Assert.Equal("HMAC-SM3", RatingTokens.AlgorithmOf(sm.Issue("520102-H001", Day, "A001")));
        Assert.Equal("HMAC-SHA256", RatingTokens.AlgorithmOf(international.Issue("520102-H001", Day, "A001")));
        Assert.True(sm.TryVerify("520102-H001", "A001", international.Issue("520102-H001", Day, "A001"), out _));
        Assert.True(international.TryVerify("520102-H001", "A001", sm.Issue("520102-H001", Day, "A001"), out _));
    }
}
