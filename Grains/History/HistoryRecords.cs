using TongBan.Grains.Common;
using TongBan.Grains.Queues;
using TongBan.Grains.Windows;

namespace TongBan.Grains.History;

/// <summary>What happened to a ticket (服务记录): its final outcome in a line, or a park/unpark step in between.</summary>
public enum TicketOutcomeKind
{
    /// <summary>已办结 — the window finished serving it.</summary>
    Served,

    /// <summary>过号 — called and recalled, the citizen did not come.</summary>
    NoShow,

    /// <summary>已取消 — withdrawn by the citizen (or for them) before service.</summary>
    Cancelled,

    /// <summary>已转出 — moved to another category; the receiving line records its own outcome later.</summary>
    Transferred,

    /// <summary>挂起 — put on hold (the step, not a final outcome); <see cref="TicketOutcome.Note"/> holds the reason.</summary>
    Parked,

    /// <summary>恢复 — back in line after a park (the time parked is the gap to the <see cref="Parked"/> record).</summary>
    Unparked,

    /// <summary>补录 — a service recorded without a ticket: served, never a wait.</summary>
    WalkUp,
}

/// <summary>
/// One ticket outcome as history keeps it. Times are Asia/Shanghai; <see cref="Day"/> is the local date the ticket was
/// issued (its number is unique per hall, day and line), so a record is identified by hall, day, ticket and outcome.
/// </summary>
/// <param name="RegionCode">The hall's county code (region and province reports select by its prefix).</param>
/// <param name="Category">The line it left: for <see cref="TicketOutcomeKind.Transferred"/> the source line.</param>
/// <param name="WindowNo">The window that finished, marked, parked or transferred it; null for a cancel from the line.</param>
/// <param name="Clerk">The clerk signed in at that window (staff subject).</param>
/// <param name="Item">The matter (事项编码) when known: a walk-up's named item; tickets get theirs through the case link.</param>
/// <param name="TakenAt">取号 (issue or check-in) time.</param>
/// <param name="CalledAt">First call in the line it left: the end of the wait.</param>
/// <param name="StartedAt">办理开始.</param>
/// <param name="At">When the outcome happened (finish, no-show, cancel, transfer, park, unpark).</param>
/// <param name="WaitSeconds">From entering the line to the first call; null when never called.</param>
/// <param name="ServiceSeconds">From service start to finish (served tickets only).</param>
/// <param name="ParkedSeconds">Time parked, when the recorder knows it (none does yet: reports pair a ticket's parked record with its next record).</param>
[GenerateSerializer, Immutable]
public sealed record TicketOutcome(
    [property: Id(0)] string HallCode,
    [property: Id(1)] string RegionCode,
    [property: Id(2)] DateOnly Day,
    [property: Id(3)] string TicketNo,
    [property: Id(4)] string Category,
    [property: Id(5)] TicketOutcomeKind Outcome,
    [property: Id(6)] int? WindowNo,
    [property: Id(7)] string? Clerk,
    [property: Id(8)] string? Item,
    [property: Id(9)] DateTimeOffset TakenAt,
    [property: Id(10)] DateTimeOffset? CalledAt,
    [property: Id(11)] DateTimeOffset? StartedAt,
    [property: Id(12)] DateTimeOffset At,
    [property: Id(13)] int? WaitSeconds,
    [property: Id(14)] int? ServiceSeconds,
    [property: Id(15)] int? ParkedSeconds,
    [property: Id(16)] TicketKind Kind,
    [property: Id(17)] string? Note = null);

/// <summary>A window's session (签到至签退) or pause (暂停), recorded when it ends.</summary>
public enum WindowActivityKind
{
    /// <summary>签到 → 签退: staff time at the window.</summary>
    Session,

    /// <summary>暂停 → 恢复/签退: paused time, with its reason.</summary>
    Pause,
}

