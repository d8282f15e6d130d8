using TongBan.Grains.History;
using TongBan.Grains.Queues;

namespace TongBan.Grains.Forecast;

/// <summary>
/// The forecast's past tickets read from the service history (服务记录): one <see cref="PastTicket"/> per ticket that left a
/// line (served, no-show, cancelled or transferred). Park and unpark steps are not arrivals, and a walk-up (补录) never
/// waited in a line, so neither is counted.
/// </summary>
public sealed class ServiceHistoryArrivals(IServiceHistory history) : IArrivalHistory
{
    public bool Synthetic => false;

    public async Task<IReadOnlyList<PastTicket>> TicketsAsync(string hallCode, DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        var tickets = new List<PastTicket>();
        await foreach (var t in history.TicketsAsync(new HistoryQuery(from, to, HallCode: hallCode), cancellationToken))
        {
            if (ToPastTicket(t) is { } past)
            {
                tickets.Add(past);
            }
        }

        return tickets;
    }

    /// <summary>The arrival a history record stands for, or null for records that are not a ticket leaving its line.</summary>
    public static PastTicket? ToPastTicket(TicketOutcome t) => t.Outcome switch
    {
        TicketOutcomeKind.Served or TicketOutcomeKind.NoShow or TicketOutcomeKind.Cancelled or TicketOutcomeKind.Transferred => new PastTicket(
            t.HallCode,
            t.Category,
            t.TakenAt,
            t.CalledAt,
            t.StartedAt,
            t.Outcome == TicketOutcomeKind.Served ? t.At : null,
            t.WindowNo,
            t.Kind == TicketKind.Appointment),
        _ => null,
    };
}
