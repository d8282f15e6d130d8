using TongBan.Grains.Queues;
using static TongBan.Grains.Tests.Queues.QueueTestKit;

namespace TongBan.Grains.Tests.Queues;

/// <summary>The counter operations every peer system has: park with a reason, unpark to the front, 指定叫号 and 补录.</summary>
[Trait("Category", "Unit")]
public class CounterOperationTests
{
    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void Parking_without_a_reason_is_refused_and_changes_nothing(string reason)
    {
        var q = NewQueue();
        var number = q.Take(At(9, 0));
        _ = q.CallNext(1, At(9, 1)).Value;

        var refused = q.Park(number, 1, reason, At(9, 2)).Refused();
        Assert.Equal(QueueViolationCode.InvalidRequest, refused.Code);
        Assert.Equal(TicketState.Called, q.Find(number)!.State);
    }

    [Fact]
    public void A_parked_ticket_keeps_its_reason_and_who_parked_it_until_unparked()
    {
        var q = NewQueue();
        var number = q.Take(At(9, 0));
        _ = q.CallNext(2, At(9, 1)).Value;
        var parked = q.Park(number, 2, " 缺少身份证复印件 ", At(9, 3)).Value;
        Assert.Equal((TicketState.Parked, "缺少身份证复印件"), (parked.State, parked.ParkReason));
        Assert.Null(q.HeldBy(2));

        var listed = Assert.Single(q.Parked());
        Assert.Equal(new ParkedTicket(number, "A", "缺少身份证复印件", At(9, 3), 2, At(9, 0)), listed);

        var back = q.Unpark(number, At(9, 10), windowNo: 1).Value;
        Assert.Equal((TicketState.Waiting, (string?)null), (back.State, back.ParkReason));
        Assert.Empty(q.Parked());
    }

    [Fact]
    public void A_keyed_park_or_unpark_repeated_by_its_window_is_answered_without_a_change()
    {
        var q = NewQueue();
        var number = q.Take(At(9, 0));
        _ = q.CallNext(1, At(9, 1)).Value;
        var parked = q.Park(number, 1, "缺材料", At(9, 2), "park-1").Value;
        Assert.Equal(parked, q.Park(number, 1, "缺材料", At(9, 3), "park-1").Value);
        Assert.Equal(QueueViolationCode.InvalidState, q.Park(number, 1, "缺材料", At(9, 3), "park-2").Refused().Code);

        var unparked = q.Unpark(number, At(9, 4), 3, "unpark-1").Value;
        Assert.Equal(unparked, q.Unpark(number, At(9, 5), 3, "unpark-1").Value);
        Assert.Equal(QueueViolationCode.InvalidState, q.Unpark(number, At(9, 5), 3, "unpark-2").Refused().Code);
    }

    [Fact]
    public void A_window_calls_a_named_waiting_ticket_out_of_order()
    {
        var q = NewQueue();
        var first = q.Take(At(9, 0));
        var second = q.Take(At(9, 1));
        var third = q.Take(At(9, 2));

        var called = q.CallTicket(third, 4, At(9, 5)).Value;
        Assert.Equal((TicketState.Called, (int?)4, 1), (called.State, called.WindowNo, called.CallCount));
        Assert.Equal(At(9, 5), called.FirstCalledAt);
        Assert.Equal(third, q.HeldBy(4)!.Number);
        Assert.Equal([first, second], q.Drain(At(9, 6), window: 1));
    }

    [Fact]
    public void A_window_calls_a_named_parked_ticket()
    {
        var q = NewQueue();
        var number = q.Take(At(9, 0));
        _ = q.Park(number, null, "去复印", At(9, 1)).Value;

        var called = q.CallTicket(number, 1, At(9, 20)).Value;
        Assert.Equal((TicketState.Called, (string?)null), (called.State, called.ParkReason));
        Assert.Empty(q.Parked());
    }

