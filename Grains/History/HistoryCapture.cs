using TongBan.Grains.Queues;
using TongBan.Grains.Windows;

namespace TongBan.Grains.History;

/// <summary>
/// Turns what a hall queue or window grain just wrote into history records and hands them to the sink (fire-and-forget).
/// Pure mapping plus one non-blocking hand-over: the grains call it after their write, so history never holds a command.
/// </summary>
public static class HistoryCapture
{
    /// <summary>The outcome a written window command produced, if it is one history keeps.</summary>
    /// <param name="changed">The lines the command changed (a transfer to another category changes two).</param>
    public static TicketOutcome? FromDesk(
        string hallCode, string regionCode, DeskCommand command, Ticket? ticket, IReadOnlyList<string> changed, WalkUpService? walkUp, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(changed);
        var w = command.Session.WindowNo;
        var clerk = command.Session.Clerk;
        if (walkUp is not null)
        {
            return new TicketOutcome(
                hallCode, regionCode, HistoryDays.Of(walkUp.ServedAt), walkUp.Id, walkUp.Category, TicketOutcomeKind.WalkUp, w, clerk, walkUp.Item,
                walkUp.ServedAt, null, null, walkUp.ServedAt, null, null, null, TicketKind.WalkIn);
        }

        if (ticket is null)
        {
            return null;
        }

        var kind = command.Action switch
        {
            DeskAction.Finish when ticket.State == TicketState.Done => TicketOutcomeKind.Served,
            DeskAction.Recall or DeskAction.NoShow or DeskAction.Skip when ticket.State == TicketState.NoShow => TicketOutcomeKind.NoShow,
            DeskAction.Transfer when changed.Count == 2 => TicketOutcomeKind.Transferred,
            DeskAction.Park when ticket.State == TicketState.Parked => TicketOutcomeKind.Parked,
            DeskAction.Unpark => TicketOutcomeKind.Unparked,
            _ => (TicketOutcomeKind?)null,
        };
        return kind is { } k ? Of(hallCode, regionCode, ticket, k, w, clerk, now, k == TicketOutcomeKind.Transferred ? changed[0] : null) : null;
    }

    /// <summary>The record of a ticket in a final or parked state (a cancel from the line has no window).</summary>
    public static TicketOutcome Of(
        string hallCode, string regionCode, Ticket ticket, TicketOutcomeKind kind, int? windowNo, string? clerk, DateTimeOffset now, string? fromCategory = null)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        var at = kind is TicketOutcomeKind.Parked or TicketOutcomeKind.Unparked ? now : ticket.FinishedAt ?? now;
        var transferred = kind == TicketOutcomeKind.Transferred;
        var wait = !transferred && ticket.FirstCalledAt is { } called ? Seconds(called - ticket.EnteredAt) : (int?)null;
        var service = kind == TicketOutcomeKind.Served && ticket.StartedAt is { } started ? Seconds(at - started) : (int?)null;
        return new TicketOutcome(
            hallCode, regionCode, HistoryDays.Of(ticket.IssuedAt), ticket.Number, fromCategory ?? ticket.Category, kind, windowNo, clerk, null,
            ticket.IssuedAt, transferred ? null : ticket.FirstCalledAt, transferred ? null : ticket.StartedAt, at, wait, service, null, ticket.Kind,
            kind == TicketOutcomeKind.Parked ? ticket.ParkReason : transferred ? ticket.Category : null);
    }

    /// <summary>Hands the desk command's outcome (if any) to the sink; never throws into the grain.</summary>
    public static void Desk(
        IHistorySink sink, string hallCode, string regionCode, DeskCommand command, Ticket? ticket, IReadOnlyList<string> changed, WalkUpService? walkUp, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(sink);
        if (FromDesk(hallCode, regionCode, command, ticket, changed, walkUp, now) is { } record)
        {
            sink.Append(record);
        }
    }

    /// <summary>A citizen's cancel (取消) from the line.</summary>
    public static void Cancelled(IHistorySink sink, string hallCode, string regionCode, Ticket ticket, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentNullException.ThrowIfNull(ticket);
        if (ticket.State == TicketState.Cancelled)
        {
            sink.Append(Of(hallCode, regionCode, ticket, TicketOutcomeKind.Cancelled, ticket.WindowNo, null, now));
        }
    }

    private static int Seconds(TimeSpan span) => (int)Math.Max(0, Math.Round(span.TotalSeconds));
}
