using Microsoft.Extensions.Logging;
using TongBan.Grains.Alerts;
using TongBan.Grains.Appointments;
using TongBan.Grains.Common;
using TongBan.Grains.Live;
using TongBan.Grains.Queues;
using TongBan.Grains.Ratings;

namespace TongBan.Grains.Halls;

/// <summary>
/// A hall's live face. Its static profile comes from the silo-local <see cref="ServicePointDirectory"/>; only
/// operator-set status is persisted. The figures of tickets and windows are computed by the hall's queue grain, where the
/// tickets are (<see cref="IHallQueueGrain.GetFloor"/>), so they cannot contradict each other; the hall adds what it owns
/// (appointments, rating, suspension). A snapshot request asks the hall queue; the push follows the hall queue's reports.
/// </summary>
public sealed partial class HallGrain(
    [PersistentState("hall", StorageNames.Default)] IPersistentState<HallServiceStatus> status,
    ServicePointDirectory directory,
    TimeProvider clock,
    ILogger<HallGrain> logger) : Grain, IHallGrain
{
    private HallSnapshot? floor;
    private (int Today, int NextHour) appointments;
    private double? goodRate;
    private bool loaded;

    private string Code => this.GetPrimaryKeyString();

    private ServicePoint Profile => directory.Find(Code) ?? throw new UnknownHallException(Code);

    public async Task<HallSnapshot> GetSnapshot()
    {
        await EnsureLoaded();
        floor = await GrainFactory.GetGrain<IHallQueueGrain>(Code).GetFloor();
        return Overlay(floor);
    }

    public Task<HallServiceStatus> GetServiceStatus()
    {
        _ = Profile;
        return Task.FromResult(status.State ?? HallServiceStatus.Open);
    }

    public async Task<HallServiceStatus> SetServiceStatus(bool suspended, string? reason, string actor)
    {
        _ = Profile;
        if (status.State.Suspended == suspended && status.State.Reason == reason)
        {
            return status.State; // a retried command changes nothing
        }

        status.State = new HallServiceStatus(suspended, reason, actor, ChinaTime.Now(clock));
        await status.WriteStateAsync();
        LogStatusChanged(logger, Code, suspended, actor);
        await EnsureLoaded();
        await PublishSnapshot();
        return status.State;
    }

    public async Task FloorChanged(HallSnapshot report)
    {
        ArgumentNullException.ThrowIfNull(report);
        await EnsureLoaded();
        if (floor is null || report.At >= floor.At)
        {
            floor = report;
            await PublishSnapshot();

            // The alert rules read the same floor (one-way: the hall never waits for its alerts).
            GrainFactory.GetGrain<IHallAlertGrain>(Code).FloorChanged(Overlay(report)).Ignore();
        }
    }

    public async Task AppointmentsChanged(int today, int nextHour)
    {
        await EnsureLoaded();
        appointments = (today, nextHour);
        await PublishSnapshot();
    }

    public async Task RatingsChanged(double? rate)
    {
        await EnsureLoaded();
        if (goodRate != rate)
        {
            goodRate = rate;
            await PublishSnapshot();
        }
    }

    private async Task EnsureLoaded()
    {
        if (loaded)
        {
            return;
        }

        var p = Profile;
        if (p.Windows.Count > 0)
        {
            // Today's book reports changes as they happen; a reactivated hall asks once instead of showing 0.
            var figures = await GrainFactory.GetGrain<IAppointmentBookGrain>(AppointmentBookKeys.Of(p.Code, ChinaTime.Today(clock))).GetFigures();
            appointments = (figures.Today, figures.NextHour);
        }

        loaded = true;

        // One-way: the hall's rating roll-up answers with RatingsChanged, so the hall never waits on the rating store.
        await GrainFactory.GetGrain<IRatingRollupGrain>(RatingScopes.HallKey(p.Code)).Announce();
    }

    private HallSnapshot Overlay(HallSnapshot f) => f with
    {
        AppointmentsToday = appointments.Today,
        AppointmentsNextHour = appointments.NextHour,
        GoodRate = goodRate,
        Suspended = status.State.Suspended,
    };

    private async Task PublishSnapshot()
    {
        floor ??= await GrainFactory.GetGrain<IHallQueueGrain>(Code).GetFloor();
        var snapshot = Overlay(floor);
        await GrainFactory.PublishLive(
        [
            new LiveMessage(LiveGroups.Hall(Code), LiveMethods.HallSnapshot, snapshot, CoalesceKey: "snapshot:" + Code),
            Map.MapLiveFeed.For(snapshot), // every silo's map overlay (coalesced per hall)
        ]);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Hall {HallCode} service status set: suspended={Suspended} by {Actor}")]
    private static partial void LogStatusChanged(ILogger logger, string hallCode, bool suspended, string actor);
}

/// <summary>Raised when a grain is addressed with a service-point code that does not exist.</summary>
[GenerateSerializer]
public sealed class UnknownHallException(string hallCode) : Exception($"Unknown service point '{hallCode}'.")
{
    [Id(0)]
    public string HallCode { get; } = hallCode;
}
