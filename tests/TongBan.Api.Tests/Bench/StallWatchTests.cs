using System.Diagnostics;
using TongBan.Bench;

namespace TongBan.Api.Tests.Bench;

/// <summary>The bench's stall report: a slow operation is blamed on the process-wide cause that covers half of it, or on the grain runtime.</summary>
[Trait("Category", "Unit")]
public sealed class StallWatchTests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    [Theory]
    [InlineData(3000, 2000, 0, 0, "a GC pause")]
    [InlineData(3000, 0, 1600, 0, "the process was not running")]
    [InlineData(3000, 0, 0, 2900, "thread-pool starvation")]
    [InlineData(3000, 400, 300, 200, "inside the grain runtime")]
    public void A_slow_operation_is_blamed_on_what_covers_half_of_it(int durationMs, int gcMs, int lateMs, int queuedMs, string cause)
    {
        var blamed = StallWatch.Cause(
            TimeSpan.FromMilliseconds(durationMs), TimeSpan.FromMilliseconds(gcMs), TimeSpan.FromMilliseconds(lateMs), TimeSpan.FromMilliseconds(queuedMs));
        Assert.StartsWith(cause, blamed, StringComparison.Ordinal);
    }

    [Fact]
    public void Only_operations_over_the_threshold_are_reported_with_the_phase_they_started_in()
    {
        var output = new StringWriter();
        using (var watch = StallWatch.Start())
        {
            watch.Phase("hall day");
            StallWatch.NoteSince("slow test operation", Stopwatch.GetTimestamp() - (long)(60 * Second.TotalSeconds * Stopwatch.Frequency));
            StallWatch.NoteSince("fast test operation", Stopwatch.GetTimestamp());
            watch.Report(output);
        }

        var report = output.ToString();
        Assert.Contains("slow test operation at", report, StringComparison.Ordinal);
        Assert.Contains("(start-up): 60,", report, StringComparison.Ordinal);
        Assert.DoesNotContain("fast test operation", report, StringComparison.Ordinal);
    }
}
