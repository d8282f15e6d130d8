using System.Collections.Immutable;

namespace TongBan.Grains.Live;

/// <summary>
/// An in-process consumer of the live push path (the map overlay, the anti-herding ledger). It receives the
/// messages of <see cref="LiveGroups.Internal"/> groups that start with its <see cref="GroupPrefix"/>, on
/// every host, in the same batches the SignalR hubs get.
/// </summary>
public interface ILocalLiveSubscriber
{
    string GroupPrefix { get; }

    /// <summary>Called on the observer's turn: must be quick and must not block (hand long work off).</summary>
    void Deliver(LiveMessage message);
}

/// <summary>
/// The host's registered <see cref="ILiveHubObserver"/>: hands internal messages to local subscribers and
/// everything else to the next observer (SignalR). Internal groups never reach SignalR: no client can join them.
/// </summary>
public sealed class LocalFirstLiveObserver(IEnumerable<ILocalLiveSubscriber> subscribers, ILiveHubObserver next) : ILiveHubObserver
{
    private readonly ILocalLiveSubscriber[] subscribers = [.. subscribers];

    public Task Deliver(ImmutableArray<LiveMessage> batch)
    {
        var forward = batch;
        if (batch.Any(m => m.Group.StartsWith(LiveGroups.InternalPrefix, StringComparison.Ordinal)))
        {
            foreach (var message in batch)
            {
                if (!message.Group.StartsWith(LiveGroups.InternalPrefix, StringComparison.Ordinal))
                {
                    continue;
                }

                foreach (var s in subscribers)
                {
                    if (message.Group.StartsWith(s.GroupPrefix, StringComparison.Ordinal))
                    {
                        s.Deliver(message);
                    }
                }
            }

            forward = batch.RemoveAll(m => m.Group.StartsWith(LiveGroups.InternalPrefix, StringComparison.Ordinal));
        }

        return forward.IsEmpty ? Task.CompletedTask : next.Deliver(forward);
    }
}
