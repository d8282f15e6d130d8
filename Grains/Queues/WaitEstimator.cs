using TongBan.Grains.Common;

namespace TongBan.Grains.Queues;

/// <summary>
/// Exponentially weighted mean of observed service times (start → finish) of one category, as code before the robust
/// estimator kept it (no longer updated). A stored state that has one seeds <see cref="WaitEstimator.EstimateServiceTime"/>
/// until the category has enough samples of its own.
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
/// <param name="Predicted">
/// Called tickets that had a prediction (none is made while no window serves the category): the number of tickets
/// the estimate error rests on.
/// </param>
/// <param name="MeanAbsoluteErrorMinutes">Mean of |predicted − actual| over <see cref="Predicted"/> tickets.</param>
/// <param name="P90AbsoluteErrorMinutes">Nearest-rank 90th percentile of |predicted − actual| over <see cref="Predicted"/> tickets.</param>
[GenerateSerializer, Immutable]
public sealed record WaitStatistics(
    [property: Id(0)] int Called,
    [property: Id(1)] double? AverageMinutes,
    [property: Id(2)] double? P90Minutes,
    [property: Id(3)] int Predicted,
    [property: Id(4)] double? MeanAbsoluteErrorMinutes,
    [property: Id(5)] double? P90AbsoluteErrorMinutes = null)
{
    public static readonly WaitStatistics Empty = new(0, null, null, 0, null);

    /// <summary>
    /// The figures as published: waits and errors in whole minutes; the error (MAE, p90 of |error|) only once it
    /// rests on <see cref="QueueRules.MinErrorSamples"/> predicted tickets (null before; <see cref="Predicted"/> says
    /// how many it has). Internal uses (roll-ups, the day archive) keep the full precision.
    /// </summary>
    public WaitStatistics Published(QueueRules rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        var scored = Predicted >= Math.Max(1, rules.MinErrorSamples);
        return new WaitStatistics(
            Called,
            PublishedFigures.Minutes(AverageMinutes),
            PublishedFigures.Minutes(P90Minutes),
            Predicted,
            scored ? PublishedFigures.Minutes(MeanAbsoluteErrorMinutes) : null,
            scored ? PublishedFigures.Minutes(P90AbsoluteErrorMinutes) : null);
    }
}

/// <summary>An open window as the capacity estimate needs it: the categories it serves and what it served lately.</summary>
/// <param name="Categories">The categories the window serves, in preference order.</param>
/// <param name="RecentServed">Categories of its recent services, oldest first (null or empty: none yet).</param>
public readonly record struct WindowLoad(IReadOnlyCollection<string> Categories, IReadOnlyList<string>? RecentServed = null);

/// <summary>
/// Wait estimation (等候时间预测). The wait of a ticket starts when it enters the queue (issue, check-in or
/// transfer in) and ends when a window first calls it. The prediction for a ticket with <c>ahead</c>
/// tickets projected to be called before it is <c>ceil(ahead × service time / capacity)</c> minutes, where
/// <list type="bullet">
/// <item>the service time is a trimmed mean of the category's recent services (<see cref="EstimateServiceTime"/>):
/// services shorter than <see cref="QueueRules.MinServiceObservation"/> are not services, and until there are
/// <see cref="QueueRules.MinServiceSamples"/> the category's prior applies;</item>
/// <item>the capacity is the sum, over the open windows serving the category, of each window's measured share
/// of it (<see cref="ServingWindows(string, IEnumerable{WindowLoad}, QueueRules)"/>).</item>
/// </list>
/// With no serving window the wait is unknown (null): the API sends <c>predictedWaitMinutes: null</c> with
/// <c>noWindow: true</c> when tickets wait, and the UI shows 无窗口办理, never 0.
/// </summary>
public static class WaitEstimator
{
    private const double Epsilon = 1e-9;

    /// <summary>The EWMA of code before this estimator, or the default prior (kept for stored states and old callers).</summary>
    public static TimeSpan MeanServiceTime(ServiceTimeEstimate estimate, QueueRules rules) =>
        estimate.Observations == 0 ? rules.PriorServiceTime : TimeSpan.FromSeconds(estimate.MeanSeconds);

