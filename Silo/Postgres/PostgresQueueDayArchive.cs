using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using TongBan.Grains.Queues;

namespace TongBan.Silo.Postgres;

/// <summary>Closed queue days in <c>tongban.queue_day_summary</c>; re-archiving a day replaces its row.</summary>
public sealed class PostgresQueueDayArchive(NpgsqlDataSource dataSource) : IQueueDayArchive
{
    public async Task ArchiveAsync(string hallCode, DaySummary summary, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            insert into tongban.queue_day_summary (hall_code, category, day, issued, served, no_shows, summary)
            values ($1, $2, $3, $4, $5, $6, $7)
            on conflict (hall_code, day, category) do update
               set issued = excluded.issued, served = excluded.served, no_shows = excluded.no_shows,
                   summary = excluded.summary, archived_at = now()
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = hallCode });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = summary.Category });
        command.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = summary.Day });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = summary.Issued });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = summary.Served });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = summary.NoShows });
        command.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(summary, PostgresServicePointStore.Json), NpgsqlDbType = NpgsqlDbType.Jsonb });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<DaySummary>> HistoryAsync(string hallCode, DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "select summary::text from tongban.queue_day_summary where hall_code = $1 and day between $2 and $3 order by day, category");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = hallCode });
        command.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = from });
        command.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = to });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var result = new List<DaySummary>();
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(JsonSerializer.Deserialize<DaySummary>(reader.GetString(0), PostgresServicePointStore.Json)!);
        }

        return result;
    }
}
