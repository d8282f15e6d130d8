using System.Text.Json;
using System.Text.Json.Serialization;
using Npgsql;
using NpgsqlTypes;
using TongBan.Grains.Notifications;

namespace TongBan.Silo.Postgres;

/// <summary>
/// The outbox in <c>tongban.notification</c> (migration 0008). Case steps write their rows inside the case commit
/// (<see cref="PostgresCaseStore"/>); other writers use <see cref="EnqueueAsync"/>. Leases are taken with
/// <c>FOR UPDATE SKIP LOCKED</c>: concurrent dispatchers on other silos skip the rows one is taking instead of
/// waiting for it, and a row whose lease expired (its dispatcher died) is taken again.
/// </summary>
public sealed class PostgresNotificationOutbox(NpgsqlDataSource dataSource) : INotificationOutbox
{
    private const string Columns =
        "id, event_id, channel, recipient_key, subject, recipient_masked, sealed_address, template, parameters::text, state, reason, attempts, " +
        "created_at, next_attempt_at, sent_at, delivered_at, receipt, last_error";

    private static readonly JsonSerializerOptions EntryJson = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>The entries as the jsonb array the insert statements read with <c>jsonb_to_recordset</c>.</summary>
    public static string EntriesJson(IReadOnlyList<OutboxEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        return entries.Count == 0 ? "[]" : JsonSerializer.Serialize(entries.Select(e => new EntryRow(
            e.EventId, NotificationNames.Of(e.Channel), e.RecipientKey, e.Subject, e.RecipientMasked,
            e.SealedAddress is null ? null : Convert.ToBase64String(e.SealedAddress), e.Template, e.Parameters, e.SuppressedReason, e.NotBefore?.ToUniversalTime())), EntryJson);
    }

    public async Task<int> EnqueueAsync(IReadOnlyList<OutboxEntry> entries, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0)
        {
            return 0;
        }