    /// <summary>
    /// Folds one observation into the EWMA of code before this estimator: <c>mean ← α·x + (1−α)·mean</c>, starting
    /// from the prior. No longer called by the queue; kept for the migration tests of stored states.
    /// </summary>
    public static ServiceTimeEstimate Observe(ServiceTimeEstimate estimate, TimeSpan serviceTime, QueueRules rules)
    {
        var x = Math.Clamp(serviceTime.TotalSeconds, 0, rules.MaxServiceObservation.TotalSeconds);
        var mean = MeanServiceTime(estimate, rules).TotalSeconds;
        var next = (rules.ServiceTimeAlpha * x) + ((1 - rules.ServiceTimeAlpha) * mean);
        return new ServiceTimeEstimate(next, estimate.Observations + 1);
    }

    /// <summary>
    /// Adds one finished service (all serving sessions, start → finish) to the category's recent samples, in whole
    /// seconds, keeping the newest <see cref="QueueRules.ServiceSampleWindow"/>. A service shorter than
    /// <see cref="QueueRules.MinServiceObservation"/> is not a service (an instant start/finish click) and is not
    /// recorded (returns false); one longer than <see cref="QueueRules.MaxServiceObservation"/> (a forgotten finish) is clamped.
    /// </summary>
    public static bool RecordService(List<int> recentSeconds, TimeSpan serviceTime, QueueRules rules)
    {
        ArgumentNullException.ThrowIfNull(recentSeconds);
        ArgumentNullException.ThrowIfNull(rules);
        if (serviceTime < rules.MinServiceObservation || serviceTime <= TimeSpan.Zero)
        {
            return false;
        }

        var seconds = Math.Min(serviceTime.TotalSeconds, rules.MaxServiceObservation.TotalSeconds);
        recentSeconds.Add((int)Math.Round(seconds, MidpointRounding.AwayFromZero));
        if (recentSeconds.Count > rules.ServiceSampleWindow)
        {
            recentSeconds.RemoveRange(0, recentSeconds.Count - rules.ServiceSampleWindow);
        }

        return true;
    }

    /// <summary>
    /// The category's service time: with at least <see cref="QueueRules.MinServiceSamples"/> recent samples, their
    /// trimmed mean (<see cref="TrimmedMean"/>); else, for a state written by code before this estimator, its EWMA
    /// when that rests on enough observations and is not below the floor; else <paramref name="prior"/>.
    /// A trimmed mean rather than the median: waits add up service times, so the estimate must follow the mean of a
    /// right-skewed distribution, while one forgotten finish or one 40-minute case should not swing it.
    /// </summary>
    public static TimeSpan EstimateServiceTime(IReadOnlyList<int> recentSeconds, ServiceTimeEstimate legacy, TimeSpan prior, QueueRules rules)
    {
        ArgumentNullException.ThrowIfNull(recentSeconds);
        ArgumentNullException.ThrowIfNull(rules);
        if (recentSeconds.Count >= rules.MinServiceSamples)
        {
            return TimeSpan.FromSeconds(TrimmedMean(recentSeconds, rules.ServiceTrimFraction));
        }

        if (legacy.Observations >= rules.MinServiceSamples && legacy.MeanSeconds >= rules.MinServiceObservation.TotalSeconds)
        {
            return TimeSpan.FromSeconds(Math.Min(legacy.MeanSeconds, rules.MaxServiceObservation.TotalSeconds));
        }

        return prior;
    }

    /// <summary>
    /// Mean after dropping the <c>floor(n × fraction)</c> smallest and largest values (at least one each side when
    /// <paramref name="trimFraction"/> &gt; 0 and at least three values remain).
    /// </summary>
    public static double TrimmedMean(IReadOnlyList<int> values, double trimFraction)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
        {
            throw new ArgumentException("No values.", nameof(values));
        }

        var sorted = values.ToArray();
        Array.Sort(sorted);
        var trim = trimFraction <= 0 ? 0 : Math.Max(1, (int)(sorted.Length * trimFraction));
        if (sorted.Length - (2 * trim) < 1)
        {
            trim = (sorted.Length - 1) / 2;
        }

        var sum = 0.0;
        for (var i = trim; i < sorted.Length - trim; i++)
        {
            sum += sorted[i];
        }

