using Orleans.Runtime;
using TongBan.Grains.Queues;
using TongBan.Grains.Tests.Support;
using TongBan.Grains.Windows;

namespace TongBan.Grains.Tests.Queues;

/// <summary>
/// The queue grain moves finished tickets out of its hot state in batches (<see cref="HallQueueGrain.MoveOutBatchSize"/>);
/// everything that read them before still does, also after the grain was deactivated and read its state back.
/// </summary>
[Collection(ClusterCollection.Name)]
[Trait("Category", "Integration")]
public class FinishedTicketMoveOutTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Moved_out_tickets_stay_counted_findable_idempotent_and_final_after_a_reactivation()
    {
        const string hall = "520424-H001"; // 关岭县
        var window = fixture.Grains.GetGrain<IWindowGrain>(WindowKeys.Of(hall, 1));
        var category = (await window.GetView()).Categories[0];
        var queue = fixture.Grains.Line(hall, category);
        const int taken = (2 * HallQueueGrain.MoveOutBatchSize) + 3;
        for (var i = 0; i < taken; i++)
        {
            Assert.True((await queue.Take(new TicketRequest(TicketKind.Kiosk, IdempotencyKey: $"move-out-{i}"))).IsOk);
        }

        Assert.True((await window.Open("clerk")).IsOk);

        // All but two are served (two batches moved out, one finished ticket still held), one is cancelled, one waits.
        for (var i = 0; i < taken - 2; i++)
        {
            Assert.True((await window.CallNext(null)).IsOk);
            Assert.True((await window.Act(WindowCommand.Start, null)).IsOk);
            Assert.True((await window.Act(WindowCommand.Finish, null)).IsOk);
        }

        var cancelled = TicketNumber.Format(category, taken - 1);
        Assert.True((await queue.Act(TicketAction.Cancel, cancelled)).IsOk);
        var before = await queue.GetView();
        Assert.Equal(new QueueCounts(taken, 0, 1, 0, 0, 0, taken - 2, 0, 1, 0), before.Counts);
        Assert.Equal(taken - 2, before.Waits.Called);

        await fixture.Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

        var after = await queue.GetView();
        Assert.Equal(before.Counts, after.Counts);
        Assert.Equal(before.Waits.Called, after.Waits.Called);
        Assert.Equal(before.Waits.AverageMinutes!.Value, after.Waits.AverageMinutes!.Value, 9);
        Assert.Equal(before.Waits.P90Minutes, after.Waits.P90Minutes);

        // The first ticket was moved out in the first batch: its status, its take's retry and its finality survive.
        var first = TicketNumber.Format(category, 1);
        var status = await queue.GetStatus(first);
        Assert.Equal(TicketState.Done, status!.Ticket.State);
        Assert.Equal(1, status.Ticket.WindowNo);
        var retried = await queue.Take(new TicketRequest(TicketKind.Kiosk, IdempotencyKey: "move-out-0"));
        Assert.Equal(first, retried.Value.Ticket.Number);
        Assert.Equal(TicketState.Done, retried.Value.Ticket.State);
        Assert.Equal(QueueViolationCode.InvalidState, (await window.CallTicket(first, null)).Violation!.Queue!.Code);
        Assert.Equal(TicketState.Cancelled, (await queue.GetStatus(cancelled))!.Ticket.State);

        // Numbering carries on after the last number issued, never reusing a moved-out one.
        Assert.Equal(TicketNumber.Format(category, taken + 1), (await queue.Take(new TicketRequest(TicketKind.WalkIn))).Value.Ticket.Number);
        Assert.True((await queue.GetView()).Counts.AddsUp);
    }
}
