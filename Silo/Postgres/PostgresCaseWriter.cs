using System.Data;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using TongBan.Grains.Cases;
using TongBan.Grains.Identity;
using TongBan.Grains.Notifications;
using static TongBan.Silo.Postgres.CaseRecordColumns;

namespace TongBan.Silo.Postgres;

/// <summary>
/// The per-transition path of a case: load, commit (case row, audit entry and queued notifications in one
/// statement) and projection refresh, on <c>tongban.case_record</c> and <c>tongban.case_audit</c> (migration 0006).
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
/// Cost: a transition is one statement (case row and audit entry together, one round trip). The statements of
/// the per-transition path (load, commit, summary refresh, audit read) are prepared: Npgsql keeps explicitly
/// prepared statements on each pooled physical connection (its pool reset then skips DEALLOCATE), so after the
/// first use per connection they run without parse and plan, which were half of the server time of a commit.
/// </para>
/// </remarks>
public sealed class PostgresCaseWriter(NpgsqlDataSource dataSource)
{
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
