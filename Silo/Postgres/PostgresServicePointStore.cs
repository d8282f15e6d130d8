using System.Text.Json;
using System.Text.Json.Serialization;
using Npgsql;
using NpgsqlTypes;
using TongBan.Grains.Halls;

namespace TongBan.Silo.Postgres;

/// <summary>
/// Service points in <c>tongban.service_point</c>: the whole profile as jsonb, code / region / type beside it
/// for queries and indexes.
/// </summary>
public sealed class PostgresServicePointStore(NpgsqlDataSource dataSource) : IServicePointStore
{
    /// <summary>The stored JSON shape: camelCase like the HTTP API, enums as their names rather than numbers.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false) },
    };

    public async Task<IReadOnlyList<ServicePoint>> LoadAllAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("select data::text from tongban.service_point order by code");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var points = new List<ServicePoint>(3000);
        while (await reader.ReadAsync(cancellationToken))
        {
            points.Add(JsonSerializer.Deserialize<ServicePoint>(reader.GetString(0), Json)
                ?? throw new InvalidDataException("tongban.service_point holds a null profile."));
        }

        return points;
    }

    public async Task<int> AddMissingAsync(IReadOnlyList<ServicePoint> points, CancellationToken cancellationToken)
    {
        if (points.Count == 0)
        {
            return 0;
        }

        // Same order in every silo: concurrent seeders then wait on each other's rows in one order, never deadlock.
        var sorted = points.OrderBy(p => p.Code, StringComparer.Ordinal).ToArray();
        var codes = new string[sorted.Length];
        var regions = new string[sorted.Length];
        var types = new string[sorted.Length];
        var data = new string[sorted.Length];
        for (var i = 0; i < sorted.Length; i++)
        {
            codes[i] = sorted[i].Code;
            regions[i] = sorted[i].RegionCode;
            types[i] = TypeName(sorted[i].Type);
            data[i] = JsonSerializer.Serialize(sorted[i], Json);
        }

        // One statement for the whole batch (≈2,700 rows, a few MB): arrays in, unnest on the server.
        // "do nothing" keeps rows that exist, so re-seeding changes nothing and operator edits survive.
        await using var command = dataSource.CreateCommand("""
            insert into tongban.service_point (code, region_code, type, data)
            select code, region_code, type, data
              from unnest($1, $2, $3, $4) as seed (code, region_code, type, data)
            on conflict (code) do nothing
            """);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = codes, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = regions, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = types, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = data, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task UpsertAsync(ServicePoint point, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            insert into tongban.service_point (code, region_code, type, data)
            values ($1, $2, $3, $4)
            on conflict (code) do update
               set region_code = excluded.region_code, type = excluded.type, data = excluded.data, updated_at = now()
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = point.Code });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = point.RegionCode });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = TypeName(point.Type) });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = JsonSerializer.Serialize(point, Json), NpgsqlDbType = NpgsqlDbType.Jsonb });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The enum as it appears in the stored JSON, e.g. "selfService".</summary>
    public static string TypeName(ServicePointType type) => JsonNamingPolicy.CamelCase.ConvertName(type.ToString());
}
