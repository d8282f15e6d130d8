using TongBan.Grains.Queues;

namespace TongBan.Grains.Windows;

public enum WindowStatus
{
    Closed,
    Open,
    Paused,
}

/// <summary>Why a window is paused (暂停原因); wire values break, training, systemFault, other.</summary>
public enum PauseReason
{
    /// <summary>休息.</summary>
    Break,

    /// <summary>培训.</summary>
    Training,

    /// <summary>系统故障.</summary>
    SystemFault,

    /// <summary>其他 (also a pause without a stated reason).</summary>
    Other,
}

/// <summary>Wire names of <see cref="PauseReason"/> (break, training, systemFault, other) and the zh-CN labels.</summary>
public static class PauseReasonWire
{
    public static string Name(PauseReason reason) => reason switch
    {
        PauseReason.Break => "break",
        PauseReason.Training => "training",
        PauseReason.SystemFault => "systemFault",
        _ => "other",
    };

    public static string Label(PauseReason reason) => reason switch
    {
        PauseReason.Break => "休息",
        PauseReason.Training => "培训",
        PauseReason.SystemFault => "系统故障",
        _ => "其他",
    };

    /// <summary>Exactly one of the four wire names (case as published); anything else is refused.</summary>
    public static bool TryParse(string? text, out PauseReason reason)
    {
        foreach (var r in Enum.GetValues<PauseReason>())
        {
            if (Name(r) == text)
            {
                reason = r;
                return true;
            }
        }

        reason = PauseReason.Other;
        return false;
    }
}

/// <summary>The ticket a window holds (called or being served).</summary>
[GenerateSerializer, Immutable]
public sealed record HeldTicket([property: Id(0)] string Category, [property: Id(1)] string TicketNo, [property: Id(2)] TicketState State);

/// <summary>A window's live face for the hall snapshot and dashboard.</summary>
/// <param name="RecentServed">Categories of its recent services, oldest first: the hall measures the window's share of each category from them.</param>
/// <param name="Categories">The categories served now, in preference order (a manager may have changed them live).</param>
/// <param name="ServedToday">Tickets finished plus walk-up services (补录) today.</param>
/// <param name="PauseReason">While paused, why.</param>
/// <param name="PausedMinutesToday">Minutes paused today (whole minutes, the current pause included).</param>
[GenerateSerializer, Immutable]
public sealed record WindowView(
    [property: Id(0)] int WindowNo,
    [property: Id(1)] WindowStatus Status,
    [property: Id(2)] string? Clerk,
    [property: Id(3)] IReadOnlyList<string> Categories,
    [property: Id(4)] HeldTicket? Current,
    [property: Id(5)] int ServedToday,
    [property: Id(6)] DateOnly Day,
    [property: Id(7)] IReadOnlyList<string>? RecentServed = null,
    [property: Id(8)] PauseReason? PauseReason = null,
    [property: Id(9)] DateTimeOffset? PausedSince = null,
    [property: Id(10)] int PausedMinutesToday = 0,
    [property: Id(11)] int WalkUpsToday = 0);

/// <summary>Why a window command was refused (HTTP 409 unless noted).</summary>
public enum WindowViolationCode
{
    /// <summary>The window is not open (call-next on a closed or paused window).</summary>
    NotOpen,

    /// <summary>The window already holds a ticket: finish, mark no-show, skip or transfer it first.</summary>
    Busy,

    /// <summary>The window holds no ticket to act on.</summary>
    NoCurrentTicket,

    /// <summary>The window is serving: finish or transfer before closing.</summary>
    ServingInProgress,

    /// <summary>Bad input (unknown category, no target): HTTP 400.</summary>
    InvalidRequest,

    /// <summary>A queue rule refused it; see <see cref="WindowViolation.Queue"/>.</summary>
    QueueRule,

    /// <summary>No such ticket in the hall today: HTTP 404.</summary>
    UnknownTicket,

