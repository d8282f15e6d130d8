using TongBan.Grains.Geo;

namespace TongBan.Grains.Map;

/// <summary>How the citizen gets there (出行方式).</summary>
public enum TravelMode
{
    /// <summary>步行</summary>
    Walk,

    /// <summary>驾车 (car, taxi, motorbike)</summary>
    Drive,

    /// <summary>公交 (bus, metro in 贵阳; includes walking to the stop and waiting for it)</summary>
    Transit,
}

/// <summary>
/// One mode of the great-circle model: <c>minutes = fixed + distance × detour / speed</c>.
/// </summary>
/// <param name="SpeedKmh">Average speed along the route (not along the straight line).</param>
/// <param name="DetourFactor">Route length ÷ great-circle distance (circuity, 绕行系数).</param>
/// <param name="FixedMinutes">Overhead independent of distance: parking, walking to a stop and waiting for the bus.</param>
public sealed record TravelModeProfile(double SpeedKmh, double DetourFactor, double FixedMinutes)
{
    public double MetersPerMinute => SpeedKmh * 1000 / 60;
}

/// <summary>
/// The default travel-time model: great-circle distance × a detour factor per mode, at a mode speed.
/// The numbers and why (see also docs/PERFORMANCE.md "Map"):
/// <list type="bullet">
/// <item>Detour factors. Measured road circuity is ≈1.2–1.4 on flat or well-meshed networks (Ballou, Rahardja &amp;
/// Sakai 2002, "Selected country circuity factors for road travel distance estimation", Transportation Research A 36;
/// Boscoe, Henry &amp; Zdeb 2012, Professional Geographer 64(2): US mean 1.417 for driving). Guizhou is a karst plateau
/// where roads follow valleys and switchbacks, so we <b>assume</b> higher values — 1.6 for driving and transit, 1.5 for
/// walking (footpaths cut corners that roads cannot). These are assumptions to be replaced by OSRM (configure
/// <c>TongBan:Map:Osrm:BaseUrl</c>) or by circuity measured on local OSM data.</item>
/// <item>Speeds. Walking 4.5 km/h (≈1.25 m/s, the comfortable adult pace; Bohannon 1997 reports 1.27–1.46 m/s,
/// slower on slopes). Driving 30 km/h door to door in county towns and mountain roads (urban 贵阳 peak is slower,
/// expressways faster: an assumption) plus 5 minutes to park. Transit 15 km/h in-vehicle plus 10 minutes to walk to
/// the stop and wait (an assumption in line with typical Chinese city bus commercial speeds of 15–20 km/h).</item>
/// </list>
/// Travel time is strictly increasing in distance for every mode; the nearest search relies on that for its stopping rule.
/// </summary>
public sealed class GreatCircleTravelModel
{
    public static readonly GreatCircleTravelModel Guizhou = new(
        walk: new TravelModeProfile(4.5, 1.5, 0),
        drive: new TravelModeProfile(30, 1.6, 5),
        transit: new TravelModeProfile(15, 1.6, 10));

    private readonly TravelModeProfile[] profiles;

    public GreatCircleTravelModel(TravelModeProfile walk, TravelModeProfile drive, TravelModeProfile transit)
    {
        foreach (var p in new[] { walk, drive, transit })
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(p.SpeedKmh, 0);
            ArgumentOutOfRangeException.ThrowIfLessThan(p.DetourFactor, 1);
            ArgumentOutOfRangeException.ThrowIfNegative(p.FixedMinutes);
        }

        profiles = [walk, drive, transit];
    }

    public TravelModeProfile Profile(TravelMode mode) => profiles[(int)mode];

    /// <summary>Route length estimate in metres.</summary>
    public double RouteMeters(double greatCircleMeters, TravelMode mode) => greatCircleMeters * profiles[(int)mode].DetourFactor;

    /// <summary>Travel minutes for a great-circle distance; strictly increasing in <paramref name="greatCircleMeters"/>.</summary>
    public double Minutes(double greatCircleMeters, TravelMode mode)
    {
        var p = profiles[(int)mode];
        return p.FixedMinutes + (greatCircleMeters * p.DetourFactor / p.MetersPerMinute);
    }

    public double Minutes(GeoPoint from, GeoPoint to, TravelMode mode) => Minutes(GreatCircle.DistanceMeters(from, to), mode);
}

/// <summary>One origin → destination estimate.</summary>
/// <param name="Minutes">Null when the provider found no route (OSRM answers null for unreachable pairs).</param>
public readonly record struct TravelEstimate(double? Minutes, double? RouteMeters);

/// <summary>Where a travel answer came from, shown in the nearest result's <c>reason</c>.</summary>
public enum TravelSource
{
    /// <summary>Great-circle × detour factor.</summary>
    GreatCircle,

    /// <summary>The deployment's OSRM table service.</summary>
    Osrm,

    /// <summary>OSRM was configured but failed (error, timeout, bad answer); the great-circle model stood in.</summary>
    GreatCircleFallback,
}

/// <summary>A batch of estimates from one origin, and their source.</summary>
public sealed record TravelTable(IReadOnlyList<TravelEstimate> Estimates, TravelSource Source, string? Note = null);

/// <summary>
/// Pluggable travel times (one origin, many destinations, WGS84). The great-circle model is always available;
/// a routing-engine client (OSRM) refines the candidates the index found.
/// </summary>
public interface ITravelTimeProvider
{
    /// <summary>True when this provider adds information beyond the great-circle model (so the search should ask it).</summary>
    bool IsRouting { get; }

    ValueTask<TravelTable> EstimateAsync(GeoPoint origin, IReadOnlyList<GeoPoint> destinations, TravelMode mode, CancellationToken cancellationToken);
}

/// <summary>The default provider: the great-circle model, synchronous and exact to itself.</summary>
public sealed class GreatCircleTravelTimeProvider(GreatCircleTravelModel model) : ITravelTimeProvider
{
    public bool IsRouting => false;

    public ValueTask<TravelTable> EstimateAsync(GeoPoint origin, IReadOnlyList<GeoPoint> destinations, TravelMode mode, CancellationToken cancellationToken)
    {
        var estimates = new TravelEstimate[destinations.Count];
        for (var i = 0; i < estimates.Length; i++)
        {
            var d = GreatCircle.DistanceMeters(origin, destinations[i]);
            estimates[i] = new TravelEstimate(model.Minutes(d, mode), model.RouteMeters(d, mode));
        }

        return ValueTask.FromResult(new TravelTable(estimates, TravelSource.GreatCircle));
    }
}
