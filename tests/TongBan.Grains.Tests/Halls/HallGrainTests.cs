using TongBan.Grains.Halls;
using TongBan.Grains.Tests.Support;

namespace TongBan.Grains.Tests.Halls;

[Collection(ClusterCollection.Name)]
[Trait("Category", "Integration")]
public class HallGrainTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Snapshot_lists_the_halls_categories_and_windows()
    {
        var snapshot = await fixture.Grains.GetGrain<IHallGrain>("520102-H001").GetSnapshot();
        Assert.Equal("520102-H001", snapshot.HallCode);
        Assert.Equal(TimeSpan.FromHours(8), snapshot.At.Offset);
        Assert.Contains(snapshot.Categories, c => c.Code == "A");
        Assert.Equal(10, snapshot.Windows.Count);
    }

    [Fact]
    public async Task Service_status_is_persisted_and_idempotent()
    {
        var hall = fixture.Grains.GetGrain<IHallGrain>("520103-H001");
        var first = await hall.SetServiceStatus(true, "停电", "admin:t");
        var again = await hall.SetServiceStatus(true, "停电", "admin:t");
        Assert.Equal(first.ChangedAt, again.ChangedAt);
        Assert.True((await hall.GetSnapshot()).Suspended);
        await hall.SetServiceStatus(false, null, "admin:t");
        Assert.False((await hall.GetServiceStatus()).Suspended);
    }

    [Fact]
    public async Task Unknown_hall_is_refused()
    {
        var error = await Assert.ThrowsAsync<UnknownHallException>(() => fixture.Grains.GetGrain<IHallGrain>("520102-H999").GetSnapshot());
        Assert.Equal("520102-H999", error.HallCode);
    }
}
