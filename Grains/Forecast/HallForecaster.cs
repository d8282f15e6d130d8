using System.Collections.Concurrent;
using System.Globalization;
using TongBan.Grains.Appointments;
using TongBan.Grains.Common;
using TongBan.Grains.Halls;
using TongBan.Grains.Queues;

namespace TongBan.Grains.Forecast;

/// <summary>Configuration section <c>TongBan:Forecast</c>.</summary>
public sealed class ForecastOptions
{
    public const string Section = "TongBan:Forecast";

    /// <summary>Days of history the forecast learns from (before today).</summary>
    public int HistoryDays { get; set; } = 56;

    /// <summary>How far ahead a forecast may be asked (days).</summary>
    public int MaxDaysAhead { get; set; } = 14;

    /// <summary>
    /// Demo and tests only: with no history store, seed each hall with this many days of <see cref="SyntheticHistory"/>
    /// (labelled synthetic in every answer). 0 (default): no history until the history store is plugged in.
    /// </summary>
    public int SyntheticHistoryDays { get; set; }

    public void Validate()
    {
        if (HistoryDays is < 7 or > 366)
        {
            throw new ArgumentOutOfRangeException(nameof(HistoryDays), HistoryDays, $"{Section}:HistoryDays must be 7–366.");
        }

        if (MaxDaysAhead is < 1 or > 60)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxDaysAhead), MaxDaysAhead, $"{Section}:MaxDaysAhead must be 1–60.");
        }

        if (SyntheticHistoryDays is < 0 or > 366)
        {
            throw new ArgumentOutOfRangeException(nameof(SyntheticHistoryDays), SyntheticHistoryDays, $"{Section}:SyntheticHistoryDays must be 0–366.");
        }
    }
}

/// <summary>What a forecast rests on.</summary>
/// <param name="Kind"><c>history</c> (learnt from the hall's own days) or <c>noHistory</c> (the documented fallback).</param>
/// <param name="Synthetic">The history is synthetic (合成数据), not the hall's real tickets.</param>
/// <param name="Days">Open days learnt from.</param>
/// <param name="Tickets">Tickets of the category learnt from.</param>
/// <param name="HeldOutDays">Days the published error was measured on (kept out of learning).</param>
/// <param name="BacktestTickets">Tickets the published error rests on.</param>
/// <param name="MeanServiceMinutes">The service time used, whole minutes.</param>
/// <param name="Description">The same, in words (zh-CN).</param>
[GenerateSerializer, Immutable]
public sealed record ForecastBasis(
    [property: Id(0)] string Kind,
    [property: Id(1)] bool Synthetic,
    [property: Id(2)] int Days,
    [property: Id(3)] int Tickets,
    [property: Id(4)] DateOnly? From,
    [property: Id(5)] DateOnly? To,
    [property: Id(6)] int HeldOutDays,
    [property: Id(7)] int BacktestTickets,
    [property: Id(8)] double MeanServiceMinutes,
    [property: Id(9)] string Description);

/// <summary><c>GET /api/halls/{hallCode}/forecast</c>: the expected wait for a ticket taken at <paramref name="At"/>.</summary>
/// <param name="PredictedWaitMinutes">Whole minutes until called; null when the line is not expected to be served that day.</param>
/// <param name="ErrorMinutes">Mean absolute error of the backtest (history), or of today's live estimate (fallback, today only); null when unmeasured.</param>
[GenerateSerializer, Immutable]
public sealed record WaitForecast(
    [property: Id(0)] string HallCode,
    [property: Id(1)] string Category,
    [property: Id(2)] DateTimeOffset At,
    [property: Id(3)] int? PredictedWaitMinutes,
    [property: Id(4)] double? ErrorMinutes,
    [property: Id(5)] ForecastBasis Basis,
    [property: Id(6)] int ExpectedAhead = 0);

/// <summary>
/// Forecasts the wait at a future arrival time (预测到达时的等候): learns the hall's history per category (cached per day),
/// then runs the line forward from now with today's line, the learnt walk-ins, the booked appointments and the windows
/// open now (the next 30 minutes) and then the windows normally open (<see cref="QueueRunner"/>). Without history it
/// runs today's line and the bookings only, with the windows the hall plans for the category.
/// </summary>
public sealed class HallForecaster(IArrivalHistory history, ForecastOptions options, HallHours hours, IGrainFactory grains)
{
    /// <summary>How long the windows open now are assumed to stay as they are before the usual ones take over.</summary>
    public static readonly TimeSpan LiveWindowsHorizon = TimeSpan.FromMinutes(30);

    private readonly ConcurrentDictionary<(string Hall, string Category, DateOnly Today), Lazy<Task<Learnt>>> learnt = new();

    /// <summary>The hall's sessions on a date as instants (+08:00): regular hours, holidays and the manager's exceptions.</summary>
    public static IReadOnlyList<(DateTimeOffset Opens, DateTimeOffset Closes)> Sessions(ServicePoint point, Calendar.WorkingDayCalendar calendar, DateOnly date) =>
        [.. HallClock.SessionsOn(point, calendar, date).Select(s => (ForecastTime.At(date, s.Opens), ForecastTime.At(date, s.Closes)))];

