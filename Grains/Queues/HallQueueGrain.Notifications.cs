namespace TongBan.Grains.Queues;

/// <summary>
/// The hall queue's ticket notifications (issue 17): what <see cref="Commit"/> (inside the section), <see cref="Take"/>
/// and activation call; <see cref="Announce"/> hands the prepared notices over after the write. The decisions use only
/// stored state (the contacts and <see cref="HallQueueState.ComeNowSent"/> are written with the change), and the outbox
/// keys each event by it, so handing an event again never sends it twice.
/// </summary>
public sealed partial class HallQueueGrain
{
    /// <summary>After a take: the holder's contact is kept with the ticket, in the same write.</summary>
    private void KeepContact(TicketRequest request, Ticket ticket)
    {
        if (request.Contact is { } contact)
        {
            S.TicketContacts[ticket.Number] = contact;
        }
    }

    private bool ComeNowDue(TicketStatus status) => notifications.IsComeNowDue(hallCode, status, S.TicketContacts.ContainsKey(status.Ticket.Number));

    private ComeNowNotice ComeNowNoticeOf(TicketStatus t) =>
        new(hallCode, t.Ticket.Number, t.Position ?? 0, t.PredictedWaitMinutes) { Day = S.Day, Contact = S.TicketContacts.GetValueOrDefault(t.Ticket.Number) };

    /// <summary>A called (or recalled) ticket whose holder left a contact is told which window; prepared in the section, handed after the write.</summary>
    private TicketCallNotice? CallNoticeOf(Ticket? changed) =>
        changed is { State: TicketState.Called, WindowNo: { } windowNo } && S.TicketContacts.TryGetValue(changed.Number, out var contact)
            ? new TicketCallNotice(hallCode, S.Day, changed.Number, windowNo, changed.CallCount, contact)
            : null;

    /// <summary>
    /// On activation: hands again what a crash between a write and its hand-over may have left out (the come-now of a
    /// ticket still waiting, the current call of a called ticket). The outbox already holds what was handed: no second send.
    /// </summary>
    private async Task ReplayTicketNotices()
    {
        var now = Now;
        if (S.TicketContacts.Count == 0 || S.Day != DateOnly.FromDateTime(now.DateTime))
        {
            return;
        }

        foreach (var number in S.TicketContacts.Keys.ToList())
        {
            var status = lines.Values
                .Select(l => l.Status(number, Capacity(l.Category), now))
                .FirstOrDefault(s => s is not null && s.Ticket.State != TicketState.Transferred);
            if (status is { Ticket.State: TicketState.Waiting } && S.ComeNowSent.Contains(number))
            {
                await notifications.ComeNow(ComeNowNoticeOf(status));
            }
            else if (CallNoticeOf(status?.Ticket) is { } call)
            {
                await notifications.Called(call);
            }
        }
    }
}
