using System.Diagnostics;
using TongBan.Grains.Common;

namespace TongBan.Bench;

/// <summary>
/// The hall day's clock: the latest opening day that is over (Asia/Shanghai), at <see cref="DayStart"/> from the moment it is created,
/// running at wall-clock speed until <see cref="Accelerate"/> and <see cref="Speed"/> times faster after that,
/// so a whole opening day — and rules measured in minutes (30 s between recalls, appointment slots) — fits
/// into a short run. Only <see cref="GetUtcNow"/> changes: timers and timestamps
/// (<see cref="TimeProvider.GetTimestamp"/>, <see cref="TimeProvider.CreateTimer"/>) stay real.
/// </summary>
/// <remarks>
/// The clock never goes back: Orleans 10 schedules idle-activation collection on this TimeProvider and refuses a
/// time earlier than one it has seen, so the day starts when the silo does, not with a jump later.
/// </remarks>
public sealed class CompressedDayClock : TimeProvider
{
    public static readonly TimeOnly DayStart = new(8, 59);
    public static readonly TimeOnly DayEnd = new(17, 0);

    private readonly DateTimeOffset origin;
    private readonly long originTimestamp = Stopwatch.GetTimestamp();
    private long acceleratedAt;

    public CompressedDayClock(double speed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(speed, 1.0);
        Speed = speed;
        // The latest opening day that is already over (today after 17:30, else yesterday): simulated time then
        // stays behind the wall clock for the whole run, so nothing that compares the two sees a time from the future.
        var now = ChinaTime.Now(System);
        var day = DateOnly.FromDateTime(now.DateTime);
        if (TimeOnly.FromDateTime(now.DateTime) < DayEnd.AddMinutes(30))
        {
            day = day.AddDays(-1);
        }

        origin = new DateTimeOffset(day.ToDateTime(DayStart), ChinaTime.Offset).ToUniversalTime();
    }

    public double Speed { get; }

    /// <summary>Simulated length of the opening day.</summary>
    public static TimeSpan DayLength => DayEnd - DayStart;

    public override DateTimeOffset GetUtcNow()
    {
        var now = Stopwatch.GetTimestamp();
        var accelerated = Volatile.Read(ref acceleratedAt);
        return accelerated == 0
            ? origin + Stopwatch.GetElapsedTime(originTimestamp, now)
            : origin + Stopwatch.GetElapsedTime(originTimestamp, accelerated) + (Stopwatch.GetElapsedTime(accelerated, now) * Speed);
    }

    /// <summary>The day begins: from now on simulated time runs <see cref="Speed"/> times faster.</summary>
    public void Accelerate() => Interlocked.CompareExchange(ref acceleratedAt, Stopwatch.GetTimestamp(), 0);

    /// <summary>Wall-clock time that <paramref name="simulated"/> takes once accelerated.</summary>
    public TimeSpan ToWall(TimeSpan simulated) => simulated / Speed;
}
