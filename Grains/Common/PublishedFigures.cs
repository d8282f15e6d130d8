namespace TongBan.Grains.Common;

/// <summary>
/// Rounding of published figures to what a person reads: minutes whole, percentages with one decimal, window
/// counts whole. Computations keep full precision; only the answers and pushes are rounded.
/// </summary>
public static class PublishedFigures
{
    /// <summary>Whole minutes (half away from zero: 2.5 → 3), still a number; null stays null.</summary>
    public static double? Minutes(double? minutes) =>
        minutes is { } m ? Math.Round(m, 0, MidpointRounding.AwayFromZero) : null;

    /// <summary>Whole minutes of a duration.</summary>
    public static double Minutes(TimeSpan duration) => Math.Round(duration.TotalMinutes, 0, MidpointRounding.AwayFromZero);

    /// <summary>A percentage (0–100) with one decimal.</summary>
    public static double? Percent(double? percent) =>
        percent is { } p ? Math.Round(p, 1, MidpointRounding.AwayFromZero) : null;
}
