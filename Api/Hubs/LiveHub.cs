using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.SignalR;
using TongBan.Api.Endpoints;
using TongBan.Grains.Cases;
using NetTopologySuite.Geometries;
using TongBan.Api.Map;
using TongBan.Api.Security;
using TongBan.Grains.Geo;
using TongBan.Grains.Halls;
using TongBan.Grains.Identity;
using TongBan.Grains.Live;
using TongBan.Grains.Map;
using TongBan.Grains.Regions;
using TongBan.Grains.Windows;

namespace TongBan.Api.Hubs;

/// <summary>
/// <c>/hubs/live</c>: clients join groups with Watch* and receive hallSnapshot, ticketCalled,
/// ticketUpdated, pointsChanged and caseChanged. Watching a hall answers at once with its current
/// snapshot, so a client that reconnects resynchronises without a separate HTTP call.
/// </summary>
public sealed class LiveHub(ServicePointDirectory directory, IGrainFactory grains, PersonalDataProtector protector) : Hub
{
    /// <summary>Hall snapshots are public (call screens, the digital map).</summary>
    [AllowAnonymous]
    public async Task<HallSnapshot> WatchHall(string hallCode)
    {
        RequireHall(hallCode);
        await Groups.AddToGroupAsync(Context.ConnectionId, LiveGroups.Hall(hallCode));
        return await grains.GetGrain<IHallGrain>(hallCode).GetSnapshot();
    }

    [AllowAnonymous]
    public Task UnwatchHall(string hallCode)
    {
        RequireHall(hallCode);
        return Groups.RemoveFromGroupAsync(Context.ConnectionId, LiveGroups.Hall(hallCode));
    }

    /// <summary>A citizen's phone follows its ticket (virtual queue): position, predicted wait, the call.</summary>
    [AllowAnonymous]
    public Task WatchTicket(string hallCode, string ticketNo)
    {
        RequireHall(hallCode);
        if (string.IsNullOrEmpty(ticketNo) || ticketNo.Length > 8 || !char.IsAsciiLetterUpper(ticketNo[0]) || !ticketNo[1..].All(char.IsAsciiDigit))
        {
            throw new HubException("ticketNo looks like A012.");
        }

        return Groups.AddToGroupAsync(Context.ConnectionId, LiveGroups.Ticket(hallCode, ticketNo));
    }

    /// <summary>
    /// The applicant or responsible staff follow a case (caseChanged), and a 12345 agent who verified the
    /// caller on it in the last 30 minutes; others get the same error as for a missing case.
    /// </summary>
    [Authorize(Policy = Policies.Authenticated)]
    public async Task WatchCase(string caseNo)
    {
        var view = CaseNumber.TryParse(caseNo, out var number) ? await grains.GetGrain<ICaseGrain>(number.Value).Get() : null;
        if (view is null || Context.User is not { } user ||
            !(user.MaySeeCase(view, protector) || await HotlineWatch.MayWatchAsync(grains, user, number.Value)))
        {
            throw new HubException($"No case '{caseNo}'.");
        }

        await Groups.AddToGroupAsync(Context.ConnectionId, LiveGroups.Case(number.Value));
    }

    /// <summary>
    /// A hall manager's desk follows the 12345 complaints about the hall's conduct (<c>hallComplaintChanged</c>): answers with the
    /// open ones now. Only the manager of this hall may watch.
    /// </summary>
    [Authorize(Roles = Roles.HallManager)]
    public async Task<IReadOnlyList<HotlineWorkItemDto>> WatchHallComplaints(string hallCode, [FromServices] TimeProvider clock)
    {
        RequireHall(hallCode);
        if (Context.User?.Claim(TongBanClaims.HallCode) != hallCode)
        {
            throw new HubException("只有该大厅的负责人可以查看针对大厅的投诉 | only the hall's manager may watch its complaints.");
        }

        await Groups.AddToGroupAsync(Context.ConnectionId, LiveGroups.HallDesk(hallCode));
        var items = await grains.GetGrain<Grains.Hotline.IHotlineBoxGrain>(Grains.Hotline.HotlineBoxKeys.Hall(hallCode)).List();
        return [.. items.Select(i => HotlineWorkItemDto.From(i, Grains.Common.ChinaTime.Today(clock)))];
    }

