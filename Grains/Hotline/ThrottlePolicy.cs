namespace TongBan.Grains.Hotline;

/// <summary>
/// Sliding window over failed verifications for one case number: at most <see cref="MaxFailures"/>
/// failures within any <see cref="Window"/>. Pure; the guard grain keeps the timestamps.
/// </summary>
/// <remarks>
/// Four digits give a guesser 2 chances in 10,000 per try (ID tail or phone tail). Five failures per
/// hour per case number cap a persistent caller at 120 guesses a day (≈ 2.4%/day), while an honest
/// caller who mixes up two phones still gets through. Throttling is per case number, whether or not
/// the case exists, so a throttled answer says nothing about existence.
/// </remarks>
public sealed record ThrottlePolicy(int MaxFailures, TimeSpan Window)
{
    public static readonly ThrottlePolicy Default = new(5, TimeSpan.FromHours(1));

    /// <summary>The failures still inside the window at <paramref name="now"/>, oldest first.</summary>
    public IReadOnlyList<DateTimeOffset> Recent(IEnumerable<DateTimeOffset> failures, DateTimeOffset now) =>
        [.. failures.Where(f => f > now - Window && f <= now).Order()];

    /// <summary>
    /// Null while another attempt may be made; otherwise how long until the oldest counted failure
    /// leaves the window (the Retry-After). Always at least one second when throttled.
    /// </summary>
    public TimeSpan? RetryAfter(IEnumerable<DateTimeOffset> failures, DateTimeOffset now)
    {
        var recent = Recent(failures, now);
        if (recent.Count < MaxFailures)
        {
            return null;
        }

        var wait = recent[recent.Count - MaxFailures] + Window - now;
        return wait < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : wait;
    }
}
