using System.Data;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using TongBan.Grains.Cases;
using TongBan.Grains.Common;
using TongBan.Grains.Identity;
using TongBan.Grains.Notifications;

namespace TongBan.Silo.Postgres;

/// <summary>
/// Cases in <c>tongban.case_record</c> (state and applicant as jsonb, the <see cref="CaseSummary"/> projection as
/// indexed columns), their hash-chained audit entries in <c>tongban.case_audit</c> and the global chain of seals
/// in <c>tongban.case_audit_seal</c> (migration 0006).
/// </summary>
/// <remarks>
/// <para>
/// Serialization: <see cref="CaseState"/> and <see cref="ApplicantRecord"/> are stored as System.Text.Json with
/// <see cref="PostgresServicePointStore.Json"/> (camelCase, enums as names). They round-trip exactly (constructor
/// parameters, init-only properties, <see cref="DateOnly"/>, <see cref="DateTimeOffset"/> with its offset and
/// ticks, nested records and lists; the tests check it), and unlike Orleans' binary format the rows stay
/// readable and queryable with SQL, and survive a rename of a .NET type. jsonb cannot hold U+0000, so a
/// state with a NUL character in some text is refused with an <see cref="ArgumentException"/>.
/// </para>
/// <para>
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
/// </para>
/// <para>
/// Cost: a transition is one statement (case row and audit entry together, one round trip). The statements of
/// the per-transition path (load, commit, summary refresh, audit read) are prepared: Npgsql keeps explicitly
/// prepared statements on each pooled physical connection (its pool reset then skips DEALLOCATE), so after the
/// first use per connection they run without parse and plan, which were half of the server time of a commit.
/// </para>
/// </remarks>
public sealed class PostgresCaseStore(NpgsqlDataSource dataSource) : ICaseStore, IAuditStreamStore
{
    /// <summary>pg_try_advisory_xact_lock key of the sealer: "TBSeal" in ASCII. One sealer at a time, cluster-wide.</summary>
    public const long SealLockKey = 0x544253_65616C;

    /// <summary>Rows per statement when rebuilding the projection: large enough to amortise round trips, small enough to keep each transaction short.</summary>
    public const int RebuildBatchSize = 500;

    private const string SummaryColumns =
        "case_no, item_code, status, department_code, region_code, receiving_hall_code, channel, submitted_at, updated_at, " +
        "due_date, stage, visits, version, applicant_id_key, applicant_phone_key, deadline_provisional, elapsed_working_days";

    private const string LoadSql =
        $"select {SummaryColumns}, state::text, applicant::text, last_hash from tongban.case_record where case_no = $1";

    // The step's notifications ($23, a jsonb array; usually empty) go into the outbox only if the case row was written,
    // in the same statement, hence the same transaction (issue 17): no step without its notifications, nor the reverse.
    private const string QueueNotifications = """
        queued as (
            insert into tongban.notification (event_id, channel, recipient_key, subject, recipient_masked, sealed_address, template,
                parameters, state, reason, created_at, next_attempt_at)
            select n.event_id, n.channel, n.recipient_key, n.subject, n.recipient_masked, decode(n.sealed_address, 'base64'), n.template,
                   n.parameters, case when n.reason is null then 'queued' else 'suppressed' end, n.reason, $13, $13
              from written, jsonb_to_recordset($23) as n(event_id text, channel text, recipient_key text, subject text,
                   recipient_masked text, sealed_address text, template text, parameters jsonb, reason text)
            on conflict (event_id, channel, recipient_key) do nothing
        )
        """;

    // One statement each: the data-modifying CTE writes the case row, and the audit entry is inserted only if it
    // did, so the pair is atomic in the statement's implicit transaction and costs one round trip. A concurrent
    // first commit of the same number waits for the other's insert and then does nothing (0 rows, no
    // unique-violation exception); a concurrent update of the same version re-checks the version after the
    // other commits and finds it changed.
    private const string InsertSql = """
        with written as (
            insert into tongban.case_record (case_no, version, state, applicant, last_hash, item_code, status, department_code,
                region_code, receiving_hall_code, channel, submitted_at, updated_at, due_date, stage, visits, applicant_id_key,
                applicant_phone_key, deadline_provisional, elapsed_working_days)
            values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
            on conflict (case_no) do nothing
            returning 1
        ),
        """ + QueueNotifications + """
        insert into tongban.case_audit (case_no, version, canonical, previous_hash, hash)
        select $1, $2, $21, $22, $5 from written
        """;

