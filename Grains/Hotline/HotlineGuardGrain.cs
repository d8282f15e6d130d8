using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using TongBan.Grains.Common;

namespace TongBan.Grains.Hotline;

/// <summary>What the guard lets through: the answer may be shown, or the caller must wait.</summary>
/// <param name="Throttled">Too many failed verifications for this case number recently; nothing is revealed.</param>
/// <param name="RetryAfter">When throttled: how long until another attempt is allowed.</param>
[GenerateSerializer, Immutable]
public sealed record HotlineGate(
    [property: Id(0)] bool Throttled,
    [property: Id(1)] TimeSpan? RetryAfter);

/// <summary>
/// Guards one case number (existing or not) against guessing of the caller verification: counts
/// failures in a sliding window (<see cref="ThrottlePolicy"/>) and remembers which agents verified
/// the caller recently, so they may watch the case live. Keyed by the canonical case number.
/// </summary>
/// <remarks>
/// Not reentrant: attempts are decided one at a time, so a burst of parallel guesses is counted
/// exactly. Failures are persisted (a silo restart or deactivation must not reset the count), and
/// so are watch grants: an agent on a call keeps watching the case when the silo holding this grain
/// restarts. Expired grants are dropped on the next write.
/// </remarks>
public interface IHotlineGuardGrain : IGrainWithStringKey
{
    /// <summary>
    /// Decides an attempt whose verification <paramref name="matched"/> (computed by the caller in
    /// constant time). While throttled every attempt is refused, a correct one too, so a throttled
    /// guesser learns nothing; otherwise a failure is counted, and a match grants <paramref name="agentId"/>
    /// the right to watch the case.
    /// </summary>
    Task<HotlineGate> Attempt(string agentId, bool matched);

    /// <summary>True while <paramref name="agentId"/> holds a grant from a verified look-up.</summary>
    [AlwaysInterleave]
    Task<bool> MayWatch(string agentId);
}

[GenerateSerializer]
public sealed class HotlineGuardState
{
    /// <summary>Failed verifications inside the window (older ones are dropped on the next write).</summary>
    [Id(0)]
    public List<DateTimeOffset> Failures { get; set; } = [];

    /// <summary>WatchCase grants: agent (token subject) → until when. Kept in state so a restart does not drop them.</summary>
    [Id(1)]
    public Dictionary<string, DateTimeOffset> Grants { get; set; } = new(StringComparer.Ordinal);
}

public sealed partial class HotlineGuardGrain(
    [PersistentState("hotlineguard", StorageNames.Default)] IPersistentState<HotlineGuardState> state,
    TimeProvider clock,
    ILogger<HotlineGuardGrain> logger) : Grain, IHotlineGuardGrain
{
    /// <summary>How long a verified look-up lets the agent watch the case (one call and its follow-up).</summary>
    public static readonly TimeSpan GrantLifetime = TimeSpan.FromMinutes(30);

    public async Task<HotlineGate> Attempt(string agentId, bool matched)
    {
        var now = clock.GetUtcNow();
        var policy = ThrottlePolicy.Default;
        if (policy.RetryAfter(state.State.Failures, now) is { } wait)
        {
            LogThrottled(logger, this.GetPrimaryKeyString(), agentId);
            return new HotlineGate(true, wait);
        }

        if (matched)
        {
            // A grant that survives a restart costs a write, but only when it is new or past half its life: an agent
            // re-reading the case during a call (the common case) renews nothing and writes nothing.
            var grants = state.State.Grants;
            if (grants.TryGetValue(agentId, out var until) && until - now > GrantLifetime / 2)
            {
                return new HotlineGate(false, null);
            }

            foreach (var expired in grants.Where(g => g.Value <= now).Select(g => g.Key).ToList())
            {
                grants.Remove(expired);
            }

            grants[agentId] = now + GrantLifetime;
            await state.WriteStateAsync();
            return new HotlineGate(false, null);
        }

        state.State.Failures = [.. policy.Recent(state.State.Failures, now), now];
        await state.WriteStateAsync();
        LogFailure(logger, this.GetPrimaryKeyString(), agentId, state.State.Failures.Count);
        return new HotlineGate(false, null);
    }

    public Task<bool> MayWatch(string agentId) =>
        Task.FromResult(state.State.Grants.TryGetValue(agentId, out var until) && until > clock.GetUtcNow());

    [LoggerMessage(Level = LogLevel.Information, Message = "Hotline verification failed for case {CaseNo} by agent {AgentId} ({Failures} in window)")]
    private static partial void LogFailure(ILogger logger, string caseNo, string agentId, int failures);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Hotline look-ups of case {CaseNo} throttled (agent {AgentId})")]
    private static partial void LogThrottled(ILogger logger, string caseNo, string agentId);
}