    [Fact]
    public void Calling_a_named_ticket_is_refused_by_state_window_and_reservation()
    {
        var q = NewQueue();
        var a = q.Take(At(9, 0));
        var b = q.Take(At(9, 1));
        var reserved = q.Take(At(9, 2));
        _ = q.RedirectToWindow(reserved, null, 3, At(9, 3)).Value;

        Assert.Equal(QueueViolationCode.UnknownTicket, q.CallTicket("A099", 1, At(9, 4)).Refused().Code);
        Assert.Equal(QueueViolationCode.WrongWindow, q.CallTicket(reserved, 1, At(9, 4)).Refused().Code);

        _ = q.CallTicket(a, 1, At(9, 4)).Value;
        var busy = q.CallTicket(b, 1, At(9, 5)).Refused();
        Assert.Equal((QueueViolationCode.WindowBusy, a), (busy.Code, busy.TicketNo));

        var called = q.CallTicket(a, 2, At(9, 5)).Refused();
        Assert.Equal((QueueViolationCode.InvalidState, TicketState.Called), (called.Code, called.State));
        Assert.Equal("ticket A001 is called to window 1; cannot call it", called.Message);

        Assert.Equal(QueueViolationCode.InvalidRequest, q.CallTicket(b, 0, At(9, 5)).Refused().Code);
    }

    [Fact]
    public void A_keyed_named_call_repeated_is_answered_with_the_same_ticket()
    {
        var q = NewQueue();
        var number = q.Take(At(9, 0));
        var first = q.CallTicket(number, 1, At(9, 1), "call-1").Value;
        Assert.Equal(first, q.CallTicket(number, 1, At(9, 2), "call-1").Value);
        Assert.Equal(1, q.Find(number)!.CallCount);
    }

    [Fact]
    public void A_walk_up_counts_as_served_but_never_as_a_wait()
    {
        var q = NewQueue();
        var number = q.Take(At(9, 0));
        _ = q.CallNext(1, At(9, 10)).Value;
        _ = q.Start(number, 1, At(9, 10)).Value;
        _ = q.Finish(number, 1, At(9, 16)).Value;
        var waitsBefore = q.WaitStatistics;
        var meanBefore = q.MeanServiceTime;

        var walkUp = q.RecordWalkUp(2, "520000-XK-001", At(9, 20), "walk-1").Value;
        Assert.Equal(new WalkUpService("A-W001", "A", "520000-XK-001", 2, At(9, 20)), walkUp);
        Assert.Equal(walkUp, q.RecordWalkUp(2, "520000-XK-001", At(9, 21), "walk-1").Value); // a retry counts nothing
        _ = q.RecordWalkUp(2, null, At(9, 22)).Value;

        var counts = q.Counts;
        Assert.Equal((1, 2, 3, 0), (counts.Done, counts.WalkUps, counts.Served, counts.Waiting));
        Assert.True(counts.AddsUp);
        Assert.Equal(waitsBefore, q.WaitStatistics);
        Assert.Equal(meanBefore, q.MeanServiceTime);
        Assert.Empty(q.WaitingLine(1, At(9, 23)));
        Assert.Equal(["A-W001", "A-W002"], q.WalkUps.Select(w => w.Id));
    }

    [Fact]
    public void Walk_ups_are_in_the_closed_day_and_restart_the_next_day()
    {
        var q = NewQueue();
        _ = q.RecordWalkUp(1, null, At(9, 0)).Value;
        var summary = q.RollOver(At(9, 0).AddDays(1))!;
        Assert.Equal(1, summary.WalkUps);
        Assert.True(summary.AddsUp);
        Assert.Equal(0, q.Counts.WalkUps);
        Assert.Equal("A-W001", q.RecordWalkUp(1, null, At(9, 1).AddDays(1)).Value.Id);
    }

    [Fact]
    public void A_walk_up_with_a_bad_window_or_item_is_refused()
    {
        var q = NewQueue();
        Assert.Equal(QueueViolationCode.InvalidRequest, q.RecordWalkUp(0, null, At(9, 0)).Refused().Code);
        Assert.Equal(QueueViolationCode.InvalidRequest, q.RecordWalkUp(1, "", At(9, 0)).Refused().Code);
        Assert.Equal(0, q.Counts.WalkUps);
    }

    [Fact]
    public void Cancelling_a_called_ticket_frees_its_window_for_the_next_call()
    {
        var q = NewQueue();
        var first = q.Take(At(9, 0));
        var second = q.Take(At(9, 1));
        _ = q.CallNext(1, At(9, 2)).Value;
        var cancelled = q.Cancel(first, At(9, 3)).Value;
        Assert.Equal((TicketState.Cancelled, (int?)1), (cancelled.State, cancelled.WindowNo));
        Assert.Null(q.HeldBy(1));
        Assert.Equal(second, q.CallNext(1, At(9, 4)).Value!.Number);
    }
}
