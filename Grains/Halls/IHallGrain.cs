namespace TongBan.Grains.Halls;

/// <summary>One service point (keyed by its code, e.g. <c>520102-H001</c>).</summary>
public interface IHallGrain : IGrainWithStringKey
{
    /// <summary>The live snapshot; zeros until queues and windows report.</summary>
    Task<HallSnapshot> GetSnapshot();

    /// <summary>Temporarily suspends service (暂停服务, e.g. power cut) or resumes it. Idempotent.</summary>
    Task<HallServiceStatus> SetServiceStatus(bool suspended, string? reason, string actor);

    Task<HallServiceStatus> GetServiceStatus();
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
