using System.Text.Json.Serialization;

namespace TongBan.Grains.Queues;

/// <summary>Actions on one ticket of a queue (the published window/ticket commands).</summary>
public enum TicketAction
{
    Recall,
    NoShow,
    Skip,
    Start,
    Finish,
    Cancel,
    Park,
    Unpark,
    ReturnToHead,
}

/// <summary>
/// A queue's live figures, as its hall, dashboard and map need them (<c>GET /api/halls/{hallCode}/queues/{category}</c>).
/// Published figures are rounded as a person reads them; the hall's roll-ups use the exact ones, not serialized to JSON.
/// </summary>
/// <param name="PredictedWaitMinutes">For a walk-in taking a ticket now, whole minutes; null when no open window serves the category.</param>
/// <param name="Waits">Today's wait figures in whole minutes; the estimate error only from <see cref="QueueRules.MinErrorSamples"/> predicted tickets (<c>predicted</c> is that count).</param>
/// <param name="MeanServiceMinutes">The service-time estimate, whole minutes.</param>
/// <param name="ServingWindows">Open windows that serve the category (a whole count; each one's measured share is used inside).</param>
/// <param name="NoWindow">Tickets wait and no open window serves the category: the wait is unknown (null), not 0 (无窗口办理).</param>
/// <param name="ServiceSamples">Recent services the service-time estimate rests on; below <see cref="QueueRules.MinServiceSamples"/> the prior applies.</param>
/// <param name="Capacity">Window-equivalents serving the category (sum of measured shares), as the prediction uses it; internal.</param>
/// <param name="ExactWaits">Today's wait figures unrounded, for the hall's roll-ups; internal.</param>
[GenerateSerializer, Immutable]
public sealed record QueueView(
    [property: Id(0)] string Category,
    [property: Id(1)] int Waiting,
    [property: Id(2)] int? PredictedWaitMinutes,
    [property: Id(3)] QueueCounts Counts,
    [property: Id(4)] WaitStatistics Waits,
    [property: Id(5)] double MeanServiceMinutes,
    [property: Id(6)] DateTimeOffset? LongestWaitingSince,
    [property: Id(7)] double ServingWindows,
    [property: Id(8)] DaySummary? LastClosedDay,
    [property: Id(9)] bool NoWindow = false,
    [property: Id(10)] int ServiceSamples = 0,
    [property: Id(11), JsonIgnore] double Capacity = 0,
    [property: Id(12), JsonIgnore] WaitStatistics? ExactWaits = null);

/// <summary>
/// One hall × category day queue (e.g. <c>520102-H001/A</c>). All of the category's tickets live in
/// this one activation, so two windows calling at once are served one after the other and can
/// never receive the same ticket. Every accepted change is written to storage before it is answered.
/// </summary>
public interface IQueueGrain : IGrainWithStringKey
{
    /// <summary>取号; idempotent by <see cref="TicketRequest.IdempotencyKey"/>.</summary>
    Task<QueueResult<TicketStatus>> Take(TicketRequest request);

    /// <summary>叫号 for a window; a null value when nothing is callable.</summary>
    /// <param name="commandKey">The window command's idempotency key: a repeat answers with the ticket this call made.</param>
    Task<QueueResult<Ticket?>> CallNext(int windowNo, string? commandKey = null);

    /// <param name="commandKey">
    /// A window command's idempotency key (recall, no-show, skip, start, finish): a repeat of the last command applied
    /// to the ticket, by the same window with the same key, is answered with the ticket as it is now and changes nothing.
    /// </param>
    Task<QueueResult<Ticket>> Act(TicketAction action, string ticketNo, int? windowNo, string? commandKey = null);

    /// <summary>挂起 with a reason (required); by the holding window for a called or serving ticket. Act(Park) is refused: it has no reason.</summary>
    /// <param name="commandKey">The window command's idempotency key: a repeat answers with the ticket and changes nothing.</param>
    Task<QueueResult<Ticket>> Park(string ticketNo, int? windowNo, string reason, string? commandKey = null);

    /// <summary>指定叫号: calls a named waiting or parked ticket to the window.</summary>
    /// <param name="commandKey">The window command's idempotency key: a repeat answers with the ticket this call made.</param>
    Task<QueueResult<Ticket>> CallTicket(string ticketNo, int windowNo, string? commandKey = null);

    /// <summary>补录: a service without a ticket, counted as served; idempotent by <paramref name="commandKey"/>.</summary>
    Task<QueueResult<WalkUpService>> RecordWalkUp(int windowNo, string? item, string? commandKey = null);

    /// <summary>The parked tickets with their reasons.</summary>
    Task<IReadOnlyList<ParkedTicket>> GetParked();

    Task<QueueResult<TicketTransfer>> TransferOut(string ticketNo, int? windowNo, string toCategory, int? toWindow);

    Task<QueueResult<TicketStatus>> Accept(TicketTransfer transfer);

    Task<QueueResult<Ticket>> RedirectToWindow(string ticketNo, int? windowNo, int toWindow, string? commandKey = null);

    /// <summary>The ticket this queue has called to (or is serving at) the window, if any: what a window that lost its own write catches up with.</summary>
    Task<Ticket?> HeldBy(int windowNo);

    /// <summary>A window closes: its called ticket returns to the head, tickets reserved for it become callable by all.</summary>
    Task<IReadOnlyList<Ticket>> ReleaseWindow(int windowNo);

    Task<TicketStatus?> GetStatus(string ticketNo);

    Task<QueueView> GetView();

    /// <summary>
    /// The hall tells the queue how many window-equivalents serve it now (<paramref name="servingWindows"/>, the sum of
    /// measured shares, for wait predictions) and how many open windows list it (<paramref name="windowCount"/>, published).
    /// </summary>
    Task SetServingWindows(double servingWindows, int windowCount);
}

public static class QueueKeys
{
    public static string Of(string hallCode, string category) => $"{hallCode}/{category}";

    public static (string HallCode, string Category) Parse(string key)
    {
        var slash = key.LastIndexOf('/');
        return (key[..slash], key[(slash + 1)..]);
    }
}
