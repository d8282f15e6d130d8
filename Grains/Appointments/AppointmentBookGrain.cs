using Microsoft.Extensions.Logging;
using TongBan.Grains.Calendar;
using TongBan.Grains.Common;
using TongBan.Grains.Halls;
using TongBan.Grains.Identity;
using TongBan.Grains.Notifications;
using TongBan.Grains.Queues;

namespace TongBan.Grains.Appointments;

/// <summary>
/// Non-reentrant: each command reads, changes and writes the book in one turn. The book calls its queues (check-in)
/// and its hall (one-way figures), never the reverse, so no call cycle can form.
/// </summary>
/// <remarks>
/// No-shows are released twice over: lazily at the start of every call (figures are right even if a reminder is late),
/// and by an Orleans reminder due at the earliest pending check-in deadline, so a book nobody reads still releases its
/// places and reports them. The reminder is durable (ADO.NET in PostgreSQL mode) and therefore fires after a silo
/// restart; its one-minute period is only a safety net, each tick re-arms it for the next deadline, and it is
/// unregistered when nothing is pending.
/// </remarks>
public sealed partial class AppointmentBookGrain(
    [PersistentState("appointments", StorageNames.Default)] IPersistentState<AppointmentBookState> state,
    ServicePointDirectory directory,
    CalendarProvider calendar,
    AppointmentOptions options,
    AppointmentClock clock,
    INotificationOutbox outbox,
    PersonalDataProtector protector,
    ILogger<AppointmentBookGrain> logger) : Grain, IAppointmentBookGrain, IRemindable
{
    public const string NoShowReminder = "no-show";

    /// <summary>Orleans' minimum reminder period; the reminder is re-armed at every tick, so this is only the retry interval.</summary>
    public static readonly TimeSpan ReminderPeriod = TimeSpan.FromMinutes(1);

    public static readonly TimeSpan FiguresInterval = TimeSpan.FromMinutes(5);

    private string hallCode = string.Empty;
    private DateOnly date;
    private AppointmentBook book = null!;
    private BookFigures? lastReported;

    private DateTimeOffset Now => ChinaTime.Now(clock);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        (hallCode, date) = AppointmentBookKeys.Parse(this.GetPrimaryKeyString());
        book = new AppointmentBook(state.State, hallCode, date, options);
        if (date == ChinaTime.Today(clock))
        {
            // The dashboard's "next hour" figure moves with the clock, not only with commands.
            this.RegisterGrainTimer(ReportTick, new GrainTimerCreationOptions(FiguresInterval, FiguresInterval) { KeepAlive = false, Interleave = false });
        }

        // A crash after a write and before its hand-over leaves notifications not yet in the outbox: hand them now.
        await NotifyChanges();
    }

    public async Task<AppointmentResult<IReadOnlyList<SlotView>>> GetSlots(string category)
    {
        var now = await Begin();
        return Point() is { } point ? book.Slots(point, Plan(point), category, now) : UnknownHall();
    }

    public async Task<AppointmentResult<AppointmentDetails>> Book(BookingRequest request)
    {
        var now = await Begin();
        if (Point() is not { } point)
        {
            return UnknownHall();
        }

        var before = state.State.LastSeq;
        var result = book.Book(point, Plan(point), request, now);
        if (result.IsOk && state.State.LastSeq != before)
        {
            await Commit();
            LogBooked(logger, result.Value!.AppointmentId, request.Category, result.Value.SlotStart);
        }

        return result;
    }

    public async Task<AppointmentResult<AppointmentDetails>> Get(string appointmentId)
    {
        await Begin();
        return book.Get(appointmentId);
    }

    public async Task<AppointmentResult<AppointmentDetails>> Cancel(string appointmentId, string actor)
    {
        var now = await Begin();
        var before = book.Find(appointmentId)?.State;
        var result = book.Cancel(appointmentId, actor, now);
        if (result.IsOk && before != AppointmentState.Cancelled)
        {
            await Commit();
            LogCancelled(logger, appointmentId);
        }

        return result;
    }

    /// <summary>The actor recorded on appointments the hall cancelled by closing that day (临时闭厅).</summary>
    public const string HallClosedActor = "system:hallClosed";

    public async Task<int> CancelForClosure()
    {
        var now = await Begin();
        var cancelled = 0;
        foreach (var a in state.State.Appointments.Where(a => a.State == AppointmentState.Booked).ToList())
        {
            if (book.Cancel(a.Id, HallClosedActor, now).IsOk)
            {
                cancelled++;
            }
        }

        if (cancelled > 0)
        {
            await Commit();
            LogClosureCancelled(logger, hallCode, date, cancelled);
        }

        return cancelled;
    }

    public async Task<AppointmentResult<AppointmentDetails>> RescheduleWithinDay(string appointmentId, TimeOnly newStart, string actor)
    {
        var now = await Begin();
        if (Point() is not { } point)
        {
            return UnknownHall();
        }

        var before = state.State.LastSeq;
        var result = book.Reschedule(point, Plan(point), appointmentId, newStart, actor, now);
        if (result.IsOk && state.State.LastSeq != before)
        {
            await Commit();
            LogRescheduled(logger, appointmentId, result.Value!.AppointmentId);
        }

        return result;
    }

    public async Task<AppointmentResult<AppointmentDetails>> MarkRescheduled(string appointmentId, string newAppointmentId)
    {
        await Begin();
        var before = book.Find(appointmentId)?.State;
        var result = book.MarkRescheduled(appointmentId, newAppointmentId);
        if (result.IsOk && before != AppointmentState.Rescheduled)
        {
            await Commit();
            LogRescheduled(logger, appointmentId, newAppointmentId);
        }

        return result;
    }

    public async Task<AppointmentResult<CheckInReceipt>> CheckIn(string appointmentId, string? phoneLast4)
    {
        var now = await Begin();
        if (phoneLast4 is not null)
        {
            var (refused, changed) = book.VerifyProof(appointmentId, phoneLast4);
            if (changed)
            {
                await Commit();
            }

            if (refused is not null)
            {
                LogProofRefused(logger, appointmentId);
                return refused;
            }
        }

        var allowed = book.CanCheckIn(appointmentId, now);
        if (!allowed.IsOk)
        {
            return allowed.Violation!;
        }

        var entry = allowed.Value!;

        // The same key on every attempt: a retry after a lost answer, or a second check-in, gets the ticket issued the
        // first time. Appointment priority is not requested: the queue derives it from the slot start (QUEUE_RULES.md).
        // The booking's notification consent goes with its ticket: the holder is told when to come and which window.
        var request = new TicketRequest(TicketKind.Appointment, PriorityClass.Normal, entry.SlotStart, "appointment:" + entry.Id, Contact: entry.Applicant.Contact);
        var taken = await GrainFactory.Line(hallCode, entry.Category).Take(request);
        if (!taken.IsOk)
        {
            return new AppointmentViolation(AppointmentViolationCode.QueueRefused, taken.Violation.Message, taken.Violation.MessageZh, appointmentId);
        }

        var ticket = taken.Value;
        var first = entry.State != AppointmentState.CheckedIn;
        var details = book.CompleteCheckIn(entry, ticket.Ticket.Number, now);
        if (first)
        {
            await Commit();
            LogCheckedIn(logger, appointmentId, ticket.Ticket.Number);
        }

        return new CheckInReceipt(details, ticket);
    }

    public async Task<BookFigures> GetFigures()
    {
        var now = await Begin();
        return book.Figures(now);
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != NoShowReminder)
        {
            return;
        }

        var now = Now;
        var released = book.ApplyNoShows(now);
        LogReminder(logger, hallCode, date, released.Count);

        // Always re-arm from the book, not from what was registered: a tick that arrived early, or after a restart,
        // must leave the reminder due at the real next deadline (or gone).
        await Commit(forceReport: true, forceReminder: true);
    }

    /// <summary>Every call starts here: applies the no-show rule before anything reads or changes the book.</summary>
    private async Task<DateTimeOffset> Begin()
    {
        var now = Now;
        if (book.ApplyNoShows(now).Count > 0)
        {
            await Commit();
        }

        return now;
    }

    /// <summary>Re-arms the reminder, writes the book, then reports (an unpersisted change is never announced).</summary>
    private async Task Commit(bool forceReport = false, bool forceReminder = false)
    {
        try
        {
            await SyncReminder(forceReminder);
            await state.WriteStateAsync();
        }
        catch
        {
            // The in-memory book now differs from storage: start again from storage on the next call. This covers the
            // reminder too: with PostgreSQL down, registering it fails before the write, and a book kept in memory
            // would answer the client's retry (same idempotency key) with a booking that was never stored
            // (AppointmentOutageTests).
            DeactivateOnIdle();
            throw;
        }

        Report(forceReport);
        await IndexChanges();
        await NotifyChanges();
    }

    /// <summary>
    /// Hands the notifications of what changed (预约成功, 预约取消) to the outbox after the write, like the index: the
    /// outbox keys them by appointment and state, so handing them again (a failed hand-over retried with the next commit,
    /// or on activation after a crash) never sends twice. Which state was last handed over is kept in the book's state
    /// and written with the next change.
    /// </summary>
    private async Task NotifyChanges()
    {
        var notified = state.State.Notified;
        var changed = state.State.Appointments
            .Where(a => a.Applicant.Contact is not null && a.State is AppointmentState.Booked or AppointmentState.Cancelled or AppointmentState.Rescheduled &&
                (!notified.TryGetValue(a.Id, out var s) || s != a.State))
            .ToList();
        if (changed.Count == 0)
        {
            return;
        }

        try
        {
            var hall = Point()?.Name ?? hallCode;
            var entries = changed.SelectMany(a => AppointmentNotifications.EntriesFor(a.Id, AppointmentBook.Wire(a.State), hall, a.SlotStart, a.Applicant.Contact, protector,
                hallClosed: a.CancelledBy == HallClosedActor)).ToList();
            // Reminders (the day before, 30 min before check-in) wait in the outbox for their moment (issue 17).
            entries.AddRange(changed.Where(a => a.State == AppointmentState.Booked).SelectMany(a =>
                AppointmentNotifications.ReminderEntries(a.Id, hall, a.SlotStart, options.CheckInBefore, clock.GetUtcNow(), a.Applicant.Contact, protector)));
            await outbox.EnqueueAsync(entries, clock.GetUtcNow(), CancellationToken.None);
            foreach (var a in changed.Where(a => a.State != AppointmentState.Booked))
            {
                await outbox.SuppressQueuedAsync(AppointmentNotifications.Subject(a.Id), AppointmentNotifications.ReminderTemplates, SuppressionReasons.Cancelled, clock.GetUtcNow(), CancellationToken.None);
            }

            foreach (var a in changed)
            {
                notified[a.Id] = a.State;
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogNotificationsBehind(logger, hallCode, date, changed.Count, e.Message);
        }
    }

    /// <summary>
    /// Tells each applicant's appointment index (the 12345 caller look-up) what changed, after the write, so an unpersisted
    /// change is never indexed. Which state each appointment was last indexed with is kept in the book's state and
    /// written with the next change: an index call that failed, or a restart in between, is caught up by the next commit
    /// (upserts are idempotent). The index grain never calls a book, so the calls cannot deadlock.
    /// </summary>
    private async Task IndexChanges()
    {
        var indexed = state.State.Indexed;
        var changed = state.State.Appointments.Where(a => !indexed.TryGetValue(a.Id, out var s) || s != a.State).ToList();
        if (changed.Count == 0)
        {
            return;
        }

        try
        {
            await Task.WhenAll(changed.Select(a => GrainFactory.GetGrain<IApplicantAppointmentsGrain>(a.Applicant.IdHash).Upsert(book.Details(a))));
            foreach (var a in changed)
            {
                indexed[a.Id] = a.State;
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogIndexBehind(logger, hallCode, date, changed.Count, e.Message);
        }
    }

    private async Task SyncReminder(bool force)
    {
        var next = book.NextDeadline();
        if (!force && next == state.State.ReminderDue)
        {
            return;
        }

        if (next is { } deadline)
        {
            // Due just after the deadline: the rule is "not checked in by the close", and the close itself still counts as on time.
            var due = deadline - Now + TimeSpan.FromSeconds(1);
            await this.RegisterOrUpdateReminder(NoShowReminder, due < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : due, ReminderPeriod);
        }
        else if (await this.GetReminder(NoShowReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }

        state.State.ReminderDue = next;
    }

    private async Task ReportTick(CancellationToken cancellationToken)
    {
        await Begin();
        Report(force: false);
    }

    /// <summary>Today's book tells its hall (one-way) whenever its figures move.</summary>
    private void Report(bool force)
    {
        if (date != ChinaTime.Today(clock) || Point() is null)
        {
            return;
        }

        var figures = book.Figures(Now);
        if (!force && figures == lastReported)
        {
            return;
        }

        lastReported = figures;
        GrainFactory.GetGrain<IHallGrain>(hallCode).AppointmentsChanged(figures.Today, figures.NextHour).Ignore();
    }

    private ServicePoint? Point() => directory.Find(hallCode);

    private DayPlan Plan(ServicePoint point) => SlotPlanner.Plan(point, date, calendar.Current, options.SlotMinutes);

    private AppointmentViolation UnknownHall() =>
        new(AppointmentViolationCode.UnknownHall, $"Service point '{hallCode}' does not exist.", "服务点不存在");

    // Log lines carry appointment ids, categories and times only: never names, ID numbers or phones.
    [LoggerMessage(Level = LogLevel.Warning, Message = "Appointment book {HallCode}/{Date}: {Count} changes not yet in the applicants' index ({Error}); retried with the next change")]
    private static partial void LogIndexBehind(ILogger logger, string hallCode, DateOnly date, int count, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Appointment book {HallCode}/{Date}: the hall closes that day (临时闭厅); {Count} bookings cancelled")]
    private static partial void LogClosureCancelled(ILogger logger, string hallCode, DateOnly date, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Appointment book {HallCode}/{Date}: {Count} notifications not yet in the outbox ({Error}); handed again with the next change")]
    private static partial void LogNotificationsBehind(ILogger logger, string hallCode, DateOnly date, int count, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Appointment {AppointmentId} booked: category {Category}, slot {SlotStart}")]
    private static partial void LogBooked(ILogger logger, string appointmentId, string category, DateTimeOffset slotStart);

    [LoggerMessage(Level = LogLevel.Information, Message = "Appointment {AppointmentId} cancelled")]
    private static partial void LogCancelled(ILogger logger, string appointmentId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Appointment {AppointmentId} rescheduled to {NewAppointmentId}")]
    private static partial void LogRescheduled(ILogger logger, string appointmentId, string newAppointmentId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Appointment {AppointmentId} checked in as ticket {TicketNo}")]
    private static partial void LogCheckedIn(ILogger logger, string appointmentId, string ticketNo);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Appointment {AppointmentId}: kiosk check-in proof refused")]
    private static partial void LogProofRefused(ILogger logger, string appointmentId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Appointment book {HallCode} {Date}: no-show reminder fired, {Released} place(s) released")]
    private static partial void LogReminder(ILogger logger, string hallCode, DateOnly date, int released);
}
