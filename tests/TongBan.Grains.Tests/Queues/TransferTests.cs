using TongBan.Grains.Queues;
using static TongBan.Grains.Tests.Queues.QueueTestKit;

namespace TongBan.Grains.Tests.Queues;

/// <summary>Transfers between category queues: fairness by original issue time, idempotent hand-off, named windows.</summary>
[Trait("Category", "Unit")]
public class TransferTests
{
    [Fact]
    public void Transferred_ticket_keeps_its_number_and_original_issue_time_in_the_receiving_queue()
    {
        var a = NewQueue("A");
        var b = NewQueue("B");
        var number = a.Take(At(9, 0), PriorityClass.GreenChannel);
        _ = a.CallNext(1, At(9, 20)).Value;
        _ = a.Start(number, 1, At(9, 21)).Value;

        var handoff = a.TransferOut(number, 1, "B", null, At(9, 25)).Value;
        Assert.Equal(TicketState.Transferred, a.Find(number)!.State);
        Assert.Equal("B", a.Find(number)!.TransferredTo);
        Assert.Equal((number, "A", "B", PriorityClass.GreenChannel, At(9, 0)), (handoff.Number, handoff.FromCategory, handoff.ToCategory, handoff.Priority, handoff.IssuedAt));

        var received = b.Accept(handoff, 1, At(9, 26)).Value.Ticket;
        Assert.Equal((number, "B", "A", TicketState.Waiting), (received.Number, received.Category, received.FromCategory, received.State));
        Assert.Equal(At(9, 0), received.IssuedAt);
        Assert.Equal(At(9, 26), received.EnteredAt);
    }

    [Fact]
    public void Transferred_ticket_is_ordered_by_its_original_issue_time_not_the_transfer_time()
    {
        var a = NewQueue("A");
        var b = NewQueue("B");
        var b1 = b.Take(At(9, 10));
        var b2 = b.Take(At(9, 20));
        var fromA = a.Take(At(9, 15));
        _ = a.CallNext(1, At(9, 30)).Value;
        var status = b.Accept(a.TransferOut(fromA, 1, "B", null, At(9, 31)).Value, 1, At(9, 32)).Value;

        Assert.Equal(2, status.Position);
        Assert.Equal([b1, fromA, b2], b.Drain(At(9, 40)));
    }

    [Fact]
    public void Delivering_the_same_hand_off_twice_creates_one_entry()
    {
        var a = NewQueue("A");
        var b = NewQueue("B");
        var number = a.Take(At(9, 0));
        var handoff = a.TransferOut(number, null, "B", null, At(9, 1)).Value;

        var first = b.Accept(handoff, 1, At(9, 2)).Value;
        var again = b.Accept(handoff, 1, At(9, 3)).Value;
        Assert.Equal(first.Ticket, again.Ticket);
        Assert.Equal(1, b.Counts.Received);
        Assert.Equal(1, b.Counts.Waiting);
    }

    [Fact]
    public void Repeating_a_transfer_returns_the_same_hand_off_and_a_different_one_is_refused()
    {
        var a = NewQueue("A");
        var number = a.Take(At(9, 0));
        var handoff = a.TransferOut(number, null, "B", 4, At(9, 1)).Value;
        Assert.Equal(handoff, a.TransferOut(number, null, "B", 4, At(9, 2)).Value);

        var v = a.TransferOut(number, null, "C", null, At(9, 3)).Refused();
        Assert.Equal("ticket A001 is already transferred to queue B; cannot transfer it", v.Message);
        Assert.Equal("票号 A001 已转至 B 类队列，不能转出", v.MessageZh);
    }

    [Fact]
    public void Transfer_to_a_named_window_is_only_called_by_that_window()
    {
        var a = NewQueue("A");
        var b = NewQueue("B");
        var number = a.Take(At(9, 0));
        var later = b.Take(At(9, 5));
        _ = b.Accept(a.TransferOut(number, null, "B", 7, At(9, 10)).Value, 2, At(9, 10)).Value;

        Assert.Equal(7, b.Find(number)!.TargetWindow);
        Assert.Equal(later, b.CallNext(2, At(9, 11)).Value!.Number);
        Assert.Null(b.CallNext(3, At(9, 11)).Value);
        Assert.Equal(number, b.CallNext(7, At(9, 11)).Value!.Number);
    }

