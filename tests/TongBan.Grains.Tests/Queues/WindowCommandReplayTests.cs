using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using TongBan.Grains.Queues;
using static TongBan.Grains.Tests.Queues.QueueTestKit;

namespace TongBan.Grains.Tests.Queues;

/// <summary>
/// A window whose own write was lost after its queue applied a command (a crash between the two) retries with the same
/// idempotency key. The queue recognises the repeat of the last keyed window command on a ticket, by the same window,
/// and answers with the ticket as it is now, changing nothing; anything else is still judged by the rules.
/// </summary>
[Trait("Category", "Unit")]
public sealed class WindowCommandReplayTests
{
    [Fact]
    public void A_repeated_call_answers_with_the_ticket_it_called_and_calls_no_other()
    {
        var q = NewQueue();
        var first = q.Take(At(9, 0));
        _ = q.Take(At(9, 1));

        var called = q.CallNext(1, At(9, 5), "call-1").Value!;
        var repeat = q.CallNext(1, At(9, 6), "call-1");

        Assert.True(repeat.IsOk, repeat.ToString());
        Assert.Equal(first, called.Number);
        Assert.Equal(called, repeat.Value);
        Assert.Equal(1, q.Counts.Called);
        Assert.Equal(1, q.Counts.Waiting);
        Assert.Equal(called, q.HeldBy(1));
        Assert.Null(q.HeldBy(2));

        // Another key (or none) while the window holds the ticket is the usual refusal; so is the key at another window.
        Assert.Equal(QueueViolationCode.WindowBusy, q.CallNext(1, At(9, 7), "call-2").Refused().Code);
        Assert.Equal(QueueViolationCode.WindowBusy, q.CallNext(1, At(9, 7)).Refused().Code);
        Assert.NotEqual(first, q.CallNext(2, At(9, 7), "call-1").Value!.Number);
    }

    [Fact]
    public void Repeated_start_and_finish_are_answered_once_applied_and_feed_the_estimate_once()
    {
        var q = NewQueue();
        var t = q.Take(At(9, 0));
        _ = q.CallNext(1, At(9, 1), "c").Value;

        var started = q.Start(t, 1, At(9, 2), "s").Value;
        Assert.Equal(started, q.Start(t, 1, At(9, 3), "s").Value);
        Assert.Equal(started, q.Replay(TicketAction.Start, t, 1, "s"));

        var finished = q.Finish(t, 1, At(9, 12), "f").Value;
        var mean = q.MeanServiceTime;
        var repeat = q.Finish(t, 1, At(9, 20), "f");

        Assert.True(repeat.IsOk, repeat.ToString());
        Assert.Equal(finished, repeat.Value);
        Assert.Equal(TicketState.Done, repeat.Value.State);
        Assert.Equal(At(9, 12), repeat.Value.FinishedAt);
        Assert.Equal(mean, q.MeanServiceTime);
        Assert.Equal(1, q.Counts.Done);
        Assert.True(q.Counts.AddsUp);

        // The start key no longer replays (the finish is the ticket's last command): a late start is refused as before.
        Assert.Null(q.Replay(TicketAction.Start, t, 1, "s"));
        Assert.Equal(QueueViolationCode.InvalidState, q.Start(t, 1, At(9, 21), "s").Refused().Code);
        Assert.Equal(QueueViolationCode.InvalidState, q.Finish(t, 1, At(9, 21), "f2").Refused().Code);
        Assert.Equal(QueueViolationCode.InvalidState, q.Finish(t, 1, At(9, 21)).Refused().Code);
    }

    [Fact]
    public void A_repeated_recall_is_not_refused_as_too_soon_and_announces_nothing_more()
    {
        var q = NewQueue();
        var t = q.Take(At(9, 0));
        _ = q.CallNext(1, At(9, 1)).Value;

        var recalled = q.Recall(t, 1, At(9, 2), "r1").Value;
        var repeat = q.Recall(t, 1, At(9, 2, 5), "r1");

        Assert.True(repeat.IsOk, repeat.ToString());
        Assert.Equal(recalled, repeat.Value);
        Assert.Equal(2, repeat.Value.CallCount);
        Assert.Equal(QueueViolationCode.RecallTooSoon, q.Recall(t, 1, At(9, 2, 5), "r2").Refused().Code);
    }

