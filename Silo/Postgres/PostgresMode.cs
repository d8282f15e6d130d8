using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using TongBan.Grains.Cases;
using TongBan.Grains.Common;
using TongBan.Grains.Halls;
using TongBan.Grains.Queues;

namespace TongBan.Silo.Postgres;

/// <summary>PostgreSQL mode wiring: schema migrations, Orleans ADO.NET providers, TongBan's own tables.</summary>
public static class PostgresMode
{
    public const string Invariant = "Npgsql";

    /// <remarks>
    /// Called before <c>ReferenceDataStartup</c> is registered and before <c>UseOrleans</c>. The host starts
    /// hosted services one after another in registration order, so the schema is in place before the
    /// reference data is seeded, before the Orleans providers read OrleansQuery, and before Kestrel listens.
    /// </remarks>
    public static void AddServices(IServiceCollection services, PostgresSettings settings)
    {
        services.AddSingleton(settings);
        services.AddSingleton(_ => NpgsqlDataSource.Create(settings.AppConnectionString));
        services.AddSingleton<SchemaMigrator>();
        services.AddHostedService<SchemaMigrationStartup>();
        services.AddSingleton<IServicePointStore, PostgresServicePointStore>();
        services.AddSingleton<IQueueDayArchive, PostgresQueueDayArchive>();
        services.AddSingleton<ICaseStore, PostgresCaseStore>();
        services.AddHostedService<AuditSealer>();
    }

    public static void ConfigureSilo(ISiloBuilder silo, PostgresSettings settings)
    {
        // The three providers get the same connection string, hence share one Npgsql pool.
        silo.UseAdoNetClustering(o =>
        {
            o.Invariant = Invariant;
            o.ConnectionString = settings.OrleansConnectionString;
        });
        silo.AddAdoNetGrainStorage(StorageNames.Default, o =>
        {
            o.Invariant = Invariant;
            o.ConnectionString = settings.OrleansConnectionString;
        });
        silo.UseAdoNetReminderService(o =>
        {
            o.Invariant = Invariant;
            o.ConnectionString = settings.OrleansConnectionString;
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
