using Microsoft.Extensions.Logging.Abstractions;
using TongBan.Grains.History;
using TongBan.Grains.Queues;
using Xunit.Abstractions;

namespace TongBan.Grains.Tests.History;

[Trait("Category", "Unit")]
public class HistoryWriterTests(ITestOutputHelper output)
{
    private static readonly DateOnly Day = new(2026, 12, 7);

    private static TicketOutcome Ticket(int n) => new(
        "520102-H001", "520102", Day, $"A{n:000}", "A", TicketOutcomeKind.Served, 1, "clerk-1", null,
        new DateTimeOffset(2026, 12, 7, 9, 0, 0, TimeSpan.FromHours(8)), null, null, new DateTimeOffset(2026, 12, 7, 9, 0, 0, TimeSpan.FromHours(8)).AddSeconds(n), 60, 60, null, TicketKind.WalkIn);

    [Fact]
    public async Task Records_are_written_in_batches_of_at_most_the_batch_size()
    {
        var store = new CountingStore();
        await using var writer = new HistoryWriter(store, new HistoryOptions { BatchSize = 10, QueueCapacity = 1000 }, NullLogger<HistoryWriter>.Instance);
        for (var i = 0; i < 95; i++)
        {
            writer.Append(Ticket(i));
        }

        await writer.FlushAsync();
        Assert.Equal(95, store.Rows);
        Assert.All(store.BatchSizes, n => Assert.InRange(n, 1, 10));
        Assert.Equal((0, 95), (writer.Pending, writer.Written));
        var stored = await store.Inner.TicketsAsync(new HistoryQuery(Day, Day), CancellationToken.None).CountAsync();
        Assert.Equal(95, stored);
    }

    [Fact]
    public async Task A_stuck_store_never_blocks_appends_and_holds_at_most_the_loss_bound()
    {
        var store = new CountingStore { Gate = new TaskCompletionSource() };
        var options = new HistoryOptions { BatchSize = 50, QueueCapacity = 200 };
        await using var writer = new HistoryWriter(store, options, NullLogger<HistoryWriter>.Instance);
        for (var i = 0; i < 1000; i++)
        {
            writer.Append(Ticket(i)); // returns at once although nothing can be written
        }

        // What a crash now would lose: the records held, never more than the bound.
        output.WriteLine($"history writer: batch size {options.BatchSize}, queue capacity {options.QueueCapacity}, flush interval {options.FlushInterval.TotalSeconds} s; " +
            $"held now {writer.Pending}, dropped {writer.Dropped}, crash-loss bound {writer.LossBound} records");
        Assert.True(writer.Pending <= writer.LossBound, $"{writer.Pending} held > bound {writer.LossBound}");
        Assert.Equal(1000, writer.Pending + writer.Dropped);
        Assert.True(writer.Dropped >= 1000 - writer.LossBound);

        store.Gate.SetResult();
        await writer.FlushAsync();
        Assert.Equal(writer.Written, store.Rows);
        Assert.Equal(0, writer.Pending);
    }

    [Fact]
    public async Task A_lone_record_is_written_within_the_flush_interval_without_a_flush()
    {
        var store = new CountingStore();
        await using var writer = new HistoryWriter(store, new HistoryOptions { FlushInterval = TimeSpan.FromMilliseconds(50) }, NullLogger<HistoryWriter>.Instance);
        writer.Append(Ticket(1));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (store.Rows == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        Assert.Equal(1, store.Rows);
    }

    [Fact]
    public void A_retention_under_six_months_is_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => new HistoryOptions { RetentionDays = 90 }.Validate());
        Assert.Contains("183", e.Message, StringComparison.Ordinal);
        new HistoryOptions().Validate();
        Assert.Equal(1096, new HistoryOptions().RetentionDays);
    }

    [Fact]
    public async Task The_memory_store_drops_records_before_the_cutoff_and_counts_visits_per_case()
    {
        var store = new InMemoryHistoryStore();
        var old = Ticket(1) with { Day = new DateOnly(2023, 1, 5) };
        var link = new CaseTicketLink("GZ1", "520102-H001", "520102", Day, "A001", "000101001", 1, "clerk-1", DateTimeOffset.UnixEpoch);
        await store.AppendAsync(new HistoryBatch([old, Ticket(2), Ticket(2)], [], [link, link, link with { TicketNo = "B003" }]), CancellationToken.None);
        Assert.Equal(2, await store.TicketsAsync(new HistoryQuery(DateOnly.MinValue, DateOnly.MaxValue), CancellationToken.None).CountAsync());
        Assert.Equal(1, await store.DropBeforeAsync(new DateOnly(2024, 1, 1), CancellationToken.None));
        Assert.Equal(1, await store.TicketsAsync(new HistoryQuery(DateOnly.MinValue, DateOnly.MaxValue), CancellationToken.None).CountAsync());
        Assert.Equal(2, (await store.VisitsAsync(["GZ1", "GZ2"], CancellationToken.None))["GZ1"]);

        // Item reports find tickets through their case link.
        var byItem = await store.TicketsAsync(new HistoryQuery(Day, Day, Item: "000101001"), CancellationToken.None).ToListAsync();
        Assert.Empty(byItem); // A002 served no case
        await store.AppendAsync(new HistoryBatch([Ticket(1)], [], []), CancellationToken.None);
        Assert.Equal("000101001", Assert.Single(await store.TicketsAsync(new HistoryQuery(Day, Day, Item: "000101001"), CancellationToken.None).ToListAsync()).Item);
    }

    private sealed class CountingStore : IHistoryStore
    {
        private readonly Lock gate = new();

        public InMemoryHistoryStore Inner { get; } = new();

        public TaskCompletionSource? Gate { get; init; }

        public List<int> BatchSizes { get; } = [];

        public int Rows { get; private set; }

        public async Task AppendAsync(HistoryBatch batch, CancellationToken cancellationToken)
        {
            if (Gate is not null)
            {
                await Gate.Task;
            }

            lock (gate)
            {
                BatchSizes.Add(batch.Count);
                Rows += batch.Count;
            }

            await Inner.AppendAsync(batch, cancellationToken);
        }

        public Task<int> DropBeforeAsync(DateOnly cutoff, CancellationToken cancellationToken) => Inner.DropBeforeAsync(cutoff, cancellationToken);

        public IAsyncEnumerable<TicketOutcome> TicketsAsync(HistoryQuery query, CancellationToken cancellationToken) => Inner.TicketsAsync(query, cancellationToken);

        public IAsyncEnumerable<WindowActivity> ActivitiesAsync(HistoryQuery query, CancellationToken cancellationToken) => Inner.ActivitiesAsync(query, cancellationToken);

        public IAsyncEnumerable<CaseTicketLink> CaseLinksAsync(HistoryQuery query, CancellationToken cancellationToken) => Inner.CaseLinksAsync(query, cancellationToken);

        public Task<IReadOnlyDictionary<string, int>> VisitsAsync(IReadOnlyCollection<string> caseNos, CancellationToken cancellationToken) => Inner.VisitsAsync(caseNos, cancellationToken);
    }
}
