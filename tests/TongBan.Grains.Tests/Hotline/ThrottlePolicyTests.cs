using TongBan.Grains.Hotline;

namespace TongBan.Grains.Tests.Hotline;

[Trait("Category", "Unit")]
public class ThrottlePolicyTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 27, 10, 0, 0, TimeSpan.FromHours(8));

    private static readonly ThrottlePolicy Policy = ThrottlePolicy.Default;

    [Fact]
    public void Four_failures_in_the_window_still_allow_an_attempt()
    {
        var failures = Enumerable.Range(0, 4).Select(i => T0.AddMinutes(i)).ToList();
        Assert.Null(Policy.RetryAfter(failures, T0.AddMinutes(5)));
    }

    [Fact]
    public void The_fifth_failure_throttles_until_the_oldest_leaves_the_window()
    {
        var failures = Enumerable.Range(0, 5).Select(i => T0.AddMinutes(i * 10)).ToList(); // 10:00 … 10:40
        var now = T0.AddMinutes(45);
        Assert.Equal(TimeSpan.FromMinutes(15), Policy.RetryAfter(failures, now)); // 10:00 leaves at 11:00
        Assert.Null(Policy.RetryAfter(failures, T0.AddHours(1).AddSeconds(1)));
    }

    [Fact]
    public void The_window_slides_old_failures_do_not_count()
    {
        var failures = new List<DateTimeOffset> { T0.AddHours(-3), T0.AddHours(-2), T0.AddMinutes(-50), T0.AddMinutes(-40), T0.AddMinutes(-30), T0.AddMinutes(-20) };
        Assert.Equal(4, Policy.Recent(failures, T0).Count);
        Assert.Null(Policy.RetryAfter(failures, T0));
    }

    [Fact]
    public void Many_failures_wait_for_enough_to_expire_and_never_less_than_a_second()
    {
        var failures = Enumerable.Range(0, 8).Select(i => T0.AddMinutes(i)).ToList();
        var now = T0.AddMinutes(10);

        // 8 failures: three must expire before a fourth slot opens, i.e. the one at T0+3.
        Assert.Equal(TimeSpan.FromMinutes(53), Policy.RetryAfter(failures, now));
        Assert.Equal(TimeSpan.FromSeconds(1), new ThrottlePolicy(1, TimeSpan.FromMinutes(1)).RetryAfter([T0], T0.AddMinutes(1).AddTicks(-1)));
    }
}
