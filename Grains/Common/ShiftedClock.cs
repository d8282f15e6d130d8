namespace TongBan.Grains.Common;

/// <summary>
/// A <see cref="TimeProvider"/> running at a fixed offset from another: what a test or a load run shifts so that one set of
/// rules (appointments, opening hours) sees another time of day, while Orleans' own timekeeping (membership, reminder
/// ticks) and everything else keep the real clock. Each use is its own subtype, so shifting one never moves another.
/// </summary>
public abstract class ShiftedClock(TimeProvider inner, TimeSpan offset) : TimeProvider
{
    public TimeSpan Offset => offset;

    public override DateTimeOffset GetUtcNow() => inner.GetUtcNow() + offset;

    public override TimeZoneInfo LocalTimeZone => inner.LocalTimeZone;

    public override long TimestampFrequency => inner.TimestampFrequency;

    public override long GetTimestamp() => inner.GetTimestamp();
}
