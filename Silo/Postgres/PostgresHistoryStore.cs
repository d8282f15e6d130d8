using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text;
using Npgsql;
using TongBan.Grains.Common;
using TongBan.Grains.History;
using TongBan.Grains.Queues;
using TongBan.Grains.Windows;

namespace TongBan.Silo.Postgres;

/// <summary>
/// Service history in the month-partitioned <c>tongban.history_*</c> tables (migration 0009). A batch is one round trip:
/// the missing months' partitions first (once per month and process), then one multi-row <c>insert … select from
/// unnest(…)</c> per table, in one transaction; a row already stored is skipped, so a retried batch is harmless.
/// Queries stream rows from a reader (never a list), so an export of a year is never held in memory.
/// </summary>
public sealed class PostgresHistoryStore(NpgsqlDataSource dataSource) : IHistoryStore
{
    private readonly ConcurrentDictionary<DateOnly, bool> months = new();

    public async Task AppendAsync(HistoryBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Count == 0)
        {
            return;
        }

        await EnsureMonthsAsync(batch.Tickets.Select(t => t.Day).Concat(batch.Activities.Select(a => a.Day)).Concat(batch.Links.Select(l => l.Day)), cancellationToken);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        await using var npgsqlBatch = new NpgsqlBatch(connection, tx);
        if (batch.Tickets.Count > 0)
        {
            var t = batch.Tickets;
            var command = new NpgsqlBatchCommand("""
                insert into tongban.history_ticket (hall_code, region_code, day, ticket_no, category, outcome, window_no, clerk, item, taken_at,
                    called_at, started_at, at, wait_seconds, service_seconds, parked_seconds, kind, note)
                select * from unnest($1::text[], $2::text[], $3::date[], $4::text[], $5::text[], $6::text[], $7::integer[], $8::text[], $9::text[],
                    $10::timestamptz[], $11::timestamptz[], $12::timestamptz[], $13::timestamptz[], $14::integer[], $15::integer[], $16::integer[],
                    $17::text[], $18::text[])
                on conflict do nothing
                """);
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. t.Select(x => x.HallCode)] });
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. t.Select(x => x.RegionCode)] });
            command.Parameters.Add(new NpgsqlParameter<DateOnly[]> { TypedValue = [.. t.Select(x => x.Day)] });
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. t.Select(x => x.TicketNo)] });
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. t.Select(x => x.Category)] });
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. t.Select(x => OutcomeName(x.Outcome))] });
            command.Parameters.Add(new NpgsqlParameter<int?[]> { TypedValue = [.. t.Select(x => x.WindowNo)] });
            command.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = [.. t.Select(x => x.Clerk)] });
            command.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = [.. t.Select(x => x.Item)] });
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = [.. t.Select(x => x.TakenAt.ToUniversalTime())] });
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset?[]> { TypedValue = [.. t.Select(x => x.CalledAt?.ToUniversalTime())] });
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset?[]> { TypedValue = [.. t.Select(x => x.StartedAt?.ToUniversalTime())] });
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = [.. t.Select(x => x.At.ToUniversalTime())] });
            command.Parameters.Add(new NpgsqlParameter<int?[]> { TypedValue = [.. t.Select(x => x.WaitSeconds)] });
            command.Parameters.Add(new NpgsqlParameter<int?[]> { TypedValue = [.. t.Select(x => x.ServiceSeconds)] });
            command.Parameters.Add(new NpgsqlParameter<int?[]> { TypedValue = [.. t.Select(x => x.ParkedSeconds)] });
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. t.Select(x => KindName(x.Kind))] });
            command.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = [.. t.Select(x => x.Note)] });
            npgsqlBatch.BatchCommands.Add(command);
        }

        if (batch.Activities.Count > 0)
        {
            var a = batch.Activities;
            var command = new NpgsqlBatchCommand("""
                insert into tongban.history_window (hall_code, region_code, day, window_no, clerk, kind, start_at, end_at, reason)
                select * from unnest($1::text[], $2::text[], $3::date[], $4::integer[], $5::text[], $6::text[], $7::timestamptz[], $8::timestamptz[], $9::text[])
                on conflict do nothing
                """);
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. a.Select(x => x.HallCode)] });
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. a.Select(x => x.RegionCode)] });
            command.Parameters.Add(new NpgsqlParameter<DateOnly[]> { TypedValue = [.. a.Select(x => x.Day)] });
            command.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = [.. a.Select(x => x.WindowNo)] });
            command.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = [.. a.Select(x => x.Clerk)] });
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. a.Select(x => x.Kind == WindowActivityKind.Session ? "session" : "pause")] });
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = [.. a.Select(x => x.Start.ToUniversalTime())] });
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = [.. a.Select(x => x.End.ToUniversalTime())] });
            command.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = [.. a.Select(x => x.Reason is { } r ? PauseReasonWire.Name(r) : null)] });
            npgsqlBatch.BatchCommands.Add(command);
        }

        if (batch.Links.Count > 0)
        {
            var l = batch.Links;
            var command = new NpgsqlBatchCommand("""
                insert into tongban.history_case_link (case_no, hall_code, region_code, day, ticket_no, item_code, window_no, clerk, at)
                select * from unnest($1::text[], $2::text[], $3::text[], $4::date[], $5::text[], $6::text[], $7::integer[], $8::text[], $9::timestamptz[])
                on conflict do nothing
                """);
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. l.Select(x => x.CaseNo)] });
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. l.Select(x => x.HallCode)] });
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. l.Select(x => x.RegionCode)] });
            command.Parameters.Add(new NpgsqlParameter<DateOnly[]> { TypedValue = [.. l.Select(x => x.Day)] });
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. l.Select(x => x.TicketNo)] });
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. l.Select(x => x.ItemCode)] });
            command.Parameters.Add(new NpgsqlParameter<int?[]> { TypedValue = [.. l.Select(x => x.WindowNo)] });
            command.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = [.. l.Select(x => x.Clerk)] });
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = [.. l.Select(x => x.At.ToUniversalTime())] });
            npgsqlBatch.BatchCommands.Add(command);
        }

        await npgsqlBatch.ExecuteNonQueryAsync(cancellationToken);
        await tx.CommitAsync(cancellationToken);
    }

    /// <summary>Creates the partitions of the months of <paramref name="days"/> not yet known to exist (also used ahead of time by the retention job).</summary>
    public async Task EnsureMonthsAsync(IEnumerable<DateOnly> days, CancellationToken cancellationToken)
    {
        foreach (var month in days.Select(d => new DateOnly(d.Year, d.Month, 1)).Distinct())
        {
            if (months.ContainsKey(month))
            {
                continue;
            }

            await using var command = dataSource.CreateCommand("select tongban.history_ensure_month($1)");
            command.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = month });
            await command.ExecuteNonQueryAsync(cancellationToken);
            months[month] = true;
        }
    }

    public async Task<int> DropBeforeAsync(DateOnly cutoff, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("select tongban.history_drop_before($1)");
        command.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = cutoff });
        var dropped = (int)(await command.ExecuteScalarAsync(cancellationToken))!;
        foreach (var month in months.Keys.Where(m => m.AddMonths(1) <= new DateOnly(cutoff.Year, cutoff.Month, 1)))
        {
            months.TryRemove(month, out _);
        }

        return dropped;
    }

    public async IAsyncEnumerable<TicketOutcome> TicketsAsync(HistoryQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var sql = new StringBuilder("""
            select t.hall_code, t.region_code, t.day, t.ticket_no, t.category, t.outcome, t.window_no, t.clerk, coalesce(t.item, $8), t.taken_at,
                   t.called_at, t.started_at, t.at, t.wait_seconds, t.service_seconds, t.parked_seconds, t.kind, t.note
              from tongban.history_ticket t
             where t.day between $1 and $2
            """);
        Filters(sql, "t", query, item: false);
        if (query.Item is not null)
        {
            // A ticket's item comes from a walk-up's record or from the case it served (号件关联).
            sql.Append("""
                 and (t.item = $8 or exists (select 1 from tongban.history_case_link l
                      where l.hall_code = t.hall_code and l.day = t.day and l.ticket_no = t.ticket_no and l.item_code = $8))
                """);
        }

        sql.Append(" order by t.day, t.at");
        await using var command = Command(sql.ToString(), query);
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return new TicketOutcome(
                reader.GetString(0), reader.GetString(1), reader.GetFieldValue<DateOnly>(2), reader.GetString(3), reader.GetString(4), ParseOutcome(reader.GetString(5)),
                IntOrNull(reader, 6), TextOrNull(reader, 7), TextOrNull(reader, 8), Time(reader, 9), TimeOrNull(reader, 10), TimeOrNull(reader, 11), Time(reader, 12),
                IntOrNull(reader, 13), IntOrNull(reader, 14), IntOrNull(reader, 15), ParseKind(reader.GetString(16)), TextOrNull(reader, 17));
        }
    }

    public async IAsyncEnumerable<WindowActivity> ActivitiesAsync(HistoryQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var sql = new StringBuilder("""
            select t.hall_code, t.region_code, t.window_no, t.clerk, t.kind, t.start_at, t.end_at, t.reason
              from tongban.history_window t
             where t.day between $1 and $2
            """);
        Filters(sql, "t", query, item: false, category: false);
        sql.Append(" order by t.day, t.start_at");
        await using var command = Command(sql.ToString(), query);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return new WindowActivity(
                reader.GetString(0), reader.GetString(1), reader.GetInt32(2), TextOrNull(reader, 3),
                reader.GetString(4) == "session" ? WindowActivityKind.Session : WindowActivityKind.Pause, Time(reader, 5), Time(reader, 6),
                reader.IsDBNull(7) ? null : PauseReasonWire.TryParse(reader.GetString(7), out var r) ? r : PauseReason.Other);
        }
    }

    public async IAsyncEnumerable<CaseTicketLink> CaseLinksAsync(HistoryQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var sql = new StringBuilder("""
            select t.case_no, t.hall_code, t.region_code, t.day, t.ticket_no, t.item_code, t.window_no, t.clerk, t.at
              from tongban.history_case_link t
             where t.day between $1 and $2
            """);
        Filters(sql, "t", query, item: false, category: false);
        if (query.Item is not null)
        {
            sql.Append(" and t.item_code = $8");
        }

        sql.Append(" order by t.day, t.at");
        await using var command = Command(sql.ToString(), query);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return new CaseTicketLink(
                reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<DateOnly>(3), reader.GetString(4), reader.GetString(5),
                IntOrNull(reader, 6), TextOrNull(reader, 7), Time(reader, 8));
        }
    }

    public async Task<IReadOnlyDictionary<string, int>> VisitsAsync(IReadOnlyCollection<string> caseNos, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caseNos);
        var visits = new Dictionary<string, int>(StringComparer.Ordinal);
        if (caseNos.Count == 0)
        {
            return visits;
        }

        await using var command = dataSource.CreateCommand("""
            select case_no, count(distinct (hall_code, day, ticket_no))::integer from tongban.history_case_link
             where case_no = any($1) group by case_no
            """);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. caseNos] });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            visits[reader.GetString(0)] = reader.GetInt32(1);
        }

        return visits;
    }

    public static string OutcomeName(TicketOutcomeKind kind) => kind switch
    {
        TicketOutcomeKind.Served => "served",
        TicketOutcomeKind.NoShow => "noShow",
        TicketOutcomeKind.Cancelled => "cancelled",
        TicketOutcomeKind.Transferred => "transferred",
        TicketOutcomeKind.Parked => "parked",
        TicketOutcomeKind.Unparked => "unparked",
        _ => "walkUp",
    };

    private static TicketOutcomeKind ParseOutcome(string name) =>
        Enum.GetValues<TicketOutcomeKind>().First(k => OutcomeName(k) == name);

    private static string KindName(TicketKind kind) => kind.ToString();

    private static TicketKind ParseKind(string name) => Enum.TryParse<TicketKind>(name, out var kind) ? kind : TicketKind.WalkIn;

    /// <summary>Parameters $1–$8 are always bound (from, to, hall, region prefix, window, clerk, category, item); filters use those set.</summary>
    private static void Filters(StringBuilder sql, string t, HistoryQuery q, bool item, bool category = true)
    {
        if (q.HallCode is not null)
        {
            sql.Append(" and ").Append(t).Append(".hall_code = $3");
        }

        if (q.RegionPrefix is not null)
        {
            sql.Append(" and ").Append(t).Append(".region_code like $4 || '%'");
        }

        if (q.WindowNo is not null)
        {
            sql.Append(" and ").Append(t).Append(".window_no = $5");
        }

        if (q.Clerk is not null)
        {
            sql.Append(" and ").Append(t).Append(".clerk = $6");
        }

        if (category && q.Category is not null)
        {
            sql.Append(" and ").Append(t).Append(".category = $7");
        }

        if (item && q.Item is not null)
        {
            sql.Append(" and ").Append(t).Append(".item = $8");
        }
    }

    private NpgsqlCommand Command(string sql, HistoryQuery q)
    {
        var command = dataSource.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = q.From });
        command.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = q.To });
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = q.HallCode, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = q.RegionPrefix, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<int?> { TypedValue = q.WindowNo, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer });
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = q.Clerk, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = q.Category, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = q.Item, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        return command;
    }

    private static string? TextOrNull(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    private static int? IntOrNull(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetInt32(i);

    private static DateTimeOffset Time(NpgsqlDataReader r, int i) => r.GetFieldValue<DateTimeOffset>(i).ToOffset(ChinaTime.Offset);

    private static DateTimeOffset? TimeOrNull(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : Time(r, i);
}
