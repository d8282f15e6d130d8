using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using TongBan.Grains.Common;
using TongBan.Grains.Halls;
using TongBan.Grains.Live;

namespace TongBan.Grains.Ratings;

/// <summary>A roll-up's figures: today, the last 30 days (today included) and all time.</summary>
[GenerateSerializer, Immutable]
public sealed record RollupView(
    [property: Id(0)] string Scope,
    [property: Id(1)] string Id,
    [property: Id(2)] DateOnly Today,
    [property: Id(3)] RatingFigures TodayFigures,
    [property: Id(4)] RatingFigures Last30Days,
    [property: Id(5)] RatingFigures AllTime,
    [property: Id(6)] DateTimeOffset LoadedAt,
    [property: Id(7)] DateTimeOffset? RepairedAt);

/// <summary>A roll-up compared with a recount of the stored ratings.</summary>
/// <param name="InFlight">Ratings the store has whose delta is still on its way (younger than a few seconds): not a difference.</param>
/// <param name="Rollup">All-time counts of the roll-up before any repair.</param>
/// <param name="Recount">All-time counts of the recount (less what is in flight).</param>
/// <param name="Repaired">The roll-up differed and took the recount.</param>
[GenerateSerializer, Immutable]
public sealed record RollupCheck(
    [property: Id(0)] string ScopeKey,
    [property: Id(1)] bool Matches,
    [property: Id(2)] int InFlight,
    [property: Id(3)] LevelCounts Rollup,
    [property: Id(4)] LevelCounts Recount,
    [property: Id(5)] IReadOnlyList<CountDifference> Differences,
    [property: Id(6)] bool Repaired);

/// <summary>The <c>ratingsChanged</c> push of a hall or region roll-up (to <c>hall:…</c> or <c>region:…</c> watchers).</summary>
[GenerateSerializer, Immutable]
public sealed record RatingsChanged(
    [property: Id(0)] string Scope,
    [property: Id(1)] string Id,
    [property: Id(2)] RatingFigures Today,
    [property: Id(3)] RatingFigures Last30Days,
    [property: Id(4)] RatingFigures AllTime,
    [property: Id(5)] string GoodRateDefinition);

public static class RatingLive
{
    /// <summary>Client method of the live hub for roll-up changes.</summary>
    public const string RatingsChanged = "ratingsChanged";

    /// <summary>Client method for a follow-up opened, moved on or flagged overdue (hall and region groups).</summary>
    public const string FollowUpChanged = "ratingFollowUpChanged";
}

/// <summary>
/// One roll-up per scope × id (<c>hall:520102-H001</c>, <c>county:520102</c>, <c>clerk:…</c> …): counts per
/// level and day, for today, the last 30 days and all time.
/// </summary>
public interface IRatingRollupGrain : IGrainWithStringKey
{
    /// <summary>
    /// A rating counted or excluded, from the intake and the rating grains; completes once applied (in memory, so
    /// it is cheap to wait for). Repeats are ignored.
    /// </summary>
    Task Apply(RollupDelta delta);

    Task<RollupView> Get();

    /// <summary>Recounts from the store and compares; with <paramref name="repair"/>, takes the recount when they differ.</summary>
    Task<RollupCheck> Recount(bool repair);

    /// <summary>A hall roll-up tells its hall grain the current good rate (the hall asks once when it activates).</summary>
    [OneWay]
    Task Announce();
}

