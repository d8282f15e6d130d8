using TongBan.Grains.Queues;

namespace TongBan.Grains.Windows;

/// <summary>What a window asks of its hall's queue grain (<see cref="IHallQueueGrain.Desk"/>).</summary>
public enum DeskAction
{
    /// <summary>The window's session changed (opened, new categories): the hall queue records it for its figures.</summary>
    Session,

    /// <summary>Pause or close (the session says which): a called ticket returns to the head; closing frees reserved tickets.</summary>
    Leave,

    CallNext,
    Recall,
    NoShow,
    Start,
    Finish,
    Skip,
    Transfer,
    Park,
    Unpark,
    CallTicket,
    WalkUp,
}

/// <summary>
/// A window's session as the window grain keeps it (who is signed in, categories in preference order, pause), sent with
/// every desk command so the hall queue's figures follow the window without a second write.
/// </summary>
/// <param name="PausedToday">Time paused today in earlier pauses (the running one is counted from <paramref name="PausedSince"/>).</param>
[GenerateSerializer, Immutable]
public sealed record WindowSession(
    [property: Id(0)] int WindowNo,
    [property: Id(1)] WindowStatus Status,
    [property: Id(2)] string? Clerk,
    [property: Id(3)] IReadOnlyList<string> Categories,
    [property: Id(4)] PauseReason? PauseReason,
    [property: Id(5)] DateTimeOffset? PausedSince,
    [property: Id(6)] TimeSpan PausedToday,
    [property: Id(7)] DateOnly Day)
{
    public bool SameAs(WindowSession? other) =>
        other is not null && other.WindowNo == WindowNo && other.Status == Status && other.Clerk == Clerk
        && other.Categories.SequenceEqual(Categories, StringComparer.Ordinal) && other.PauseReason == PauseReason
        && other.PausedSince == PausedSince && other.PausedToday == PausedToday && other.Day == Day;

    /// <summary>Minutes paused today, the running pause included (whole minutes).</summary>
    public int PausedMinutes(DateTimeOffset now)
    {
        var total = PausedToday;
        if (PausedSince is { } since && now - since is { Ticks: > 0 } running)
        {
            total += running;
        }

        return (int)Math.Round(total.TotalMinutes, MidpointRounding.AwayFromZero);
    }
}

/// <summary>One window command for the hall queue: the session, the action, and its arguments.</summary>
/// <param name="Key">The command's idempotency key: a repeat by the same window gets the first answer.</param>
/// <param name="TicketNo">Unpark and call-ticket: the ticket named.</param>
/// <param name="Category">Transfer: the target category (null: the ticket's own); walk-up: the category served.</param>
/// <param name="Text">Park: the reason; walk-up: the matter code.</param>
/// <param name="ToWindow">Transfer: the named window.</param>
[GenerateSerializer, Immutable]
public sealed record DeskCommand(
    [property: Id(0)] WindowSession Session,
    [property: Id(1)] DeskAction Action,
    [property: Id(2)] string? Key = null,
    [property: Id(3)] string? TicketNo = null,
    [property: Id(4)] string? Category = null,
    [property: Id(5)] string? Text = null,
    [property: Id(6)] int? ToWindow = null);

/// <summary>A window's figures as its hall queue keeps them: the held ticket and the day's counts (all in the same write as the tickets).</summary>
/// <param name="RecentServed">Categories of the window's recent services, oldest first (its measured share of each).</param>
[GenerateSerializer, Immutable]
public sealed record DeskFigures(
    [property: Id(0)] HeldTicket? Current,
    [property: Id(1)] int ServedToday,
    [property: Id(2)] int WalkUpsToday,
    [property: Id(3)] IReadOnlyList<string> RecentServed,
    [property: Id(4)] WindowRatingOffer? RatingOffer,
    [property: Id(5)] WindowSession? Session);

/// <summary>The hall queue's answer to a desk command.</summary>
[GenerateSerializer, Immutable]
public sealed record DeskReply(
    [property: Id(0)] DeskFigures Desk,
    [property: Id(1)] Ticket? Ticket,
    [property: Id(2)] WindowViolation? Violation,
    [property: Id(3)] WalkUpService? WalkUp = null);
