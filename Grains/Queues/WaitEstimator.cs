namespace TongBan.Grains.Queues;

/// <summary>
/// Exponentially weighted mean of observed service times (start → finish) of one category.
/// <see cref="Observations"/> = 0 means "no data yet": the prior of <see cref="QueueRules.PriorServiceTime"/> applies.
/// </summary>
[GenerateSerializer, Immutable]
public readonly record struct ServiceTimeEstimate(
    [property: Id(0)] double MeanSeconds,
    [property: Id(1)] int Observations);

/// <summary>One called ticket: how long it actually waited and what was predicted when it entered the queue.</summary>
public readonly record struct WaitSample(TimeSpan Actual, int? PredictedMinutes);

/// <summary>
/// Wait figures of the day for one category, over tickets that were called (a ticket's wait ends at its
/// first call; tickets cancelled or left in line never finish waiting and are not counted).
/// </summary>
/// <param name="Called">Tickets whose wait ended.</param>
/// <param name="P90Minutes">Nearest-rank 90th percentile: the smallest wait that at least 90% of called tickets did not exceed.</param>
/// <param name="Predicted">Called tickets that had a prediction (none is made while no window serves the category).</param>
/// <param name="MeanAbsoluteErrorMinutes">Mean of |predicted − actual| over <see cref="Predicted"/> tickets.</param>
[GenerateSerializer, Immutable]
public sealed record WaitStatistics(
    [property: Id(0)] int Called,
    [property: Id(1)] double? AverageMinutes,
    [property: Id(2)] double? P90Minutes,
    [property: Id(3)] int Predicted,
    [property: Id(4)] double? MeanAbsoluteErrorMinutes)
{
    public static readonly WaitStatistics Empty = new(0, null, null, 0, null);
}

/// <summary>
/// Wait estimation (等候时间预测). The wait of a ticket starts when it enters the queue (issue, check-in or
/// transfer in) and ends when a window first calls it. The prediction for a ticket with <c>ahead</c>
/// tickets projected to be called before it is
/// <c>ceil(ahead × mean service time / serving windows)</c> minutes, where the mean is an EWMA of
/// observed start → finish durations and serving windows is <see cref="ServingWindows"/>.
/// With no serving window the wait is unknown (null): the API should send <c>predictedWaitMinutes: null</c>
/// and the UI show "暂无窗口服务 / no window serving now", never 0.
/// </summary>
public static class WaitEstimator
{
    private const double Epsilon = 1e-9;

    public static TimeSpan MeanServiceTime(ServiceTimeEstimate estimate, QueueRules rules) =>
        estimate.Observations == 0 ? rules.PriorServiceTime : TimeSpan.FromSeconds(estimate.MeanSeconds);

    /// <summary>
    /// Folds one observed service time into the EWMA: <c>mean ← α·x + (1−α)·mean</c>, starting from the
    /// prior, so the first observations move a new category's estimate gradually rather than jumping.
    /// Negative durations (clock skew between silos) count as 0; long ones are clamped to
    /// <see cref="QueueRules.MaxServiceObservation"/>.
    /// </summary>
    public static ServiceTimeEstimate Observe(ServiceTimeEstimate estimate, TimeSpan serviceTime, QueueRules rules)
    {
        var x = Math.Clamp(serviceTime.TotalSeconds, 0, rules.MaxServiceObservation.TotalSeconds);
        var mean = MeanServiceTime(estimate, rules).TotalSeconds;
        var next = (rules.ServiceTimeAlpha * x) + ((1 - rules.ServiceTimeAlpha) * mean);
        return new ServiceTimeEstimate(next, estimate.Observations + 1);
    }

    /// <summary>
    /// Window-equivalents serving <paramref name="category"/>: each open window (paused and closed
    /// windows are not passed in) contributes <c>1/n</c> to each of the <c>n</c> distinct categories it
    /// lists. A split, rather than counting a multi-category window fully everywhere, keeps the hall's
    /// total equal to its open windows, so the sum of the category estimates never promises more
    /// capacity than there is. The price: a department window that serves its own category first and
    /// falls back to A is counted as half a window for each, which slightly overestimates the department
    /// wait and underestimates A's; the MAE published per category shows how much that costs.
    /// </summary>
    public static double ServingWindows(string category, IEnumerable<IReadOnlyCollection<string>> openWindowCategories)
    {
        ArgumentNullException.ThrowIfNull(category);
        ArgumentNullException.ThrowIfNull(openWindowCategories);
        var total = 0.0;
        foreach (var categories in openWindowCategories)
        {
            var distinct = 0;
            var lists = false;
            foreach (var c in categories.Distinct(StringComparer.Ordinal))
            {
                distinct++;
                lists |= string.Equals(c, category, StringComparison.Ordinal);
            }

            if (lists)
            {
                total += 1.0 / distinct;
            }
        }

        return total;
    }

    /// <summary>
    /// <c>ceil(ahead × mean / servingWindows)</c> in whole minutes; null when <paramref name="servingWindows"/> is 0.
    /// The ticket at the head (ahead = 0) is predicted 0: it is called as soon as a window is free.
    /// </summary>
    public static int? PredictWaitMinutes(int ahead, TimeSpan meanServiceTime, double servingWindows)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(ahead);
        CheckServingWindows(servingWindows);
        if (servingWindows < Epsilon)
        {
            return null;
        }

        var minutes = ahead * meanServiceTime.TotalMinutes / servingWindows;
        return (int)Math.Ceiling(minutes - Epsilon); // 3 × 6 / 1.5 must give 12, not 13 from rounding noise
    }

    /// <summary>Average, nearest-rank p90 and prediction MAE of a day's called tickets.</summary>
    public static WaitStatistics Summarize(IReadOnlyCollection<WaitSample> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.Count == 0)
        {
            return WaitStatistics.Empty;
        }

        var actual = new double[samples.Count];
        var i = 0;
        var predicted = 0;
        var absError = 0.0;
        foreach (var s in samples)
        {
            var minutes = Math.Max(0, s.Actual.TotalMinutes);
            actual[i++] = minutes;
            if (s.PredictedMinutes is { } p)
            {
                predicted++;
                absError += Math.Abs(p - minutes);
            }
        }

        Array.Sort(actual);
        var rank = (int)Math.Ceiling(0.9 * actual.Length); // nearest-rank, 1-based
        return new WaitStatistics(
            actual.Length,
            actual.Average(),
            actual[rank - 1],
            predicted,
            predicted == 0 ? null : absError / predicted);
    }

    internal static void CheckServingWindows(double servingWindows)
    {
        if (!double.IsFinite(servingWindows) || servingWindows < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(servingWindows), servingWindows, "Serving windows must be a finite number ≥ 0.");
        }
    }
}
