using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using Orleans.Runtime;

namespace TongBan.Grains.Live;

/// <summary>The push path's entry point for grains: publish and forget.</summary>
public interface ILiveNotifierGrain : IGrainWithIntegerKey
{
    [OneWay]
    Task Publish(LiveMessage message);

    [OneWay]
    Task PublishMany(ImmutableArray<LiveMessage> messages);
}

/// <summary>
/// One activation per silo (stateless worker, max 1), so grains publish locally without a network
/// hop; it batches for <see cref="FlushInterval"/>, coalesces by key, and sends each batch once to
/// every host's hub observer (GPSTracker's notifier → hub list → per-host observer shape).
/// Non-reentrant on purpose: Publish and the flush timer never interleave, so the buffer needs no lock.
/// </summary>
[StatelessWorker(1)]
public sealed partial class LiveNotifierGrain(IClusterMembershipService membership, TimeProvider clock, ILogger<LiveNotifierGrain> logger) : Grain, ILiveNotifierGrain
{
    /// <summary>
    /// Batches a busy silo's messages into a few sends per second per hub. A shorter interval lowers the median push
    /// latency but sends more batches and snapshots, which raises the p99 when many subscribers share the silo's CPU
    /// (docs/PERFORMANCE.md, SignalR push).
    /// </summary>
    public static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan HubListRefresh = TimeSpan.FromSeconds(2);

    private readonly List<LiveMessage> buffer = [];
    private readonly Dictionary<string, int> coalesced = new(StringComparer.Ordinal);
    private ImmutableArray<ILiveHubObserver> hubs = [];
    private DateTimeOffset hubsFetched = DateTimeOffset.MinValue;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        this.RegisterGrainTimer(Flush, new GrainTimerCreationOptions(FlushInterval, FlushInterval) { Interleave = false });
        return Task.CompletedTask;
    }

    public Task PublishMany(ImmutableArray<LiveMessage> messages)
    {
        foreach (var message in messages)
        {
            Add(message);
        }

        return Task.CompletedTask;
    }

    public Task Publish(LiveMessage message)
    {
        Add(message);
        return Task.CompletedTask;
    }

    private void Add(LiveMessage message)
    {
        if (message.CoalesceKey is { } key && coalesced.TryGetValue(key, out var index))
        {
            buffer[index] = message;
        }
        else
        {
            if (message.CoalesceKey is { } k)
            {
                coalesced[k] = buffer.Count;
            }

            buffer.Add(message);
        }
    }

    private async Task Flush(CancellationToken cancellationToken)
    {
        if (buffer.Count == 0)
        {
            return;
        }

        var batch = buffer.ToImmutableArray();
        buffer.Clear();
        coalesced.Clear();
        // Re-read the list when it is old, or while it knows fewer hubs than there are active silos
        // (a silo that just joined, or a hub list that was reactivated and is refilling).
        var activeSilos = membership.CurrentSnapshot.Members.Values.Count(m => m.Status == SiloStatus.Active);
        if (clock.GetUtcNow() - hubsFetched > HubListRefresh || hubs.Length < activeSilos)
        {
            try
            {
                hubs = await GrainFactory.GetGrain<ILiveHubListGrain>(0).GetHubs();
                hubsFetched = clock.GetUtcNow();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogHubListFailed(logger, e);
            }
        }

        foreach (var hub in hubs)
        {
            _ = hub.Deliver(batch); // one-way
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Live push: could not read the hub list; this batch goes to the hubs known before")]
    private static partial void LogHubListFailed(ILogger logger, Exception exception);
}

public static class LivePublishing
{
    /// <summary>Publishes through this silo's notifier.</summary>
    public static Task PublishLive(this IGrainFactory grains, LiveMessage message) =>
        grains.GetGrain<ILiveNotifierGrain>(0).Publish(message);

    public static Task PublishLive(this IGrainFactory grains, ImmutableArray<LiveMessage> messages) =>
        messages.IsEmpty ? Task.CompletedTask : grains.GetGrain<ILiveNotifierGrain>(0).PublishMany(messages);
}
