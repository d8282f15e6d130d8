using System.Globalization;
using TongBan.Grains.Ratings;

namespace TongBan.Grains.History;

/// <summary>Report periods: day, ISO week (Monday first) or calendar month.</summary>
public enum ReportGranularity
{
    Day,
    Week,
    Month,
}

/// <summary>One case as the report counts it: the day it was received (its period), whether it finished (办结), on time, and its hall visits.</summary>
/// <param name="Visits">Distinct tickets linked to the case (号件关联); 0 for a case received without a ticket.</param>
public sealed record CaseFact(string CaseNo, DateOnly Received, bool Finished, bool OnTime, int Visits);

/// <summary>
/// The figures of one period (or of the whole range). Minutes are rounded to one decimal place, rates to four.
/// </summary>
/// <param name="Tickets">Tickets that reached an outcome in their line: served, no-show or cancelled (a transfer is counted where it ends).</param>
/// <param name="Served">Served tickets plus walk-up services (补录), as the live counts.</param>
/// <param name="WaitMeanMinutes">Mean wait (entering the line → first call) of called tickets (served and no-show); null without any.</param>
/// <param name="ServiceMeanMinutes">Mean 办理 time (start → finish) of served tickets.</param>
/// <param name="StaffMinutes">Windows' signed-in time (签到至签退), by the day the session started.</param>
/// <param name="PausedMinutes">Windows' paused time (暂停), by the day the pause started.</param>
/// <param name="ParkedMinutes">Tickets' time on hold (挂起 until unparked or called).</param>
/// <param name="GoodRate">(非常满意 + 满意 + 基本满意) ÷ ratings; null without ratings.</param>
/// <param name="CasesReceived">Cases received (收件) in the period; finished, on time and 一次办成 count the same cases.</param>
/// <param name="OneVisitRate">一次办成率: finished cases with at most one hall visit ÷ finished cases; null without finished cases.</param>
public sealed record ReportRow(
    string Period,
    DateOnly From,
    DateOnly To,
    int Tickets,
    int Served,
    int WalkUps,
    int NoShow,
    int Cancelled,
    int Transferred,
    int Parked,
    double? WaitMeanMinutes,
    double? WaitP50Minutes,
    double? WaitP90Minutes,
    double? ServiceMeanMinutes,
    double StaffMinutes,
    double PausedMinutes,
    double ParkedMinutes,
    int Ratings,
    int GoodRatings,
    int BadRatings,
    double? GoodRate,
    int CasesReceived,
    int CasesFinished,
    int CasesOnTime,
    int OneVisitFinished,
    double? OneVisitRate);

/// <summary>
/// Computes report figures from history records, ratings and cases, one pass over the streamed rows: pure (no clock,
/// no store), so the definitions are tested directly. Per period it keeps counters and the wait samples (for the
/// percentiles: 4 bytes a called ticket).
/// </summary>
public sealed class ReportCalculator
{
    public const string Definition =
        "取号 tickets = 已办结 + 过号 + 已取消（转出的号在接收队列计）；办结 served = 已办结 + 补录；等候 = 进入队列至首次叫号（p50/p90 为最近秩百分位）；" +
        "办理 = 开始办理至办结；在岗 = 签到至签退；暂停 = 暂停至恢复/签退；好评率 = (非常满意+满意+基本满意) ÷ 评价数；" +
        "收件 = 期间内受理的案件，按期、一次办成均以这些案件计；一次办成率 = 办结案件中到厅不超过一次（关联票号 ≤ 1）的比例。";

    private readonly DateOnly from;
    private readonly DateOnly to;
    private readonly ReportGranularity granularity;
    private readonly SortedDictionary<DateOnly, Bucket> buckets = [];
    private readonly Dictionary<(string, DateOnly, string), DateTimeOffset> parkedSince = [];

    public ReportCalculator(DateOnly from, DateOnly to, ReportGranularity granularity)
    {
        if (to < from)
        {
            throw new ArgumentException("to is before from.", nameof(to));
        }

        (this.from, this.to, this.granularity) = (from, to, granularity);
        for (var start = StartOf(from, granularity); start <= to; start = Next(start, granularity))
        {
            buckets[start] = new Bucket();
        }
    }

