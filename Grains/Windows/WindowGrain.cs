using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Storage;
using TongBan.Grains.Common;
using TongBan.Grains.Halls;
using TongBan.Grains.Live;
using TongBan.Grains.Queues;
using TongBan.Grains.Ratings;

namespace TongBan.Grains.Windows;

[GenerateSerializer]
public sealed class WindowState
{
    [Id(0)]
    public WindowStatus Status { get; set; }

    [Id(1)]
    public string? Clerk { get; set; }

    [Id(2)]
    public HeldTicket? Current { get; set; }

    [Id(3)]
    public int ServedToday { get; set; }

    [Id(4)]
    public DateOnly Day { get; set; }

    /// <summary>A transfer handed out by the source queue but not yet accepted by the target: redelivered until it is.</summary>
    [Id(5)]
    public TicketTransfer? PendingTransfer { get; set; }

    /// <summary>The ticket each recent command answered with, by idempotency key (newest last, bounded).</summary>
    /// <remarks>Only the ticket is kept: a replay answers with the window as it is now. (Id 6 held whole replies.)</remarks>
    [Id(7)]
    public List<RememberedReply> RecentReplies { get; set; } = [];

    /// <summary>The last finished ticket, offered to the window's rating pad until the offer lapses.</summary>
    [Id(8)]
    public WindowRatingOffer? RatingOffer { get; set; }

    /// <summary>The idempotency key of the transfer in <see cref="PendingTransfer"/>: its remembered reply gets the accepted ticket once delivered.</summary>
    [Id(9)]
    public string? PendingTransferKey { get; set; }

    /// <summary>
    /// Categories of the window's recent services, oldest first, at most <see cref="QueueRules.WindowShareSamples"/>: its
    /// measured share of each category it serves (<see cref="WaitEstimator.ServingShare"/>). Survives midnight.
    /// </summary>
    [Id(10)]
    public List<string> RecentServed { get; set; } = [];

    /// <summary>While paused: why (暂停原因).</summary>
    [Id(11)]
    public PauseReason? PauseReason { get; set; }

    /// <summary>While paused: since when (today's midnight for a pause carried over from yesterday).</summary>
    [Id(12)]
    public DateTimeOffset? PausedSince { get; set; }

    /// <summary>Time paused today in earlier pauses (the current one is added by the view).</summary>
    [Id(13)]
    public TimeSpan PausedToday { get; set; }

    /// <summary>Walk-up services (补录) recorded today (also counted in <see cref="ServedToday"/>).</summary>
    [Id(14)]
    public int WalkUpsToday { get; set; }

    /// <summary>The categories served, as the hall manager last set them; null: the window's profile.</summary>
    [Id(15)]
    public List<string>? Categories { get; set; }
}

/// <summary>What a replayed command needs: the ticket it acted on (null: nothing to call).</summary>
[GenerateSerializer, Immutable]
public sealed record RememberedReply([property: Id(0)] string Key, [property: Id(1)] Ticket? Ticket, [property: Id(2)] WalkUpService? WalkUp = null);

