using System.Globalization;

namespace TongBan.Grains.Ratings;

/// <summary>
/// The five 好差评 levels (GB/T 39734-2020): 5 非常满意, 4 满意, 3 基本满意, 2 不满意, 1 非常不满意.
/// The bottom two are 差评 and open a follow-up.
/// </summary>
public static class RatingLevels
{
    public const int Lowest = 1;
    public const int Highest = 5;

    /// <summary>Levels at or below this are 差评 (不满意, 非常不满意).</summary>
    public const int HighestBad = 2;

    public static bool IsValid(int level) => level is >= Lowest and <= Highest;

    public static bool IsBad(int level) => level <= HighestBad;

    public static string Name(int level) => level switch
    {
        5 => "非常满意",
        4 => "满意",
        3 => "基本满意",
        2 => "不满意",
        1 => "非常不满意",
        _ => throw new ArgumentOutOfRangeException(nameof(level)),
    };
}

/// <summary>
/// 好评率, defined once for every figure TongBan shows (API summaries, hall snapshot, live feed,
/// public disclosure): (非常满意 + 满意 + 基本满意) ÷ all counted ratings. Ratings excluded by an upheld
/// appeal are not counted at all (neither above nor below the line).
/// </summary>
public static class GoodRate
{
    /// <summary>Levels at or above this count as good: 基本满意 is good, as in the national 好差评 statistics.</summary>
    public const int LowestGoodLevel = 3;

    /// <summary>Shown next to every good rate the API returns.</summary>
    public const string Definition =
        "goodRate = (非常满意 + 满意 + 基本满意) / total = (level 5 + level 4 + level 3) / total, " +
        "a fraction between 0 and 1 rounded to 4 places; null when total is 0. Ratings excluded by an upheld appeal are not counted.";

    /// <summary>Decimal places of the fraction.</summary>
    public const int Digits = 4;

    public static double? Of(LevelCounts counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        return counts.Total == 0 ? null : Math.Round((double)counts.Good / counts.Total, Digits, MidpointRounding.AwayFromZero);
    }
}

/// <summary>Counts per level (1..5). Immutable; <see cref="Add"/> returns a new value.</summary>
[GenerateSerializer, Immutable]
public sealed record LevelCounts(
    [property: Id(0)] int L1,
    [property: Id(1)] int L2,
    [property: Id(2)] int L3,
    [property: Id(3)] int L4,
    [property: Id(4)] int L5)
{
    public static readonly LevelCounts Zero = new(0, 0, 0, 0, 0);

    public int Total => L1 + L2 + L3 + L4 + L5;

    /// <summary>非常满意 + 满意 + 基本满意.</summary>
    public int Good => L3 + L4 + L5;

    /// <summary>差评: 不满意 + 非常不满意.</summary>
    public int Bad => L1 + L2;

    public int this[int level] => level switch
    {
        1 => L1,
        2 => L2,
        3 => L3,
        4 => L4,
        5 => L5,
        _ => throw new ArgumentOutOfRangeException(nameof(level)),
    };

    public static LevelCounts Of(int level, int count = 1) => Zero.Add(level, count);

    public LevelCounts Add(int level, int count) => level switch
    {
        1 => this with { L1 = L1 + count },
        2 => this with { L2 = L2 + count },
        3 => this with { L3 = L3 + count },
        4 => this with { L4 = L4 + count },
        5 => this with { L5 = L5 + count },
        _ => throw new ArgumentOutOfRangeException(nameof(level)),
    };

    public LevelCounts Plus(LevelCounts other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new(L1 + other.L1, L2 + other.L2, L3 + other.L3, L4 + other.L4, L5 + other.L5);
    }

    public LevelCounts Minus(LevelCounts other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new(L1 - other.L1, L2 - other.L2, L3 - other.L3, L4 - other.L4, L5 - other.L5);
    }

    public bool IsZero => L1 == 0 && L2 == 0 && L3 == 0 && L4 == 0 && L5 == 0;

    /// <summary>The API's <c>byLevel</c>: keys "1".."5".</summary>
    public IReadOnlyDictionary<string, int> ByLevel() => Enumerable.Range(RatingLevels.Lowest, RatingLevels.Highest)
        .ToDictionary(l => l.ToString(CultureInfo.InvariantCulture), l => this[l]);

    public override string ToString() => $"[{L1},{L2},{L3},{L4},{L5}]";
}

/// <summary>One period's figures: what <c>GET /api/ratings/summary</c> returns.</summary>
[GenerateSerializer, Immutable]
public sealed record RatingFigures(
    [property: Id(0)] int Total,
    [property: Id(1)] IReadOnlyDictionary<string, int> ByLevel,
    [property: Id(2)] double? GoodRate,
    [property: Id(3)] int BadCount)
{
    public static RatingFigures Of(LevelCounts counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        return new(counts.Total, counts.ByLevel(), Ratings.GoodRate.Of(counts), counts.Bad);
    }
}
