using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Npgsql;

namespace TongBan.Throwaway;

/// <summary>
/// A PostgreSQL server for one test run or benchmark run, started from the installed binaries
/// (<c>/usr/lib/postgresql/*/bin</c>) on 127.0.0.1, a free port and a temporary directory, stopped and deleted on
/// dispose. As root, the server runs as <c>postgres</c> (or <c>nobody</c>), since initdb refuses root.
/// </summary>
/// <remarks>
/// Unless <c>durable</c> is asked for, it runs with fsync, synchronous_commit and full_page_writes off: a crash of
/// the machine may lose it, which does not matter for a server deleted afterwards, and tests run faster. Bench
/// figures taken that way are an upper bound for a durable production server.
/// </remarks>
public sealed class ThrowawayPostgres : IAsyncDisposable
{
    public const string BinariesRoot = "/usr/lib/postgresql";

    /// <summary>The settings of a non-durable server (printed by the benches with their results).</summary>
    public const string FastSettings = "fsync=off synchronous_commit=off full_page_writes=off";

    private readonly string directory;
    private readonly string binaries;
    private readonly string? runAs;
    private readonly string serverOptions;

    private ThrowawayPostgres(string directory, string binaries, string? runAs, string serverOptions, string connectionString, string version)
    {
        this.directory = directory;
        this.binaries = binaries;
        this.runAs = runAs;
        this.serverOptions = serverOptions;
        AdminConnectionString = connectionString;
        Version = version;
    }

    /// <summary>The superuser's connection string (password authentication over TCP).</summary>
    public string AdminConnectionString { get; }

    /// <summary>The server's <c>server_version</c>.</summary>
    public string Version { get; }

    public string DataDirectory => Path.Combine(directory, "data");

