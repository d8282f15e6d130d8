using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Orleans.Runtime.MembershipService;
using Orleans.Storage;
using TongBan.Api.Tests.Infrastructure;
using TongBan.Silo.Hosting;
using TongBan.Silo.Postgres;

namespace TongBan.Api.Tests.Postgres;

[Collection(PostgresCollection.Name)]
[Trait("Category", "Integration")]
public sealed partial class SchemaMigratorTests(PostgresServer server)
{
    /// <summary>Keys the 10.4 clustering provider uses only when present; we install it (safer per-row cleanup).</summary>
    private static readonly string[] OptionalKeys = ["CleanupDefunctSiloEntryKey", "DeleteStorageKey"];

    [Fact]
    public void Embedded_migrations_are_numbered_without_gaps()
    {
        var migrations = SchemaMigrator.EmbeddedMigrations;
        Assert.Equal(Enumerable.Range(1, migrations.Count), migrations.Select(m => m.Version));
        Assert.Equal(
            new[] { "0001_orleans_clustering.sql", "0002_orleans_storage.sql", "0003_orleans_reminders.sql", "0004_tongban_reference.sql" },
            migrations.Select(m => m.Name).Take(4));
    }

    [Fact]
    public async Task Running_twice_applies_each_migration_once_and_changes_nothing_the_second_time()
    {
        await using var data = NpgsqlDataSource.Create(await server.CreateDatabaseAsync("migrate_twice"));

        var first = await Migrator(data).MigrateAsync(CancellationToken.None);
        var before = await SnapshotAsync(data);
        var second = await Migrator(data).MigrateAsync(CancellationToken.None);

        Assert.Equal(SchemaMigrator.EmbeddedMigrations.Select(m => m.Version), first.Applied.Select(m => m.Version));
        Assert.Empty(second.Applied);
        Assert.Equal(SchemaMigrator.EmbeddedMigrations.Count, second.SchemaVersion);
        Assert.Equal(before, await SnapshotAsync(data));
        await AssertOneRowPerVersionAsync(data);
    }

    [Fact]
    public async Task Four_silos_migrating_at_once_apply_each_migration_once()
    {
        var connectionString = await server.CreateDatabaseAsync("migrate_concurrently");

        // Separate data sources: four processes' worth of connections racing for the advisory lock.
        var sources = Enumerable.Range(0, 4).Select(_ => NpgsqlDataSource.Create(connectionString)).ToArray();
        try
        {
            var results = await Task.WhenAll(sources.Select(s => Task.Run(() => Migrator(s).MigrateAsync(CancellationToken.None))));

            Assert.Equal(
                SchemaMigrator.EmbeddedMigrations.Select(m => m.Version),
                results.SelectMany(r => r.Applied).Select(m => m.Version).Order());
            Assert.All(results, r => Assert.Equal(SchemaMigrator.EmbeddedMigrations.Count, r.SchemaVersion));
            await AssertOneRowPerVersionAsync(sources[0]);
        }
        finally
        {
            foreach (var source in sources)
            {
                await source.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task An_applied_migration_that_was_edited_stops_start_up()
    {
        await using var data = NpgsqlDataSource.Create(await server.CreateDatabaseAsync("migrate_edited"));
        await Migrator(data).MigrateAsync(CancellationToken.None);
        await using (var tamper = data.CreateCommand("update tongban.schema_migrations set checksum = 'edited' || checksum where version = 2"))
        {
            await tamper.ExecuteNonQueryAsync();
        }

        var e = await Assert.ThrowsAsync<StartupException>(() => Migrator(data).MigrateAsync(CancellationToken.None));
        Assert.Contains("0002_orleans_storage.sql was changed after it was applied", e.Message);
    }

    [Fact]
    public async Task Every_query_key_the_Orleans_providers_read_is_installed_and_nothing_else()
    {
        await using var data = NpgsqlDataSource.Create(await server.CreateDatabaseAsync("query_keys"));
        await Migrator(data).MigrateAsync(CancellationToken.None);

        var installed = new HashSet<string>();
        await using (var read = data.CreateCommand("select querykey from orleans.orleansquery"))
        await using (var reader = await read.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                installed.Add(reader.GetString(0));
            }
        }

        // The providers' own lists, read from the assemblies we run against, so an Orleans upgrade that adds
        // a required key fails here rather than at a silo's start-up.
        var required = RequiredKeys(typeof(AdoNetClusteringTable).Assembly)
            .Concat(RequiredKeys(typeof(Orleans.Configuration.AdoNetReminderTableOptions).Assembly))
            .Concat(StorageKeys().Matches(AdoNetGrainStorage.DefaultInitializationQuery).Select(m => m.Groups[1].Value))
            .ToHashSet();
        Assert.Subset(installed, required);
        Assert.Equal(required.Union(OptionalKeys).Order(), installed.Order());
    }

    private static IEnumerable<string> RequiredKeys(Assembly assembly) =>
        assembly.GetTypes().Single(t => t.Name == "DbStoredQueries")
            .GetProperties(BindingFlags.Instance | BindingFlags.NonPublic)
            .Select(p => p.Name)
            .Where(n => n.EndsWith("Key", StringComparison.Ordinal));

    private static SchemaMigrator Migrator(NpgsqlDataSource data) => new(data, NullLogger<SchemaMigrator>.Instance);

    private static async Task AssertOneRowPerVersionAsync(NpgsqlDataSource data)
    {
        await using var command = data.CreateCommand("select version, count(*) from tongban.schema_migrations group by version order by version");
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(int Version, long Count)>();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetInt32(0), reader.GetInt64(1)));
        }

        Assert.Equal(SchemaMigrator.EmbeddedMigrations.Select(m => (m.Version, 1L)), rows);
    }

    /// <summary>Tables, columns, indexes and query texts of the TongBan schemas, as one comparable string.</summary>
    private static async Task<string> SnapshotAsync(NpgsqlDataSource data)
    {
        await using var command = data.CreateCommand("""
            select string_agg(line, E'\n' order by line) from (
                select table_schema || '.' || table_name || '.' || column_name || ' ' || data_type as line
                  from information_schema.columns where table_schema in ('orleans', 'tongban')
                union all
                select schemaname || '.' || indexname || ' ' || indexdef from pg_indexes where schemaname in ('orleans', 'tongban')
                union all
                select 'query ' || querykey || ' ' || md5(querytext) from orleans.orleansquery
                union all
                select 'migration ' || version || ' ' || checksum || ' ' || applied_at from tongban.schema_migrations
            ) lines
            """);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    [GeneratedRegex(@"'(\w+Key)'")]
    private static partial Regex StorageKeys();
}
