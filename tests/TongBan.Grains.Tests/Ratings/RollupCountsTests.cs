using TongBan.Grains.Ratings;

namespace TongBan.Grains.Tests.Ratings;

[Trait("Category", "Unit")]
public class RollupCountsTests
{
    private static readonly DateOnly Today = new(2026, 11, 24);

    [Fact]
    public void Today_last_30_days_and_all_time_are_sums_of_day_counts_and_old_days_fold()
    {
        var counts = new RollupCounts(Today);
        counts.Apply(Today, 5, +1);
        counts.Apply(Today, 1, +1);
        counts.Apply(Today.AddDays(-29), 4, +1); // first day of the window
        counts.Apply(Today.AddDays(-30), 3, +1); // already older
        Assert.Equal(new LevelCounts(1, 0, 0, 0, 1), counts.TodayCounts);
        Assert.Equal(new LevelCounts(1, 0, 0, 1, 1), counts.Last30Days);
        Assert.Equal(new LevelCounts(1, 0, 1, 1, 1), counts.AllTime);
        Assert.Equal(LevelCounts.Of(3), counts.Older);

        counts.AdvanceTo(Today.AddDays(1));
        Assert.Equal(LevelCounts.Zero, counts.TodayCounts);
        Assert.Equal(new LevelCounts(1, 0, 0, 0, 1), counts.Last30Days); // the 4 left the window
        Assert.Equal(new LevelCounts(1, 0, 1, 1, 1), counts.AllTime);
        Assert.Equal(30, RollupCounts.WindowDays);
        Assert.Equal(Today.AddDays(-28), counts.WindowStart);

        counts.AdvanceTo(Today); // time never runs back
        Assert.Equal(Today.AddDays(1), counts.Today);

        counts.AdvanceTo(Today.AddDays(400));
        Assert.Equal(LevelCounts.Zero, counts.Last30Days);
        Assert.Equal(4, counts.AllTime.Total);
        Assert.Empty(counts.Days);
    }

    [Fact]
    public void An_exclusion_takes_a_rating_off_its_own_day_even_when_that_day_has_folded()
    {
        var counts = new RollupCounts(Today);
        counts.Apply(Today.AddDays(-40), 1, +1);
        counts.Apply(Today.AddDays(-2), 2, +1);
        counts.Apply(Today.AddDays(-40), 1, -1);
        counts.Apply(Today.AddDays(-2), 2, -1);
        Assert.Equal(LevelCounts.Zero, counts.AllTime);
        Assert.Empty(counts.Days);
    }

    [Fact]
    public void Compare_names_each_differing_day_and_the_older_total()
    {
        var stored = new ScopeCount(
            new Dictionary<DateOnly, LevelCounts> { [Today] = LevelCounts.Of(5, 2), [Today.AddDays(-3)] = LevelCounts.Of(1) },
            LevelCounts.Of(4, 7),
            []);
        var recount = new RollupCounts(Today, stored);
        var live = new RollupCounts(Today, stored);
        Assert.Empty(live.Compare(recount));

        live.Apply(Today, 5, -1);
        live.Apply(Today.AddDays(-100), 4, +1);
        var differences = live.Compare(recount);
        Assert.Equal(2, differences.Count);
        Assert.Equal(new CountDifference(null, LevelCounts.Of(4, 8), LevelCounts.Of(4, 7)), differences[0]);
        Assert.Equal(new CountDifference(Today, LevelCounts.Of(5, 1), LevelCounts.Of(5, 2)), differences[1]);

        // Days the store returns from before the window are folded on load.
        var folded = new RollupCounts(Today, stored with { Days = new Dictionary<DateOnly, LevelCounts> { [Today.AddDays(-31)] = LevelCounts.Of(2) } });
        Assert.Equal(new LevelCounts(0, 1, 0, 7, 0), folded.Older);
    }
}
