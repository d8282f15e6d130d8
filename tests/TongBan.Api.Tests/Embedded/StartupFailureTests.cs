using TongBan.Silo.Hosting;

namespace TongBan.Api.Tests.Embedded;

[Trait("Category", "Integration")]
public class StartupFailureTests
{
    [Theory]
    [InlineData("TongBan:Silo:SiloPort", "0", "SiloPort must be a port number between 1 and 65535, got 0")]
    [InlineData("TongBan:Silo:GatewayPort", "70000", "GatewayPort must be a port number between 1 and 65535, got 70000")]
    [InlineData("TongBan:Silo:AdvertisedAddress", "not a host!", "AdvertisedAddress must be an IP address or host name")]
    [InlineData("TongBan:Crypto:Suite", "gm", "TongBan:Crypto:Suite must be sm or international, got 'gm'")]
    public void Invalid_silo_options_fail_with_one_clear_line(string key, string value, string expected)
    {
        var error = Assert.Throws<StartupException>(() => TongBanHost.Build([$"--{key}", value]));
        Assert.Contains(expected, TongBanHost.Describe(error), StringComparison.Ordinal);
        Assert.DoesNotContain('\n', TongBanHost.Describe(error));
    }

    [Fact]
    public void In_process_grain_storage_is_refused_for_a_second_silo_and_in_PostgreSQL_mode()
    {
        var joining = Assert.Throws<StartupException>(() => TongBanHost.Build(
            ["--TongBan:Silo:InProcessGrainStorage", "true", "--TongBan:Silo:PrimarySiloPort", "11111", "--TongBan:Silo:SiloPort", "11112", "--TongBan:Silo:GatewayPort", "30001"]));
        Assert.Contains("InProcessGrainStorage is for a single silo", TongBanHost.Describe(joining), StringComparison.Ordinal);

        var postgres = Assert.Throws<StartupException>(() => TongBanHost.Build(
        [
            "--TongBan:Silo:InProcessGrainStorage", "true",
            "--ConnectionStrings:TongBan", "Host=127.0.0.1;Port=1;Database=x;Username=x;Password=x",
            "--TongBan:Auth:SigningKey", new string('k', 64),
        ]));
        Assert.Contains("embedded mode only", TongBanHost.Describe(postgres), StringComparison.Ordinal);
    }

    [Fact]
    public void Non_numeric_port_fails_with_a_clear_line()
    {
        var error = Record.Exception(() => TongBanHost.Build(["--TongBan:Silo:SiloPort", "eleven"]));
        Assert.NotNull(error);
        var line = TongBanHost.Describe(error);
        Assert.Contains("SiloPort", line, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', line);
    }

    [Fact]
    public void Production_mode_refuses_the_public_development_signing_key()
    {
        var error = Assert.Throws<StartupException>(() => TongBanHost.Build(
        [
            "--ConnectionStrings:TongBan", "Host=127.0.0.1;Port=1;Database=x;Username=x;Password=x",
            "--TongBan:Auth:SigningKey", TongBan.Api.Security.AuthOptions.DevelopmentSigningKey,
        ]));
        Assert.Contains("development key", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Production_mode_requires_a_signing_key_or_authority()
    {
        var error = Assert.Throws<StartupException>(() => TongBanHost.Build(["--ConnectionStrings:TongBan", "Host=127.0.0.1;Port=1;Database=x"]));
        Assert.Contains("Authority", error.Message, StringComparison.Ordinal);
    }
}
