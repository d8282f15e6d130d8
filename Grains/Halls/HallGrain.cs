using Microsoft.Extensions.Logging;
using TongBan.Grains.Common;
using TongBan.Grains.Live;

namespace TongBan.Grains.Halls;

/// <summary>
/// A hall's live face. Its static profile comes from the silo-local <see cref="ServicePointDirectory"/>
/// (no storage read on activation); only operator-set status is persisted here.
/// </summary>
public sealed partial class HallGrain(
    [PersistentState("hall", StorageNames.Default)] IPersistentState<HallServiceStatus> status,
    ServicePointDirectory directory,
    TimeProvider clock,
    ILogger<HallGrain> logger) : Grain, IHallGrain
{
    private ServicePoint Profile => directory.Find(this.GetPrimaryKeyString())
        ?? throw new UnknownHallException(this.GetPrimaryKeyString());

    public Task<HallSnapshot> GetSnapshot() => Task.FromResult(BuildSnapshot());

    private HallSnapshot BuildSnapshot()
    {
        var p = Profile;
        var snapshot = new HallSnapshot(
            p.Code,
            ChinaTime.Now(clock),
            [.. p.Categories.Select(c => new CategorySnapshot(c.Code, c.Name, 0, 0))],
            [.. p.Windows.Select(w => new WindowSnapshot(w.WindowNo, "closed", null))],
            ServedToday: 0,
            AppointmentsToday: 0,
            GoodRate: null,
            Suspended: status.State.Suspended);
        return snapshot;
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
        LogStatusChanged(logger, this.GetPrimaryKeyString(), suspended, actor);
        await PublishSnapshot();
        return status.State;
    }

    private Task PublishSnapshot()
    {
        var code = this.GetPrimaryKeyString();
        return GrainFactory.PublishLive(new LiveMessage(LiveGroups.Hall(code), LiveMethods.HallSnapshot, BuildSnapshot(), CoalesceKey: "snapshot:" + code));
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