    // The guard compares the stored last hash too: a writer that loaded a stale chain head cannot append a
    // link that verification would later report as broken; it gets false, reloads and retries like any loser.
    private const string UpdateSql = """
        with written as (
            update tongban.case_record
               set version = $2, state = $3, applicant = $4, last_hash = $5, item_code = $6, status = $7, department_code = $8,
                   region_code = $9, receiving_hall_code = $10, channel = $11, submitted_at = $12, updated_at = $13, due_date = $14,
                   stage = $15, visits = $16, applicant_id_key = $17, applicant_phone_key = $18, deadline_provisional = $19,
                   elapsed_working_days = $20
             where case_no = $1 and version = $2 - 1 and last_hash = $22
            returning 1
        ),
        """ + QueueNotifications + """
        insert into tongban.case_audit (case_no, version, canonical, previous_hash, hash)
        select $1, $2, $21, $22, $5 from written
        """;

    private static readonly Dictionary<string, CaseStatus> StatusByName =
        Enum.GetValues<CaseStatus>().ToDictionary(CaseNames.Of, StringComparer.Ordinal);

    private static readonly Dictionary<string, CaseChannel> ChannelByName =
        Enum.GetValues<CaseChannel>().ToDictionary(CaseNames.Of, StringComparer.Ordinal);

    private static readonly string[] FinalStatuses = [CaseNames.Of(CaseStatus.NotAccepted), CaseNames.Of(CaseStatus.Delivered), CaseNames.Of(CaseStatus.Withdrawn)];

    private readonly Lock frontierGate = new();

    /// <summary>Every audit id ≤ this is final (see remarks); only grows.</summary>
    private long provenFrontier;

    /// <summary>A frontier candidate: ids ≤ LastId are final once no transaction older than NextXid runs.</summary>
    private (long LastId, ulong NextXid)? candidate;

    private static JsonSerializerOptions Json => PostgresServicePointStore.Json;

