using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;
using TongBan.Api.Tests.Infrastructure;
using Xunit.Abstractions;

namespace TongBan.Api.Tests.Postgres;

/// <summary>A wrong or unreachable database ends start-up quickly with exit code 1 and one line on stderr.</summary>
[Collection(PostgresCollection.Name)]
[Trait("Category", "Integration")]
public sealed class StartupFailureTests(PostgresServer server, ITestOutputHelper output)
{
    /// <summary>Process start, the 5 s connect timeout at most, and exit; generous for a loaded 2-core box.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    public static TheoryData<string> Cases => new() { "closed port", "silent server", "bad password", "bad database", "malformed" };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_bad_connection_string_exits_1_with_one_line_naming_the_failure(string kind)
    {
        var admin = new NpgsqlConnectionStringBuilder(server.AdminConnectionString);

        // Accepts TCP connections (the kernel completes them from the backlog) and never says a word: a host
        // that hangs rather than refuses. Start-up must give up after the connect timeout.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var silentPort = ((IPEndPoint)silent.LocalEndpoint).Port;

        var (connectionString, expected) = kind switch
        {
            // Loopback with nothing listening: "unreachable" without sending anything off this machine.
            "closed port" => (new NpgsqlConnectionStringBuilder(admin.ConnectionString) { Host = "127.0.0.1", Port = FreePorts.Take() }.ConnectionString, "cannot connect to PostgreSQL at 127.0.0.1:"),
            "silent server" => (new NpgsqlConnectionStringBuilder(admin.ConnectionString) { Host = "127.0.0.1", Port = silentPort }.ConnectionString, "no answer within the connect timeout"),
            "bad password" => (new NpgsqlConnectionStringBuilder(admin.ConnectionString) { Password = "wrong-password" }.ConnectionString, "refused the login: password authentication failed"),
            "bad database" => (new NpgsqlConnectionStringBuilder(admin.ConnectionString) { Database = "no_such_database" }.ConnectionString, "database \"no_such_database\" does not exist (3D000)"),
            _ => ("Host=127.0.0.1;Port=not-a-port;Password=hunter2", "ConnectionStrings:TongBan is not a valid PostgreSQL connection string"),
        };
        if (kind == "bad password" && !server.IsThrowaway)
        {
            // A server given through TONGBAN_TEST_PG may trust local connections; then no password is wrong.
            output.WriteLine("Skipped: the external server's authentication is unknown.");
            return;
        }

        var clock = Stopwatch.StartNew();
        await using var silo = SiloProcess.Start(connectionString);
        var exit = await silo.WaitForExitAsync(Bound);
        output.WriteLine($"{kind}: exit {exit} after {clock.Elapsed.TotalSeconds:0.0} s; stderr: {silo.StdErr.Trim()}");

        Assert.True(exit is not null, $"still running after {Bound}:\n{silo.Describe()}");
        Assert.Equal(1, exit);
        var line = Assert.Single(silo.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("tongban: start-up failed: ", line);
        Assert.Contains(expected, line);
        Assert.DoesNotContain("hunter2", line);
        Assert.DoesNotContain(admin.Password ?? "(none)", line);
    }
}
