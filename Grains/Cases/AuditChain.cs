using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace TongBan.Grains.Cases;

/// <summary>
/// The tamper-evident audit log (the honest engineering form of the seed's 区块链信任机制):
/// each case's entries form a hash chain (an entry's hash covers the previous entry's hash and
/// its own canonical JSON), and a sealer links all entries in insertion order into one global
/// chain. Editing, deleting or reordering any stored entry breaks a link that verification finds.
/// Each link names its algorithm (<see cref="AlgorithmOf"/>): a SHA-256 link is its 32 raw bytes (every link
/// written before SM3), an SM3 link (GB/T 32905) is <see cref="Sm3Tag"/> followed by the 32-byte digest. One chain
/// may hold SHA-256 links followed by SM3 links; each is recomputed with its own algorithm, and the tag is hashed
/// into the next link, so relabelling a link breaks the chain like any other edit.
/// </summary>
public static class AuditChain
{
    public static readonly byte[] Genesis = new byte[32];

    public const string Sha256 = "SHA-256";
    public const string Sm3 = "SM3";

    /// <summary>First byte of an SM3 link (33 bytes); SHA-256 links are untagged 32 bytes.</summary>
    public const byte Sm3Tag = 0x03;

    /// <summary>The algorithm new links use under <paramref name="crypto"/>'s suite.</summary>
    public static string For(Crypto.CryptoOptions crypto) => crypto?.Parsed() == Crypto.CryptoSuite.International ? Sha256 : Sm3;

    /// <summary>The algorithm a stored link was made with, by its form; null for bytes that are neither.</summary>
    public static string? AlgorithmOf(ReadOnlySpan<byte> hash) =>
        hash.Length == 32 ? Sha256 : hash.Length == 33 && hash[0] == Sm3Tag ? Sm3 : null;

    /// <summary>The canonical JSON an entry is hashed and stored as (stable property order, camelCase, enums as names).</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,

        // Chinese stays readable in the stored text; the text is hashed and stored, never rendered as HTML.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Canonical(CaseTimelineEntry entry) => JsonSerializer.Serialize(entry, Json);

    /// <summary>The link of an entry after <paramref name="previous"/>, made with <paramref name="algorithm"/> (<see cref="Sha256"/> or <see cref="Sm3"/>).</summary>
    public static byte[] Link(byte[] previous, string canonicalEntry, string algorithm)
    {
        ArgumentNullException.ThrowIfNull(previous);
        var bytes = System.Text.Encoding.UTF8.GetBytes(canonicalEntry);
        var buffer = new byte[previous.Length + bytes.Length];
        previous.CopyTo(buffer, 0);
        bytes.CopyTo(buffer, previous.Length);
        return Digest(buffer, algorithm);
    }

    /// <summary>Recomputes a stored link with the algorithm it names; null when the stored bytes name none.</summary>
    public static byte[]? Relink(byte[] previous, string canonicalEntry, byte[] storedHash) =>
        AlgorithmOf(storedHash) is { } algorithm ? Link(previous, canonicalEntry, algorithm) : null;

    /// <summary>True when <paramref name="storedHash"/> is the link of the entry after <paramref name="previous"/>.</summary>
    public static bool Links(byte[] previous, string canonicalEntry, byte[] storedHash) =>
        Relink(previous, canonicalEntry, storedHash) is { } expected && expected.AsSpan().SequenceEqual(storedHash);

    private static byte[] Digest(byte[] data, string algorithm)
    {
        if (algorithm == Sha256)
        {
            return SHA256.HashData(data);
        }

        if (algorithm != Sm3)
        {
            throw new ArgumentException($"Unknown chain hash algorithm '{algorithm}'.", nameof(algorithm));
        }

        var sm3 = new Org.BouncyCastle.Crypto.Digests.SM3Digest();
        sm3.BlockUpdate(data, 0, data.Length);
        var output = new byte[33];
        output[0] = Sm3Tag;
        sm3.DoFinal(output, 1);
        return output;
    }

    /// <summary>Checks one case's stored entries (in version order) and returns the first broken version, if any.</summary>
    public static AuditVerification VerifyCase(IReadOnlyList<StoredAuditEntry> entries)
    {
        var previous = Genesis;
        var expectedVersion = 1;
        foreach (var e in entries)
        {
            if (e.Version != expectedVersion || !e.PreviousHash.AsSpan().SequenceEqual(previous) ||
                !Links(previous, e.Canonical, e.Hash))
            {
                return new AuditVerification(false, entries.Count, e.Version.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            previous = e.Hash;
            expectedVersion++;
        }

        return new AuditVerification(true, entries.Count, null, Algorithms(entries.Select(e => e.Hash)));
    }

    /// <summary>The algorithms of a chain's links in order of first use, e.g. <c>[SHA-256, SM3]</c> for a chain migrated to SM3.</summary>
    public static IReadOnlyList<string> Algorithms(IEnumerable<byte[]> hashes) =>
        [.. hashes.Select(h => AlgorithmOf(h) ?? "?").Distinct()];

    /// <summary>Checks the global chain: each seal links the previous seal to the entry's own hash.</summary>
    public static AuditVerification VerifyGlobal(IEnumerable<(long Id, byte[] EntryHash, byte[] Seal)> sealedEntries)
    {
        var previous = Genesis;
        var count = 0;
        foreach (var (id, entryHash, seal) in sealedEntries)
        {
            count++;
            if (!SealOf(previous, entryHash).AsSpan().SequenceEqual(seal))
            {
                return new AuditVerification(false, count, id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            previous = seal;
        }

        return new AuditVerification(true, count, null);
    }

    /// <summary>The global seal after <paramref name="previousSeal"/>, made with the algorithm of the entry it seals.</summary>
    public static byte[] SealOf(byte[] previousSeal, byte[] entryHash)
    {
        ArgumentNullException.ThrowIfNull(previousSeal);
        ArgumentNullException.ThrowIfNull(entryHash);
        var buffer = new byte[previousSeal.Length + entryHash.Length];
        previousSeal.CopyTo(buffer, 0);
        entryHash.CopyTo(buffer, previousSeal.Length);
        return Digest(buffer, AlgorithmOf(entryHash) ?? Sha256);
    }
}

/// <summary>An audit entry as stored: its canonical JSON and the links.</summary>
public sealed record StoredAuditEntry(int Version, string Canonical, byte[] PreviousHash, byte[] Hash);

/// <summary><c>GET /api/cases/{caseNo}/audit/verify</c>: <c>{valid, entries, firstBrokenAt?, algorithms?}</c> (the link algorithms in order of first use).</summary>
[GenerateSerializer, Immutable]
public sealed record AuditVerification(
    [property: Id(0)] bool Valid,
    [property: Id(1)] int Entries,
    [property: Id(2)] string? FirstBrokenAt,
    [property: Id(3)] IReadOnlyList<string>? Algorithms = null);