    /// <summary>
    /// A window's rating pad (评价器) on its own device follows its window: it answers with the ticket just finished there
    /// (while the offer is valid, else null) and then receives <c>ratingOffer</c> on every finish. Only a connection signed
    /// in as a clerk of this hall at this window may watch (the pad's sign-in, the same credential it rates with).
    /// </summary>
    [Authorize(Roles = Roles.Clerk)]
    public async Task<WindowRatingOffer?> WatchWindowPad(string hallCode, int windowNo)
    {
        RequireHall(hallCode);
        var user = Context.User;
        if (user?.Claim(TongBanClaims.HallCode) != hallCode ||
            user.Claim(TongBanClaims.WindowNo) != windowNo.ToString(System.Globalization.CultureInfo.InvariantCulture))
        {
            throw new HubException("Only the pad signed in at this window of this hall may watch it.");
        }

        if (directory.Find(hallCode)!.Windows.All(w => w.WindowNo != windowNo))
        {
            throw new HubException($"Hall {hallCode} has no window {windowNo}.");
        }

        await Groups.AddToGroupAsync(Context.ConnectionId, LiveGroups.WindowPad(hallCode, windowNo));
        return await grains.GetGrain<IWindowGrain>(WindowKeys.Of(hallCode, windowNo)).GetRatingOffer();
    }

    /// <summary>
    /// The public map follows a viewport (WGS84 lon/lat; one per connection, replaced by each call): it answers with the
    /// points inside now, then <c>pointsChanged</c> brings those of them that change, at most 4 times a second.
    /// </summary>
    [AllowAnonymous]
    public IReadOnlyList<MapPointDto> WatchViewport(
        double minLon, double minLat, double maxLon, double maxLat, [FromServices] MapService map, [FromServices] MapWatchers watchers)
    {
        if (!GeoPoint.IsValidCoordinate(minLat, minLon) || !GeoPoint.IsValidCoordinate(maxLat, maxLon))
        {
            throw new HubException("Viewport longitudes must be in [-180, 180] and latitudes in [-90, 90].");
        }

        if (minLon >= maxLon || minLat >= maxLat)
        {
            throw new HubException("Viewport is inverted or empty: minLon < maxLon and minLat < maxLat are required.");
        }

        var box = new Envelope(minLon, maxLon, minLat, maxLat);
        watchers.SetViewport(Context.ConnectionId, box);
        Context.Items[WatchersKey] = watchers;
        var now = map.Now;
        return [.. map.InBox(box).Take(MaxInitialPoints).Select(e => MapPointDto.From(e.Point, map, now, CoordinateSystem.Wgs84))];
    }

    /// <summary>Follows every service point of a region (county, prefecture or 520000 for the province) on the map.</summary>
    [AllowAnonymous]
    public async Task<IReadOnlyList<MapPointDto>> WatchRegion(string code, [FromServices] MapService map, [FromServices] MapWatchers watchers)
    {
        if (!RegionCatalog.IsWellFormedCode(code) || map.Regions.Find(code) is not { } region)
        {
            throw new HubException($"Unknown region '{code}'.");
        }

        if (!watchers.AddRegion(Context.ConnectionId, region.Code))
        {
            throw new HubException($"A connection watches at most {MapWatch.MaxRegions} regions.");
        }

        Context.Items[WatchersKey] = watchers;

        await Groups.AddToGroupAsync(Context.ConnectionId, LiveGroups.Region(region.Code));
        var now = map.Now;
        return [.. map.Index.Entries.Where(e => map.Regions.IsWithin(e.Point.RegionCode, region.Code))
            .Take(MaxInitialPoints).Select(e => MapPointDto.From(e.Point, map, now, CoordinateSystem.Wgs84))];
    }

    /// <summary>
    /// Map watches end with the connection (they are per connection, not SignalR groups). The watcher list was
    /// left in the connection's items by the Watch call: the request's services may be gone by now.
    /// </summary>
    public override Task OnDisconnectedAsync(Exception? exception)
    {
        if (Context.Items.TryGetValue(WatchersKey, out var watchers) && watchers is MapWatchers map)
        {
            map.Remove(Context.ConnectionId);
        }

        return base.OnDisconnectedAsync(exception);
    }

    private const int MaxInitialPoints = 5000;
    private const string WatchersKey = "map.watchers";

    private void RequireHall(string hallCode)
    {
        if (!ServicePointCode.IsWellFormed(hallCode) || directory.Find(hallCode) is null)
        {
            throw new HubException($"Unknown service point '{hallCode}'.");
        }
    }
}
