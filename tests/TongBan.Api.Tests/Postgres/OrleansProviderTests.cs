using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Messaging;
using Orleans.Runtime;
using Orleans.Runtime.Membership;
using Orleans.Runtime.MembershipService;
using Orleans.Storage;
using TongBan.Api.Tests.Infrastructure;
using TongBan.Grains.Common;
using TongBan.Silo.Postgres;

namespace TongBan.Api.Tests.Postgres;

/// <summary>
/// The Orleans 10.4 ADO.NET providers (clustering, grain storage, reminders) against our own PostgreSQL query
/// texts: through a real in-process silo, and directly through the provider classes where a test needs to
/// provoke a conflict. Together these run every query key the migrations install.
/// </summary>
[Collection(PostgresCollection.Name)]
[Trait("Category", "Integration")]
public sealed class OrleansProviderTests(PostgresServer server)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private Task<ProviderSilo> Silo => server.SharedAsync(nameof(OrleansProviderTests), () => ProviderSilo.StartAsync(server));

    // ---- clustering ----

    [Fact]
    public async Task Silo_joins_the_cluster_through_the_membership_table()
    {
        var silo = await Silo;

        // InsertMembershipVersionKey, InsertMembershipKey, UpdateMembershipKey (Joining -> Active), MembershipReadAllKey.
        await using var rows = silo.Data.CreateCommand("select status, proxy_port from orleans.membership where cluster_id = $1");
        rows.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ProviderSilo.ClusterId });
        await using var reader = await rows.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal((int)SiloStatus.Active, reader.GetInt32(0));
        Assert.Equal(silo.GatewayPort, reader.GetInt32(1));
        Assert.False(await reader.ReadAsync());

        var table = silo.Host.Services.GetRequiredService<IMembershipTable>();
        var all = await table.ReadAllAsync();
        var (entry, etag) = Assert.Single(all.Members);
        Assert.Equal(SiloStatus.Active, entry.Status);
        Assert.Equal(all.Version.VersionEtag, etag);
        Assert.True(all.Version.Version >= 2, "joining and becoming active are two versioned changes");

        // MembershipReadRowKey: the silo's own row, at the same table version.
        var row = await table.ReadRowAsync(entry.SiloAddress);
        Assert.Equal(entry.SiloAddress, Assert.Single(row.Members).Item1.SiloAddress);

        // UpdateIAmAlivetimeKey: a heartbeat moves the time and leaves the version alone.
        var beat = Truncate(DateTime.UtcNow.AddSeconds(1));
        entry.IAmAliveTime = beat;
        await table.UpdateIAmAliveAsync(entry);
        var after = await table.ReadRowAsync(entry.SiloAddress);
        Assert.Equal(beat, Assert.Single(after.Members).Item1.IAmAliveTime);
        Assert.Equal(row.Version.Version, after.Version.Version);
    }

    [Fact]
    public async Task Gateway_list_offers_the_active_silo()
    {
        var silo = await Silo;

        // GatewaysQueryKey, the way an Orleans client finds the cluster.
        var gateways = new AdoNetGatewayListProvider(
            NullLogger<AdoNetGatewayListProvider>.Instance,
            silo.Host.Services,
            Options.Create(new AdoNetClusteringClientOptions { Invariant = PostgresMode.Invariant, ConnectionString = silo.Settings.OrleansConnectionString }),
            Options.Create(new GatewayOptions()),
            Options.Create(new ClusterOptions { ClusterId = ProviderSilo.ClusterId, ServiceId = ProviderSilo.ServiceId }));
        await gateways.InitializeGatewayListProvider();
        var uri = Assert.Single(await gateways.GetGateways());
        Assert.Equal(silo.GatewayPort, uri.Port);
    }

    [Fact]
    public async Task Membership_changes_are_optimistic_on_the_table_version()
    {
        var silo = await Silo;
        var clusterId = "direct-" + Guid.NewGuid().ToString("N")[..8];
        var table = Clustering(silo, clusterId);

        // InsertMembershipVersionKey: the first silo creates the version row, later ones find it.
        await table.InitializeMembershipTableAsync(tryInitTableVersion: true);
        await table.InitializeMembershipTableAsync(tryInitTableVersion: true);
        Assert.Equal(1L, await ScalarAsync<long>(silo, "select count(*) from orleans.membership_version where cluster_id = $1", clusterId));

        var empty = await table.ReadAllAsync();
        Assert.Empty(empty.Members);
        Assert.Equal(0, empty.Version.Version);

        var a = Entry(30001, SiloStatus.Joining);
        var b = Entry(30002, SiloStatus.Joining);
        Assert.True(await table.InsertRowAsync(a, empty.Version.Next()));

        // Still holding version 0: someone else changed the table since, so nothing happens.
        Assert.False(await table.InsertRowAsync(b, empty.Version.Next()));
        var one = await table.ReadAllAsync();
        Assert.Equal(1, one.Version.Version);
        Assert.Single(one.Members);

        // A member that exists cannot be inserted again, and the version does not move.
        Assert.False(await table.InsertRowAsync(a, one.Version.Next()));
        Assert.Equal(1, (await table.ReadAllAsync()).Version.Version);

        // Update: with the current version it succeeds; with the one it replaced it is refused.
        var (stored, etag) = Assert.Single(one.Members);
        Assert.Equal(a.SiloAddress, stored.SiloAddress);
        Assert.Equal(a.SiloName, stored.SiloName);
        Assert.Equal(a.HostName, stored.HostName);
        Assert.Equal(a.ProxyPort, stored.ProxyPort);
        Assert.Equal(a.StartTime, stored.StartTime);
        stored.Status = SiloStatus.Active;
        stored.AddSuspector(b.SiloAddress, Truncate(DateTime.UtcNow));
        Assert.True(await table.UpdateRowAsync(stored, etag, one.Version.Next()));
        Assert.False(await table.UpdateRowAsync(stored, etag, one.Version.Next()));

        var two = await table.ReadRowAsync(a.SiloAddress);
        var (updated, _) = Assert.Single(two.Members);
        Assert.Equal(2, two.Version.Version);
        Assert.Equal(SiloStatus.Active, updated.Status);
        Assert.Equal(b.SiloAddress, Assert.Single(updated.SuspectTimes!).Item1);

        // A row that does not exist cannot be updated, even with the right version.
        Assert.False(await table.UpdateRowAsync(b, two.Version.VersionEtag, two.Version.Next()));
        Assert.Equal(2, (await table.ReadAllAsync()).Version.Version);

        // DeleteMembershipTableEntriesKey: the whole cluster goes, version row included.
        await table.DeleteMembershipTableEntriesAsync(clusterId);
        Assert.Equal(0L, await ScalarAsync<long>(silo, "select count(*) from orleans.membership_version where cluster_id = $1", clusterId));
        Assert.Equal(0L, await ScalarAsync<long>(silo, "select count(*) from orleans.membership where cluster_id = $1", clusterId));
    }

    [Fact]
    public async Task Concurrent_membership_writers_holding_one_version_let_exactly_one_win()
    {
        var silo = await Silo;
        var clusterId = "race-" + Guid.NewGuid().ToString("N")[..8];
        var tables = Enumerable.Range(0, 8).Select(_ => Clustering(silo, clusterId)).ToArray();
        await Task.WhenAll(tables.Select(t => t.InitializeMembershipTableAsync(tryInitTableVersion: true)));
        var version = (await tables[0].ReadAllAsync()).Version;

        var results = await Task.WhenAll(tables.Select((t, i) => t.InsertRowAsync(Entry(31000 + i, SiloStatus.Joining), version.Next())));

        Assert.Single(results, won => won);
        var table = await tables[0].ReadAllAsync();
        Assert.Single(table.Members);
        Assert.Equal(1, table.Version.Version);
        await tables[0].DeleteMembershipTableEntriesAsync(clusterId);
    }

    [Fact]
    public async Task Defunct_dead_silos_are_cleaned_up_and_live_ones_kept()
    {
        var silo = await Silo;
        var clusterId = "cleanup-" + Guid.NewGuid().ToString("N")[..8];
        var table = Clustering(silo, clusterId);
        await table.InitializeMembershipTableAsync(tryInitTableVersion: true);
        var longAgo = Truncate(DateTime.UtcNow.AddDays(-8));
        var dead = Entry(32001, SiloStatus.Dead, longAgo);
        var active = Entry(32002, SiloStatus.Active, longAgo);
        var recentlyDead = Entry(32003, SiloStatus.Dead, Truncate(DateTime.UtcNow));
        foreach (var entry in new[] { dead, active, recentlyDead })
        {
            Assert.True(await table.InsertRowAsync(entry, (await table.ReadAllAsync()).Version.Next()));
        }

        // CleanupDefunctSiloEntryKey, row by row with the values the provider read.
        await table.CleanupDefunctSiloEntriesAsync(DateTimeOffset.UtcNow.AddDays(-7));

        var left = (await table.ReadAllAsync()).Members.Select(m => m.Item1.SiloAddress).ToHashSet();
        Assert.Equal(new HashSet<SiloAddress> { active.SiloAddress, recentlyDead.SiloAddress }, left);

        // The per-row delete only removes a row that is unchanged since the provider read it.
        var query = await QueryTextAsync(silo, "CleanupDefunctSiloEntryKey");
        var stale = Entry(32004, SiloStatus.Dead, longAgo);
        Assert.True(await table.InsertRowAsync(stale, (await table.ReadAllAsync()).Version.Next()));
        stale.IAmAliveTime = longAgo.AddSeconds(1); // a heartbeat the cleanup did not see
        Assert.Equal(0, await CleanupRowAsync(silo, query, clusterId, stale));
        stale.IAmAliveTime = longAgo;
        Assert.Equal(1, await CleanupRowAsync(silo, query, clusterId, stale));

        await table.DeleteMembershipTableEntriesAsync(clusterId);
    }

    [Fact]
    public async Task Legacy_bulk_cleanup_runs_when_the_per_row_query_is_absent()
    {
        var silo = await Silo;
        var clusterId = "legacy-" + Guid.NewGuid().ToString("N")[..8];
        var perRow = await QueryTextAsync(silo, "CleanupDefunctSiloEntryKey");

        // A provider initialised without the optional key falls back to CleanupDefunctSiloEntriesKey.
        // Providers read OrleansQuery once, at initialisation: the running silo keeps its copy.
        AdoNetClusteringTable table;
        await ExecuteAsync(silo, "delete from orleans.orleansquery where querykey = 'CleanupDefunctSiloEntryKey'");
        try
        {
            table = Clustering(silo, clusterId);
            await table.InitializeMembershipTableAsync(tryInitTableVersion: true);
        }
        finally
        {
            await ExecuteAsync(silo, "insert into orleans.orleansquery (querykey, querytext) values ('CleanupDefunctSiloEntryKey', $1)", perRow);
        }

        var longAgo = Truncate(DateTime.UtcNow.AddDays(-8));
        var dead = Entry(33001, SiloStatus.Dead, longAgo);
        var active = Entry(33002, SiloStatus.Active, longAgo);
        Assert.True(await table.InsertRowAsync(dead, (await table.ReadAllAsync()).Version.Next()));
        Assert.True(await table.InsertRowAsync(active, (await table.ReadAllAsync()).Version.Next()));

        await table.CleanupDefunctSiloEntriesAsync(DateTimeOffset.UtcNow.AddDays(-7));

        Assert.Equal(active.SiloAddress, Assert.Single((await table.ReadAllAsync()).Members).Item1.SiloAddress);
        await table.DeleteMembershipTableEntriesAsync(clusterId);
    }

    // ---- grain storage ----

    public static TheoryData<string> Keys => new() { "string", "integer", "guid+extension" };

    [Theory]
    [MemberData(nameof(Keys))]
    public async Task Grain_state_round_trips_and_stale_etags_are_rejected(string keyKind)
    {
        var silo = await Silo;
        var storage = silo.Host.Services.GetRequiredKeyedService<IGrainStorage>(StorageNames.Default);
        var id = GrainIdOf(keyKind);

        // ReadFromStorageKey on a grain never stored.
        var first = new GrainState<ProbeState>();
        await storage.ReadStateAsync("probe", id, first);
        Assert.False(first.RecordExists);
        Assert.Null(first.ETag);

        // WriteToStorageKey: insert, then update with the ETag just returned.
        first.State = new ProbeState { Text = "停电", Number = 1 };
        await storage.WriteStateAsync("probe", id, first);
        Assert.Equal("1", first.ETag);
        var second = new GrainState<ProbeState>();
        await storage.ReadStateAsync("probe", id, second); // a second activation reads version 1 ...
        first.State = new ProbeState { Text = "恢复", Number = 2 };
        await storage.WriteStateAsync("probe", id, first);
        Assert.Equal("2", first.ETag);

        // ... and its write, now stale, must fail; so must a blind insert over an existing row.
        second.State = new ProbeState { Text = "stale", Number = 99 };
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("probe", id, second));
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("probe", id, new GrainState<ProbeState>(new ProbeState { Text = "blind" })));

        var read = new GrainState<ProbeState>();
        await storage.ReadStateAsync("probe", id, read);
        Assert.True(read.RecordExists);
        Assert.Equal("2", read.ETag);
        Assert.Equal(("恢复", 2), (read.State!.Text, read.State.Number));

        // ClearStorageKey: the payload goes, the version keeps counting, a stale clear fails.
        await storage.ClearStateAsync("probe", id, read);
        Assert.Equal("3", read.ETag);
        Assert.False(read.RecordExists);
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearStateAsync("probe", id, new GrainState<ProbeState>(new ProbeState()) { ETag = "2", RecordExists = true }));
        var cleared = new GrainState<ProbeState>();
        await storage.ReadStateAsync("probe", id, cleared);
        Assert.False(cleared.RecordExists);
        Assert.Equal("3", cleared.ETag);
        Assert.Equal("", cleared.State!.Text);
        // The row is found under the key columns the provider derives from the grain id.
        var (n0, n1, extension) = KeyColumns(id);
        await using var row = silo.Data.CreateCommand("""
            select version, payload is null from orleans.grain_state
             where service_id = $1 and grain_type = 'probe' and grain_id_n0 = $2 and grain_id_n1 = $3 and grain_id_extension = $4
            """);
        row.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ProviderSilo.ServiceId });
        row.Parameters.Add(new NpgsqlParameter<long> { TypedValue = n0 });
        row.Parameters.Add(new NpgsqlParameter<long> { TypedValue = n1 });
        row.Parameters.Add(new NpgsqlParameter<string> { TypedValue = extension });
        await using var reader = await row.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal((3, true), (reader.GetInt32(0), reader.GetBoolean(1)));
    }

    [Fact]
    public async Task Delete_on_clear_removes_the_row_and_rejects_a_stale_delete()
    {
        var silo = await Silo;
        var storage = silo.Host.Services.GetRequiredKeyedService<IGrainStorage>(ProviderSilo.DeletingStorage);
        var id = GrainId.Create("probe", "delete-" + Guid.NewGuid().ToString("N"));
        var state = new GrainState<ProbeState>(new ProbeState { Text = "x" });
        await storage.WriteStateAsync("deleting", id, state);
        await storage.WriteStateAsync("deleting", id, state);
        var stale = new GrainState<ProbeState>(new ProbeState()) { ETag = "1", RecordExists = true };

        // DeleteStorageKey.
        await storage.ClearStateAsync("deleting", id, state);
        Assert.Null(state.ETag);
        Assert.Equal(0L, await ScalarAsync<long>(silo, "select count(*) from orleans.grain_state where grain_type = 'deleting' and grain_id_extension = $1", id.Key.ToString()!));
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearStateAsync("deleting", id, stale));
    }

    [Fact]
    public async Task Grain_state_survives_deactivation_of_a_real_grain()
    {
        var silo = await Silo;
        var grain = silo.Grains.GetGrain<IStateProbeGrain>("grain-" + Guid.NewGuid().ToString("N"));
        await grain.Set("暂停", 7);
        var first = await grain.Activation();
        await grain.Deactivate();

        // A new activation (the old one may still be finishing) has nothing in memory: what it answers, it loaded.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await grain.Activation() == first)
        {
            Assert.True(DateTime.UtcNow < deadline, "the grain was not deactivated");
            await Task.Delay(20);
        }

        var (text, number, etag) = await grain.Get();
        Assert.Equal(("暂停", 7, "1"), (text, number, etag));
    }

    // ---- reminders ----

    [Fact]
    public async Task Reminder_rows_round_trip_with_versions_and_ring_ranges()
    {
        var silo = await Silo;
        var serviceId = "reminders-" + Guid.NewGuid().ToString("N")[..8];
        await using var services = ReminderTableServices(silo, serviceId);
        var table = services.GetRequiredService<IReminderTable>();
        await table.StartAsync();

        // UpsertReminderRowKey: new rows start at version 0, an update moves the version on.
        var start = Truncate(DateTime.UtcNow);
        var grains = Enumerable.Range(0, 40).Select(i => GrainId.Create("reminderprobe", $"g{i}")).ToArray();
        foreach (var grain in grains)
        {
            Assert.Equal("0", await table.UpsertRow(new ReminderEntry { GrainId = grain, ReminderName = "a", StartAt = start, Period = TimeSpan.FromMinutes(1) }));
        }

        var first = grains[0];
        Assert.Equal("0", await table.UpsertRow(new ReminderEntry { GrainId = first, ReminderName = "b", StartAt = start, Period = TimeSpan.FromDays(30) }));
        Assert.Equal("1", await table.UpsertRow(new ReminderEntry { GrainId = first, ReminderName = "a", StartAt = start.AddMinutes(5), Period = TimeSpan.FromMinutes(2) }));

        // ReadReminderRowKey / ReadReminderRowsKey.
        var a = await table.ReadRow(first, "a");
        Assert.NotNull(a);
        Assert.Equal((first, "a", start.AddMinutes(5), TimeSpan.FromMinutes(2), "1"), (a.GrainId, a.ReminderName, a.StartAt, a.Period, a.ETag));
        Assert.Null(await table.ReadRow(first, "missing"));
        var ofFirst = await table.ReadRows(first);
        Assert.Equal(new[] { "a", "b" }, ofFirst.Reminders.Select(r => r.ReminderName).Order());
        Assert.Equal(TimeSpan.FromDays(30), ofFirst.Reminders.Single(r => r.ReminderName == "b").Period); // > int.MaxValue ms: bound as bigint

        // ReadRangeRows1Key / ReadRangeRows2Key: (begin, end] on the unsigned ring, whichever way it wraps in signed order.
        uint[][] ranges = [[0x10000000, 0x20000000], [0x10000000, 0x90000000], [0x90000000, 0xF0000000], [0x90000000, 0x10000000], [0xF0000000, 0x10000000], [0, 0], [0x7FFFFFFF, 0x80000000]];
        foreach (var range in ranges)
        {
            var (begin, end) = (range[0], range[1]);
            var expected = grains.Where(g => InRing(g.GetUniformHashCode(), begin, end)).ToHashSet();
            var actual = (await table.ReadRows(begin, end)).Reminders.Where(r => r.ReminderName == "a").Select(r => r.GrainId).ToHashSet();
            Assert.True(expected.SetEquals(actual), $"range ({begin:X8}, {end:X8}]: expected {expected.Count}, got {actual.Count}");
        }

        // DeleteReminderRowKey: a stale ETag deletes nothing, the current one deletes the row.
        Assert.False(await table.RemoveRow(first, "a", "0"));
        Assert.True(await table.RemoveRow(first, "a", "1"));
        Assert.Null(await table.ReadRow(first, "a"));

        // DeleteReminderRowsKey: everything of this service, nothing of another.
        await table.TestOnlyClearTable();
        Assert.Empty((await table.ReadRows(0, 0)).Reminders);
        Assert.Equal(0L, await ScalarAsync<long>(silo, "select count(*) from orleans.reminder where service_id = $1", serviceId));
    }

    [Fact]
    public async Task Reminder_registered_by_a_grain_fires_and_unregisters()
    {
        var silo = await Silo;
        var key = "tick-" + Guid.NewGuid().ToString("N");
        var tick = ReminderProbeGrain.Ticks.GetOrAdd(key, _ => new(TaskCreationOptions.RunContinuationsAsynchronously));
        var grain = silo.Grains.GetGrain<IReminderProbeGrain>(key);

        await grain.Start(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));
        var grainId = grain.GetGrainId().ToString();
        Assert.Equal(1L, await ScalarAsync<long>(silo, "select count(*) from orleans.reminder where grain_id = $1", grainId));
        await tick.Task.WaitAsync(Patience);

        await grain.Stop();
        Assert.Equal(0L, await ScalarAsync<long>(silo, "select count(*) from orleans.reminder where grain_id = $1", grainId));
    }

    // ---- helpers ----

    private static AdoNetClusteringTable Clustering(ProviderSilo silo, string clusterId) => new(
        silo.Host.Services,
        Options.Create(new ClusterOptions { ClusterId = clusterId, ServiceId = ProviderSilo.ServiceId }),
        Options.Create(new AdoNetClusteringSiloOptions { Invariant = PostgresMode.Invariant, ConnectionString = silo.Settings.OrleansConnectionString }),
        NullLogger<AdoNetClusteringTable>.Instance);

    private static ServiceProvider ReminderTableServices(ProviderSilo silo, string serviceId)
    {
        var services = new ServiceCollection();
        services.AddOptions();
        services.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = "reminders";
            o.ServiceId = serviceId;
        });
        services.UseAdoNetReminderService(o => o.Configure(options =>
        {
            options.Invariant = PostgresMode.Invariant;
            options.ConnectionString = silo.Settings.OrleansConnectionString;
        }));
        return services.BuildServiceProvider();
    }

    private static MembershipEntry Entry(int port, SiloStatus status, DateTime? at = null)
    {
        var time = at ?? Truncate(DateTime.UtcNow);
        return new MembershipEntry
        {
            SiloAddress = SiloAddress.New(IPAddress.Loopback, port, 1),
            SiloName = $"silo-{port}",
            HostName = "test-host",
            Status = status,
            ProxyPort = port + 1000,
            StartTime = time,
            IAmAliveTime = time,
        };
    }

    private static GrainId GrainIdOf(string keyKind) => keyKind switch
    {
        "string" => GrainId.Create("probe", "520102-H001-" + Guid.NewGuid().ToString("N")[..6]),
        "integer" => GrainId.Create(GrainType.Create("probe"), GrainIdKeyExtensions.CreateIntegerKey(Random.Shared.NextInt64())),
        _ => GrainId.Create(GrainType.Create("probe"), GrainIdKeyExtensions.CreateGuidKey(Guid.NewGuid(), "ext")),
    };

    /// <summary>How the 10.4 provider splits a grain id into the key columns (its AdoGrainKey).</summary>
    private static (long N0, long N1, string Extension) KeyColumns(GrainId id)
    {
        if (id.TryGetGuidKey(out var guid, out var guidExtension))
        {
            var bytes = guid.ToByteArray();
            return (BitConverter.ToInt64(bytes, 0), BitConverter.ToInt64(bytes, 8), guidExtension ?? "");
        }

        return id.TryGetIntegerKey(out var number, out var numberExtension) ? (0, number, numberExtension ?? "") : (0, 0, id.Key.ToString()!);
    }

    /// <summary>Orleans' ring range (begin, end] on unsigned hashes; begin = end is the whole ring.</summary>
    private static bool InRing(uint hash, uint begin, uint end) => begin < end ? hash > begin && hash <= end : hash > begin || hash <= end;

    /// <summary>PostgreSQL keeps microseconds; .NET has 100 ns ticks.</summary>
    private static DateTime Truncate(DateTime t) => new(t.Ticks - (t.Ticks % 10), DateTimeKind.Utc);

    private static async Task<string> QueryTextAsync(ProviderSilo silo, string key) =>
        await ScalarAsync<string>(silo, "select querytext from orleans.orleansquery where querykey = $1", key);

    private static async Task<T> ScalarAsync<T>(ProviderSilo silo, string sql, string parameter)
    {
        await using var command = silo.Data.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = parameter });
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private static async Task ExecuteAsync(ProviderSilo silo, string sql, string? parameter = null)
    {
        await using var command = silo.Data.CreateCommand(sql);
        if (parameter is not null)
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = parameter });
        }

        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Runs the per-row cleanup text with the parameter names and types the provider binds.</summary>
    private static async Task<int> CleanupRowAsync(ProviderSilo silo, string query, string clusterId, MembershipEntry entry)
    {
        await using var connection = new NpgsqlConnection(silo.Settings.OrleansConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(query, connection);
        command.Parameters.AddWithValue("DeploymentId", clusterId);
        command.Parameters.AddWithValue("Address", entry.SiloAddress.Endpoint.Address.ToString());
        command.Parameters.AddWithValue("Port", entry.SiloAddress.Endpoint.Port);
        command.Parameters.AddWithValue("Generation", entry.SiloAddress.Generation);
        command.Parameters.AddWithValue("SuspectTimes", (object?)null ?? DBNull.Value).DbType = System.Data.DbType.String;
        command.Parameters.AddWithValue("StartTime", entry.StartTime).DbType = System.Data.DbType.DateTime;
        command.Parameters.AddWithValue("IAmAliveTime", entry.IAmAliveTime).DbType = System.Data.DbType.DateTime;
        return await command.ExecuteNonQueryAsync();
    }
}