    /// <summary>The first day of the period holding <paramref name="day"/>.</summary>
    public static DateOnly StartOf(DateOnly day, ReportGranularity granularity) => granularity switch
    {
        ReportGranularity.Week => day.AddDays(-(((int)day.DayOfWeek + 6) % 7)),
        ReportGranularity.Month => new DateOnly(day.Year, day.Month, 1),
        _ => day,
    };

    public static DateOnly Next(DateOnly start, ReportGranularity granularity) => granularity switch
    {
        ReportGranularity.Week => start.AddDays(7),
        ReportGranularity.Month => start.AddMonths(1),
        _ => start.AddDays(1),
    };

    /// <summary>The period's label: 2026-12-06, 2026-W49 (ISO week) or 2026-12.</summary>
    public static string Label(DateOnly start, ReportGranularity granularity) => granularity switch
    {
        ReportGranularity.Week => string.Create(CultureInfo.InvariantCulture, $"{ISOWeek.GetYear(start.ToDateTime(TimeOnly.MinValue))}-W{ISOWeek.GetWeekOfYear(start.ToDateTime(TimeOnly.MinValue)):00}"),
        ReportGranularity.Month => start.ToString("yyyy-MM", CultureInfo.InvariantCulture),
        _ => start.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
    };

    /// <summary>Nearest-rank percentile of sorted samples (p in 0–1); null when empty.</summary>
    public static double? Percentile(IReadOnlyList<int> sorted, double p)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        if (sorted.Count == 0)
        {
            return null;
        }

