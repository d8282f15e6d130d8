using System.Collections.Immutable;
using Orleans.Concurrency;

namespace TongBan.Grains.Live;

/// <summary>One per host process: forwards batches to its SignalR connections.</summary>
public interface ILiveHubObserver : IGrainObserver
{
    /// <summary>One-way: a slow or dead host must not hold up the notifier.</summary>
    [OneWay]
    Task Deliver(ImmutableArray<LiveMessage> batch);
}
