using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using TongBan.Grains.Common;
using TongBan.Grains.Halls;

namespace TongBan.Silo.Postgres;

/// <summary>PostgreSQL mode wiring: schema migrations, Orleans ADO.NET providers, TongBan's own tables.</summary>
public static class PostgresMode
{
    public const string Invariant = "Npgsql";

    public static void AddServices(IServiceCollection services, string connectionString)
    {
        // TODO(pg): migrations hosted service, NpgsqlDataSource, PostgresServicePointStore.
        services.AddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        services.AddSingleton<IServicePointStore, InMemoryServicePointStore>();
    }

    public static void ConfigureSilo(ISiloBuilder silo, string connectionString)
    {
        silo.UseAdoNetClustering(o =>
        {
            o.Invariant = Invariant;
            o.ConnectionString = connectionString;
        });
        silo.AddAdoNetGrainStorage(StorageNames.Default, o =>
        {
            o.Invariant = Invariant;
            o.ConnectionString = connectionString;
        });
        silo.UseAdoNetReminderService(o =>
        {
            o.Invariant = Invariant;
            o.ConnectionString = connectionString;
        });
    }
}

/// <summary>Ready only while PostgreSQL answers a trivial query.</summary>
public sealed class PostgresReadinessCheck(NpgsqlDataSource dataSource) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var cmd = dataSource.CreateCommand("select 1");
            await cmd.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("PostgreSQL does not answer: " + e.Message);
        }
    }
}
