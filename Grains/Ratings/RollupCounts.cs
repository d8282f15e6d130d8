namespace TongBan.Grains.Ratings;

/// <summary>A difference between a roll-up and its recount: on one day (null: older than the window) the two counts.</summary>
[GenerateSerializer, Immutable]
public sealed record CountDifference(
    [property: Id(0)] DateOnly? Day,
    [property: Id(1)] LevelCounts Rollup,
    [property: Id(2)] LevelCounts Recount);

/// <summary>
/// A scope's counts per day for the last <see cref="WindowDays"/> days (today included) and one folded
/// total for everything older, so today, the last 30 days and all time are sums and old days cost nothing.
/// Not thread-safe: one grain owns one instance.
/// </summary>
public sealed class RollupCounts
{
    public const int WindowDays = 30;

    private readonly Dictionary<DateOnly, LevelCounts> days = [];

    public RollupCounts(DateOnly today)
    {
        Today = today;
    }

    public RollupCounts(DateOnly today, ScopeCount stored)
        : this(today)
    {
        ArgumentNullException.ThrowIfNull(stored);
        Older = stored.Older;
        foreach (var (day, counts) in stored.Days)
        {
            days[day] = counts;
        }

        Fold();
    }

    public DateOnly Today { get; private set; }

    /// <summary>The first day kept individually: today − 29.</summary>
    public DateOnly WindowStart => WindowStartOf(Today);

    public LevelCounts Older { get; private set; } = LevelCounts.Zero;

    public IReadOnlyDictionary<DateOnly, LevelCounts> Days => days;

    public LevelCounts TodayCounts => days.GetValueOrDefault(Today, LevelCounts.Zero);

    public LevelCounts Last30Days => days.Where(d => d.Key >= WindowStart && d.Key <= Today).Aggregate(LevelCounts.Zero, (sum, d) => sum.Plus(d.Value));

    public LevelCounts AllTime => days.Values.Aggregate(Older, (sum, d) => sum.Plus(d));

    public static DateOnly WindowStartOf(DateOnly today) => today.AddDays(-(WindowDays - 1));

    /// <summary>Adds (+1) or removes (−1) one rating of <paramref name="level"/> on <paramref name="day"/>.</summary>
    public void Apply(DateOnly day, int level, int sign)
    {
        if (day < WindowStart)
        {
            Older = Older.Add(level, sign);
        }
        else
        {
            var counts = days.GetValueOrDefault(day, LevelCounts.Zero).Add(level, sign);
            if (counts.IsZero)
            {
                days.Remove(day);
            }
            else
            {
                days[day] = counts;
            }
        }
    }

    /// <summary>Moves the window on: days that fall out of it are folded into <see cref="Older"/>.</summary>
    public void AdvanceTo(DateOnly today)
    {
        if (today > Today)
        {
            Today = today;
            Fold();
        }
    }

    /// <summary>Per-day differences against another count (a recount), empty when equal.</summary>
    public IReadOnlyList<CountDifference> Compare(RollupCounts other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var result = new List<CountDifference>();
        if (Older != other.Older)
        {
            result.Add(new CountDifference(null, Older, other.Older));
        }

        foreach (var day in days.Keys.Union(other.days.Keys).Order())
        {
            var mine = days.GetValueOrDefault(day, LevelCounts.Zero);
            var theirs = other.days.GetValueOrDefault(day, LevelCounts.Zero);
            if (mine != theirs)
            {
                result.Add(new CountDifference(day, mine, theirs));
            }
        }

        return result;
    }

    private void Fold()
    {
        foreach (var day in days.Keys.Where(d => d < WindowStart).ToList())
        {
            Older = Older.Plus(days[day]);
            days.Remove(day);
        }
    }
}
