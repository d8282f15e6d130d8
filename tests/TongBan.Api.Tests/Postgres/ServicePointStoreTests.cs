using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using TongBan.Api.Tests.Infrastructure;
using TongBan.Grains.Halls;
using TongBan.Grains.Regions;
using TongBan.Silo.Postgres;

namespace TongBan.Api.Tests.Postgres;

[Collection(PostgresCollection.Name)]
[Trait("Category", "Integration")]
public sealed class ServicePointStoreTests(PostgresServer server)
{
    [Fact]
    public async Task Seeded_points_load_back_exactly_and_reseeding_adds_nothing()
    {
        await using var data = await MigratedAsync("points_roundtrip");
        var store = new PostgresServicePointStore(data);
        var generated = ServicePointSeed.Generate(RegionCatalog.LoadEmbedded());

        Assert.Equal(generated.Count, await store.AddMissingAsync(generated, CancellationToken.None));
        Assert.Equal(0, await store.AddMissingAsync(generated, CancellationToken.None));

        var loaded = (await store.LoadAllAsync(CancellationToken.None)).ToDictionary(p => p.Code);
        Assert.Equal(generated.Count, loaded.Count);
        foreach (var expected in generated)
        {
            AssertSame(expected, loaded[expected.Code]);
        }

        // The columns beside the JSON agree with it.
        await using var check = data.CreateCommand("""
            select count(*) from tongban.service_point
             where region_code <> data ->> 'regionCode' or type <> data ->> 'type' or data -> 'location' ->> 'lat' is null
            """);
        Assert.Equal(0L, await check.ExecuteScalarAsync());
        await using var types = data.CreateCommand("select string_agg(distinct type, ',' order by type) from tongban.service_point");
        Assert.Equal(
            string.Join(',', generated.Select(p => PostgresServicePointStore.TypeName(p.Type)).Distinct().Order(StringComparer.Ordinal)),
            await types.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Reseeding_keeps_an_operator_edit_and_adds_only_new_codes()
    {
        await using var data = await MigratedAsync("points_edit");
        var store = new PostgresServicePointStore(data);
        var generated = ServicePointSeed.Generate(RegionCatalog.LoadEmbedded());
        await store.AddMissingAsync(generated.Take(100).ToList(), CancellationToken.None);
        await using (var edit = data.CreateCommand("""
            update tongban.service_point
               set data = jsonb_set(data, '{phone}', '"0851-12345"'), updated_at = now()
             where code = '520102-H001'
            """))
        {
            Assert.Equal(1, await edit.ExecuteNonQueryAsync());
        }

        var added = await store.AddMissingAsync(generated, CancellationToken.None);

        Assert.Equal(generated.Count - 100, added);
        var hall = (await store.LoadAllAsync(CancellationToken.None)).Single(p => p.Code == "520102-H001");
        Assert.Equal("0851-12345", hall.Phone);
    }

    [Fact]
    public async Task Upsert_adds_moves_and_closes_a_point_and_keeps_the_side_columns_in_step()
    {
        await using var data = await MigratedAsync("points_upsert");
        var store = new PostgresServicePointStore(data);
        var hall = ServicePointSeed.Generate(RegionCatalog.LoadEmbedded()).First(p => p.Code == "520102-H001");
        await store.UpsertAsync(hall, CancellationToken.None);
        var moved = hall with { Location = new Grains.Geo.GeoPoint(26.60, 106.70), RegionCode = "520103", ItemCodes = ["ITEM-1"], Closed = true };
        await store.UpsertAsync(moved, CancellationToken.None);

        var loaded = Assert.Single(await store.LoadAllAsync(CancellationToken.None));
        AssertSame(moved, loaded);
        Assert.True(loaded.Closed);
        await using var check = data.CreateCommand("select region_code from tongban.service_point where code = '520102-H001'");
        Assert.Equal("520103", await check.ExecuteScalarAsync());
    }

    [Fact]
    public void Json_is_camel_case_with_enums_as_names()
    {
        var point = ServicePointSeed.Generate(RegionCatalog.LoadEmbedded()).First(p => p.Type == ServicePointType.SelfService);
        var json = System.Text.Json.JsonSerializer.Serialize(point, PostgresServicePointStore.Json);
        Assert.Contains("\"type\":\"selfService\"", json);
        Assert.Contains("\"regionCode\":", json);
        Assert.Equal("selfService", PostgresServicePointStore.TypeName(ServicePointType.SelfService));
    }

    private async Task<NpgsqlDataSource> MigratedAsync(string name)
    {
        var data = NpgsqlDataSource.Create(await server.CreateDatabaseAsync(name));
        await new SchemaMigrator(data, NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
        return data;
    }

    /// <summary>Field by field: the records hold lists, whose record equality is by reference.</summary>
    private static void AssertSame(ServicePoint expected, ServicePoint actual)
    {
        Assert.Equal(
            (expected.Code, expected.Name, expected.Type, expected.Level, expected.RegionCode, expected.Location, expected.Address, expected.Phone),
            (actual.Code, actual.Name, actual.Type, actual.Level, actual.RegionCode, actual.Location, actual.Address, actual.Phone));
        Assert.Equal(expected.Hours.Always, actual.Hours.Always);
        Assert.Equal(expected.Hours.Workdays, actual.Hours.Workdays);
        Assert.Equal(expected.Hours.Saturday, actual.Hours.Saturday);
        Assert.Equal(expected.Categories, actual.Categories);
        Assert.Equal(expected.Windows.Count, actual.Windows.Count);
        foreach (var (e, a) in expected.Windows.Zip(actual.Windows))
        {
            Assert.Equal((e.WindowNo, e.Name), (a.WindowNo, a.Name));
            Assert.Equal(e.Categories, a.Categories);
        }

        Assert.Equal(expected.ItemCodes, actual.ItemCodes);
    }
}