        await using var command = dataSource.CreateCommand("""
            insert into tongban.notification (event_id, channel, recipient_key, subject, recipient_masked, sealed_address, template,
                parameters, state, reason, created_at, next_attempt_at)
            select n.event_id, n.channel, n.recipient_key, n.subject, n.recipient_masked, decode(n.sealed_address, 'base64'), n.template,
                   n.parameters, case when n.reason is null then 'queued' else 'suppressed' end, n.reason, $2, coalesce(n.not_before, $2)
              from jsonb_to_recordset($1) as n(event_id text, channel text, recipient_key text, subject text,
                   recipient_masked text, sealed_address text, template text, parameters jsonb, reason text, not_before timestamptz)
            on conflict (event_id, channel, recipient_key) do nothing
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = EntriesJson(entries), NpgsqlDbType = NpgsqlDbType.Jsonb });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now.ToUniversalTime() });
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<NotificationRecord>> LeaseDueAsync(string owner, DateTimeOffset now, int max, TimeSpan lease, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            with due as (
                select id from tongban.notification
                 where state = 'queued' and next_attempt_at <= $2 and (lease_until is null or lease_until <= $2)
                 order by next_attempt_at
                 limit $3
                 for update skip locked
            )
            update tongban.notification n set lease_owner = $1, lease_until = $4
              from due where n.id = due.id
            returning {Prefixed("n.")}
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = owner });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now.ToUniversalTime() });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = max });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = (now + lease).ToUniversalTime() });
        var records = await ReadAsync(command, cancellationToken);
        return [.. records.OrderBy(r => r.NextAttemptAt).ThenBy(r => r.Id)];
    }

    public async Task<bool> UpdateAsync(long id, string owner, NotificationUpdate update, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(update);
        await using var command = dataSource.CreateCommand("""
            update tongban.notification
               set state = $3, reason = $4, attempts = $5, next_attempt_at = $6, sent_at = coalesce($7, sent_at),
                   receipt = coalesce($8, receipt), last_error = $9, lease_owner = null, lease_until = null
             where id = $1 and lease_owner = $2
            """);
        var p = command.Parameters;
        p.Add(new NpgsqlParameter<long> { TypedValue = id });
        p.Add(new NpgsqlParameter<string> { TypedValue = owner });
        p.Add(new NpgsqlParameter<string> { TypedValue = NotificationNames.Of(update.State) });
        p.Add(Text(update.Reason));
        p.Add(new NpgsqlParameter<int> { TypedValue = update.Attempts });
        p.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = update.NextAttemptAt.ToUniversalTime() });
        p.Add(new NpgsqlParameter { Value = update.SentAt is { } sent ? sent.ToUniversalTime() : DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        p.Add(Text(update.Receipt));
        p.Add(Text(update.LastError is { Length: > 2000 } error ? error[..2000] : update.LastError));
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<int> CountSentAsync(string recipientKey, NotificationChannel channel, DateTimeOffset since, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "select count(*) from tongban.notification where recipient_key = $1 and channel = $2 and sent_at >= $3");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = recipientKey });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = NotificationNames.Of(channel) });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = since.ToUniversalTime() });
        return (int)(long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task<bool> IsOptedOutAsync(string recipientKey, NotificationChannel channel, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "select exists (select 1 from tongban.notification_opt_out where recipient_key = $1 and channel = $2)");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = recipientKey });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = NotificationNames.Of(channel) });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task OptOutAsync(string recipientKey, NotificationChannel channel, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "insert into tongban.notification_opt_out (recipient_key, channel, opted_out_at) values ($1, $2, $3) on conflict do nothing");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = recipientKey });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = NotificationNames.Of(channel) });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = at.ToUniversalTime() });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<bool> MarkDeliveredAsync(NotificationChannel channel, string receipt, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "update tongban.notification set state = 'delivered', delivered_at = $3 where channel = $1 and receipt = $2 and state = 'sent'");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = NotificationNames.Of(channel) });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = receipt });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = at.ToUniversalTime() });
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    public async Task<bool> MarkUndeliveredAsync(NotificationChannel channel, string receipt, string error, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "update tongban.notification set state = 'failed', last_error = $3 where channel = $1 and receipt = $2 and state = 'sent'");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = NotificationNames.Of(channel) });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = receipt });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = error });
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    public async Task<int> SuppressQueuedAsync(string subject, IReadOnlyCollection<string> templates, string reason, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(templates);
        await using var command = dataSource.CreateCommand(
            "update tongban.notification set state = 'suppressed', reason = $3 " +
            "where subject = $1 and state = 'queued' and template = any($2) and (lease_until is null or lease_until <= $4)");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = subject });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. templates] });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = reason });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now.ToUniversalTime() });
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<NotificationRecord>> ListBySubjectAsync(string subject, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"select {Columns} from tongban.notification where subject = $1 order by id");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = subject });
        return await ReadAsync(command, cancellationToken);
    }

    public async Task<NotificationRecord?> GetAsync(long id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"select {Columns} from tongban.notification where id = $1");
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = id });
        return (await ReadAsync(command, cancellationToken)).FirstOrDefault();
    }

    public async Task<OutboxStats> StatsAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            select count(*) filter (where state = 'queued'),
                   count(*) filter (where state = 'queued' and lease_until > $1),
                   count(*) filter (where state = 'sent'),
                   count(*) filter (where state = 'delivered'),
                   count(*) filter (where state = 'failed'),
                   count(*) filter (where state = 'dead'),
                   count(*) filter (where state = 'suppressed'),
                   min(created_at) filter (where state = 'queued')
              from tongban.notification
            """);
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now.ToUniversalTime() });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        int At(int i) => (int)reader.GetInt64(i);
        return new OutboxStats(At(0), At(1), At(2), At(3), At(4), At(5), At(6), reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7));
    }

    public async Task<IReadOnlyList<NotificationRecord>> FailuresAsync(int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"select {Columns} from tongban.notification where state in ('failed', 'dead') order by id desc limit $1");
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        return await ReadAsync(command, cancellationToken);
    }

    public async Task<bool> RetryDeadAsync(long id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "update tongban.notification set state = 'queued', reason = null, attempts = 0, next_attempt_at = $2 where id = $1 and state = 'dead'");
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now.ToUniversalTime() });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    private static string Prefixed(string prefix) => string.Join(", ", Columns.Split(", ").Select(c => prefix + c));

    private static NpgsqlParameter Text(string? value) => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text };

    private static async Task<IReadOnlyList<NotificationRecord>> ReadAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var records = new List<NotificationRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            NotificationNames.TryParse(reader.GetString(2), out var channel);
            DateTimeOffset? Optional(int i) => reader.IsDBNull(i) ? null : reader.GetFieldValue<DateTimeOffset>(i);
            string? OptionalText(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
            var state = NotificationNames.ParseState(reader.GetString(9));
            var entry = new OutboxEntry(
                reader.GetString(1), reader.GetString(4), channel, reader.GetString(3), reader.GetString(5),
                reader.IsDBNull(6) ? null : reader.GetFieldValue<byte[]>(6), reader.GetString(7),
                JsonSerializer.Deserialize<string[]>(reader.GetString(8))!, state == NotificationState.Suppressed ? OptionalText(10) : null);
            records.Add(new NotificationRecord(
                reader.GetInt64(0), entry, state, OptionalText(10), reader.GetInt32(11), reader.GetFieldValue<DateTimeOffset>(12),
                reader.GetFieldValue<DateTimeOffset>(13), Optional(14), Optional(15), OptionalText(16), OptionalText(17)));
        }

        return records;
    }

    private sealed record EntryRow(
        string EventId, string Channel, string RecipientKey, string Subject, string RecipientMasked, string? SealedAddress, string Template,
        IReadOnlyList<string> Parameters, [property: JsonPropertyName("reason")] string? SuppressedReason, DateTimeOffset? NotBefore);
}
