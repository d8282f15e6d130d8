using Microsoft.Extensions.Logging.Abstractions;
using TongBan.Grains.Ratings;

namespace TongBan.Grains.Tests.Ratings;

/// <summary>The per-silo writer of served-ticket records: batches under load, retries a failed write, drains on dispose.</summary>
[Trait("Category", "Unit")]
public sealed class ServedTicketWriterTests
{
    private static ServedTicket Served(int i) =>
        new("520102-H001", new DateOnly(2026, 11, 27), $"A{i:000}", "A", 1 + (i % 10), "clerk", new DateTimeOffset(2026, 11, 27, 10, 0, 0, TimeSpan.FromHours(8)));

    [Fact]
    public async Task Records_handed_over_while_a_write_is_under_way_are_written_together_once_each()
    {
        var store = new GatedStore();
        await using var writer = new ServedTicketWriter(store, NullLogger<ServedTicketWriter>.Instance);
        writer.Record(Served(0));
        await store.FirstCallStarted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        for (var i = 1; i <= 600; i++)
        {
            writer.Record(Served(i));
        }

        store.Release.SetResult();
        await writer.FlushAsync().WaitAsync(TimeSpan.FromSeconds(10));

        var calls = store.Calls;
        Assert.Equal(601, calls.Sum(c => c.Count));
        Assert.Equal(601, calls.SelectMany(c => c).Select(s => s.TicketNo).Distinct().Count());
        Assert.Single(calls[0]);
        Assert.All(calls, c => Assert.InRange(c.Count, 1, ServedTicketWriter.MaxBatch));
        Assert.InRange(calls.Count, 4, 6); // 1 + ⌈600 / 256⌉ = 4 when nothing else interleaves
        foreach (var s in new[] { Served(0), Served(600) })
        {
            Assert.Equal(s, await store.Inner.FindServiceAsync(s.HallCode, s.Day, s.TicketNo, CancellationToken.None));
        }
    }

    [Fact]
    public async Task A_failed_write_is_retried_and_disposing_drains_what_was_handed_over()
    {
        var store = new FailingStore(failures: 2);
        var writer = new ServedTicketWriter(store, NullLogger<ServedTicketWriter>.Instance);
        writer.Record(Served(1));
        writer.Record(Served(2));
        await writer.DisposeAsync();

        Assert.Equal(3, store.Attempts);
        Assert.NotNull(await store.Inner.FindServiceAsync("520102-H001", new DateOnly(2026, 11, 27), "A002", CancellationToken.None));
    }

    /// <summary>Blocks its first write until released, and notes every batch.</summary>
    private sealed class GatedStore : RecordingStoreBase
    {
        public TaskCompletionSource FirstCallStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public List<List<ServedTicket>> Calls { get; } = [];

        public override async Task RecordServicesAsync(IReadOnlyList<ServedTicket> served, CancellationToken cancellationToken)
        {
            lock (Calls)
            {
                Calls.Add([.. served]);
            }

            FirstCallStarted.TrySetResult();
            await Release.Task;
            await Inner.RecordServicesAsync(served, cancellationToken);
        }
    }

    private sealed class FailingStore(int failures) : RecordingStoreBase
    {
        public int Attempts { get; private set; }

        public override async Task RecordServicesAsync(IReadOnlyList<ServedTicket> served, CancellationToken cancellationToken)
        {
            if (++Attempts <= failures)
            {
                throw new InvalidOperationException("database unavailable");
            }

            await Inner.RecordServicesAsync(served, cancellationToken);
        }
    }

    /// <summary>The in-memory store, with the batch write open for the test doubles to override.</summary>
    private abstract class RecordingStoreBase : IRatingStore
    {
        public IRatingStore Inner { get; } = new InMemoryRatingStore();

        public abstract Task RecordServicesAsync(IReadOnlyList<ServedTicket> served, CancellationToken cancellationToken);

        public Task RecordServiceAsync(ServedTicket served, CancellationToken cancellationToken) => Inner.RecordServiceAsync(served, cancellationToken);

        public Task<ServedTicket?> FindServiceAsync(string hallCode, DateOnly day, string ticketNo, CancellationToken cancellationToken) =>
            Inner.FindServiceAsync(hallCode, day, ticketNo, cancellationToken);

        public Task<RatingAppend> AppendAsync(RatingRecord rating, FollowUpState? followUp, RatingEvent? opened, CancellationToken cancellationToken) =>
            Inner.AppendAsync(rating, followUp, opened, cancellationToken);

        public Task<StoredRating?> LoadAsync(string ratingId, CancellationToken cancellationToken) => Inner.LoadAsync(ratingId, cancellationToken);

        public Task<bool> CommitFollowUpAsync(FollowUpState followUp, RatingEvent e, RatingExclusion? exclusion, CancellationToken cancellationToken) =>
            Inner.CommitFollowUpAsync(followUp, e, exclusion, cancellationToken);

        public Task<ScopeCount> CountAsync(string scopeKey, DateOnly windowStart, DateTimeOffset recentSince, CancellationToken cancellationToken) =>
            Inner.CountAsync(scopeKey, windowStart, recentSince, cancellationToken);

        public Task<IReadOnlyList<string>> ScopeKeysAsync(CancellationToken cancellationToken) => Inner.ScopeKeysAsync(cancellationToken);

        public Task<IReadOnlyList<FollowUpRow>> FollowUpsAsync(FollowUpQuery query, CancellationToken cancellationToken) => Inner.FollowUpsAsync(query, cancellationToken);

        public Task<IReadOnlyList<string>> NewlyOverdueAsync(DateOnly today, int limit, CancellationToken cancellationToken) =>
            Inner.NewlyOverdueAsync(today, limit, cancellationToken);

        public Task<FollowUpFigures> FollowUpFiguresAsync(string scopeKey, DateOnly today, CancellationToken cancellationToken) =>
            Inner.FollowUpFiguresAsync(scopeKey, today, cancellationToken);

        public Task<(long Ratings, long Excluded)> TotalsAsync(CancellationToken cancellationToken) => Inner.TotalsAsync(cancellationToken);
    }
}
