using TongBan.Grains.Tests.Support;
using TongBan.Grains.Windows;

namespace TongBan.Grains.Tests.Windows;

/// <summary>Paused time in a window's day figures, on the cluster whose clock the test moves.</summary>
[Collection(ClockedClusterCollection.Name)]
[Trait("Category", "Integration")]
public class WindowPauseTimeTests(ClockedClusterFixture fixture)
{
    [Fact]
    public async Task Paused_time_adds_up_over_pauses_and_restarts_at_midnight()
    {
        var window = fixture.Grains.GetGrain<IWindowGrain>(WindowKeys.Of("522628-H001", 1));
        ClockedClusterFixture.Clock.Set(new DateTimeOffset(2026, 11, 24, 10, 0, 0, TimeSpan.FromHours(8)));
        await window.Open("c1");
        await window.Pause(PauseReason.Break);
        ClockedClusterFixture.Clock.Advance(TimeSpan.FromMinutes(15));
        Assert.Equal(15, (await window.GetView()).PausedMinutesToday);

        var opened = await window.Open("c1");
        ClockedClusterFixture.Clock.Advance(TimeSpan.FromMinutes(30));
        Assert.Equal(15, (await window.GetView()).PausedMinutesToday);
        Assert.Equal(15, opened.Window.PausedMinutesToday);

        await window.Pause(PauseReason.SystemFault);
        ClockedClusterFixture.Clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(20, (await window.GetView()).PausedMinutesToday);

        // Still paused at 00:10 the next day: only today's ten minutes count.
        ClockedClusterFixture.Clock.Set(new DateTimeOffset(2026, 11, 25, 0, 10, 0, TimeSpan.FromHours(8)));
        var nextDay = await window.GetView();
        Assert.Equal((WindowStatus.Paused, PauseReason.SystemFault, 10), (nextDay.Status, nextDay.PauseReason, nextDay.PausedMinutesToday));
    }
}
