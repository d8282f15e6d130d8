using TongBan.Grains.Halls;
using TongBan.Grains.Queues;
using TongBan.Grains.Tests.Support;
using TongBan.Grains.Windows;

namespace TongBan.Grains.Tests.Windows;

/// <summary>
/// The counter operations through the window and queue grains (park/unpark, 指定叫号, 补录, live categories, a cancel
/// with the window reading its ticket from the hall queue), and their retries after a lost hall queue write. County halls: windows 1-3 serve A, 4 serves B then A,
/// 5 C then A, 10 D then A. Each test owns a hall.
/// </summary>
[Collection(ClusterCollection.Name)]
[Trait("Category", "Integration")]
public class CounterOperationGrainTests(ClusterFixture fixture)
{
    private QueueLine Queue(string hall, string category) => fixture.Grains.Line(hall, category);

    private IWindowGrain Window(string hall, int no) => fixture.Grains.GetGrain<IWindowGrain>(WindowKeys.Of(hall, no));

    private async Task<string> Take(string hall, string category) =>
        (await Queue(hall, category).Take(new TicketRequest(TicketKind.WalkIn))).Value.Ticket.Number;

    private static void Ok(WindowReply reply) => Assert.True(reply.IsOk, reply.Violation?.Message);

    [Fact]
    public async Task A_parked_ticket_frees_the_window_and_once_unparked_by_another_window_is_called_first()
    {
        const string hall = "522601-H001";
        var first = await Take(hall, "A");
        var second = await Take(hall, "A");
        Ok(await Window(hall, 1).Open("c1"));
        Ok(await Window(hall, 1).CallNext(null));

        var noReason = await Window(hall, 1).Park(" ", "park-0");
        Assert.Equal(WindowViolationCode.InvalidRequest, noReason.Violation!.Code);

        var parked = await Window(hall, 1).Park("缺少身份证复印件", "park-1");
        Ok(parked);
        Assert.Equal((first, TicketState.Parked, "缺少身份证复印件"), (parked.Ticket!.Number, parked.Ticket.State, parked.Ticket.ParkReason));
        Assert.Null(parked.Window.Current);
        Assert.Equal(first, Assert.Single(await Queue(hall, "A").GetParked()).Number);

        Assert.Equal(WindowViolationCode.NoCurrentTicket, (await Window(hall, 1).Park("again", "park-2")).Violation!.Code);

        Ok(await Window(hall, 2).Open("c2"));
        var unparked = await Window(hall, 2).Unpark(first, "unpark-1");
        Ok(unparked);
        Assert.Equal(TicketState.Waiting, unparked.Ticket!.State);
        Assert.Empty(await Queue(hall, "A").GetParked());

        var again = await Window(hall, 2).Unpark(first, "unpark-2");
        Assert.Equal((QueueViolationCode.InvalidState, TicketState.Waiting), (again.Violation!.Queue!.Code, again.Violation.Queue.State));

        Assert.Equal(first, (await Window(hall, 1).CallNext(null)).Ticket!.Number); // the front of the line, before A002
        Assert.Equal(second, (await Window(hall, 2).CallNext(null)).Ticket!.Number);
    }

    [Fact]
    public async Task A_window_calls_a_named_ticket_of_its_categories_and_is_refused_others_with_reasons()
    {
        const string hall = "522622-H001";
        var a1 = await Take(hall, "A");
        var a2 = await Take(hall, "A");
        var c1 = await Take(hall, "C");

        Assert.Equal(WindowViolationCode.NotOpen, (await Window(hall, 4).CallTicket(a2, null)).Violation!.Code);
        Ok(await Window(hall, 4).Open("c4")); // serves B then A

        Assert.Equal(WindowViolationCode.UnknownTicket, (await Window(hall, 4).CallTicket("A050", null)).Violation!.Code);
        Assert.Equal(WindowViolationCode.UnknownTicket, (await Window(hall, 4).CallTicket("Z001", null)).Violation!.Code);
        var notServed = await Window(hall, 4).CallTicket(c1, null);
        Assert.Equal(WindowViolationCode.NotServed, notServed.Violation!.Code);
        Assert.Contains("category C", notServed.Violation.Message, StringComparison.Ordinal);

        var called = await Window(hall, 4).CallTicket(a2, "call-a2");
        Ok(called);
        Assert.Equal((a2, TicketState.Called, (int?)4), (called.Ticket!.Number, called.Ticket.State, called.Ticket.WindowNo));
        Assert.Equal(a2, called.Window.Current!.TicketNo);
        Assert.Equal(a2, (await Window(hall, 4).CallTicket(a2, "call-a2")).Ticket!.Number); // a retry: the first answer

        Assert.Equal(WindowViolationCode.Busy, (await Window(hall, 4).CallTicket(a1, null)).Violation!.Code);
        Ok(await Window(hall, 1).Open("c1"));
        var taken = await Window(hall, 1).CallTicket(a2, null);
        Assert.Equal((QueueViolationCode.InvalidState, TicketState.Called), (taken.Violation!.Queue!.Code, taken.Violation.Queue.State));

        Ok(await Window(hall, 4).Act(WindowCommand.Start, null));
        Ok(await Window(hall, 4).Act(WindowCommand.Finish, null));
        Assert.Equal(a1, (await Window(hall, 1).CallNext(null)).Ticket!.Number);
    }

