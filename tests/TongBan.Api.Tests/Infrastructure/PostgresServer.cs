using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using Npgsql;

namespace TongBan.Api.Tests.Infrastructure;

/// <summary>Test classes that need a real PostgreSQL join this collection; they share one server and run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "PostgreSQL";
}

/// <summary>
/// A real PostgreSQL for the tests: the server named by <c>TONGBAN_TEST_PG</c> (a connection string whose user may
/// CREATE DATABASE), or else a throwaway server started from the installed binaries
/// (<c>/usr/lib/postgresql/*/bin</c>) on 127.0.0.1, a free port and a temporary data directory, stopped and
/// deleted on dispose. Each test class (or test that needs a clean slate) asks for a fresh database.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    public const string EnvironmentVariable = "TONGBAN_TEST_PG";

    private const string BinariesRoot = "/usr/lib/postgresql";

    private readonly List<string> databases = [];
    private readonly ConcurrentDictionary<string, Lazy<Task<IAsyncDisposable>>> shared = new();
    private string? directory;
    private string? binaries;
    private string? runAs;
    private string? serverOptions;

    /// <summary>Connection string of a user that may create databases (the superuser of a throwaway server).</summary>
    public string AdminConnectionString { get; private set; } = "";

    /// <summary>True when the server is the throwaway one started here, with password authentication on TCP.</summary>
    public bool IsThrowaway => directory is not null;

    public async Task InitializeAsync()
    {
        var external = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(external))
        {
            AdminConnectionString = external;
            await CheckAnswersAsync($"{EnvironmentVariable} names a server that does not answer");
            return;
        }

        binaries = FindBinaries() ?? throw new InvalidOperationException(
            $"The PostgreSQL tests need a server: set {EnvironmentVariable} to a connection string whose user may CREATE DATABASE, " +
            $"or install the server binaries (apt-get install postgresql) so the tests can start a throwaway one from {BinariesRoot}/*/bin.");
        await StartThrowawayAsync();
    }

    /// <summary>
    /// A throwaway server of its own (whatever <c>TONGBAN_TEST_PG</c> says), for tests that stop and start it
    /// (<see cref="StopAsync"/>, <see cref="StartAgainAsync"/>) and must not disturb the shared one.
    /// </summary>
    public static async Task<PostgresServer> StartOwnAsync()
    {
        var server = new PostgresServer
        {
            binaries = FindBinaries() ?? throw new InvalidOperationException($"No PostgreSQL server binaries under {BinariesRoot}/*/bin (apt-get install postgresql)."),
        };
        await server.StartThrowawayAsync();
        return server;
    }

    /// <summary>The data directory of a throwaway server.</summary>
    private string Data => Path.Combine(directory ?? throw new InvalidOperationException("Only a throwaway server can be stopped and started."), "data");

    /// <summary><c>pg_ctl stop -m fast</c>: every session is disconnected, open transactions roll back, the server exits.</summary>
    public async Task StopAsync() =>
        await RunAsync(Path.Combine(binaries!, "pg_ctl"), ["-D", Data, "-m", "fast", "-w", "-t", "60", "stop"], TimeSpan.FromMinutes(1));

    /// <summary>Starts a stopped throwaway server again on the same port and data directory.</summary>
    public async Task StartAgainAsync()
    {
        await RunAsync(Path.Combine(binaries!, "pg_ctl"),
            ["-D", Data, "-l", Path.Combine(directory!, "server.log"), "-o", serverOptions!, "-w", "-t", "60", "start"], TimeSpan.FromMinutes(2));
        await CheckAnswersAsync("The restarted PostgreSQL does not answer");
    }

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

        if (directory is null)
        {
            await DropDatabasesAsync();
            return;
        }

        await RunAsync(Path.Combine(binaries!, "pg_ctl"), ["-D", Path.Combine(directory, "data"), "-m", "immediate", "-w", "stop"], TimeSpan.FromSeconds(30), check: false);
        Directory.Delete(directory, recursive: true);
    }

    private static string? FindBinaries() =>
        Directory.Exists(BinariesRoot)
            ? Directory.GetDirectories(BinariesRoot)
                .Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "initdb")) && File.Exists(Path.Combine(d, "pg_ctl")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0)
                .FirstOrDefault()
            : null;

    private async Task StartThrowawayAsync()
    {
        // initdb refuses to run as root: as root, run the server as an unprivileged account that owns the directory.
        if (Environment.UserName == "root")
        {
            runAs = await RunAsync("id", ["-u", "postgres"], TimeSpan.FromSeconds(10), check: false) is (0, _) ? "postgres" : "nobody";
        }

        directory = Path.Combine(Path.GetTempPath(), "tongban-pg-" + RandomNumberGenerator.GetHexString(8, lowercase: true));
        Directory.CreateDirectory(directory);
        var password = RandomNumberGenerator.GetHexString(24, lowercase: true);
        var passwordFile = Path.Combine(directory, "password");
        await File.WriteAllTextAsync(passwordFile, password);
        if (runAs is not null)
        {
            await RunAsync("chown", ["-R", runAs, directory], TimeSpan.FromSeconds(10));
        }

        var data = Path.Combine(directory, "data");
        await RunAsync(Path.Combine(binaries!, "initdb"),
            ["-D", data, "-U", "postgres", "--pwfile", passwordFile, "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--no-locale", "--no-sync"],
            TimeSpan.FromMinutes(2));

        // A free port can be taken between choosing and binding it; try a few.
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePorts.Take();
            var options = $"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c max_connections=100 " +
                          "-c fsync=off -c synchronous_commit=off -c full_page_writes=off";
            var (code, output) = await RunAsync(Path.Combine(binaries!, "pg_ctl"),
                ["-D", data, "-l", Path.Combine(directory, "server.log"), "-o", options, "-w", "-t", "60", "start"],
                TimeSpan.FromMinutes(2), check: false);
            if (code == 0)
            {
                serverOptions = options;
                AdminConnectionString = new NpgsqlConnectionStringBuilder
                {
                    Host = "127.0.0.1",
                    Port = port,
                    Username = "postgres",
                    Password = password,
                    Database = "postgres",
                }.ConnectionString;
                await CheckAnswersAsync("The throwaway PostgreSQL started but does not answer");
                return;
            }

            if (attempt == 3)
            {
                var log = Path.Combine(directory, "server.log");
                throw new InvalidOperationException($"pg_ctl start failed ({code}): {output}\n{(File.Exists(log) ? await File.ReadAllTextAsync(log) : "")}");
            }
        }
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

    private async Task<(int ExitCode, string Output)> RunAsync(string file, IReadOnlyList<string> arguments, TimeSpan timeout, bool check = true)
    {
        var start = new ProcessStartInfo
        {
            FileName = runAs is null || file is "chown" or "id" ? file : "runuser",
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        if (start.FileName == "runuser")
        {
            foreach (var a in (string[])["-u", runAs!, "--", file])
            {
                start.ArgumentList.Add(a);
            }
        }

        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} did not finish within {timeout}.");
        }

        var output = (await stdout) + (await stderr);
        if (check && process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} failed ({process.ExitCode}): {output}");
        }

        return (process.ExitCode, output);
    }
}