        return sum / (sorted.Length - (2 * trim));
    }

    /// <summary>
    /// Window-equivalents serving <paramref name="category"/> when every window is split evenly over the categories it
    /// lists (the prior of <see cref="ServingShare"/>; a window with no recent services counts this way).
    /// </summary>
    public static double ServingWindows(string category, IEnumerable<IReadOnlyCollection<string>> openWindowCategories)
    {
        ArgumentNullException.ThrowIfNull(openWindowCategories);
        return ServingWindows(category, openWindowCategories.Select(c => new WindowLoad(c)), QueueRules.Default);
    }

    /// <summary>
    /// Capacity for <paramref name="category"/>: the sum of <see cref="ServingShare"/> over the open windows (paused and
    /// closed windows are not passed in). The shares of a window add up to 1, so the hall's total stays equal to its
    /// open windows and the category estimates together never promise more capacity than there is.
    /// </summary>
    public static double ServingWindows(string category, IEnumerable<WindowLoad> openWindows, QueueRules rules)
    {
        ArgumentNullException.ThrowIfNull(category);
        ArgumentNullException.ThrowIfNull(openWindows);
        var total = 0.0;
        foreach (var w in openWindows)
        {
            total += ServingShare(category, w, rules);
        }

        return total;
    }

    /// <summary>
    /// The share of one window's capacity that goes to <paramref name="category"/>: of its last
    /// <see cref="QueueRules.WindowShareSamples"/> services in categories it still lists, the fraction in this one,
    /// starting from an even split over its <c>n</c> listed categories weighted as
    /// <see cref="QueueRules.WindowSharePriorWeight"/> services: <c>(served in c + w/n) / (served + w)</c>.
    /// A window listing E and A that serves only A drifts towards counting as a whole window for A and little for E,
    /// instead of half of each whatever it does. 0 when the window does not list the category.
    /// </summary>
    public static double ServingShare(string category, WindowLoad window, QueueRules rules)
    {
        ArgumentNullException.ThrowIfNull(category);
        ArgumentNullException.ThrowIfNull(rules);
        var listed = window.Categories?.Distinct(StringComparer.Ordinal).ToList() ?? [];
        if (!listed.Contains(category, StringComparer.Ordinal))
        {
            return 0;
        }

        var served = 0;
        var inCategory = 0;
        if (window.RecentServed is { Count: > 0 } recent)
        {
            for (var i = recent.Count - 1; i >= 0 && served < rules.WindowShareSamples; i--)
            {
                if (!listed.Contains(recent[i], StringComparer.Ordinal))
                {
                    continue; // a category the window no longer serves says nothing about today's split
                }

                served++;
                if (string.Equals(recent[i], category, StringComparison.Ordinal))
                {
                    inCategory++;
                }
            }
        }

        var w = rules.WindowSharePriorWeight;
        return (inCategory + (w / listed.Count)) / (served + w);
    }

    /// <summary>Whole open windows that list <paramref name="category"/> (the published window count; capacity stays fractional inside).</summary>
    public static int ServingWindowCount(string category, IEnumerable<WindowLoad> openWindows)
    {
        ArgumentNullException.ThrowIfNull(openWindows);
        return openWindows.Count(w => w.Categories.Contains(category, StringComparer.Ordinal));
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
        var errors = new List<double>();
        var i = 0;
        var absError = 0.0;
        foreach (var s in samples)
        {
            var minutes = Math.Max(0, s.Actual.TotalMinutes);
            actual[i++] = minutes;
            if (s.PredictedMinutes is { } p)
            {
                var e = Math.Abs(p - minutes);
                errors.Add(e);
                absError += e;
            }
        }

        Array.Sort(actual);
        errors.Sort();
        return new WaitStatistics(
            actual.Length,
            actual.Average(),
            P90(actual),
            errors.Count,
            errors.Count == 0 ? null : absError / errors.Count,
            errors.Count == 0 ? null : P90(errors));
    }

    /// <summary>Nearest-rank 90th percentile of sorted values: the smallest that at least 90 % do not exceed.</summary>
    private static double P90(IReadOnlyList<double> sorted) => sorted[(int)Math.Ceiling(0.9 * sorted.Count) - 1];

    internal static void CheckServingWindows(double servingWindows)
    {
        if (!double.IsFinite(servingWindows) || servingWindows < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(servingWindows), servingWindows, "Serving windows must be a finite number ≥ 0.");
        }
    }
}
