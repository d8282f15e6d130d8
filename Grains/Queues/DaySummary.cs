namespace TongBan.Grains.Queues;

/// <summary>
/// What remains of a category's day once its tickets are dropped at the local midnight roll-over.
/// <c>Issued + Received = Served + NoShows + Cancelled + TransferredOut + Unfinished</c>.
/// </summary>
/// <param name="Received">Tickets transferred in from other categories.</param>
/// <param name="Unfinished">Tickets still waiting, parked, called or serving when the day closed (expired).</param>
/// <param name="MeanServiceMinutes">The service-time estimate at close (carried into the next day).</param>
/// <param name="WalkUps">Walk-up services (补录) recorded without a ticket: served, but outside the ticket sum.</param>
[GenerateSerializer, Immutable]
public sealed record DaySummary(
    [property: Id(0)] string Category,
    [property: Id(1)] DateOnly Day,
    [property: Id(2)] int Issued,
    [property: Id(3)] int Received,
    [property: Id(4)] int Served,
    [property: Id(5)] int NoShows,
    [property: Id(6)] int Cancelled,
    [property: Id(7)] int TransferredOut,
    [property: Id(8)] int Unfinished,
    [property: Id(9)] WaitStatistics Waits,
    [property: Id(10)] double MeanServiceMinutes,
    [property: Id(11)] int WalkUps = 0)
{
    public bool AddsUp => Issued + Received == Served + NoShows + Cancelled + TransferredOut + Unfinished;
}
