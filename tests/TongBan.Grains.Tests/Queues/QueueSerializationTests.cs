using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using TongBan.Grains.Queues;
using static TongBan.Grains.Tests.Queues.QueueTestKit;

namespace TongBan.Grains.Tests.Queues;

/// <summary>
/// The state must survive Orleans' serializer (how grain state is stored, see the silo host) and its deep
/// copier, and the rules must carry on from a restored copy as if nothing happened.
/// </summary>
[Trait("Category", "Unit")]
public sealed class QueueSerializationTests : IDisposable
{
    private readonly ServiceProvider services = new ServiceCollection()
        .AddSerializer(b => b.AddAssembly(typeof(CategoryQueueState).Assembly))
        .BuildServiceProvider();

    private Serializer Serializer => services.GetRequiredService<Serializer>();

    public void Dispose() => services.Dispose();

    [Fact]
    public void A_restored_state_continues_numbering_order_idempotency_and_estimates()
    {
        var original = new CategoryQueueState();
        var q = new CategoryQueue(original, "A");
        _ = q.Take(new TicketRequest(TicketKind.Kiosk, IdempotencyKey: "k1"), 1, At(9, 0)).Value;
        _ = q.Take(At(9, 1), PriorityClass.GreenChannel);
        _ = q.Take(At(9, 2), slot: At(9, 20));
        _ = q.CallAndFinish(1, At(9, 10));
        var skipped = q.CallNext(2, At(9, 11)).Value!.Number;
        _ = q.Skip(skipped, 2, At(9, 12)).Value;
        _ = q.RollOver(At(8, 0).AddDays(1));
        _ = q.Take(new TicketRequest(TicketKind.Kiosk, IdempotencyKey: "k1"), 1, At(9, 0).AddDays(1)).Value;
        var parked = q.Take(At(9, 1).AddDays(1));
        _ = q.Park(parked, null, "缺少材料", At(9, 2).AddDays(1)).Value;
        _ = q.Take(At(9, 3).AddDays(1), PriorityClass.Assisted);
        _ = q.CallNext(3, At(9, 4).AddDays(1)).Value;
        var expectedLine = q.WaitingLine(1, At(9, 5).AddDays(1));

        var restored = RoundTrip(original);
        var r = new CategoryQueue(restored, "A");

        Assert.Equal(q.Day, r.Day);
        Assert.Equal(q.Counts, r.Counts);
        Assert.Equal(q.LastClosedDay, r.LastClosedDay);
        Assert.Equal(q.MeanServiceTime, r.MeanServiceTime);
        Assert.Equal(q.Find("A003"), r.Find("A003"));
        Assert.Equal(expectedLine, r.WaitingLine(1, At(9, 5).AddDays(1)));
        Assert.Equal("A001", r.Take(new TicketRequest(TicketKind.Kiosk, IdempotencyKey: "k1"), 1, At(9, 6).AddDays(1)).Value.Ticket.Number);
        Assert.Equal("A004", r.Take(At(9, 6).AddDays(1)));
        Assert.Equal(QueueViolationCode.WindowBusy, r.CallNext(3, At(9, 7).AddDays(1)).Refused().Code);
    }

    [Fact]
    public void The_deep_copier_produces_an_independent_consistent_state()
    {
        var original = new CategoryQueueState();
        var q = new CategoryQueue(original, "B");
        _ = q.Take(At(9, 0));
        var copy = services.GetRequiredService<DeepCopier>().Copy(original);
        _ = q.Take(At(9, 1));

        var c = new CategoryQueue(copy, "B");
        Assert.Equal(1, c.Counts.Issued);
        Assert.Equal("B002", c.Take(At(9, 2)));
        Assert.Equal(2, q.Counts.Issued);
    }

    [Fact]
    public void Results_violations_and_the_exception_cross_grain_boundaries()
    {
        var q = NewQueue();
        var ok = q.Take(new TicketRequest(TicketKind.WalkIn), 1, At(9, 0));
        var refused = q.Finish("A001", 1, At(9, 1));
        var none = q.CallNext(1, At(9, 2)) is var called && called.IsOk ? q.CallNext(2, At(9, 3)) : called;

        Assert.Equal(ok.Value, RoundTrip(ok).Value);
        Assert.Equal(refused.Violation, RoundTrip(refused).Violation);
        Assert.True(RoundTrip(none).IsOk);
        Assert.Null(RoundTrip(none).Value);

        var ex = RoundTrip(new QueueRuleViolationException(refused.Violation!));
        Assert.Equal(refused.Violation, ex.Violation);
        Assert.Equal(refused.Violation!.Message, ex.Message);

        var rules = QueueRules.Default with { MaxConsecutivePriorityCalls = 5 };
        Assert.Equal(rules, RoundTrip(rules));
        Assert.Equal(q.WaitStatistics, RoundTrip(q.WaitStatistics));
    }

    private T RoundTrip<T>(T value) => Serializer.Deserialize<T>(Serializer.SerializeToArray(value))!;
}
