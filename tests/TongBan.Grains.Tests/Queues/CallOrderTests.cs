using TongBan.Grains.Queues;
using static TongBan.Grains.Tests.Queues.QueueTestKit;

namespace TongBan.Grains.Tests.Queues;

/// <summary>The selector: priority lane, anti-starvation (K = 2 by default), appointments, named windows, parking, skips.</summary>
[Trait("Category", "Unit")]
public class CallOrderTests
{
    private const PriorityClass Green = PriorityClass.GreenChannel;
    private const PriorityClass Assisted = PriorityClass.Assisted;

    [Fact]
    public void All_normal_tickets_are_called_in_issue_order()
    {
        var q = NewQueue();
        for (var i = 0; i < 5; i++)
        {
            _ = q.Take(At(9, i));
        }

        Assert.Equal(["A001", "A002", "A003", "A004", "A005"], q.Drain(At(9, 30)));
    }

    [Fact]
    public void All_priority_tickets_are_called_green_then_appointment_then_assisted_each_by_time()
    {
        var q = NewQueue();
        var assisted1 = q.Take(At(9, 0), Assisted);
        var appointment = q.Take(At(9, 1), slot: At(9, 15));
        var green1 = q.Take(At(9, 2), Green);
        var assisted2 = q.Take(At(9, 3), Assisted);
        var green2 = q.Take(At(9, 4), Green);

        Assert.Equal([green1, green2, appointment, assisted1, assisted2], q.Drain(At(9, 10)));
    }

    [Fact]
    public void Mixed_line_gives_at_most_two_priority_calls_in_a_row_while_normals_wait()
    {
        var q = NewQueue();
        var n = new List<string>();
        var p = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            n.Add(q.Take(At(9, i)));
        }

        for (var i = 0; i < 5; i++)
        {
            p.Add(q.Take(At(9, 10 + i), Green));
        }

