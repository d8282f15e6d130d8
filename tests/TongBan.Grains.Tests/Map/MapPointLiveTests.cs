using TongBan.Grains.Map;

namespace TongBan.Grains.Tests.Map;

/// <summary>Which hall republications reach map viewers: only those whose figures changed.</summary>
[Trait("Category", "Unit")]
public class MapPointLiveTests
{
    private static readonly DateTimeOffset Morning = new(2026, 11, 27, 9, 0, 0, TimeSpan.FromHours(8));

    private static MapPointLive Point(DateTimeOffset at, int waitingA = 4, int? predicted = 12, double? goodRate = 0.98, bool suspended = false, int openWindows = 3) =>
        new("520382-H001", at, waitingA + 1, [new CategoryWait("A", waitingA, predicted, 2), new CategoryWait("B", 1, 5, 1)], goodRate, suspended, openWindows, 2);

    [Fact]
    public void A_later_snapshot_with_the_same_line_has_the_same_figures()
    {
        Assert.True(Point(Morning).SameFigures(Point(Morning.AddSeconds(7))));
    }

    [Fact]
    public void Any_figure_a_viewer_sees_makes_it_a_change()
    {
        var before = Point(Morning);
        Assert.False(before.SameFigures(Point(Morning.AddSeconds(1), waitingA: 5)));
        Assert.False(before.SameFigures(Point(Morning.AddSeconds(1), predicted: 15)));
        Assert.False(before.SameFigures(Point(Morning.AddSeconds(1), predicted: null)));
        Assert.False(before.SameFigures(Point(Morning.AddSeconds(1), goodRate: 0.9)));
        Assert.False(before.SameFigures(Point(Morning.AddSeconds(1), suspended: true)));
        Assert.False(before.SameFigures(Point(Morning.AddSeconds(1), openWindows: 2)));
        Assert.False(before.SameFigures(before with { Categories = [before.Categories[0]] }));
        Assert.False(before.SameFigures(before with { AppointmentsNextHour = 3 }));
        Assert.False(before.SameFigures(before with { Code = "520382-H002" }));
    }
}
