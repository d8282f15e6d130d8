using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Storage;
using Microsoft.Extensions.DependencyInjection;
using TongBan.Grains.Queues;
using TongBan.Silo.Hosting;

namespace TongBan.Api.Tests.Embedded;

/// <summary>The opt-in single-silo storage keeps the memory provider's contract: serialized copies, ETag checks, clear.</summary>
[Trait("Category", "Integration")]
public sealed class InProcessGrainStorageTests : IDisposable
{
    private readonly ServiceProvider services = new ServiceCollection()
        .AddSerializer(b => b.AddAssembly(typeof(QueueGrainState).Assembly))
        .AddSingleton<IGrainStorageSerializer, OrleansGrainStorageSerializer>()
        .BuildServiceProvider();

    public void Dispose() => services.Dispose();

    [Fact]
    public async Task Writes_are_copies_guarded_by_their_etag_and_clear_forgets()
    {
        var storage = new InProcessGrainStorage(services.GetRequiredService<IGrainStorageSerializer>());
        var id = GrainId.Create("queue", "520102-H001/A");
        var first = new Slot { State = new QueueGrainState { ServingWindows = 2 } };
        await storage.WriteStateAsync("queue", id, first);
        first.State.ServingWindows = 5; // a later change in memory is not in the store until written

        var read = new Slot();
        await storage.ReadStateAsync("queue", id, read);
        Assert.True(read.RecordExists);
        Assert.Equal(2, read.State.ServingWindows);
        Assert.Equal(first.ETag, read.ETag);

        await storage.WriteStateAsync("queue", id, read);
        var stale = new Slot { State = new QueueGrainState(), ETag = first.ETag };
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("queue", id, stale));
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("queue", id, new Slot { State = new QueueGrainState() }));

        await storage.ClearStateAsync("queue", id, read);
        var gone = new Slot();
        await storage.ReadStateAsync("queue", id, gone);
        Assert.False(gone.RecordExists);
        Assert.Null(gone.ETag);

        storage.Refuse("a second silo joined");
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => storage.WriteStateAsync("queue", id, new Slot { State = new QueueGrainState() }));
        Assert.Contains("second silo", refused.Message, StringComparison.Ordinal);
    }

    private sealed class Slot : IGrainState<QueueGrainState>
    {
        [System.Diagnostics.CodeAnalysis.AllowNull]
        public QueueGrainState State { get; set; } = new();

        public string? ETag { get; set; }

        public bool RecordExists { get; set; }
    }
}