    /// <summary>The newest installed server's bin directory, or null when none is installed.</summary>
    public static string? FindBinaries() =>
        Directory.Exists(BinariesRoot)
            ? Directory.GetDirectories(BinariesRoot)
                .Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "initdb")) && File.Exists(Path.Combine(d, "pg_ctl")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0)
                .FirstOrDefault()
            : null;

    /// <param name="durable">Keep the server's defaults (every commit waits for its WAL flush).</param>
    /// <param name="extraOptions">More <c>postgres</c> command-line options, e.g. <c>-c shared_buffers=1GB</c>.</param>
    /// <param name="takePort">Chooses the port; by default one the OS reports free.</param>
    public static async Task<ThrowawayPostgres> StartAsync(bool durable = false, string? extraOptions = null, Func<int>? takePort = null)
    {
        var binaries = FindBinaries() ?? throw new InvalidOperationException(
            $"No PostgreSQL server binaries under {BinariesRoot}/*/bin: install them (apt-get install postgresql), or name an existing server.");

        string? runAs = null;
        if (Environment.UserName == "root")
        {
            runAs = (await RunAsync(null, "id", ["-u", "postgres"], TimeSpan.FromSeconds(10), check: false)).ExitCode == 0 ? "postgres" : "nobody";
        }

        var directory = Path.Combine(Path.GetTempPath(), "tongban-pg-" + RandomNumberGenerator.GetHexString(8, lowercase: true));
        Directory.CreateDirectory(directory);
        try
        {
            var password = RandomNumberGenerator.GetHexString(24, lowercase: true);
            var passwordFile = Path.Combine(directory, "password");
            await File.WriteAllTextAsync(passwordFile, password);
            if (runAs is not null)
            {
                await RunAsync(null, "chown", ["-R", runAs, directory], TimeSpan.FromSeconds(10));
            }

            var data = Path.Combine(directory, "data");
            await RunAsync(runAs, Path.Combine(binaries, "initdb"),
                ["-D", data, "-U", "postgres", "--pwfile", passwordFile, "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--no-locale", "--no-sync"],
                TimeSpan.FromMinutes(2));

            // A free port can be taken between choosing and binding it; try a few.
            for (var attempt = 1; ; attempt++)
            {
                var port = (takePort ?? FreePort)();
                var options = $"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c max_connections=100" +
                              (durable ? "" : " " + string.Join(' ', FastSettings.Split(' ').Select(s => "-c " + s))) +
                              (string.IsNullOrWhiteSpace(extraOptions) ? "" : " " + extraOptions);
                var (code, output) = await RunAsync(runAs, Path.Combine(binaries, "pg_ctl"),
                    ["-D", data, "-l", Path.Combine(directory, "server.log"), "-o", options, "-w", "-t", "60", "start"],
                    TimeSpan.FromMinutes(2), check: false);
                if (code == 0)
                {
                    var connectionString = new NpgsqlConnectionStringBuilder
                    {
                        Host = "127.0.0.1",
                        Port = port,
                        Username = "postgres",
                        Password = password,
                        Database = "postgres",
                    }.ConnectionString;
                    var version = await VersionAsync(connectionString, "The throwaway PostgreSQL started but does not answer");
                    return new ThrowawayPostgres(directory, binaries, runAs, options, connectionString, version);
                }

                if (attempt == 3)
                {
                    var log = Path.Combine(directory, "server.log");
                    throw new InvalidOperationException($"pg_ctl start failed ({code}): {output}\n{(File.Exists(log) ? await File.ReadAllTextAsync(log) : "")}");
                }
            }
        }
        catch
        {
            Directory.Delete(directory, recursive: true);
            throw;
        }
    }

    /// <summary><c>pg_ctl stop -m fast</c>: every session is disconnected, open transactions roll back, the server exits.</summary>
    public async Task StopAsync() =>
        await RunAsync(runAs, Path.Combine(binaries, "pg_ctl"), ["-D", DataDirectory, "-m", "fast", "-w", "-t", "60", "stop"], TimeSpan.FromMinutes(1));

    /// <summary>Starts the stopped server again on the same port and data directory.</summary>
    public async Task StartAgainAsync()
    {
        await RunAsync(runAs, Path.Combine(binaries, "pg_ctl"),
            ["-D", DataDirectory, "-l", Path.Combine(directory, "server.log"), "-o", serverOptions, "-w", "-t", "60", "start"], TimeSpan.FromMinutes(2));
        await VersionAsync(AdminConnectionString, "The restarted PostgreSQL does not answer");
    }

    /// <summary>Creates an empty database and returns a connection string for it.</summary>
    public async Task<string> CreateDatabaseAsync(string name)
    {
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand($"create database {name}", connection);
        await create.ExecuteNonQueryAsync();
        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name }.ConnectionString;
    }

    /// <summary>
    /// CPU time the server's processes have used so far (postmaster, its live backends, and the backends that
    /// exited), from <c>/proc</c>; null where that cannot be read.
    /// </summary>
    public TimeSpan? ServerCpu()
    {
        try
        {
            var postmaster = int.Parse(File.ReadLines(Path.Combine(DataDirectory, "postmaster.pid")).First(), CultureInfo.InvariantCulture);
            double ticks = 0;
            foreach (var dir in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(dir), out var pid))
                {
                    continue;
                }

                string stat;
                try
                {
                    stat = File.ReadAllText(Path.Combine(dir, "stat"));
                }
                catch (IOException)
                {
                    continue; // exited meanwhile
                }

                // Fields after "(comm)": state ppid … utime(14) stime(15) cutime(16) cstime(17), 1-based over the whole line.
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                var ppid = int.Parse(fields[1], CultureInfo.InvariantCulture);
                if (pid == postmaster || ppid == postmaster)
                {
                    ticks += double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture);
                    if (pid == postmaster)
                    {
                        ticks += double.Parse(fields[13], CultureInfo.InvariantCulture) + double.Parse(fields[14], CultureInfo.InvariantCulture);
                    }
                }
            }

            return TimeSpan.FromSeconds(ticks / 100.0); // USER_HZ is 100 on Linux
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or InvalidOperationException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await RunAsync(runAs, Path.Combine(binaries, "pg_ctl"), ["-D", DataDirectory, "-m", "immediate", "-w", "stop"], TimeSpan.FromSeconds(30), check: false);
        Directory.Delete(directory, recursive: true);
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static async Task<string> VersionAsync(string connectionString, string failure)
    {
        try
        {
            // Unpooled: after a restart the pool still holds sessions the stop ended (57P01 on their first command).
            await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
            await connection.OpenAsync();
            await using var version = new NpgsqlCommand("show server_version", connection);
            return (string)(await version.ExecuteScalarAsync())!;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            throw new InvalidOperationException($"{failure}: {e.Message}", e);
        }
    }

    /// <summary>Runs a tool, through runuser as <paramref name="runAs"/> when one is given.</summary>
    private static async Task<(int ExitCode, string Output)> RunAsync(string? runAs, string file, IReadOnlyList<string> arguments, TimeSpan timeout, bool check = true)
    {
        var start = new ProcessStartInfo
        {
            FileName = runAs is null ? file : "runuser",
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var a in runAs is null ? arguments : ["-u", runAs, "--", file, .. arguments])
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
