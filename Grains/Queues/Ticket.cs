namespace TongBan.Grains.Queues;

/// <summary>
/// Read-only view of one ticket in one category queue. Times are Asia/Shanghai (+08:00).
/// </summary>
/// <param name="Number">e.g. A012; a transferred ticket keeps the number printed on the citizen's slip.</param>
/// <param name="Category">The queue now holding this entry (differs from the number's letter after a transfer).</param>
/// <param name="Priority">The declared class; appointment priority is derived from the slot, see <see cref="QueueRules"/>.</param>
/// <param name="IssuedAt">Original issue (or check-in) time; it orders the ticket, also after transfers.</param>
/// <param name="EnteredAt">When it entered this queue: issue time, or the transfer time for a received ticket. The wait starts here.</param>
/// <param name="WindowNo">The window that called it most recently while it is called, serving or finished; null while in line.</param>
/// <param name="TargetWindow">Set by a transfer to a named window: only that window may call it.</param>
/// <param name="CallCount">Announcements so far (the call plus every recall), over the ticket's life in this queue.</param>
/// <param name="FirstCalledAt">The end of the wait (等候结束).</param>
/// <param name="FinishedAt">When it reached a final state: done, noShow, cancelled or transferred.</param>
/// <param name="PredictedWaitMinutes">The prediction made when it entered this queue (null: no window was serving).</param>
/// <param name="ParkReason">Why it is parked (挂起), while it is parked.</param>
[GenerateSerializer, Immutable]
public sealed record Ticket(
    [property: Id(0)] string Number,
    [property: Id(1)] string Category,
    [property: Id(2)] TicketKind Kind,
    [property: Id(3)] PriorityClass Priority,
    [property: Id(4)] TicketState State,
    [property: Id(5)] DateTimeOffset IssuedAt,
    [property: Id(6)] DateTimeOffset EnteredAt,
    [property: Id(7)] DateTimeOffset? AppointmentSlotStart,
    [property: Id(8)] int? WindowNo,
    [property: Id(9)] int? TargetWindow,
    [property: Id(10)] int CallCount,
    [property: Id(11)] DateTimeOffset? FirstCalledAt,
    [property: Id(12)] DateTimeOffset? LastCalledAt,
    [property: Id(13)] DateTimeOffset? StartedAt,
    [property: Id(14)] DateTimeOffset? FinishedAt,
    [property: Id(15)] int? PredictedWaitMinutes,
    [property: Id(16)] string? FromCategory,
    [property: Id(17)] string? TransferredTo,
    [property: Id(18)] string? ParkReason = null);

/// <summary>
/// A ticket with its projected place in line (the API's <c>position</c> and <c>predictedWaitMinutes</c>).
/// </summary>
/// <param name="Position">1 = next to be called; null when the ticket is not waiting (parked, called, final).</param>
/// <param name="PredictedWaitMinutes">Minutes from now until it is called; null when not waiting or when no window serves the category.</param>
[GenerateSerializer, Immutable]
public sealed record TicketStatus(
    [property: Id(0)] Ticket Ticket,
    [property: Id(1)] int? Position,
    [property: Id(2)] int? PredictedWaitMinutes);

/// <summary>A request to take a ticket (取号) or to check in an appointment.</summary>
/// <param name="Priority">Normal, Assisted or GreenChannel; appointment priority comes from <paramref name="AppointmentSlotStart"/>.</param>
/// <param name="AppointmentSlotStart">Required for <see cref="TicketKind.Appointment"/>, forbidden otherwise.</param>
/// <param name="IdempotencyKey">A retry with the same key returns the same ticket (keys live for the day).</param>
/// <param name="PersonKeys">
/// The holder's keyed hashes (<see cref="TicketHolderKeys"/>: resident ID and/or mobile), for the one-open-ticket-per-person
/// rule; null or empty for an anonymous walk-in, which is not deduplicated. Never returned in any answer.
/// </param>
/// <param name="Contact">The holder's notification consent and sealed phone (到号提醒, 叫号 by SMS / WeChat / app); kept by the hall queue for the day.</param>
[GenerateSerializer, Immutable]
public sealed record TicketRequest(
    [property: Id(0)] TicketKind Kind,
    [property: Id(1)] PriorityClass Priority = PriorityClass.Normal,
    [property: Id(2)] DateTimeOffset? AppointmentSlotStart = null,
    [property: Id(3)] string? IdempotencyKey = null,
    [property: Id(10)] string[]? PersonKeys = null,
    [property: Id(11)] Notifications.AppointmentContact? Contact = null);

/// <summary>
/// The hand-off produced by <see cref="CategoryQueue.TransferOut"/> and consumed by the receiving
/// queue's <see cref="CategoryQueue.Accept"/>. <see cref="TransferId"/> makes the delivery idempotent.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record TicketTransfer(
    [property: Id(0)] string TransferId,
    [property: Id(1)] string Number,
    [property: Id(2)] string FromCategory,
    [property: Id(3)] string ToCategory,
    [property: Id(4)] int? ToWindow,
    [property: Id(5)] TicketKind Kind,
    [property: Id(6)] PriorityClass Priority,
    [property: Id(7)] DateTimeOffset IssuedAt,
    [property: Id(8)] DateTimeOffset? AppointmentSlotStart,
    [property: Id(9)] DateTimeOffset TransferredAt);

/// <summary>
/// Tickets of the day by state, and <see cref="WalkUps"/> (补录 services without a ticket, outside the sum). <see cref="Issued"/> (numbers handed out here) plus <see cref="Received"/>
/// (transfers in) always equals the sum of the states: nothing is lost or counted twice.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record QueueCounts(
    [property: Id(0)] int Issued,
    [property: Id(1)] int Received,
    [property: Id(2)] int Waiting,
    [property: Id(3)] int Parked,
    [property: Id(4)] int Called,
    [property: Id(5)] int Serving,
    [property: Id(6)] int Done,
    [property: Id(7)] int NoShow,
    [property: Id(8)] int Cancelled,
    [property: Id(9)] int Transferred,
    [property: Id(10)] int WalkUps = 0)
{
    /// <summary>Served today: finished tickets plus walk-up services (补录).</summary>
    public int Served => Done + WalkUps;

    public int InStates => Waiting + Parked + Called + Serving + Done + NoShow + Cancelled + Transferred;

    public bool AddsUp => Issued + Received == InStates;
}

/// <summary>A service a window recorded for a citizen who had no ticket (补录): counted as served, never as a wait.</summary>
/// <param name="Id">e.g. A-W001 (category, then the day's walk-up sequence of that category).</param>
/// <param name="Item">The matter handled (事项编码), when the clerk named it.</param>
[GenerateSerializer, Immutable]
public sealed record WalkUpService(
    [property: Id(0)] string Id,
    [property: Id(1)] string Category,
    [property: Id(2)] string? Item,
    [property: Id(3)] int WindowNo,
    [property: Id(4)] DateTimeOffset ServedAt);

/// <summary>A parked ticket (挂起) as the clerk page lists it for unparking.</summary>
/// <param name="ParkedBy">The window that parked it; null when parked from the line.</param>
[GenerateSerializer, Immutable]
public sealed record ParkedTicket(
    [property: Id(0)] string Number,
    [property: Id(1)] string Category,
    [property: Id(2)] string? Reason,
    [property: Id(3)] DateTimeOffset? ParkedAt,
    [property: Id(4)] int? ParkedBy,
    [property: Id(5)] DateTimeOffset IssuedAt);
