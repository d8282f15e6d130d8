using System.Collections.Concurrent;
using System.Collections.Immutable;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NetTopologySuite.Geometries;
using TongBan.Api.Hubs;
using TongBan.Grains.Geo;
using TongBan.Grains.Halls;
using TongBan.Grains.Live;
using TongBan.Grains.Map;

namespace TongBan.Api.Map;

/// <summary>What one SignalR connection watches on the map: one viewport (replaced by each WatchViewport) and some regions.</summary>
public sealed class MapWatch
{
    public const int MaxRegions = 16;

    public volatile Envelope? Viewport;

    public ImmutableHashSet<string> Regions = [];
}

/// <summary>This host's map watchers, by connection id (connections live on one host; every host has every point's changes).</summary>
public sealed class MapWatchers
{
    private readonly ConcurrentDictionary<string, MapWatch> byConnection = new(StringComparer.Ordinal);

    public int Count => byConnection.Count;

    public IEnumerable<KeyValuePair<string, MapWatch>> All => byConnection;

    public void SetViewport(string connectionId, Envelope box) => byConnection.GetOrAdd(connectionId, _ => new MapWatch()).Viewport = box;

    public bool AddRegion(string connectionId, string regionCode)
    {
        var watch = byConnection.GetOrAdd(connectionId, _ => new MapWatch());
        lock (watch)
        {
            if (watch.Regions.Count >= MapWatch.MaxRegions && !watch.Regions.Contains(regionCode))
            {
                return false;
            }

            watch.Regions = watch.Regions.Add(regionCode);
            return true;
        }
    }

    public void Remove(string connectionId) => byConnection.TryRemove(connectionId, out _);
}

/// <summary>
/// Pushes <c>pointsChanged</c> to map watchers on this host: every <see cref="Interval"/> it takes the points that
/// changed (live figures or profile), and sends each watcher those inside its viewport or regions, in one message.
/// So a client gets at most 1 / <see cref="Interval"/> = 4 messages a second however busy the province is, and
/// a busy hall is coalesced twice (notifier flush, then here). Cross-silo: every host receives every hall's
/// figures through the internal live group, so each host serves its own connections.
/// </summary>
public sealed partial class MapViewportFeed(
    MapService map, MapWatchers watchers, ServicePointDirectory directory, IHubContext<LiveHub> hub, ILogger<MapViewportFeed> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                if (!map.Changes.HasPending)
                {
                    continue;
                }

                var codes = map.Changes.Drain();
                if (watchers.Count == 0)
                {
                    continue;
                }

                try
                {
                    await Push(codes);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogPushFailed(logger, e);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task Push(IReadOnlyList<string> codes)
    {
        var now = map.Now;
        var points = new List<ServicePoint>(codes.Count);
        foreach (var code in codes)
        {
            if (directory.Find(code) is { } p)
            {
                points.Add(p);
            }
        }

        var dtos = new Dictionary<string, MapPointDto>(StringComparer.Ordinal);
        var sends = new List<Task>();
        foreach (var (connectionId, watch) in watchers.All)
        {
            var box = watch.Viewport;
            var regions = watch.Regions;
            List<MapPointDto>? payload = null;
            foreach (var p in points)
            {
                var inside = (box is not null && box.Covers(p.Location.Lon, p.Location.Lat)) ||
                             (!regions.IsEmpty && regions.Any(r => map.Regions.IsWithin(p.RegionCode, r)));
                if (!inside)
                {
                    continue;
                }

                if (!dtos.TryGetValue(p.Code, out var dto))
                {
                    dto = MapPointDto.From(p, map, now, CoordinateSystem.Wgs84);
                    dtos[p.Code] = dto;
                }

                (payload ??= []).Add(dto);
            }

            if (payload is not null)
            {
                sends.Add(hub.Clients.Client(connectionId).SendAsync(LiveMethods.PointsChanged, payload));
            }
        }

        await Task.WhenAll(sends);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Map: pushing pointsChanged failed")]
    private static partial void LogPushFailed(ILogger logger, Exception exception);
}
