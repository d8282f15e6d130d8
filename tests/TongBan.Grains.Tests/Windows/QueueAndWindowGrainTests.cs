using TongBan.Grains.Halls;
using TongBan.Grains.Queues;
using TongBan.Grains.Tests.Support;
using TongBan.Grains.Windows;

namespace TongBan.Grains.Tests.Windows;

/// <summary>Queues, windows and the hall snapshot working together on a two-silo TestCluster. Each test owns one hall.</summary>
[Collection(ClusterCollection.Name)]
[Trait("Category", "Integration")]
public class QueueAndWindowGrainTests(ClusterFixture fixture)
{
    private QueueLine Queue(string hall, string category) => fixture.Grains.Line(hall, category);

    private IWindowGrain Window(string hall, int no) => fixture.Grains.GetGrain<IWindowGrain>(WindowKeys.Of(hall, no));

    private static TicketRequest WalkIn(string? key = null) => new(TicketKind.WalkIn, IdempotencyKey: key);

    [Fact]
    public async Task A_walk_in_is_called_served_and_counted()
    {
        const string hall = "520102-H001"; // windows 1-3 serve A only
        var taken = (await Queue(hall, "A").Take(WalkIn())).Value;
        Assert.Equal("A001", taken.Ticket.Number);
        Assert.Equal(1, taken.Position);

        await Window(hall, 1).Open("clerk-1");
        var called = await Window(hall, 1).CallNext(null);
        Assert.True(called.IsOk);
        Assert.Equal("A001", called.Ticket!.Number);
        Assert.Equal(TicketState.Called, called.Window.Current!.State);

        Assert.True((await Window(hall, 1).Act(WindowCommand.Start, null)).IsOk);
        var finished = await Window(hall, 1).Act(WindowCommand.Finish, null);
        Assert.Equal(TicketState.Done, finished.Ticket!.State);
        Assert.Null(finished.Window.Current);
        Assert.Equal(1, finished.Window.ServedToday);

        var snapshot = await fixture.Grains.GetGrain<IHallGrain>(hall).GetSnapshot();
        Assert.Equal(1, snapshot.ServedToday);
        Assert.Equal("open", snapshot.Windows.Single(w => w.WindowNo == 1).State);
    }

