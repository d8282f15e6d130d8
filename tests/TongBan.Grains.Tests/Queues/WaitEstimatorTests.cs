using TongBan.Grains.Queues;
using static TongBan.Grains.Tests.Queues.QueueTestKit;

namespace TongBan.Grains.Tests.Queues;

/// <summary>Service-time estimate (floor, prior, trimmed mean), capacity shares, no-window, the wait formula, predicted-vs-actual accounting and rounding.</summary>
[Trait("Category", "Unit")]
public class WaitEstimatorTests
{
    private static readonly QueueRules Rules = QueueRules.Default;

    [Fact]
    public void A_new_category_uses_the_six_minute_prior()
    {
        Assert.Equal(TimeSpan.FromMinutes(6), WaitEstimator.MeanServiceTime(default, Rules));
        Assert.Equal(TimeSpan.FromMinutes(6), NewQueue().MeanServiceTime);
        Assert.Equal(TimeSpan.FromMinutes(6), WaitEstimator.EstimateServiceTime([], default, Rules.PriorServiceTimeFor("F"), Rules));
    }

    [Fact]
    public void A_configured_category_prior_applies_until_there_are_enough_samples()
    {
        var rules = Rules with { CategoryPriorServiceTimes = Rules.CategoryPriorServiceTimes.Add("F", TimeSpan.FromMinutes(20)) };
        var q = NewQueue("F", rules);
        Assert.Equal(TimeSpan.FromMinutes(20), q.MeanServiceTime);
        Assert.Equal(TimeSpan.FromMinutes(6), NewQueue("A", rules).MeanServiceTime);

        for (var i = 0; i < 4; i++)
        {
            Serve(q, At(9, i * 10), TimeSpan.FromMinutes(4));
        }

        Assert.Equal((4, TimeSpan.FromMinutes(20)), (q.ServiceSamples, q.MeanServiceTime)); // 4 < 5 samples: still the prior
        Serve(q, At(9, 50), TimeSpan.FromMinutes(4));
        Assert.Equal((5, TimeSpan.FromMinutes(4)), (q.ServiceSamples, q.MeanServiceTime));
    }

    [Fact]
    public void Services_shorter_than_the_floor_are_not_samples()
    {
        var q = NewQueue();
        for (var i = 0; i < 5; i++)
        {
            Serve(q, At(9, i * 10), TimeSpan.FromMinutes(5));
        }

        // Six instant start/finish clicks (and one of 29 s) once dragged a mean to 1.57 min; now they change nothing.
        for (var i = 0; i < 6; i++)
        {
            Serve(q, At(10, i), TimeSpan.Zero);
        }

        Serve(q, At(10, 30), TimeSpan.FromSeconds(29));
        Assert.Equal((5, TimeSpan.FromMinutes(5)), (q.ServiceSamples, q.MeanServiceTime));

        var samples = new List<int>();
        Assert.False(WaitEstimator.RecordService(samples, TimeSpan.FromSeconds(29), Rules));
        Assert.True(WaitEstimator.RecordService(samples, TimeSpan.FromSeconds(30), Rules));
        Assert.True(WaitEstimator.RecordService(samples, TimeSpan.FromHours(9), Rules)); // a forgotten finish: clamped to 2 h
        Assert.Equal([30, 7200], samples);
    }

    [Fact]
    public void The_sample_window_keeps_only_the_newest_services()
    {
        var rules = Rules with { ServiceSampleWindow = 3 };
        var samples = new List<int>();
        foreach (var minutes in new[] { 1, 2, 3, 4, 5 })
        {
            WaitEstimator.RecordService(samples, TimeSpan.FromMinutes(minutes), rules);
        }

        Assert.Equal([180, 240, 300], samples);
    }