    public async Task<StoredCase?> LoadAsync(string caseNo, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caseNo);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(LoadSql, connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = caseNo });
        await command.PrepareAsync(cancellationToken);
        await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SingleRow, cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        var summary = ReadSummary(reader);
        var state = JsonSerializer.Deserialize<CaseState>(reader.GetString(17), Json)
            ?? throw new InvalidDataException($"tongban.case_record {caseNo} holds a null state.");

        // timestamptz keeps microseconds; the state (JSON) keeps every tick. A projection recomputed from the loaded
        // state must compare equal to the loaded one, or a grain that refreshes "when the summary changed" would
        // rewrite and re-announce every case it loads.
        summary = summary with { SubmittedAt = Exact(summary.SubmittedAt, state.SubmittedAt), UpdatedAt = Exact(summary.UpdatedAt, state.UpdatedAt) };
        var applicant = JsonSerializer.Deserialize<ApplicantRecord>(reader.GetString(18), Json)
            ?? throw new InvalidDataException($"tongban.case_record {caseNo} holds a null applicant.");
        return new StoredCase(state, applicant, summary, reader.GetFieldValue<byte[]>(19));
    }

    public Task<bool> CommitAsync(CaseState state, ApplicantRecord applicant, CaseSummary summary, CaseTimelineEntry entry, byte[] previousHash, byte[] hash, CancellationToken cancellationToken) =>
        CommitAsync(state, applicant, summary, entry, previousHash, hash, [], cancellationToken);

    public async Task<bool> CommitAsync(CaseState state, ApplicantRecord applicant, CaseSummary summary, CaseTimelineEntry entry, byte[] previousHash, byte[] hash, IReadOnlyList<OutboxEntry> notifications, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notifications);
        var canonical = CheckCommit(state, applicant, summary, entry, previousHash, hash);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(state.Version == 1 ? InsertSql : UpdateSql, connection);
        var p = command.Parameters;
        p.Add(new NpgsqlParameter<string> { TypedValue = state.CaseNo });
        p.Add(new NpgsqlParameter<int> { TypedValue = state.Version });
        p.Add(new NpgsqlParameter<string> { TypedValue = JsonSerializer.Serialize(state, Json), NpgsqlDbType = NpgsqlDbType.Jsonb });
        p.Add(new NpgsqlParameter<string> { TypedValue = JsonSerializer.Serialize(applicant, Json), NpgsqlDbType = NpgsqlDbType.Jsonb });
        p.Add(new NpgsqlParameter<byte[]> { TypedValue = hash });
        AddSummaryParameters(p, summary);
        p.Add(new NpgsqlParameter<string> { TypedValue = canonical });
        p.Add(new NpgsqlParameter<byte[]> { TypedValue = previousHash });
        p.Add(new NpgsqlParameter<string> { TypedValue = PostgresNotificationOutbox.EntriesJson(notifications), NpgsqlDbType = NpgsqlDbType.Jsonb });
        await command.PrepareAsync(cancellationToken);
        try
        {
            return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UntranslatableCharacter)
        {
            throw new ArgumentException($"Case {state.CaseNo}: a text contains U+0000, which jsonb cannot store; the caller must refuse control characters.", nameof(state), e);
        }
    }

    /// <remarks>
    /// Only while the row is still at <see cref="CaseSummary.Version"/>: a refresh computed from an older state
    /// (a deadline timer racing a transition) must not overwrite the projection the newer commit wrote.
    /// </remarks>
    public async Task UpdateSummaryAsync(CaseSummary summary, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(summary);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand("""
            update tongban.case_record
               set item_code = $2, status = $3, department_code = $4, region_code = $5, receiving_hall_code = $6, channel = $7,
                   submitted_at = $8, updated_at = $9, due_date = $10, stage = $11, visits = $12, applicant_id_key = $13,
                   applicant_phone_key = $14, deadline_provisional = $15, elapsed_working_days = $16
             where case_no = $1 and version = $17
            """, connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = summary.CaseNo });
        AddSummaryParameters(command.Parameters, summary);
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = summary.Version });
        await command.PrepareAsync(cancellationToken);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

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

    public async Task<IReadOnlyList<CaseSummary>> QueryAsync(CaseQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Limit <= 0)
        {
            return [];
        }

        await using var command = dataSource.CreateCommand();
        var sql = new StringBuilder($"select {SummaryColumns} from tongban.case_record where true");
        void Equal(string column, string? value)
        {
            if (value is not null)
            {
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = value });
                sql.Append(CultureInfo.InvariantCulture, $" and {column} = ${command.Parameters.Count}");
            }
        }

        void AnyOf(string column, IReadOnlyList<string>? values)
        {
            if (values is not null)
            {
                // = any(array) stays an index scan on the (key, submitted_at) indexes: one probe per candidate key.
                command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. values] });
                sql.Append(CultureInfo.InvariantCulture, $" and {column} = any(${command.Parameters.Count})");
            }
        }

        Equal("applicant_id_key", query.ApplicantIdKey);
        Equal("applicant_phone_key", query.ApplicantPhoneKey);
        AnyOf("applicant_id_key", query.ApplicantIdKeys);
        AnyOf("applicant_phone_key", query.ApplicantPhoneKeys);
        Equal("receiving_hall_code", query.HallCode);
        Equal("department_code", query.DepartmentCode);
        Equal("status", query.Status is { } status ? CaseNames.Of(status) : null);
        if (query.RegionCode is not null && !AddRegionFilter(command, sql, query.RegionCode))
        {
            return [];
        }

        if (query.OverdueOnly)
        {
            sql.Append(" and stage = 'overdue'");
        }

        if (query.OpenOnly)
        {
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = FinalStatuses });
            sql.Append(CultureInfo.InvariantCulture, $" and status <> all(${command.Parameters.Count})");
        }

        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = query.Limit });
        sql.Append(CultureInfo.InvariantCulture, $" order by submitted_at desc, case_no limit ${command.Parameters.Count}");
        command.CommandText = sql.ToString();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<CaseSummary>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(ReadSummary(reader));
        }

        return rows;
    }

    public async Task<IReadOnlyList<OneVisitFigure>> OneVisitAsync(string? itemCode, string? regionCode, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand();
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = CaseNames.Of(CaseStatus.Delivered) });
        var sql = new StringBuilder("""
            select item_code, region_code, count(*)::int, (count(*) filter (where visits <= 1))::int, avg(elapsed_working_days)::float8
              from tongban.case_record
             where status = $1
            """);
        if (itemCode is not null)
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = itemCode });
            sql.Append(CultureInfo.InvariantCulture, $" and item_code = ${command.Parameters.Count}");
        }

        if (regionCode is not null && !AddRegionFilter(command, sql, regionCode))
        {
            return [];
        }

        sql.Append(" group by item_code, region_code order by item_code, region_code");
        command.CommandText = sql.ToString();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var figures = new List<OneVisitFigure>();
        while (await reader.ReadAsync(cancellationToken))
        {
            figures.Add(new OneVisitFigure(reader.GetString(0), reader.GetString(1), reader.GetInt32(2), reader.GetInt32(3),
                reader.IsDBNull(4) ? null : reader.GetDouble(4)));
        }

        return figures;
    }

    public async Task<IReadOnlyList<OnTimeFigure>> OnTimeAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            select region_code, count(*)::int, (count(*) filter (where stage <> 'overdue'))::int
              from tongban.case_record
             where status = any($1)
             group by region_code
             order by region_code
            """);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. CaseFigures.Finished.Select(CaseNames.Of)] });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var figures = new List<OnTimeFigure>();
        while (await reader.ReadAsync(cancellationToken))
        {
            figures.Add(new OnTimeFigure(reader.GetString(0), reader.GetInt32(1), reader.GetInt32(2)));
        }

        return figures;
    }

    public async Task<IReadOnlyList<FlowFigure>> FlowsAsync(CancellationToken cancellationToken)
    {
        // The receiving region is the first six characters of the hall code (520102-H001 → 520102), as CaseFigures.RegionOfHall.
        await using var command = dataSource.CreateCommand("""
            select left(receiving_hall_code, 6) as from_region, region_code, count(*)::int as cases
              from tongban.case_record
             where length(receiving_hall_code) >= 6 and left(receiving_hall_code, 6) <> region_code
             group by 1, 2
             order by cases desc, from_region, region_code
            """);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var figures = new List<FlowFigure>();
        while (await reader.ReadAsync(cancellationToken))
        {
            figures.Add(new FlowFigure(reader.GetString(0), reader.GetString(1), reader.GetInt32(2)));
        }

        return figures;
    }

    /// <remarks>
    /// Walks the table in case-number order, <see cref="RebuildBatchSize"/> rows per read and per update, each
    /// batch its own short transaction (a long one would hold back the sealer and vacuum). A row committed
    /// between the read and the update keeps the projection its commit wrote (the update is guarded by version),
    /// so running it while cases move is safe, and running it twice writes the same values.
    /// </remarks>
    public async Task<int> RebuildProjectionAsync(Func<CaseState, ApplicantRecord, CaseSummary> project, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(project);
        var written = 0;
        var after = "";
        while (true)
        {
            var batch = new List<(int Version, CaseSummary Summary)>(RebuildBatchSize);
            await using (var read = dataSource.CreateCommand(
                "select case_no, version, state::text, applicant::text from tongban.case_record where case_no > $1 order by case_no limit $2"))
            {
                read.Parameters.Add(new NpgsqlParameter<string> { TypedValue = after });
                read.Parameters.Add(new NpgsqlParameter<int> { TypedValue = RebuildBatchSize });
                await using var reader = await read.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    after = reader.GetString(0);
                    var state = JsonSerializer.Deserialize<CaseState>(reader.GetString(2), Json)!;
                    var applicant = JsonSerializer.Deserialize<ApplicantRecord>(reader.GetString(3), Json)!;
                    var summary = project(state, applicant);
                    if (summary.CaseNo != after)
                    {
                        throw new InvalidOperationException($"The projection of case {after} names case {summary.CaseNo}.");
                    }

                    batch.Add((reader.GetInt32(1), summary));
                }
            }

            if (batch.Count == 0)
            {
                return written;
            }

            written += await WriteProjectionAsync(batch, cancellationToken);
            if (batch.Count < RebuildBatchSize)
            {
                return written;
            }
        }
    }

    private async Task<int> WriteProjectionAsync(List<(int Version, CaseSummary Summary)> batch, CancellationToken cancellationToken)
    {
        T[] Column<T>(Func<CaseSummary, T> pick) => [.. batch.Select(b => pick(b.Summary))];
        await using var command = dataSource.CreateCommand("""
            update tongban.case_record r
               set item_code = u.item_code, status = u.status, department_code = u.department_code, region_code = u.region_code,
                   receiving_hall_code = u.receiving_hall_code, channel = u.channel, submitted_at = u.submitted_at,
                   updated_at = u.updated_at, due_date = u.due_date, stage = u.stage, visits = u.visits,
                   applicant_id_key = u.applicant_id_key, applicant_phone_key = u.applicant_phone_key,
                   deadline_provisional = u.deadline_provisional, elapsed_working_days = u.elapsed_working_days
              from unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                          $9::timestamptz[], $10::timestamptz[], $11::date[], $12::text[], $13::int[], $14::text[], $15::text[],
                          $16::bool[], $17::int[])
                   as u (case_no, version, item_code, status, department_code, region_code, receiving_hall_code, channel,
                         submitted_at, updated_at, due_date, stage, visits, applicant_id_key, applicant_phone_key,
                         deadline_provisional, elapsed_working_days)
             where r.case_no = u.case_no and r.version = u.version
            """);
        var p = command.Parameters;
        p.Add(new NpgsqlParameter<string[]> { TypedValue = Column(s => s.CaseNo) });
        p.Add(new NpgsqlParameter<int[]> { TypedValue = [.. batch.Select(b => b.Version)] });
        p.Add(new NpgsqlParameter<string[]> { TypedValue = Column(s => s.ItemCode) });
        p.Add(new NpgsqlParameter<string[]> { TypedValue = Column(s => CaseNames.Of(s.Status)) });
        p.Add(new NpgsqlParameter<string[]> { TypedValue = Column(s => s.DepartmentCode) });
        p.Add(new NpgsqlParameter<string[]> { TypedValue = Column(s => s.RegionCode) });
        p.Add(new NpgsqlParameter<string?[]> { TypedValue = Column(s => s.ReceivingHallCode) });
        p.Add(new NpgsqlParameter<string[]> { TypedValue = Column(s => CaseNames.Of(s.Channel)) });
        p.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = Column(s => s.SubmittedAt.ToUniversalTime()) });
        p.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = Column(s => s.UpdatedAt.ToUniversalTime()) });
        p.Add(new NpgsqlParameter<DateOnly?[]> { TypedValue = Column(s => s.DueDate) });
        p.Add(new NpgsqlParameter<string[]> { TypedValue = Column(s => s.Stage) });
        p.Add(new NpgsqlParameter<int[]> { TypedValue = Column(s => s.Visits) });
        p.Add(new NpgsqlParameter<string[]> { TypedValue = Column(s => s.ApplicantIdKey) });
        p.Add(new NpgsqlParameter<string[]> { TypedValue = Column(s => s.ApplicantPhoneKey) });
        p.Add(new NpgsqlParameter<bool[]> { TypedValue = Column(s => s.DeadlineProvisional) });
        p.Add(new NpgsqlParameter<int?[]> { TypedValue = Column(s => s.ElapsedWorkingDays) });
        return await command.ExecuteNonQueryAsync(cancellationToken);
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

    /// <summary>Appends region_code conditions for "this region or inside it"; false when the code cannot cover anything.</summary>
    private static bool AddRegionFilter(NpgsqlCommand command, StringBuilder sql, string regionCode)
    {
        // GB/T 2260: 52 0000 is the province, 52 01 00 a prefecture, 52 01 02 a county (CaseStateMachine.RegionCovers).
        if (regionCode is not { Length: 6 } || !regionCode.All(char.IsAsciiDigit) || !regionCode.StartsWith("52", StringComparison.Ordinal))
        {
            return false;
        }

        var prefix = regionCode.EndsWith("0000", StringComparison.Ordinal) ? regionCode[..2]
            : regionCode.EndsWith("00", StringComparison.Ordinal) ? regionCode[..4]
            : null;
        if (prefix is null)
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = regionCode });
            sql.Append(CultureInfo.InvariantCulture, $" and region_code = ${command.Parameters.Count}");
            return true;
        }

        // A range on the "C"-collated column, so the department index serves it: [5201, 5202) is everything under 5201.
        var upper = prefix[..^1] + (char)(prefix[^1] + 1);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = prefix });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = upper });
        sql.Append(CultureInfo.InvariantCulture, $" and region_code >= ${command.Parameters.Count - 1} and region_code < ${command.Parameters.Count}");
        return true;
    }

    /// <summary>$6..$20 of the commit statements, $2..$16 of the summary update: the projection columns in table order.</summary>
    private static void AddSummaryParameters(NpgsqlParameterCollection p, CaseSummary s)
    {
        p.Add(new NpgsqlParameter<string> { TypedValue = s.ItemCode });
        p.Add(new NpgsqlParameter<string> { TypedValue = CaseNames.Of(s.Status) });
        p.Add(new NpgsqlParameter<string> { TypedValue = s.DepartmentCode });
        p.Add(new NpgsqlParameter<string> { TypedValue = s.RegionCode });
        p.Add(new NpgsqlParameter { Value = (object?)s.ReceivingHallCode ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        p.Add(new NpgsqlParameter<string> { TypedValue = CaseNames.Of(s.Channel) });
        // Npgsql writes timestamptz from UTC values only; the offset is restored (China time) when read.
        p.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = s.SubmittedAt.ToUniversalTime() });
        p.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = s.UpdatedAt.ToUniversalTime() });
        p.Add(new NpgsqlParameter { Value = s.DueDate is { } due ? due : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Date });
        p.Add(new NpgsqlParameter<string> { TypedValue = s.Stage });
        p.Add(new NpgsqlParameter<int> { TypedValue = s.Visits });
        p.Add(new NpgsqlParameter<string> { TypedValue = s.ApplicantIdKey });
        p.Add(new NpgsqlParameter<string> { TypedValue = s.ApplicantPhoneKey });
        p.Add(new NpgsqlParameter<bool> { TypedValue = s.DeadlineProvisional });
        p.Add(new NpgsqlParameter { Value = s.ElapsedWorkingDays is { } days ? days : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer });
    }

    /// <summary>Verification reads whole tables; the default 30 s command timeout would fail it on a large log.</summary>
    private static NpgsqlCommand Unbounded(string sql, NpgsqlConnection connection, NpgsqlTransaction transaction) =>
        new(sql, connection, transaction) { CommandTimeout = 0 };

    private static DateTimeOffset Exact(DateTimeOffset column, DateTimeOffset state) =>
        column.UtcTicks == state.UtcTicks - (state.UtcTicks % 10) ? state : column;

    /// <summary>Columns 0..16 as listed in <see cref="SummaryColumns"/>.</summary>
    private static CaseSummary ReadSummary(NpgsqlDataReader r) => new(
        r.GetString(0),
        r.GetString(1),
        StatusByName[r.GetString(2)],
        r.GetString(3),
        r.GetString(4),
        r.IsDBNull(5) ? null : r.GetString(5),
        ChannelByName[r.GetString(6)],
        r.GetFieldValue<DateTimeOffset>(7).ToOffset(ChinaTime.Offset),
        r.GetFieldValue<DateTimeOffset>(8).ToOffset(ChinaTime.Offset),
        r.IsDBNull(9) ? null : r.GetFieldValue<DateOnly>(9),
        r.GetString(10),
        r.GetInt32(11),
        r.GetInt32(12),
        r.GetString(13),
        r.GetString(14),
        r.GetBoolean(15),
        r.IsDBNull(16) ? null : r.GetInt32(16));

    /// <summary>
    /// Refuses wiring errors before anything is written: the summary and entry must describe the committed
    /// version, and the entry's hash must be the link the verifier will recompute. Returns the canonical text.
    /// </summary>
    private static string CheckCommit(CaseState state, ApplicantRecord applicant, CaseSummary summary, CaseTimelineEntry entry, byte[] previousHash, byte[] hash)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(applicant);
        ArgumentNullException.ThrowIfNull(summary);
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(previousHash);
        ArgumentNullException.ThrowIfNull(hash);
        ArgumentOutOfRangeException.ThrowIfLessThan(state.Version, 1);
        if (summary.CaseNo != state.CaseNo || summary.Version != state.Version)
        {
            throw new ArgumentException($"The summary is of {summary.CaseNo} v{summary.Version}, the state of {state.CaseNo} v{state.Version}.", nameof(summary));
        }

        if (entry.CaseNo != state.CaseNo || entry.Version != state.Version)
        {
            throw new ArgumentException($"The audit entry is of {entry.CaseNo} v{entry.Version}, the state of {state.CaseNo} v{state.Version}.", nameof(entry));
        }

        if (state.Version == 1 && !previousHash.AsSpan().SequenceEqual(AuditChain.Genesis))
        {
            throw new ArgumentException("The first entry of a case links to the genesis hash.", nameof(previousHash));
        }

        var canonical = AuditChain.Canonical(entry);
        if (!AuditChain.Links(previousHash, canonical, hash))
        {
            throw new ArgumentException($"The hash of {state.CaseNo} v{state.Version} is not AuditChain.Link(previousHash, canonical entry) with the algorithm it names.", nameof(hash));
        }

        return canonical;
    }
}
