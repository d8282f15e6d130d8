using System.Globalization;
using TongBan.Grains.Common;

namespace TongBan.Grains.Queues;

/// <summary>
/// The rules of one hall × category day queue, applied to a <see cref="CategoryQueueState"/> in place.
/// Deterministic: every operation takes the current time (Asia/Shanghai) and never reads a clock; illegal
/// operations return a <see cref="QueueViolation"/> and change nothing.
/// <para>
/// Usage from a grain: wrap the persisted state (<c>new CategoryQueue(state.State, "A", rules)</c>) after
/// every <c>ReadStateAsync</c>; call <see cref="RollOver"/> at the start of each grain call (commands do it
/// themselves, queries do not) and persist after every successful command. Not thread-safe: one grain turn at a time.
/// </para>
/// </summary>
public sealed class CategoryQueue
{
    private readonly CategoryQueueState state;
    private CallLanes? lanes;

    public CategoryQueue(CategoryQueueState state, string category, QueueRules? rules = null)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (!TicketNumber.IsCategoryCode(category))
        {
            throw new ArgumentException($"'{category}' is not a category letter.", nameof(category));
        }

        Rules = rules ?? QueueRules.Default;
        Rules.Validate();
        if (state.Category is null)
        {
            state.Category = category;
        }
        else if (state.Category != category)
        {
            throw new ArgumentException($"The state belongs to category {state.Category}, not {category}.", nameof(category));
        }

