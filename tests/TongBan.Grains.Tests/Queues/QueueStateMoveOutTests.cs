using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using TongBan.Grains.Queues;
using static TongBan.Grains.Tests.Queues.QueueTestKit;

namespace TongBan.Grains.Tests.Queues;

/// <summary>
/// Finished tickets leave the queue's hot state in batches (<see cref="CategoryQueueState.MoveOut"/>): the rules must
/// answer exactly as before, from the live state plus the tally, and after a reload (hot state deserialized, the
/// batches' tickets given back) as well. And a state written before the split must load and carry on.
/// </summary>
[Trait("Category", "Unit")]
public sealed class QueueStateMoveOutTests : IDisposable
{
    private readonly ServiceProvider services = new ServiceCollection()
        .AddSerializer(b => b.AddAssembly(typeof(CategoryQueueState).Assembly))
        .BuildServiceProvider();

    private Serializer Serializer => services.GetRequiredService<Serializer>();

    public void Dispose() => services.Dispose();

    [Fact]
    public void Moving_finished_tickets_out_changes_no_answer_and_a_reload_answers_the_same()
    {
        // Two queues driven identically; one moves its finished tickets out after every operation.
        var plainState = new CategoryQueueState();
        var movedState = new CategoryQueueState();
        var plain = new CategoryQueue(plainState, "A");
        var moved = new CategoryQueue(movedState, "A");
        var batches = new List<FinishedTicketBatch>();
        void Both(Action<CategoryQueue> operation)
        {
            operation(plain);
            operation(moved);
            if (movedState.FinishedHeld > 0)
            {
                batches.Add(new FinishedTicketBatch { Day = movedState.Day, Index = movedState.MovedOutBatches, Tickets = movedState.FinishedToMove() });
                movedState.MoveOut(batches[^1].Tickets);
            }
        }

        for (var i = 0; i < 6; i++)
        {
            Both(q => q.Take(At(9, i), key: $"k{i}"));
        }

        Both(q => q.CallAndFinish(1, At(9, 10)));
        Both(q => q.CallAndFinish(2, At(9, 12)));
        Both(q => q.Cancel("A006", At(9, 13)));
        Both(q => q.CallNext(1, At(9, 14)));
        Both(q => q.TransferOut("A003", 1, "B", null, At(9, 15)));

        // A003 comes back from B: the same number has a moved-out entry and a live one; the live one is found.
        var back = new TicketTransfer("B:A003:0", "A003", "B", "A", null, TicketKind.WalkIn, PriorityClass.Normal, At(9, 2), null, At(9, 20));
        Both(q => q.Accept(back, 1, At(9, 20)));
        var fromB = new TicketTransfer("B:B001:1", "B001", "B", "A", null, TicketKind.WalkIn, PriorityClass.Normal, At(9, 3), null, At(9, 21));
        Both(q => q.Accept(fromB, 1, At(9, 21)));
        Both(q => q.CallAndFinish(1, At(9, 30))); // B001 or A003
        Both(q => q.CallAndFinish(1, At(9, 31)));

        Assert.Equal(4, movedState.MovedOut.Count(t => t.State == TicketState.Done) + movedState.Tickets.Count(t => t.State == TicketState.Done));
        Assert.DoesNotContain(movedState.Tickets, t => t.IsFinal);
        Assert.True(movedState.MovedOutBatches > 3);
        AssertSameAnswers(plain, moved, At(9, 40));

        // Reload: only the hot state is deserialized; the batches give the moved-out tickets back.
        var reloadedState = RoundTrip(movedState);
        reloadedState.RestoreMovedOut(batches.SelectMany(b => RoundTrip(b).Tickets));
        var reloaded = new CategoryQueue(reloadedState, "A");
        AssertSameAnswers(plain, reloaded, At(9, 40));

        // Without the batches (before they are read back) the counts and wait figures are still whole.
        var hotOnly = new CategoryQueue(RoundTrip(movedState), "A");
        Assert.Equal(plain.Counts, hotOnly.Counts);
        Assert.Equal(plain.WaitStatistics, hotOnly.WaitStatistics);

        // A redelivered hand-off whose entry has since finished and moved out is recognised, not taken twice.
        Assert.Equal("B001", reloaded.Accept(fromB, 1, At(9, 41)).Value.Ticket.Number);
        Assert.Equal(plain.Counts, reloaded.Counts);

        // Retrying a moved-out take returns its ticket; the next number follows the last issued.
        Assert.Equal("A001", reloaded.Take(new TicketRequest(TicketKind.WalkIn, IdempotencyKey: "k0"), 1, At(9, 42)).Value.Ticket.Number);
        Assert.Equal("A007", reloaded.Take(At(9, 43)));
        Assert.Equal("A007", plain.Take(At(9, 43)));

        // The day closes with the same summary.
        Assert.Equal(plain.RollOver(At(9, 0).AddDays(1)), reloaded.RollOver(At(9, 0).AddDays(1)));
        Assert.Empty(reloadedState.MovedOut);
        Assert.Equal(0, reloadedState.MovedOutBatches);
    }

    private static void AssertSameAnswers(CategoryQueue expected, CategoryQueue actual, DateTimeOffset now)
    {
        Assert.Equal(expected.Counts, actual.Counts);
        Assert.Equal(expected.WaitStatistics.Called, actual.WaitStatistics.Called);
        Assert.Equal(expected.WaitStatistics.AverageMinutes!.Value, actual.WaitStatistics.AverageMinutes!.Value, 9);
        Assert.Equal(expected.WaitStatistics.P90Minutes, actual.WaitStatistics.P90Minutes);
        Assert.Equal(expected.WaitStatistics.MeanAbsoluteErrorMinutes!.Value, actual.WaitStatistics.MeanAbsoluteErrorMinutes!.Value, 9);
        Assert.Equal(expected.WaitingLine(1, now), actual.WaitingLine(1, now));
        Assert.Equal(expected.PredictNewcomerWaitMinutes(1, now), actual.PredictNewcomerWaitMinutes(1, now));
        foreach (var n in new[] { "A001", "A002", "A003", "A004", "A005", "A006", "B001" })
        {
            Assert.Equal(expected.Find(n), actual.Find(n));
            Assert.Equal(expected.Status(n, 1, now), actual.Status(n, 1, now));
        }
    }

    private T RoundTrip<T>(T value) => Serializer.Deserialize<T>(Serializer.SerializeToArray(value))!;
}
