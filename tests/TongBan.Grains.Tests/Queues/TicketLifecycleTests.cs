using TongBan.Grains.Queues;
using static TongBan.Grains.Tests.Queues.QueueTestKit;

namespace TongBan.Grains.Tests.Queues;

/// <summary>Call, recall, no-show, start, finish, cancel, park, redirect, return and window release, legal and illegal.</summary>
[Trait("Category", "Unit")]
public class TicketLifecycleTests
{
    [Fact]
    public void Call_start_finish_records_window_times_and_call_count()
    {
        var q = NewQueue();
        var number = q.Take(At(9, 0));
        var called = q.CallNext(4, At(9, 5)).Value!;
        Assert.Equal((number, TicketState.Called, 4, 1), (called.Number, called.State, called.WindowNo, called.CallCount));
        Assert.Equal(At(9, 5), called.FirstCalledAt);

        var serving = q.Start(number, 4, At(9, 6)).Value;
        Assert.Equal((TicketState.Serving, At(9, 6)), (serving.State, serving.StartedAt));

        var done = q.Finish(number, 4, At(9, 16)).Value;
        Assert.Equal((TicketState.Done, At(9, 16), 4), (done.State, done.FinishedAt, done.WindowNo));
    }

    [Fact]
    public void Finishing_twice_is_refused_with_a_specific_reason()
    {
        var q = NewQueue();
        var number = q.Take(At(9, 0));
        _ = q.CallNext(1, At(9, 1)).Value;
        _ = q.Start(number, 1, At(9, 2)).Value;
        _ = q.Finish(number, 1, At(9, 3)).Value;

        var v = q.Finish(number, 1, At(9, 4)).Refused();
        Assert.Equal(QueueViolationCode.InvalidState, v.Code);
        Assert.Equal(TicketState.Done, v.State);
        Assert.Equal("A001", v.TicketNo);
        Assert.Equal("ticket A001 is already done; cannot finish it", v.Message);
        Assert.Equal("票号 A001 已办结，不能办结", v.MessageZh);
    }

    [Fact]
    public void Value_of_a_refused_result_throws_the_violation_for_callers_that_prefer_exceptions()
    {
        var q = NewQueue();
        var ex = Assert.Throws<QueueRuleViolationException>(() => q.Start("A404", 1, At(9, 0)).Value);
        Assert.Equal(QueueViolationCode.UnknownTicket, ex.Violation.Code);
        Assert.Equal("ticket A404 is not in queue A today", ex.Message);
    }

    [Fact]
    public void Finishing_a_ticket_that_never_started_is_refused()
    {
        var q = NewQueue();
        var number = q.Take(At(9, 0));
        _ = q.CallNext(1, At(9, 1)).Value;
        var v = q.Finish(number, 1, At(9, 2)).Refused();
        Assert.Equal(QueueViolationCode.InvalidState, v.Code);
        Assert.Equal("ticket A001 is called to window 1; cannot finish it", v.Message);
    }

    [Fact]
    public void Only_the_holding_window_may_act_on_a_called_ticket()
    {
        var q = NewQueue();
        var number = q.Take(At(9, 0));
        _ = q.CallNext(1, At(9, 1)).Value;

        var v = q.Start(number, 2, At(9, 2)).Refused();
        Assert.Equal(QueueViolationCode.WrongWindow, v.Code);
        Assert.Equal("ticket A001 is held by window 1, not window 2", v.Message);
        Assert.Equal(QueueViolationCode.WrongWindow, q.Park(number, null, "缺少材料", At(9, 2)).Refused().Code);
        Assert.Equal(QueueViolationCode.WrongWindow, q.TransferOut(number, 3, "B", null, At(9, 2)).Refused().Code);
    }

    [Fact]
    public void A_window_holds_one_ticket_of_a_queue_at_a_time()
    {
        var q = NewQueue();
        var first = q.Take(At(9, 0));
        _ = q.Take(At(9, 1));
        _ = q.CallNext(1, At(9, 2)).Value;

        var v = q.CallNext(1, At(9, 3)).Refused();
        Assert.Equal(QueueViolationCode.WindowBusy, v.Code);
        Assert.Equal(first, v.TicketNo);

        _ = q.Start(first, 1, At(9, 4)).Value;
        Assert.Equal(QueueViolationCode.WindowBusy, q.CallNext(1, At(9, 5)).Refused().Code);
        Assert.Equal("A002", q.CallNext(2, At(9, 5)).Value!.Number);
    }

    [Fact]
    public void Recall_announces_again_and_counts()
    {
        var q = NewQueue();
        var number = q.Take(At(9, 0));
        _ = q.CallNext(1, At(9, 1)).Value;
        var recalled = q.Recall(number, 1, At(9, 1, 30)).Value;
        Assert.Equal(2, recalled.CallCount);
        Assert.Equal(At(9, 1, 30), recalled.LastCalledAt);
        Assert.Equal(At(9, 1), recalled.FirstCalledAt);
    }

