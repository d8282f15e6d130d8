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

/// <summary>
/// What clients saw around an outage (PostgreSQL stopped, or every silo killed) from <see cref="FaultAt"/> until the
/// dependency was back at <see cref="RecoveredAt"/>: failed attempts by kind (503, 500, refused, timeout), and how long
/// after the recovery the last one happened (the recovery time as clients see it).
/// </summary>
public sealed record Outage(TimeSpan FaultAt, TimeSpan RecoveredAt, IReadOnlyDictionary<string, int> FailuresByKind, TimeSpan? LastFailure, TimeSpan? FirstFailure)
{
    /// <summary>From the recovery to the last failed attempt (zero when none failed after it).</summary>
    public TimeSpan RecoveryTime => LastFailure is { } last && last > RecoveredAt ? last - RecoveredAt : TimeSpan.Zero;

    public int Count(string kind) => FailuresByKind.TryGetValue(kind, out var n) ? n : 0;

    public static Outage Of(IEnumerable<FailedAttempt> failures, TimeSpan faultAt, TimeSpan recoveredAt)
    {
        var after = failures.Where(f => f.At >= faultAt && f.Operation != "verify").ToList();
        return new Outage(faultAt, recoveredAt,
            after.GroupBy(f => f.Kind, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal),
            after.Count == 0 ? null : after.Max(f => f.At), after.Count == 0 ? null : after.Min(f => f.At));
    }

    public override string ToString() =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"fault at t={FaultAt.TotalSeconds:F1} s, back at t={RecoveredAt.TotalSeconds:F1} s: failed attempts ") +
        (FailuresByKind.Count == 0 ? "none" : string.Join(", ", FailuresByKind.OrderByDescending(k => k.Value).Select(k => $"{k.Value} × {k.Key}"))) +
        string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"; last at t={(LastFailure ?? FaultAt).TotalSeconds:F1} s, {RecoveryTime.TotalSeconds:F1} s after the recovery");
}
