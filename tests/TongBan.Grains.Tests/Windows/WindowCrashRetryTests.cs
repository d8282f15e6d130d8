using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Orleans.TestingHost;
using TongBan.Grains.Common;
using TongBan.Grains.Queues;
using TongBan.Grains.Tests.Support;
using TongBan.Grains.Windows;

namespace TongBan.Grains.Tests.Windows;

/// <summary>
/// The crash the cluster fault test found, made deterministic: a window command's queue write commits, then the
/// window's own write is lost (its silo killed in between; here the storage loses that one write, and the window
/// activation that failed to write is dropped). The clerk app retries with the same Idempotency-Key and must get the
/// first answer: no 409, no ticket called or finished twice, and the queue's counts still add up. Each test owns a hall.
/// </summary>
[Collection(ClusterCollection.Name)]
[Trait("Category", "Integration")]
public class WindowCrashRetryTests(ClusterFixture fixture)
{
    private IQueueGrain Queue(string hall, string category) => fixture.Grains.GetGrain<IQueueGrain>(QueueKeys.Of(hall, category));

    private IWindowGrain Window(string hall, int no) => fixture.Grains.GetGrain<IWindowGrain>(WindowKeys.Of(hall, no));

    private static void LoseWindowWrite(string hall, int no) => LosingGrainStorage.LoseNextWrite("window", WindowKeys.Of(hall, no));

    private static async Task Lost(Func<Task<WindowReply>> command, string hall, int no)
    {
        await Assert.ThrowsAnyAsync<Exception>(command);
        Assert.False(LosingGrainStorage.Pending("window", WindowKeys.Of(hall, no)));
    }

    private async Task<(string Category, string Ticket)> Called(string hall, int no, int tickets = 1)
    {
        var category = (await Window(hall, no).GetView()).Categories[0];
        for (var i = 0; i < tickets; i++)
        {
            Assert.True((await Queue(hall, category).Take(new TicketRequest(TicketKind.WalkIn))).IsOk);
        }

        Assert.True((await Window(hall, no).Open("clerk")).IsOk);
        await QueueHearsWindowOpen(hall, category);
        var called = await Window(hall, no).CallNext("call-0");
        Assert.True(called.IsOk, called.Violation?.Message);
        return (category, called.Ticket!.Number);
    }

    /// <summary>
    /// The hall tells the queue that a window serves it, and the queue saves that: tests that lose or overwrite a queue
    /// write let it land first, or that save (not the command under test) meets the lost or foreign write.
    /// </summary>
    private async Task QueueHearsWindowOpen(string hall, string category) =>
        await Poll.Until(async () => (await Queue(hall, category).GetView()).ServingWindows >= 1, "the queue to hear that a window is open");

    private async Task<QueueCounts> Counts(string hall, string category)
    {
        var counts = (await Queue(hall, category).GetView()).Counts;
        Assert.True(counts.AddsUp, counts.ToString());
        return counts;
    }

    [Fact]
    public async Task A_finish_retried_after_the_window_lost_its_write_gets_the_first_answer_and_counts_once()
    {
        const string hall = "520622-H001";
        var (category, ticket) = await Called(hall, 1);
        Assert.True((await Window(hall, 1).Act(WindowCommand.Start, "start-1")).IsOk);

        LoseWindowWrite(hall, 1);
        await Lost(() => Window(hall, 1).Act(WindowCommand.Finish, "finish-1"), hall, 1);
        Assert.Equal(TicketState.Done, (await Queue(hall, category).GetStatus(ticket))!.Ticket.State);
        Assert.Equal(TicketState.Serving, (await Window(hall, 1).GetView()).Current!.State); // as stored: behind its queue

        var retried = await Window(hall, 1).Act(WindowCommand.Finish, "finish-1");
        Assert.True(retried.IsOk, retried.Violation?.Message);
        Assert.Equal(ticket, retried.Ticket!.Number);
        Assert.Equal(TicketState.Done, retried.Ticket.State);
        Assert.Null(retried.Window.Current);
        Assert.Equal(1, retried.Window.ServedToday);
        Assert.Equal(ticket, (await Window(hall, 1).GetRatingOffer())!.TicketNo);

        var again = await Window(hall, 1).Act(WindowCommand.Finish, "finish-1");
        Assert.True(again.IsOk, again.Violation?.Message);
        Assert.Equal(1, again.Window.ServedToday);
        Assert.Equal(1, (await Counts(hall, category)).Done);

        // A new command is judged as usual: nothing is held any more.
        Assert.Equal(WindowViolationCode.NoCurrentTicket, (await Window(hall, 1).Act(WindowCommand.Finish, "finish-2")).Violation!.Code);
    }