    [Fact]
    public void Recall_within_the_minimum_interval_is_refused()
    {
        var q = NewQueue();
        var number = q.Take(At(9, 0));
        _ = q.CallNext(1, At(9, 1)).Value;
        var v = q.Recall(number, 1, At(9, 1, 10)).Refused();
        Assert.Equal(QueueViolationCode.RecallTooSoon, v.Code);
        Assert.Contains("20s", v.Message);
        Assert.Equal(1, q.Find(number)!.CallCount);
    }

    [Fact]
    public void No_show_needs_three_recalls_spaced_in_time()
    {
        var q = NewQueue();
        var number = q.Take(At(9, 0));
        _ = q.CallNext(1, At(9, 1)).Value;

        for (var i = 1; i <= 3; i++)
        {
            var early = q.MarkNoShow(number, 1, At(9, 1 + i)).Refused();
            Assert.Equal(QueueViolationCode.NoShowTooEarly, early.Code);
            Assert.Contains($"recalled {i - 1} of 3 times", early.Message);
            _ = q.Recall(number, 1, At(9, 1 + i)).Value;
        }

        Assert.Equal(QueueViolationCode.NoShowTooEarly, q.MarkNoShow(number, 1, At(9, 4, 10)).Refused().Code);
        var noShow = q.MarkNoShow(number, 1, At(9, 4, 30)).Value;
        Assert.Equal((TicketState.NoShow, 4, At(9, 4, 30)), (noShow.State, noShow.CallCount, noShow.FinishedAt));
        Assert.Equal(QueueViolationCode.InvalidState, q.Recall(number, 1, At(9, 6)).Refused().Code);
    }

    [Fact]
    public void No_show_threshold_is_configurable()
    {
        var q = NewQueue(rules: NoRecallSpacing with { RecallsBeforeNoShow = 0 });
        var number = q.Take(At(9, 0));
        _ = q.CallNext(1, At(9, 1)).Value;
        Assert.Equal(TicketState.NoShow, q.MarkNoShow(number, 1, At(9, 1)).Value.State);
    }

    [Fact]
    public void Recalls_count_again_from_zero_after_a_ticket_is_called_anew()
    {
        var q = NewQueue(rules: NoRecallSpacing);
        var number = q.Take(At(9, 0));
        _ = q.CallNext(1, At(9, 1)).Value;
        for (var i = 0; i < 3; i++)
        {
            _ = q.Recall(number, 1, At(9, 2)).Value;
        }

        _ = q.Skip(number, 1, At(9, 3)).Value;
        _ = q.CallNext(1, At(9, 4)).Value;
        Assert.Equal(QueueViolationCode.NoShowTooEarly, q.MarkNoShow(number, 1, At(9, 5)).Refused().Code);
        Assert.Equal(5, q.Find(number)!.CallCount);
    }

    [Theory]
    [InlineData(TicketState.Waiting)]
    [InlineData(TicketState.Parked)]
    [InlineData(TicketState.Called)]
    public void Citizen_may_cancel_while_waiting_parked_or_called(TicketState before)
    {
        var q = NewQueue();
        var number = q.Take(At(9, 0));
        if (before == TicketState.Parked)
        {
            _ = q.Park(number, null, "缺少材料", At(9, 1)).Value;
        }
        else if (before == TicketState.Called)
        {
            _ = q.CallNext(1, At(9, 1)).Value;
        }

        var cancelled = q.Cancel(number, At(9, 2)).Value;
        Assert.Equal((TicketState.Cancelled, At(9, 2)), (cancelled.State, cancelled.FinishedAt));
        Assert.Null(q.CallNext(1, At(9, 3)).Value); // the window is free again and nothing is left
    }

    [Fact]
    public void Cancelling_after_service_started_or_twice_is_refused()
    {
        var q = NewQueue();
        var serving = q.Take(At(9, 0));
        var cancelled = q.Take(At(9, 1));
        _ = q.CallNext(1, At(9, 2)).Value;
        _ = q.Start(serving, 1, At(9, 3)).Value;
        _ = q.Cancel(cancelled, At(9, 3)).Value;

        Assert.Equal("ticket A001 is being served at window 1; cannot cancel it", q.Cancel(serving, At(9, 4)).Refused().Message);
        Assert.Equal("ticket A002 is already cancelled; cannot cancel it", q.Cancel(cancelled, At(9, 4)).Refused().Message);
    }

    [Fact]
    public void Parking_a_serving_ticket_frees_the_window_and_keeps_its_service_time()
    {
        var q = NewQueue(rules: QueueRules.Default with { MinServiceSamples = 1 });
        var number = q.Take(At(9, 0));
        _ = q.CallNext(1, At(9, 1)).Value;
        _ = q.Start(number, 1, At(9, 2)).Value;
        var parked = q.Park(number, 1, "缺少材料", At(9, 6)).Value; // 4 minutes served, then sent to copy a document
        Assert.Equal((TicketState.Parked, (int?)null), (parked.State, parked.WindowNo));
        Assert.Equal("ticket A001 is parked (on hold); cannot park it", q.Park(number, null, "缺少材料", At(9, 7)).Refused().Message);

        _ = q.Unpark(number, At(9, 20)).Value;
        _ = q.CallNext(2, At(9, 21)).Value;
        _ = q.Start(number, 2, At(9, 22)).Value;
        _ = q.Finish(number, 2, At(9, 28)).Value; // 6 more minutes

        // One sample of 4 + 6 = 10 minutes (the estimate rests on one sample under these rules).
        Assert.Equal(1, q.ServiceSamples);
        Assert.Equal(10, q.MeanServiceTime.TotalMinutes, 6);
    }

