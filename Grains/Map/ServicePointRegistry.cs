using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using Orleans.Runtime;
using TongBan.Grains.Halls;

namespace TongBan.Grains.Map;

/// <summary>
/// Version of the service-point reference data. <see cref="Epoch"/> changes when the registry grain is
/// activated anew (it keeps its counter in memory), so a silo that sees another epoch reloads from the store
/// rather than trusting counts from a previous activation.
/// </summary>
[GenerateSerializer, Immutable]
public readonly record struct DirectoryStamp([property: Id(0)] Guid Epoch, [property: Id(1)] long Version);

/// <summary>One per silo: told about every admin change to a service point.</summary>
public interface IServicePointDirectoryObserver : IGrainObserver
{
    /// <summary>One-way: a slow silo must not hold up the admin's request.</summary>
    [OneWay]
    Task PointChanged(ServicePoint point, DirectoryStamp stamp);
}

/// <summary>
/// The single writer of service-point reference data (admin add / move / close / reopen): persists through
/// <see cref="IServicePointStore"/>, bumps the version and fans the change out to every silo's directory observer
/// (the live hub list's shape: observers re-register every few seconds and expire when they stop).
/// One activation, non-reentrant on purpose: admin edits are rare and strictly ordered, so every silo applies
/// them in the same order and a gap in the version tells it that it missed one.
/// </summary>
public interface IServicePointRegistryGrain : IGrainWithIntegerKey
{
    /// <summary>Registers (or refreshes) a silo's observer; returns the current stamp so the silo can detect missed changes.</summary>
    Task<DirectoryStamp> Register(SiloAddress silo, IServicePointDirectoryObserver observer);

    Task<DirectoryStamp> Upsert(ServicePoint point);
}

public sealed class ServicePointRegistryGrain(IServicePointStore store, IClusterMembershipService membership, TimeProvider clock) : Grain, IServicePointRegistryGrain
{
    public static readonly TimeSpan Expiry = TimeSpan.FromSeconds(45);

    private readonly Dictionary<SiloAddress, (IServicePointDirectoryObserver Observer, DateTimeOffset Seen)> observers = [];
    private DirectoryStamp stamp = new(Guid.NewGuid(), 0);

    public Task<DirectoryStamp> Register(SiloAddress silo, IServicePointDirectoryObserver observer)
    {
        observers[silo] = (observer, clock.GetUtcNow());
        return Task.FromResult(stamp);
    }

    public async Task<DirectoryStamp> Upsert(ServicePoint point)
    {
        await store.UpsertAsync(point, CancellationToken.None);
        stamp = stamp with { Version = stamp.Version + 1 };
        Prune();
        foreach (var (observer, _) in observers.Values)
        {
            _ = observer.PointChanged(point, stamp); // one-way
        }

        return stamp;
    }

    private void Prune()
    {
        var now = clock.GetUtcNow();
        var members = membership.CurrentSnapshot;
        foreach (var silo in observers.Keys.ToList())
        {
            var status = members.GetSiloStatus(silo);
            if (status is SiloStatus.Dead or SiloStatus.ShuttingDown or SiloStatus.Stopping || now - observers[silo].Seen > Expiry)
            {
                observers.Remove(silo);
            }
        }
    }
}

/// <summary>
/// This silo's end of the directory broadcast: applies each change in order, and reloads the whole directory
/// from the store when it detects a gap (a lost one-way message, a registry reactivated with a new epoch).
/// Re-registers every <see cref="RefreshInterval"/>, which also bounds how long a missed change can go unnoticed.
/// </summary>
public sealed partial class ServicePointDirectorySync(
    IGrainFactory grains, ILocalSiloDetails silo, ServicePointDirectory directory, IServicePointStore store, MapService map,
    ILogger<ServicePointDirectorySync> logger) : BackgroundService, IServicePointDirectoryObserver
{
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(5);

    private readonly SemaphoreSlim gate = new(1, 1);
    private DirectoryStamp? applied;

    public Task PointChanged(ServicePoint point, DirectoryStamp stamp)
    {
        _ = Task.Run(() => ApplyAsync(point, stamp));
        return Task.CompletedTask;
    }

    /// <summary>Applies a change made through this silo at once (read-your-writes); the broadcast brings it again, harmlessly.</summary>
    public void ApplyLocal(ServicePoint point)
    {
        directory.Upsert(point);
        map.Changes.Mark(point.Code);
    }

    private async Task ApplyAsync(ServicePoint? point, DirectoryStamp stamp)
    {
        await gate.WaitAsync();
        try
        {
            if (applied is { } a && a.Epoch == stamp.Epoch && stamp.Version <= a.Version)
            {
                return; // already seen
            }

            if (point is not null && applied is { } b && b.Epoch == stamp.Epoch && stamp.Version == b.Version + 1)
            {
                ApplyLocal(point);
            }
            else
            {
                var before = directory.All.ToDictionary(p => p.Code, StringComparer.Ordinal);
                var all = await store.LoadAllAsync(CancellationToken.None);
                directory.Load(all);
                foreach (var p in all)
                {
                    if (!before.TryGetValue(p.Code, out var old) || !Equals(old, p))
                    {
                        map.Changes.Mark(p.Code);
                    }
                }

                LogReloaded(logger, all.Count, stamp.Version);
            }

            applied = stamp;
        }
        catch (Exception e)
        {
            LogApplyFailed(logger, e);
        }
        finally
        {
            gate.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var reference = grains.CreateObjectReference<IServicePointDirectoryObserver>(this);
        try
        {
            using var timer = new PeriodicTimer(RefreshInterval);
            do
            {
                try
                {
                    var stamp = await grains.GetGrain<IServicePointRegistryGrain>(0).Register(silo.SiloAddress, reference);
                    if (applied is null && stamp.Version == 0)
                    {
                        applied = stamp; // nothing was edited since the store was loaded at start-up
                    }
                    else if (applied != stamp)
                    {
                        await ApplyAsync(null, stamp); // behind, or a new epoch: reload
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogRegisterFailed(logger, e);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            grains.DeleteObjectReference<IServicePointDirectoryObserver>(reference);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Service points reloaded from the store: {Count} points at version {Version}")]
    private static partial void LogReloaded(ILogger logger, int count, long version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Applying a service-point change failed; the next refresh reloads")]
    private static partial void LogApplyFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Registering the service-point directory observer failed; retrying")]
    private static partial void LogRegisterFailed(ILogger logger, Exception exception);
}
