using Orleans.Concurrency;
using TongBan.Grains.Queues;
using TongBan.Grains.Windows;

namespace TongBan.Grains.Halls;

/// <summary>One service point (keyed by its code, e.g. <c>520102-H001</c>): its live snapshot and status.</summary>
public interface IHallGrain : IGrainWithStringKey
{
    Task<HallSnapshot> GetSnapshot();

    /// <summary>Temporarily suspends service (暂停服务, e.g. power cut) or resumes it. Idempotent.</summary>
    Task<HallServiceStatus> SetServiceStatus(bool suspended, string? reason, string actor);

    Task<HallServiceStatus> GetServiceStatus();

    /// <summary>A queue of this hall changed (one-way: the queue never waits for its hall).</summary>
    [OneWay]
    Task QueueChanged(QueueView view);

    /// <summary>A window changed; <paramref name="statusChanged"/> when it opened, paused or closed.</summary>
    [OneWay]
    Task WindowChanged(WindowView view, bool statusChanged);

    /// <summary>The appointment book of today reports its figures.</summary>
    [OneWay]
    Task AppointmentsChanged(int today, int nextHour);

    /// <summary>The hall's rating roll-up reports its 好评率 of the last 30 days (null without ratings).</summary>
    [OneWay]
    Task RatingsChanged(double? goodRate);
}

/// <summary>Operator-set service status of a hall, persisted.</summary>
[GenerateSerializer]
public sealed record HallServiceStatus(
    [property: Id(0)] bool Suspended,
    [property: Id(1)] string? Reason,
    [property: Id(2)] string? ChangedBy,
    [property: Id(3)] DateTimeOffset? ChangedAt)
{
    public static readonly HallServiceStatus Open = new(false, null, null, null);
}
