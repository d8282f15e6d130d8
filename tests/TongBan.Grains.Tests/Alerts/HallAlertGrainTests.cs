using TongBan.Grains.Alerts;
using TongBan.Grains.Halls;
using TongBan.Grains.Tests.Support;

namespace TongBan.Grains.Tests.Alerts;

[Collection(ClockedClusterCollection.Name)]
[Trait("Category", "Integration")]
public class HallAlertGrainTests(ClockedClusterFixture fixture)
{
    [Fact]
    public async Task A_floor_opens_alerts_a_long_pause_adds_one_and_a_calm_floor_clears_them_into_the_history()
    {
        var hall = "ALERT-" + Guid.NewGuid().ToString("N")[..8];
        var alerts = fixture.Grains.GetGrain<IHallAlertGrain>(hall);
        var now = ClockedClusterFixture.Clock.GetUtcNow().ToOffset(TimeSpan.FromHours(8));
        await alerts.SetThresholds(new AlertThresholds(10, null, 15, true, null), "hallManager:m1");

        await alerts.FloorChanged(AlertRulesTests.Floor(now, [new("A", "综合", 12, 30, ServingWindows: 1)], [new WindowSnapshot(2, "paused", null, PauseReason: "break")]) with { HallCode = hall });
        await Poll.Until(async () => (await alerts.GetAlerts(now.AddHours(-1), now.AddHours(1))).Open.Count == 1, "the waiting-count alert");
        var opened = await alerts.GetAlerts(now.AddHours(-1), now.AddHours(1));
        Assert.Equal(AlertKind.WaitingCount, opened.Open[0].Kind);

        // The pause grows without any floor change: the re-evaluation (the timer's work) opens its alert.
        ClockedClusterFixture.Clock.Advance(TimeSpan.FromMinutes(16));
        await alerts.Evaluate();
        var paused = await alerts.GetAlerts(now.AddHours(-1), now.AddHours(1));
        Assert.Contains(paused.Open, a => a.Kind == AlertKind.WindowPaused && a.Subject == "2");

        var later = ClockedClusterFixture.Clock.GetUtcNow().ToOffset(TimeSpan.FromHours(8));
        await alerts.FloorChanged(AlertRulesTests.Floor(later, [new("A", "综合", 2, 5, ServingWindows: 2)], [new WindowSnapshot(2, "open", null)]) with { HallCode = hall });
        await Poll.Until(async () => (await alerts.GetAlerts(now.AddHours(-1), later.AddHours(1))).Open.Count == 0, "the alerts cleared");
        var calm = await alerts.GetAlerts(now.AddHours(-1), later.AddHours(1));

        Assert.Equal(2, calm.History.Count);
        Assert.All(calm.History, a => Assert.Equal(later, a.ClearedAt));
        Assert.Equal("hallManager:m1", calm.Thresholds.UpdatedBy);
    }
}
