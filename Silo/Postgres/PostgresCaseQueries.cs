using System.Globalization;
using System.Text;
using System.Text.Json;
using Npgsql;
using TongBan.Grains.Cases;
using TongBan.Grains.Identity;
using TongBan.Grains.Regions;
using static TongBan.Silo.Postgres.CaseRecordColumns;

namespace TongBan.Silo.Postgres;

/// <summary>
/// Reads over the <see cref="CaseSummary"/> projection of <c>tongban.case_record</c>: case searches, the report
/// figures, and the projection rebuild after its rules change.
/// </summary>
public sealed class PostgresCaseQueries(NpgsqlDataSource dataSource)
{
    /// <summary>Rows per statement when rebuilding the projection: large enough to amortise round trips, small enough to keep each transaction short.</summary>
    public const int RebuildBatchSize = 500;

    private static readonly string[] FinalStatuses = [CaseNames.Of(CaseStatus.NotAccepted), CaseNames.Of(CaseStatus.Delivered), CaseNames.Of(CaseStatus.Withdrawn)];

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

    /// <summary>Appends region_code conditions for "this region or inside it"; false when the code cannot cover anything.</summary>
    private static bool AddRegionFilter(NpgsqlCommand command, StringBuilder sql, string regionCode)
    {
        // GB/T 2260: 52 0000 is the province, 52 01 00 a prefecture, 52 01 02 a county (RegionRules.Covers).
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
}
