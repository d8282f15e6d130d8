namespace TongBan.LoadGen;

/// <summary>
/// What clients saw after a silo was killed at <see cref="KilledAt"/>: failed attempts on the surviving silos (5xx and
/// timeouts while the cluster still routes calls to the dead silo's grains) and on the dead one (connection refused
/// or reset, which a client or load balancer retries elsewhere at once).
/// </summary>
public sealed record FaultWindow(TimeSpan KilledAt, int SurvivorFailures, TimeSpan? LastSurvivorFailure, int DeadSiloFailures)
{
    /// <summary>From the kill to the last failed call on a surviving silo (zero when there was none).</summary>
    public TimeSpan FailedCallWindow => LastSurvivorFailure is { } last && last > KilledAt ? last - KilledAt : TimeSpan.Zero;

    public static FaultWindow Of(IEnumerable<FailedAttempt> failures, TimeSpan killedAt, int deadTarget)
    {
        var after = failures.Where(f => f.At >= killedAt && f.Operation != "verify").ToList();
        var survivors = after.Where(f => f.Target != deadTarget).ToList();
        return new FaultWindow(killedAt, survivors.Count, survivors.Count == 0 ? null : survivors.Max(f => f.At), after.Count - survivors.Count);
    }

    public override string ToString() =>
        $"kill at t={KilledAt.TotalSeconds:F1} s: failed-call window {FailedCallWindow.TotalSeconds:F1} s " +
        $"({SurvivorFailures} failed attempts on surviving silos, {DeadSiloFailures} on the killed silo, all retried)";
}
