using System.Security.Cryptography;
using System.Text;
using TongBan.Grains.Cases;
using TongBan.Grains.Crypto;
using TongBan.Grains.Tests.Crypto;

namespace TongBan.Grains.Tests.Cases;

/// <summary>Audit chains that moved from SHA-256 to SM3: both kinds verify in one chain; an edit of either kind is found.</summary>
[Trait("Category", "Unit")]
public class MixedAuditChainTests
{
    private static List<StoredAuditEntry> Chain(params string[] algorithms)
    {
        var previous = AuditChain.Genesis;
        var entries = new List<StoredAuditEntry>();
        for (var i = 0; i < algorithms.Length; i++)
        {
            var canonical = $"{{\"version\":{i + 1},\"action\":\"receive\",\"comment\":\"第{i + 1}步\"}}";
            var hash = AuditChain.Link(previous, canonical, algorithms[i]);
            entries.Add(new StoredAuditEntry(i + 1, canonical, previous, hash));
            previous = hash;
        }

        return entries;
    }

    private static readonly string[] Mixed = [AuditChain.Sha256, AuditChain.Sha256, AuditChain.Sha256, AuditChain.Sm3, AuditChain.Sm3, AuditChain.Sm3];

    [Fact]
    public void SHA256_entries_followed_by_SM3_entries_verify_and_name_their_algorithms()
    {
        var chain = Chain(Mixed);
        Assert.All(chain.Take(3), e => Assert.Equal(32, e.Hash.Length));
        Assert.All(chain.Skip(3), e => Assert.Equal([AuditChain.Sm3Tag], e.Hash[..1]));
        var result = AuditChain.VerifyCase(chain);
        Assert.True(result.Valid);
        Assert.Equal([AuditChain.Sha256, AuditChain.Sm3], result.Algorithms);

        // The SHA-256 links are exactly what the code of before wrote.
        Assert.Equal(SHA256.HashData([.. AuditChain.Genesis, .. Encoding.UTF8.GetBytes(chain[0].Canonical)]), chain[0].Hash);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(6)]
    public void Editing_an_entry_of_either_kind_breaks_the_chain_at_that_entry(int version)
    {
        var chain = Chain(Mixed);
        var e = chain[version - 1];
        chain[version - 1] = e with { Canonical = e.Canonical.Replace("receive", "approve", StringComparison.Ordinal) };
        Assert.Equal(version.ToString(System.Globalization.CultureInfo.InvariantCulture), AuditChain.VerifyCase(chain).FirstBrokenAt);
    }

    [Fact]
    public void Relabelling_an_SM3_link_as_SHA256_or_dropping_its_tag_breaks_the_chain()
    {
        var chain = Chain(Mixed);
        var e = chain[3];
        chain[3] = e with { Hash = AuditChain.Link(e.PreviousHash, e.Canonical, AuditChain.Sha256) };
        Assert.Equal("5", AuditChain.VerifyCase(chain).FirstBrokenAt);

        chain = Chain(Mixed);
        chain[4] = chain[4] with { Hash = chain[4].Hash[1..] }; // the bare SM3 digest reads as a (wrong) SHA-256 link
        Assert.False(AuditChain.VerifyCase(chain).Valid);
        chain[4] = chain[4] with { Hash = [0x07, .. chain[4].Hash] }; // an unknown tag is no algorithm at all
        Assert.Null(AuditChain.AlgorithmOf(chain[4].Hash));
        Assert.Equal("5", AuditChain.VerifyCase(chain).FirstBrokenAt);
    }

    [Fact]
    public void The_global_seal_over_mixed_entries_verifies_and_an_edited_seal_is_found()
    {
        var chain = Chain(Mixed);
        var previous = AuditChain.Genesis;
        var sealedEntries = new List<(long Id, byte[] EntryHash, byte[] Seal)>();
        foreach (var e in chain)
        {
            previous = AuditChain.SealOf(previous, e.Hash);
            sealedEntries.Add((e.Version, e.Hash, previous));
        }

        Assert.Equal(32, sealedEntries[2].Seal.Length);
        Assert.Equal(33, sealedEntries[3].Seal.Length);
        Assert.True(AuditChain.VerifyGlobal(sealedEntries).Valid);
        var (id, hash, seal) = sealedEntries[4];
        sealedEntries[4] = (id, hash, [.. seal[..^1], (byte)(seal[^1] ^ 1)]);
        Assert.Equal("5", AuditChain.VerifyGlobal(sealedEntries).FirstBrokenAt);
    }

    [Fact]
    public void New_links_follow_the_suite()
    {
        Assert.Equal(AuditChain.Sm3, AuditChain.For(new CryptoOptions()));
        Assert.Equal(AuditChain.Sha256, AuditChain.For(CryptoOptions.International()));
    }

    [Fact]
    public async Task An_SM3_link_is_the_SM3_digest_openssl_computes()
    {
        var directory = Openssl.TempDirectory();
        try
        {
            const string Canonical = "{\"version\":1,\"comment\":\"照片未带\"}";
            var previous = RandomNumberGenerator.GetBytes(32);
            await File.WriteAllBytesAsync(Path.Combine(directory, "input"), [.. previous, .. Encoding.UTF8.GetBytes(Canonical)]);
            var (exit, output) = await Openssl.Run(directory, "dgst", "-sm3", "-r", "input");
            Assert.True(exit == 0, output);
            Assert.Equal(output.Split(' ')[0], Convert.ToHexStringLower(AuditChain.Link(previous, Canonical, AuditChain.Sm3)[1..]));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
