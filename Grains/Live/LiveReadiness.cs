using Orleans.Runtime;
using TongBan.Grains.Halls;

namespace TongBan.Grains.Live;

/// <summary>
/// This host's place in the cluster's hub list as <see cref="LiveHubRegistrar"/> last saw it: registered while its
/// last acknowledged <see cref="ILiveHubListGrain.Register"/> is younger than the list's own
/// <see cref="LiveHubListGrain.Expiry"/>. A field read, so it can be asked on every connection attempt.
/// </summary>
public sealed class LiveHubRegistration(TimeProvider clock)
{
    private long acknowledgedTicks = long.MinValue;

    public bool IsRegistered
    {
        get
        {
            var at = Interlocked.Read(ref acknowledgedTicks);
            return at != long.MinValue && clock.GetUtcNow().UtcTicks - at < LiveHubListGrain.Expiry.Ticks;
        }
    }

    /// <summary>The list grain acknowledged this host's registration (called by the registrar).</summary>
    public void Acknowledged() => Interlocked.Exchange(ref acknowledgedTicks, clock.GetUtcNow().UtcTicks);
}

/// <summary>
/// Whether this host is ready, in one place for <c>/readyz</c> and the live hub's connection gate: the silo is an
/// active member with its reference data loaded (<see cref="ClusterProblem"/>), and for live updates also its hub
/// is in the hub list, so pushes reach the connections it accepts (<see cref="LiveProblem"/>). Local reads only.
/// </summary>
public sealed class HostReadiness(ISiloStatusOracle oracle, ServicePointDirectory directory, LiveHubRegistration hub)
{
    /// <summary>Null when the silo is active and its reference data loaded, else why not.</summary>
    public string? ClusterProblem =>
        oracle.CurrentStatus != SiloStatus.Active ? $"silo status is {oracle.CurrentStatus}"
        : !directory.IsLoaded ? "reference data not loaded yet"
        : null;

    /// <summary>Null when the host can accept live connections without a watcher missing pushes, else why not.</summary>
    public string? LiveProblem => ClusterProblem ?? HubProblem;

    /// <summary>Null when this host's hub is in the cluster's hub list.</summary>
    public string? HubProblem => hub.IsRegistered ? null : "live hub not registered yet";

    public int ServicePoints => directory.Count;
}
