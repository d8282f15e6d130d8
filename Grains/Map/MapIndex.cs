using NetTopologySuite.Geometries;
using NetTopologySuite.Index;
using NetTopologySuite.Index.KdTree;
using NetTopologySuite.Index.Strtree;
using TongBan.Grains.Geo;
using TongBan.Grains.Halls;

namespace TongBan.Grains.Map;

/// <summary>One indexed service point: its profile and its live cell.</summary>
public sealed class MapEntry(ServicePoint point, LiveCell cell)
{
    public ServicePoint Point { get; } = point;

    public LiveCell Cell { get; } = cell;

    public GeoPoint Location => Point.Location;

    /// <summary>cos(latitude), precomputed for the haversine in the search loop.</summary>
    public double CosLat { get; } = Math.Cos(point.Location.Lat * Math.PI / 180.0);
}

/// <summary>Receives the entries of an envelope query without allocating a result list.</summary>
public interface IMapEntryVisitor
{
    void Visit(MapEntry entry);
}

/// <summary>Which NTS structure holds the points. STRtree is the default (see <see cref="MapIndex"/>).</summary>
public enum PointIndexKind
{
    StrTree,
    KdTree,
}

/// <summary>
/// An immutable spatial index of the open (not closed) service points, in WGS84 lon/lat degrees, rebuilt
/// whole when the directory changes (admin edits are rare; 20,000 points rebuild in ~10 ms).
/// <para>
/// Structure: an NTS <see cref="STRtree{TItem}"/> (bulk-loaded, packed) by default, because with the same
/// expanding-envelope search it answers nearest-k with less CPU than a <see cref="KdTree{T}"/> (which can still be
/// chosen) and than STRtree's own best-first k-nearest, which also cannot rank by travel + wait (the map bench,
/// docs/PERFORMANCE.md "Map"). The packed STRtree keeps 10 points per leaf in few nodes, and its nodes can be
/// walked best-first (<see cref="NearestSearch"/> does); the KdTree has one node per point, is unbalanced unless
/// the insertion order is shuffled, and deeper. A KdTree also keeps one node per distinct coordinate, so points at
/// exactly the same place (the province centre and 观山湖区's hall share the district seat) are grouped into one
/// node when it is used.
/// </para>
/// </summary>
public sealed class MapIndex
{
    private static readonly int TypeCount = Enum.GetValues<ServicePointType>().Length;

    private readonly Part all;
    private readonly Part[] byType;

    private MapIndex(MapEntry[] entries, PointIndexKind kind, long directoryVersion)
    {
        Entries = entries;
        Kind = kind;
        DirectoryVersion = directoryVersion;
        Extent = new Envelope();
        foreach (var e in entries)
        {
            Extent.ExpandToInclude(e.Location.Lon, e.Location.Lat);
        }

        // One tree over everything, and one per type: a type filter (24h points, halls only) would otherwise
        // walk past the far more numerous stations to find its few matches.
        var areaKm2 = Math.Max(1, Extent.Width * Extent.Height * 111.32 * 111.32 * Math.Cos((Extent.Centre?.Y ?? 0) * Math.PI / 180));
        all = new Part(entries, kind, areaKm2);
        byType = [.. Enumerable.Range(0, TypeCount).Select(t => new Part([.. entries.Where(e => (int)e.Point.Type == t)], kind, areaKm2))];
    }

    public MapEntry[] Entries { get; }

    public PointIndexKind Kind { get; }

    /// <summary>The <see cref="ServicePointDirectory.Version"/> this index was built from.</summary>
    public long DirectoryVersion { get; }

    public Envelope Extent { get; }

    /// <summary>Mean density over the extent, to start the nearest search at a radius that usually holds k points.</summary>
    public double PointsPerKm2(ServicePointType? type = null) => (type is { } t ? byType[(int)t] : all).PointsPerKm2;

    public static MapIndex Build(IEnumerable<ServicePoint> points, LiveOverlay overlay, long directoryVersion = 0, PointIndexKind kind = PointIndexKind.StrTree)
    {
        var entries = points.Where(p => !p.Closed).Select(p => new MapEntry(p, overlay.Cell(p.Code))).ToArray();
        return new MapIndex(entries, kind, directoryVersion);
    }

