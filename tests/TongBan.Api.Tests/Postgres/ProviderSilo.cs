using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Orleans;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Storage;
using TongBan.Api.Tests.Infrastructure;
using TongBan.Silo.Postgres;

namespace TongBan.Api.Tests.Postgres;

/// <summary>
/// An in-process silo wired exactly like PostgreSQL mode (<see cref="PostgresMode.ConfigureSilo"/>) on its own
/// migrated database, so the tests can reach the Orleans providers and their tables directly.
/// </summary>
public sealed class ProviderSilo : IAsyncDisposable
{
    public const string ClusterId = "providers";
    public const string ServiceId = "providers";

    /// <summary>A second ADO.NET storage with DeleteStateOnClear, the only user of DeleteStorageKey.</summary>
    public const string DeletingStorage = "deleting";

    private ProviderSilo(IHost host, PostgresSettings settings, NpgsqlDataSource data, int gatewayPort)
    {
        Host = host;
        Settings = settings;
        Data = data;
        GatewayPort = gatewayPort;
    }

    public IHost Host { get; }

    public PostgresSettings Settings { get; }

    /// <summary>TongBan's side of the database, for looking at the tables.</summary>
    public NpgsqlDataSource Data { get; }

    public int GatewayPort { get; }

    public IGrainFactory Grains => Host.Services.GetRequiredService<IGrainFactory>();

    public static async Task<ProviderSilo> StartAsync(PostgresServer server)
    {
        var settings = PostgresSettings.FromConnectionString(await server.CreateDatabaseAsync("providers"), "tongban-test");
        var data = NpgsqlDataSource.Create(settings.AppConnectionString);
        await new SchemaMigrator(data, NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);

        var ports = FreePorts.Take(2);
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IGrainStorageSerializer, OrleansGrainStorageSerializer>();
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = ClusterId;
                o.ServiceId = ServiceId;
            });
            silo.ConfigureEndpoints(IPAddress.Loopback, ports[0], ports[1]);
            PostgresMode.ConfigureSilo(silo, settings);
            silo.AddAdoNetGrainStorage(DeletingStorage, o =>
            {
                o.Invariant = PostgresMode.Invariant;
                o.ConnectionString = settings.OrleansConnectionString;
                o.DeleteStateOnClear = true;
            });
            // Lets a test see a reminder fire within seconds.
            silo.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromSeconds(1));
        });
        var host = builder.Build();
        await host.StartAsync();
        return new ProviderSilo(host, settings, data, ports[1]);
    }

    public async ValueTask DisposeAsync()
    {
        await Host.StopAsync(TimeSpan.FromSeconds(20));
        Host.Dispose();
        await Data.DisposeAsync();
    }
}
