using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TongBan.Grains.Halls;
using TongBan.Grains.Live;

namespace TongBan.Grains.Map;

/// <summary>
/// The map's use of the live push path. Halls publish a compact <see cref="MapPointLive"/> to the internal group
/// beside their <c>hallSnapshot</c> (coalesced per hall by the notifier, so a busy hall costs at most one message
/// per notifier flush); every host's <see cref="LocalFirstLiveObserver"/> hands it to <see cref="MapLiveSubscriber"/>.
/// Silos also exchange their anti-herding counts on the same group.
/// </summary>
public static class MapLiveFeed
{
    public static readonly string Group = LiveGroups.Internal("map");

    public const string PointLive = "mapPointLive";

    public const string ExpectedArrivals = "mapExpectedArrivals";

    /// <summary>The message a hall adds to its snapshot push.</summary>
    public static LiveMessage For(HallSnapshot snapshot) =>
        new(Group, PointLive, MapPointLive.From(snapshot), CoalesceKey: "map:" + snapshot.HallCode);
}

/// <summary>Feeds this host's <see cref="MapService"/> from the internal map group.</summary>
public sealed class MapLiveSubscriber(MapService map) : ILocalLiveSubscriber
{
    public string GroupPrefix => MapLiveFeed.Group;

    public void Deliver(LiveMessage message)
    {
        switch (message.Payload)
        {
            case MapPointLive live:
                map.ApplyLive(live);
                break;
            case ExpectedArrivalBatch batch:
                map.ApplyPeerArrivals(batch);
                break;
        }
    }
}

/// <summary>
/// Sends this silo's new anti-herding counts to its peers every <see cref="Interval"/> through the live path.
/// A peer therefore misses at most the last interval (+ one notifier flush) of this silo's
/// recommendations: with n silos behind a load balancer the count a query sees lags by at most that window.
/// </summary>
public sealed partial class ExpectedArrivalBroadcaster(MapService map, IGrainFactory grains, ILogger<ExpectedArrivalBroadcaster> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                if (map.DrainUnsent() is not { } batch)
                {
                    continue;
                }

                try
                {
                    await grains.PublishLive(new LiveMessage(MapLiveFeed.Group, MapLiveFeed.ExpectedArrivals, batch));
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogPublishFailed(logger, e, batch.Arrivals.Count);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Map: sending {Count} expected arrivals to peer silos failed; they count them from the next batch on")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception, int count);
}