    /// <summary>Visits every entry (of one type, when given) whose location lies in <paramref name="box"/> (lon/lat degrees, boundary included).</summary>
    public void Query(Envelope box, IMapEntryVisitor visitor, ServicePointType? type = null) =>
        (type is { } t ? byType[(int)t] : all).Query(box, visitor);

    public List<MapEntry> Query(Envelope box, ServicePointType? type = null)
    {
        var collector = new Collector();
        Query(box, collector, type);
        return collector.Items;
    }

    /// <summary>STRtree's own k-nearest by planar degree distance (only for the benchmark's comparison).</summary>
    public MapEntry[] StrTreeNearest(GeoPoint origin, int k) => all.StrTreeNearest(origin, k);

    /// <summary>The STRtree's root (of one type's tree, when given), for best-first traversal; null when built as a KdTree or empty.</summary>
    public AbstractNode<Envelope, MapEntry>? StrRoot(ServicePointType? type = null) => (type is { } t ? byType[(int)t] : all).StrRoot;

    private sealed class Part
    {
        private readonly KdTree<MapEntry[]>? kd;
        private readonly STRtree<MapEntry>? str;

        public Part(MapEntry[] entries, PointIndexKind kind, double areaKm2)
        {
            PointsPerKm2 = entries.Length / areaKm2;
            if (kind == PointIndexKind.KdTree)
            {
                kd = new KdTree<MapEntry[]>();
                // A KdTree is not self-balancing: insert in a shuffled (but deterministic) order rather than
                // code order, which is grouped by region and would give a deep, lopsided tree.
                var groups = entries.GroupBy(e => (e.Location.Lon, e.Location.Lat)).Select(g => g.ToArray()).ToArray();
                new Random(20200401).Shuffle(groups);
                foreach (var g in groups)
                {
                    kd.Insert(new Coordinate(g[0].Location.Lon, g[0].Location.Lat), g);
                }
            }
            else
            {
                str = new STRtree<MapEntry>();
                foreach (var e in entries)
                {
                    str.Insert(new Envelope(e.Location.Lon, e.Location.Lon, e.Location.Lat, e.Location.Lat), e);
                }

                str.Build();
            }
        }

        public double PointsPerKm2 { get; }

        public AbstractNode<Envelope, MapEntry>? StrRoot => str is null || str.IsEmpty ? null : str.Root;

        public void Query(Envelope box, IMapEntryVisitor visitor)
        {
            if (kd is not null)
            {
                kd.Query(box, new KdVisitor(visitor));
            }
            else
            {
                str!.Query(box, new StrVisitor(visitor));
            }
        }

        public MapEntry[] StrTreeNearest(GeoPoint origin, int k)
        {
            if (str is null)
            {
                throw new InvalidOperationException("Built as a KdTree.");
            }

            var probe = new MapEntry(new ServicePoint("probe", "", ServicePointType.Hall, ServiceLevel.County, "", origin, "", "", OpeningHours.AroundTheClock, [], [], []), new LiveCell("probe"));
            return str.NearestNeighbour(new Envelope(origin.Lon, origin.Lon, origin.Lat, origin.Lat), probe, PlanarDistance.Instance, k);
        }
    }

    private sealed class Collector : IMapEntryVisitor
    {
        public List<MapEntry> Items { get; } = [];

        public void Visit(MapEntry entry) => Items.Add(entry);
    }

    private readonly struct KdVisitor(IMapEntryVisitor inner) : IKdNodeVisitor<MapEntry[]>
    {
        public void Visit(KdNode<MapEntry[]> node)
        {
            foreach (var e in node.Data)
            {
                inner.Visit(e);
            }
        }
    }

    private readonly struct StrVisitor(IMapEntryVisitor inner) : IItemVisitor<MapEntry>
    {
        public void VisitItem(MapEntry item) => inner.Visit(item);
    }

    private sealed class PlanarDistance : IItemDistance<Envelope, MapEntry>
    {
        public static readonly PlanarDistance Instance = new();

        public double Distance(IBoundable<Envelope, MapEntry> item1, IBoundable<Envelope, MapEntry> item2)
        {
            var a = item1.Item.Location;
            var b = item2.Item.Location;
            var dx = (a.Lon - b.Lon) * Math.Cos(a.Lat * Math.PI / 180);
            var dy = a.Lat - b.Lat;
            return Math.Sqrt((dx * dx) + (dy * dy));
        }
    }
}