        var rank = (int)Math.Ceiling(p * sorted.Count);
        return sorted[Math.Clamp(rank, 1, sorted.Count) - 1];
    }

    public void Add(TicketOutcome t)
    {
        ArgumentNullException.ThrowIfNull(t);
        var key = (t.HallCode, t.Day, t.TicketNo);
        if (parkedSince.Remove(key, out var since) && Of(HistoryDays.Of(since)) is { } parkedIn)
        {
            parkedIn.ParkedSeconds += Math.Max(0, (t.At - since).TotalSeconds);
        }

        if (t.Outcome == TicketOutcomeKind.Parked)
        {
            parkedSince[key] = t.At;
        }

        if (Of(t.Day) is not { } b)
        {
            return;
        }

        switch (t.Outcome)
        {
            case TicketOutcomeKind.Served:
                b.Served++;
                break;
            case TicketOutcomeKind.NoShow:
                b.NoShow++;
                break;
            case TicketOutcomeKind.Cancelled:
                b.Cancelled++;
                break;
            case TicketOutcomeKind.Transferred:
                b.Transferred++;
                break;
            case TicketOutcomeKind.Parked:
                b.Parked++;
                break;
            case TicketOutcomeKind.WalkUp:
                b.WalkUps++;
                break;
        }

        if (t.Outcome is TicketOutcomeKind.Served or TicketOutcomeKind.NoShow && t.WaitSeconds is { } wait)
        {
            b.Waits.Add(wait);
        }

        if (t.Outcome == TicketOutcomeKind.Served && t.ServiceSeconds is { } service)
        {
            b.ServiceSeconds += service;
            b.ServiceCount++;
        }
    }

    public void Add(WindowActivity a)
    {
        ArgumentNullException.ThrowIfNull(a);
        if (Of(a.Day) is { } b)
        {
            if (a.Kind == WindowActivityKind.Session)
            {
                b.StaffSeconds += a.Seconds;
            }
            else
            {
                b.PausedSeconds += a.Seconds;
            }
        }
    }

    public void AddRatings(DateOnly day, LevelCounts counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        if (Of(day) is { } b)
        {
            b.Ratings += counts.Total;
            b.Good += counts.Good;
            b.Bad += counts.Bad;
        }
    }

    public void Add(CaseFact c)
    {
        ArgumentNullException.ThrowIfNull(c);
        if (Of(c.Received) is { } b)
        {
            b.CasesReceived++;
            if (c.Finished)
            {
                b.CasesFinished++;
                b.CasesOnTime += c.OnTime ? 1 : 0;
                b.OneVisit += c.Visits <= 1 ? 1 : 0;
            }
        }
    }

    /// <summary>Every period of the range in order, empty ones included (charts need the gaps).</summary>
    public IReadOnlyList<ReportRow> Rows() =>
        [.. buckets.Select(kv => kv.Value.Row(Label(kv.Key, granularity), Max(kv.Key, from), Min(Next(kv.Key, granularity).AddDays(-1), to)))];

    /// <summary>The whole range as one row (percentiles over all of its waits).</summary>
    public ReportRow Total()
    {
        var all = new Bucket();
        foreach (var b in buckets.Values)
        {
            all.Merge(b);
        }

        return all.Row("total", from, to);
    }

    private static DateOnly Max(DateOnly a, DateOnly b) => a > b ? a : b;

    private static DateOnly Min(DateOnly a, DateOnly b) => a < b ? a : b;

    private Bucket? Of(DateOnly day) => day < from || day > to ? null : buckets.GetValueOrDefault(StartOf(day, granularity));

    private static double Minutes(double seconds) => Math.Round(seconds / 60, 1);

    private sealed class Bucket
    {
        public List<int> Waits { get; } = [];

        public int Served { get; set; }

        public int WalkUps { get; set; }

        public int NoShow { get; set; }

        public int Cancelled { get; set; }

        public int Transferred { get; set; }

        public int Parked { get; set; }

        public double ServiceSeconds { get; set; }

        public int ServiceCount { get; set; }

        public double StaffSeconds { get; set; }

        public double PausedSeconds { get; set; }

        public double ParkedSeconds { get; set; }

        public int Ratings { get; set; }

        public int Good { get; set; }

        public int Bad { get; set; }

        public int CasesReceived { get; set; }

        public int CasesFinished { get; set; }

        public int CasesOnTime { get; set; }

        public int OneVisit { get; set; }

        public void Merge(Bucket b)
        {
            Waits.AddRange(b.Waits);
            (Served, WalkUps, NoShow, Cancelled, Transferred, Parked) =
                (Served + b.Served, WalkUps + b.WalkUps, NoShow + b.NoShow, Cancelled + b.Cancelled, Transferred + b.Transferred, Parked + b.Parked);
            (ServiceSeconds, ServiceCount, StaffSeconds, PausedSeconds, ParkedSeconds) =
                (ServiceSeconds + b.ServiceSeconds, ServiceCount + b.ServiceCount, StaffSeconds + b.StaffSeconds, PausedSeconds + b.PausedSeconds, ParkedSeconds + b.ParkedSeconds);
            (Ratings, Good, Bad) = (Ratings + b.Ratings, Good + b.Good, Bad + b.Bad);
            (CasesReceived, CasesFinished, CasesOnTime, OneVisit) =
                (CasesReceived + b.CasesReceived, CasesFinished + b.CasesFinished, CasesOnTime + b.CasesOnTime, OneVisit + b.OneVisit);
        }

        public ReportRow Row(string label, DateOnly first, DateOnly last)
        {
            Waits.Sort();
            return new ReportRow(
                label, first, last, Served + NoShow + Cancelled, Served + WalkUps, WalkUps, NoShow, Cancelled, Transferred, Parked,
                Waits.Count == 0 ? null : Minutes(Waits.Average()),
                Percentile(Waits, 0.5) is { } p50 ? Minutes(p50) : null,
                Percentile(Waits, 0.9) is { } p90 ? Minutes(p90) : null,
                ServiceCount == 0 ? null : Minutes(ServiceSeconds / ServiceCount),
                Minutes(StaffSeconds), Minutes(PausedSeconds), Minutes(ParkedSeconds),
                Ratings, Good, Bad, Ratings == 0 ? null : Math.Round((double)Good / Ratings, GoodRate.Digits),
                CasesReceived, CasesFinished, CasesOnTime, OneVisit,
                CasesFinished == 0 ? null : Math.Round((double)OneVisit / CasesFinished, GoodRate.Digits));
        }
    }
}