    [Fact]
    public async Task A_start_and_a_skip_retried_after_lost_window_writes_get_their_first_answers()
    {
        const string hall = "520623-H001";
        var (category, ticket) = await Called(hall, 1, tickets: 3);

        LoseWindowWrite(hall, 1);
        await Lost(() => Window(hall, 1).Act(WindowCommand.Skip, "skip-1"), hall, 1);
        var skipped = await Window(hall, 1).Act(WindowCommand.Skip, "skip-1");
        Assert.True(skipped.IsOk, skipped.Violation?.Message);
        Assert.Equal(ticket, skipped.Ticket!.Number);
        Assert.Equal(TicketState.Waiting, skipped.Ticket.State);
        Assert.Null(skipped.Window.Current);

        var next = await Window(hall, 1).CallNext("call-1");
        Assert.True(next.IsOk, next.Violation?.Message);
        Assert.NotEqual(ticket, next.Ticket!.Number);

        LoseWindowWrite(hall, 1);
        await Lost(() => Window(hall, 1).Act(WindowCommand.Start, "start-1"), hall, 1);
        var started = await Window(hall, 1).Act(WindowCommand.Start, "start-1");
        Assert.True(started.IsOk, started.Violation?.Message);
        Assert.Equal(next.Ticket.Number, started.Ticket!.Number);
        Assert.Equal(TicketState.Serving, started.Window.Current!.State);

        var counts = await Counts(hall, category);
        Assert.Equal((3, 2, 0, 1), (counts.Issued, counts.Waiting, counts.Called, counts.Serving));
    }

    [Fact]
    public async Task A_call_retried_after_the_window_lost_its_write_returns_the_same_ticket_and_calls_no_second()
    {
        const string hall = "520624-H001";
        var category = (await Window(hall, 1).GetView()).Categories[0];
        await Queue(hall, category).Take(new TicketRequest(TicketKind.WalkIn));
        await Queue(hall, category).Take(new TicketRequest(TicketKind.WalkIn));
        await Window(hall, 1).Open("clerk");

        LoseWindowWrite(hall, 1);
        await Lost(() => Window(hall, 1).CallNext("call-1"), hall, 1);
        Assert.Null((await Window(hall, 1).GetView()).Current);

        var retried = await Window(hall, 1).CallNext("call-1");
        Assert.True(retried.IsOk, retried.Violation?.Message);
        Assert.Equal(retried.Ticket!.Number, retried.Window.Current!.TicketNo);
        var again = await Window(hall, 1).CallNext("call-1");
        Assert.Equal(retried.Ticket.Number, again.Ticket!.Number);

        var counts = await Counts(hall, category);
        Assert.Equal((1, 1), (counts.Called, counts.Waiting));
    }

