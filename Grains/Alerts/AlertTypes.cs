namespace TongBan.Grains.Alerts;

/// <summary>What an alert to the hall manager (大厅预警) is about. Wire names are camelCase.</summary>
public enum AlertKind
{
    /// <summary>排队人数超限: a category's waiting count reached the hall's threshold.</summary>
    WaitingCount,

    /// <summary>预计等候超时: a category's predicted wait for a walk-in reached the threshold.</summary>
    PredictedWait,

    /// <summary>无窗口办理: tickets wait in a category and no open window serves it.</summary>
    NoOpenWindow,

    /// <summary>窗口暂停过久: a window has been paused for at least the threshold.</summary>
    WindowPaused,

    /// <summary>差评整改临期: a 差评 follow-up's return visit or reply is due within the warning days, or overdue.</summary>
    FollowUpDeadline,

    /// <summary>办件临期/超期: a case received at the hall is due within the warning days, or overdue.</summary>
    CaseDeadline,
}

/// <summary>
/// A hall's alert thresholds (预警阈值), set by its manager. A null threshold switches its rule off.
/// </summary>
/// <param name="WaitingCount">Alert when a category has at least this many waiting tickets.</param>
/// <param name="PredictedWaitMinutes">Alert when a category's predicted wait for a walk-in is at least this many minutes.</param>
/// <param name="WindowPausedMinutes">Alert when a window has been paused at least this many minutes.</param>
/// <param name="NoOpenWindow">Alert when tickets wait in a category no open window serves.</param>
/// <param name="DeadlineWarningDays">Alert when a 差评 follow-up or a case is due within this many calendar days (0: on the due day), or overdue.</param>
[GenerateSerializer, Immutable]
public sealed record AlertThresholds(
    [property: Id(0)] int? WaitingCount,
    [property: Id(1)] int? PredictedWaitMinutes,
    [property: Id(2)] int? WindowPausedMinutes,
    [property: Id(3)] bool NoOpenWindow,
    [property: Id(4)] int? DeadlineWarningDays,
    [property: Id(5)] DateTimeOffset? UpdatedAt = null,
    [property: Id(6)] string? UpdatedBy = null)
{
    /// <summary>Defaults until the manager sets the hall's own: 30 waiting, 45 min wait, 20 min pause, no-window on, 1 day.</summary>
    public static readonly AlertThresholds Default = new(30, 45, 20, true, 1);

    public const int MaxCount = 10_000;
    public const int MaxMinutes = 600;
    public const int MaxWarningDays = 30;

    /// <summary>The first invalid field and why, or null when every value is in range.</summary>
    public (string Field, string Message)? Validate()
    {
        if (WaitingCount is < 1 or > MaxCount)
        {
            return ("waitingCount", $"waitingCount is 1–{MaxCount} (or null to switch the rule off).");
        }

        if (PredictedWaitMinutes is < 1 or > MaxMinutes)
        {
            return ("predictedWaitMinutes", $"predictedWaitMinutes is 1–{MaxMinutes} (or null).");
        }

        if (WindowPausedMinutes is < 1 or > MaxMinutes)
        {
            return ("windowPausedMinutes", $"windowPausedMinutes is 1–{MaxMinutes} (or null).");
        }

        if (DeadlineWarningDays is < 0 or > MaxWarningDays)
        {
            return ("deadlineWarningDays", $"deadlineWarningDays is 0–{MaxWarningDays} (or null).");
        }

        return null;
    }
}

/// <summary>
/// One alert of a hall: open while its condition holds (<see cref="ClearedAt"/> null), then kept in the history.
/// (<see cref="Kind"/>, <see cref="Subject"/>) identifies the condition: at most one alert of a condition is open.
/// </summary>
/// <param name="Id">Stable: <c>{kind}:{subject}:{opened, yyyyMMddHHmmss}</c>.</param>
/// <param name="Subject">The category code, window number, rating id or case number the alert is about.</param>
/// <param name="Message">For the manager, zh-CN.</param>
/// <param name="Value">The measured value when opened (count, minutes or days left); null where none applies.</param>
/// <param name="Threshold">The threshold it passed; null for rules without one.</param>
[GenerateSerializer, Immutable]
public sealed record HallAlert(
    [property: Id(0)] string Id,
    [property: Id(1)] AlertKind Kind,
    [property: Id(2)] string Subject,
    [property: Id(3)] string Message,
    [property: Id(4)] DateTimeOffset OpenedAt,
    [property: Id(5)] DateTimeOffset? ClearedAt = null,
    [property: Id(6)] double? Value = null,
    [property: Id(7)] double? Threshold = null)
{
    public string Key => AlertRules.Key(Kind, Subject);
}

/// <summary>A condition that holds now, as <see cref="AlertRules.Evaluate"/> finds it.</summary>
public sealed record AlertCondition(AlertKind Kind, string Subject, string Message, double? Value, double? Threshold)
{
    public string Key => AlertRules.Key(Kind, Subject);
}

/// <summary>Something with a due date the hall manager answers for: a 差评 follow-up step or a case.</summary>
/// <param name="Subject">Rating id or case number.</param>
/// <param name="What">What is due, zh-CN (e.g. 回访核实, 整改反馈, 办结).</param>
[GenerateSerializer, Immutable]
public sealed record DeadlineItem(
    [property: Id(0)] AlertKind Kind,
    [property: Id(1)] string Subject,
    [property: Id(2)] string What,
    [property: Id(3)] DateOnly Due);

/// <summary>What one evaluation changes: alerts to open and open alerts to clear (with their clear time set).</summary>
public sealed record AlertChanges(IReadOnlyList<HallAlert> Opened, IReadOnlyList<HallAlert> Cleared)
{
    public bool Any => Opened.Count > 0 || Cleared.Count > 0;
}

/// <summary>A hall's open alerts and the cleared ones that overlap the asked range (<c>GET /api/halls/{hallCode}/alerts</c>).</summary>
[GenerateSerializer, Immutable]
public sealed record HallAlertList(
    [property: Id(0)] string HallCode,
    [property: Id(1)] IReadOnlyList<HallAlert> Open,
    [property: Id(2)] IReadOnlyList<HallAlert> History,
    [property: Id(3)] AlertThresholds Thresholds);

/// <summary>The <c>hallAlert</c> push to the hall manager's desk: <paramref name="Change"/> is <c>opened</c> or <c>cleared</c>.</summary>
[GenerateSerializer, Immutable]
public sealed record HallAlertChanged(
    [property: Id(0)] string HallCode,
    [property: Id(1)] string Change,
    [property: Id(2)] HallAlert Alert);

public static class AlertLive
{
    /// <summary>Client method of the live hub, sent to the hall manager's desk group (<c>halldesk:{hallCode}</c>).</summary>
    public const string HallAlert = "hallAlert";
}
