using Microsoft.Extensions.Logging;
using TongBan.Grains.Appointments;
using TongBan.Grains.Common;
using TongBan.Grains.Live;
using TongBan.Grains.Queues;
using TongBan.Grains.Ratings;
using TongBan.Grains.Windows;

namespace TongBan.Grains.Halls;

/// <summary>
/// A hall's live face. Its static profile comes from the silo-local <see cref="ServicePointDirectory"/>;
/// only operator-set status is persisted. The live figures are a cache of what its queues and windows
/// report (one-way): pulled once on first use after activation, then kept current by their reports,
/// so a reactivated hall is correct without storing a second copy of the queues.
/// </summary>
public sealed partial class HallGrain(
    [PersistentState("hall", StorageNames.Default)] IPersistentState<HallServiceStatus> status,
    ServicePointDirectory directory,
    TimeProvider clock,
    ILogger<HallGrain> logger) : Grain, IHallGrain
{
    private readonly Dictionary<string, QueueView> queues = new(StringComparer.Ordinal);
    private readonly Dictionary<int, WindowView> windows = [];
    private (int Today, int NextHour) appointments;
    private double? goodRate;
    private bool loaded;
    private IGrainTimer? publishTimer;

    /// <summary>Reports arriving within this interval are pushed as one snapshot (the live feed coalesces per 100 ms anyway).</summary>
    public static readonly TimeSpan PublishInterval = TimeSpan.FromMilliseconds(100);

    private string Code => this.GetPrimaryKeyString();

    private ServicePoint Profile => directory.Find(Code) ?? throw new UnknownHallException(Code);

    public async Task<HallSnapshot> GetSnapshot()
    {
        await EnsureLoaded();
        return BuildSnapshot();
    }

    public Task<HallServiceStatus> GetServiceStatus()
    {
        _ = Profile;
        return Task.FromResult(status.State ?? HallServiceStatus.Open);
    }

    public async Task<HallServiceStatus> SetServiceStatus(bool suspended, string? reason, string actor)
    {
        _ = Profile;
        if (status.State.Suspended == suspended && status.State.Reason == reason)
        {
            return status.State; // a retried command changes nothing
        }

        status.State = new HallServiceStatus(suspended, reason, actor, ChinaTime.Now(clock));
        await status.WriteStateAsync();
        LogStatusChanged(logger, Code, suspended, actor);
        await EnsureLoaded();
        await PublishSnapshot();
        return status.State;
    }

    public async Task QueueChanged(QueueView view)
    {
        await EnsureLoaded();
        queues[view.Category] = view;
        SchedulePublish();
    }

    public async Task WindowChanged(WindowView view, bool statusChanged)
    {
        await EnsureLoaded();
        var before = windows.GetValueOrDefault(view.WindowNo);
        windows[view.WindowNo] = view;
        if (statusChanged || (view.Status == WindowStatus.Open && !(before?.RecentServed ?? []).SequenceEqual(view.RecentServed ?? [], StringComparer.Ordinal)))
        {
            // A finish moves the window's measured shares; the queues hear of it only when that matters (see UpdateServingWindows).
            await UpdateServingWindows();
        }

        SchedulePublish();
    }

    public async Task AppointmentsChanged(int today, int nextHour)
    {
        await EnsureLoaded();
        appointments = (today, nextHour);
        await PublishSnapshot();
    }

    public async Task RatingsChanged(double? rate)
    {
        await EnsureLoaded();
        if (goodRate != rate)
        {
            goodRate = rate;
            await PublishSnapshot();
        }
    }

    private async Task EnsureLoaded()
    {
        if (loaded)
        {
            return;
        }

        var p = Profile;
        var queueViews = p.Categories.Select(c => GrainFactory.GetGrain<IQueueGrain>(QueueKeys.Of(p.Code, c.Code)).GetView()).ToList();
        var windowViews = p.Windows.Select(w => GrainFactory.GetGrain<IWindowGrain>(WindowKeys.Of(p.Code, w.WindowNo)).GetView()).ToList();
        foreach (var view in await Task.WhenAll(queueViews))
        {
            queues[view.Category] = view;
        }

        foreach (var view in await Task.WhenAll(windowViews))
        {
            windows[view.WindowNo] = view;
        }

        if (p.Windows.Count > 0)
        {
            // Today's book reports changes as they happen; a reactivated hall asks once instead of showing 0.
            var figures = await GrainFactory.GetGrain<IAppointmentBookGrain>(AppointmentBookKeys.Of(p.Code, ChinaTime.Today(clock))).GetFigures();
            appointments = (figures.Today, figures.NextHour);
        }

        loaded = true;
        await UpdateServingWindows();

        // One-way: the hall's rating roll-up answers with RatingsChanged, so the hall never waits on the rating store.
        await GrainFactory.GetGrain<IRatingRollupGrain>(RatingScopes.HallKey(p.Code)).Announce();
    }

    /// <summary>A measured share drifting by less than this is not worth a queue write (each one is written with its queue's state).</summary>
    public const double CapacityTolerance = 0.05;

    /// <summary>
    /// Tells each queue its capacity: the sum of the measured shares of the open windows serving it
    /// (<see cref="WaitEstimator.ServingWindows(string, IEnumerable{WindowLoad}, QueueRules)"/>), and how many open windows
    /// list it. Sent when the window count changes, when capacity appears or vanishes, or when it drifts by at least
    /// <see cref="CapacityTolerance"/> (a finish moves a share by at most 1/24 of a window).
    /// </summary>
    private async Task UpdateServingWindows()
    {
        var rules = QueueRules.Default;
        var open = windows.Values.Where(w => w.Status == WindowStatus.Open).Select(w => new WindowLoad(w.Categories, w.RecentServed)).ToList();
        var updates = new List<Task>();
        foreach (var category in Profile.Categories)
        {
            var capacity = WaitEstimator.ServingWindows(category.Code, open, rules);
            var count = WaitEstimator.ServingWindowCount(category.Code, open);
            if (!queues.TryGetValue(category.Code, out var view)
                || (int)view.ServingWindows != count
                || (view.Capacity < 1e-9) != (capacity < 1e-9)
                || Math.Abs(view.Capacity - capacity) >= CapacityTolerance)
            {
                updates.Add(GrainFactory.GetGrain<IQueueGrain>(QueueKeys.Of(Code, category.Code)).SetServingWindows(capacity, count));
            }
        }

        await Task.WhenAll(updates);
    }

    private HallSnapshot BuildSnapshot()
    {
        var p = Profile;
        var now = ChinaTime.Now(clock);
        var categories = p.Categories.Select(c =>
        {
            var q = queues.GetValueOrDefault(c.Code);
            return new CategorySnapshot(
                c.Code,
                c.Name,
                q?.Waiting ?? 0,
                q?.PredictedWaitMinutes,
                q?.LongestWaitingSince is { } since ? (int)Math.Max(0, (now - since).TotalMinutes) : null,
                q?.ServingWindows ?? 0,
                q?.Waits.MeanAbsoluteErrorMinutes,
                q?.Counts.Served ?? 0,
                q?.Counts.NoShow ?? 0,
                NoWindow: q?.NoWindow ?? false,
                ErrorSampleCount: q?.Waits.Predicted ?? 0,
                P90AbsoluteErrorMinutes: q?.Waits.P90AbsoluteErrorMinutes);
        }).ToList();
        var windowList = p.Windows.Select(w =>
        {
            var v = windows.GetValueOrDefault(w.WindowNo);
            return new WindowSnapshot(
                w.WindowNo,
                (v?.Status ?? WindowStatus.Closed).ToString().ToLowerInvariant(),
                v?.Current?.TicketNo,
                v?.Clerk,
                v?.ServedToday ?? 0,
                v?.Categories ?? w.Categories,
                v?.PauseReason is { } reason ? PauseReasonWire.Name(reason) : null,
                v?.PausedMinutesToday ?? 0);
        }).ToList();

        // Day-level wait figures weight each category's average by its called tickets; p90 takes the worst category (conservative).
        // Computed from the exact figures, then rounded to whole minutes as published.
        var exact = queues.Values.Select(q => q.ExactWaits ?? q.Waits).ToList();
        var called = exact.Sum(w => w.Called);
        var average = called == 0 ? null : PublishedFigures.Minutes(exact.Where(w => w.AverageMinutes is not null).Sum(w => w.AverageMinutes!.Value * w.Called) / called);
        var p90 = PublishedFigures.Minutes(exact.Select(w => w.P90Minutes).Where(x => x is not null).DefaultIfEmpty(null).Max());
        return new HallSnapshot(
            p.Code,
            now,
            categories,
            windowList,
            ServedToday: queues.Values.Sum(q => q.Counts.Served),
            AppointmentsToday: appointments.Today,
            GoodRate: goodRate,
            Suspended: status.State.Suspended,
            AppointmentsNextHour: appointments.NextHour,
            NoShowsToday: queues.Values.Sum(q => q.Counts.NoShow),
            AverageWaitMinutes: average,
            P90WaitMinutes: p90,
            WaitingTotal: categories.Sum(c => c.Waiting),
            OpenWindows: windowList.Count(w => w.State == "open"));
    }

    /// <summary>
    /// Publishes once, <see cref="PublishInterval"/> after the first unpublished report. A 20-ms debounce for a quiet
    /// hall was tried (27 Nov): more snapshots per hall and a worse push p99 at 5,000 subscribers (docs/PERFORMANCE.md).
    /// </summary>
    private void SchedulePublish()
    {
        publishTimer ??= this.RegisterGrainTimer(
            async () =>
            {
                publishTimer?.Dispose();
                publishTimer = null;
                await PublishSnapshot();
            },
            new GrainTimerCreationOptions(PublishInterval, Timeout.InfiniteTimeSpan) { Interleave = false });
    }

    private Task PublishSnapshot()
    {
        var snapshot = BuildSnapshot();
        return GrainFactory.PublishLive(
        [
            new LiveMessage(LiveGroups.Hall(Code), LiveMethods.HallSnapshot, snapshot, CoalesceKey: "snapshot:" + Code),
            Map.MapLiveFeed.For(snapshot), // every silo's map overlay (coalesced per hall)
        ]);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Hall {HallCode} service status set: suspended={Suspended} by {Actor}")]
    private static partial void LogStatusChanged(ILogger logger, string hallCode, bool suspended, string actor);
}

/// <summary>Raised when a grain is addressed with a service-point code that does not exist.</summary>
[GenerateSerializer]
public sealed class UnknownHallException(string hallCode) : Exception($"Unknown service point '{hallCode}'.")
{
    [Id(0)]
    public string HallCode { get; } = hallCode;
}
