using TongBan.Grains.Windows;

namespace TongBan.Grains.Queues;

/// <summary>
/// Persisted state of a hall's queue grain: every category line, the windows' seats (session as last reported, day
/// figures) and the first answers of recent window commands. Written whole with every accepted command.
/// </summary>
[GenerateSerializer]
public sealed class HallQueueState
{
    /// <summary>The category lines (category letter → its day queue).</summary>
    [Id(0)]
    public Dictionary<string, CategoryQueueState> Lines { get; set; } = [];

    /// <summary>The windows that reported to this queue (window number → seat).</summary>
    [Id(1)]
    public Dictionary<int, WindowSeat> Seats { get; set; } = [];

    /// <summary>Tickets already told "come now" today (virtual queue), so a retry or re-projection never notifies twice.</summary>
    [Id(2)]
    public HashSet<string> ComeNowSent { get; set; } = [];

    /// <summary>
    /// The first answer of each recent keyed window command, oldest first, at most <see cref="HallQueueGrain.RememberedAnswersPerWindow"/>
    /// per window: the one idempotency record of window commands, written in the same write as the change it answered. A state
    /// written by an earlier build may hold more (up to 256 for the hall); they are trimmed when the grain activates.
    /// </summary>
    [Id(3)]
    public List<DeskAnswer> Answers { get; set; } = [];

    /// <summary>Whether the records of the per-category queue grains and the windows of earlier releases were read in.</summary>
    [Id(4)]
    public bool Migrated { get; set; }

    /// <summary>The hall's local date of <see cref="Answers"/> and <see cref="ComeNowSent"/>.</summary>
    [Id(5)]
    public DateOnly Day { get; set; }

    /// <summary>
    /// Today's tickets whose holder left a contact (ticket number → consent and sealed phone), written with the take
    /// itself; cleared with the day. Only such tickets get come-now and call notifications outside the live feed.
    /// </summary>
    [Id(6)]
    public Dictionary<string, Notifications.AppointmentContact> TicketContacts { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>A window as its hall queue knows it: the session it last sent and its day figures.</summary>
[GenerateSerializer]
public sealed class WindowSeat
{
    [Id(0)]
    public WindowSession? Session { get; set; }

    /// <summary>The local date of the day figures.</summary>
    [Id(1)]
    public DateOnly Day { get; set; }

    /// <summary>Tickets finished plus walk-up services today.</summary>
    [Id(2)]
    public int ServedToday { get; set; }

    [Id(3)]
    public int WalkUpsToday { get; set; }

    /// <summary>Categories of the window's recent services, oldest first, at most <see cref="QueueRules.WindowShareSamples"/>; survives midnight.</summary>
    [Id(4)]
    public List<string> RecentServed { get; set; } = [];

    /// <summary>The last finished ticket, offered to the window's rating pad until the offer lapses.</summary>
    [Id(5)]
    public WindowRatingOffer? RatingOffer { get; set; }
}

/// <summary>The first answer to a keyed window command.</summary>
[GenerateSerializer, Immutable]
public sealed record DeskAnswer(
    [property: Id(0)] int WindowNo,
    [property: Id(1)] string Key,
    [property: Id(2)] Ticket? Ticket,
    [property: Id(3)] WalkUpService? WalkUp = null);

/// <summary>
/// Persisted state of a per-category queue grain of earlier releases (state name <c>queue</c>, key <c>{hall}/{category}</c>).
/// Kept only so <see cref="HallQueueGrain"/> can read such records in once; never written any more.
/// </summary>
[GenerateSerializer]
public sealed class QueueGrainState
{
    [Id(0)]
    public CategoryQueueState Queue { get; set; } = new();

    [Id(1)]
    public double ServingWindows { get; set; }

    [Id(2)]
    public HashSet<string> ComeNowSent { get; set; } = [];

    [Id(3)]
    public int ServingWindowCount { get; set; }
}
