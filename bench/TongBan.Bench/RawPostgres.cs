using System.Security.Cryptography;
using Npgsql;
using NpgsqlTypes;
using TongBan.Silo.Postgres;

namespace TongBan.Bench;

/// <summary>
/// Where the database stands without Orleans: single-row autocommit transactions through Npgsql at the run's
/// concurrency, into a table shaped like <c>orleans.grain_state</c> (same columns and primary key), on a pool of
/// the size the silo gives its Orleans providers (<see cref="PostgresSettings.OrleansPoolSize"/>).
/// </summary>
public static class RawPostgres
{
    private const string Schema = "tongban_bench";

    /// <summary>Mean and maximum payload of the grain state rows this run wrote (by state name), for sizing the raw rows.</summary>
    public static async Task<IReadOnlyList<(string StateName, long Rows, double MeanBytes, long MaxBytes)>> GrainStateSizesAsync(string connectionString, string serviceId)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(
            """
            select grain_type, count(*), avg(octet_length(payload))::float8, max(octet_length(payload))
              from orleans.grain_state where service_id = $1 group by grain_type order by grain_type
            """, connection);
        cmd.Parameters.Add(new NpgsqlParameter { Value = serviceId });
        var rows = new List<(string, long, double, long)>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetString(0), reader.GetInt64(1), reader.IsDBNull(2) ? 0 : reader.GetDouble(2), reader.IsDBNull(3) ? 0 : reader.GetInt32(3)));
        }

        return rows;
    }

    /// <summary>Inserts one new row per transaction.</summary>
    public static Task<LoadResult> InsertAsync(string connectionString, int concurrency, int payloadBytes, TimeSpan warmup, TimeSpan duration) =>
        RunAsync(connectionString, concurrency, payloadBytes, warmup, duration, update: false);

    /// <summary>Rewrites one existing row per transaction with the version check the grain storage uses (what every grain command does).</summary>
    public static Task<LoadResult> UpdateAsync(string connectionString, int concurrency, int payloadBytes, TimeSpan warmup, TimeSpan duration) =>
        RunAsync(connectionString, concurrency, payloadBytes, warmup, duration, update: true);

    private static async Task<LoadResult> RunAsync(string connectionString, int concurrency, int payloadBytes, TimeSpan warmup, TimeSpan duration, bool update)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString)
        {
            MaxPoolSize = PostgresSettings.OrleansPoolSize,
            NoResetOnClose = true, // as the silo's Orleans pool
            ApplicationName = "tongban-bench:raw",
        };
        await using var source = NpgsqlDataSource.Create(builder.ConnectionString);
        await using (var create = source.CreateCommand(
            $"""
            drop schema if exists {Schema} cascade;
            create schema {Schema};
            create table {Schema}.raw_state (
                service_id text not null, grain_type text not null, grain_id_n0 bigint not null, grain_id_n1 bigint not null,
                grain_id_extension text not null, payload bytea, version integer not null, modified_at timestamptz not null default now(),
                primary key (service_id, grain_type, grain_id_n0, grain_id_n1, grain_id_extension));
            """))
        {
            await create.ExecuteNonQueryAsync();
        }

        // Incompressible bytes: the state serializer's output is dense, and TOAST compression is then skipped on both sides.
        var payload = RandomNumberGenerator.GetBytes(Math.Max(1, payloadBytes));
        var rowsPerWorker = 64;
        var versions = new int[concurrency * rowsPerWorker];
        if (update)
        {
            await using var seed = source.CreateCommand(
                $"""
                insert into {Schema}.raw_state (service_id, grain_type, grain_id_n0, grain_id_n1, grain_id_extension, payload, version)
                select 'raw', 'queue', g, 0, '', $1, 1 from generate_series(0, $2 - 1) g
                """);
            seed.Parameters.Add(new NpgsqlParameter { Value = payload, NpgsqlDbType = NpgsqlDbType.Bytea });
            seed.Parameters.Add(new NpgsqlParameter { Value = versions.Length });
            await seed.ExecuteNonQueryAsync();
            Array.Fill(versions, 1);
        }

        var insert = $"""
            insert into {Schema}.raw_state (service_id, grain_type, grain_id_n0, grain_id_n1, grain_id_extension, payload, version)
            values ('raw', 'queue', $1, 0, '', $2, 1)
            """;
        var rewrite = $"""
            update {Schema}.raw_state set payload = $2, version = version + 1, modified_at = now()
             where service_id = 'raw' and grain_type = 'queue' and grain_id_n0 = $1 and grain_id_n1 = 0 and grain_id_extension = '' and version = $3
            returning version
            """;
        var name = update
            ? $"raw Npgsql update (version check), {payloadBytes:N0} B"
            : $"raw Npgsql insert, {payloadBytes:N0} B";
        try
        {
            return await ClosedLoop.RunAsync(name, concurrency, warmup, duration, async (worker, i) =>
            {
                await using var connection = await source.OpenConnectionAsync();
                if (update)
                {
                    var row = (worker * rowsPerWorker) + (int)(i % rowsPerWorker);
                    await using var cmd = new NpgsqlCommand(rewrite, connection);
                    cmd.Parameters.Add(new NpgsqlParameter { Value = (long)row });
                    cmd.Parameters.Add(new NpgsqlParameter { Value = payload, NpgsqlDbType = NpgsqlDbType.Bytea });
                    cmd.Parameters.Add(new NpgsqlParameter { Value = versions[row] });
                    versions[row] = (int)(await cmd.ExecuteScalarAsync() ?? throw new InvalidOperationException("version check failed"));
                }
                else
                {
                    await using var cmd = new NpgsqlCommand(insert, connection);
                    cmd.Parameters.Add(new NpgsqlParameter { Value = ((long)worker << 40) + i });
                    cmd.Parameters.Add(new NpgsqlParameter { Value = payload, NpgsqlDbType = NpgsqlDbType.Bytea });
                    await cmd.ExecuteNonQueryAsync();
                }
            });
        }
        finally
        {
            await using var drop = source.CreateCommand($"drop schema if exists {Schema} cascade");
            await drop.ExecuteNonQueryAsync();
        }
    }
}
