using TongBan.Grains.Queues;
using static TongBan.Grains.Tests.Queues.QueueTestKit;

namespace TongBan.Grains.Tests.Queues;

/// <summary>The midnight roll-over: a compact summary replaces the day's tickets; the service-time estimate survives.</summary>
[Trait("Category", "Unit")]
public class DaySummaryTests
{
    [Fact]
    public void Roll_over_summarises_the_day_and_drops_its_tickets()
    {
        var a = NewQueue("A", NoRecallSpacing);
        var b = NewQueue("B");
        for (var i = 0; i < 6; i++)
        {
            _ = a.Take(At(9, i));
        }

        _ = a.CallAndFinish(1, At(9, 10));                       // A001 served after 10 min
        _ = a.CallAndFinish(1, At(9, 21));                       // A002 served after 20 min
        _ = a.CallNext(1, At(9, 22)).Value;                      // A003 no-show after 20 min
        for (var i = 0; i < 3; i++)
        {
            _ = a.Recall("A003", 1, At(9, 23)).Value;
        }

        _ = a.MarkNoShow("A003", 1, At(9, 24)).Value;
        _ = a.Cancel("A004", At(9, 25)).Value;
        _ = b.Accept(a.TransferOut("A005", null, "B", null, At(9, 26)).Value, 1, At(9, 26)).Value;
        // A006 is still waiting at closing time.

        var summary = a.RollOver(At(0, 0).AddDays(1));
        Assert.NotNull(summary);
        Assert.Equal(new DateOnly(2025, 3, 10), summary.Day);
        Assert.Equal(("A", 6, 0, 2, 1, 1, 1, 1), (summary.Category, summary.Issued, summary.Received, summary.Served, summary.NoShows, summary.Cancelled, summary.TransferredOut, summary.Unfinished));
        Assert.True(summary.AddsUp);
        Assert.Equal(3, summary.Waits.Called);
        Assert.Equal(50 / 3.0, summary.Waits.AverageMinutes!.Value, 9);
        Assert.Equal(20, summary.Waits.P90Minutes!.Value, 9);
        Assert.NotNull(summary.Waits.MeanAbsoluteErrorMinutes);
        Assert.Equal(a.MeanServiceTime.TotalMinutes, summary.MeanServiceMinutes, 9);

        Assert.Equal(summary, a.LastClosedDay);
        Assert.Null(a.Find("A001"));
        Assert.Equal(new QueueCounts(0, 0, 0, 0, 0, 0, 0, 0, 0, 0), a.Counts);
        Assert.Equal(WaitStatistics.Empty, a.WaitStatistics);
        Assert.Equal(new DateOnly(2025, 3, 11), a.Day);
    }

    [Fact]
    public void Roll_over_keeps_the_service_time_estimate()
    {
        var q = NewQueue(rules: QueueRules.Default with { MinServiceSamples = 1 });
        var number = q.Take(At(9, 0));
        _ = q.CallNext(1, At(9, 0)).Value;
        _ = q.Start(number, 1, At(9, 0)).Value;
        _ = q.Finish(number, 1, At(9, 16)).Value;

        _ = q.RollOver(At(9, 0).AddDays(1));
        Assert.Equal(16, q.MeanServiceTime.TotalMinutes, 9);
    }

    [Fact]
    public void Any_command_on_a_later_day_rolls_over_first()
    {
        var q = NewQueue();
        _ = q.Take(At(9, 0));
        _ = q.Take(At(9, 1));
        var next = q.Take(new TicketRequest(TicketKind.WalkIn), 1, At(8, 30).AddDays(3)).Value;

        Assert.Equal("A001", next.Ticket.Number);
        Assert.Equal(new DateOnly(2025, 3, 10), q.LastClosedDay!.Day);
        Assert.Equal(2, q.LastClosedDay.Unfinished);
        Assert.Equal(1, q.Counts.Issued);
    }

    [Fact]
    public void Roll_over_on_the_same_day_does_nothing()
    {
        var q = NewQueue();
        Assert.Null(q.RollOver(At(0, 0)));   // first use: starts the day
        _ = q.Take(At(9, 0));
        Assert.Null(q.RollOver(At(23, 59, 59)));
        Assert.Equal(1, q.Counts.Issued);
        Assert.Null(q.LastClosedDay);
    }

    [Fact]
    public void An_idle_day_closes_with_a_zero_summary()
    {
        var q = NewQueue();
        _ = q.RollOver(At(8, 0));
        var summary = q.RollOver(At(8, 0).AddDays(1))!;
        Assert.Equal((0, 0), (summary.Issued, summary.Unfinished));
        Assert.Equal(WaitStatistics.Empty, summary.Waits);
        Assert.True(summary.AddsUp);
    }
}
