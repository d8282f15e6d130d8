using Npgsql;
using TongBan.Silo.Hosting;
using TongBan.Silo.Postgres;

namespace TongBan.Api.Tests.Postgres;

[Trait("Category", "Integration")]
public sealed class PostgresSettingsTests
{
    [Fact]
    public void Defaults_fill_what_the_operator_left_open()
    {
        var settings = PostgresSettings.FromConnectionString("Host=db;Username=tongban;Password=secret;Database=tongban", "tongban:11111");

        var orleans = new NpgsqlConnectionStringBuilder(settings.OrleansConnectionString);
        Assert.Equal(PostgresSettings.OrleansPoolSize, orleans.MaxPoolSize);
        Assert.True(orleans.NoResetOnClose);
        Assert.Equal(20, orleans.MaxAutoPrepare);
        Assert.Equal("orleans", orleans.SearchPath);
        Assert.Equal("tongban:11111:orleans", orleans.ApplicationName);
        Assert.Equal("secret", orleans.Password);

        var app = new NpgsqlConnectionStringBuilder(settings.AppConnectionString);
        Assert.Equal(PostgresSettings.AppPoolSize, app.MaxPoolSize);
        Assert.False(app.NoResetOnClose);
        Assert.Equal(0, app.MaxAutoPrepare);
        Assert.Equal(PostgresSettings.DefaultConnectTimeoutSeconds, app.Timeout);
        Assert.Equal("tongban:11111:app", app.ApplicationName);

        Assert.Equal("db:5432/tongban as tongban", settings.Endpoint);
        Assert.DoesNotContain("secret", settings.Endpoint);
    }

    [Fact]
    public void The_operators_values_win()
    {
        var settings = PostgresSettings.FromConnectionString(
            "Host=db;Username=u;Maximum Pool Size=40;Timeout=20;No Reset On Close=false;Application Name=ops", "tongban:1");

        var orleans = new NpgsqlConnectionStringBuilder(settings.OrleansConnectionString);
        var app = new NpgsqlConnectionStringBuilder(settings.AppConnectionString);
        Assert.Equal((40, false, "ops"), (orleans.MaxPoolSize, orleans.NoResetOnClose, orleans.ApplicationName));
        Assert.Equal((40, 20, "ops"), (app.MaxPoolSize, app.Timeout, app.ApplicationName));
        Assert.Equal("orleans", orleans.SearchPath); // not negotiable: the providers' bootstrap query needs it
    }

    [Theory]
    [InlineData("this is not a connection string")]
    [InlineData("Host=db;Colour=blue")]
    [InlineData("Host=db;Port=eleven")]
    [InlineData("Username=u;Password=p")]
    public void A_malformed_string_is_a_startup_error_that_does_not_echo_it(string connectionString)
    {
        var e = Assert.Throws<StartupException>(() => PostgresSettings.FromConnectionString(connectionString + ";Password=hunter2", "t"));
        Assert.StartsWith("ConnectionStrings:TongBan ", e.Message);
        Assert.DoesNotContain("hunter2", e.Message);
    }
}
