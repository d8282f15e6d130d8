using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using TongBan.Grains.Cases;
using TongBan.Grains.Common;
using TongBan.Grains.Halls;
using TongBan.Grains.Live;
using TongBan.Grains.Ratings;

namespace TongBan.Grains.Alerts;

/// <summary>
/// A hall's alerts to its manager (大厅预警), keyed by the hall code. The hall grain hands it every floor report
/// (one-way, after its own push); a timer re-evaluates each minute (a pause grows longer without any floor change) and
/// reloads the deadlines the hall answers for every <see cref="HallAlertGrain.DeadlineRefresh"/>. Rules are <see cref="AlertRules"/>.
/// </summary>
public interface IHallAlertGrain : IGrainWithStringKey
{
    /// <summary>The hall's floor (with its overlay): evaluated at once; writes only when an alert opens or clears or a pause starts or ends.</summary>
    [OneWay]
    Task FloorChanged(HallSnapshot floor);

    Task<AlertThresholds> GetThresholds();

    /// <summary>Replaces the hall's thresholds (the caller has validated them) and re-evaluates. Idempotent.</summary>
    Task<AlertThresholds> SetThresholds(AlertThresholds thresholds, string actor);

    /// <summary>The open alerts and the cleared ones overlapping [<paramref name="from"/>, <paramref name="to"/>).</summary>
    Task<HallAlertList> GetAlerts(DateTimeOffset from, DateTimeOffset to);

    /// <summary>Re-evaluates now (reloading the deadlines): what the timer does; tests call it instead of waiting a minute.</summary>
    Task Evaluate();
}

/// <summary>Persisted alert state of one hall: thresholds, open alerts, the cleared history and the pause starts.</summary>
[GenerateSerializer]
public sealed class HallAlertState
{
    /// <summary>Null until the manager sets them: <see cref="AlertThresholds.Default"/> apply.</summary>
    [Id(0)]
    public AlertThresholds? Thresholds { get; set; }

    [Id(1)]
    public List<HallAlert> Open { get; set; } = [];

    /// <summary>Cleared alerts, oldest first, at most <see cref="AlertRules.HistoryLimit"/>.</summary>
    [Id(2)]
    public List<HallAlert> History { get; set; } = [];

    [Id(3)]
    public Dictionary<int, DateTimeOffset> PausedSince { get; set; } = [];
}

