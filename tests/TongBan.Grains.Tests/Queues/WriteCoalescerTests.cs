using TongBan.Grains.Queues;

namespace TongBan.Grains.Tests.Queues;

/// <summary>
/// The hall queue's group commit: one write in flight, every change made meanwhile covered by the next write, and a
/// failed write failing its waiters and everything after it. The writes here are completed by hand, so each step is
/// deterministic (their continuations run inline, as a grain's turns would run one after the other).
/// </summary>
[Trait("Category", "Unit")]
public sealed class WriteCoalescerTests
{
    private sealed class ManualWrites
    {
        public List<TaskCompletionSource> Started { get; } = [];

        public Task Write()
        {
            var write = new TaskCompletionSource();
            Started.Add(write);
            return write.Task;
        }
    }

    [Fact]
    public void A_change_with_no_write_in_flight_starts_a_write_at_once()
    {
        var writes = new ManualWrites();
        var coalescer = new WriteCoalescer(writes.Write);

        var stored = coalescer.Flush();

        Assert.Single(writes.Started);
        Assert.False(stored.IsCompleted);
        writes.Started[0].SetResult();
        Assert.True(stored.IsCompletedSuccessfully);
        Assert.False(coalescer.Busy);
    }

    [Fact]
    public void Changes_made_during_a_write_share_the_next_write_which_starts_when_it_ends()
    {
        var writes = new ManualWrites();
        var coalescer = new WriteCoalescer(writes.Write);
        var first = coalescer.Flush();

        var second = coalescer.Flush();
        var third = coalescer.Flush();

        Assert.Single(writes.Started); // the change of the second and third is not in the write in flight
        Assert.Same(second, third);
        Assert.Same(second, coalescer.Stored());
        writes.Started[0].SetResult();
        Assert.True(first.IsCompletedSuccessfully);
        Assert.False(second.IsCompleted);
        Assert.Equal(2, writes.Started.Count);
        writes.Started[1].SetResult();
        Assert.True(second.IsCompletedSuccessfully);
        Assert.Equal(2, writes.Started.Count);
    }

    [Fact]
    public void Stored_waits_for_what_is_in_flight_and_writes_nothing_itself()
    {
        var writes = new ManualWrites();
        var coalescer = new WriteCoalescer(writes.Write);
        Assert.True(coalescer.Stored().IsCompletedSuccessfully);
        Assert.Empty(writes.Started);

        var flushed = coalescer.Flush();
        var stored = coalescer.Stored();

        Assert.False(stored.IsCompleted);
        writes.Started[0].SetResult();
        Assert.True(stored.IsCompletedSuccessfully);
        Assert.True(flushed.IsCompletedSuccessfully);
        Assert.Single(writes.Started);
    }

    [Fact]
    public void A_failed_write_fails_its_waiters_the_next_write_and_every_later_change()
    {
        var writes = new ManualWrites();
        var coalescer = new WriteCoalescer(writes.Write);
        var first = coalescer.Flush();
        var second = coalescer.Flush();

        writes.Started[0].SetException(new InvalidOperationException("conflict"));

        Assert.Equal("conflict", first.Exception!.InnerException!.Message);
        Assert.Equal("conflict", second.Exception!.InnerException!.Message);
        Assert.Single(writes.Started); // the next write never starts
        Assert.True(coalescer.Flush().IsFaulted);
        Assert.True(coalescer.Stored().IsFaulted);
        Assert.Single(writes.Started);
    }

    [Fact]
    public void Fail_refuses_writes_not_yet_started_and_lets_the_one_in_flight_finish()
    {
        var writes = new ManualWrites();
        var coalescer = new WriteCoalescer(writes.Write);
        var inFlight = coalescer.Flush();
        var waiting = coalescer.Flush();

        coalescer.Fail(new InvalidOperationException("half-done change"));

        Assert.True(waiting.IsFaulted);
        writes.Started[0].SetResult();
        Assert.True(inFlight.IsCompletedSuccessfully);
        Assert.Single(writes.Started);
        Assert.True(coalescer.Flush().IsFaulted);
    }

    [Fact]
    public async Task The_gate_lets_one_section_in_at_a_time_in_the_order_they_asked()
    {
        var gate = new TurnGate();

        var first = gate.Enter();
        var second = gate.Enter();
        var third = gate.Enter();

        Assert.True(first.IsCompleted);
        Assert.False(second.IsCompleted); // not while the first holds the gate
        Assert.False(third.IsCompleted);
        (await first).Dispose();
        var secondSection = await second;
        Assert.False(third.IsCompleted); // the third waits for the second, not for the first
        secondSection.Dispose();
        (await third).Dispose();
        Assert.True(gate.Enter().IsCompleted);
    }
}
