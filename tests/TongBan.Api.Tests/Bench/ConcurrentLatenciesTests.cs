using TongBan.LoadGen;

namespace TongBan.Api.Tests.Bench;

/// <summary>The load generator's lock-free latency record: exact counts and ≤ 3 % percentiles under concurrent recording.</summary>
[Trait("Category", "Unit")]
public class ConcurrentLatenciesTests
{
    [Fact]
    public void Samples_recorded_from_many_threads_at_once_are_all_counted_and_give_percentiles_within_three_percent()
    {
        var latencies = new ConcurrentLatencies();
        Assert.True(double.IsNaN(latencies.Percentile(0.5)));

        // 8 threads each record 1..10,000 ms: the distribution of 1..10,000 eight times over.
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, _ =>
        {
            for (var ms = 1; ms <= 10_000; ms++)
            {
                latencies.Record(TimeSpan.FromMilliseconds(ms));
            }
        });

        Assert.Equal(80_000, latencies.Count);
        Assert.InRange(latencies.Percentile(0.50), 5_000, 5_000 * 1.03);
        Assert.InRange(latencies.Percentile(0.99), 9_900, 9_900 * 1.03);
        Assert.Equal(10_000, latencies.Percentile(1.0)); // never above the largest sample
    }

    [Fact]
    public void Operation_stats_after_a_reset_start_from_nothing()
    {
        var metrics = new Metrics();
        metrics["take"].Succeed(TimeSpan.FromMilliseconds(5));
        metrics.Push.Succeed(TimeSpan.FromMilliseconds(50));
        metrics.Reset();
        Assert.Equal(0, metrics["take"].Succeeded);
        Assert.Equal(0, metrics.Push.Succeeded);
        Assert.DoesNotContain(metrics.All, o => o.Succeeded > 0);
    }
}