/// <summary>
/// Not reentrant, on purpose: every call reads or changes the one state, and a floor report must not interleave with a
/// threshold change in the middle of a write. Calls are short (the store queries run on the timer, one every few minutes).
/// </summary>
public sealed partial class HallAlertGrain(
    [PersistentState("alerts", StorageNames.Default)] IPersistentState<HallAlertState> state,
    ICaseStore cases,
    IRatingStore ratings,
    TimeProvider clock,
    ILogger<HallAlertGrain> logger) : Grain, IHallAlertGrain
{
    public static readonly TimeSpan TickInterval = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan DeadlineRefresh = TimeSpan.FromMinutes(10);
    private const int DeadlineQueryLimit = 500;

    private HallSnapshot? floor;
    private IReadOnlyList<DeadlineItem> deadlines = [];
    private DateTimeOffset? deadlinesLoadedAt;

    private string Code => this.GetPrimaryKeyString();

    private HallAlertState S => state.State;

    private AlertThresholds Thresholds => S.Thresholds ?? AlertThresholds.Default;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        this.RegisterGrainTimer(Tick, new GrainTimerCreationOptions(TickInterval, TickInterval) { Interleave = false, KeepAlive = false });
        return base.OnActivateAsync(cancellationToken);
    }

    public async Task FloorChanged(HallSnapshot report)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (floor is not null && report.At < floor.At)
        {
            return; // an older report overtaken by a newer one
        }

        floor = report;
        await Run(ChinaTime.Now(clock), reloadDeadlines: false);
    }

    public Task<AlertThresholds> GetThresholds() => Task.FromResult(Thresholds);

    public async Task<AlertThresholds> SetThresholds(AlertThresholds thresholds, string actor)
    {
        ArgumentNullException.ThrowIfNull(thresholds);
        var current = Thresholds;
        if (current with { UpdatedAt = null, UpdatedBy = null } == thresholds with { UpdatedAt = null, UpdatedBy = null } && S.Thresholds is not null)
        {
            return current; // a retried PUT changes nothing
        }

        var now = ChinaTime.Now(clock);
        S.Thresholds = thresholds with { UpdatedAt = now, UpdatedBy = actor };
        await state.WriteStateAsync();
        LogThresholds(logger, Code, actor);
        await Run(now, reloadDeadlines: true);
        return S.Thresholds;
    }

    public Task<HallAlertList> GetAlerts(DateTimeOffset from, DateTimeOffset to) =>
        Task.FromResult(new HallAlertList(
            Code,
            [.. S.Open.Where(a => a.OpenedAt < to).OrderByDescending(a => a.OpenedAt)],
            AlertRules.InRange(S.History, from, to),
            Thresholds));

    public Task Evaluate() => Run(ChinaTime.Now(clock), reloadDeadlines: true);

    private async Task Tick()
    {
        var now = ChinaTime.Now(clock);
        if (floor is null)
        {
            // Reactivated (or first activated by a route): take the floor once; the hall reports every change after.
            floor = await GrainFactory.GetGrain<IHallGrain>(Code).GetSnapshot();
        }

        await Run(now, reloadDeadlines: deadlinesLoadedAt is not { } loaded || now - loaded >= DeadlineRefresh);

        // A paused window or an open alert must be watched on: stay active although no floor change may come for a while.
        if (S.PausedSince.Count > 0 || S.Open.Count > 0)
        {
            DelayDeactivation(TickInterval * 3);
        }
    }

    private async Task Run(DateTimeOffset now, bool reloadDeadlines)
    {
        if (reloadDeadlines || deadlinesLoadedAt is null)
        {
            deadlines = await LoadDeadlines(now);
            deadlinesLoadedAt = now;
        }

        var pauses = floor is null ? S.PausedSince : AlertRules.TrackPauses(S.PausedSince, floor);
        var pausesChanged = !pauses.OrderBy(p => p.Key).SequenceEqual(S.PausedSince.OrderBy(p => p.Key));
        var conditions = AlertRules.Evaluate(floor, Thresholds, pauses, deadlines, now);
        var changes = AlertRules.Reconcile(S.Open, conditions, now);
        if (!changes.Any && !pausesChanged)
        {
            return;
        }

        var clearedKeys = changes.Cleared.Select(a => a.Key).ToHashSet(StringComparer.Ordinal);
        S.PausedSince = pauses;
        S.Open = [.. S.Open.Where(a => !clearedKeys.Contains(a.Key)), .. changes.Opened];
        S.History.AddRange(changes.Cleared);
        if (S.History.Count > AlertRules.HistoryLimit)
        {
            S.History.RemoveRange(0, S.History.Count - AlertRules.HistoryLimit);
        }

        await state.WriteStateAsync();
        foreach (var a in changes.Opened)
        {
            LogOpened(logger, Code, a.Kind, a.Subject);
        }

        foreach (var a in changes.Cleared)
        {
            LogCleared(logger, Code, a.Kind, a.Subject);
        }

        if (changes.Any)
        {
            var group = LiveGroups.HallDesk(Code);
            await GrainFactory.PublishLive(
            [
                .. changes.Opened.Select(a => new LiveMessage(group, AlertLive.HallAlert, new HallAlertChanged(Code, "opened", a))),
                .. changes.Cleared.Select(a => new LiveMessage(group, AlertLive.HallAlert, new HallAlertChanged(Code, "cleared", a))),
            ]);
        }
    }

    /// <summary>The open 差评 follow-ups the hall owns and the open cases it received that carry a due date.</summary>
    private async Task<IReadOnlyList<DeadlineItem>> LoadDeadlines(DateTimeOffset now)
    {
        if (Thresholds.DeadlineWarningDays is null)
        {
            return [];
        }

        try
        {
            var items = new List<DeadlineItem>();
            var followUps = await ratings.FollowUpsAsync(new FollowUpQuery(RatingScopes.HallKey(Code), OpenOnly: true, Limit: DeadlineQueryLimit), CancellationToken.None);
            foreach (var row in followUps)
            {
                var f = row.FollowUp;
                if (f.Stage == FollowUpStage.AwaitingVerification)
                {
                    items.Add(new DeadlineItem(AlertKind.FollowUpDeadline, f.RatingId, "回访核实", f.ReturnVisitDue));
                }
                else if (f.IsOpen)
                {
                    items.Add(new DeadlineItem(AlertKind.FollowUpDeadline, f.RatingId, "整改反馈", f.ReplyDue));
                }
            }

            var open = await cases.QueryAsync(new CaseQuery(HallCode: Code, OpenOnly: true, Limit: DeadlineQueryLimit), CancellationToken.None);
            items.AddRange(open.Where(c => c.DueDate is not null).Select(c => new DeadlineItem(AlertKind.CaseDeadline, c.CaseNo, "承诺办结时限", c.DueDate!.Value)));
            return items;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The stores may be briefly unavailable: keep the last deadlines, the next tick tries again.
            LogDeadlinesFailed(logger, e, Code);
            return deadlines;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Hall {HallCode} alert opened: {Kind} {Subject}")]
    private static partial void LogOpened(ILogger logger, string hallCode, AlertKind kind, string subject);

    [LoggerMessage(Level = LogLevel.Information, Message = "Hall {HallCode} alert cleared: {Kind} {Subject}")]
    private static partial void LogCleared(ILogger logger, string hallCode, AlertKind kind, string subject);

    [LoggerMessage(Level = LogLevel.Information, Message = "Hall {HallCode} alert thresholds set by {Actor}")]
    private static partial void LogThresholds(ILogger logger, string hallCode, string actor);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Hall {HallCode}: loading the deadlines for alerts failed; keeping the last ones")]
    private static partial void LogDeadlinesFailed(ILogger logger, Exception exception, string hallCode);
}