/// <summary>
/// A projection of the store, not a second source of truth: it is loaded from the stored ratings when it
/// activates (so a restart or a lost activation can never leave it wrong), kept live by the deltas the
/// intake sends after storing a rating, and recounted from the store every
/// <see cref="RatingOptions.ReconcileMinutes"/> (and on the admin recount), which repairs the one thing
/// delivery can still do wrong: a delta lost while this activation lives (its sender died, or gave up
/// waiting for an unreachable silo). Deltas carry the rating id, and the load also returns the ids of
/// recent ratings, so a delta that arrives after the load that already counted it is not counted twice.
/// Non-reentrant: deltas and recounts are applied one at a time.
/// </summary>
public sealed partial class RatingRollupGrain(
    IRatingStore store,
    RatingOptions options,
    TimeProvider clock,
    ILogger<RatingRollupGrain> logger) : Grain, IRatingRollupGrain
{
    /// <summary>How long delta ids are remembered; a delta older than this is left to the recount.</summary>
    public static readonly TimeSpan RecentWindow = TimeSpan.FromMinutes(10);

    /// <summary>A stored rating whose delta has not arrived within this is counted as lost by a check.</summary>
    public static readonly TimeSpan InFlightGrace = TimeSpan.FromSeconds(5);

    /// <summary>Keys of the deltas held, remembered for <see cref="RecentWindow"/>; the queue forgets them oldest first.</summary>
    private readonly HashSet<string> applied = new(StringComparer.Ordinal);

    private readonly Queue<(string Key, DateTimeOffset At)> appliedOrder = new();
    private RollupCounts counts = null!;
    private string key = string.Empty;
    private string scope = string.Empty;
    private string id = string.Empty;
    private DateTimeOffset loadedAt;
    private DateTimeOffset? repairedAt;
    private double? announcedRate;
    private bool announced;

    private DateTimeOffset Now => ChinaTime.Now(clock);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        key = this.GetPrimaryKeyString();
        (scope, id) = RatingScopes.Parse(key);
        var (loaded, snapshot) = await Load(DateOnly.FromDateTime(Now.DateTime), cancellationToken);
        counts = loaded;
        Remember(snapshot);
        loadedAt = Now;

        // Spread the recounts of many roll-ups activated together over the period.
        var period = TimeSpan.FromMinutes(options.ReconcileMinutes);
        var due = period + TimeSpan.FromSeconds(Random.Shared.Next(0, (int)Math.Max(1, period.TotalSeconds / 2)));
        this.RegisterGrainTimer(Reconcile, new GrainTimerCreationOptions(due, period) { Interleave = false });
    }

    public Task Apply(RollupDelta delta)
    {
        ArgumentNullException.ThrowIfNull(delta);
        var now = Now;
        Advance(now);
        Forget(now);
        // A delta older than the remembered window may have been counted and forgotten: the recount settles it.
        if (now - delta.At > RecentWindow || !Hold(delta.Key, delta.At))
        {
            return Task.CompletedTask;
        }

        counts.Apply(delta.Day, delta.Level, delta.Sign);
        return Publish();
    }

    public Task<RollupView> Get()
    {
        Advance(Now);
        return Task.FromResult(View());
    }

    public async Task<RollupCheck> Recount(bool repair)
    {
        var now = Now;
        Advance(now);
        // The window follows this roll-up's day (which never goes back), so both counts split days the same way.
        var (recount, snapshot) = await Load(counts.Today, CancellationToken.None);
        var inFlight = snapshot.Recent.Where(d => !applied.Contains(d.Key) && now - d.At < InFlightGrace).ToList();
        var expected = new RollupCounts(counts.Today, snapshot);
        foreach (var d in inFlight)
        {
            expected.Apply(d.Day, d.Level, -d.Sign);
        }

        var differences = counts.Compare(expected);
        var before = counts.AllTime;
        var repaired = false;
        if (differences.Count > 0)
        {
            LogDifferent(logger, key, before.ToString(), expected.AllTime.ToString(), differences.Count, repair);
            if (repair)
            {
                counts = recount;
                Remember(snapshot);
                repairedAt = now;
                repaired = true;
                await Publish();
            }
        }

        return new RollupCheck(key, differences.Count == 0, inFlight.Count, before, expected.AllTime, differences, repaired);
    }

    public Task Announce()
    {
        Advance(Now);
        announced = false;
        return Publish();
    }

    private async Task Reconcile(CancellationToken cancellationToken) => await Recount(repair: true);

    private async Task<(RollupCounts Counts, ScopeCount Snapshot)> Load(DateOnly today, CancellationToken cancellationToken)
    {
        var snapshot = await store.CountAsync(key, RollupCounts.WindowStartOf(today), Now - RecentWindow, cancellationToken);
        return (new RollupCounts(today, snapshot), snapshot);
    }

    /// <summary>Marks the store's recent deltas as held, so their late arrival is not counted again.</summary>
    private void Remember(ScopeCount snapshot)
    {
        foreach (var d in snapshot.Recent)
        {
            Hold(d.Key, d.At);
        }
    }

    private bool Hold(string deltaKey, DateTimeOffset at)
    {
        if (!applied.Add(deltaKey))
        {
            return false;
        }

        appliedOrder.Enqueue((deltaKey, at));
        return true;
    }

    /// <summary>Constant work per delta: deltas arrive about in time order, so the oldest are at the head.</summary>
    private void Forget(DateTimeOffset now)
    {
        while (appliedOrder.TryPeek(out var oldest) && now - oldest.At > RecentWindow)
        {
            appliedOrder.Dequeue();
            applied.Remove(oldest.Key);
        }
    }

    private void Advance(DateTimeOffset now) => counts.AdvanceTo(DateOnly.FromDateTime(now.DateTime));

    private RollupView View() => new(
        scope, id, counts.Today, RatingFigures.Of(counts.TodayCounts), RatingFigures.Of(counts.Last30Days), RatingFigures.Of(counts.AllTime), loadedAt, repairedAt);

    /// <summary>Hall roll-ups feed their hall's snapshot (30-day good rate); hall and region roll-ups push to their watchers.</summary>
    private async Task Publish()
    {
        if (scope == RatingScopes.Hall)
        {
            var rate = GoodRate.Of(counts.Last30Days);
            if (!announced || rate != announcedRate)
            {
                announced = true;
                announcedRate = rate;
                await GrainFactory.GetGrain<IHallGrain>(id).RatingsChanged(rate);
            }
        }

        var group = scope switch
        {
            RatingScopes.Hall => LiveGroups.Hall(id),
            RatingScopes.County or RatingScopes.City or RatingScopes.Province => LiveGroups.Region(id),
            _ => null,
        };
        if (group is not null)
        {
            var v = View();
            await GrainFactory.PublishLive(new LiveMessage(
                group, RatingLive.RatingsChanged, new RatingsChanged(scope, id, v.TodayFigures, v.Last30Days, v.AllTime, GoodRate.Definition),
                CoalesceKey: "ratings:" + key));
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rating roll-up {Key} differs from its recount: {Rollup} vs {Recount} on {Days} day(s); repair={Repair}")]
    private static partial void LogDifferent(ILogger logger, string key, string rollup, string recount, int days, bool repair);
}
