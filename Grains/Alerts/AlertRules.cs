using System.Globalization;
using TongBan.Grains.Halls;

namespace TongBan.Grains.Alerts;

/// <summary>
/// The hall alert rules (大厅预警规则), pure: which conditions hold for a floor snapshot, the hall's thresholds, the
/// deadlines it answers for and the time; and how they open and clear alerts. The grain only keeps their state.
/// </summary>
public static class AlertRules
{
    /// <summary>Cleared alerts kept per hall (newest); older ones fall off the history.</summary>
    public const int HistoryLimit = 2000;

    public static string Key(AlertKind kind, string subject) => $"{kind}:{subject}";

    /// <summary>
    /// Pause start per paused window: a window already tracked keeps its start; a newly paused one starts at the
    /// snapshot's time (the floor is reported right after the pause, so this is late by at most the publish interval);
    /// windows no longer paused are dropped.
    /// </summary>
    public static Dictionary<int, DateTimeOffset> TrackPauses(IReadOnlyDictionary<int, DateTimeOffset> previous, HallSnapshot floor)
    {
        ArgumentNullException.ThrowIfNull(previous);
        ArgumentNullException.ThrowIfNull(floor);
        var next = new Dictionary<int, DateTimeOffset>();
        foreach (var w in floor.Windows.Where(w => w.State == "paused"))
        {
            next[w.WindowNo] = previous.TryGetValue(w.WindowNo, out var since) && since <= floor.At ? since : floor.At;
        }

        return next;
    }

    /// <summary>The conditions that hold now. A null <paramref name="floor"/> (not reported yet) yields only deadline conditions.</summary>
    public static IReadOnlyList<AlertCondition> Evaluate(
        HallSnapshot? floor,
        AlertThresholds thresholds,
        IReadOnlyDictionary<int, DateTimeOffset> pausedSince,
        IReadOnlyList<DeadlineItem> deadlines,
        DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(thresholds);
        ArgumentNullException.ThrowIfNull(pausedSince);
        ArgumentNullException.ThrowIfNull(deadlines);
        var found = new List<AlertCondition>();
        if (floor is not null)
        {
            foreach (var c in floor.Categories)
            {
                if (thresholds.WaitingCount is { } count && c.Waiting >= count)
                {
                    found.Add(new(AlertKind.WaitingCount, c.Code, $"{c.Name}（{c.Code}）排队 {c.Waiting} 人，达到预警值 {count} 人。", c.Waiting, count));
                }

                if (thresholds.PredictedWaitMinutes is { } minutes && c.PredictedWaitMinutes is { } predicted && predicted >= minutes)
                {
                    found.Add(new(AlertKind.PredictedWait, c.Code, $"{c.Name}（{c.Code}）预计等候 {predicted} 分钟，达到预警值 {minutes} 分钟。", predicted, minutes));
                }

                if (thresholds.NoOpenWindow && c.Waiting > 0 && (c.NoWindow || c.ServingWindows <= 0))
                {
                    found.Add(new(AlertKind.NoOpenWindow, c.Code, $"{c.Name}（{c.Code}）有 {c.Waiting} 人等候，但没有开放的窗口办理。", c.Waiting, null));
                }
            }

            if (thresholds.WindowPausedMinutes is { } pausedLimit)
            {
                foreach (var w in floor.Windows.Where(w => w.State == "paused"))
                {
                    if (pausedSince.TryGetValue(w.WindowNo, out var since) && (now - since).TotalMinutes >= pausedLimit)
                    {
                        var paused = (int)(now - since).TotalMinutes;
                        var reason = w.PauseReason is null ? string.Empty : $"（{w.PauseReason}）";
                        found.Add(new(AlertKind.WindowPaused, w.WindowNo.ToString(CultureInfo.InvariantCulture),
                            $"{w.WindowNo} 号窗口已暂停 {paused} 分钟{reason}，超过 {pausedLimit} 分钟。", paused, pausedLimit));
                    }
                }
            }
        }

        if (thresholds.DeadlineWarningDays is { } warningDays)
        {
            var today = DateOnly.FromDateTime(now.ToOffset(Common.ChinaTime.Offset).DateTime);
            foreach (var d in deadlines)
            {
                var left = d.Due.DayNumber - today.DayNumber;
                if (left <= warningDays)
                {
                    var what = d.Kind == AlertKind.FollowUpDeadline ? $"差评整改 {d.Subject} 的{d.What}" : $"办件 {d.Subject} 的{d.What}";
                    var when = left < 0 ? $"已逾期 {-left} 天" : left == 0 ? "今天到期" : $"还有 {left} 天到期";
                    found.Add(new(d.Kind, d.Subject, $"{what}{when}（{d.Due:yyyy-MM-dd}）。", left, warningDays));
                }
            }
        }

        // One condition per key (a case listed twice counts once).
        return [.. found.GroupBy(c => c.Key, StringComparer.Ordinal).Select(g => g.First())];
    }

    /// <summary>
    /// Opens an alert for each condition without an open one and clears each open alert whose condition no longer
    /// holds. An alert stays open while its condition holds, even if the measured value changes.
    /// </summary>
    public static AlertChanges Reconcile(IReadOnlyList<HallAlert> open, IReadOnlyList<AlertCondition> conditions, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(open);
        ArgumentNullException.ThrowIfNull(conditions);
        var openKeys = open.Select(a => a.Key).ToHashSet(StringComparer.Ordinal);
        var holding = conditions.Select(c => c.Key).ToHashSet(StringComparer.Ordinal);
        var opened = conditions
            .Where(c => !openKeys.Contains(c.Key))
            .Select(c => new HallAlert(
                $"{c.Key}:{now.ToOffset(Common.ChinaTime.Offset):yyyyMMddHHmmss}",
                c.Kind,
                c.Subject,
                c.Message,
                now,
                null,
                c.Value,
                c.Threshold))
            .ToList();
        var cleared = open.Where(a => !holding.Contains(a.Key)).Select(a => a with { ClearedAt = now }).ToList();
        return new AlertChanges(opened, cleared);
    }

    /// <summary>Cleared alerts that overlap [<paramref name="from"/>, <paramref name="to"/>), newest first.</summary>
    public static IReadOnlyList<HallAlert> InRange(IEnumerable<HallAlert> history, DateTimeOffset from, DateTimeOffset to) =>
        [.. history.Where(a => a.OpenedAt < to && (a.ClearedAt ?? DateTimeOffset.MaxValue) >= from).OrderByDescending(a => a.OpenedAt)];
}