/// <summary>One window session or pause. <see cref="Day"/> is the local date of <see cref="Start"/>.</summary>
[GenerateSerializer, Immutable]
public sealed record WindowActivity(
    [property: Id(0)] string HallCode,
    [property: Id(1)] string RegionCode,
    [property: Id(2)] int WindowNo,
    [property: Id(3)] string? Clerk,
    [property: Id(4)] WindowActivityKind Kind,
    [property: Id(5)] DateTimeOffset Start,
    [property: Id(6)] DateTimeOffset End,
    [property: Id(7)] PauseReason? Reason = null)
{
    public DateOnly Day => HistoryDays.Of(Start);

    public int Seconds => (int)Math.Max(0, (End - Start).TotalSeconds);
}

/// <summary>
/// 号件关联: a ticket served a case (the case was opened at the window serving the ticket). A case's hall visits are its
/// distinct linked tickets, which is what 一次办成 (at most one visit) counts.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record CaseTicketLink(
    [property: Id(0)] string CaseNo,
    [property: Id(1)] string HallCode,
    [property: Id(2)] string RegionCode,
    [property: Id(3)] DateOnly Day,
    [property: Id(4)] string TicketNo,
    [property: Id(5)] string ItemCode,
    [property: Id(6)] int? WindowNo,
    [property: Id(7)] string? Clerk,
    [property: Id(8)] DateTimeOffset At);

/// <summary>
/// A selection of history: local days <see cref="From"/> to <see cref="To"/> inclusive, and any of the filters (all
/// must match). <see cref="RegionPrefix"/> selects halls by county code prefix: <c>52</c> the province, <c>5201</c> a
/// prefecture, <c>520102</c> a county (see <see cref="HistoryDays.RegionPrefix"/>).
/// </summary>
public sealed record HistoryQuery(
    DateOnly From,
    DateOnly To,
    string? HallCode = null,
    string? RegionPrefix = null,
    int? WindowNo = null,
    string? Clerk = null,
    string? Item = null,
    string? Category = null)
{
    public bool Matches(TicketOutcome t, Func<TicketOutcome, bool>? linkedToItem = null) =>
        t.Day >= From && t.Day <= To && (HallCode is null || t.HallCode == HallCode) &&
        (RegionPrefix is null || t.RegionCode.StartsWith(RegionPrefix, StringComparison.Ordinal)) &&
        (WindowNo is null || t.WindowNo == WindowNo) && (Clerk is null || t.Clerk == Clerk) &&
        (Category is null || t.Category == Category) &&
        (Item is null || t.Item == Item || (linkedToItem?.Invoke(t) ?? false));

    public bool Matches(WindowActivity a) =>
        a.Day >= From && a.Day <= To && (HallCode is null || a.HallCode == HallCode) &&
        (RegionPrefix is null || a.RegionCode.StartsWith(RegionPrefix, StringComparison.Ordinal)) &&
        (WindowNo is null || a.WindowNo == WindowNo) && (Clerk is null || a.Clerk == Clerk);

    public bool Matches(CaseTicketLink l) =>
        l.Day >= From && l.Day <= To && (HallCode is null || l.HallCode == HallCode) &&
        (RegionPrefix is null || l.RegionCode.StartsWith(RegionPrefix, StringComparison.Ordinal)) &&
        (WindowNo is null || l.WindowNo == WindowNo) && (Clerk is null || l.Clerk == Clerk) && (Item is null || l.ItemCode == Item);
}

public static class HistoryDays
{
    /// <summary>The local (Asia/Shanghai) date of a time.</summary>
    public static DateOnly Of(DateTimeOffset at) => DateOnly.FromDateTime(at.ToOffset(ChinaTime.Offset).DateTime);

    /// <summary>The county-code prefix of a region: 520000 → 52, 520100 → 5201, 520102 → 520102.</summary>
    public static string RegionPrefix(string regionCode)
    {
        ArgumentNullException.ThrowIfNull(regionCode);
        return regionCode.Length != 6 ? regionCode
            : regionCode.EndsWith("0000", StringComparison.Ordinal) ? regionCode[..2]
            : regionCode.EndsWith("00", StringComparison.Ordinal) ? regionCode[..4]
            : regionCode;
    }
}
