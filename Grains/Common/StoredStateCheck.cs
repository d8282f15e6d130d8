using Orleans.Storage;

namespace TongBan.Grains.Common;

/// <summary>
/// Confirms, before a grain refuses a command from its state in memory, that this state is still the stored one. The
/// default grain directory is eventually consistent: while a killed silo is being declared dead, a grain can briefly
/// have two activations, and the one that did not write last would refuse a retry from what it remembers (a 409 with no
/// write, so no ETag conflict ever tells it). Refusals are rare, so reading the stored record then is cheap; when its
/// ETag differs, the grain drops its activation and throws <see cref="InconsistentStateException"/>, a retryable error.
/// </summary>
public static class StoredStateCheck
{
    /// <summary>Whether storage holds a write of this state that this activation has not seen (and that ETag).</summary>
    public static async Task<(bool Stale, string? StoredETag)> IsStale<T>(IGrainStorage storage, string stateName, GrainId grainId, IPersistentState<T> state)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(state);
        var stored = new Probe<T>();
        await storage.ReadStateAsync(stateName, grainId, stored);
        return (stored.ETag != state.Etag, stored.ETag);
    }

    private sealed class Probe<T> : IGrainState<T>
    {
        [System.Diagnostics.CodeAnalysis.AllowNull]
        public T State { get; set; } = default!;

        public string? ETag { get; set; }

        public bool RecordExists { get; set; }
    }
}
