using TongBan.Grains.Forecast;
using TongBan.Grains.History;
using TongBan.Grains.Queues;

namespace TongBan.Grains.Tests.Forecast;

[Trait("Category", "Unit")]
public class ServiceHistoryArrivalsTests
{
    private static readonly TimeSpan China = TimeSpan.FromHours(8);

    private static readonly DateOnly Day = new(2026, 12, 7);

    private static TicketOutcome Outcome(string no, TicketOutcomeKind kind, string hall = "520102-H001", TicketKind ticketKind = TicketKind.WalkIn)
    {
        var taken = new DateTimeOffset(2026, 12, 7, 9, 0, 0, China);
        return new TicketOutcome(
            hall, "520102", Day, no, "A", kind, 2, "clerk-1", null, taken, taken.AddMinutes(12), taken.AddMinutes(13), taken.AddMinutes(20),
            720, kind == TicketOutcomeKind.Served ? 420 : null, null, ticketKind);
    }

    [Fact]
    public async Task Every_ticket_that_left_its_line_is_one_arrival_and_park_steps_and_walk_ups_are_none()
    {
        var store = new InMemoryHistoryStore();
        await store.AppendAsync(
            new HistoryBatch(
                [
                    Outcome("A001", TicketOutcomeKind.Parked),
                    Outcome("A001", TicketOutcomeKind.Unparked),
                    Outcome("A001", TicketOutcomeKind.Served),
                    Outcome("A002", TicketOutcomeKind.NoShow),
                    Outcome("A003", TicketOutcomeKind.Cancelled, ticketKind: TicketKind.Appointment),
                    Outcome("A004", TicketOutcomeKind.Transferred),
                    Outcome("W001", TicketOutcomeKind.WalkUp),
                    Outcome("A001", TicketOutcomeKind.Served, hall: "520102-H002"),
                ],
                [],
                []),
            CancellationToken.None);

        var arrivals = await new ServiceHistoryArrivals(store).TicketsAsync("520102-H001", Day, Day, CancellationToken.None);

        Assert.Equal(4, arrivals.Count);
        Assert.All(arrivals, a => Assert.Equal("520102-H001", a.HallCode));
        var served = Assert.Single(arrivals, a => a.FinishedAt is not null);
        Assert.Equal(new DateTimeOffset(2026, 12, 7, 9, 20, 0, China), served.FinishedAt);
        Assert.Equal(served.TakenAt.AddMinutes(13), served.ServiceStartedAt);
        Assert.True(Assert.Single(arrivals, a => a.Appointment).FinishedAt is null);
        Assert.False(new ServiceHistoryArrivals(store).Synthetic);
    }
}