    /// <summary>The ticket is in a category this window does not serve.</summary>
    NotServed,

    /// <summary>Opening outside the hall's opening hours (see <see cref="Halls.HallClock"/>); <see cref="WindowViolation.NextOpening"/> says when.</summary>
    OutsideHours,
}

[GenerateSerializer, Immutable]
public sealed record WindowViolation(
    [property: Id(0)] WindowViolationCode Code,
    [property: Id(1)] string Message,
    [property: Id(2)] QueueViolation? Queue = null,
    [property: Id(3)] DateTimeOffset? NextOpening = null);

/// <summary>Outcome of a window command: the window view and, for ticket commands, the ticket acted on.</summary>
[GenerateSerializer, Immutable]
public sealed record WindowReply(
    [property: Id(0)] WindowView Window,
    [property: Id(1)] Ticket? Ticket,
    [property: Id(2)] WindowViolation? Violation,
    [property: Id(3)] WalkUpService? WalkUp = null)
{
    public bool IsOk => Violation is null;
}

public enum WindowCommand
{
    Recall,
    NoShow,
    Start,
    Finish,
    Skip,
}

/// <summary>
/// One window of a hall (<c>520102-H001/3</c>): the clerk's session. Non-reentrant: a window does one thing at a time.
/// Its ticket commands go to the hall's queue grain (<see cref="IHallQueueGrain"/>), which holds the window's ticket.
/// </summary>
public interface IWindowGrain : IGrainWithStringKey
{
    Task<WindowReply> Open(string? clerk);

    /// <summary>暂停 with a reason; pausing again with another reason changes the reason, not the time paused.</summary>
    Task<WindowReply> Pause(PauseReason reason = PauseReason.Other);

    Task<WindowReply> Close();

    /// <summary>叫号: tries the window's categories in preference order.</summary>
    /// <param name="idempotencyKey">A retried call with the same key returns the same ticket instead of calling another.</param>
    Task<WindowReply> CallNext(string? idempotencyKey);

    /// <param name="idempotencyKey">A retried finish with the same key returns the first answer instead of a 409.</param>
    Task<WindowReply> Act(WindowCommand command, string? idempotencyKey);

    /// <summary>转办: to another category of the hall (fair position kept) and/or a named window.</summary>
    /// <param name="idempotencyKey">A retried transfer with the same key returns the first answer instead of a 409.</param>
    Task<WindowReply> Transfer(string? toCategory, int? toWindow, string? idempotencyKey = null);

    /// <summary>挂起: parks the window's current ticket with a reason (required); the window becomes free.</summary>
    /// <param name="idempotencyKey">A retried park with the same key returns the first answer instead of a 409.</param>
    Task<WindowReply> Park(string reason, string? idempotencyKey);

    /// <summary>恢复排队: a parked ticket of a category this window serves returns to the front of its line.</summary>
    Task<WindowReply> Unpark(string ticketNo, string? idempotencyKey);

    /// <summary>指定叫号: calls a named waiting or parked ticket of a category this window serves.</summary>
    Task<WindowReply> CallTicket(string ticketNo, string? idempotencyKey);

    /// <summary>补录: records a service to a citizen without a ticket; counted as served, never as a wait.</summary>
    Task<WindowReply> ServeWalkUp(string category, string? item, string? idempotencyKey);

    /// <summary>The hall manager changes the categories served (preference order); the next call-next uses them.</summary>
    Task<WindowReply> SetCategories(IReadOnlyList<string> categories);

    Task<WindowView> GetView();

    /// <summary>The just-finished ticket for this window's rating pad, while the offer is valid (else null).</summary>
    Task<WindowRatingOffer?> GetRatingOffer();
}

public static class WindowKeys
{
    public static string Of(string hallCode, int windowNo) => $"{hallCode}/{windowNo}";

    public static (string HallCode, int WindowNo) Parse(string key)
    {
        var slash = key.LastIndexOf('/');
        return (key[..slash], int.Parse(key[(slash + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }
}
