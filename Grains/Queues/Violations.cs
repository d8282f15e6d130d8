using System.Globalization;

namespace TongBan.Grains.Queues;

/// <summary>What a caller tried to do to a ticket; only used to word violations.</summary>
internal enum QueueAction
{
    Recall,
    NoShow,
    Skip,
    Start,
    Finish,
    Cancel,
    Park,
    Unpark,
    Transfer,
    Redirect,
    ReturnToHead,

    /// <summary>叫号 (only recorded on a ticket as its last window command; never refused by name).</summary>
    Call,

    /// <summary>指定叫号: a window calls a named ticket (appended: stored in <see cref="AppliedCommand"/> by number).</summary>
    CallTicket,
}

/// <summary>
/// Builds the bilingual reasons. They name the ticket, its state and the window, because the clerk
/// and the citizen read them verbatim (the API copies <see cref="QueueViolation.Message"/> to <c>detail</c>).
/// </summary>
internal static class Violations
{
    public static QueueViolation InvalidRequest(string message, string messageZh) =>
        new(QueueViolationCode.InvalidRequest, message, messageZh);

    public static QueueViolation BadWindow(int windowNo) => InvalidRequest(
        Invariant($"window number {windowNo} is not valid; window numbers start at 1"),
        Invariant($"窗口号 {windowNo} 无效，窗口号从 1 开始"));

    public static QueueViolation KeyConflict(string key, QueueTicket existing) => new(
        QueueViolationCode.IdempotencyKeyConflict,
        $"idempotency key '{key}' was already used today for ticket {existing.Number} with a different request",
        $"幂等键“{key}”今日已用于票号 {existing.Number}，且请求内容不同",
        existing.Number,
        existing.State);

    public static QueueViolation Unknown(string ticketNo, string category) => new(
        QueueViolationCode.UnknownTicket,
        $"ticket {ticketNo} is not in queue {category} today",
        $"今日 {category} 类队列中没有票号 {ticketNo}",
        ticketNo);

    public static QueueViolation InvalidState(QueueTicket t, QueueAction action) => new(
        QueueViolationCode.InvalidState,
        $"ticket {t.Number} is {StateEn(t)}; cannot {VerbEn(action)} it",
        $"票号 {t.Number} {StateZh(t)}，不能{VerbZh(action)}",
        t.Number,
        t.State);

    public static QueueViolation WrongWindow(QueueTicket t, int? windowNo) => new(
        QueueViolationCode.WrongWindow,
        windowNo is null
            ? Invariant($"ticket {t.Number} is held by window {t.WindowNo}; only that window can act on it")
            : Invariant($"ticket {t.Number} is held by window {t.WindowNo}, not window {windowNo}"),
        windowNo is null
            ? Invariant($"票号 {t.Number} 由 {t.WindowNo} 号窗口处理，只能由该窗口操作")
            : Invariant($"票号 {t.Number} 由 {t.WindowNo} 号窗口处理，不属于 {windowNo} 号窗口"),
        t.Number,
        t.State);

    public static QueueViolation ReservedFor(QueueTicket t, int windowNo) => new(
        QueueViolationCode.WrongWindow,
        Invariant($"ticket {t.Number} is reserved for window {t.TargetWindow}, not window {windowNo}"),
        Invariant($"票号 {t.Number} 已指定由 {t.TargetWindow} 号窗口办理，不属于 {windowNo} 号窗口"),
        t.Number,
        t.State);

    public static QueueViolation WindowBusy(int windowNo, QueueTicket held) => new(
        QueueViolationCode.WindowBusy,
        Invariant($"window {windowNo} still holds ticket {held.Number} ({StateEn(held)}); finish, skip or return it first"),
        Invariant($"{windowNo} 号窗口仍有票号 {held.Number}（{StateZh(held)}），请先办结、顺延或退回"),
        held.Number,
        held.State);

    public static QueueViolation RecallTooSoon(QueueTicket t, TimeSpan remaining) => new(
        QueueViolationCode.RecallTooSoon,
        Invariant($"ticket {t.Number} was announced moments ago; it can be recalled again in {Seconds(remaining)}"),
        Invariant($"票号 {t.Number} 刚刚呼叫过，请 {SecondsZh(remaining)}后再重呼"),
        t.Number,
        t.State);

