using System.Data;
using System.Globalization;
using Npgsql;
using NpgsqlTypes;
using TongBan.Grains.Cases;

namespace TongBan.Silo.Postgres;

/// <summary>
/// Links audit entries, in id order, into the global chain of seals in <c>tongban.case_audit_seal</c>
/// (<see cref="ICaseStore.SealAsync"/>, driven by <see cref="AuditSealer"/>).
/// </summary>
/// <remarks>
/// Sealing and the gap problem: ids come from a sequence, and a transaction that took id 7 may commit after
/// one that took id 8, so a sealer that sealed "everything after the last sealed id" could pass over 7 for
/// good. The sealer therefore seals strictly in id order and only up to a <i>frontier</i> below which every
/// id is final (committed and visible, or a permanent gap from a rollback). A frontier is proven like this:
/// read the sequence's last value L, then give the sealer's transaction its transaction id X. Every id ≤ L was
/// taken by a transaction whose xid is below X: the id default assigns the xid before it takes the value
/// (<c>tongban.case_audit_next_id</c>), and xids are handed out in order. Once a snapshot's xmin is ≥ X, all
/// those transactions have ended, so L is a frontier. (A snapshot's xmax cannot stand in for X: it is one past
/// the latest <i>completed</i> xid, and a running transaction newer than that appears neither below it nor in
/// its list of running ones.) A candidate (L, X) not yet proven is kept and usually proven a few milliseconds
/// later, or at the next round. The price: a long-running writing transaction anywhere in the PostgreSQL
/// instance (or an idle session holding a transaction id) delays sealing until it ends; it never makes the
/// sealer skip an entry.
/// </remarks>
public sealed class PostgresAuditSealing(NpgsqlDataSource dataSource)
{
    /// <summary>pg_try_advisory_xact_lock key of the sealer: "TBSeal" in ASCII. One sealer at a time, cluster-wide.</summary>
    public const long SealLockKey = 0x544253_65616C;

    private readonly Lock frontierGate = new();

    /// <summary>Every audit id ≤ this is final (see remarks); only grows.</summary>
    private long provenFrontier;

    /// <summary>A frontier candidate: ids ≤ LastId are final once no transaction older than NextXid runs.</summary>
    private (long LastId, ulong NextXid)? candidate;

    /// <remarks>Returns 0 when another sealer holds the lock or nothing is provably final yet (see the class remarks).</remarks>
    public async Task<int> SealAsync(int max, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(max);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);

        // One round trip, four statements, each with its own snapshot (read committed) and in this order: the
        // lock first, so the chain head read next is the one the previous sealer committed; the sequence's last
        // value before this transaction's own xid, which bounds the xids of the transactions that took those ids.
        await using var batch = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand($"select pg_try_advisory_xact_lock({SealLockKey})"),
                new NpgsqlBatchCommand("select entry_id, seal from tongban.case_audit_seal order by entry_id desc limit 1"),
                new NpgsqlBatchCommand("select case when is_called then last_value else 0 end from tongban.case_audit_id_seq"),
                new NpgsqlBatchCommand("select pg_snapshot_xmin(pg_current_snapshot())::text, pg_current_xact_id()::text"),
            },
        };

        long lastSealed = 0;
        var head = AuditChain.Genesis;
        long sequenceValue;
        ulong xmin, ownXid;
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            if (!reader.GetBoolean(0))
            {
                return 0;
            }

            await reader.NextResultAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                lastSealed = reader.GetInt64(0);
                head = reader.GetFieldValue<byte[]>(1);
            }

            await reader.NextResultAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            sequenceValue = reader.GetInt64(0);
            await reader.NextResultAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            xmin = ulong.Parse(reader.GetString(0), CultureInfo.InvariantCulture);
            ownXid = ulong.Parse(reader.GetString(1), CultureInfo.InvariantCulture);
        }

        var frontier = await ProveFrontierAsync(connection, transaction, sequenceValue, xmin, ownXid, cancellationToken);
        if (frontier <= lastSealed)
        {
            return 0;
        }

        var ids = new List<long>(Math.Min(max, 4096));
        var seals = new List<byte[]>(ids.Capacity);
        await using (var select = new NpgsqlCommand(
            "select id, hash from tongban.case_audit where id > $1 and id <= $2 order by id limit $3", connection, transaction))
        {
            select.Parameters.Add(new NpgsqlParameter<long> { TypedValue = lastSealed });
            select.Parameters.Add(new NpgsqlParameter<long> { TypedValue = frontier });
            select.Parameters.Add(new NpgsqlParameter<int> { TypedValue = max });
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                head = AuditChain.SealOf(head, reader.GetFieldValue<byte[]>(1));
                ids.Add(reader.GetInt64(0));
                seals.Add(head);
            }
        }

        if (ids.Count == 0)
        {
            return 0;
        }

        await using (var insert = new NpgsqlCommand(
            "insert into tongban.case_audit_seal (entry_id, seal) select * from unnest($1, $2)", connection, transaction))
        {
            insert.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. ids] });
            insert.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = [.. seals], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return ids.Count;
    }

    /// <summary>
    /// The largest audit id below which every id is final, proven from the candidate of an earlier round, or
    /// from this round's (sequence value, own xid) once every older transaction has ended — rechecked a few
    /// times, since a commit statement takes about a millisecond.
    /// </summary>
    /// <param name="xmin">The xmin of a snapshot taken after the earlier rounds' sealer transactions ended.</param>
    /// <param name="ownXid">This sealer transaction's xid, assigned after the sequence value was read.</param>
    private async Task<long> ProveFrontierAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long sequenceValue, ulong xmin, ulong ownXid, CancellationToken cancellationToken)
    {
        // The first xmin was taken before ownXid existed; from the rechecks on, xmin ≥ ownXid means every older
        // transaction has ended (our own one counts as running, so at best xmin == ownXid). Waiting here holds
        // only the sealer's lock.
        for (var attempt = 0; xmin < ownXid && attempt < 5; attempt++)
        {
            if (attempt > 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(1 << attempt), cancellationToken);
            }

            await using var recheck = new NpgsqlCommand("select pg_snapshot_xmin(pg_current_snapshot())::text", connection, transaction);
            xmin = ulong.Parse((string)(await recheck.ExecuteScalarAsync(cancellationToken))!, CultureInfo.InvariantCulture);
        }

        lock (frontierGate)
        {
            if (candidate is { } earlier && xmin >= earlier.NextXid)
            {
                provenFrontier = Math.Max(provenFrontier, earlier.LastId);
                candidate = null;
            }

            if (xmin >= ownXid)
            {
                provenFrontier = Math.Max(provenFrontier, sequenceValue);
                candidate = null; // an older candidate's ids are all ≤ this round's value
            }
            else
            {
                // Keep an older candidate: it is proven sooner, and this round's value is proposed again next round.
                candidate ??= (sequenceValue, ownXid);
            }

            return provenFrontier;
        }
    }
}
