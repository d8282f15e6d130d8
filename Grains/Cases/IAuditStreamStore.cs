namespace TongBan.Grains.Cases;

/// <summary>
/// Hash-chained audit streams that are not cases (the grant books of 授权信任: <c>grants:{grantor}</c>). Entries
/// go into the same log as case entries, so the sealer links them into the one global chain; each stream is its
/// own chain from <see cref="AuditChain.Genesis"/>, verified like a case's.
/// </summary>
public interface IAuditStreamStore
{
    /// <summary>The stream's entries in version order.</summary>
    Task<IReadOnlyList<StoredAuditEntry>> ReadStreamAsync(string stream, CancellationToken cancellationToken);

    /// <summary>
    /// Appends <paramref name="entry"/> when the stream's head is at <c>entry.Version − 1</c> with hash
    /// <c>entry.PreviousHash</c>; false, changing nothing, when another writer moved it.
    /// </summary>
    Task<bool> AppendStreamAsync(string stream, StoredAuditEntry entry, CancellationToken cancellationToken);
}

/// <summary>Names of the non-case audit streams; none can be a case number (those start with <c>GZ</c>).</summary>
public static class AuditStreams
{
    /// <summary>Grant books of 授权信任: <c>grants:{grantor key}</c>.</summary>
    public const string GrantsPrefix = "grants:";

    public static bool IsStream(string name) => name.StartsWith(GrantsPrefix, StringComparison.Ordinal);
}
