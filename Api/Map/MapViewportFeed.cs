using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Runtime.InteropServices;
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
/// Pushes <c>pointsChanged</c> to map watchers on this host: it takes the points that changed (live figures or
/// profile) and sends each watcher those inside its viewport or regions, in one message. It looks every
/// <see cref="Tick"/> and pushes at most once per <see cref="MinSpacing"/>: a change after a quiet spell goes out
/// within a tick, a busy province still costs a client at most 1 / <see cref="MinSpacing"/> = 4 messages a second.
/// A shorter spacing sends more, smaller messages, which costs more per watcher and raises the tail latency when
/// thousands watch (the map bench, docs/PERFORMANCE.md "Map").
/// Watchers that get the same points share one message, serialized once (map viewers of one county, say), however
/// many they are. Cross-silo: every host receives every hall's figures through the internal live group, so each host
/// serves its own connections.
/// </summary>
public sealed partial class MapViewportFeed(
    MapService map, MapWatchers watchers, ServicePointDirectory directory, IHubContext<LiveHub> hub, ILogger<MapViewportFeed> logger) : BackgroundService
{
    public static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(25);

    public static readonly TimeSpan MinSpacing = TimeSpan.FromMilliseconds(250);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Tick);
        var lastPush = 0L;
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                if (!map.Changes.HasPending || (lastPush != 0 && Stopwatch.GetElapsedTime(lastPush) < MinSpacing))
                {
                    continue;
                }

                lastPush = Stopwatch.GetTimestamp();
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

        // Watchers by the points they get (indexes into points, ascending): one message per distinct set.
        var audiences = new Dictionary<PointSet, ConnectionIdSet>();
        var inside = new List<int>();
        foreach (var (connectionId, watch) in watchers.All)
        {
            var box = watch.Viewport;
            var regions = watch.Regions;
            inside.Clear();
            for (var i = 0; i < points.Count; i++)
            {
                var p = points[i];
                if ((box is not null && box.Covers(p.Location.Lon, p.Location.Lat)) ||
                    (!regions.IsEmpty && regions.Any(r => map.Regions.IsWithin(p.RegionCode, r))))
                {
                    inside.Add(i);
                }
            }

            if (inside.Count == 0)
            {
                continue;
            }

            var key = new PointSet([.. inside]);
            if (!audiences.TryGetValue(key, out var audience))
            {
                audiences[key] = audience = new ConnectionIdSet();
            }

            audience.Add(connectionId);
        }

        var dtos = new Dictionary<int, MapPointDto>();
        var sends = new List<Task>(audiences.Count);
        foreach (var (set, audience) in audiences)
        {
            var payload = new List<MapPointDto>(set.Indexes.Length);
            foreach (var i in set.Indexes)
            {
                if (!dtos.TryGetValue(i, out var dto))
                {
                    dtos[i] = dto = MapPointDto.From(points[i], map, now, CoordinateSystem.Wgs84);
                }

                payload.Add(dto);
            }

            sends.Add(audience.Count == 1
                ? hub.Clients.Client(audience[0]).SendAsync(LiveMethods.PointsChanged, payload)
                : hub.Clients.Clients(audience).SendAsync(LiveMethods.PointsChanged, payload));
        }

        await Task.WhenAll(sends);
    }

    /// <summary>The indexes of the changed points one watcher gets; equal sets share a message.</summary>
    private readonly struct PointSet(int[] indexes) : IEquatable<PointSet>
    {
        public int[] Indexes { get; } = indexes;

        public bool Equals(PointSet other) => Indexes.AsSpan().SequenceEqual(other.Indexes);

        public override bool Equals(object? obj) => obj is PointSet other && Equals(other);

        public override int GetHashCode()
        {
            var hash = new HashCode();
            hash.AddBytes(MemoryMarshal.AsBytes(Indexes.AsSpan()));
            return hash.ToHashCode();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Map: pushing pointsChanged failed")]
    private static partial void LogPushFailed(ILogger logger, Exception exception);
}

/// <summary>
/// The connection ids of one <c>pointsChanged</c> message. SignalR's in-memory lifetime manager sends to a list of
/// connections by walking every connection of the host and asking the list whether it <c>Contains</c> the id
/// (LINQ's <c>Contains</c>, which uses <see cref="ICollection{T}.Contains"/> when the list has it): backed by a hash
/// set that question is O(1) instead of a scan of the list, which at thousands of map viewers per host was the
/// difference between one pass over the connections and one pass per viewer.
/// </summary>
public sealed class ConnectionIdSet : IReadOnlyList<string>, ICollection<string>
{
    private readonly List<string> order = [];
    private readonly HashSet<string> members = new(StringComparer.Ordinal);

    public int Count => order.Count;

    public bool IsReadOnly => false;

    public string this[int index] => order[index];

    public void Add(string item)
    {
        if (members.Add(item))
        {
            order.Add(item);
        }
    }

    public bool Contains(string item) => members.Contains(item);

    public void Clear()
    {
        order.Clear();
        members.Clear();
    }

    public void CopyTo(string[] array, int arrayIndex) => order.CopyTo(array, arrayIndex);

    public bool Remove(string item) => members.Remove(item) && order.Remove(item);

    public IEnumerator<string> GetEnumerator() => order.GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