    [Fact]
    public void Unparking_a_ticket_that_is_not_parked_is_refused()
    {
        var q = NewQueue();
        var number = q.Take(At(9, 0));
        Assert.Equal("ticket A001 is waiting; cannot unpark it", q.Unpark(number, At(9, 1)).Refused().Message);
    }

    [Fact]
    public void Unknown_tickets_and_bad_windows_are_refused()
    {
        var q = NewQueue();
        Assert.Equal(QueueViolationCode.UnknownTicket, q.Cancel("A001", At(9, 0)).Refused().Code);
        Assert.Equal(QueueViolationCode.InvalidRequest, q.CallNext(0, At(9, 0)).Refused().Code);
        var number = q.Take(At(9, 0));
        Assert.Equal(QueueViolationCode.InvalidRequest, q.RedirectToWindow(number, null, 0, At(9, 1)).Refused().Code);
    }

    [Fact]
    public void Ticket_lookup_ignores_letter_case()
    {
        var q = NewQueue();
        var number = q.Take(At(9, 0));
        Assert.Equal(number, q.Find("a001")!.Number);
    }

    [Fact]
    public void Return_to_head_is_only_for_a_called_ticket_of_that_window()
    {
        var q = NewQueue();
        var number = q.Take(At(9, 0));
        Assert.Equal(QueueViolationCode.InvalidState, q.ReturnToHead(number, 1, At(9, 1)).Refused().Code);
        _ = q.CallNext(1, At(9, 1)).Value;
        Assert.Equal(QueueViolationCode.WrongWindow, q.ReturnToHead(number, 2, At(9, 2)).Refused().Code);

        var back = q.ReturnToHead(number, 1, At(9, 2)).Value;
        Assert.Equal((TicketState.Waiting, (int?)null), (back.State, back.WindowNo));
        Assert.Equal(1, q.Status(number, 1, At(9, 2))!.Position);
    }

    [Fact]
    public void Releasing_a_closing_window_returns_its_call_and_frees_its_reserved_tickets()
    {
        var q = NewQueue();
        var called = q.Take(At(9, 0));
        var reserved = q.Take(At(9, 1));
        var elsewhere = q.Take(At(9, 2));
        var serving = q.Take(At(9, 3));
        _ = q.CallNext(3, At(9, 4)).Value;
        _ = q.RedirectToWindow(reserved, null, 3, At(9, 5)).Value;
        _ = q.RedirectToWindow(elsewhere, null, 4, At(9, 5)).Value;
        Assert.Equal(serving, q.CallNext(5, At(9, 6)).Value!.Number);
        _ = q.Start(serving, 5, At(9, 6)).Value;

        var changed = q.ReleaseWindow(3, At(9, 7));
        Assert.Equal([called, reserved], changed.Select(t => t.Number));
        Assert.All(changed, t => Assert.Null(t.TargetWindow));
        Assert.Equal(4, q.Find(elsewhere)!.TargetWindow);
        Assert.Equal([called, reserved], q.Drain(At(9, 8), window: 1));
        Assert.Empty(q.ReleaseWindow(5, At(9, 9)));
        Assert.Equal(TicketState.Serving, q.Find(serving)!.State);
    }

    [Fact]
    public void Redirecting_a_called_ticket_to_another_window_frees_the_caller()
    {
        var q = NewQueue();
        var number = q.Take(At(9, 0));
        _ = q.Take(At(9, 1));
        _ = q.CallNext(1, At(9, 2)).Value;

        var moved = q.RedirectToWindow(number, 1, 6, At(9, 3)).Value;
        Assert.Equal((TicketState.Waiting, (int?)6, (int?)null), (moved.State, moved.TargetWindow, moved.WindowNo));
        Assert.Equal("A002", q.CallNext(1, At(9, 4)).Value!.Number);
        Assert.Equal(number, q.CallNext(6, At(9, 4)).Value!.Number);
    }

    [Fact]
    public void Illegal_operations_change_nothing()
    {
        var q = NewQueue();
        var number = q.Take(At(9, 0));
        var before = q.Find(number);
        _ = q.Finish(number, 1, At(9, 1)).Refused();
        _ = q.MarkNoShow(number, 1, At(9, 1)).Refused();
        _ = q.Unpark(number, At(9, 1)).Refused();
        Assert.Equal(before, q.Find(number));
        Assert.True(q.Counts.AddsUp);
    }
}
