using TongBan.Grains.Queues;

namespace TongBan.Grains.Windows;

public enum WindowStatus
{
    Closed,
    Open,
    Paused,
}

/// <summary>The ticket a window holds (called or being served).</summary>
[GenerateSerializer, Immutable]
public sealed record HeldTicket([property: Id(0)] string Category, [property: Id(1)] string TicketNo, [property: Id(2)] TicketState State);

/// <summary>A window's live face for the hall snapshot and dashboard.</summary>
[GenerateSerializer, Immutable]
public sealed record WindowView(
    [property: Id(0)] int WindowNo,
    [property: Id(1)] WindowStatus Status,
    [property: Id(2)] string? Clerk,
    [property: Id(3)] IReadOnlyList<string> Categories,
    [property: Id(4)] HeldTicket? Current,
    [property: Id(5)] int ServedToday,
    [property: Id(6)] DateOnly Day);

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
    [property: Id(2)] WindowViolation? Violation)
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
/// One window of a hall (<c>520102-H001/3</c>). Non-reentrant: a window does one thing at a time,
/// and its current ticket changes only inside its own turn.
/// </summary>
public interface IWindowGrain : IGrainWithStringKey
{
    Task<WindowReply> Open(string? clerk);

    Task<WindowReply> Pause();

    Task<WindowReply> Close();

    /// <summary>叫号: tries the window's categories in preference order.</summary>
    /// <param name="idempotencyKey">A retried call with the same key returns the same ticket instead of calling another.</param>
    Task<WindowReply> CallNext(string? idempotencyKey);

    /// <param name="idempotencyKey">A retried finish with the same key returns the first answer instead of a 409.</param>
    Task<WindowReply> Act(WindowCommand command, string? idempotencyKey);

    /// <summary>转办: to another category of the hall (fair position kept) and/or a named window.</summary>
    /// <param name="idempotencyKey">A retried transfer with the same key returns the first answer instead of a 409.</param>
    Task<WindowReply> Transfer(string? toCategory, int? toWindow, string? idempotencyKey = null);

    Task<WindowView> GetView();

    /// <summary>The just-finished ticket for this window's rating pad, while the offer is valid (else null).</summary>
    Task<WindowRatingOffer?> GetRatingOffer();

    /// <summary>The queue reports that the window's ticket left without the window (the citizen cancelled).</summary>
    Task TicketLeft(string ticketNo);
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