        // P P N P P N P N: every third call goes to the longest-waiting normal ticket.
        Assert.Equal([p[0], p[1], n[0], p[2], p[3], n[1], p[4], n[2]], q.Drain(At(9, 30)));
    }

    [Fact]
    public void K_is_configurable_and_zero_means_normal_tickets_first()
    {
        var q = NewQueue(rules: QueueRules.Default with { MaxConsecutivePriorityCalls = 0 });
        var n1 = q.Take(At(9, 0));
        var p1 = q.Take(At(9, 1), Green);
        var n2 = q.Take(At(9, 2));

        Assert.Equal([n1, n2, p1], q.Drain(At(9, 30)));
    }

    [Fact]
    public void A_steady_stream_of_priority_tickets_cannot_starve_a_walk_in()
    {
        var q = NewQueue();
        var walkIn = q.Take(At(9, 0));
        var calls = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            _ = q.Take(At(9, 1 + i), Green); // a new priority ticket before every call
            calls.Add(q.CallAndFinish(1, At(9, 1 + i))!);
        }

        Assert.Equal(2, calls.IndexOf(walkIn));
    }

    [Fact]
    public void Priority_calls_made_while_no_normal_waited_do_not_count_against_the_next_normal()
    {
        var q = NewQueue();
        for (var i = 0; i < 3; i++)
        {
            _ = q.Take(At(9, i), Green);
        }

        Assert.Equal(3, q.Drain(At(9, 5)).Count);

        var n1 = q.Take(At(9, 10));
        var p4 = q.Take(At(9, 11), Green);
        var p5 = q.Take(At(9, 12), Green);
        var p6 = q.Take(At(9, 13), Green);
        Assert.Equal([p4, p5, n1, p6], q.Drain(At(9, 20)));
    }

    [Fact]
    public void The_counter_is_shared_by_all_windows_of_the_queue()
    {
        var q = NewQueue();
        var n1 = q.Take(At(9, 0));
        var p1 = q.Take(At(9, 1), Green);
        var p2 = q.Take(At(9, 2), Green);
        _ = q.Take(At(9, 3), Green);

        Assert.Equal(p1, q.CallAndFinish(1, At(9, 10)));
        Assert.Equal(p2, q.CallAndFinish(2, At(9, 10)));
        Assert.Equal(n1, q.CallAndFinish(3, At(9, 10)));
    }

    [Fact]
    public void Early_appointment_is_a_walk_in_by_issue_time_until_its_window_opens()
    {
        // Slot at 10:00, so the appointment ranks as priority from 09:30.
        var before = NewQueue();
        var walkIn = before.Take(At(8, 50));
        var early = before.Take(At(9, 0), slot: At(10, 0));
        Assert.Equal([walkIn, early], before.Drain(At(9, 29)));

        var inWindow = NewQueue();
        walkIn = inWindow.Take(At(8, 50));
        early = inWindow.Take(At(9, 0), slot: At(10, 0));
        Assert.Equal([early, walkIn], inWindow.Drain(At(9, 30)));
    }

    [Fact]
    public void Early_appointment_still_benefits_from_its_early_issue_time_among_walk_ins()
    {
        var q = NewQueue();
        var early = q.Take(At(9, 0), slot: At(10, 0));
        var walkIn = q.Take(At(9, 5));
        Assert.Equal([early, walkIn], q.Drain(At(9, 10)));
    }

    [Fact]
    public void Late_check_in_loses_appointment_priority_and_waits_as_a_walk_in()
    {
        var q = NewQueue();
        var walkIn = q.Take(At(10, 10));
        var late = q.Take(At(10, 16), slot: At(10, 0)); // checked in 16 min after slot start
        Assert.Equal([walkIn, late], q.Drain(At(10, 20)));
    }

    [Fact]
    public void Check_in_exactly_at_the_late_limit_still_counts_as_on_time()
    {
        var q = NewQueue();
        var walkIn = q.Take(At(10, 10));
        var onTime = q.Take(At(10, 15), slot: At(10, 0));
        Assert.Equal([onTime, walkIn], q.Drain(At(10, 20)));
    }

    [Fact]
    public void On_time_appointment_keeps_priority_while_it_waits_past_its_slot()
    {
        var q = NewQueue();
        var walkIn = q.Take(At(9, 0));
        var onTime = q.Take(At(9, 50), slot: At(10, 0));
        Assert.Equal([onTime, walkIn], q.Drain(At(10, 40)));
    }

    [Fact]
    public void Appointments_are_ordered_by_slot_start_not_by_check_in()
    {
        var q = NewQueue();
        var later = q.Take(At(10, 1), slot: At(10, 30));
        var earlier = q.Take(At(10, 5), slot: At(10, 0));
        Assert.Equal([earlier, later], q.Drain(At(10, 10)));
    }

    [Fact]
    public void Custom_appointment_window_is_honoured()
    {
        var rules = QueueRules.Default with { AppointmentEarly = TimeSpan.FromMinutes(5), AppointmentLate = TimeSpan.Zero };
        var q = NewQueue(rules: rules);
        var walkIn = q.Take(At(9, 0));
        var appointment = q.Take(At(9, 40), slot: At(10, 0));
        Assert.Equal(walkIn, q.CallAndFinish(1, At(9, 50))); // 10 min before the slot: not yet priority
        _ = q.Take(At(9, 51));
        Assert.Equal(appointment, q.CallAndFinish(1, At(9, 55)));
    }

    [Fact]
    public void Green_channel_appointment_ranks_as_green_channel()
    {
        var q = NewQueue();
        var green = q.Take(At(9, 5), Green);
        var greenAppointment = q.Take(At(9, 0), Green, slot: At(9, 10));
        var appointment = q.Take(At(9, 1), slot: At(9, 5));
        Assert.Equal([greenAppointment, green, appointment], q.Drain(At(9, 6)));
    }

    [Fact]
    public void Named_window_tickets_are_called_only_by_that_window()
    {
        var q = NewQueue();
        var reserved = q.Take(At(9, 0));
        var other = q.Take(At(9, 1));
        _ = q.RedirectToWindow(reserved, null, 3, At(9, 2)).Value;

        Assert.Equal(other, q.CallAndFinish(2, At(9, 5)));
        Assert.Null(q.CallNext(2, At(9, 6)).Value);
        Assert.Equal(reserved, q.CallAndFinish(3, At(9, 7)));
    }

    [Fact]
    public void Named_window_ticket_keeps_its_place_in_time_at_that_window()
    {
        var q = NewQueue();
        var walkIn = q.Take(At(9, 5));
        var reserved = q.Take(At(9, 0));
        _ = q.RedirectToWindow(reserved, null, 3, At(9, 6)).Value;
        Assert.Equal([reserved, walkIn], q.Drain(At(9, 7), window: 3));
    }

    [Fact]
    public void Parked_tickets_are_never_called()
    {
        var q = NewQueue();
        var parked = q.Take(At(9, 0), Green);
        var normal = q.Take(At(9, 1));
        _ = q.Park(parked, null, "缺少材料", At(9, 2)).Value;

        Assert.Equal([normal], q.Drain(At(9, 5)));
        Assert.Null(q.CallNext(1, At(9, 6)).Value);
        Assert.Equal(TicketState.Parked, q.Find(parked)!.State);

        _ = q.Unpark(parked, At(9, 7)).Value;
        Assert.Equal([parked], q.Drain(At(9, 8)));
    }

    [Fact]
    public void Unparked_ticket_returns_to_the_front_of_its_line()
    {
        var q = NewQueue();
        var first = q.Take(At(9, 0));
        var second = q.Take(At(9, 1));
        var green = q.Take(At(9, 2), Green);
        _ = q.Park(second, null, "缺少材料", At(9, 2)).Value;
        var fourth = q.Take(At(9, 3));
        _ = q.Unpark(second, At(9, 4)).Value;
        Assert.Equal([second, green, first, fourth], q.Drain(At(9, 5)));
    }

    [Fact]
    public void Skipped_ticket_is_called_again_after_three_more_calls()
    {
        var q = NewQueue();
        var numbers = Enumerable.Range(0, 6).Select(i => q.Take(At(9, i))).ToList();
        Assert.Equal(numbers[0], q.CallNext(1, At(9, 10)).Value!.Number);
        _ = q.Skip(numbers[0], 1, At(9, 11)).Value;

        Assert.Equal([numbers[1], numbers[2], numbers[3], numbers[0], numbers[4], numbers[5]], q.Drain(At(9, 12)));
    }

    [Fact]
    public void Skipped_ticket_is_called_at_once_when_nothing_else_is_callable()
    {
        var q = NewQueue();
        var only = q.Take(At(9, 0));
        _ = q.CallNext(1, At(9, 1)).Value;
        _ = q.Skip(only, 1, At(9, 2)).Value;
        Assert.Equal(only, q.CallNext(2, At(9, 3)).Value!.Number);
    }

    [Fact]
    public void Returned_ticket_is_called_before_everything_else()
    {
        var q = NewQueue();
        var first = q.Take(At(9, 0));
        _ = q.Take(At(9, 1), Green);
        _ = q.Take(At(9, 2), Green);
        Assert.Equal(q.Find("A002")!.Number, q.CallNext(1, At(9, 5)).Value!.Number);
        _ = q.ReturnToHead("A002", 1, At(9, 6)).Value;

        var next = q.CallNext(2, At(9, 7)).Value!;
        Assert.Equal("A002", next.Number);
        Assert.Equal(2, next.CallCount);
        Assert.Equal(2, next.WindowNo);
        Assert.Equal(TicketState.Waiting, q.Find(first)!.State);
    }

    [Fact]
    public void Nothing_to_call_is_a_success_with_no_ticket()
    {
        var q = NewQueue();
        var result = q.CallNext(1, At(9, 0));
        Assert.True(result.IsOk);
        Assert.Null(result.Value);
    }

    [Fact]
    public void Waiting_line_projects_the_same_order_the_windows_follow()
    {
        var q = NewQueue();
        for (var i = 0; i < 4; i++)
        {
            _ = q.Take(At(9, i));
        }

        for (var i = 0; i < 4; i++)
        {
            _ = q.Take(At(9, 10 + i), i % 2 == 0 ? Green : Assisted);
        }

        var reserved = q.Take(At(9, 21));
        _ = q.RedirectToWindow(reserved, null, 1, At(9, 22)).Value;
        var skipped = q.CallNext(1, At(9, 23)).Value!.Number;
        _ = q.Skip(skipped, 1, At(9, 24)).Value;

        var line = q.WaitingLine(2, At(9, 30));
        Assert.Equal(Enumerable.Range(1, line.Count), line.Select(s => s.Position!.Value));
        Assert.Contains(skipped, line.Select(s => s.Ticket.Number));
        Assert.Equal(line.Select(s => s.Ticket.Number), q.Drain(At(9, 30)));
    }
}