    public async Task<WaitForecast> ForecastAsync(ServicePoint point, string category, DateTimeOffset at, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(point);
        var now = hours.Now;
        var today = hours.Today;
        var date = ForecastTime.LocalDate(at);
        var sessions = Sessions(point, hours.Calendar, date);
        var view = await grains.Line(point.Code, category).GetView();
        var prior = view.MeanServiceMinutes > 0 ? view.MeanServiceMinutes : 10;
        var model = await Learn(point, category, today, prior, cancellationToken);
        var profile = model.Profile;

        var isToday = date == today;
        var start = isToday && sessions.Count > 0 && now > sessions[0].Opens ? now : sessions.Count > 0 ? sessions[0].Opens : at;
        var planned = point.Windows.Count(w => w.Categories.Contains(category, StringComparer.Ordinal));
        var liveUntil = isToday ? now + LiveWindowsHorizon : DateTimeOffset.MinValue;
        var liveWindows = view.Capacity;
        double Windows(DateTimeOffset t) =>
            t < liveUntil && liveWindows > 0 ? liveWindows : profile.IsEmpty ? planned : profile.Windows(t);
        double Arrivals(DateTimeOffset t) => profile.IsEmpty ? 0 : profile.ArrivalsPerMinute(t);

        var booked = new List<(DateTimeOffset, int)>();
        var slots = await grains.GetGrain<IAppointmentBookGrain>(AppointmentBookKeys.Of(point.Code, date)).GetSlots(category);
        if (slots.IsOk)
        {
            booked.AddRange(slots.Ok.Where(s => s.Booked > 0 && s.Start >= start).Select(s => (s.Start, s.Booked)));
        }

        var service = profile.IsEmpty ? prior : profile.MeanServiceMinutes;
        var run = new QueueRun(start, isToday ? view.Waiting : 0, at, sessions, Arrivals, Windows, service, booked);
        var wait = QueueRunner.WaitMinutes(run);
        var ahead = QueueRunner.AheadAt(run);
        var synthetic = history.Synthetic && !profile.IsEmpty;
        ForecastBasis basis;
        double? error;
        if (profile.IsEmpty)
        {
            error = isToday ? view.Waits.MeanAbsoluteErrorMinutes : null;
            basis = new ForecastBasis("noHistory", false, 0, 0, null, null, 0, 0, PublishedFigures.Minutes(service) ?? 0,
                $"无历史数据：仅按今日排队、已预约人数和计划开放的 {planned} 个窗口推算；误差为今日实时预计的平均误差（仅限今天，样本不足时为空）。" +
                " No history: today's line, the booked appointments and the planned windows only.");
        }
        else
        {
            error = model.Backtest.MeanAbsoluteErrorMinutes is { } mae ? Math.Round(mae, 1) : null;
            basis = new ForecastBasis("history", synthetic, profile.Days, profile.Tickets, profile.FirstDay, profile.LastDay,
                model.Backtest.HeldOutDays.Count, model.Backtest.Samples, PublishedFigures.Minutes(profile.MeanServiceMinutes) ?? 0,
                string.Create(CultureInfo.InvariantCulture,
                    $"{(synthetic ? "【合成数据 synthetic】" : string.Empty)}依据 {profile.Days} 个办公日、{profile.Tickets} 张号（{profile.FirstDay:yyyy-MM-dd} 至 {profile.LastDay:yyyy-MM-dd}）；" +
                    $"误差为最近 {model.Backtest.HeldOutDays.Count} 个留出日 {model.Backtest.Samples} 张号的回测平均绝对误差。"));
        }

        return new WaitForecast(point.Code, category, at, wait is { } w ? (int)Math.Round(w, MidpointRounding.AwayFromZero) : null, error, basis,
            (int)Math.Round(ahead, MidpointRounding.AwayFromZero));
    }

    private Task<Learnt> Learn(ServicePoint point, string category, DateOnly today, double prior, CancellationToken cancellationToken)
    {
        var key = (point.Code, category, today);
        foreach (var stale in learnt.Keys.Where(k => k.Today != today))
        {
            learnt.TryRemove(stale, out _);
        }

        var lazy = learnt.GetOrAdd(key, _ => new Lazy<Task<Learnt>>(async () =>
        {
            var tickets = await history.TicketsAsync(point.Code, today.AddDays(-options.HistoryDays), today.AddDays(-1), cancellationToken);
            var profile = ArrivalProfile.Learn(tickets, category, prior);
            var calendar = hours.Calendar;
            var backtest = ForecastBacktest.Run(tickets, category, prior, d => Sessions(point, calendar, d));
            return new Learnt(profile, backtest);
        }));
        return lazy.Value;
    }

    private sealed record Learnt(ArrivalProfile Profile, BacktestResult Backtest);
}

/// <summary>The synthetic seed of the embedded demo: each hall's categories with their planned windows, over the days before today.</summary>
public static class SyntheticHallHistory
{
    public static IReadOnlyList<PastTicket> For(ServicePoint point, HallHours hours, int days)
    {
        ArgumentNullException.ThrowIfNull(point);
        ArgumentNullException.ThrowIfNull(hours);
        var categories = point.Categories.Select((c, i) =>
        {
            var primary = point.Windows.Where(w => w.Categories.Count > 0 && w.Categories[0] == c.Code).Select(w => w.WindowNo).ToList();
            var windows = primary.Count > 0 ? primary : point.Windows.Where(w => w.Categories.Contains(c.Code, StringComparer.Ordinal)).Select(w => w.WindowNo).ToList();
            return new SyntheticCategory(c.Code, 6.0 * Math.Max(1, windows.Count) / (1 + (i * 0.3)), 8 + (2 * i), windows);
        }).Where(c => c.Windows.Count > 0).ToList();
        var calendar = hours.Calendar;
        var today = hours.Today;
        return SyntheticHistory.Generate(point.Code, categories, today.AddDays(-days), days, SyntheticHistory.SeedOf(point.Code),
            d => HallForecaster.Sessions(point, calendar, d));
    }
}
