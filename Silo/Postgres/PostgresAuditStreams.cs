using Npgsql;
using TongBan.Grains.Cases;

namespace TongBan.Silo.Postgres;

/// <summary>
/// Reads the hash-chained entries of one case or stream from <c>tongban.case_audit</c>, and appends to the
/// non-case streams (the grant books) that share the table.
/// </summary>
public sealed class PostgresAuditStreams(NpgsqlDataSource dataSource) : IAuditStreamStore
{
    public async Task<IReadOnlyList<StoredAuditEntry>> AuditAsync(string caseNo, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caseNo);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            "select version, canonical, previous_hash, hash from tongban.case_audit where case_no = $1 order by version", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = caseNo });
        await command.PrepareAsync(cancellationToken);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var entries = new List<StoredAuditEntry>();
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(new StoredAuditEntry(reader.GetInt32(0), reader.GetString(1), reader.GetFieldValue<byte[]>(2), reader.GetFieldValue<byte[]>(3)));
        }

        return entries;
    }

    public Task<IReadOnlyList<StoredAuditEntry>> ReadStreamAsync(string stream, CancellationToken cancellationToken) => AuditAsync(stream, cancellationToken);

    /// <remarks>
    /// Non-case streams live in <c>tongban.case_audit</c> under their stream name (no migration: the table has no
    /// foreign key to cases), so the sealer links them into the global chain with everything else. The head is the
    /// stream's last entry; a racing append of the same version loses on the (case_no, version) unique constraint.
    /// Unlike a case, a stream has no row holding its head, so deleting its newest entries is found only once they are
    /// sealed (within the sealer's period); the grant books re-verify their chain on every activation.
    /// </remarks>
    public async Task<bool> AppendStreamAsync(string stream, StoredAuditEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (!AuditStreams.IsStream(stream))
        {
            throw new ArgumentException($"'{stream}' is not an audit stream name.", nameof(stream));
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand("""
            with head as (select version, hash from tongban.case_audit where case_no = $1 order by version desc limit 1)
            insert into tongban.case_audit (case_no, version, canonical, previous_hash, hash)
            select $1, $2, $3, $4, $5
             where coalesce((select version from head), 0) = $2 - 1 and coalesce((select hash from head), $6) = $4
            """, connection);
        var p = command.Parameters;
        p.Add(new NpgsqlParameter<string> { TypedValue = stream });
        p.Add(new NpgsqlParameter<int> { TypedValue = entry.Version });
        p.Add(new NpgsqlParameter<string> { TypedValue = entry.Canonical });
        p.Add(new NpgsqlParameter<byte[]> { TypedValue = entry.PreviousHash });
        p.Add(new NpgsqlParameter<byte[]> { TypedValue = entry.Hash });
        p.Add(new NpgsqlParameter<byte[]> { TypedValue = AuditChain.Genesis });
        try
        {
            return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            return false;
        }
    }
}
