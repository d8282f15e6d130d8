using TongBan.Grains.Halls;
using TongBan.Grains.Map;

namespace TongBan.Grains.Tests.Map;

/// <summary>The hall clock's regular hours, as the map and nearest search read them.</summary>
[Trait("Category", "Unit")]
public class OpeningRulesTests
{
    private static readonly OpeningHours Hall = new(
        false, [new(new TimeOnly(9, 0), new TimeOnly(12, 0)), new(new TimeOnly(13, 0), new TimeOnly(17, 0))],
        [new(new TimeOnly(9, 0), new TimeOnly(12, 0))]);

    /// <summary>A service point with <paramref name="hours"/> and no manager exception: the clock's regular-hours verdict.</summary>
    private static ServicePoint Point(OpeningHours hours) =>
        new("520102-H001", "测试", ServicePointType.Hall, ServiceLevel.County, "520102", new Grains.Geo.GeoPoint(26.6, 106.7), string.Empty, string.Empty, hours, [], [], []);

    private static DateTimeOffset At(int y, int m, int d, int h, int min) => new(y, m, d, h, min, 0, TimeSpan.FromHours(8));

    [Theory]
    [InlineData(2025, 3, 3, 10, 0, true)]     // Monday morning
    [InlineData(2025, 3, 3, 12, 30, false)]   // lunch break
    [InlineData(2025, 3, 3, 17, 0, false)]    // closing time is exclusive
    [InlineData(2025, 3, 3, 8, 59, false)]    // before opening
    [InlineData(2025, 3, 8, 10, 0, true)]     // ordinary Saturday: Saturday session
    [InlineData(2025, 3, 9, 10, 0, false)]    // Sunday
    [InlineData(2025, 10, 1, 10, 0, false)]   // 国庆节 (Wednesday)
    [InlineData(2025, 9, 28, 10, 0, true)]    // Sunday made a working day (调休上班): workday sessions
    [InlineData(2025, 10, 4, 10, 0, false)]   // Saturday inside the holiday: no Saturday session
    public void Hours_follow_the_official_calendar(int y, int m, int d, int h, int min, bool open)
    {
        Assert.Equal(open, HallClock.IsOpen(Point(Hall), MapTestKit.Calendar.Value, At(y, m, d, h, min)));
        var memo = new NearestSearch.DayMemo(MapTestKit.Calendar.Value);
        Assert.Equal(open, memo.IsOpen(Hall, At(y, m, d, h, min)));
    }

    [Fact]
    public void Around_the_clock_points_are_always_open_even_on_holidays()
    {
        Assert.True(HallClock.IsOpen(Point(OpeningHours.AroundTheClock), MapTestKit.Calendar.Value, At(2025, 10, 1, 3, 0)));
    }

    [Fact]
    public void Closed_reasons_name_the_holiday_and_the_lunch_break()
    {
        Assert.Contains("国庆节", HallClock.Read(Point(Hall), MapTestKit.Calendar.Value, At(2025, 10, 1, 10, 0)).ClosedReason, StringComparison.Ordinal);
        Assert.Contains("lunch", HallClock.Read(Point(Hall), MapTestKit.Calendar.Value, At(2025, 3, 3, 12, 30)).ClosedReason, StringComparison.Ordinal);
    }
}
