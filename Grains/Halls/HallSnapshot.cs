namespace TongBan.Grains.Halls;

/// <summary>Live figures of one queue category (published API shape).</summary>
[GenerateSerializer, Immutable]
public sealed record CategorySnapshot(
    [property: Id(0)] string Code,
    [property: Id(1)] string Name,
    [property: Id(2)] int Waiting,
    [property: Id(3)] int PredictedWaitMinutes);

/// <summary>Live state of one window (published API shape).</summary>
[GenerateSerializer, Immutable]
public sealed record WindowSnapshot(
    [property: Id(0)] int WindowNo,
    [property: Id(1)] string State,
    [property: Id(2)] string? ServingTicket);

/// <summary>The hall's live snapshot: <c>GET /api/halls/{hallCode}/snapshot</c> and the <c>hallSnapshot</c> push.</summary>
[GenerateSerializer, Immutable]
public sealed record HallSnapshot(
    [property: Id(0)] string HallCode,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] IReadOnlyList<CategorySnapshot> Categories,
    [property: Id(3)] IReadOnlyList<WindowSnapshot> Windows,
    [property: Id(4)] int ServedToday,
    [property: Id(5)] int AppointmentsToday,
    [property: Id(6)] double? GoodRate,
    [property: Id(7)] bool Suspended);
