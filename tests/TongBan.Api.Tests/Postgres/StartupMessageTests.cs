using Npgsql;
using TongBan.Silo.Hosting;

namespace TongBan.Api.Tests.Postgres;

/// <summary>What <c>tongban: start-up failed: …</c> says for the exceptions that reach Program.cs.</summary>
[Trait("Category", "Integration")]
public sealed class StartupMessageTests
{
    [Fact]
    public void Our_message_is_found_under_the_hosts_and_Orleans_wrappers()
    {
        var wrapped = new InvalidOperationException("Lifecycle start canceled due to errors at stage 2000",
            new AggregateException(new StartupException("schema migration: cannot connect to PostgreSQL at db:5432/tongban as tongban: Connection refused")));

        Assert.Equal("schema migration: cannot connect to PostgreSQL at db:5432/tongban as tongban: Connection refused", TongBanHost.Describe(wrapped));
    }

    [Fact]
    public void A_database_error_outside_the_migrator_is_named()
    {
        var e = new AggregateException(new PostgresException("permission denied for schema orleans", "ERROR", "ERROR", "42501"));

        Assert.Equal("PostgreSQL refused: permission denied for schema orleans (42501)", TongBanHost.Describe(e));
    }

    [Fact]
    public void Anything_else_is_one_line_with_its_innermost_cause()
    {
        var e = new InvalidOperationException("Lifecycle start canceled\nat stage 2000",
            new ArgumentException("Not all required queries found. Missing are: GatewaysQueryKey"));

        Assert.Equal(
            "InvalidOperationException: Lifecycle start canceled at stage 2000 (cause: ArgumentException: Not all required queries found. Missing are: GatewaysQueryKey)",
            TongBanHost.Describe(e));
    }
}
