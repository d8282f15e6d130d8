using TongBan.Bench;
using TongBan.LoadGen;

namespace TongBan.Api.Tests.Bench;

/// <summary>
/// The hall-day benchmark's workload in smoke mode (5 halls, 2 s) on the real embedded host: not a speed test,
/// but the same checks the benchmark prints — every queue adds up, windows and queues agree on what was served,
/// no ticket is served twice, no transfer is lost, the hall snapshot agrees.
/// </summary>
[Trait("Category", "Integration")]
public class HallDaySmokeTests
{
    /// <param name="inProcessStorage">The host's opt-in <c>TongBan:Silo:InProcessGrainStorage</c> instead of Orleans' memory storage.</param>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_compressed_hall_day_adds_up_in_every_hall(bool inProcessStorage)
    {
        // Higher fate rates than the default, so a short day also skips, recalls, marks no-shows and transfers.
        var options = BenchOptions.SmokeDefaults with { SkipRate = 0.05, NoShowRate = 0.05, TransferRate = 0.05, LocalStorage = inProcessStorage };
        var clock = new CompressedDayClock(CompressedDayClock.DayLength / (options.Warmup + options.Duration));
        await using var host = await BenchHost.StartAsync(options, connectionString: null, clock);

        var day = await HallDay.RunAsync(host.Grains, host.Directory, clock, options);

        var failed = day.Checks.Where(c => !c.Passed).Select(c => $"{c.Name}: {c.Detail}").ToList();
        Assert.True(failed.Count == 0, "hall-day checks failed:\n" + string.Join("\n", failed));
        Assert.Equal(8, day.Checks.Count);
        Assert.Equal(5, day.Halls);
        Assert.Equal(50, day.Windows);
        Assert.Equal(50, day.Setup.Count - day.Setup.Errors);

        var count = day.Operations.ToDictionary(o => o.Name, o => o.Count);
        foreach (var core in new[] { TicketOperation.Take, TicketOperation.CallNext, TicketOperation.Start, TicketOperation.Finish })
        {
            Assert.True(count[HallDay.Name(core)] > 0, $"no {HallDay.Name(core)} in the smoke day");
        }

        var fates = count[HallDay.Name(TicketOperation.Skip)] + count[HallDay.Name(TicketOperation.Recall)] + count[HallDay.Name(TicketOperation.Transfer)];
        Assert.True(fates > 0, "no skip, recall or transfer in the smoke day");

        // Following the queue rules, the simulated clerks are never refused (a refusal would be a rule or workload bug).
        Assert.True(day.TotalErrors == 0, "refusals: " + string.Join("; ", day.ErrorReasons.Select(kv => $"{kv.Key} ×{kv.Value}")));
        Assert.True(day.TicketsIssued > 0);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(31)]
    [InlineData(32)]
    [InlineData(1_000)]
    [InlineData(123_456)]
    [InlineData(long.MaxValue / 4)]
    public void Histogram_buckets_hold_their_value_within_3_percent(long micros)
    {
        var upper = LatencyHistogram.UpperBound(LatencyHistogram.Index(micros));
        Assert.InRange(upper, micros, micros + Math.Max(0, (long)(micros * 0.032)));
    }

    [Fact]
    public void Histogram_percentiles_follow_the_samples()
    {
        var h = new LatencyHistogram();
        for (var i = 1; i <= 1_000; i++)
        {
            h.Record(i * 10); // 10 µs … 10 ms, uniform
        }

        Assert.Equal(1_000, h.Count);
        Assert.InRange(h.PercentileMicros(50), 5_000, 5_000 * 1.032);
        Assert.InRange(h.PercentileMicros(99), 9_900, 9_900 * 1.032);
        Assert.Equal(10_000, h.PercentileMicros(100));
        Assert.Equal(5_005, h.MeanMicros, 3);
    }
}
