using System.Collections.Immutable;
using Orleans.Concurrency;
using TongBan.Grains.Common;
using TongBan.Grains.Halls;
using TongBan.Grains.Live;
using TongBan.Grains.Queues;
using TongBan.Grains.Windows;

namespace TongBan.Bench;

/// <summary>The baseline: a grain call that does nothing.</summary>
public interface IBenchNoOpGrain : IGrainWithIntegerKey
{
    Task Ping();
}

public sealed class BenchNoOpGrain : Grain, IBenchNoOpGrain
{
    public Task Ping() => Task.CompletedTask;
}

/// <summary>A small persisted record (the size of a window's state) to time one storage write on its own.</summary>
[GenerateSerializer]
public sealed class BenchCounterState
{
    [Id(0)]
    public long Count { get; set; }

    [Id(1)]
    public string Note { get; set; } = "";
}

/// <summary>The second baseline: a grain call that writes a small state to the silo's storage (memory or PostgreSQL).</summary>
public interface IBenchWriteGrain : IGrainWithIntegerKey
{
    Task Increment();
}

public sealed class BenchWriteGrain([PersistentState("bench", StorageNames.Default)] IPersistentState<BenchCounterState> state) : Grain, IBenchWriteGrain
{
    public Task Increment()
    {
        state.State.Count++;
        state.State.Note = "window 3 of 520102-H001 holds A012 (serving)";
        return state.WriteStateAsync();
    }
}

/// <summary>
/// What-if variant (<c>--null-hall</c>): a hall that ignores its hall queue's reports, so the run
/// shows what the hall's snapshot push costs. Only registered when asked
/// for; <see cref="HallGrain"/> is the primary implementation of <see cref="IHallGrain"/> otherwise.
/// </summary>
public sealed class NullHallGrain : Grain, IHallGrain
{
    public Task<HallSnapshot> GetSnapshot() => throw new NotSupportedException("--null-hall keeps no snapshot");

    public Task<HallServiceStatus> SetServiceStatus(bool suspended, string? reason, string actor) => Task.FromResult(HallServiceStatus.Open);

    public Task<HallServiceStatus> GetServiceStatus() => Task.FromResult(HallServiceStatus.Open);

    public Task FloorChanged(HallSnapshot floor) => Task.CompletedTask;

    public Task AppointmentsChanged(int today, int nextHour) => Task.CompletedTask;

    public Task RatingsChanged(double? goodRate) => Task.CompletedTask;
}

/// <summary>What-if variant (<c>--null-live</c>): a live notifier that drops every message (no batching, no delivery).</summary>
[StatelessWorker(1)]
public sealed class NullLiveNotifierGrain : Grain, ILiveNotifierGrain
{
    public Task Publish(LiveMessage message) => Task.CompletedTask;

    public Task PublishMany(ImmutableArray<LiveMessage> messages) => Task.CompletedTask;
}
