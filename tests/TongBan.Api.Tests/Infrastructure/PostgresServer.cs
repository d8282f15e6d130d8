using System.Collections.Concurrent;
using System.Security.Cryptography;
using Npgsql;
using TongBan.Throwaway;

namespace TongBan.Api.Tests.Infrastructure;

/// <summary>Test classes that need a real PostgreSQL join this collection; they share one server and run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "PostgreSQL";
}

/// <summary>
/// A real PostgreSQL for the tests: the server named by <c>TONGBAN_TEST_PG</c> (a connection string whose user may
/// CREATE DATABASE), or else a <see cref="ThrowawayPostgres"/> (the launcher the benches use too). Each test class
/// (or test that needs a clean slate) asks for a fresh database.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    public const string EnvironmentVariable = "TONGBAN_TEST_PG";

    private readonly List<string> databases = [];
    private readonly ConcurrentDictionary<string, Lazy<Task<IAsyncDisposable>>> shared = new();
    private ThrowawayPostgres? throwaway;

    /// <summary>Connection string of a user that may create databases (the superuser of a throwaway server).</summary>
    public string AdminConnectionString { get; private set; } = "";

    /// <summary>True when the server is the throwaway one started here, with password authentication on TCP.</summary>
    public bool IsThrowaway => throwaway is not null;

    public async Task InitializeAsync()
    {
        var external = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(external))
        {
            AdminConnectionString = external;
            await CheckAnswersAsync($"{EnvironmentVariable} names a server that does not answer");
            return;
        }

        if (ThrowawayPostgres.FindBinaries() is null)
        {
            throw new InvalidOperationException(
                $"The PostgreSQL tests need a server: set {EnvironmentVariable} to a connection string whose user may CREATE DATABASE, " +
                $"or install the server binaries (apt-get install postgresql) so the tests can start a throwaway one from {ThrowawayPostgres.BinariesRoot}/*/bin.");
        }

        await StartThrowawayAsync();
    }

    /// <summary>
    /// A throwaway server of its own (whatever <c>TONGBAN_TEST_PG</c> says), for tests that stop and start it
    /// (<see cref="StopAsync"/>, <see cref="StartAgainAsync"/>) and must not disturb the shared one.
    /// </summary>
    public static async Task<PostgresServer> StartOwnAsync()
    {
        var server = new PostgresServer();
        await server.StartThrowawayAsync();
        return server;
    }

    private ThrowawayPostgres Throwaway => throwaway ?? throw new InvalidOperationException("Only a throwaway server can be stopped and started.");

    /// <summary><c>pg_ctl stop -m fast</c>: every session is disconnected, open transactions roll back, the server exits.</summary>
    public Task StopAsync() => Throwaway.StopAsync();

    /// <summary>Starts a stopped throwaway server again on the same port and data directory.</summary>
    public Task StartAgainAsync() => Throwaway.StartAgainAsync();

    /// <summary>Creates an empty database with a unique name and returns a connection string for it.</summary>
    public async Task<string> CreateDatabaseAsync(string hint)
    {
        var name = $"tb_{new string([.. hint.ToLowerInvariant().Where(char.IsAsciiLetterOrDigit)])}_{RandomNumberGenerator.GetHexString(8, lowercase: true)}";
        await using (var connection = new NpgsqlConnection(AdminConnectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"create database {name}", connection);
            await create.ExecuteNonQueryAsync();
        }

        lock (databases)
        {
            databases.Add(name);
        }

        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name }.ConnectionString;
    }

    /// <summary>One object per key for the server's lifetime (e.g. an in-process silo shared by a test class), disposed before the server stops.</summary>
    public async Task<T> SharedAsync<T>(string key, Func<Task<T>> create)
        where T : IAsyncDisposable =>
        (T)await shared.GetOrAdd(key, _ => new Lazy<Task<IAsyncDisposable>>(async () => await create())).Value;

    public async Task DisposeAsync()
    {
        foreach (var item in shared.Values.Where(l => l.IsValueCreated))
        {
            try
            {
                await (await item.Value).DisposeAsync();
            }
            catch (Exception)
            {
                // A fixture that failed to start has nothing to dispose; the server still has to go.
            }
        }

        if (throwaway is null)
        {
            await DropDatabasesAsync();
            return;
        }

        await throwaway.DisposeAsync();
    }

    private async Task StartThrowawayAsync()
    {
        throwaway = await ThrowawayPostgres.StartAsync(takePort: FreePorts.Take);
        AdminConnectionString = throwaway.AdminConnectionString;
    }

    private async Task CheckAnswersAsync(string failure)
    {
        try
        {
            await using var connection = new NpgsqlConnection(AdminConnectionString);
            await connection.OpenAsync();
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            throw new InvalidOperationException($"{failure}: {e.Message}", e);
        }
    }

    private async Task DropDatabasesAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        foreach (var name in databases)
        {
            await using var drop = new NpgsqlCommand($"drop database if exists {name} with (force)", connection);
            await drop.ExecuteNonQueryAsync();
        }
    }
}
