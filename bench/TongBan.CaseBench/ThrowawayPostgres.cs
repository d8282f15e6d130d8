using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Npgsql;

namespace TongBan.CaseBench;

/// <summary>
/// A PostgreSQL started for one run from the installed binaries (<c>/usr/lib/postgresql/*/bin</c>) on 127.0.0.1, a
/// free port and a temporary directory, deleted on dispose — the logic of the tests' <c>PostgresServer</c> fixture.
/// By default with fsync, synchronous_commit and full_page_writes off, like the fixture; <c>durable</c> keeps the
/// server defaults (every commit waits for its WAL flush).
/// </summary>
internal sealed class ThrowawayPostgres : IAsyncDisposable
{
    private const string BinariesRoot = "/usr/lib/postgresql";

    private readonly string directory;
    private readonly string binaries;
    private readonly string? runAs;

    private ThrowawayPostgres(string directory, string binaries, string? runAs, string connectionString)
    {
        this.directory = directory;
        this.binaries = binaries;
        this.runAs = runAs;
        AdminConnectionString = connectionString;
    }

    public string AdminConnectionString { get; }

    public string DataDirectory => Path.Combine(directory, "data");

    public static async Task<ThrowawayPostgres> StartAsync(bool durable, string? extraOptions)
    {
        var binaries = (Directory.Exists(BinariesRoot)
            ? Directory.GetDirectories(BinariesRoot).Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "initdb")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0)
                .FirstOrDefault()
            : null) ?? throw new InvalidOperationException($"No PostgreSQL server binaries under {BinariesRoot}/*/bin: apt-get install postgresql, or pass --pg.");

        // initdb refuses to run as root: run the server as an unprivileged account that owns the directory.
        string? runAs = null;
        if (Environment.UserName == "root")
        {
            runAs = (await RunAsync(null, "id", ["-u", "postgres"], check: false)).ExitCode == 0 ? "postgres" : "nobody";
        }

        var directory = Path.Combine(Path.GetTempPath(), "tongban-casebench-" + RandomNumberGenerator.GetHexString(8, lowercase: true));
        Directory.CreateDirectory(directory);
        var password = RandomNumberGenerator.GetHexString(24, lowercase: true);
        var passwordFile = Path.Combine(directory, "password");
        await File.WriteAllTextAsync(passwordFile, password);
        if (runAs is not null)
        {
            await RunAsync(null, "chown", ["-R", runAs, directory]);
        }

        var data = Path.Combine(directory, "data");
        await RunAsync(runAs, Path.Combine(binaries, "initdb"),
            ["-D", data, "-U", "postgres", "--pwfile", passwordFile, "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--no-locale", "--no-sync"]);

        var port = FreePort();
        var options = $"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c max_connections=100" +
                      (durable ? "" : " -c fsync=off -c synchronous_commit=off -c full_page_writes=off") +
                      (string.IsNullOrWhiteSpace(extraOptions) ? "" : " " + extraOptions);
        var (code, output) = await RunAsync(runAs, Path.Combine(binaries, "pg_ctl"),
            ["-D", data, "-l", Path.Combine(directory, "server.log"), "-o", options, "-w", "-t", "60", "start"], check: false);
        if (code != 0)
        {
            throw new InvalidOperationException($"pg_ctl start failed ({code}): {output}");
        }

        var connectionString = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = port,
            Username = "postgres",
            Password = password,
            Database = "postgres",
        }.ConnectionString;
        return new ThrowawayPostgres(directory, binaries, runAs, connectionString);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await RunAsync(runAs, Path.Combine(binaries, "pg_ctl"), ["-D", Path.Combine(directory, "data"), "-m", "immediate", "-w", "stop"], check: false);
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

    private static async Task<(int ExitCode, string Output)> RunAsync(string? runAs, string file, IReadOnlyList<string> arguments, bool check = true)
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
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        var output = (await stdout) + (await stderr);
        if (check && process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} failed ({process.ExitCode}): {output}");
        }

        return (process.ExitCode, output);
    }
}