        this.state = state;
    }

    /// <summary>The longest park reason kept (a clerk's note, not a document).</summary>
    public const int MaxParkReasonLength = 200;

    public string Category => state.Category!;

    public QueueRules Rules { get; }

    /// <summary>The local date of the tickets held (default before the first operation).</summary>
    public DateOnly Day => state.Day;

    /// <summary>Summary of the most recently closed day, kept until the next roll-over.</summary>
    public DaySummary? LastClosedDay => state.LastClosedDay;

    /// <summary>
    /// The service-time estimate (<see cref="WaitEstimator.EstimateServiceTime"/>): a trimmed mean of recent services,
    /// or the category's prior while there are too few.
    /// </summary>
    public TimeSpan MeanServiceTime =>
        WaitEstimator.EstimateServiceTime(state.RecentServiceSeconds ??= [], state.ServiceTime, Rules.PriorServiceTimeFor(Category), Rules);

    /// <summary>How many recent services the estimate rests on (below <see cref="QueueRules.MinServiceSamples"/> the prior applies).</summary>
    public int ServiceSamples => state.RecentServiceSeconds?.Count ?? 0;

    public QueueCounts Counts
    {
        get
        {
            Span<int> byState = stackalloc int[8];
            foreach (var t in state.Tickets)
            {
                byState[(int)t.State]++;
            }

            var moved = state.MovedOutTally;
            return new QueueCounts(
                state.LastNumber,
                state.Received,
                byState[(int)TicketState.Waiting],
                byState[(int)TicketState.Parked],
                byState[(int)TicketState.Called],
                byState[(int)TicketState.Serving],
                byState[(int)TicketState.Done] + moved.Done,
                byState[(int)TicketState.NoShow] + moved.NoShow,
                byState[(int)TicketState.Cancelled] + moved.Cancelled,
                byState[(int)TicketState.Transferred] + moved.Transferred,
                state.WalkUps.Count);
        }
    }

    /// <summary>Today's wait figures so far (see <see cref="WaitEstimator.Summarize"/>).</summary>
    public WaitStatistics WaitStatistics
    {
        get
        {
            var moved = state.MovedOutTally.Waits;
            var samples = new List<WaitSample>(moved.Count + state.Tickets.Count);
            foreach (var w in moved)
            {
                samples.Add(new WaitSample(TimeSpan.FromTicks(w.ActualTicks), w.PredictedMinutes));
            }

            foreach (var t in state.Tickets)
            {
                if (t.FirstCalledAt is { } called)
                {
                    samples.Add(new WaitSample(called - t.EnteredAt, t.PredictedWaitMinutes));
                }
            }

            return WaitEstimator.Summarize(samples);
        }
    }

    private CallLanes Lanes => lanes ??= new CallLanes();

    /// <summary>
    /// Closes the day when <paramref name="now"/> falls on a later local date (numbers restart at 001 at the
    /// hall's midnight, Asia/Shanghai): returns the closed day's summary and drops its tickets; the
    /// service-time estimate is kept. Returns null when the day is unchanged. A time on an earlier date
    /// (clock skew between silos) is treated as today: days never go back.
    /// </summary>
    public DaySummary? RollOver(DateTimeOffset now)
    {
        var day = LocalDate(now);
        if (state.Day == default)
        {
            state.StartDay(day);
            return null;
        }

        if (day <= state.Day)
        {
            return null;
        }

        var summary = Summarize();
        state.StartDay(day);
        state.LastClosedDay = summary;
        return summary;
    }

    /// <summary>
    /// 取号: issues the next number, or — when the idempotency key was used today for the same request — returns
    /// the ticket issued then (never a second one). The new ticket's predicted wait is recorded for the MAE.
    /// 一人一号: a request with <see cref="TicketRequest.PersonKeys"/> is refused while the same person holds an open
    /// ticket of this queue (waiting, parked, called or serving); a keyless request is never deduplicated.
    /// </summary>
    /// <param name="servingWindows">Window-equivalents now serving this category (<see cref="WaitEstimator.ServingWindows(string, IEnumerable{WindowLoad}, QueueRules)"/>).</param>
    public QueueResult<TicketStatus> Take(TicketRequest request, double servingWindows, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(request);
        WaitEstimator.CheckServingWindows(servingWindows);
        now = Touch(now);
        var slot = request.AppointmentSlotStart?.ToOffset(ChinaTime.Offset);
        if (Validate(request) is { } invalid)
        {
            return invalid;
        }

        var person = request.PersonKeys is { Length: > 0 } keys ? keys : null;
        if (request.IdempotencyKey is { } key && state.FindByKey(key) is { } existing)
        {
            // The retry is answered before the one-open-ticket rule: the ticket it finds is the one this request took.
            // Another person's request with the same key is refused (while the ticket is open and still knows its holder).
            var samePerson = existing.PersonKeys is null || (person is not null && existing.PersonKeys.AsSpan().IndexOfAny(person) >= 0);
            return existing.Kind == request.Kind && existing.Priority == request.Priority && existing.AppointmentSlotStart == slot && samePerson
                ? Status(existing, servingWindows, now)
                : Violations.KeyConflict(key, existing);
        }

        if (person is not null && state.FindOpenByPerson(person) is { } held)
        {
            return Violations.AlreadyHolds(held, Category);
        }

        var ticket = new QueueTicket
        {
            Number = TicketNumber.Format(Category, ++state.LastNumber),
            Kind = request.Kind,
            Priority = request.Priority,
            State = TicketState.Waiting,
            IssuedAt = now,
            EnteredAt = now,
            AppointmentSlotStart = slot,
            IdempotencyKey = request.IdempotencyKey,
            PersonKeys = person,
        };
        return Enter(ticket, servingWindows, now);
    }

    /// <summary>
    /// 叫号: calls the next ticket for <paramref name="windowNo"/> by the order of <c>CallLanes</c>
    /// (returned tickets, then priority vs normal lane with at most <see cref="QueueRules.MaxConsecutivePriorityCalls"/>
    /// priority calls in a row over a waiting normal ticket, skipped tickets deferred; see QUEUE_RULES.md).
    /// Succeeds with null when nothing is callable (the API's 204). Refused while the window holds a ticket of this queue,
    /// unless that ticket was called by this very command (<paramref name="commandKey"/>): a repeat answers with it.
    /// </summary>
    /// <param name="commandKey">The window command's idempotency key, recorded on the called ticket (see <see cref="Replay"/>).</param>
    public QueueResult<Ticket?> CallNext(int windowNo, DateTimeOffset now, string? commandKey = null)
    {
        if (windowNo < 1)
        {
            return Violations.BadWindow(windowNo);
        }

        now = Touch(now);
        foreach (var t in state.Tickets)
        {
            if (t.IsHeld && t.WindowNo == windowNo)
            {
                return IsRepeat(t, QueueAction.Call, windowNo, commandKey) ? View(t) : Violations.WindowBusy(windowNo, t);
            }
        }

        var order = Lanes;
        order.Load(state.Tickets, windowNo, now, Rules, state.ConsecutivePriorityCalls, state.CallsMade);
        if (!order.TryNext(out var next))
        {
            return QueueResult<Ticket?>.Ok(null);
        }

        state.ConsecutivePriorityCalls = order.ConsecutivePriorityCalls;
        state.CallsMade = order.Calls;
        MarkCalled(next, windowNo, now);
        Record(next, QueueAction.Call, windowNo, commandKey);
        return View(next);
    }

    /// <summary>重呼: announces the called ticket again (at least <see cref="QueueRules.MinRecallInterval"/> after the previous announcement).</summary>
    public QueueResult<Ticket> Recall(string ticketNo, int windowNo, DateTimeOffset now, string? commandKey = null)
    {
        now = Touch(now);
        if (Repeated(ticketNo, QueueAction.Recall, windowNo, commandKey) is { } repeat)
        {
            return repeat;
        }

        var found = Held(ticketNo, windowNo, QueueAction.Recall, TicketState.Called);
        if (!found.IsOk)
        {
            return found.Violation;
        }

        var t = found.Value;
        var remaining = t.LastCalledAt!.Value + Rules.MinRecallInterval - now;
        if (remaining > TimeSpan.Zero)
        {
            return Violations.RecallTooSoon(t, remaining);
        }

        t.CallCount++;
        t.Recalls++;
        t.LastCalledAt = now;
        Record(t, QueueAction.Recall, windowNo, commandKey);
        return View(t);
    }

    /// <summary>
    /// 过号: the called citizen did not come. Allowed only after <see cref="QueueRules.RecallsBeforeNoShow"/> recalls
    /// (<see cref="QueueRules.RemoteRecallsBeforeNoShow"/> for a remote ticket) and <see cref="QueueRules.MinRecallInterval"/>
    /// after the last one; never automatic, a clerk decides. The ticket is released: its holder may take a new one.
    /// </summary>
    public QueueResult<Ticket> MarkNoShow(string ticketNo, int windowNo, DateTimeOffset now, string? commandKey = null)
    {
        now = Touch(now);
        if (Repeated(ticketNo, QueueAction.NoShow, windowNo, commandKey) is { } repeat)
        {
            return repeat;
        }

        var found = Held(ticketNo, windowNo, QueueAction.NoShow, TicketState.Called);
        if (!found.IsOk)
        {
            return found.Violation;
        }

        var t = found.Value;
        var required = Rules.RecallsBeforeNoShowOf(t.Kind);
        if (t.Recalls < required)
        {
            return Violations.NoShowTooEarly(t, required);
        }

        var remaining = t.LastCalledAt!.Value + Rules.MinRecallInterval - now;
        if (remaining > TimeSpan.Zero)
        {
            return Violations.NoShowTooSoon(t, remaining);
        }

        t.State = TicketState.NoShow;
        t.FinishedAt = now;
        t.PersonKeys = null; // released: the holder may take a new ticket
        Record(t, QueueAction.NoShow, windowNo, commandKey);
        return View(t);
    }

    /// <summary>
    /// 过号顺延: puts a called ticket back in line without losing its place in time; it becomes callable again
    /// after <see cref="QueueRules.SkipDeferral"/> more calls (or at once if nothing else is callable).
    /// </summary>
    public QueueResult<Ticket> Skip(string ticketNo, int windowNo, DateTimeOffset now, string? commandKey = null)
    {
        now = Touch(now);
        if (Repeated(ticketNo, QueueAction.Skip, windowNo, commandKey) is { } repeat)
        {
            return repeat;
        }

        var found = Held(ticketNo, windowNo, QueueAction.Skip, TicketState.Called);
        if (!found.IsOk)
        {
            return found.Violation;
        }

        var t = found.Value;
        BackInLine(t);
        t.DeferredUntilCall = state.CallsMade + Rules.SkipDeferral;
        t.SkipCount++;
        Record(t, QueueAction.Skip, windowNo, commandKey);
        return View(t);
    }

    /// <summary>开始办理: the called citizen arrived at the window.</summary>
    public QueueResult<Ticket> Start(string ticketNo, int windowNo, DateTimeOffset now, string? commandKey = null)
    {
        now = Touch(now);
        if (Repeated(ticketNo, QueueAction.Start, windowNo, commandKey) is { } repeat)
        {
            return repeat;
        }

        var found = Held(ticketNo, windowNo, QueueAction.Start, TicketState.Called);
        if (!found.IsOk)
        {
            return found.Violation;
        }

        var t = found.Value;
        t.State = TicketState.Serving;
        t.StartedAt = now;
        Record(t, QueueAction.Start, windowNo, commandKey);
        return View(t);
    }

    /// <summary>
    /// 办结: finishes service and records its duration (all serving sessions) as a service-time sample, unless it is
    /// shorter than <see cref="QueueRules.MinServiceObservation"/> (not a real service). Finishing twice is refused.
    /// </summary>
    public QueueResult<Ticket> Finish(string ticketNo, int windowNo, DateTimeOffset now, string? commandKey = null)
    {
        now = Touch(now);
        if (Repeated(ticketNo, QueueAction.Finish, windowNo, commandKey) is { } repeat)
        {
            return repeat;
        }

        var found = Held(ticketNo, windowNo, QueueAction.Finish, TicketState.Serving);
        if (!found.IsOk)
        {
            return found.Violation;
        }

        var t = found.Value;
        t.State = TicketState.Done;
        t.FinishedAt = now;
        t.PersonKeys = null;
        WaitEstimator.RecordService(state.RecentServiceSeconds ??= [], t.ServedBefore + (now - t.StartedAt!.Value), Rules);
        Record(t, QueueAction.Finish, windowNo, commandKey);
        return View(t);
    }

    /// <summary>
    /// 取消: the citizen withdraws, allowed while waiting, parked or called (not once service started). Cancelling a
    /// called ticket frees its window (the window reads its ticket from the hall queue, so nothing needs telling).
    /// </summary>
    public QueueResult<Ticket> Cancel(string ticketNo, DateTimeOffset now)
    {
        now = Touch(now);
        var found = Find(ticketNo, QueueAction.Cancel, TicketState.Waiting, TicketState.Parked, TicketState.Called);
        if (!found.IsOk)
        {
            return found.Violation;
        }

        var t = found.Value;
        t.State = TicketState.Cancelled;
        t.FinishedAt = now;
        t.PersonKeys = null;
        return View(t);
    }

    /// <summary>
    /// 挂起: puts a ticket on hold with a reason (e.g. the citizen went to copy a missing document); a parked ticket is
    /// never called until unparked. From waiting (any operator, <paramref name="windowNo"/> may be null) or from
    /// called/serving (only by the holding window, which becomes free). A blank reason is refused.
    /// </summary>
    /// <param name="commandKey">The window command's idempotency key: a repeat by the same window answers with the ticket and changes nothing.</param>
    public QueueResult<Ticket> Park(string ticketNo, int? windowNo, string reason, DateTimeOffset now, string? commandKey = null)
    {
        now = Touch(now);
        if (string.IsNullOrWhiteSpace(reason) || reason.Length > MaxParkReasonLength)
        {
            return Violations.InvalidRequest(
                $"parking ticket {ticketNo} needs a reason of 1 to {MaxParkReasonLength} characters",
                $"挂起票号 {ticketNo} 须填写原因（1 至 {MaxParkReasonLength} 个字符）");
        }

        if (windowNo is { } by && Repeated(ticketNo, QueueAction.Park, by, commandKey) is { } repeat)
        {
            return repeat;
        }

        var found = Movable(ticketNo, windowNo, QueueAction.Park, allowParked: false);
        if (!found.IsOk)
        {
            return found.Violation;
        }

        var t = found.Value;
        if (t.State == TicketState.Serving)
        {
            t.ServedBefore += now - t.StartedAt!.Value;
        }

        BackInLine(t);
        t.State = TicketState.Parked;
        t.ParkReason = reason.Trim();
        t.ParkedAt = now;
        t.ParkedBy = windowNo;
        Record(t, QueueAction.Park, windowNo ?? 0, commandKey);
        return View(t);
    }

    /// <summary>
    /// 恢复排队: a parked ticket returns to the front of its line: it is the next ticket called by any window allowed to
    /// take it (the citizen already waited their turn once), like a ticket a pausing window gave back.
    /// </summary>
    /// <param name="windowNo">The acting window (null: an operator without a window).</param>
    /// <param name="commandKey">The window command's idempotency key: a repeat by the same window answers with the ticket and changes nothing.</param>
    public QueueResult<Ticket> Unpark(string ticketNo, DateTimeOffset now, int? windowNo = null, string? commandKey = null)
    {
        now = Touch(now);
        if (windowNo is { } by && Repeated(ticketNo, QueueAction.Unpark, by, commandKey) is { } repeat)
        {
            return repeat;
        }

        var found = Find(ticketNo, QueueAction.Unpark, TicketState.Parked);
        if (!found.IsOk)
        {
            return found.Violation;
        }

        var t = found.Value;
        t.State = TicketState.Waiting;
        t.AtHead = true;
        t.ParkReason = null;
        t.ParkedAt = null;
        t.ParkedBy = null;
        Record(t, QueueAction.Unpark, windowNo ?? 0, commandKey);
        return View(t);
    }

    /// <summary>
    /// 指定叫号: calls a named waiting or parked ticket to <paramref name="windowNo"/>, out of the call order (e.g. the
    /// citizen is standing at the counter). Refused while the window holds another ticket of this queue, and for a ticket
    /// reserved for another window. Counts as a call for the skip deferral; the anti-starvation counter is left alone.
    /// </summary>
    /// <param name="commandKey">The window command's idempotency key: a repeat answers with the ticket this call made.</param>
    public QueueResult<Ticket> CallTicket(string ticketNo, int windowNo, DateTimeOffset now, string? commandKey = null)
    {
        if (windowNo < 1)
        {
            return Violations.BadWindow(windowNo);
        }

        now = Touch(now);
        if (Repeated(ticketNo, QueueAction.CallTicket, windowNo, commandKey) is { } repeat)
        {
            return repeat;
        }

        foreach (var held in state.Tickets)
        {
            if (held.IsHeld && held.WindowNo == windowNo)
            {
                return Violations.WindowBusy(windowNo, held);
            }
        }

        var found = Find(ticketNo, QueueAction.CallTicket, TicketState.Waiting, TicketState.Parked);
        if (!found.IsOk)
        {
            return found.Violation;
        }

        var t = found.Value;
        if (t.TargetWindow is { } reserved && reserved != windowNo)
        {
            return Violations.ReservedFor(t, windowNo);
        }

        state.CallsMade++;
        t.ParkReason = null;
        t.ParkedAt = null;
        t.ParkedBy = null;
        MarkCalled(t, windowNo, now);
        Record(t, QueueAction.CallTicket, windowNo, commandKey);
        return View(t);
    }

    /// <summary>
    /// 补录: records a service a window gave a citizen who had no ticket (category and optionally the item). It counts as
    /// served in the day's figures (<see cref="QueueCounts.WalkUps"/>) but never in the waiting line, the wait statistics
    /// or the service-time estimate (there was no wait, and no measured service). A repeat with the same
    /// <paramref name="commandKey"/> answers with the first record and counts nothing.
    /// </summary>
    public QueueResult<WalkUpService> RecordWalkUp(int windowNo, string? item, DateTimeOffset now, string? commandKey = null)
    {
        if (windowNo < 1)
        {
            return Violations.BadWindow(windowNo);
        }

        if (item is { Length: 0 or > 64 })
        {
            return Violations.InvalidRequest("the item code must have 1 to 64 characters", "事项编码长度须为 1 至 64 个字符");
        }

        now = Touch(now);
        if (commandKey is not null)
        {
            foreach (var w in state.WalkUps)
            {
                if (w.Key == commandKey && w.Service.WindowNo == windowNo)
                {
                    return w.Service;
                }
            }
        }

        var service = new WalkUpService(
            string.Create(CultureInfo.InvariantCulture, $"{Category}-W{state.WalkUps.Count + 1:000}"), Category, item, windowNo, now);
        state.WalkUps.Add(new WalkUpEntry { Service = service, Key = commandKey });
        return service;
    }

    /// <summary>Today's walk-up services (补录), oldest first.</summary>
    public IReadOnlyList<WalkUpService> WalkUps => state.WalkUps.ConvertAll(w => w.Service);

    /// <summary>The parked tickets (挂起) with their reasons, oldest park first: what a clerk may unpark.</summary>
    public IReadOnlyList<ParkedTicket> Parked()
    {
        var parked = new List<ParkedTicket>();
        foreach (var t in state.Tickets)
        {
            if (t.State == TicketState.Parked)
            {
                parked.Add(new ParkedTicket(t.Number, Category, t.ParkReason, t.ParkedAt, t.ParkedBy, t.IssuedAt));
            }
        }

        parked.Sort((x, y) => Nullable.Compare(x.ParkedAt, y.ParkedAt));
        return parked;
    }

    /// <summary>
    /// 转出: hands a ticket to another category's queue. This entry becomes <see cref="TicketState.Transferred"/>; deliver
    /// the returned hand-off to the receiving queue's <see cref="Accept"/>. Repeating the same transfer returns the same
    /// hand-off, so a grain can redeliver after a crash.
    /// </summary>
    /// <param name="windowNo">The acting window; required when the ticket is called or serving.</param>
    /// <param name="toWindow">Only this window of the receiving category may call it.</param>
    public QueueResult<TicketTransfer> TransferOut(string ticketNo, int? windowNo, string toCategory, int? toWindow, DateTimeOffset now)
    {
        now = Touch(now);
        if (!TicketNumber.IsCategoryCode(toCategory))
        {
            return Violations.InvalidRequest($"'{toCategory}' is not a category letter", $"“{toCategory}”不是有效的队列类别");
        }

        if (toCategory == Category)
        {
            return Violations.InvalidRequest(
                $"ticket {ticketNo} is already in queue {Category}; redirect it to a window instead",
                $"票号 {ticketNo} 已在 {Category} 类队列，请改为指定窗口");
        }

        if (toWindow is < 1)
        {
            return Violations.BadWindow(toWindow.Value);
        }

        if (state.FindByNumber(ticketNo) is { State: TicketState.Transferred } done
            && done.TransferredTo == toCategory && done.TransferredToWindow == toWindow)
        {
            return Handoff(done);
        }

        var found = Movable(ticketNo, windowNo, QueueAction.Transfer, allowParked: true);
        if (!found.IsOk)
        {
            return found.Violation;
        }

        var t = found.Value;
        t.State = TicketState.Transferred;
        t.FinishedAt = now;
        t.PersonKeys = null; // the receiving queue's entry is not keyed (see README, 一人一号)
        t.TransferredTo = toCategory;
        t.TransferredToWindow = toWindow;
        t.AtHead = false;
        t.DeferredUntilCall = 0;
        return Handoff(t);
    }

    /// <summary>
    /// 转入: accepts a ticket transferred from another category. It keeps its number and original issue time (so it
    /// is ordered fairly, not as a newcomer); its wait in this queue starts now. Delivering the same hand-off twice
    /// returns the same entry.
    /// </summary>
    public QueueResult<TicketStatus> Accept(TicketTransfer transfer, double servingWindows, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(transfer);
        WaitEstimator.CheckServingWindows(servingWindows);
        now = Touch(now);
        if (transfer.ToCategory != Category)
        {
            return Violations.InvalidRequest(
                $"transfer of ticket {transfer.Number} is addressed to queue {transfer.ToCategory}, not {Category}",
                $"票号 {transfer.Number} 应转至 {transfer.ToCategory} 类队列，而非 {Category} 类");
        }

        if (!TicketNumber.TryParse(transfer.Number, out _, out _) || transfer.ToWindow is < 1)
        {
            return Violations.InvalidRequest(
                $"transfer of ticket {transfer.Number} is malformed (number or window)",
                $"票号 {transfer.Number} 的转入信息无效（票号或窗口号）");
        }

        // A late redelivery is recognised even if the ticket has moved on since (finished and moved out included).
        if (state.FindByTransferId(transfer.TransferId) is { } delivered)
        {
            return Status(delivered, servingWindows, now);
        }

        if (state.FindByNumber(transfer.Number) is { IsFinal: false } existing)
        {
            return Violations.Duplicate(existing, Category);
        }

        state.Received++;
        var ticket = new QueueTicket
        {
            Number = transfer.Number,
            Kind = transfer.Kind,
            Priority = transfer.Priority,
            State = TicketState.Waiting,
            IssuedAt = transfer.IssuedAt.ToOffset(ChinaTime.Offset),
            EnteredAt = now,
            AppointmentSlotStart = transfer.AppointmentSlotStart?.ToOffset(ChinaTime.Offset),
            TargetWindow = transfer.ToWindow,
            TransferId = transfer.TransferId,
            FromCategory = transfer.FromCategory,
        };
        return Enter(ticket, servingWindows, now);
    }

    /// <summary>
    /// 指定窗口: sends a ticket of this queue to a named window (only that window may call it), keeping its place in time.
    /// </summary>
    /// <param name="commandKey">The window command's idempotency key: a repeat by the same window answers with the ticket instead of moving it again.</param>
    public QueueResult<Ticket> RedirectToWindow(string ticketNo, int? windowNo, int toWindow, DateTimeOffset now, string? commandKey = null)
    {
        now = Touch(now);
        if (toWindow < 1)
        {
            return Violations.BadWindow(toWindow);
        }

        if (windowNo is { } by && Repeated(ticketNo, QueueAction.Redirect, by, commandKey) is { } repeat)
        {
            return repeat;
        }

        var found = Movable(ticketNo, windowNo, QueueAction.Redirect, allowParked: true);
        if (!found.IsOk)
        {
            return found.Violation;
        }

        var t = found.Value;
        if (t.State == TicketState.Serving)
        {
            t.ServedBefore += now - t.StartedAt!.Value;
        }

        BackInLine(t);
        t.TargetWindow = toWindow;
        Record(t, QueueAction.Redirect, windowNo ?? 0, commandKey);
        return View(t);
    }

    /// <summary>
    /// 退回队首: a window that pauses or closes while holding a called ticket gives it back; it is the next ticket
    /// called by any window allowed to take it.
    /// </summary>
    public QueueResult<Ticket> ReturnToHead(string ticketNo, int windowNo, DateTimeOffset now)
    {
        now = Touch(now);
        var found = Held(ticketNo, windowNo, QueueAction.ReturnToHead, TicketState.Called);
        if (!found.IsOk)
        {
            return found.Violation;
        }

        BackInLine(found.Value);
        found.Value.AtHead = true;
        return View(found.Value);
    }

    /// <summary>
    /// For a window that closes for the day: its called ticket returns to the head, and tickets reserved for it
    /// become callable by any window (else they would wait forever). A serving ticket is left alone: the
    /// window must finish, park or transfer it first. Returns the tickets changed.
    /// </summary>
    public IReadOnlyList<Ticket> ReleaseWindow(int windowNo, DateTimeOffset now)
    {
        now = Touch(now);
        List<Ticket>? changed = null;
        foreach (var t in state.Tickets)
        {
            if (t.State == TicketState.Called && t.WindowNo == windowNo)
            {
                BackInLine(t);
                t.AtHead = true;
                t.TargetWindow = t.TargetWindow == windowNo ? null : t.TargetWindow;
            }
            else if (t.State is TicketState.Waiting or TicketState.Parked && t.TargetWindow == windowNo)
            {
                t.TargetWindow = null;
            }
            else
            {
                continue;
            }

            (changed ??= []).Add(View(t));
        }

        return changed ?? (IReadOnlyList<Ticket>)[];
    }

    /// <summary>
    /// The ticket a window's keyed command already acted on, when <paramref name="commandKey"/> is the key of the last
    /// command applied to ticket <paramref name="ticketNo"/> and that command was <paramref name="action"/> by
    /// <paramref name="windowNo"/>; null otherwise (and always for a keyless command). A window whose own write was lost
    /// after the queue applied its command (a crash between the two) retries with the same key: the queue answers
    /// with the ticket as it is now instead of refusing the second attempt, and changes nothing.
    /// </summary>
    public Ticket? Replay(TicketAction action, string ticketNo, int windowNo, string? commandKey) =>
        WindowAction(action) is { } a && Repeated(ticketNo, a, windowNo, commandKey) is { } repeat ? repeat : null;

    /// <summary>The ticket this window holds in this queue (called or being served), if any.</summary>
    public Ticket? HeldBy(int windowNo)
    {
        foreach (var t in state.Tickets)
        {
            if (t.IsHeld && t.WindowNo == windowNo)
            {
                return View(t);
            }
        }

        return null;
    }

    /// <summary>The ticket with this number in this queue today (the latest entry if it left and came back).</summary>
    public Ticket? Find(string ticketNo) => state.FindByNumber(ticketNo) is { } t ? View(t) : null;

    /// <summary>A ticket with its projected position and predicted wait (the API's ticket view).</summary>
    public TicketStatus? Status(string ticketNo, double servingWindows, DateTimeOffset now)
    {
        WaitEstimator.CheckServingWindows(servingWindows);
        return state.FindByNumber(ticketNo) is { } t ? Status(t, servingWindows, Local(now)) : null;
    }

    /// <summary>
    /// The waiting tickets in projected call order, with positions and predicted waits. The projection follows
    /// the call rule for "any window" from the current counters and assumes no new arrivals; tickets reserved
    /// for a named window are shown in their place in time.
    /// </summary>
    public IReadOnlyList<TicketStatus> WaitingLine(double servingWindows, DateTimeOffset now)
    {
        WaitEstimator.CheckServingWindows(servingWindows);
        now = Local(now);
        var order = Lanes;
        order.Load(state.Tickets, null, now, Rules, state.ConsecutivePriorityCalls, state.CallsMade);
        var line = new List<TicketStatus>();
        var mean = MeanServiceTime;
        while (order.TryNext(out var t))
        {
            var ahead = line.Count;
            line.Add(new TicketStatus(View(t), ahead + 1, WaitEstimator.PredictWaitMinutes(ahead, mean, servingWindows)));
        }

        return line;
    }

    /// <summary>Predicted wait for a normal walk-in taking a ticket now (the category figure on the snapshot and map); null when no window serves.</summary>
    public int? PredictNewcomerWaitMinutes(double servingWindows, DateTimeOffset now)
    {
        WaitEstimator.CheckServingWindows(servingWindows);
        now = Local(now);
        var phantom = new QueueTicket
        {
            Seq = state.PeekSeq(),
            Number = string.Empty,
            State = TicketState.Waiting,
            IssuedAt = now,
            EnteredAt = now,
        };
        return Ahead(phantom, now, phantom) is { } ahead
            ? WaitEstimator.PredictWaitMinutes(ahead, MeanServiceTime, servingWindows)
            : null;
    }

    private static DateTimeOffset Local(DateTimeOffset now) => now.ToOffset(ChinaTime.Offset);

    private static DateOnly LocalDate(DateTimeOffset now) => DateOnly.FromDateTime(Local(now).DateTime);

    private static QueueViolation? Validate(TicketRequest request)
    {
        if (!Enum.IsDefined(request.Kind) || !Enum.IsDefined(request.Priority))
        {
            return Violations.InvalidRequest("unknown ticket kind or priority", "取号类型或优先级无效");
        }

        if (request.Priority == PriorityClass.Appointment)
        {
            return Violations.InvalidRequest(
                "appointment priority comes from checking in an appointment, it cannot be requested",
                "预约优先须通过预约签到取得，不能直接申请");
        }

        if ((request.Kind == TicketKind.Appointment) != (request.AppointmentSlotStart is not null))
        {
            return Violations.InvalidRequest(
                "an appointment ticket needs its slot start, and only an appointment ticket may have one",
                "预约取号须提供预约时段，非预约取号不能带预约时段");
        }

        if (request.IdempotencyKey is { Length: 0 or > 200 })
        {
            return Violations.InvalidRequest("the idempotency key must have 1 to 200 characters", "幂等键长度须为 1 至 200 个字符");
        }

        return null;
    }

    private static QueueAction? WindowAction(TicketAction action) => action switch
    {
        TicketAction.Recall => QueueAction.Recall,
        TicketAction.NoShow => QueueAction.NoShow,
        TicketAction.Skip => QueueAction.Skip,
        TicketAction.Start => QueueAction.Start,
        TicketAction.Finish => QueueAction.Finish,
        TicketAction.Park => QueueAction.Park,
        TicketAction.Unpark => QueueAction.Unpark,
        _ => null,
    };

    private Ticket? Repeated(string ticketNo, QueueAction action, int windowNo, string? commandKey) =>
        state.FindByNumber(ticketNo) is { } t && IsRepeat(t, action, windowNo, commandKey) ? View(t) : null;

    private static bool IsRepeat(QueueTicket t, QueueAction action, int windowNo, string? commandKey) =>
        commandKey is not null && t.LastCommand is { } last && last.Key == commandKey && last.Action == action && last.WindowNo == windowNo;

    /// <summary>Remembers the window command just applied to the ticket (a keyless one forgets the previous key).</summary>
    private static void Record(QueueTicket t, QueueAction action, int windowNo, string? commandKey) =>
        t.LastCommand = commandKey is null ? null : new AppliedCommand(commandKey, action, windowNo);

    private static void MarkCalled(QueueTicket t, int windowNo, DateTimeOffset now)
    {
        t.State = TicketState.Called;
        t.WindowNo = windowNo;
        t.CallCount++;
        t.Recalls = 0;
        t.LastCalledAt = now;
        t.FirstCalledAt ??= now;
        t.AtHead = false;
        t.DeferredUntilCall = 0;
    }

    private static void BackInLine(QueueTicket t)
    {
        t.State = TicketState.Waiting;
        t.WindowNo = null;
        t.Recalls = 0;
        t.AtHead = false;
        t.DeferredUntilCall = 0;
    }

    private DateTimeOffset Touch(DateTimeOffset now)
    {
        now = Local(now);
        RollOver(now);
        return now;
    }

    private Ticket View(QueueTicket t) => t.ToTicket(Category);

    private QueueResult<TicketStatus> Enter(QueueTicket ticket, double servingWindows, DateTimeOffset now)
    {
        state.Add(ticket);
        var ahead = Ahead(ticket, now, newcomer: null);
        ticket.PredictedWaitMinutes = ahead is null ? null : WaitEstimator.PredictWaitMinutes(ahead.Value, MeanServiceTime, servingWindows);
        return new TicketStatus(View(ticket), ahead + 1, ticket.PredictedWaitMinutes);
    }

    private TicketStatus Status(QueueTicket t, double servingWindows, DateTimeOffset now)
    {
        var ahead = t.State == TicketState.Waiting ? Ahead(t, now, newcomer: null) : null;
        var minutes = ahead is null ? null : WaitEstimator.PredictWaitMinutes(ahead.Value, MeanServiceTime, servingWindows);
        return new TicketStatus(View(t), ahead + 1, minutes);
    }

    /// <summary>How many tickets the projected order calls before <paramref name="target"/>; null if it is not in line.</summary>
    private int? Ahead(QueueTicket target, DateTimeOffset now, QueueTicket? newcomer)
    {
        var order = Lanes;
        order.Load(state.Tickets, null, now, Rules, state.ConsecutivePriorityCalls, state.CallsMade, newcomer);
        var ahead = 0;
        while (order.TryNext(out var t))
        {
            if (ReferenceEquals(t, target))
            {
                return ahead;
            }

            ahead++;
        }

        return null;
    }

    private QueueResult<QueueTicket> Find(string ticketNo, QueueAction action, params ReadOnlySpan<TicketState> allowed)
    {
        if (state.FindByNumber(ticketNo) is not { } t)
        {
            return Violations.Unknown(ticketNo, Category);
        }

        foreach (var s in allowed)
        {
            if (t.State == s)
            {
                return t;
            }
        }

        return Violations.InvalidState(t, action);
    }

    /// <summary>A ticket in one of the <paramref name="allowed"/> held states, held by <paramref name="windowNo"/>.</summary>
    private QueueResult<QueueTicket> Held(string ticketNo, int windowNo, QueueAction action, TicketState allowed)
    {
        var found = Find(ticketNo, action, allowed);
        if (found.IsOk && found.Value.WindowNo != windowNo)
        {
            return Violations.WrongWindow(found.Value, windowNo);
        }

        return found;
    }

    /// <summary>A ticket that may be moved: waiting (and parked if allowed) by anyone, called or serving only by its window.</summary>
    private QueueResult<QueueTicket> Movable(string ticketNo, int? windowNo, QueueAction action, bool allowParked)
    {
        var found = allowParked
            ? Find(ticketNo, action, TicketState.Waiting, TicketState.Parked, TicketState.Called, TicketState.Serving)
            : Find(ticketNo, action, TicketState.Waiting, TicketState.Called, TicketState.Serving);
        if (found.IsOk && found.Value.IsHeld && found.Value.WindowNo != windowNo)
        {
            return Violations.WrongWindow(found.Value, windowNo);
        }

        return found;
    }

    private QueueResult<TicketTransfer> Handoff(QueueTicket t) => new TicketTransfer(
        string.Create(CultureInfo.InvariantCulture, $"{Category}:{t.Number}:{t.Seq}"),
        t.Number,
        Category,
        t.TransferredTo!,
        t.TransferredToWindow,
        t.Kind,
        t.Priority,
        t.IssuedAt,
        t.AppointmentSlotStart,
        t.FinishedAt!.Value);

    private DaySummary Summarize()
    {
        var c = Counts;
        return new DaySummary(
            Category,
            state.Day,
            c.Issued,
            c.Received,
            c.Done,
            c.NoShow,
            c.Cancelled,
            c.Transferred,
            c.Waiting + c.Parked + c.Called + c.Serving,
            WaitStatistics,
            MeanServiceTime.TotalMinutes,
            c.WalkUps);
    }
}