    [Fact]
    public async Task A_window_of_two_categories_takes_back_the_ticket_its_second_queue_called_before_it_lost_its_write()
    {
        const string hall = "520625-H001";
        var no = 1;
        while ((await Window(hall, no).GetView()).Categories.Count < 2)
        {
            no++;
        }

        var categories = (await Window(hall, no).GetView()).Categories;
        var (first, second) = (categories[0], categories[1]);
        var waiting = (await Queue(hall, second).Take(new TicketRequest(TicketKind.WalkIn))).Value.Ticket.Number;
        await Window(hall, no).Open("clerk");

        LoseWindowWrite(hall, no);
        await Lost(() => Window(hall, no).CallNext("call-1"), hall, no);

        // Meanwhile the window's first category gets a ticket: the retry must not call it as well.
        await Queue(hall, first).Take(new TicketRequest(TicketKind.WalkIn));
        var retried = await Window(hall, no).CallNext("call-1");
        Assert.True(retried.IsOk, retried.Violation?.Message);
        Assert.Equal(waiting, retried.Ticket!.Number);
        Assert.Equal(new HeldTicket(second, waiting, TicketState.Called), retried.Window.Current);
        Assert.Equal((0, 1), ((await Counts(hall, first)).Called, (await Counts(hall, first)).Waiting));
        Assert.Equal(1, (await Counts(hall, second)).Called);
    }

    [Fact]
    public async Task A_transfer_retried_after_either_lost_window_write_or_a_lost_answer_gets_the_first_answer()
    {
        const string hall = "520626-H001";
        var (category, ticket) = await Called(hall, 1);
        var hallCategories = (await fixture.Grains.GetGrain<TongBan.Grains.Halls.IHallGrain>(hall).GetSnapshot()).Categories.Select(c => c.Code).ToList();
        var target = hallCategories.First(c => c != category);

        // Lost before the hand-off was saved: the source queue repeats the same hand-off, the target accepts it once.
        LoseWindowWrite(hall, 1);
        await Lost(() => Window(hall, 1).Transfer(target, null, "transfer-1"), hall, 1);
        var moved = await Window(hall, 1).Transfer(target, null, "transfer-1");
        Assert.True(moved.IsOk, moved.Violation?.Message);
        Assert.Equal(ticket, moved.Ticket!.Number);
        Assert.Equal(target, moved.Ticket.Category);
        Assert.Null(moved.Window.Current);

        // A retry after a lost answer: the first answer again, not "holds no ticket".
        var again = await Window(hall, 1).Transfer(target, null, "transfer-1");
        Assert.True(again.IsOk, again.Violation?.Message);
        Assert.Equal(moved.Ticket, again.Ticket);

        // Lost after the hand-off was saved (the delivery's save): the next activation delivers it and the retry is answered.
        var second = (await Queue(hall, category).Take(new TicketRequest(TicketKind.WalkIn))).Value.Ticket.Number;
        Assert.Equal(second, (await Window(hall, 1).CallNext("call-2")).Ticket!.Number);
        LosingGrainStorage.LoseNextWrite("window", WindowKeys.Of(hall, 1), after: 1);
        await Lost(() => Window(hall, 1).Transfer(target, null, "transfer-2"), hall, 1);
        var retried = await Window(hall, 1).Transfer(target, null, "transfer-2");
        Assert.True(retried.IsOk, retried.Violation?.Message);
        Assert.Equal(second, retried.Ticket!.Number);

        Assert.Equal(2, (await Counts(hall, category)).Transferred);
        var received = await Counts(hall, target);
        Assert.Equal((2, 2), (received.Received, received.Waiting));
    }

    [Fact]
    public async Task A_queue_that_lost_its_write_answers_nothing_from_memory_and_the_retry_applies_the_command_once()
    {
        const string hall = "520627-H001";
        var (category, ticket) = await Called(hall, 1);
        Assert.True((await Window(hall, 1).Act(WindowCommand.Start, "start-1")).IsOk);

        LosingGrainStorage.LoseNextWrite("queue", QueueKeys.Of(hall, category));
        await Assert.ThrowsAnyAsync<Exception>(() => Window(hall, 1).Act(WindowCommand.Finish, "finish-1"));
        Assert.Equal(TicketState.Serving, (await Queue(hall, category).GetStatus(ticket))!.Ticket.State);

        var retried = await Window(hall, 1).Act(WindowCommand.Finish, "finish-1");
        Assert.True(retried.IsOk, retried.Violation?.Message);
        Assert.Equal(TicketState.Done, retried.Ticket!.State);
        Assert.Equal(1, retried.Window.ServedToday);
        Assert.Equal(1, (await Counts(hall, category)).Done);
    }

