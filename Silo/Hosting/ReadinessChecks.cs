using Microsoft.Extensions.Diagnostics.HealthChecks;
using TongBan.Grains.Live;

namespace TongBan.Silo.Hosting;

/// <summary>Ready when this silo is an active cluster member and its reference data is loaded.</summary>
public sealed class ClusterReadinessCheck(HostReadiness readiness) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(readiness.ClusterProblem is { } problem
            ? HealthCheckResult.Unhealthy(problem)
            : HealthCheckResult.Healthy($"silo active; {readiness.ServicePoints} service points"));
}

/// <summary>
/// Ready for live updates once this host's SignalR hub is in the cluster's hub list (the registrar's last acknowledged
/// registration; the live hub refuses connections on the same state, see <c>LiveHubGate</c>).
/// </summary>
public sealed class LiveHubReadinessCheck(HostReadiness readiness) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(readiness.HubProblem is { } problem
            ? HealthCheckResult.Unhealthy(problem)
            : HealthCheckResult.Healthy("live hub registered"));
}
