using System.Collections.Immutable;
using Orleans.Runtime;

namespace TongBan.Grains.Live;

/// <summary>Service discovery for the live hubs: which host processes hold SignalR connections.</summary>
public interface ILiveHubListGrain : IGrainWithIntegerKey
{
    Task Register(SiloAddress host, ILiveHubObserver hub);

    Task<ImmutableArray<ILiveHubObserver>> GetHubs();
}

/// <summary>
/// Kept in memory only: hosts re-register every <see cref="LiveHubRegistrar.RefreshInterval"/>, so a
/// reactivated list is complete again within one interval. Hubs of silos that are no longer active
/// cluster members are dropped at once; ones that stopped refreshing expire.
/// </summary>
public sealed class LiveHubListGrain(IClusterMembershipService membership, TimeProvider clock) : Grain, ILiveHubListGrain
{
    public static readonly TimeSpan Expiry = TimeSpan.FromSeconds(45);

    private readonly Dictionary<SiloAddress, (ILiveHubObserver Hub, DateTimeOffset Seen)> hubs = [];

    public Task Register(SiloAddress host, ILiveHubObserver hub)
    {
        hubs[host] = (hub, clock.GetUtcNow());
        return Task.CompletedTask;
    }

    public Task<ImmutableArray<ILiveHubObserver>> GetHubs()
    {
        Prune();
        return Task.FromResult(hubs.Values.Select(h => h.Hub).ToImmutableArray());
    }

    private void Prune()
    {
        var now = clock.GetUtcNow();
        var members = membership.CurrentSnapshot;
        foreach (var host in hubs.Keys.ToList())
        {
            var status = members.GetSiloStatus(host);
            if (status is SiloStatus.Dead or SiloStatus.ShuttingDown or SiloStatus.Stopping || now - hubs[host].Seen > Expiry)
            {
                hubs.Remove(host);
            }
        }
    }
}