    [Fact]
    public async Task Calling_on_a_closed_window_and_finishing_twice_are_refused_with_reasons()
    {
        const string hall = "520103-H001";
        await Queue(hall, "A").Take(WalkIn());
        var closed = await Window(hall, 1).CallNext(null);
        Assert.Equal(WindowViolationCode.NotOpen, closed.Violation!.Code);

        await Window(hall, 1).Open("c");
        await Window(hall, 1).CallNext(null);
        await Window(hall, 1).Act(WindowCommand.Start, null);
        Assert.True((await Window(hall, 1).Act(WindowCommand.Finish, "finish-1")).IsOk);

        var retried = await Window(hall, 1).Act(WindowCommand.Finish, "finish-1");
        Assert.True(retried.IsOk); // same idempotency key: the first answer, not a 409
        Assert.Equal(TicketState.Done, retried.Ticket!.State);

        var again = await Window(hall, 1).Act(WindowCommand.Finish, "finish-2");
        Assert.Equal(WindowViolationCode.NoCurrentTicket, again.Violation!.Code);

        var twice = await Window(hall, 1).CallTicket("A001", null);
        Assert.False(twice.IsOk);
        Assert.Contains("already done", twice.Violation!.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// One idempotency record (the hall queue's first answers): a retry of a command whose ticket another window acted on
    /// in between gets its first answer, not a 409 from the ticket's state now.
    /// </summary>
    [Fact]
    public async Task A_retry_after_another_window_acted_on_the_ticket_gets_the_first_answer()
    {
        const string hall = "520621-H001";
        var category = (await Window(hall, 1).GetView()).Categories[0];
        var first = (await Queue(hall, category).Take(WalkIn())).Value.Ticket.Number;
        await Window(hall, 1).Open("c1");
        await Window(hall, 2).Open("c2");
        Assert.Equal(first, (await Window(hall, 1).CallNext("call-1")).Ticket!.Number);
        var parked = await Window(hall, 1).Park("去复印", "park-1");
        Assert.True(parked.IsOk, parked.Violation?.Message);

        // Window 2 calls the parked ticket by name and starts serving it; window 1's clerk app retries its park.
        Assert.True((await Window(hall, 2).CallTicket(first, "call-2")).IsOk);
        Assert.True((await Window(hall, 2).Act(WindowCommand.Start, "start-2")).IsOk);
        var retried = await Window(hall, 1).Park("去复印", "park-1");
        Assert.True(retried.IsOk, retried.Violation?.Message);
        Assert.Equal(parked.Ticket, retried.Ticket);
        Assert.Null(retried.Window.Current);
        Assert.Equal(first, (await Window(hall, 2).GetView()).Current!.TicketNo);

        // The same key from another window is that window's own command: judged as usual.
        Assert.Equal(WindowViolationCode.NoCurrentTicket, (await Window(hall, 3).Park("去复印", "park-1")).Violation!.Code);
    }

    [Fact]
    public async Task Pausing_a_window_that_holds_a_called_ticket_returns_it_to_the_head()
    {
        const string hall = "520111-H001";
        await Queue(hall, "A").Take(WalkIn());
        await Queue(hall, "A").Take(WalkIn());
        await Window(hall, 1).Open("c1");
        Assert.Equal("A001", (await Window(hall, 1).CallNext(null)).Ticket!.Number);

        var paused = await Window(hall, 1).Pause();
        Assert.True(paused.IsOk);
        Assert.Null(paused.Window.Current);

        await Window(hall, 2).Open("c2");
        Assert.Equal("A001", (await Window(hall, 2).CallNext(null)).Ticket!.Number);
    }

    [Fact]
    public async Task Closing_while_serving_is_refused()
    {
        const string hall = "520112-H001";
        await Queue(hall, "A").Take(WalkIn());
        await Window(hall, 1).Open("c1");
        await Window(hall, 1).CallNext(null);
        await Window(hall, 1).Act(WindowCommand.Start, null);
        Assert.Equal(WindowViolationCode.ServingInProgress, (await Window(hall, 1).Close()).Violation!.Code);
    }

    [Fact]
    public async Task A_transfer_to_another_category_keeps_its_place_in_time()
    {
        const string hall = "520113-H001"; // categories A B C E D
        var early = (await Queue(hall, "A").Take(WalkIn())).Value.Ticket.Number; // A001, issued first
        await Queue(hall, "B").Take(WalkIn()); // B001, issued later
        await Window(hall, 1).Open("c1");
        Assert.Equal(early, (await Window(hall, 1).CallNext(null)).Ticket!.Number);

        var moved = await Window(hall, 1).Transfer("B", null);
        Assert.True(moved.IsOk, moved.Violation?.Message);
        Assert.Null(moved.Window.Current);

        // Window 4 serves [B, A]: the transferred A001 was issued before B001, so it is called first.
        await Window(hall, 4).Open("c4");
        Assert.Equal(early, (await Window(hall, 4).CallNext(null)).Ticket!.Number);
        Assert.Equal(TicketState.Transferred, (await Queue(hall, "A").GetStatus(early))!.Ticket.State);
    }

    [Fact]
    public async Task Transfer_to_an_unknown_category_or_window_is_a_bad_request()
    {
        const string hall = "520181-H001";
        await Queue(hall, "A").Take(WalkIn());
        await Window(hall, 1).Open("c1");
        await Window(hall, 1).CallNext(null);
        Assert.Equal(WindowViolationCode.InvalidRequest, (await Window(hall, 1).Transfer("Q", null)).Violation!.Code);
        Assert.Equal(WindowViolationCode.InvalidRequest, (await Window(hall, 1).Transfer(null, 99)).Violation!.Code);
        Assert.Equal(WindowViolationCode.InvalidRequest, (await Window(hall, 1).Transfer("A", null)).Violation!.Code);
    }

    [Fact]
    public async Task Taking_with_the_same_idempotency_key_never_issues_a_second_ticket()
    {
        const string hall = "520115-H001";
        var first = (await Queue(hall, "A").Take(WalkIn("kiosk-7-0001"))).Value;
        var retry = (await Queue(hall, "A").Take(WalkIn("kiosk-7-0001"))).Value;
        Assert.Equal(first.Ticket.Number, retry.Ticket.Number);
        Assert.Equal(1, (await Queue(hall, "A").GetView()).Counts.Issued);
    }

    [Fact]
    public async Task Predicted_wait_is_unknown_until_a_window_opens()
    {
        const string hall = "520121-H001";
        await Queue(hall, "A").Take(WalkIn());
        await Queue(hall, "A").Take(WalkIn());
        var before = await fixture.Grains.GetGrain<IHallGrain>(hall).GetSnapshot();
        Assert.Null(before.Categories.Single(c => c.Code == "A").PredictedWaitMinutes);

        await Window(hall, 1).Open("c1");
        await Window(hall, 2).Open("c2");
        var deadline = DateTime.UtcNow.AddSeconds(5);
        QueueView view;
        do
        {
            view = await Queue(hall, "A").GetView();
        }
        while (view.ServingWindows < 2 && DateTime.UtcNow < deadline);

        Assert.Equal(2, view.ServingWindows, 3);
        Assert.NotNull(view.PredictedWaitMinutes);
    }

    [Fact]
    public async Task Two_windows_calling_at_the_same_instant_never_get_the_same_ticket()
    {
        const string hall = "520122-H001"; // windows 1-3 serve A
        for (var i = 0; i < 60; i++)
        {
            await Queue(hall, "A").Take(WalkIn());
        }

        await Task.WhenAll(Window(hall, 1).Open("c1"), Window(hall, 2).Open("c2"), Window(hall, 3).Open("c3"));
        var seen = new HashSet<string>();
        for (var round = 0; round < 20; round++)
        {
            var replies = await Task.WhenAll(Window(hall, 1).CallNext(null), Window(hall, 2).CallNext(null), Window(hall, 3).CallNext(null));
            foreach (var reply in replies)
            {
                Assert.True(reply.IsOk, reply.Violation?.Message);
                Assert.True(seen.Add(reply.Ticket!.Number), $"{reply.Ticket.Number} called twice");
            }

            await Task.WhenAll(Enumerable.Range(1, 3).Select(async w =>
            {
                await Window(hall, w).Act(WindowCommand.Start, null);
                await Window(hall, w).Act(WindowCommand.Finish, null);
            }));
        }
    }

    [Fact]
    public async Task A_thousand_concurrent_operations_on_one_hall_add_up_exactly()
    {
        const string hall = "520123-H001"; // 10 windows; A on 1-3, B on 4 and 8, C on 5 and 9, E on 6, D on 10
        var windows = Enumerable.Range(1, 10).ToArray();
        await Task.WhenAll(windows.Select(w => Window(hall, w).Open($"c{w}")));

        var categories = new[] { "A", "B", "C", "E", "D" };
        var random = new Random(7);
        var operations = new List<Task>();
        var takes = 0;
        for (var i = 0; i < 1000; i++)
        {
            if (i % 2 == 0)
            {
                takes++;
                operations.Add(Queue(hall, categories[random.Next(categories.Length)]).Take(WalkIn()));
            }
            else
            {
                var window = Window(hall, windows[random.Next(windows.Length)]);
                operations.Add(i % 4 == 1 ? window.CallNext(null) : window.Act(WindowCommand.Finish, null));
            }
        }

        await Task.WhenAll(operations);

        var views = await Task.WhenAll(categories.Select(c => Queue(hall, c).GetView()));
        var windowViews = await Task.WhenAll(windows.Select(w => Window(hall, w).GetView()));
        Assert.Equal(takes, views.Sum(v => v.Counts.Issued));
        Assert.All(views, v => Assert.True(v.Counts.AddsUp, $"{v.Category}: {v.Counts}"));
        Assert.Equal(views.Sum(v => v.Counts.Done), windowViews.Sum(w => w.ServedToday));
        Assert.Equal(views.Sum(v => v.Counts.Called), windowViews.Count(w => w.Current is { State: TicketState.Called }));

        // Computed where the tickets are: no report to wait for.
        var snapshot = await fixture.Grains.GetGrain<IHallGrain>(hall).GetSnapshot();
        Assert.Equal(views.Sum(v => v.Counts.Done), snapshot.ServedToday);
        Assert.Equal(views.Sum(v => v.Waiting), snapshot.WaitingTotal);
    }
}
