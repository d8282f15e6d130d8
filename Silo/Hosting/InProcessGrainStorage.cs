using System.Collections.Concurrent;
using System.Globalization;
using Orleans.Runtime;
using Orleans.Storage;

namespace TongBan.Silo.Hosting;

/// <summary>
/// Opt-in grain storage for a single-silo embedded host (<c>TongBan:Silo:InProcessGrainStorage=true</c>): the state is
/// serialized exactly as Orleans' memory provider does, with the same ETag check, but kept in a dictionary of this
/// process instead of behind the provider's <c>MemoryStorageGrain</c> activations, so a state write is not a grain call
/// (that hop was the largest single cost of a ticket command in embedded mode: docs/performance-history/hall-day.md,
/// "What limits throughput"). Like the memory provider it is not persisted. It is wrong for several silos (a grain
/// that moves would find no state), so the host allows it only without <c>PrimarySiloPort</c>, and
/// <see cref="InProcessGrainStorageGuard"/> stops every write once a second silo joins the cluster.
/// </summary>
public sealed class InProcessGrainStorage(IGrainStorageSerializer serializer) : IGrainStorage
{
    private readonly ConcurrentDictionary<(string StateName, GrainId Grain), Entry> store = new();
    private long version;
    private volatile string? refusal;

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        if (store.TryGetValue((stateName, grainId), out var entry))
        {
            grainState.State = serializer.Deserialize<T>(entry.Data);
            grainState.ETag = entry.ETag;
            grainState.RecordExists = true;
        }
        else
        {
            grainState.ETag = null;
            grainState.RecordExists = false;
        }

        return Task.CompletedTask;
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        ThrowIfRefused();
        var data = serializer.Serialize(grainState.State);
        var next = new Entry(data, Interlocked.Increment(ref version).ToString(CultureInfo.InvariantCulture));
        var key = (stateName, grainId);
        var written = grainState.ETag is null
            ? store.TryAdd(key, next)
            : store.TryGetValue(key, out var current) && current.ETag == grainState.ETag && store.TryUpdate(key, next, current);
        if (!written)
        {
            var stored = store.TryGetValue(key, out var now) ? now.ETag : null;
            throw new InconsistentStateException($"ETag mismatch writing '{stateName}' of {grainId}", stored, grainState.ETag);
        }

        grainState.ETag = next.ETag;
        grainState.RecordExists = true;
        return Task.CompletedTask;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        ThrowIfRefused();
        var key = (stateName, grainId);
        if (grainState.ETag is not null && store.TryGetValue(key, out var current) && current.ETag != grainState.ETag)
        {
            throw new InconsistentStateException($"ETag mismatch clearing '{stateName}' of {grainId}", current.ETag, grainState.ETag);
        }

        store.TryRemove(key, out _);
        grainState.ETag = null;
        grainState.RecordExists = false;
        return Task.CompletedTask;
    }

    /// <summary>From now on every write and clear fails with <paramref name="reason"/> (state would be lost silently otherwise).</summary>
    internal void Refuse(string reason) => refusal = reason;

    private void ThrowIfRefused()
    {
        if (refusal is { } reason)
        {
            throw new InvalidOperationException(reason);
        }
    }

    private sealed record Entry(BinaryData Data, string ETag);
}

/// <summary>
/// Watches the cluster's membership while <see cref="InProcessGrainStorage"/> is in use: when another silo becomes
/// active, the state of grains placed there would be invisible here (and vice versa), so the storage refuses writes
/// from then on and the error is logged once.
/// </summary>
internal sealed partial class InProcessGrainStorageGuard(
    IClusterMembershipService membership,
    InProcessGrainStorage storage,
    ILogger<InProcessGrainStorageGuard> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(stoppingToken))
            {
                var active = snapshot.Members.Values.Count(m => m.Status == SiloStatus.Active);
                if (active > 1)
                {
                    storage.Refuse($"TongBan:Silo:InProcessGrainStorage is for a single silo, but {active} silos are active: grain state writes are refused.");
                    LogSecondSilo(logger, active);
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "TongBan:Silo:InProcessGrainStorage is on but {Active} silos are active: grain state writes are refused from now on. Use it on a single embedded silo only.")]
    private static partial void LogSecondSilo(ILogger logger, int active);
}