    public static QueueViolation NoShowTooEarly(QueueTicket t, int required) => new(
        QueueViolationCode.NoShowTooEarly,
        Invariant($"ticket {t.Number} has been recalled {t.Recalls} of {required} times; recall it before marking it no-show"),
        Invariant($"票号 {t.Number} 已重呼 {t.Recalls} 次（需 {required} 次），请先重呼再标记过号"),
        t.Number,
        t.State);

    public static QueueViolation NoShowTooSoon(QueueTicket t, TimeSpan remaining) => new(
        QueueViolationCode.NoShowTooEarly,
        Invariant($"ticket {t.Number} was recalled just now; give the citizen {Seconds(remaining)} more before marking it no-show"),
        Invariant($"票号 {t.Number} 刚刚重呼，请再等 {SecondsZh(remaining)}后标记过号"),
        t.Number,
        t.State);

    public static QueueViolation Duplicate(QueueTicket existing, string category) => new(
        QueueViolationCode.DuplicateTicket,
        $"ticket {existing.Number} is already in queue {category} ({StateEn(existing)})",
        $"票号 {existing.Number} 已在 {category} 类队列中（{StateZh(existing)}）",
        existing.Number,
        existing.State);

    public static QueueViolation AlreadyHolds(QueueTicket held, string category) => new(
        QueueViolationCode.AlreadyHoldsTicket,
        $"this person already holds ticket {held.Number} in queue {category} ({StateEn(held)}); one open ticket per person and category: use it, or cancel it first",
        $"您在 {category} 类队列已有票号 {held.Number}（{StateZh(held)}），每人每类只能持有一个有效号，请使用该号或先取消",
        held.Number,
        held.State);

    private static string StateEn(QueueTicket t) => t.State switch
    {
        TicketState.Waiting => "waiting",
        TicketState.Called => Invariant($"called to window {t.WindowNo}"),
        TicketState.Serving => Invariant($"being served at window {t.WindowNo}"),
        TicketState.Done => "already done",
        TicketState.NoShow => "already marked no-show",
        TicketState.Cancelled => "already cancelled",
        TicketState.Transferred => $"already transferred to queue {t.TransferredTo}",
        TicketState.Parked => "parked (on hold)",
        _ => t.State.ToString(),
    };

    private static string StateZh(QueueTicket t) => t.State switch
    {
        TicketState.Waiting => "正在等候",
        TicketState.Called => Invariant($"已被 {t.WindowNo} 号窗口叫号"),
        TicketState.Serving => Invariant($"正在 {t.WindowNo} 号窗口办理"),
        TicketState.Done => "已办结",
        TicketState.NoShow => "已过号",
        TicketState.Cancelled => "已取消",
        TicketState.Transferred => $"已转至 {t.TransferredTo} 类队列",
        TicketState.Parked => "已挂起",
        _ => t.State.ToString(),
    };

    private static string VerbEn(QueueAction action) => action switch
    {
        QueueAction.Recall => "recall",
        QueueAction.NoShow => "mark as no-show",
        QueueAction.Skip => "skip",
        QueueAction.Start => "start serving",
        QueueAction.Finish => "finish",
        QueueAction.Cancel => "cancel",
        QueueAction.Park => "park",
        QueueAction.Unpark => "unpark",
        QueueAction.Transfer => "transfer",
        QueueAction.Redirect => "redirect to a window",
        QueueAction.ReturnToHead => "return to the head of the queue",
        QueueAction.Call => "call",
        QueueAction.CallTicket => "call",
        _ => action.ToString(),
    };

    private static string VerbZh(QueueAction action) => action switch
    {
        QueueAction.Recall => "重呼",
        QueueAction.NoShow => "标记过号",
        QueueAction.Skip => "顺延",
        QueueAction.Start => "开始办理",
        QueueAction.Finish => "办结",
        QueueAction.Cancel => "取消",
        QueueAction.Park => "挂起",
        QueueAction.Unpark => "恢复排队",
        QueueAction.Transfer => "转出",
        QueueAction.Redirect => "指定窗口",
        QueueAction.ReturnToHead => "退回队首",
        QueueAction.Call => "叫号",
        QueueAction.CallTicket => "指定叫号",
        _ => action.ToString(),
    };

    private static string Seconds(TimeSpan span) => Invariant($"{Math.Ceiling(span.TotalSeconds)}s");

    /// <summary>Units in Chinese for the zh-CN text: "28 秒".</summary>
    private static string SecondsZh(TimeSpan span) => Invariant($"{Math.Ceiling(span.TotalSeconds)} 秒");

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
