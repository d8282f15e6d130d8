using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.Runtime;
using TongBan.Grains.Halls;

namespace TongBan.Silo.Hosting;

/// <summary>Ready when this silo is an active cluster member and its reference data is loaded.</summary>
public sealed class ClusterReadinessCheck(ISiloStatusOracle oracle, ServicePointDirectory directory) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (oracle.CurrentStatus != SiloStatus.Active)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy($"silo status is {oracle.CurrentStatus}"));
        }

        return Task.FromResult(directory.IsLoaded
            ? HealthCheckResult.Healthy($"silo active; {directory.Count} service points")
            : HealthCheckResult.Unhealthy("reference data not loaded yet"));
    }
}

/// <summary>Ready for live updates once this host's SignalR hub is in the cluster's hub list.</summary>
public sealed class LiveHubReadinessCheck(IGrainFactory grains, ILocalSiloDetails silo) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        await grains.GetGrain<TongBan.Grains.Live.ILiveHubListGrain>(0).IsRegistered(silo.SiloAddress)
            ? HealthCheckResult.Healthy("live hub registered")
            : HealthCheckResult.Unhealthy("live hub not registered yet");
}
