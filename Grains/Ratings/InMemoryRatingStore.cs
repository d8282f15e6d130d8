namespace TongBan.Grains.Ratings;

/// <summary>The embedded mode's rating store: the same contract as PostgreSQL, in process memory (not persisted).</summary>
public sealed class InMemoryRatingStore : IRatingStore
{
    private readonly Lock gate = new();
    private readonly Dictionary<(string Hall, DateOnly Day, string Ticket), ServedTicket> served = [];
    private readonly Dictionary<string, RatingRecord> ratings = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<RatingRecord>> byScope = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FollowUpState> followUps = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RatingExclusion> exclusions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<RatingEvent>> events = new(StringComparer.Ordinal);

    public Task RecordServiceAsync(ServedTicket served, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(served);
        lock (gate)
        {
            this.served.TryAdd((served.HallCode, served.Day, served.TicketNo), served);
        }

        return Task.CompletedTask;
    }

    public Task<ServedTicket?> FindServiceAsync(string hallCode, DateOnly day, string ticketNo, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            return Task.FromResult(served.GetValueOrDefault((hallCode, day, ticketNo)));
        }
    }

    public Task<RatingAppend> AppendAsync(RatingRecord rating, FollowUpState? followUp, RatingEvent? opened, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rating);
        lock (gate)
        {
            if (ratings.ContainsKey(rating.Id))
            {
                return Task.FromResult(new RatingAppend(false, Load(rating.Id)));
            }

            ratings[rating.Id] = rating;
            foreach (var scope in rating.Scopes)
            {
                if (!byScope.TryGetValue(scope, out var list))
                {
                    byScope[scope] = list = [];
                }

                list.Add(rating);
            }

            events[rating.Id] = [];
            if (followUp is not null)
            {
                followUps[rating.Id] = followUp;
            }

            if (opened is not null)
            {
                events[rating.Id].Add(opened);
            }

            return Task.FromResult(new RatingAppend(true, null));
        }
    }

    public Task<StoredRating?> LoadAsync(string ratingId, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            return Task.FromResult(Load(ratingId));
        }
    }

    public Task<bool> CommitFollowUpAsync(FollowUpState followUp, RatingEvent e, RatingExclusion? exclusion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(followUp);
        ArgumentNullException.ThrowIfNull(e);
        lock (gate)
        {
            if (!followUps.TryGetValue(followUp.RatingId, out var stored) || stored.Version != followUp.Version - 1 ||
                (exclusion is not null && exclusions.ContainsKey(exclusion.RatingId)))
            {
                return Task.FromResult(false);
            }

            followUps[followUp.RatingId] = followUp;
            events[followUp.RatingId].Add(e);
            if (exclusion is not null)
            {
                exclusions[exclusion.RatingId] = exclusion;
            }

            return Task.FromResult(true);
        }
    }

    public Task<ScopeCount> CountAsync(string scopeKey, DateOnly windowStart, DateTimeOffset recentSince, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            var days = new Dictionary<DateOnly, LevelCounts>();
            var older = LevelCounts.Zero;
            var recent = new List<RollupDelta>();
            foreach (var r in byScope.GetValueOrDefault(scopeKey) ?? [])
            {
                var exclusion = exclusions.GetValueOrDefault(r.Id);
                if (r.CreatedAt >= recentSince)
                {
                    recent.Add(RollupDelta.Counted(r));
                }

                if (exclusion is not null)
                {
                    if (exclusion.DecidedAt >= recentSince)
                    {
                        recent.Add(RollupDelta.Excluded(r, exclusion));
                    }

                    continue;
                }

                if (r.Day < windowStart)
                {
                    older = older.Add(r.Level, 1);
                }
                else
                {
                    days[r.Day] = days.GetValueOrDefault(r.Day, LevelCounts.Zero).Add(r.Level, 1);
                }
            }

            return Task.FromResult(new ScopeCount(days, older, recent));
        }
    }

    public Task<IReadOnlyList<string>> ScopeKeysAsync(CancellationToken cancellationToken)
    {
        lock (gate)
        {
            return Task.FromResult<IReadOnlyList<string>>([.. byScope.Keys.Order(StringComparer.Ordinal)]);
        }
    }

    public Task<IReadOnlyList<FollowUpRow>> FollowUpsAsync(FollowUpQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        lock (gate)
        {
            return Task.FromResult<IReadOnlyList<FollowUpRow>>([.. followUps.Values
                .Select(f => new FollowUpRow(f, ratings[f.RatingId]))
                .Where(r => (query.ScopeKey is null || r.Rating.Scopes.Contains(query.ScopeKey)) &&
                            (!query.OpenOnly || r.FollowUp.IsOpen) &&
                            (query.OverdueAsOf is not { } day || r.FollowUp.Overdue(day)))
                .OrderBy(r => r.FollowUp.IsOpen ? 0 : 1)
                .ThenBy(r => r.FollowUp.Stage == FollowUpStage.AwaitingVerification ? r.FollowUp.ReturnVisitDue : r.FollowUp.ReplyDue)
                .ThenBy(r => r.FollowUp.RatingId, StringComparer.Ordinal)
                .Take(query.Limit)]);
        }
    }

    public Task<IReadOnlyList<string>> NewlyOverdueAsync(DateOnly today, int limit, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            return Task.FromResult<IReadOnlyList<string>>([.. followUps.Values
                .Where(f => (f.ReturnVisitOverdue(today) && !f.ReturnVisitOverdueFlagged) || (f.ReplyOverdue(today) && !f.ReplyOverdueFlagged))
                .Select(f => f.RatingId)
                .Order(StringComparer.Ordinal)
                .Take(limit)]);
        }
    }

    public Task<FollowUpFigures> FollowUpFiguresAsync(string scopeKey, DateOnly today, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            var rows = (byScope.GetValueOrDefault(scopeKey) ?? []).Select(r => followUps.GetValueOrDefault(r.Id)).OfType<FollowUpState>().ToList();
            return Task.FromResult(Figures(rows, today));
        }
    }

    public Task<(long Ratings, long Excluded)> TotalsAsync(CancellationToken cancellationToken)
    {
        lock (gate)
        {
            return Task.FromResult<(long, long)>((ratings.Count, exclusions.Count));
        }
    }

    /// <summary>The public figures of a set of follow-ups (shared with tests as the reference definition).</summary>
    public static FollowUpFigures Figures(IReadOnlyCollection<FollowUpState> rows, DateOnly today)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var counted = rows.Where(f => f.Stage != FollowUpStage.Excluded).ToList();
        return new FollowUpFigures(
            counted.Count,
            counted.Count(f => f.RepliedAt is not null),
            counted.Count(f => f.RepliedOnTime),
            counted.Count(f => f.IsOpen),
            counted.Count(f => f.Overdue(today)),
            rows.Count(f => f.Stage == FollowUpStage.Excluded),
            counted.Count(f => f.FixLevel is not null),
            counted.Count(f => f.FixLevel >= GoodRate.LowestGoodLevel));
    }

    private StoredRating? Load(string id) =>
        ratings.TryGetValue(id, out var r)
            ? new StoredRating(r, followUps.GetValueOrDefault(id), exclusions.GetValueOrDefault(id), [.. events[id]])
            : null;
}
