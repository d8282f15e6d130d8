using Orleans.Concurrency;

namespace TongBan.Grains.Halls;

/// <summary>One service point (keyed by its code, e.g. <c>520102-H001</c>): its live snapshot and status.</summary>
public interface IHallGrain : IGrainWithStringKey
{
    Task<HallSnapshot> GetSnapshot();

    /// <summary>Temporarily suspends service (暂停服务, e.g. power cut) or resumes it. Idempotent.</summary>
    Task<HallServiceStatus> SetServiceStatus(bool suspended, string? reason, string actor);

    Task<HallServiceStatus> GetServiceStatus();

    /// <summary>
    /// The hall's queue grain reports its live figures (one-way, after its writes: the queue never waits for its hall).
    /// The hall adds its own (appointments, rating, suspension) and pushes the snapshot.
    /// </summary>
    [OneWay]
    Task FloorChanged(HallSnapshot floor);

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