    [Fact]
    public void The_estimate_is_a_trimmed_mean_that_one_outlier_does_not_swing()
    {
        // Ten services of 5 min and one forgotten finish of 2 h: the mean would be 15.5 min, the trimmed mean stays 5.
        int[] seconds = [.. Enumerable.Repeat(300, 10), 7200];
        Assert.Equal(300, WaitEstimator.TrimmedMean(seconds, 0.1), 9);
        Assert.Equal(TimeSpan.FromMinutes(5), WaitEstimator.EstimateServiceTime(seconds, default, TimeSpan.FromMinutes(6), Rules));

        // floor(10 × 0.1) = 1 dropped each side: mean of 2..9.
        Assert.Equal(5.5, WaitEstimator.TrimmedMean([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.1), 9);

        // At least one each side from 5 values; none with no trim; a single value is its own mean.
        Assert.Equal(3, WaitEstimator.TrimmedMean([100, 2, 3, 4, 1], 0.1), 9);
        Assert.Equal(22, WaitEstimator.TrimmedMean([100, 2, 3, 4, 1], 0), 9);
        Assert.Equal(7, WaitEstimator.TrimmedMean([7], 0.1), 9);
        Assert.Equal(4.5, WaitEstimator.TrimmedMean([4, 5], 0.1), 9);
    }

    [Fact]
    public void A_stored_ewma_seeds_the_estimate_until_the_category_has_its_own_samples()
    {
        var fromOldCode = new ServiceTimeEstimate(9 * 60, 40);
        var prior = TimeSpan.FromMinutes(6);
        Assert.Equal(TimeSpan.FromMinutes(9), WaitEstimator.EstimateServiceTime([], fromOldCode, prior, Rules));
        Assert.Equal(TimeSpan.FromMinutes(9), WaitEstimator.EstimateServiceTime([120, 120, 120, 120], fromOldCode, prior, Rules));
        Assert.Equal(TimeSpan.FromMinutes(2), WaitEstimator.EstimateServiceTime([120, 120, 120, 120, 120], fromOldCode, prior, Rules));

        // An EWMA of a few observations, or one dragged below the floor by instant clicks, is not trusted: the prior applies.
        Assert.Equal(prior, WaitEstimator.EstimateServiceTime([], new ServiceTimeEstimate(9 * 60, 2), prior, Rules));
        Assert.Equal(prior, WaitEstimator.EstimateServiceTime([], new ServiceTimeEstimate(20, 40), prior, Rules));
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
        foreach (var minutes in new[] { 7, 8, 8, 8, 30 })
        {
            Serve(q, At(9, 0), TimeSpan.FromMinutes(minutes));
        }

        Assert.Equal(8, q.MeanServiceTime.TotalMinutes, 9); // 7 and 30 trimmed
        _ = q.Take(At(11, 0));
        Assert.Equal(8, q.Take(new TicketRequest(TicketKind.WalkIn), 1, At(11, 0)).Value.PredictedWaitMinutes);
    }

    [Fact]
    public void A_window_counts_for_each_category_by_its_measured_share()
    {
        // No history: the even split (the prior). The shares of a window always add up to one window.
        var fresh = new WindowLoad(["E", "A"]);
        Assert.Equal(0.5, WaitEstimator.ServingShare("E", fresh, Rules), 9);

        // It served 16 A and 0 E lately: (0 + 4/2) / (16 + 4) = 0.1 for E, 0.9 for A, not 0.5 each.
        var busyWithA = new WindowLoad(["E", "A"], [.. Enumerable.Repeat("A", 16)]);
        Assert.Equal(0.1, WaitEstimator.ServingShare("E", busyWithA, Rules), 9);
        Assert.Equal(0.9, WaitEstimator.ServingShare("A", busyWithA, Rules), 9);
        Assert.Equal(0.0, WaitEstimator.ServingShare("B", busyWithA, Rules), 9);

        // Only the last WindowShareSamples services count, and only in categories the window still lists.
        var rules = Rules with { WindowShareSamples = 4 };
        var changed = new WindowLoad(["E", "A"], ["A", "A", "A", "A", "B", "E", "E", "B", "E", "A"]);
        Assert.Equal((3 + 2) / (4 + 4.0), WaitEstimator.ServingShare("E", changed, rules), 9); // E, E, E, A counted (B skipped)

        WindowLoad[] open = [busyWithA, fresh, new(["A"], ["A", "A"]), new(["C"])];
        Assert.Equal(0.1 + 0.5, WaitEstimator.ServingWindows("E", open, Rules), 9);
        Assert.Equal(0.9 + 0.5 + 1, WaitEstimator.ServingWindows("A", open, Rules), 9);
        Assert.Equal(open.Length, new[] { "A", "C", "E" }.Sum(c => WaitEstimator.ServingWindows(c, open, Rules)), 9);
        Assert.Equal((2, 3, 1, 0), (
            WaitEstimator.ServingWindowCount("E", open), WaitEstimator.ServingWindowCount("A", open),
            WaitEstimator.ServingWindowCount("C", open), WaitEstimator.ServingWindowCount("B", open)));
    }

    [Fact]
    public void A_line_no_open_window_serves_has_no_prediction_not_zero()
    {
        WindowLoad[] open = [new(["A"], ["A"]), new(["B", "A"])];
        var capacity = WaitEstimator.ServingWindows("C", open, Rules);
        Assert.Equal(0, capacity);
        var q = NewQueue("C");
        _ = q.Take(At(9, 0));
        Assert.Null(q.PredictNewcomerWaitMinutes(capacity, At(9, 1)));
        Assert.All(q.WaitingLine(capacity, At(9, 1)), t => Assert.Null(t.PredictedWaitMinutes));
    }

    [Fact]
    public void Published_statistics_are_whole_minutes_and_the_error_needs_enough_tickets()
    {
        var exact = new WaitStatistics(7, 0.255477535, 12.5, 1, 3.49, 3.49);
        var published = exact.Published(Rules);
        Assert.Equal(new WaitStatistics(7, 0, 13, 1, null, null), published); // one of seven tickets: no error published

        var samples = Enumerable.Range(1, 10).Select(m => new WaitSample(TimeSpan.FromMinutes(m), m + (m % 3))).ToList();
        var stats = WaitEstimator.Summarize(samples);
        Assert.Equal(10, stats.Predicted);
        Assert.Equal(1.0, stats.MeanAbsoluteErrorMinutes!.Value, 9); // |errors| 1,2,0,1,2,0,1,2,0,1
        Assert.Equal(2.0, stats.P90AbsoluteErrorMinutes!.Value, 9);
        Assert.Equal((1.0, 2.0), (stats.Published(Rules).MeanAbsoluteErrorMinutes, stats.Published(Rules).P90AbsoluteErrorMinutes));
        Assert.Null(stats.Published(Rules with { MinErrorSamples = 11 }).MeanAbsoluteErrorMinutes);

        Assert.Equal(97.3, TongBan.Grains.Common.PublishedFigures.Percent(97.25));
        Assert.Equal(3.0, TongBan.Grains.Common.PublishedFigures.Minutes(2.5));
        Assert.Null(TongBan.Grains.Common.PublishedFigures.Minutes((double?)null));
    }

    /// <summary>Takes a ticket, calls it at window 1 and serves it for <paramref name="service"/>.</summary>
    private static void Serve(CategoryQueue q, DateTimeOffset at, TimeSpan service)
    {
        var number = q.Take(at);
        var called = q.CallNext(1, at).Value!;
        Assert.Equal(number, called.Number);
        _ = q.Start(number, 1, at).Value;
        _ = q.Finish(number, 1, at + service).Value;
    }
}