    [Fact]
    public void Repeated_skip_and_no_show_are_answered_with_the_ticket_as_it_is_now()
    {
        var q = NewQueue(rules: NoRecallSpacing);
        var skipped = q.Take(At(9, 0));
        var absent = q.Take(At(9, 1));
        _ = q.CallNext(1, At(9, 2)).Value;

        var back = q.Skip(skipped, 1, At(9, 3), "k").Value;
        var repeat = q.Skip(skipped, 1, At(9, 4), "k");
        Assert.True(repeat.IsOk, repeat.ToString());
        Assert.Equal(back, repeat.Value);
        Assert.Equal(TicketState.Waiting, repeat.Value.State);
        Assert.Null(q.HeldBy(1));

        Assert.Equal(absent, q.CallNext(1, At(9, 5)).Value!.Number);
        for (var i = 0; i < q.Rules.RecallsBeforeNoShow; i++)
        {
            _ = q.Recall(absent, 1, At(9, 6 + i)).Value;
        }

        var noShow = q.MarkNoShow(absent, 1, At(9, 10), "n").Value;
        Assert.Equal(noShow, q.MarkNoShow(absent, 1, At(9, 11), "n").Value);
        Assert.Equal(1, q.Counts.NoShow);
        Assert.True(q.Counts.AddsUp);
    }

    [Fact]
    public void Only_the_same_window_with_the_same_key_and_command_replays()
    {
        var q = NewQueue();
        var t = q.Take(At(9, 0));
        _ = q.CallNext(1, At(9, 1)).Value;
        _ = q.Start(t, 1, At(9, 2), "s").Value;

        Assert.Equal(QueueViolationCode.InvalidState, q.Start(t, 2, At(9, 3), "s").Refused().Code);
        Assert.Equal(QueueViolationCode.InvalidState, q.Start(t, 1, At(9, 3), "other").Refused().Code);
        Assert.Equal(QueueViolationCode.InvalidState, q.Start(t, 1, At(9, 3)).Refused().Code);
        Assert.Null(q.Replay(TicketAction.Finish, t, 1, "s"));
        Assert.Null(q.Replay(TicketAction.Cancel, t, 1, "s"));
        Assert.Null(q.Replay(TicketAction.Start, t, 1, null));

        // A keyless command forgets the key: the ticket's last command is no longer the keyed start.
        _ = q.Finish(t, 1, At(9, 9)).Value;
        Assert.Null(q.Replay(TicketAction.Start, t, 1, "s"));
    }

    [Fact]
    public void A_repeated_redirect_to_a_window_does_not_move_the_ticket_again()
    {
        var q = NewQueue();
        var t = q.Take(At(9, 0));
        _ = q.CallNext(1, At(9, 1)).Value;

        var redirected = q.RedirectToWindow(t, 1, 3, At(9, 2), "x").Value;
        Assert.Equal(3, redirected.TargetWindow);
        var repeat = q.RedirectToWindow(t, 1, 3, At(9, 4), "x");
        Assert.True(repeat.IsOk, repeat.ToString());
        Assert.Equal(redirected, repeat.Value);

        // Only the ticket's last command replays: once window 3 has called it, window 1's late repeat is refused.
        _ = q.CallNext(3, At(9, 5)).Value;
        Assert.Equal(QueueViolationCode.WrongWindow, q.RedirectToWindow(t, 1, 3, At(9, 6), "x").Refused().Code);
    }

    [Fact]
    public void The_recorded_command_survives_the_storage_serializer_and_finished_ticket_move_out()
    {
        using var services = new ServiceCollection().AddSerializer(b => b.AddAssembly(typeof(CategoryQueueState).Assembly)).BuildServiceProvider();
        var serializer = services.GetRequiredService<Serializer>();
        var state = new CategoryQueueState();
        var q = new CategoryQueue(state, "A");
        var t = q.Take(At(9, 0));
        _ = q.CallNext(1, At(9, 1)).Value;
        _ = q.Start(t, 1, At(9, 2)).Value;
        var finished = q.Finish(t, 1, At(9, 3), "f").Value;

        var restored = serializer.Deserialize<CategoryQueueState>(serializer.SerializeToArray(state))!;
        var moved = restored.FinishedToMove();
        restored.MoveOut(moved);
        var reloaded = serializer.Deserialize<CategoryQueueState>(serializer.SerializeToArray(restored))!;
        reloaded.RestoreMovedOut(serializer.Deserialize<List<QueueTicket>>(serializer.SerializeToArray(moved))!);

        var r = new CategoryQueue(reloaded, "A");
        Assert.Equal(finished, r.Finish(t, 1, At(9, 30), "f").Value);
        Assert.Equal(QueueViolationCode.InvalidState, r.Finish(t, 1, At(9, 30), "g").Refused().Code);
    }
}
