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
/// exactly. Failures are persisted (a silo restart or deactivation must not reset the count);
/// watch grants are short-lived and held in memory (a lost grant only means the agent looks the
/// case up again).
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
}

public sealed partial class HotlineGuardGrain(
    [PersistentState("hotlineguard", StorageNames.Default)] IPersistentState<HotlineGuardState> state,
    TimeProvider clock,
    ILogger<HotlineGuardGrain> logger) : Grain, IHotlineGuardGrain
{
    /// <summary>How long a verified look-up lets the agent watch the case (one call and its follow-up).</summary>
    public static readonly TimeSpan GrantLifetime = TimeSpan.FromMinutes(30);

    private readonly Dictionary<string, DateTimeOffset> grants = new(StringComparer.Ordinal);

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
            grants[agentId] = now + GrantLifetime;
            DelayDeactivation(GrantLifetime);
            return new HotlineGate(false, null);
        }

        state.State.Failures = [.. policy.Recent(state.State.Failures, now), now];
        await state.WriteStateAsync();
        LogFailure(logger, this.GetPrimaryKeyString(), agentId, state.State.Failures.Count);
        return new HotlineGate(false, null);
    }

    public Task<bool> MayWatch(string agentId) =>
        Task.FromResult(grants.TryGetValue(agentId, out var until) && until > clock.GetUtcNow());

    [LoggerMessage(Level = LogLevel.Information, Message = "Hotline verification failed for case {CaseNo} by agent {AgentId} ({Failures} in window)")]
    private static partial void LogFailure(ILogger logger, string caseNo, string agentId, int failures);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Hotline look-ups of case {CaseNo} throttled (agent {AgentId})")]
    private static partial void LogThrottled(ILogger logger, string caseNo, string agentId);
}