public sealed partial class WindowGrain(
    [PersistentState(WindowGrain.StateName, StorageNames.Default)] IPersistentState<WindowState> state,
    ServicePointDirectory directory,
    ServedTicketWriter servedTickets,
    TimeProvider clock,
    HallHours hours,
    ILogger<WindowGrain> logger) : Grain, IWindowGrain
{
    /// <summary>A clerk's terminal retries its last command or two; eight keys cover that with room to spare.</summary>
    public const int RememberedReplies = 8;

    /// <summary>The state name of a window's record in grain storage.</summary>
    public const string StateName = "window";

    private string hallCode = string.Empty;
    private int windowNo;
    private WindowProfile profile = null!;

    /// <summary>
    /// Whether this activation has asked its queues for a ticket they hold for it. A fresh activation may be behind
    /// them: its previous one can have died after a queue called a ticket for it and before it saved.
    /// </summary>
    private bool heldChecked;

    private WindowState S => state.State;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        (hallCode, windowNo) = WindowKeys.Parse(this.GetPrimaryKeyString());
        profile = directory.Find(hallCode)?.Windows.FirstOrDefault(w => w.WindowNo == windowNo)
            ?? throw new UnknownHallException(this.GetPrimaryKeyString());
        if (S.PendingTransfer is not null)
        {
            await DeliverPendingTransfer();
        }
    }

    public async Task<WindowReply> Open(string? clerk)
    {
        RollOver();
        if (S.Status == WindowStatus.Open && S.Clerk == clerk)
        {
            return Reply(null);
        }

        // The hall's clock: a window opens only inside a session (regular or 延时服务). One already open keeps serving
        // past closing, so the clock never cuts a citizen off mid-service.
        if (directory.Find(hallCode) is { } point && hours.Read(point) is { OpenNow: false } reading)
        {
            LogOutsideHours(logger, hallCode, windowNo, reading.ClosedReason);
            return new WindowReply(View(), null, new WindowViolation(
                WindowViolationCode.OutsideHours,
                $"{point.Name} is not open now ({reading.ClosedReason}): window {windowNo} opens within opening hours.",
                NextOpening: reading.NextOpening));
        }

        EndPause();
        S.Status = WindowStatus.Open;
        S.Clerk = clerk;
        await Save(statusChanged: true);
        LogStatus(logger, hallCode, windowNo, S.Status, clerk);
        return Reply(null);
    }

    public async Task<WindowReply> Pause(PauseReason reason = PauseReason.Other)
    {
        if (!Enum.IsDefined(reason))
        {
            return Fail(WindowViolationCode.InvalidRequest, "reason is break, training, systemFault or other.");
        }

        RollOver();
        if (S.Status == WindowStatus.Paused && S.PauseReason != reason && S.Current is null)
        {
            // Still paused, for another reason: the time paused runs on.
            S.PauseReason = reason;
            await Save(statusChanged: false);
            LogStatus(logger, hallCode, windowNo, S.Status, S.Clerk);
            return Reply(null);
        }

        return await Leave(WindowStatus.Paused, reason);
    }

    public Task<WindowReply> Close() => Leave(WindowStatus.Closed);

    /// <summary>
    /// Pausing or closing gives a called ticket back to the head of its queue; a ticket being served
    /// must be finished or transferred first. Closing also frees tickets reserved for this window.
    /// </summary>
    private async Task<WindowReply> Leave(WindowStatus to, PauseReason reason = PauseReason.Other)
    {
        RollOver();
        if (S.Current is { State: TicketState.Serving } serving)
        {
            return Fail(WindowViolationCode.ServingInProgress, $"Window {windowNo} is serving {serving.TicketNo}: finish or transfer it first.");
        }

        if (S.Status == to)
        {
            return Reply(null);
        }

        if (to == WindowStatus.Closed)
        {
            // Tickets reserved for this window may wait in a category it served before a manager's change.
            foreach (var category in profile.Categories.Union(Categories))
            {
                await Queue(category).ReleaseWindow(windowNo);
            }
        }
        else if (S.Current is { } called)
        {
            await Queue(called.Category).Act(TicketAction.ReturnToHead, called.TicketNo, windowNo);
        }

        S.Current = null;
        EndPause();
        S.Status = to;
        if (to == WindowStatus.Paused)
        {
            S.PauseReason = reason;
            S.PausedSince = ChinaTime.Now(clock);
        }

        if (to == WindowStatus.Closed)
        {
            S.Clerk = null;
        }

        await Save(statusChanged: true);
        LogStatus(logger, hallCode, windowNo, S.Status, S.Clerk);
        return Reply(null);
    }

    public async Task<WindowReply> CallNext(string? idempotencyKey)
    {
        RollOver();
        if (Remembered(idempotencyKey) is { } earlier)
        {
            return earlier;
        }

        if (S.Status != WindowStatus.Open)
        {
            return await Refuse(Fail(WindowViolationCode.NotOpen, $"Window {windowNo} is {S.Status.ToString().ToLowerInvariant()}: open it before calling."));
        }

        if (S.Current is { } held)
        {
            return await Refuse(Fail(WindowViolationCode.Busy, $"Window {windowNo} still holds {held.TicketNo} ({TicketWire.State(held.State)}): finish, skip, mark no-show or transfer it first."));
        }

        if (!heldChecked)
        {
            // Before calling anew, take back a ticket a queue already called for this window (a lost save, e.g. of
            // this very command): with several categories, the first queue asked would otherwise call a second one.
            foreach (var category in Categories)
            {
                if (await Queue(category).HeldBy(windowNo) is { } adopted)
                {
                    LogCaughtUp(logger, hallCode, windowNo, adopted.Number, adopted.State);
                    S.Current = new HeldTicket(category, adopted.Number, adopted.State);
                    heldChecked = true;
                    return await Remember(idempotencyKey, Reply(adopted));
                }
            }

            heldChecked = true;
        }

        foreach (var category in Categories)
        {
            var result = await Queue(category).CallNext(windowNo, idempotencyKey);
            if (result.Violation is { Code: QueueViolationCode.WindowBusy, TicketNo: { } number, State: TicketState.Called or TicketState.Serving } busy &&
                await Queue(category).GetStatus(number) is { Ticket: { } adopted } && adopted.WindowNo == windowNo)
            {
                // The queue called a ticket for this window but the window's save was lost (its silo died in
                // between): the window takes back what the queue says it holds, rather than refusing every call.
                LogCaughtUp(logger, hallCode, windowNo, number, busy.State.Value);
                result = QueueResult<Ticket?>.Ok(adopted);
            }

            if (!result.IsOk)
            {
                return await Refuse(Fail(WindowViolationCode.QueueRule, result.Violation!.Message, result.Violation));
            }

            if (result.Value is { } ticket)
            {
                S.Current = new HeldTicket(category, ticket.Number, ticket.State);
                return await Remember(idempotencyKey, Reply(ticket));
            }
        }

        return Reply(null);
    }

    public async Task<WindowReply> Act(WindowCommand command, string? idempotencyKey)
    {
        RollOver();
        if (Remembered(idempotencyKey) is { } earlier)
        {
            return earlier;
        }

        if (S.Current is not { } held)
        {
            return await Refuse(Fail(WindowViolationCode.NoCurrentTicket, $"Window {windowNo} holds no ticket."));
        }

        var action = command switch
        {
            WindowCommand.Recall => TicketAction.Recall,
            WindowCommand.NoShow => TicketAction.NoShow,
            WindowCommand.Start => TicketAction.Start,
            WindowCommand.Finish => TicketAction.Finish,
            WindowCommand.Skip => TicketAction.Skip,
            _ => throw new ArgumentOutOfRangeException(nameof(command)),
        };
        var result = await Queue(held.Category).Act(action, held.TicketNo, windowNo, idempotencyKey);
        if (!result.IsOk && await AlreadyApplied(action, held, result.Violation!) is { } caughtUp)
        {
            result = caughtUp;
        }

        if (!result.IsOk)
        {
            return await RefuseAndLetGo(held, Fail(WindowViolationCode.QueueRule, result.Violation!.Message, result.Violation));
        }

        var ticket = result.Value;

        // A replayed command answers with the ticket as it is now: the window keeps it only while it is still its own.
        S.Current = ticket.State is TicketState.Called or TicketState.Serving && ticket.WindowNo == windowNo ? held with { State = ticket.State } : null;
        if (action == TicketAction.Finish && ticket.State == TicketState.Done)
        {
            S.ServedToday++;
            RecordServed(ticket);
            var finishedAt = ticket.FinishedAt ?? ChinaTime.Now(clock);
            S.RatingOffer = new WindowRatingOffer(
                hallCode, windowNo, ticket.Number, DateOnly.FromDateTime(ticket.IssuedAt.ToOffset(ChinaTime.Offset).DateTime),
                finishedAt, finishedAt + WindowRatingOffer.Lifetime);
        }

        var reply = await Remember(idempotencyKey, Reply(ticket));
        if (action == TicketAction.Finish && ticket.State == TicketState.Done && S.RatingOffer is { } offer)
        {
            await GrainFactory.PublishLive(new LiveMessage(LiveGroups.WindowPad(hallCode, windowNo), LiveMethods.RatingOffer, offer));
        }

        return reply;
    }

    public Task<WindowRatingOffer?> GetRatingOffer() =>
        Task.FromResult(S.RatingOffer is { } offer && offer.IsValidAt(ChinaTime.Now(clock)) ? offer : null);

    public async Task<WindowReply> Transfer(string? toCategory, int? toWindow, string? idempotencyKey = null)
    {
        RollOver();
        if (Remembered(idempotencyKey) is { } earlier)
        {
            return earlier;
        }

        if (S.Current is not { } held)
        {
            return await Refuse(Fail(WindowViolationCode.NoCurrentTicket, $"Window {windowNo} holds no ticket to transfer."));
        }

        var hall = directory.Find(hallCode)!;
        var target = toCategory ?? held.Category;
        if (toCategory is null && toWindow is null)
        {
            return Fail(WindowViolationCode.InvalidRequest, "Name toCategory, toWindow or both.");
        }

        if (hall.Categories.All(c => c.Code != target))
        {
            return Fail(WindowViolationCode.InvalidRequest, $"Hall {hallCode} has no category '{target}'.");
        }

        if (toWindow is { } w)
        {
            var named = hall.Windows.FirstOrDefault(x => x.WindowNo == w);
            if (named is null)
            {
                return Fail(WindowViolationCode.InvalidRequest, $"Hall {hallCode} has no window {w}.");
            }

            if (!named.Categories.Contains(target))
            {
                return Fail(WindowViolationCode.InvalidRequest, $"Window {w} does not serve category {target}.");
            }
        }
        else if (target == held.Category)
        {
            return Fail(WindowViolationCode.InvalidRequest, $"{held.TicketNo} is already in category {target}; name another category or a window.");
        }

        if (target == held.Category)
        {
            var redirected = await Queue(held.Category).RedirectToWindow(held.TicketNo, windowNo, toWindow!.Value, idempotencyKey);
            if (!redirected.IsOk)
            {
                return await Refuse(Fail(WindowViolationCode.QueueRule, redirected.Violation!.Message, redirected.Violation));
            }

            S.Current = null;
            return await Remember(idempotencyKey, Reply(redirected.Value));
        }

        var handOff = await Queue(held.Category).TransferOut(held.TicketNo, windowNo, target, toWindow);
        if (!handOff.IsOk)
        {
            return await Refuse(Fail(WindowViolationCode.QueueRule, handOff.Violation!.Message, handOff.Violation));
        }

        // Persist the hand-off (and the command's key) before delivering it: if this silo dies in between, the next
        // activation redelivers it, the target queue accepts a repeated hand-off only once, and a retry is answered.
        // Before this save a retry finds the ticket still held here, and the source queue repeats the same hand-off.
        S.PendingTransfer = handOff.Value;
        S.PendingTransferKey = idempotencyKey;
        S.Current = null;
        AddReply(idempotencyKey, null);
        await Save(statusChanged: false);
        var accepted = await DeliverPendingTransfer();
        LogTransferred(logger, hallCode, held.TicketNo, held.Category, target, toWindow);
        return Reply(accepted);
    }

    public async Task TicketLeft(string ticketNo)
    {
        if (S.Current?.TicketNo == ticketNo)
        {
            LogTicketLeft(logger, hallCode, windowNo, ticketNo);
            S.Current = null;
            await Save(statusChanged: false);
        }
    }

    public async Task<WindowReply> Park(string reason, string? idempotencyKey)
    {
        RollOver();
        if (Remembered(idempotencyKey) is { } earlier)
        {
            return earlier;
        }

        if (string.IsNullOrWhiteSpace(reason) || reason.Length > CategoryQueue.MaxParkReasonLength)
        {
            return Fail(WindowViolationCode.InvalidRequest, $"reason (挂起原因) is required, 1 to {CategoryQueue.MaxParkReasonLength} characters.");
        }

        if (S.Current is not { } held)
        {
            return await Refuse(Fail(WindowViolationCode.NoCurrentTicket, $"Window {windowNo} holds no ticket to park."));
        }

        var result = await Queue(held.Category).Park(held.TicketNo, windowNo, reason, idempotencyKey);
        if (!result.IsOk)
        {
            return await RefuseAndLetGo(held, Fail(WindowViolationCode.QueueRule, result.Violation!.Message, result.Violation));
        }

        S.Current = null;
        return await Remember(idempotencyKey, Reply(result.Value));
    }

    public async Task<WindowReply> Unpark(string ticketNo, string? idempotencyKey)
    {
        RollOver();
        if (Remembered(idempotencyKey) is { } earlier)
        {
            return earlier;
        }

        var (category, refusal) = await Locate(ticketNo);
        if (refusal is not null)
        {
            return refusal;
        }

        var result = await Queue(category!).Act(TicketAction.Unpark, ticketNo, windowNo, idempotencyKey);
        if (!result.IsOk)
        {
            return await Refuse(Fail(WindowViolationCode.QueueRule, result.Violation!.Message, result.Violation));
        }

        LogUnparked(logger, hallCode, windowNo, ticketNo);
        return await Remember(idempotencyKey, Reply(result.Value));
    }

    public async Task<WindowReply> CallTicket(string ticketNo, string? idempotencyKey)
    {
        RollOver();
        if (Remembered(idempotencyKey) is { } earlier)
        {
            return earlier;
        }

        if (S.Status != WindowStatus.Open)
        {
            return await Refuse(Fail(WindowViolationCode.NotOpen, $"Window {windowNo} is {S.Status.ToString().ToLowerInvariant()}: open it before calling."));
        }

        if (S.Current is { } current)
        {
            return await Refuse(Fail(WindowViolationCode.Busy, $"Window {windowNo} still holds {current.TicketNo} ({TicketWire.State(current.State)}): finish, skip, park or transfer it first."));
        }

        var (category, refusal) = await Locate(ticketNo);
        if (refusal is not null)
        {
            return refusal;
        }

        var result = await Queue(category!).CallTicket(ticketNo, windowNo, idempotencyKey);
        if (!result.IsOk)
        {
            return await Refuse(Fail(WindowViolationCode.QueueRule, result.Violation!.Message, result.Violation));
        }

        S.Current = new HeldTicket(category!, result.Value.Number, result.Value.State);
        return await Remember(idempotencyKey, Reply(result.Value));
    }

    public async Task<WindowReply> ServeWalkUp(string category, string? item, string? idempotencyKey)
    {
        RollOver();
        if (Remembered(idempotencyKey) is { } earlier)
        {
            return earlier;
        }

        if (S.Status != WindowStatus.Open)
        {
            return await Refuse(Fail(WindowViolationCode.NotOpen, $"Window {windowNo} is {S.Status.ToString().ToLowerInvariant()}: open it before serving."));
        }

        if (!Categories.Contains(category))
        {
            return Fail(WindowViolationCode.NotServed, $"Window {windowNo} serves {string.Join(", ", Categories)}, not category {category}.");
        }

        var result = await Queue(category).RecordWalkUp(windowNo, item, idempotencyKey);
        if (!result.IsOk)
        {
            return await Refuse(Fail(WindowViolationCode.QueueRule, result.Violation!.Message, result.Violation));
        }

        S.ServedToday++;
        S.WalkUpsToday++;
        var reply = Reply(null) with { WalkUp = result.Value };
        AddReply(idempotencyKey, null, result.Value);
        await Save(statusChanged: false);
        return reply with { Window = View() };
    }

    public async Task<WindowReply> SetCategories(IReadOnlyList<string> categories)
    {
        ArgumentNullException.ThrowIfNull(categories);
        RollOver();
        var hall = directory.Find(hallCode)!;
        if (categories.Count == 0 || categories.Distinct(StringComparer.Ordinal).Count() != categories.Count)
        {
            return Fail(WindowViolationCode.InvalidRequest, "categories lists one or more distinct categories of the hall, in preference order.");
        }

        if (categories.FirstOrDefault(c => hall.Categories.All(h => h.Code != c)) is { } unknown)
        {
            return Fail(WindowViolationCode.InvalidRequest, $"Hall {hallCode} has no category '{unknown}'.");
        }

        if (Categories.SequenceEqual(categories, StringComparer.Ordinal))
        {
            return Reply(null);
        }

        // A ticket held now stays with the window (finish or transfer it); the next call-next uses the new list.
        S.Categories = [.. categories];
        await Save(statusChanged: true);
        LogCategories(logger, hallCode, windowNo, string.Join(",", categories));
        return Reply(null);
    }

    public Task<WindowView> GetView()
    {
        RollOver();
        return Task.FromResult(View());
    }

    private async Task<Ticket?> DeliverPendingTransfer()
    {
        var transfer = S.PendingTransfer!;
        var accepted = await Queue(transfer.ToCategory).Accept(transfer);
        if (!accepted.IsOk)
        {
            LogTransferRefused(logger, hallCode, transfer.Number, transfer.ToCategory, accepted.Violation!.Message);
        }

        var ticket = accepted.IsOk ? accepted.Value.Ticket : null;
        if (S.PendingTransferKey is { } key && S.RecentReplies.FindIndex(r => r.Key == key) is >= 0 and var i)
        {
            S.RecentReplies[i] = new(key, ticket);
        }

        S.PendingTransfer = null;
        S.PendingTransferKey = null;
        await Save(statusChanged: false);
        return ticket;
    }

    /// <summary>
    /// Records what this window served and who served it, so the ticket can be rated (一次一评) for days after its
    /// queue has dropped the day: handed to this silo's batching writer, not waited for. A lost record never undoes
    /// the finish: the same day the rating intake can still read the ticket from its queue (see ServedTicketWriter).
    /// </summary>
    private void RecordServed(Ticket ticket)
    {
        // An instant start/finish click is not a service: it says nothing about how the window splits its time.
        var rules = QueueRules.Default;
        if (!(ticket is { StartedAt: { } started, FinishedAt: { } finished } && finished - started < rules.MinServiceObservation))
        {
            var recent = S.RecentServed ??= [];
            recent.Add(ticket.Category);
            if (recent.Count > rules.WindowShareSamples)
            {
                recent.RemoveRange(0, recent.Count - rules.WindowShareSamples);
            }
        }

        var day = DateOnly.FromDateTime(ticket.IssuedAt.ToOffset(ChinaTime.Offset).DateTime);
        servedTickets.Record(new ServedTicket(hallCode, day, ticket.Number, ticket.Category, windowNo, S.Clerk, ticket.FinishedAt ?? ChinaTime.Now(clock)));
    }

    /// <summary>
    /// The queue is the record of a ticket. If this window's silo died after the queue applied a command but before
    /// the window saved (SIGKILL between the two writes), the reloaded window still holds the ticket in its old state
    /// and the client's retry is refused by the queue. When the queue shows the ticket at this window already in the
    /// state the command leads to, the command was applied: answer it as such and let the window catch up.
    /// </summary>
    private async Task<QueueResult<Ticket>?> AlreadyApplied(TicketAction action, HeldTicket held, QueueViolation violation)
    {
        var target = action switch
        {
            TicketAction.Start => TicketState.Serving,
            TicketAction.Finish => TicketState.Done,
            TicketAction.NoShow => TicketState.NoShow,
            _ => (TicketState?)null,
        };
        if (target is null || violation.Code != QueueViolationCode.InvalidState || violation.State != target)
        {
            return null;
        }

        var status = await Queue(held.Category).GetStatus(held.TicketNo);
        if (status?.Ticket is not { } ticket || ticket.State != target || ticket.WindowNo != windowNo)
        {
            return null;
        }

        LogCaughtUp(logger, hallCode, windowNo, held.TicketNo, ticket.State);
        return QueueResult<Ticket>.Ok(ticket);
    }

    private IQueueGrain Queue(string category) => GrainFactory.GetGrain<IQueueGrain>(QueueKeys.Of(hallCode, category));

    private IReadOnlyList<string> Categories => S.Categories ?? profile.Categories;

    /// <summary>
    /// The category of this window whose queue holds <paramref name="ticketNo"/> live today (a transferred ticket keeps
    /// its number but lives in another category); otherwise a refusal: 404 if the hall has no such ticket today, 409
    /// when it is in a category this window does not serve.
    /// </summary>
    private async Task<(string? Category, WindowReply? Refusal)> Locate(string ticketNo)
    {
        foreach (var category in Categories)
        {
            if (await Queue(category).GetStatus(ticketNo) is { Ticket.State: not TicketState.Transferred })
            {
                return (category, null);
            }
        }

        var hall = directory.Find(hallCode)!;
        if (TicketNumber.TryParse(ticketNo, out var letter, out _) && hall.Categories.Any(c => c.Code == letter))
        {
            var status = await Queue(letter).GetStatus(ticketNo);
            for (var hops = 0; hops < 8 && status?.Ticket is { State: TicketState.Transferred, TransferredTo: { } next }; hops++)
            {
                status = await Queue(next).GetStatus(ticketNo) ?? status;
            }

            if (status is not null)
            {
                return (null, Fail(WindowViolationCode.NotServed,
                    $"Ticket {ticketNo} is in category {status.Ticket.Category} ({TicketWire.State(status.Ticket.State)}); window {windowNo} serves {string.Join(", ", Categories)}."));
            }
        }

        return (null, Fail(WindowViolationCode.UnknownTicket, $"Hall {hallCode} has no ticket {ticketNo} today."));
    }

    /// <summary>
    /// A refusal of a command on the held ticket. When the queue shows the ticket is no longer this window's (the citizen
    /// cancelled and the one-way TicketLeft was lost, e.g. in a crash), the window lets it go, so it is not stuck on it.
    /// </summary>
    private async Task<WindowReply> RefuseAndLetGo(HeldTicket held, WindowReply refusal)
    {
        refusal = await Refuse(refusal);
        if (refusal.Violation?.Queue is not { Code: QueueViolationCode.InvalidState or QueueViolationCode.WrongWindow or QueueViolationCode.UnknownTicket }
            || S.Current != held)
        {
            return refusal;
        }

        var status = await Queue(held.Category).GetStatus(held.TicketNo);
        if (status?.Ticket is not { State: TicketState.Called or TicketState.Serving } ticket || ticket.WindowNo != windowNo)
        {
            LogTicketLeft(logger, hallCode, windowNo, held.TicketNo);
            S.Current = null;
            await Save(statusChanged: false);
            return refusal with { Window = View() };
        }

        return refusal;
    }

    /// <summary>Ends a pause: its time joins today's paused time.</summary>
    private void EndPause()
    {
        if (S.PausedSince is { } since)
        {
            var paused = ChinaTime.Now(clock) - since;
            S.PausedToday += paused > TimeSpan.Zero ? paused : TimeSpan.Zero;
        }

        S.PausedSince = null;
        S.PauseReason = null;
    }

    private int PausedMinutesToday()
    {
        var total = S.PausedToday;
        if (S.PausedSince is { } since && ChinaTime.Now(clock) - since is { Ticks: > 0 } running)
        {
            total += running;
        }

        return (int)Math.Round(total.TotalMinutes, MidpointRounding.AwayFromZero);
    }

    private void RollOver()
    {
        var today = ChinaTime.Today(clock);
        if (S.Day != today)
        {
            S.Day = today;
            S.ServedToday = 0;
            S.WalkUpsToday = 0;
            S.PausedToday = TimeSpan.Zero;
            S.RecentReplies.Clear();
            var midnight = new DateTimeOffset(today.ToDateTime(TimeOnly.MinValue), ChinaTime.Offset);
            if (S.PausedSince < midnight)
            {
                S.PausedSince = midnight; // a pause carried over from yesterday counts from today's start
            }
        }
    }

    private WindowReply? Remembered(string? key) =>
        key is not null && S.RecentReplies.FirstOrDefault(r => r.Key == key) is { } r ? Reply(r.Ticket) with { WalkUp = r.WalkUp } : null;

    private async Task<WindowReply> Remember(string? key, WindowReply reply)
    {
        AddReply(key, reply.Ticket);
        await Save(statusChanged: false);
        return reply with { Window = View() };
    }

    private void AddReply(string? key, Ticket? ticket, WalkUpService? walkUp = null)
    {
        if (key is not null)
        {
            S.RecentReplies.Add(new(key, ticket, walkUp));
            if (S.RecentReplies.Count > RememberedReplies)
            {
                S.RecentReplies.RemoveAt(0);
            }
        }
    }

    /// <summary>
    /// Writes the window. A failed write leaves this activation ahead of its storage (and remembering a reply storage
    /// does not have): the activation is dropped, so the retry meets the window as stored, as it would after a crash,
    /// and catches up from its queues (which keep the keys of the commands they applied).
    /// </summary>
    private async Task Save(bool statusChanged)
    {
        try
        {
            await state.WriteStateAsync();
        }
        catch (Exception e)
        {
            LogWriteFailed(logger, e, hallCode, windowNo);
            DeactivateOnIdle();
            throw;
        }

        GrainFactory.GetGrain<IHallGrain>(hallCode).WindowChanged(View(), statusChanged).Ignore();
    }

    private WindowView View() => new(
        windowNo, S.Status, S.Clerk, Categories, S.Current, S.ServedToday, S.Day, [.. S.RecentServed ?? []], S.PauseReason, S.PausedSince,
        PausedMinutesToday(), S.WalkUpsToday);

    private WindowReply Reply(Ticket? ticket) => new(View(), ticket, null);

    /// <summary>A refusal of a ticket command, given only once the window's state is confirmed to be the stored one (see <see cref="StoredStateCheck"/>).</summary>
    private async Task<WindowReply> Refuse(WindowReply refusal)
    {
        var storage = ServiceProvider.GetRequiredKeyedService<IGrainStorage>(StorageNames.Default);
        if (await StoredStateCheck.IsStale(storage, StateName, this.GetGrainId(), state) is (true, var stored))
        {
            LogStale(logger, hallCode, windowNo, refusal.Violation!.Code);
            DeactivateOnIdle();
            throw new InconsistentStateException($"Window {WindowKeys.Of(hallCode, windowNo)}: another activation wrote its state; retry.", stored, state.Etag);
        }

        return refusal;
    }

    private WindowReply Fail(WindowViolationCode code, string message, QueueViolation? queue = null) =>
        new(View(), null, new WindowViolation(code, message, queue));

    [LoggerMessage(Level = LogLevel.Information, Message = "Hall {HallCode} window {WindowNo} not opened outside opening hours: {Reason}")]
    private static partial void LogOutsideHours(ILogger logger, string hallCode, int windowNo, string? reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Hall {HallCode} window {WindowNo} is now {Status} (clerk {Clerk})")]
    private static partial void LogStatus(ILogger logger, string hallCode, int windowNo, WindowStatus status, string? clerk);

    [LoggerMessage(Level = LogLevel.Information, Message = "Hall {HallCode}: ticket {TicketNo} transferred {From} → {To} (window {ToWindow})")]
    private static partial void LogTransferred(ILogger logger, string hallCode, string ticketNo, string from, string to, int? toWindow);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Hall {HallCode} window {WindowNo}: {TicketNo} is already {State} in its queue (a command applied before a crash); the window catches up")]
    private static partial void LogCaughtUp(ILogger logger, string hallCode, int windowNo, string ticketNo, TicketState state);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Hall {HallCode} window {WindowNo}: would refuse ({Code}) from a state older than the stored one (a duplicate activation); dropped for a retry")]
    private static partial void LogStale(ILogger logger, string hallCode, int windowNo, WindowViolationCode code);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Hall {HallCode} window {WindowNo}: state write failed; the activation is dropped and reloads from storage")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, string hallCode, int windowNo);

    [LoggerMessage(Level = LogLevel.Information, Message = "Hall {HallCode} window {WindowNo}: ticket {TicketNo} left the window (cancelled by the citizen)")]
    private static partial void LogTicketLeft(ILogger logger, string hallCode, int windowNo, string ticketNo);

    [LoggerMessage(Level = LogLevel.Information, Message = "Hall {HallCode} window {WindowNo}: ticket {TicketNo} unparked to the front of its line")]
    private static partial void LogUnparked(ILogger logger, string hallCode, int windowNo, string ticketNo);

    [LoggerMessage(Level = LogLevel.Information, Message = "Hall {HallCode} window {WindowNo}: categories set to {Categories}")]
    private static partial void LogCategories(ILogger logger, string hallCode, int windowNo, string categories);

    [LoggerMessage(Level = LogLevel.Error, Message = "Hall {HallCode}: transfer of {TicketNo} to {Category} refused: {Reason}")]
    private static partial void LogTransferRefused(ILogger logger, string hallCode, string ticketNo, string category, string reason);
}
