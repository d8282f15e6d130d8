using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace TongBan.Grains.Cases;

/// <summary>
/// The tamper-evident audit log (the honest engineering form of the seed's 区块链信任机制):
/// each case's entries form a hash chain (an entry's hash covers the previous entry's hash and
/// its own canonical JSON), and a sealer links all entries in insertion order into one global
/// chain. Editing, deleting or reordering any stored entry breaks a link that verification finds.
/// </summary>
public static class AuditChain
{
    public static readonly byte[] Genesis = new byte[32];

    /// <summary>The canonical JSON an entry is hashed and stored as (stable property order, camelCase, enums as names).</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,

        // Chinese stays readable in the stored text; the text is hashed and stored, never rendered as HTML.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Canonical(CaseTimelineEntry entry) => JsonSerializer.Serialize(entry, Json);

    public static byte[] Link(byte[] previous, string canonicalEntry)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(canonicalEntry);
        var buffer = new byte[previous.Length + bytes.Length];
        previous.CopyTo(buffer, 0);
        bytes.CopyTo(buffer, previous.Length);
        return SHA256.HashData(buffer);
    }

    /// <summary>Checks one case's stored entries (in version order) and returns the first broken version, if any.</summary>
    public static AuditVerification VerifyCase(IReadOnlyList<StoredAuditEntry> entries)
    {
        var previous = Genesis;
        var expectedVersion = 1;
        foreach (var e in entries)
        {
            if (e.Version != expectedVersion || !e.PreviousHash.AsSpan().SequenceEqual(previous) ||
                !Link(previous, e.Canonical).AsSpan().SequenceEqual(e.Hash))
            {
                return new AuditVerification(false, entries.Count, e.Version.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            previous = e.Hash;
            expectedVersion++;
        }

        return new AuditVerification(true, entries.Count, null);
    }

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

    public static byte[] SealOf(byte[] previousSeal, byte[] entryHash)
    {
        var buffer = new byte[previousSeal.Length + entryHash.Length];
        previousSeal.CopyTo(buffer, 0);
        entryHash.CopyTo(buffer, previousSeal.Length);
        return SHA256.HashData(buffer);
    }
}

/// <summary>An audit entry as stored: its canonical JSON and the links.</summary>
public sealed record StoredAuditEntry(int Version, string Canonical, byte[] PreviousHash, byte[] Hash);

/// <summary><c>GET /api/cases/{caseNo}/audit/verify</c>: <c>{valid, entries, firstBrokenAt?}</c>.</summary>
[GenerateSerializer, Immutable]
public sealed record AuditVerification(
    [property: Id(0)] bool Valid,
    [property: Id(1)] int Entries,
    [property: Id(2)] string? FirstBrokenAt);
