using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Orleans.TestingHost;
using TongBan.Grains.Common;
using TongBan.Grains.Queues;
using TongBan.Grains.Tests.Support;
using TongBan.Grains.Windows;

namespace TongBan.Grains.Tests.Windows;

/// <summary>
/// A window command is one call to the hall queue and one write there. When that write is lost (its silo killed during
/// it; here the storage loses that one write, and the hall queue activation that failed to write is dropped), nothing
/// was applied: the clerk app's retry with the same Idempotency-Key applies it once. When the write landed and the answer
/// was lost, the retry gets the first answer. Each test owns a hall.
/// </summary>
[Collection(ClusterCollection.Name)]
[Trait("Category", "Integration")]
public class WindowCrashRetryTests(ClusterFixture fixture)
{
    private QueueLine Queue(string hall, string category) => fixture.Grains.Line(hall, category);

    private IWindowGrain Window(string hall, int no) => fixture.Grains.GetGrain<IWindowGrain>(WindowKeys.Of(hall, no));

    private static async Task Lost(Func<Task<WindowReply>> command, string hall)
    {
        LosingGrainStorage.LoseNextWrite(HallQueueGrain.StateName, hall);
        await Assert.ThrowsAnyAsync<Exception>(command);
        Assert.False(LosingGrainStorage.Pending(HallQueueGrain.StateName, hall));
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
    public async Task A_finish_whose_write_was_lost_is_applied_once_on_retry_and_a_repeat_gets_the_first_answer()
    {
        const string hall = "520622-H001";
        var (category, ticket) = await Called(hall, 1);
        Assert.True((await Window(hall, 1).Act(WindowCommand.Start, "start-1")).IsOk);

        await Lost(() => Window(hall, 1).Act(WindowCommand.Finish, "finish-1"), hall);
        Assert.Equal(TicketState.Serving, (await Queue(hall, category).GetStatus(ticket))!.Ticket.State);
        Assert.Equal(TicketState.Serving, (await Window(hall, 1).GetView()).Current!.State);

        var retried = await Window(hall, 1).Act(WindowCommand.Finish, "finish-1");
        Assert.True(retried.IsOk, retried.Violation?.Message);
        Assert.Equal((ticket, TicketState.Done), (retried.Ticket!.Number, retried.Ticket.State));
        Assert.Null(retried.Window.Current);
        Assert.Equal(1, retried.Window.ServedToday);
        Assert.Equal(ticket, (await Window(hall, 1).GetRatingOffer())!.TicketNo);

        var again = await Window(hall, 1).Act(WindowCommand.Finish, "finish-1");
        Assert.True(again.IsOk, again.Violation?.Message);
        Assert.Equal(retried.Ticket, again.Ticket);
        Assert.Equal(1, again.Window.ServedToday);
        Assert.Equal(1, (await Counts(hall, category)).Done);

        // A new command is judged as usual: nothing is held any more.
        Assert.Equal(WindowViolationCode.NoCurrentTicket, (await Window(hall, 1).Act(WindowCommand.Finish, "finish-2")).Violation!.Code);
    }

    [Fact]
    public async Task A_call_whose_write_was_lost_calls_one_ticket_on_retry_even_across_two_categories()
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
        Assert.True((await Window(hall, no).Open("clerk")).IsOk);

        await Lost(() => Window(hall, no).CallNext("call-1"), hall);
        Assert.Null((await Window(hall, no).GetView()).Current);

        // Meanwhile the window's first category gets a ticket: the retry calls it (nothing was called before), and only it.
        var preferred = (await Queue(hall, first).Take(new TicketRequest(TicketKind.WalkIn))).Value.Ticket.Number;
        var retried = await Window(hall, no).CallNext("call-1");
        Assert.True(retried.IsOk, retried.Violation?.Message);
        Assert.Equal(preferred, retried.Ticket!.Number);
        Assert.Equal(new HeldTicket(first, preferred, TicketState.Called), retried.Window.Current);
        Assert.Equal(retried.Ticket, (await Window(hall, no).CallNext("call-1")).Ticket);
        Assert.Equal((1, 0), ((await Counts(hall, first)).Called, (await Counts(hall, first)).Waiting));
        Assert.Equal((0, 1), ((await Counts(hall, second)).Called, (await Counts(hall, second)).Waiting));
        Assert.Equal(TicketState.Waiting, (await Queue(hall, second).GetStatus(waiting))!.Ticket.State);
    }