    [Fact]
    public async Task A_walk_up_is_counted_once_as_served_by_the_window_queue_and_hall_but_not_as_a_wait()
    {
        const string hall = "522623-H001";
        Assert.Equal(WindowViolationCode.NotOpen, (await Window(hall, 5).ServeWalkUp("C", null, "walk-0")).Violation!.Code);
        Ok(await Window(hall, 5).Open("c5")); // serves C then A
        Assert.Equal(WindowViolationCode.NotServed, (await Window(hall, 5).ServeWalkUp("B", null, "walk-0")).Violation!.Code);

        var served = await Window(hall, 5).ServeWalkUp("C", "item-1", "walk-1");
        Ok(served);
        Assert.Equal(("C-W001", "C", "item-1", 5), (served.WalkUp!.Id, served.WalkUp.Category, served.WalkUp.Item, served.WalkUp.WindowNo));
        Assert.Equal((1, 1), (served.Window.ServedToday, served.Window.WalkUpsToday));

        var retried = await Window(hall, 5).ServeWalkUp("C", "item-1", "walk-1");
        Assert.Equal(served.WalkUp, retried.WalkUp);
        Assert.Equal(1, retried.Window.ServedToday);

        var view = await Queue(hall, "C").GetView();
        Assert.Equal((1, 0, 0, 0), (view.Counts.WalkUps, view.Counts.Done, view.Waiting, view.Waits.Called));
        await Poll.Until(async () => (await fixture.Grains.GetGrain<IHallGrain>(hall).GetSnapshot()).ServedToday == 1, "the hall counting the walk-up");
        var snapshot = await fixture.Grains.GetGrain<IHallGrain>(hall).GetSnapshot();
        Assert.Equal(1, snapshot.Categories.Single(c => c.Code == "C").Served);
        Assert.Equal(0, snapshot.WaitingTotal);
    }

    [Fact]
    public async Task A_pause_reason_shows_in_the_window_and_the_dashboard_until_it_opens_again()
    {
        const string hall = "522624-H001";
        Ok(await Window(hall, 1).Open("c1"));
        var paused = await Window(hall, 1).Pause(PauseReason.Training);
        Ok(paused);
        Assert.Equal((WindowStatus.Paused, PauseReason.Training), (paused.Window.Status, paused.Window.PauseReason));
        Assert.NotNull(paused.Window.PausedSince);
        await Poll.Until(async () => (await fixture.Grains.GetGrain<IHallGrain>(hall).GetSnapshot()).Windows.Single(w => w.WindowNo == 1).PauseReason == "training", "the dashboard showing the reason");

        var changed = await Window(hall, 1).Pause(PauseReason.SystemFault);
        Assert.Equal((PauseReason.SystemFault, paused.Window.PausedSince), (changed.Window.PauseReason, changed.Window.PausedSince));

        var opened = await Window(hall, 1).Open("c1");
        Assert.Equal((WindowStatus.Open, (PauseReason?)null, (DateTimeOffset?)null), (opened.Window.Status, opened.Window.PauseReason, opened.Window.PausedSince));
        Assert.Equal(PauseReason.Other, (await Window(hall, 1).Pause()).Window.PauseReason);
    }

