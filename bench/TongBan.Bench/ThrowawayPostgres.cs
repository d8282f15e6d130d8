using System.Diagnostics;
using System.Security.Cryptography;
using Npgsql;

namespace TongBan.Bench;

/// <summary>
/// A PostgreSQL server for one benchmark run, started from the installed binaries (<c>/usr/lib/postgresql/*/bin</c>)
/// on 127.0.0.1, a free port and a temporary directory, stopped and deleted on dispose (the same recipe as the
/// test fixture <c>PostgresServer</c>). As root, the server runs as <c>postgres</c> (or <c>nobody</c>), since
/// initdb refuses root. Like the fixture it runs with fsync, synchronous_commit and full_page_writes off:
/// numbers are an upper bound for a durable production server.
/// </summary>
public sealed class ThrowawayPostgres : IAsyncDisposable
{
    public const string BinariesRoot = "/usr/lib/postgresql";

    /// <summary>Settings the server is started with (printed with the results).</summary>
    public const string ServerSettings = "fsync=off synchronous_commit=off full_page_writes=off max_connections=100";

    private readonly string directory;
    private readonly string binaries;
    private readonly string? runAs;

    private ThrowawayPostgres(string directory, string binaries, string? runAs, string connectionString, string version)
    {
        this.directory = directory;
        this.binaries = binaries;
        this.runAs = runAs;
        AdminConnectionString = connectionString;
        Version = version;
    }

    public string AdminConnectionString { get; }

    public string Version { get; }

    public static string? FindBinaries() =>
        Directory.Exists(BinariesRoot)
            ? Directory.GetDirectories(BinariesRoot)
                .Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "initdb")) && File.Exists(Path.Combine(d, "pg_ctl")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0)
                .FirstOrDefault()
            : null;

    public static async Task<ThrowawayPostgres> StartAsync()
    {
        var binaries = FindBinaries() ?? throw new InvalidOperationException(
            $"No PostgreSQL server binaries under {BinariesRoot}/*/bin: install them (apt-get install postgresql) or pass --pg \"<connection string>\".");
        string? runAs = null;
        if (Environment.UserName == "root")
        {
            runAs = (await RunAsync(null, "id", ["-u", "postgres"], TimeSpan.FromSeconds(10), check: false)).ExitCode == 0 ? "postgres" : "nobody";
        }

        var directory = Path.Combine(Path.GetTempPath(), "tongban-bench-pg-" + RandomNumberGenerator.GetHexString(8, lowercase: true));
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

            for (var attempt = 1; ; attempt++)
            {
                var port = BenchHost.TakeFreePorts(1)[0];
                var options = $"-p {port} -k {directory} -c listen_addresses=127.0.0.1 " +
                              string.Join(' ', ServerSettings.Split(' ').Select(s => "-c " + s));
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
                    await using var connection = new NpgsqlConnection(connectionString);
                    await connection.OpenAsync();
                    await using var version = new NpgsqlCommand("show server_version", connection);
                    return new ThrowawayPostgres(directory, binaries, runAs, connectionString, (string)(await version.ExecuteScalarAsync())!);
                }

                if (attempt == 3)
                {
                    throw new InvalidOperationException($"pg_ctl start failed ({code}): {output}");
                }
            }
        }
        catch
        {
            Directory.Delete(directory, recursive: true);
            throw;
        }
    }

    /// <summary>
    /// CPU time the server's processes have used so far (postmaster, its live backends, and the backends that
    /// exited), from <c>/proc</c>; null where that cannot be read.
    /// </summary>
    public TimeSpan? ServerCpu()
    {
        try
        {
            var postmaster = int.Parse(File.ReadLines(Path.Combine(directory, "data", "postmaster.pid")).First(), System.Globalization.CultureInfo.InvariantCulture);
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
                var ppid = int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture);
                if (pid == postmaster || ppid == postmaster)
                {
                    ticks += double.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + double.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
                    if (pid == postmaster)
                    {
                        ticks += double.Parse(fields[13], System.Globalization.CultureInfo.InvariantCulture) + double.Parse(fields[14], System.Globalization.CultureInfo.InvariantCulture);
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

    /// <summary>Creates an empty database and returns a connection string for it.</summary>
    public async Task<string> CreateDatabaseAsync(string name)
    {
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand($"create database {name}", connection);
        await create.ExecuteNonQueryAsync();
        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name }.ConnectionString;
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await RunAsync(runAs, Path.Combine(binaries, "pg_ctl"), ["-D", Path.Combine(directory, "data"), "-m", "immediate", "-w", "stop"], TimeSpan.FromSeconds(30), check: false);
        Directory.Delete(directory, recursive: true);
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string? runAs, string file, IReadOnlyList<string> arguments, TimeSpan timeout, bool check = true)
    {
        var start = new ProcessStartInfo
        {
            FileName = runAs is null ? file : "runuser",
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        if (runAs is not null)
        {
            foreach (var a in (string[])["-u", runAs, "--", file])
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
