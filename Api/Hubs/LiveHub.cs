using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using TongBan.Api.Endpoints;
using TongBan.Grains.Cases;
using TongBan.Grains.Halls;
using TongBan.Grains.Identity;
using TongBan.Grains.Live;

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
    [Authorize]
    public async Task WatchCase(string caseNo)
    {
        var view = CaseNumber.TryParse(caseNo, out var number) ? await grains.GetGrain<ICaseGrain>(number.Value).Get() : null;
        if (view is null || Context.User is not { } user ||
            !(CaseEndpoints.MaySee(user, view, protector) || await HotlineWatch.MayWatchAsync(grains, user, number.Value)))
        {
            throw new HubException($"No case '{caseNo}'.");
        }

        await Groups.AddToGroupAsync(Context.ConnectionId, LiveGroups.Case(number.Value));
    }

    private void RequireHall(string hallCode)
    {
        if (!ServicePointCode.IsWellFormed(hallCode) || directory.Find(hallCode) is null)
        {
            throw new HubException($"Unknown service point '{hallCode}'.");
        }
    }
}
