using TongBan.Api.Endpoints;
using TongBan.Grains.Geo;
using TongBan.Grains.Halls;
using TongBan.Grains.Map;

namespace TongBan.Api.Map;

/// <summary>
/// A service point on the map with its live figures: the <c>pointsChanged</c> push element and the GeoJSON
/// feature properties. <c>waiting</c>/<c>predictedWaitMinutes</c> are null when no live figure has reached this
/// silo yet (or, for 24h self-service points, because there is no queue).
/// <c>noWindow</c> is true when tickets wait in the quoted category (<see cref="MapPointLive.QuotedCategory"/>) and no open
/// window serves it: then <c>predictedWaitMinutes</c> is null, never 0. <c>unservedCategories</c> lists every category of
/// the point in that state (tickets waiting, no open window), empty when there is none.
/// </summary>
public sealed record MapPointDto(
    string Code, string Name, string Type, string Level, string RegionCode, LatLon Location,
    bool Open, bool Suspended, bool Closed, bool Always, int? Waiting, int? PredictedWaitMinutes, double? GoodRate, int? OpenWindows,
    IReadOnlyList<string> Items, DateTimeOffset? At, bool NoWindow = false, IReadOnlyList<string>? UnservedCategories = null)
{
    public static MapPointDto From(ServicePoint p, MapService map, DateTimeOffset now, CoordinateSystem crs)
    {
        var live = map.Overlay.Find(p.Code)?.Live;
        var quoted = live?.QuotedCategory();
        return new(
            p.Code, p.Name, Wire.Name(p.Type), Wire.Name(p.Level), p.RegionCode, LatLon.From(p.Location, crs),
            map.IsOpenNow(p, now), live?.Suspended ?? false, p.Closed, p.Hours.Always,
            live?.WaitingTotal, quoted?.NoWindow == true ? null : quoted?.PredictedWaitMinutes, live?.GoodRate, live?.OpenWindows, p.ItemCodes, live?.At,
            quoted?.NoWindow ?? false, live is null ? [] : [.. live.Categories.Where(c => c.NoWindow).Select(c => c.Code)]);
    }
}

/// <summary>One point's details: the map point plus profile and per-category live figures.</summary>
public sealed record MapPointDetailDto(
    MapPointDto Point, string Address, string Phone, OpeningHoursDto OpeningHours, IReadOnlyList<CategoryLiveDto> Categories,
    int WindowCount, int? AppointmentsNextHour, string? RegionName);

/// <summary>One category's live figures on a point's details; <c>servingWindows</c> is a whole count of open windows.</summary>
/// <param name="NoWindow">Tickets wait and no open window serves the category: <c>predictedWaitMinutes</c> is null, never 0 (无窗口办理).</param>
public sealed record CategoryLiveDto(string Code, string Name, int? Waiting, int? PredictedWaitMinutes, double? ServingWindows, bool NoWindow = false);

/// <summary>
/// One nearest result (published fields first). Minutes are whole minutes as a person reads them; the rank used the
/// exact travel time and the published (rounded-up) wait. <c>predictedWaitMinutes</c> includes the anti-herding load
/// (<c>herdingMinutes</c>); null when the hall has no live figure for that session and nobody was sent there yet, or is a
/// 24h self-service point (no queue). A point closed at arrival has <c>open</c> false, <c>opensAt</c> (+08:00),
/// <c>opensAtText</c> (「周一 09:00 开门」) and <c>waitUntilOpenMinutes</c>; one that cannot serve within two weeks has no <c>opensAt</c>.
/// </summary>
public sealed record NearestResultDto(
    string HallCode, string Name, double DistanceMeters, double TravelMinutes, int? PredictedWaitMinutes, double TotalMinutes,
    int? Waiting, bool Open, string Reason,
    int Rank, string Type, LatLon Location, double? RouteMeters, DateTimeOffset ArrivalAt, double HerdingMinutes, double ExpectedArrivalsAhead,
    double? GoodRate, bool HandlesItem, string TravelSource, string? ClosedReason,
    DateTimeOffset? OpensAt = null, string? OpensAtText = null, double WaitUntilOpenMinutes = 0)
{
    public static NearestResultDto From(NearestCandidate c, int rank, NearestCandidate? next, NearestQuery q, string? note, CoordinateSystem crs)
    {
        var live = c.Entry.Cell.Live;
        var p = c.Entry.Point;
        int? wait = p.Categories.Count == 0 || (c.BaseWaitMinutes is null && c.HerdingMinutes == 0)
            ? null
            : NearestSearch.PublishedWait(c.WaitMinutes);
        DateTimeOffset? opensAt = !c.Open && c.ServedFrom is { } from ? from : null;
        return new(
            p.Code, p.Name, Math.Round(c.DistanceMeters), Math.Round(c.TravelMinutes), wait, Math.Round(c.TotalMinutes),
            p.Categories.Count == 0 ? null : live?.WaitingTotal, c.Open, RankReason.Explain(c, rank, next, q.Mode, note),
            rank, Wire.Name(p.Type), LatLon.From(p.Location, crs), c.RouteMeters is { } m ? Math.Round(m) : null, c.Arrival,
            Math.Round(c.HerdingMinutes), Math.Round(c.ExpectedAhead, 1), live?.GoodRate,
            q.ItemCode is null || p.ItemCodes.Contains(q.ItemCode, StringComparer.Ordinal), Wire.Name(c.TravelSource), c.ClosedReason,
            opensAt, opensAt is { } o ? RankReason.OpensText(o) : null, Math.Round(c.MinutesUntilOpen));
    }
}

public sealed record RegionAggregateDto(string Code, string Name, string Level, int Points, int OpenPoints, int Waiting, int SuspendedPoints, double? GoodRate, int RatedPoints);