    /// <summary>The cluster's grain storage, for writing a record as another activation of the same grain would.</summary>
    private IGrainStorage Storage =>
        ((InProcessSiloHandle)fixture.Cluster.Primary!).ServiceProvider.GetRequiredKeyedService<IGrainStorage>(StorageNames.Default);

    private async Task<Record<T>> Stored<T>(string stateName, GrainId id)
    {
        var record = new Record<T>();
        await Storage.ReadStateAsync(stateName, id, record);
        return record;
    }

    /// <summary>
    /// A silo crash can leave a grain with two activations for a moment (the default directory is eventually consistent).
    /// The one that did not write last must not refuse a retry from what it remembers: it is dropped and the retry,
    /// answered by the state as stored, succeeds. Here the other activation's writes are made through storage.
    /// </summary>
    [Fact]
    public async Task A_window_or_queue_activation_older_than_its_stored_state_drops_itself_instead_of_refusing()
    {
        const string hall = "520628-H001";
        var category = (await Window(hall, 1).GetView()).Categories[0];
        var ticket = (await Queue(hall, category).Take(new TicketRequest(TicketKind.WalkIn))).Value.Ticket.Number;
        Assert.True((await Window(hall, 1).Open("clerk")).IsOk);

        await QueueHearsWindowOpen(hall, category);

        // The other window activation called the ticket and saved; this one still holds nothing.
        var called = (await Queue(hall, category).CallNext(1, "call-1")).Value!;
        var windowId = Window(hall, 1).GetGrainId();
        var window = await Stored<WindowState>(WindowGrain.StateName, windowId);
        window.State.Current = new HeldTicket(category, called.Number, TicketState.Called);
        window.State.RecentReplies.Add(new("call-1", called));
        await Storage.WriteStateAsync(WindowGrain.StateName, windowId, window);

        await Assert.ThrowsAnyAsync<Exception>(() => Window(hall, 1).Act(WindowCommand.Start, "start-1"));
        var started = await Window(hall, 1).Act(WindowCommand.Start, "start-1");
        Assert.True(started.IsOk, started.Violation?.Message);
        Assert.Equal(new HeldTicket(category, ticket, TicketState.Serving), started.Window.Current);

        // The other queue activation recalled nothing but finished the ticket (storage says done); this one says serving.
        var queueId = Queue(hall, category).GetGrainId();
        var stored = await Stored<QueueGrainState>(QueueGrain.StateName, queueId);
        Assert.True(new CategoryQueue(stored.State.Queue, category).Finish(ticket, 1, DateTimeOffset.Now, "finish-1").IsOk);
        await Storage.WriteStateAsync(QueueGrain.StateName, queueId, stored);

        await Assert.ThrowsAnyAsync<Exception>(() => Queue(hall, category).Act(TicketAction.Start, ticket, 1, "start-2"));
        var finished = await Window(hall, 1).Act(WindowCommand.Finish, "finish-1");
        Assert.True(finished.IsOk, finished.Violation?.Message);
        Assert.Equal(TicketState.Done, finished.Ticket!.State);
        Assert.Equal(1, finished.Window.ServedToday);
        Assert.Equal(1, (await Counts(hall, category)).Done);
    }

    private sealed class Record<T> : IGrainState<T>
    {
        [System.Diagnostics.CodeAnalysis.AllowNull]
        public T State { get; set; } = default!;

        public string? ETag { get; set; }

        public bool RecordExists { get; set; }
    }
}
