using System.Text;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Parameters;
using TongBan.Grains.Crypto;

namespace TongBan.Grains.Tests.Crypto;

/// <summary>The published examples of the standards, checked against the library TongBan uses.</summary>
[Trait("Category", "Unit")]
public class SmVectorTests
{
    [Theory]
    // GB/T 32905-2016 Appendix A, example 1 and example 2.
    [InlineData("abc", "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0")]
    [InlineData("abcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcd", "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732")]
    public void Sm3_matches_GB_T_32905(string message, string expected)
    {
        var digest = new SM3Digest();
        var input = Encoding.ASCII.GetBytes(message);
        digest.BlockUpdate(input, 0, input.Length);
        var output = new byte[32];
        digest.DoFinal(output, 0);
        Assert.Equal(expected, Convert.ToHexStringLower(output));
    }

    [Fact]
    public void Sm4_matches_GB_T_32907_once_and_a_million_times()
    {
        // GB/T 32907-2016 Appendix A: key = plaintext = 0123456789abcdeffedcba9876543210.
        var key = Convert.FromHexString("0123456789abcdeffedcba9876543210");
        var engine = new SM4Engine();
        engine.Init(true, new KeyParameter(key));
        var block = key.ToArray();
        engine.ProcessBlock(block, 0, block, 0);
        Assert.Equal("681edf34d206965e86b3e94f536e4246", Convert.ToHexStringLower(block));

        for (var i = 1; i < 1_000_000; i++)
        {
            engine.ProcessBlock(block, 0, block, 0);
        }

        Assert.Equal("595298c7c6fd271f0402f804c33d3f66", Convert.ToHexStringLower(block));

        engine.Init(false, new KeyParameter(key));
        var back = Convert.FromHexString("681edf34d206965e86b3e94f536e4246");
        engine.ProcessBlock(back, 0, back, 0);
        Assert.Equal(key, back);
    }

    [Theory]
    [InlineData(null, CryptoSuite.Sm)]
    [InlineData("sm", CryptoSuite.Sm)]
    [InlineData("SM", CryptoSuite.Sm)]
    [InlineData("international", CryptoSuite.International)]
    public void The_suite_is_sm_or_international(string? value, CryptoSuite expected) =>
        Assert.Equal(expected, value is null ? new CryptoOptions().Parsed() : CryptoOptions.Parse(value));

    [Theory]
    [InlineData("")]
    [InlineData("gm")]
    [InlineData("sm2")]
    public void Any_other_suite_is_refused_naming_the_key(string value) =>
        Assert.Contains("TongBan:Crypto:Suite must be sm or international", Assert.Throws<ArgumentException>(() => CryptoOptions.Parse(value)).Message, StringComparison.Ordinal);
}
