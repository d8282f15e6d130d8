using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using TongBan.Silo.Hosting;

namespace TongBan.Api.Tests.Support;

/// <summary>Two real embedded hosts in this process forming one Orleans cluster, each with its own Kestrel.</summary>
public sealed class EmbeddedCluster : IAsyncLifetime
{
    public List<(WebApplication App, Uri Base, HttpClient Http)> Silos { get; } = [];

    public async Task InitializeAsync()
    {
        var primaryPort = FreePorts.Next();
        foreach (var siloPort in new[] { primaryPort, FreePorts.Next() })
        {
            var app = TongBanHost.Build(
            [
                "--urls", "http://127.0.0.1:0",
                "--TongBan:Silo:SiloPort", siloPort.ToString(CultureInfo.InvariantCulture),
                "--TongBan:Silo:GatewayPort", FreePorts.Next().ToString(CultureInfo.InvariantCulture),
                "--TongBan:Silo:PrimarySiloPort", primaryPort.ToString(CultureInfo.InvariantCulture),
                "--TongBan:Silo:Dashboard", "false",
                "--Logging:LogLevel:Default", "Warning",
            ]);
            await app.StartAsync();
            var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
            Silos.Add((app, address, new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) }));
        }

        foreach (var (_, _, http) in Silos)
        {
            await Readiness.WaitAsync(http, TimeSpan.FromSeconds(30));
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var (app, _, http) in Enumerable.Reverse(Silos))
        {
            http.Dispose();
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    public HubConnection Hub(int silo, string? token = null) =>
        new HubConnectionBuilder()
            .WithUrl(new Uri(Silos[silo].Base, "/hubs/live"), o =>
            {
                if (token is not null)
                {
                    o.AccessTokenProvider = () => Task.FromResult<string?>(token);
                }
            })
            .WithAutomaticReconnect()
            .Build();
}