    [Fact]
    public async Task A_manager_changes_a_windows_categories_live_and_the_next_call_uses_them()
    {
        const string hall = "522625-H001";
        var b1 = await Take(hall, "B");
        var a1 = await Take(hall, "A");
        Ok(await Window(hall, 1).Open("c1")); // serves A only
        var bBefore = (await Queue(hall, "B").GetView()).ServingWindows;

        Assert.Equal(WindowViolationCode.InvalidRequest, (await Window(hall, 1).SetCategories(["Z"])).Violation!.Code);
        Assert.Equal(WindowViolationCode.InvalidRequest, (await Window(hall, 1).SetCategories([])).Violation!.Code);
        Assert.Equal(WindowViolationCode.InvalidRequest, (await Window(hall, 1).SetCategories(["B", "B"])).Violation!.Code);

        var set = await Window(hall, 1).SetCategories(["B", "A"]);
        Ok(set);
        Assert.Equal(["B", "A"], set.Window.Categories);
        Assert.Equal(b1, (await Window(hall, 1).CallNext(null)).Ticket!.Number);
        await Poll.Until(async () => (await Queue(hall, "B").GetView()).ServingWindows > bBefore, "queue B counting window 1");
        await Poll.Until(async () => (await fixture.Grains.GetGrain<IHallGrain>(hall).GetSnapshot()).Windows.Single(w => w.WindowNo == 1).Categories!.SequenceEqual(["B", "A"]), "the dashboard showing the new categories");

        Ok(await Window(hall, 1).Act(WindowCommand.Start, null));
        Ok(await Window(hall, 1).Act(WindowCommand.Finish, null));
        Assert.Equal(a1, (await Window(hall, 1).CallNext(null)).Ticket!.Number);
    }

    [Fact]
    public async Task A_cancelled_called_ticket_leaves_its_window_which_calls_the_next_one()
    {
        const string hall = "522626-H001";
        var first = await Take(hall, "A");
        var second = await Take(hall, "A");
        Ok(await Window(hall, 1).Open("c1"));
        Assert.Equal(first, (await Window(hall, 1).CallNext(null)).Ticket!.Number);

        var cancelled = await Queue(hall, "A").Act(TicketAction.Cancel, first);
        Assert.Equal(TicketState.Cancelled, cancelled.Value.State);
        Assert.Null((await Window(hall, 1).GetView()).Current); // read from the hall queue: nothing to tell the window

        Assert.Equal(second, (await Window(hall, 1).CallNext(null)).Ticket!.Number);
    }

    [Fact]
    public async Task A_park_a_named_call_and_a_walk_up_retried_after_a_lost_hall_queue_write_are_applied_once()
    {
        const string hall = "522627-H001";
        var first = await Take(hall, "A");
        var second = await Take(hall, "A");
        Ok(await Window(hall, 1).Open("c1"));
        Ok(await Window(hall, 1).CallNext("call-1"));

        LosingGrainStorage.LoseNextWrite(HallQueueGrain.StateName, hall);
        await Assert.ThrowsAnyAsync<Exception>(() => Window(hall, 1).Park("去复印", "park-1"));
        var parked = await Window(hall, 1).Park("去复印", "park-1");
        Ok(parked);
        Assert.Equal((first, TicketState.Parked), (parked.Ticket!.Number, parked.Ticket.State));
        Assert.Null(parked.Window.Current);

        LosingGrainStorage.LoseNextWrite(HallQueueGrain.StateName, hall);
        await Assert.ThrowsAnyAsync<Exception>(() => Window(hall, 1).CallTicket(second, "call-2"));
        var called = await Window(hall, 1).CallTicket(second, "call-2");
        Ok(called);
        Assert.Equal(second, called.Window.Current!.TicketNo);
        Assert.Equal(1, (await Queue(hall, "A").GetStatus(second))!.Ticket.CallCount);

        LosingGrainStorage.LoseNextWrite(HallQueueGrain.StateName, hall);
        await Assert.ThrowsAnyAsync<Exception>(() => Window(hall, 1).ServeWalkUp("A", null, "walk-1"));
        var walkUp = await Window(hall, 1).ServeWalkUp("A", null, "walk-1");
        Ok(walkUp);
        Assert.Equal(("A-W001", 1), (walkUp.WalkUp!.Id, walkUp.Window.ServedToday));
        var counts = (await Queue(hall, "A").GetView()).Counts;
        Assert.Equal((1, 1, 1), (counts.WalkUps, counts.Parked, counts.Called));
        Assert.True(counts.AddsUp);
    }
}
