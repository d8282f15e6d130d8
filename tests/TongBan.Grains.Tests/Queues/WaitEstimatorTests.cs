using TongBan.Grains.Queues;
using static TongBan.Grains.Tests.Queues.QueueTestKit;

namespace TongBan.Grains.Tests.Queues;

/// <summary>EWMA of service times, window-equivalents, the wait formula, and predicted-vs-actual accounting.</summary>
public class WaitEstimatorTests
{
    private static readonly QueueRules Rules = QueueRules.Default;

    [Fact]
    public void A_new_category_uses_the_six_minute_prior()
    {
        Assert.Equal(TimeSpan.FromMinutes(6), WaitEstimator.MeanServiceTime(default, Rules));
        Assert.Equal(TimeSpan.FromMinutes(6), NewQueue().MeanServiceTime);
    }

    [Fact]
    public void Observations_move_the_mean_by_alpha_starting_from_the_prior()
    {
        var e = WaitEstimator.Observe(default, TimeSpan.FromMinutes(10), Rules); // 0.2·10 + 0.8·6
        Assert.Equal(6.8, WaitEstimator.MeanServiceTime(e, Rules).TotalMinutes, 9);
        e = WaitEstimator.Observe(e, TimeSpan.FromMinutes(2), Rules);             // 0.2·2 + 0.8·6.8
        Assert.Equal(5.84, WaitEstimator.MeanServiceTime(e, Rules).TotalMinutes, 9);
        Assert.Equal(2, e.Observations);

        var fast = Rules with { ServiceTimeAlpha = 1 };
        Assert.Equal(TimeSpan.FromMinutes(3), WaitEstimator.MeanServiceTime(WaitEstimator.Observe(e, TimeSpan.FromMinutes(3), fast), fast));
    }

    [Fact]
    public void Negative_and_runaway_observations_are_clamped()
    {
        var negative = WaitEstimator.Observe(default, TimeSpan.FromMinutes(-5), Rules);
        Assert.Equal(4.8, WaitEstimator.MeanServiceTime(negative, Rules).TotalMinutes, 9);
        var forgotten = WaitEstimator.Observe(default, TimeSpan.FromHours(9), Rules); // clamped to 120 min
        Assert.Equal((0.2 * 120) + (0.8 * 6), WaitEstimator.MeanServiceTime(forgotten, Rules).TotalMinutes, 9);
    }

    [Fact]
    public void Multi_category_windows_count_fractionally_and_the_hall_total_is_preserved()
    {
        string[][] open = [["A"], ["A"], ["B", "A"], ["D", "A"], ["B"], ["C", "C"]];
        Assert.Equal(3.0, WaitEstimator.ServingWindows("A", open), 9);
        Assert.Equal(1.5, WaitEstimator.ServingWindows("B", open), 9);
        Assert.Equal(1.0, WaitEstimator.ServingWindows("C", open), 9);
        Assert.Equal(0.5, WaitEstimator.ServingWindows("D", open), 9);
        Assert.Equal(0.0, WaitEstimator.ServingWindows("E", open), 9);
        Assert.Equal(open.Length, new[] { "A", "B", "C", "D" }.Sum(c => WaitEstimator.ServingWindows(c, open)), 9);
    }

    [Theory]
    [InlineData(3, 6.0, 2.0, 9)]
    [InlineData(3, 6.0, 1.5, 12)]
    [InlineData(1, 6.0, 4.0, 2)]
    [InlineData(0, 6.0, 1.0, 0)]
    [InlineData(10, 4.5, 3.0, 15)]
    [InlineData(7, 5.0, 0.5, 70)]
    public void Predicted_wait_is_the_ceiling_of_ahead_times_mean_over_windows(int ahead, double meanMinutes, double windows, int expected) =>
        Assert.Equal(expected, WaitEstimator.PredictWaitMinutes(ahead, TimeSpan.FromMinutes(meanMinutes), windows));

    [Fact]
    public void No_serving_window_means_the_wait_is_unknown()
    {
        Assert.Null(WaitEstimator.PredictWaitMinutes(5, TimeSpan.FromMinutes(6), 0));
        var q = NewQueue();
        var status = q.Take(new TicketRequest(TicketKind.WalkIn), 0, At(9, 0)).Value;
        Assert.Null(status.PredictedWaitMinutes);
        Assert.Equal(1, status.Position);
        Assert.Null(q.PredictNewcomerWaitMinutes(0, At(9, 1)));
    }