    [Fact]
    public async Task A_transfer_whose_write_was_lost_moves_the_ticket_once_on_retry_with_its_person_keys()
    {
        const string hall = "520626-H001";
        var category = (await Window(hall, 1).GetView()).Categories[0];
        var person = new[] { "id:test-person-626" };
        var ticket = (await Queue(hall, category).Take(new TicketRequest(TicketKind.WalkIn, PersonKeys: person))).Value.Ticket.Number;
        Assert.True((await Window(hall, 1).Open("clerk")).IsOk);
        Assert.Equal(ticket, (await Window(hall, 1).CallNext("call-1")).Ticket!.Number);
        var hallCategories = (await fixture.Grains.GetGrain<TongBan.Grains.Halls.IHallGrain>(hall).GetSnapshot()).Categories.Select(c => c.Code).ToList();
        var target = hallCategories.First(c => c != category);

        await Lost(() => Window(hall, 1).Transfer(target, null, "transfer-1"), hall);
        Assert.Equal(TicketState.Called, (await Queue(hall, category).GetStatus(ticket))!.Ticket.State);

        var moved = await Window(hall, 1).Transfer(target, null, "transfer-1");
        Assert.True(moved.IsOk, moved.Violation?.Message);
        Assert.Equal((ticket, target), (moved.Ticket!.Number, moved.Ticket.Category));
        Assert.Null(moved.Window.Current);
        Assert.Equal(moved.Ticket, (await Window(hall, 1).Transfer(target, null, "transfer-1")).Ticket);

        Assert.Equal(1, (await Counts(hall, category)).Transferred);
        var received = await Counts(hall, target);
        Assert.Equal((1, 1), (received.Received, received.Waiting));

        // 一人一号 follows the ticket into its new line.
        var second = await Queue(hall, target).Take(new TicketRequest(TicketKind.WalkIn, PersonKeys: person));
        Assert.Equal((QueueViolationCode.AlreadyHoldsTicket, ticket), (second.Violation!.Code, second.Violation.TicketNo));
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
    /// answered by the state as stored, succeeds. Here the other activation's write is made through storage.
    /// </summary>
    [Fact]
    public async Task A_hall_queue_activation_older_than_its_stored_state_drops_itself_instead_of_refusing()
    {
        const string hall = "520628-H001";
        var (category, ticket) = await Called(hall, 1);
        Assert.True((await Window(hall, 1).Act(WindowCommand.Start, "start-1")).IsOk);

        // The other activation finished the ticket and wrote (storage says done); this one still says serving.
        var id = fixture.Grains.GetGrain<IHallQueueGrain>(hall).GetGrainId();
        var stored = await Stored<HallQueueState>(HallQueueGrain.StateName, id);
        Assert.True(new CategoryQueue(stored.State.Lines[category], category).Finish(ticket, 1, DateTimeOffset.Now).IsOk);
        stored.State.Answers.Add(new DeskAnswer(1, "finish-1", new CategoryQueue(stored.State.Lines[category], category).Find(ticket)));
        await Storage.WriteStateAsync(HallQueueGrain.StateName, id, stored);

        // Refusing a recall (the ticket is serving, in memory) would be from an old state: the activation drops itself.
        await Assert.ThrowsAnyAsync<Exception>(() => Window(hall, 1).Act(WindowCommand.Recall, "recall-1"));
        var finished = await Window(hall, 1).Act(WindowCommand.Finish, "finish-1");
        Assert.True(finished.IsOk, finished.Violation?.Message);
        Assert.Equal(TicketState.Done, finished.Ticket!.State);
        Assert.Null(finished.Window.Current);
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
