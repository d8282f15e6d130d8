using System.Collections.Concurrent;
using Orleans.Storage;

namespace TongBan.Grains.Tests.Support;

/// <summary>
/// The test clusters' grain storage: the memory provider, behind a seam that can lose the next write of one named grain
/// state. A lost write stores nothing and throws, as a silo killed just before (or during) that write would leave it:
/// what happened before the write (another grain's committed write) stays, the write itself never lands. It is the
/// storage boundary, not a stand-in for the grains under test. Plans are keyed by state name and grain key, so tests
/// that own their hall do not disturb each other.
/// </summary>
public sealed class LosingGrainStorage(IGrainStorage inner) : IGrainStorage
{
    /// <summary>The name the wrapped memory provider is registered under.</summary>
    public const string InnerName = "lossless";

    private static readonly ConcurrentDictionary<(string StateName, string GrainKey), Plan> Plans = new();

    /// <summary>
    /// The next write of state <paramref name="stateName"/> of grain <paramref name="grainKey"/> is lost, or the one
    /// after <paramref name="after"/> more successful writes.
    /// </summary>
    public static void LoseNextWrite(string stateName, string grainKey, int after = 0) =>
        Plans[(stateName, grainKey)] = new Plan { WritesBefore = after };

    /// <summary>Whether a planned loss has not happened yet.</summary>
    public static bool Pending(string stateName, string grainKey) =>
        Plans.TryGetValue((stateName, grainKey), out var plan) && !plan.Done;

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        inner.ReadStateAsync(stateName, grainId, grainState);

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (Plans.TryGetValue((stateName, grainId.Key.ToString()!), out var plan) && plan.LoseThisWrite())
        {
            throw new LostWriteException($"Write of '{stateName}' of {grainId} lost (planned by the test).");
        }

        return inner.WriteStateAsync(stateName, grainId, grainState);
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        inner.ClearStateAsync(stateName, grainId, grainState);
}

internal sealed class Plan
{
    public int WritesBefore { get; init; }

    public bool Done { get; private set; }

    private int seen;

    public bool LoseThisWrite()
    {
        lock (this)
        {
            if (Done || seen++ < WritesBefore)
            {
                return false;
            }

            Done = true;
            return true;
        }
    }
}

/// <summary>A write <see cref="LosingGrainStorage"/> was told to lose.</summary>
public sealed class LostWriteException(string message) : Exception(message);