    [Fact]
    public void Invalid_window_counts_are_programming_errors()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => WaitEstimator.PredictWaitMinutes(1, TimeSpan.FromMinutes(6), -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => NewQueue().Take(new TicketRequest(TicketKind.WalkIn), double.NaN, At(9, 0)));
    }

    [Fact]
    public void Summary_gives_average_nearest_rank_p90_and_mean_absolute_error()
    {
        var samples = Enumerable.Range(1, 10)
            .Select(m => new WaitSample(TimeSpan.FromMinutes(m), m % 2 == 0 ? m + 2 : null))
            .ToList();
        var stats = WaitEstimator.Summarize(samples);
        Assert.Equal(10, stats.Called);
        Assert.Equal(5.5, stats.AverageMinutes!.Value, 9);
        Assert.Equal(9, stats.P90Minutes!.Value, 9);
        Assert.Equal(5, stats.Predicted);
        Assert.Equal(2, stats.MeanAbsoluteErrorMinutes!.Value, 9);
        Assert.Equal(WaitStatistics.Empty, WaitEstimator.Summarize([]));
    }

    [Fact]
    public void Each_ticket_records_its_prediction_at_issue_and_its_position()
    {
        var q = NewQueue();
        var predictions = new List<int?>();
        for (var i = 0; i < 4; i++)
        {
            var status = q.Take(new TicketRequest(TicketKind.WalkIn), 2, At(9, i)).Value;
            Assert.Equal(i + 1, status.Position);
            predictions.Add(status.PredictedWaitMinutes);
            Assert.Equal(status.PredictedWaitMinutes, status.Ticket.PredictedWaitMinutes);
        }

        Assert.Equal([0, 3, 6, 9], predictions); // ahead × 6 min / 2 windows
        Assert.Equal(12, q.PredictNewcomerWaitMinutes(2, At(9, 5)));
    }

    [Fact]
    public void A_priority_newcomer_is_predicted_from_its_own_place_in_line()
    {
        var q = NewQueue();
        for (var i = 0; i < 4; i++)
        {
            _ = q.Take(At(9, i));
        }

        var green = q.Take(new TicketRequest(TicketKind.WalkIn, PriorityClass.GreenChannel), 1, At(9, 5)).Value;
        Assert.Equal((1, 0), (green.Position, green.PredictedWaitMinutes));
    }

    [Fact]
    public void Newcomer_prediction_accounts_for_priorities_beyond_the_anti_starvation_limit()
    {
        var q = NewQueue();
        for (var i = 0; i < 5; i++)
        {
            _ = q.Take(At(9, i), PriorityClass.GreenChannel);
        }

        // With K = 2 a walk-in arriving now is called third, not sixth.
        Assert.Equal(12, q.PredictNewcomerWaitMinutes(1, At(9, 10)));
    }

    [Fact]
    public void Waiting_line_predicts_each_position()
    {
        var q = NewQueue();
        for (var i = 0; i < 3; i++)
        {
            _ = q.Take(At(9, i));
        }

        var line = q.WaitingLine(1.5, At(9, 5));
        Assert.Equal([0, 4, 8], line.Select(s => s.PredictedWaitMinutes));
        Assert.Equal(8, q.Status("A003", 1.5, At(9, 5))!.PredictedWaitMinutes);
    }

    [Fact]
    public void Wait_runs_from_issue_to_first_call_and_is_compared_with_the_prediction()
    {
        var q = NewQueue(rules: NoRecallSpacing);
        _ = q.Take(new TicketRequest(TicketKind.WalkIn), 1, At(9, 0)).Value; // predicted 0
        _ = q.Take(new TicketRequest(TicketKind.WalkIn), 1, At(9, 0)).Value; // predicted 6
        _ = q.Take(new TicketRequest(TicketKind.WalkIn), 0, At(9, 0)).Value; // no window: no prediction
        _ = q.Take(new TicketRequest(TicketKind.WalkIn), 1, At(9, 0)).Value; // predicted 18, never called

        _ = q.CallNext(1, At(9, 4)).Value;                                     // waited 4, error 4
        _ = q.Skip("A001", 1, At(9, 5)).Value;
        _ = q.CallNext(1, At(9, 10)).Value;                                    // A002 waited 10, error 4
        _ = q.Cancel("A002", At(9, 11)).Value;
        _ = q.CallNext(1, At(9, 12)).Value;                                    // A003 waited 12, unscored
        _ = q.Cancel("A003", At(9, 12)).Value;
        _ = q.Cancel("A004", At(9, 13)).Value;

        var stats = q.WaitStatistics;
        Assert.Equal(3, stats.Called);
        Assert.Equal((4 + 10 + 12) / 3.0, stats.AverageMinutes!.Value, 9);
        Assert.Equal(12, stats.P90Minutes!.Value, 9);
        Assert.Equal(2, stats.Predicted);
        Assert.Equal(4, stats.MeanAbsoluteErrorMinutes!.Value, 9);
        Assert.Equal(At(9, 4), q.Find("A001")!.FirstCalledAt); // the skip does not restart the wait
    }

    [Fact]
    public void A_transferred_ticket_waits_in_the_receiving_queue_from_its_arrival()
    {
        var a = NewQueue("A");
        var b = NewQueue("B");
        var number = a.Take(At(9, 0));
        _ = a.CallNext(1, At(9, 20)).Value;
        _ = b.Accept(a.TransferOut(number, 1, "B", null, At(9, 21)).Value, 1, At(9, 22)).Value;
        _ = b.CallNext(5, At(9, 25)).Value;

        Assert.Equal(20, a.WaitStatistics.AverageMinutes!.Value, 9);
        Assert.Equal(3, b.WaitStatistics.AverageMinutes!.Value, 9);
    }

    [Fact]
    public void Finished_services_feed_the_estimate_which_feeds_later_predictions()
    {
        var q = NewQueue();
        var number = q.Take(At(9, 0));
        _ = q.CallNext(1, At(9, 0)).Value;
        _ = q.Start(number, 1, At(9, 0)).Value;
        _ = q.Finish(number, 1, At(9, 16)).Value; // 0.2·16 + 0.8·6 = 8 minutes

        Assert.Equal(8, q.MeanServiceTime.TotalMinutes, 9);
        _ = q.Take(At(9, 17));
        Assert.Equal(8, q.Take(new TicketRequest(TicketKind.WalkIn), 1, At(9, 17)).Value.PredictedWaitMinutes);
    }
}
