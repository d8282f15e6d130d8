namespace TongBan.Grains.Queues;

/// <summary><c>ticketCalled</c>: "A012 请到 3 号窗口" for call screens and dashboards.</summary>
[GenerateSerializer, Immutable]
public sealed record TicketCalled(
    [property: Id(0)] string HallCode,
    [property: Id(1)] string TicketNo,
    [property: Id(2)] int WindowNo,
    [property: Id(3)] DateTimeOffset At);

/// <summary><c>ticketUpdated</c>: a watched ticket's state, position and predicted wait (virtual queue).</summary>
/// <param name="ComeNow">True once, when the ticket enters the last <see cref="HallQueueGrain.ComeNowLead"/> places (请尽快到场).</param>
[GenerateSerializer, Immutable]
public sealed record TicketUpdate(
    [property: Id(0)] string HallCode,
    [property: Id(1)] string TicketNo,
    [property: Id(2)] string State,
    [property: Id(3)] int? Position,
    [property: Id(4)] int? PredictedWaitMinutes,
    [property: Id(5)] int? WindowNo,
    [property: Id(6)] bool ComeNow);

public static class TicketWire
{
    /// <summary>Published state names (API.md); a parked ticket (挂起) reads as waiting with a null position.</summary>
    public static string State(TicketState state) => state switch
    {
        TicketState.Waiting => "waiting",
        TicketState.Called => "called",
        TicketState.Serving => "serving",
        TicketState.Done => "done",
        TicketState.NoShow => "noShow",
        TicketState.Cancelled => "cancelled",
        TicketState.Transferred => "transferred",
        TicketState.Parked => "waiting", // 挂起 is not a contract state: shown as waiting with no position
        _ => state.ToString(),
    };
}
