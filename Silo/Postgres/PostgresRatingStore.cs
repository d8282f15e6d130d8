using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using TongBan.Grains.Common;
using TongBan.Grains.Ratings;

namespace TongBan.Silo.Postgres;

/// <summary>
/// Ratings in <c>tongban.rating*</c> (migration 0007). Every write is one statement, so it is atomic
/// without an explicit transaction: the rating with its follow-up and opening event, a follow-up step
/// with its event and exclusion. The primary key on the rating id is the guarantee of one rating per
/// ticket and per case, whichever silo or activation writes.
/// </summary>
public sealed class PostgresRatingStore(NpgsqlDataSource dataSource) : IRatingStore
{
    private static readonly JsonSerializerOptions Json = PostgresServicePointStore.Json;

    private const string RatingColumns =
        "r.id, r.kind, r.hall_code, r.service_day, r.ticket_no, r.case_no, r.window_no, r.clerk, r.item_code, r.department_code, " +
        "r.region_code, r.scopes, r.level, r.channel, r.sub_scores::text, r.comment, r.rater_key, r.entered_by, r.service_ended_at, r.created_at, r.day";

    public async Task RecordServiceAsync(ServedTicket served, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(served);
        await using var command = dataSource.CreateCommand("""
            insert into tongban.rating_service (hall_code, day, ticket_no, category, window_no, clerk, finished_at)
            values ($1, $2, $3, $4, $5, $6, $7)
            on conflict (hall_code, day, ticket_no) do nothing
            """);
        command.Parameters.Add(Text(served.HallCode));
        command.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = served.Day });
        command.Parameters.Add(Text(served.TicketNo));
        command.Parameters.Add(Text(served.Category));
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = served.WindowNo });
        command.Parameters.Add(Text(served.Clerk));
        command.Parameters.Add(Time(served.FinishedAt));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>One statement for the whole batch (the served-ticket writer's flush); the first record of a ticket wins.</summary>
    public async Task RecordServicesAsync(IReadOnlyList<ServedTicket> served, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(served);
        if (served.Count == 0)
        {
            return;
        }

        await using var command = dataSource.CreateCommand("""
            insert into tongban.rating_service (hall_code, day, ticket_no, category, window_no, clerk, finished_at)
            select * from unnest($1::text[], $2::date[], $3::text[], $4::text[], $5::integer[], $6::text[], $7::timestamptz[])
            on conflict (hall_code, day, ticket_no) do nothing
            """);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. served.Select(s => s.HallCode)] });
        command.Parameters.Add(new NpgsqlParameter<DateOnly[]> { TypedValue = [.. served.Select(s => s.Day)] });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. served.Select(s => s.TicketNo)] });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. served.Select(s => s.Category)] });
        command.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = [.. served.Select(s => s.WindowNo)] });
        command.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = [.. served.Select(s => s.Clerk)] });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = [.. served.Select(s => s.FinishedAt.ToUniversalTime())] });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<ServedTicket?> FindServiceAsync(string hallCode, DateOnly day, string ticketNo, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "select category, window_no, clerk, finished_at from tongban.rating_service where hall_code = $1 and day = $2 and ticket_no = $3");
        command.Parameters.Add(Text(hallCode));
        command.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = day });
        command.Parameters.Add(Text(ticketNo));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new ServedTicket(hallCode, day, ticketNo, reader.GetString(0), reader.GetInt32(1), reader.IsDBNull(2) ? null : reader.GetString(2), ReadTime(reader, 3))
            : null;
    }

    public async Task<RatingAppend> AppendAsync(RatingRecord rating, FollowUpState? followUp, RatingEvent? opened, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rating);

        // One statement: the rating, and only if it was inserted, its follow-up and opening event.
        await using var command = dataSource.CreateCommand("""
            with ins as (
                insert into tongban.rating (id, kind, hall_code, service_day, ticket_no, case_no, window_no, clerk, item_code,
                    department_code, region_code, scopes, level, channel, sub_scores, comment, rater_key, entered_by,
                    service_ended_at, created_at, day)
                values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)
                on conflict (id) do nothing
                returning id
            ), fu as (
                insert into tongban.rating_followup (rating_id, version, stage, is_open, owner_hall, owner_department, region_code,
                    return_visit_due, reply_due, rv_flagged, reply_flagged, state)
                select id, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32, $33 from ins where $22
            ), ev as (
                insert into tongban.rating_event (rating_id, version, kind, at, actor_role, actor, note, level)
                select id, $23, $34, $35, $36, $37, $38, null from ins where $22
            )
            select count(*) from ins
            """);
        var p = command.Parameters;
        AddRating(p, rating);
        p.Add(new NpgsqlParameter<bool> { TypedValue = followUp is not null });
        AddFollowUpColumns(p, followUp);
        p.Add(Text(opened is null ? null : Name(opened.Kind)));
        p.Add(opened is null ? new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz } : Time(opened.At));
        p.Add(Text(opened?.ActorRole));
        p.Add(Text(opened?.Actor));
        p.Add(Text(opened?.Note));

        var inserted = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        return inserted == 1 ? new RatingAppend(true, null) : new RatingAppend(false, await LoadAsync(rating.Id, cancellationToken));
    }

    public async Task<StoredRating?> LoadAsync(string ratingId, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"select {RatingColumns} from tongban.rating r where r.id = $1") { Parameters = { Text(ratingId) } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand("select state::text from tongban.rating_followup where rating_id = $1") { Parameters = { Text(ratingId) } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand("select reason, decided_by, decided_at from tongban.rating_exclusion where rating_id = $1") { Parameters = { Text(ratingId) } });
        const string Events = "select version, kind, at, actor_role, actor, note, level from tongban.rating_event where rating_id = $1 order by version";
        batch.BatchCommands.Add(new NpgsqlBatchCommand(Events) { Parameters = { Text(ratingId) } });
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        var rating = ReadRating(reader, 0);
        await reader.NextResultAsync(cancellationToken);
        var followUp = await reader.ReadAsync(cancellationToken) ? JsonSerializer.Deserialize<FollowUpState>(reader.GetString(0), Json) : null;
        await reader.NextResultAsync(cancellationToken);
        var exclusion = await reader.ReadAsync(cancellationToken)
            ? new RatingExclusion(ratingId, reader.GetString(0), reader.GetString(1), ReadTime(reader, 2))
            : null;
        await reader.NextResultAsync(cancellationToken);
        var events = new List<RatingEvent>();
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add(new RatingEvent(
                ratingId, reader.GetInt32(0), Enum.Parse<RatingEventKind>(reader.GetString(1), ignoreCase: true), ReadTime(reader, 2),
                reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.IsDBNull(6) ? null : reader.GetInt16(6)));
        }

        return new StoredRating(rating, followUp, exclusion, events);
    }

    public async Task<bool> CommitFollowUpAsync(FollowUpState followUp, RatingEvent e, RatingExclusion? exclusion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(followUp);
        ArgumentNullException.ThrowIfNull(e);

        // Optimistic: only from version − 1; the event and exclusion are written only with the update.
        await using var command = dataSource.CreateCommand("""
            with upd as (
                update tongban.rating_followup
                   set version = $2, stage = $3, is_open = $4, rv_flagged = $5, reply_flagged = $6, state = $7, updated_at = now()
                 where rating_id = $1 and version = $2 - 1
                returning rating_id
            ), ev as (
                insert into tongban.rating_event (rating_id, version, kind, at, actor_role, actor, note, level)
                select rating_id, $2, $8, $9, $10, $11, $12, $13 from upd
            ), ex as (
                insert into tongban.rating_exclusion (rating_id, reason, decided_by, decided_at)
                select rating_id, $15, $16, $17 from upd where $14
            )
            select count(*) from upd
            """);
        var p = command.Parameters;
        p.Add(Text(followUp.RatingId));
        p.Add(new NpgsqlParameter<int> { TypedValue = followUp.Version });
        p.Add(Text(Name(followUp.Stage)));
        p.Add(new NpgsqlParameter<bool> { TypedValue = followUp.IsOpen });
        p.Add(new NpgsqlParameter<bool> { TypedValue = followUp.ReturnVisitOverdueFlagged });
        p.Add(new NpgsqlParameter<bool> { TypedValue = followUp.ReplyOverdueFlagged });
        p.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(followUp, Json), NpgsqlDbType = NpgsqlDbType.Jsonb });
        p.Add(Text(Name(e.Kind)));
        p.Add(Time(e.At));
        p.Add(Text(e.ActorRole));
        p.Add(Text(e.Actor));
        p.Add(Text(e.Note));
        p.Add(new NpgsqlParameter { Value = e.Level is { } level ? (short)level : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Smallint });
        p.Add(new NpgsqlParameter<bool> { TypedValue = exclusion is not null });
        p.Add(Text(exclusion?.Reason));
        p.Add(Text(exclusion?.DecidedBy));
        p.Add(exclusion is null ? new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz } : Time(exclusion.DecidedAt));
        return (long)(await command.ExecuteScalarAsync(cancellationToken))! == 1;
    }

    public async Task<ScopeCount> CountAsync(string scopeKey, DateOnly windowStart, DateTimeOffset recentSince, CancellationToken cancellationToken)
    {
        // One statement, hence one snapshot: the counts and the recent deltas agree with each other.
        await using var command = dataSource.CreateCommand("""
            select 'c', case when r.day >= $2 then r.day end, r.level, count(*)::int, null::text, null::timestamptz
              from tongban.rating r
             where r.scopes @> array[$1]::text[]
               and not exists (select 1 from tongban.rating_exclusion x where x.rating_id = r.id)
             group by 2, 3
            union all
            select 'r', r.day, r.level, 1, r.id, r.created_at
              from tongban.rating r
             where r.created_at >= $3 and r.scopes @> array[$1]::text[]
            union all
            select 'x', r.day, r.level, 1, r.id, x.decided_at
              from tongban.rating_exclusion x join tongban.rating r on r.id = x.rating_id
             where x.decided_at >= $3 and r.scopes @> array[$1]::text[]
            """);
        command.Parameters.Add(Text(scopeKey));
        command.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = windowStart });
        command.Parameters.Add(Time(recentSince));
        var days = new Dictionary<DateOnly, LevelCounts>();
        var older = LevelCounts.Zero;
        var recent = new List<RollupDelta>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var level = reader.GetInt16(2);
            switch (reader.GetString(0))
            {
                case "c" when reader.IsDBNull(1):
                    older = older.Add(level, reader.GetInt32(3));
                    break;
                case "c":
                    var day = reader.GetFieldValue<DateOnly>(1);
                    days[day] = days.GetValueOrDefault(day, LevelCounts.Zero).Add(level, reader.GetInt32(3));
                    break;
                case var kind:
                    recent.Add(new RollupDelta(reader.GetString(4), reader.GetFieldValue<DateOnly>(1), level, kind == "r" ? 1 : -1, ReadTime(reader, 5)));
                    break;
            }
        }

        return new ScopeCount(days, older, recent);
    }

    public async Task<IReadOnlyList<string>> ScopeKeysAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("select distinct unnest(scopes) as k from tongban.rating order by k");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var keys = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            keys.Add(reader.GetString(0));
        }

        return keys;
    }

    public async Task<IReadOnlyList<FollowUpRow>> FollowUpsAsync(FollowUpQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var command = dataSource.CreateCommand($"""
            select f.state::text, {RatingColumns}
              from tongban.rating_followup f join tongban.rating r on r.id = f.rating_id
             where ($1::text is null or r.scopes @> array[$1::text])
               and (not $2 or f.is_open)
               and ($3::date is null or (f.is_open and f.reply_due < $3) or (f.stage = 'awaitingVerification' and f.return_visit_due < $3))
             order by f.is_open desc,
                      case when f.stage = 'awaitingVerification' then f.return_visit_due else f.reply_due end,
                      f.rating_id
             limit $4
            """);
        command.Parameters.Add(Text(query.ScopeKey));
        command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = query.OpenOnly });
        command.Parameters.Add(new NpgsqlParameter { Value = query.OverdueAsOf is { } d ? d : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Date });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = query.Limit });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<FollowUpRow>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new FollowUpRow(JsonSerializer.Deserialize<FollowUpState>(reader.GetString(0), Json)!, ReadRating(reader, 1)));
        }

        return rows;
    }

    public async Task<IReadOnlyList<string>> NewlyOverdueAsync(DateOnly today, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            select rating_id from tongban.rating_followup
             where is_open
               and ((stage = 'awaitingVerification' and return_visit_due < $1 and not rv_flagged) or (reply_due < $1 and not reply_flagged))
             order by rating_id
             limit $2
            """);
        command.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = today });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var ids = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    public async Task<FollowUpFigures> FollowUpFiguresAsync(string scopeKey, DateOnly today, CancellationToken cancellationToken)
    {
        // The rows are few (差评 only); computing in C# keeps one definition of the figures for both stores.
        await using var command = dataSource.CreateCommand("""
            select f.state::text from tongban.rating_followup f join tongban.rating r on r.id = f.rating_id
             where r.scopes @> array[$1]::text[]
            """);
        command.Parameters.Add(Text(scopeKey));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<FollowUpState>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(JsonSerializer.Deserialize<FollowUpState>(reader.GetString(0), Json)!);
        }

        return InMemoryRatingStore.Figures(rows, today);
    }

    public async Task<(long Ratings, long Excluded)> TotalsAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("select (select count(*) from tongban.rating), (select count(*) from tongban.rating_exclusion)");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    private static void AddRating(NpgsqlParameterCollection p, RatingRecord r)
    {
        var t = r.Target;
        var s = r.Subject;
        p.Add(Text(r.Id));
        p.Add(Text(t.Kind == RatingTargetKind.Ticket ? "ticket" : "case"));
        p.Add(Text(s.HallCode));
        p.Add(new NpgsqlParameter { Value = t.Day is { } day ? day : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Date });
        p.Add(Text(t.TicketNo));
        p.Add(Text(t.CaseNo));
        p.Add(new NpgsqlParameter { Value = s.WindowNo is { } w ? w : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer });
        p.Add(Text(s.Clerk));
        p.Add(Text(s.ItemCode));
        p.Add(Text(s.DepartmentCode));
        p.Add(Text(s.RegionCode));
        p.Add(new NpgsqlParameter<string[]> { TypedValue = [.. r.Scopes], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        p.Add(new NpgsqlParameter<short> { TypedValue = (short)r.Level });
        p.Add(Text(Name(r.Channel)));
        p.Add(new NpgsqlParameter { Value = r.SubScores is { } scores ? JsonSerializer.Serialize(scores, Json) : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Jsonb });
        p.Add(Text(r.Comment));
        p.Add(Text(r.RaterKey));
        p.Add(Text(r.EnteredBy));
        p.Add(Time(r.ServiceEndedAt));
        p.Add(Time(r.CreatedAt));
        p.Add(new NpgsqlParameter<DateOnly> { TypedValue = r.Day });
    }

    private static void AddFollowUpColumns(NpgsqlParameterCollection p, FollowUpState? f)
    {
        p.Add(new NpgsqlParameter<int> { TypedValue = f?.Version ?? 0 });
        p.Add(Text(f is null ? null : Name(f.Stage)));
        p.Add(new NpgsqlParameter<bool> { TypedValue = f?.IsOpen ?? false });
        p.Add(Text(f?.OwnerHall));
        p.Add(Text(f?.OwnerDepartment));
        p.Add(Text(f?.RegionCode));
        p.Add(new NpgsqlParameter { Value = f is null ? DBNull.Value : f.ReturnVisitDue, NpgsqlDbType = NpgsqlDbType.Date });
        p.Add(new NpgsqlParameter { Value = f is null ? DBNull.Value : f.ReplyDue, NpgsqlDbType = NpgsqlDbType.Date });
        p.Add(new NpgsqlParameter<bool> { TypedValue = f?.ReturnVisitOverdueFlagged ?? false });
        p.Add(new NpgsqlParameter<bool> { TypedValue = f?.ReplyOverdueFlagged ?? false });
        p.Add(new NpgsqlParameter { Value = f is null ? DBNull.Value : JsonSerializer.Serialize(f, Json), NpgsqlDbType = NpgsqlDbType.Jsonb });
    }

    private static RatingRecord ReadRating(NpgsqlDataReader reader, int o)
    {
        string? S(int i) => reader.IsDBNull(o + i) ? null : reader.GetString(o + i);
        var target = S(1) == "ticket"
            ? RatingTarget.Ticket(S(2)!, reader.GetFieldValue<DateOnly>(o + 3), S(4)!)
            : RatingTarget.Case(S(5)!);
        var subject = new RatingSubject(S(2), reader.IsDBNull(o + 6) ? null : reader.GetInt32(o + 6), S(7), S(8), S(9), S(10)!);
        return new RatingRecord(
            target, subject, reader.GetFieldValue<string[]>(o + 11), reader.GetInt16(o + 12), Enum.Parse<RatingChannel>(S(13)!, ignoreCase: true),
            S(14) is { } scores ? JsonSerializer.Deserialize<SubScores>(scores, Json) : null, S(15), S(16), S(17),
            ReadTime(reader, o + 18), ReadTime(reader, o + 19), reader.GetFieldValue<DateOnly>(o + 20));
    }

    private static NpgsqlParameter Text(string? value) => new() { Value = value is null ? DBNull.Value : value, NpgsqlDbType = NpgsqlDbType.Text };

    /// <summary>Npgsql writes timestamptz from UTC values only.</summary>
    private static NpgsqlParameter<DateTimeOffset> Time(DateTimeOffset value) => new() { TypedValue = value.ToUniversalTime() };

    private static DateTimeOffset ReadTime(NpgsqlDataReader reader, int i) => reader.GetFieldValue<DateTimeOffset>(i).ToOffset(ChinaTime.Offset);

    private static string Name<T>(T value)
        where T : struct, Enum => JsonNamingPolicy.CamelCase.ConvertName(value.ToString());
}
