using System.Data;
using System.Globalization;
using Npgsql;
using TongBan.Grains.Cases;

namespace TongBan.Silo.Postgres;

/// <summary>Whole-log verification of the case chains, the case rows' heads and the global chain of seals.</summary>
public sealed class PostgresAuditVerifier(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// Reads every entry once, in a single repeatable-read snapshot so concurrent commits cannot look like breaks:
    /// each case chain (versions 1..n, links, hashes), each case row against its last entry (a deleted or
    /// rolled-back tail), then the global chain of seals and that no entry below the sealed frontier is unsealed
    /// (an entry slipped in, or a seal deleted). Rows are streamed; memory holds one case at a time.
    /// </summary>
    public async Task<AuditVerification> VerifyAllAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);

        // Case rows whose version or hash disagree with their last entry (or that have no entry at all), and
        // entries whose case row is gone; the first by case number.
        string? tailCase = null;
        int tailVersion = 0;
        await using (var tails = Unbounded("""
            select case_no, broken_at from (
                select r.case_no,
                       case when last.version is null then 1
                            when last.version < r.version then last.version + 1
                            when last.version > r.version then r.version + 1
                            else r.version end as broken_at
                  from tongban.case_record r
                  left join lateral (select a.version, a.hash from tongban.case_audit a
                                      where a.case_no = r.case_no order by a.version desc limit 1) last on true
                 where last.version is distinct from r.version or last.hash is distinct from r.last_hash
                union all
                select a.case_no, min(a.version)
                  from tongban.case_audit a
                 where not exists (select 1 from tongban.case_record r where r.case_no = a.case_no)
                   and a.case_no not like 'grants:%'
                 group by a.case_no
            ) broken
            order by case_no, broken_at
            limit 1
            """, connection, transaction))
        {
            await using var reader = await tails.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                tailCase = reader.GetString(0);
                tailVersion = reader.GetInt32(1);
            }
        }

        var total = 0;
        await using (var entries = Unbounded(
            "select case_no, version, canonical, previous_hash, hash from tongban.case_audit order by case_no, version", connection, transaction))
        {
            await using var reader = await entries.ExecuteReaderAsync(cancellationToken);
            string? current = null;
            var chain = new List<StoredAuditEntry>();
            while (true)
            {
                var more = await reader.ReadAsync(cancellationToken);
                var caseNo = more ? reader.GetString(0) : null;
                if (current is not null && caseNo != current)
                {
                    if (tailCase is not null && string.CompareOrdinal(tailCase, current) < 0)
                    {
                        return Broken(total, tailCase, tailVersion);
                    }

                    var result = AuditChain.VerifyCase(chain);
                    if (!result.Valid)
                    {
                        return new AuditVerification(false, total + chain.Count, $"{current}#{result.FirstBrokenAt}");
                    }

                    if (tailCase == current)
                    {
                        return Broken(total + chain.Count, tailCase, tailVersion);
                    }

                    total += chain.Count;
                    chain.Clear();
                }

                if (!more)
                {
                    break;
                }

                current = caseNo;
                chain.Add(new StoredAuditEntry(reader.GetInt32(1), reader.GetString(2), reader.GetFieldValue<byte[]>(3), reader.GetFieldValue<byte[]>(4)));
            }
        }

        if (tailCase is not null)
        {
            return Broken(total, tailCase, tailVersion);
        }

        var seals = 0;
        long lastSealed = 0;
        await using (var chain = Unbounded("""
            select s.entry_id, a.hash, s.seal
              from tongban.case_audit_seal s left join tongban.case_audit a on a.id = s.entry_id
             order by s.entry_id
            """, connection, transaction))
        {
            await using var reader = await chain.ExecuteReaderAsync(cancellationToken);
            var previous = AuditChain.Genesis;
            while (await reader.ReadAsync(cancellationToken))
            {
                seals++;
                lastSealed = reader.GetInt64(0);
                var seal = reader.GetFieldValue<byte[]>(2);
                if (reader.IsDBNull(1) || !AuditChain.SealOf(previous, reader.GetFieldValue<byte[]>(1)).AsSpan().SequenceEqual(seal))
                {
                    return new AuditVerification(false, seals, lastSealed.ToString(CultureInfo.InvariantCulture));
                }

                previous = seal;
            }
        }

        await using (var unsealed = Unbounded("""
            select a.id from tongban.case_audit a
             where a.id < $1 and not exists (select 1 from tongban.case_audit_seal s where s.entry_id = a.id)
             order by a.id limit 1
            """, connection, transaction))
        {
            unsealed.Parameters.Add(new NpgsqlParameter<long> { TypedValue = lastSealed });
            if (await unsealed.ExecuteScalarAsync(cancellationToken) is long id)
            {
                return new AuditVerification(false, seals, id.ToString(CultureInfo.InvariantCulture));
            }
        }

        return new AuditVerification(true, total, null);

        static AuditVerification Broken(int entries, string caseNo, int version) =>
            new(false, entries, string.Create(CultureInfo.InvariantCulture, $"{caseNo}#{version}"));
    }

    /// <summary>Verification reads whole tables; the default 30 s command timeout would fail it on a large log.</summary>
    private static NpgsqlCommand Unbounded(string sql, NpgsqlConnection connection, NpgsqlTransaction transaction) =>
        new(sql, connection, transaction) { CommandTimeout = 0 };
}
