namespace TongBan.Grains.Ratings;

/// <summary>What a rating append did: stored it, or found the target already rated (<see cref="Existing"/>).</summary>
public sealed record RatingAppend(bool Added, StoredRating? Existing);

/// <summary>A rating as loaded, with its follow-up, exclusion and event history.</summary>
public sealed record StoredRating(RatingRecord Rating, FollowUpState? FollowUp, RatingExclusion? Exclusion, IReadOnlyList<RatingEvent> Events)
{
    public RatingView View => new(Rating, FollowUp, Exclusion, Events);
}

/// <summary>
/// One change a roll-up applies: a rating counted (+1) or excluded by an upheld appeal (−1), on the
/// rating's day and level. <see cref="Key"/> (<c>r:{id}</c> or <c>x:{id}</c>) makes a repeat harmless.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record RollupDelta(
    [property: Id(0)] string RatingId,
    [property: Id(1)] DateOnly Day,
    [property: Id(2)] int Level,
    [property: Id(3)] int Sign,
    [property: Id(4)] DateTimeOffset At)
{
    public string Key => (Sign > 0 ? "r:" : "x:") + RatingId;

    public static RollupDelta Counted(RatingRecord r) => new(r.Id, r.Day, r.Level, +1, r.CreatedAt);

    public static RollupDelta Excluded(RatingRecord r, RatingExclusion x) => new(r.Id, r.Day, r.Level, -1, x.DecidedAt);
}

/// <summary>
/// A scope's counts as the store has them, read in one snapshot: per day from <c>windowStart</c>, everything
/// older folded, and the deltas of the recent past (<see cref="Recent"/>) so a roll-up loading this knows
/// which in-flight deltas it already holds.
/// </summary>
public sealed record ScopeCount(IReadOnlyDictionary<DateOnly, LevelCounts> Days, LevelCounts Older, IReadOnlyList<RollupDelta> Recent);

/// <summary>Filters of the follow-up list (dashboards); every filter optional, oldest deadline first.</summary>
/// <param name="ScopeKey">A roll-up key the rating counts in (<c>hall:…</c>, <c>department:…</c>, <c>county:…</c> …).</param>
/// <param name="OverdueAsOf">Only follow-ups with a missed deadline as of this day.</param>
public sealed record FollowUpQuery(string? ScopeKey = null, bool OpenOnly = false, DateOnly? OverdueAsOf = null, int Limit = 100);

/// <summary>A follow-up with the rating it follows.</summary>
public sealed record FollowUpRow(FollowUpState FollowUp, RatingRecord Rating);

/// <summary>
/// Public rectification figures of one scope (差评整改情况): bad reviews (not excluded), replied ones,
/// replied on time, still open, overdue now, appeals upheld, fix ratings and how many were good.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record FollowUpFigures(
    [property: Id(0)] int BadReviews,
    [property: Id(1)] int Replied,
    [property: Id(2)] int RepliedOnTime,
    [property: Id(3)] int Open,
    [property: Id(4)] int Overdue,
    [property: Id(5)] int AppealsUpheld,
    [property: Id(6)] int FixRated,
    [property: Id(7)] int FixGood)
{
    /// <summary>整改率: replied ÷ bad reviews; null without bad reviews.</summary>
    public double? RectificationRate => BadReviews == 0 ? null : Math.Round((double)Replied / BadReviews, GoodRate.Digits);

    /// <summary>Replied within the deadline ÷ bad reviews.</summary>
    public double? OnTimeRate => BadReviews == 0 ? null : Math.Round((double)RepliedOnTime / BadReviews, GoodRate.Digits);
}

/// <summary>
/// Durable home of ratings: the source of truth every roll-up is a projection of. Ratings, events and
/// exclusions are append-only (never updated or deleted); the follow-up row is their projection.
/// Embedded mode keeps it in memory, PostgreSQL mode in <c>tongban.rating*</c> tables.
/// </summary>
public interface IRatingStore
{
    /// <summary>Records a served ticket so it can be rated later. Idempotent: the first record of a hall, day and number wins.</summary>
    Task RecordServiceAsync(ServedTicket served, CancellationToken cancellationToken);

    /// <summary>Records several served tickets (as <see cref="RecordServiceAsync"/> each); a store may do it in one statement.</summary>
    async Task RecordServicesAsync(IReadOnlyList<ServedTicket> served, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(served);
        foreach (var s in served)
        {
            await RecordServiceAsync(s, cancellationToken);
        }
    }

    Task<ServedTicket?> FindServiceAsync(string hallCode, DateOnly day, string ticketNo, CancellationToken cancellationToken);

    /// <summary>
    /// Stores a rating, with its follow-up and opening event for a 差评, atomically. At most one rating
    /// per target: when the target is already rated nothing is written and the stored one is returned.
    /// </summary>
    Task<RatingAppend> AppendAsync(RatingRecord rating, FollowUpState? followUp, RatingEvent? opened, CancellationToken cancellationToken);

    Task<StoredRating?> LoadAsync(string ratingId, CancellationToken cancellationToken);

    /// <summary>
    /// Commits a follow-up step atomically: the event, the follow-up at its new version and, for an upheld
    /// appeal, the exclusion. False, changing nothing, when the stored follow-up is not at version − 1.
    /// </summary>
    Task<bool> CommitFollowUpAsync(FollowUpState followUp, RatingEvent e, RatingExclusion? exclusion, CancellationToken cancellationToken);

    /// <summary>The counts of one roll-up key, excluding excluded ratings; recent deltas since <paramref name="recentSince"/>.</summary>
    Task<ScopeCount> CountAsync(string scopeKey, DateOnly windowStart, DateTimeOffset recentSince, CancellationToken cancellationToken);

    /// <summary>Every roll-up key some stored rating counts in (for the full recount).</summary>
    Task<IReadOnlyList<string>> ScopeKeysAsync(CancellationToken cancellationToken);

    Task<IReadOnlyList<FollowUpRow>> FollowUpsAsync(FollowUpQuery query, CancellationToken cancellationToken);

    /// <summary>Ids of open follow-ups with a missed deadline not yet flagged as of <paramref name="today"/>.</summary>
    Task<IReadOnlyList<string>> NewlyOverdueAsync(DateOnly today, int limit, CancellationToken cancellationToken);

    Task<FollowUpFigures> FollowUpFiguresAsync(string scopeKey, DateOnly today, CancellationToken cancellationToken);

    /// <summary>Stored ratings, counted and excluded (for the recount report).</summary>
    Task<(long Ratings, long Excluded)> TotalsAsync(CancellationToken cancellationToken);
}
