using Orleans.Concurrency;
using TongBan.Grains.Halls;
using TongBan.Grains.Windows;

namespace TongBan.Grains.Queues;

/// <summary>
/// The one owner of a hall's tickets (keyed by the hall code, e.g. <c>520102-H001</c>): every category line of the hall
/// (<see cref="CategoryQueue"/> rules), which window holds which ticket, the windows' day figures and the hall's live
/// figures. All of it lives in one activation and one state record, so two windows calling at once are served one after
/// the other, a window command is one call and one write, and the figures published cannot contradict each other.
/// Every accepted change is written before it is answered; notifications follow the write, one-way.
/// </summary>
public interface IHallQueueGrain : IGrainWithStringKey
{
    /// <summary>取号 in a category; idempotent by <see cref="TicketRequest.IdempotencyKey"/>.</summary>
    Task<QueueResult<TicketStatus>> Take(string category, TicketRequest request);

    /// <summary>The ticket's entry in this category's line (a transferred one shows where it went).</summary>
    Task<TicketStatus?> GetStatus(string category, string ticketNo);

    Task<QueueView> GetView(string category);

    /// <summary>The parked tickets of every line, with their reasons.</summary>
    Task<IReadOnlyList<ParkedTicket>> GetParked();

    /// <summary>A command on a ticket not made by a window: the citizen's cancel, or staff unparking from the line.</summary>
    Task<QueueResult<Ticket>> Act(string category, TicketAction action, string ticketNo);

    /// <summary>A window's command (ticket commands and session changes): one call, at most one write.</summary>
    Task<DeskReply> Desk(DeskCommand command);

    /// <summary>A window's held ticket and day figures.</summary>
    [AlwaysInterleave] // a read of this activation's memory: it never waits for a write and changes nothing
    Task<DeskFigures> GetDesk(int windowNo);

    /// <summary>The hall's live figures, computed from the tickets and windows held here (appointments, rating and suspension are the hall grain's).</summary>
    Task<HallSnapshot> GetFloor();
}

/// <summary>A client's handle on one category line of a hall queue: the per-category calls, addressed to the hall's one queue grain.</summary>
public sealed class QueueLine(IHallQueueGrain hall, string category)
{
    public string Category => category;

    public IHallQueueGrain Hall => hall;

    public Task<QueueResult<TicketStatus>> Take(TicketRequest request) => hall.Take(category, request);

    public Task<TicketStatus?> GetStatus(string ticketNo) => hall.GetStatus(category, ticketNo);

    public Task<QueueView> GetView() => hall.GetView(category);

    public async Task<IReadOnlyList<ParkedTicket>> GetParked() => [.. (await hall.GetParked()).Where(p => p.Category == category)];

    public Task<QueueResult<Ticket>> Act(TicketAction action, string ticketNo) => hall.Act(category, action, ticketNo);
}

public static class HallQueues
{
    public static IHallQueueGrain Of(IGrainFactory grains, string hallCode)
    {
        ArgumentNullException.ThrowIfNull(grains);
        return grains.GetGrain<IHallQueueGrain>(hallCode);
    }

    /// <summary>The line of <paramref name="category"/> in hall <paramref name="hallCode"/>.</summary>
    public static QueueLine Line(this IGrainFactory grains, string hallCode, string category) => new(Of(grains, hallCode), category);
}