    [Fact]
    public void A_ticket_may_come_back_to_its_first_queue_and_counts_still_add_up()
    {
        var a = NewQueue("A");
        var b = NewQueue("B");
        var number = a.Take(At(9, 0));
        _ = b.Accept(a.TransferOut(number, null, "B", null, At(9, 1)).Value, 1, At(9, 1)).Value;
        _ = a.Accept(b.TransferOut(number, null, "A", null, At(9, 2)).Value, 1, At(9, 2)).Value;

        Assert.Equal(TicketState.Waiting, a.Find(number)!.State);
        Assert.Equal("B", a.Find(number)!.FromCategory);
        var counts = a.Counts;
        Assert.Equal((1, 1, 1, 1), (counts.Issued, counts.Received, counts.Transferred, counts.Waiting));
        Assert.True(counts.AddsUp);
        Assert.True(b.Counts.AddsUp);
        Assert.Equal([number], a.Drain(At(9, 3)));
    }

    [Fact]
    public void A_second_live_copy_of_a_ticket_is_refused()
    {
        var a = NewQueue("A");
        var b = NewQueue("B");
        var number = a.Take(At(9, 0));
        var handoff = a.TransferOut(number, null, "B", null, At(9, 1)).Value;
        _ = b.Accept(handoff, 1, At(9, 2)).Value;

        var forged = handoff with { TransferId = "A:A001:99" };
        var v = b.Accept(forged, 1, At(9, 3)).Refused();
        Assert.Equal(QueueViolationCode.DuplicateTicket, v.Code);
        Assert.Equal(1, b.Counts.Received);
    }

    [Fact]
    public void Transfers_to_the_same_or_a_malformed_category_or_the_wrong_queue_are_refused()
    {
        var a = NewQueue("A");
        var c = NewQueue("C");
        var number = a.Take(At(9, 0));
        Assert.Equal(QueueViolationCode.InvalidRequest, a.TransferOut(number, null, "A", 3, At(9, 1)).Refused().Code);
        Assert.Equal(QueueViolationCode.InvalidRequest, a.TransferOut(number, null, "b", null, At(9, 1)).Refused().Code);
        Assert.Equal(QueueViolationCode.InvalidRequest, a.TransferOut(number, null, "B", 0, At(9, 1)).Refused().Code);

        var handoff = a.TransferOut(number, null, "B", null, At(9, 2)).Value;
        Assert.Equal(QueueViolationCode.InvalidRequest, c.Accept(handoff, 1, At(9, 3)).Refused().Code);
    }

    [Fact]
    public void Finished_tickets_cannot_be_transferred()
    {
        var a = NewQueue("A");
        var number = a.Take(At(9, 0));
        _ = a.CallAndFinish(1, At(9, 1));
        Assert.Equal("ticket A001 is already done; cannot transfer it", a.TransferOut(number, 1, "B", null, At(9, 2)).Refused().Message);
    }

    [Fact]
    public void Parked_tickets_can_be_transferred_and_arrive_waiting()
    {
        var a = NewQueue("A");
        var b = NewQueue("B");
        var number = a.Take(At(9, 0));
        _ = a.Park(number, null, "缺少材料", At(9, 1)).Value;
        var received = b.Accept(a.TransferOut(number, null, "B", null, At(9, 2)).Value, 1, At(9, 2)).Value;
        Assert.Equal((TicketState.Waiting, 1), (received.Ticket.State, received.Position));
    }

    [Fact]
    public void Appointment_priority_travels_with_the_ticket()
    {
        var a = NewQueue("A");
        var b = NewQueue("B");
        var walkIn = b.Take(At(9, 40));
        var appointment = a.Take(At(9, 45), slot: At(10, 0));
        _ = b.Accept(a.TransferOut(appointment, null, "B", null, At(9, 50)).Value, 1, At(9, 50)).Value;
        Assert.Equal([appointment, walkIn], b.Drain(At(9, 55)));
    }
}
