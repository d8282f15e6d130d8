using System.Collections.Concurrent;
using System.Globalization;
using Orleans.Storage;

namespace TongBan.Bench;

/// <summary>
/// What-if variant (<c>--local-storage</c>): grain state kept in this process — serialized exactly like the shipped
/// memory storage, with the same ETag check — but in a dictionary instead of behind Orleans' ten
/// <c>MemoryStorageGrain</c> activations, so a write costs no grain call. Valid for a one-silo embedded cluster only
/// (state does not follow a grain to another silo), which is why it is a measurement, not a proposal for every case.
/// </summary>
public sealed class LocalMemoryGrainStorage(IGrainStorageSerializer serializer) : IGrainStorage
{
    private readonly ConcurrentDictionary<(string, GrainId), (BinaryData Data, string ETag)> store = new();
    private long version;

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (store.TryGetValue((stateName, grainId), out var entry))
        {
            grainState.State = serializer.Deserialize<T>(entry.Data);
            grainState.ETag = entry.ETag;
            grainState.RecordExists = true;
        }

        return Task.CompletedTask;
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var data = serializer.Serialize(grainState.State);
        var etag = Interlocked.Increment(ref version).ToString(CultureInfo.InvariantCulture);
        var key = (stateName, grainId);
        var ok = grainState.ETag is null
            ? store.TryAdd(key, (data, etag))
            : store.TryGetValue(key, out var current) && current.ETag == grainState.ETag && store.TryUpdate(key, (data, etag), current);
        if (!ok)
        {
            throw new InconsistentStateException($"ETag mismatch writing {stateName} of {grainId}", storedEtag: null, currentEtag: grainState.ETag);
        }

        grainState.ETag = etag;
        grainState.RecordExists = true;
        return Task.CompletedTask;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        store.TryRemove((stateName, grainId), out _);
        grainState.ETag = null;
        grainState.RecordExists = false;
        return Task.CompletedTask;
    }
}
