using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TongBan.Grains.Common;
using TongBan.Grains.Halls;
using TongBan.Grains.History;
using TongBan.Grains.Queues;

namespace TongBan.Grains.Windows;

/// <summary>
/// A window's record: the clerk's session (who is signed in, categories, pause). Its ticket and its day figures of tickets
/// live with the hall's tickets in <see cref="HallQueueGrain"/>; the members marked "earlier releases" are only read,
/// once, by the hall queue's migration and by <see cref="WindowGrain"/> when it finds them set.
/// </summary>
[GenerateSerializer]
public sealed class WindowState
{
    [Id(0)]
    public WindowStatus Status { get; set; }

    [Id(1)]
    public string? Clerk { get; set; }

    /// <summary>Earlier releases: the ticket the window held. The hall queue's line is the record of that now; cleared on activation.</summary>
    [Id(2)]
    public HeldTicket? Current { get; set; }

    /// <summary>Earlier releases: tickets finished plus walk-ups today (now counted by the hall queue).</summary>
    [Id(3)]
    public int ServedToday { get; set; }

    /// <summary>The local date of the pause figures.</summary>
    [Id(4)]
    public DateOnly Day { get; set; }

    /// <summary>Earlier releases: the last finished ticket for the rating pad (now kept by the hall queue).</summary>
    [Id(8)]
    public WindowRatingOffer? RatingOffer { get; set; }

    /// <summary>Earlier releases: categories of the window's recent services (now kept by the hall queue).</summary>
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

    /// <summary>Earlier releases: walk-up services recorded today (now counted by the hall queue).</summary>
    [Id(14)]
    public int WalkUpsToday { get; set; }

    /// <summary>The categories served, as the hall manager last set them; null: the window's profile.</summary>
    [Id(15)]
    public List<string>? Categories { get; set; }

    /// <summary>While signed in (open or paused): since when, for the session's record in service history (签到时间).</summary>
    [Id(16)]
    public DateTimeOffset? SignedInSince { get; set; }
}

/// <summary>
/// The clerk's session at one window. Non-reentrant: a window does one thing at a time. A ticket command is one call to
/// the hall's queue grain, which writes once; the window writes only when its session changes (open, pause, close,
/// categories). Its current ticket is read from the hall queue, never stored here.
/// </summary>
public sealed partial class WindowGrain(
    [PersistentState(WindowGrain.StateName, StorageNames.Default)] IPersistentState<WindowState> state,
    ServicePointDirectory directory,
    TimeProvider clock,
    HallHours hours,
    IHistorySink history,
    ILogger<WindowGrain> logger) : Grain, IWindowGrain
{
    /// <summary>The state name of a window's record in grain storage.</summary>
    public const string StateName = "window";

    private string hallCode = string.Empty;
    private int windowNo;
    private WindowProfile profile = null!;

    private WindowState S => state.State;

    private IHallQueueGrain HallQueue => GrainFactory.GetGrain<IHallQueueGrain>(hallCode);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        (hallCode, windowNo) = WindowKeys.Parse(this.GetPrimaryKeyString());
        profile = directory.Find(hallCode)?.Windows.FirstOrDefault(w => w.WindowNo == windowNo)
            ?? throw new UnknownHallException(this.GetPrimaryKeyString());
        if (S.Current is not null || S.ServedToday != 0 || S.WalkUpsToday != 0 || S.RatingOffer is not null || S.RecentServed is { Count: > 0 })
        {
            // The hall queue reads this record in on its first activation: it activates first, then the record is cleared.
            await HallQueue.GetDesk(windowNo);

            // A record of an earlier release: its ticket is the one the hall queue's line shows at this window (the line
            // was written first, so it is never behind), and its day figures were read in by the hall queue.
            LogReconciled(logger, hallCode, windowNo, S.Current?.TicketNo);
            S.Current = null;
            S.ServedToday = 0;
            S.WalkUpsToday = 0;
            S.RatingOffer = null;
            S.RecentServed = [];
            await state.WriteStateAsync();
        }
    }

    public async Task<WindowReply> Open(string? clerk)
    {
        RollOver();
        if (S.Status == WindowStatus.Open && S.Clerk == clerk)
        {
            return await Send(DeskAction.Session); // the hall queue may have missed it (a lost call): it writes only if so
        }

        // The hall's clock: a window opens only inside a session (regular or 延时服务). One already open keeps serving
        // past closing, so the clock never cuts a citizen off mid-service.
        if (directory.Find(hallCode) is { } point && hours.Read(point) is { OpenNow: false } reading)
        {
            LogOutsideHours(logger, hallCode, windowNo, reading.ClosedReason);
            return new WindowReply(View(await HallQueue.GetDesk(windowNo)), null, new WindowViolation(
                WindowViolationCode.OutsideHours,
                $"{point.Name} is not open now ({reading.ClosedReason}): window {windowNo} opens within opening hours.",
                NextOpening: reading.NextOpening));
        }

        var (wasPaused, pausedSince, pauseReason, previousClerk, previousSince) = (S.Status == WindowStatus.Paused, S.PausedSince, S.PauseReason, S.Clerk, S.SignedInSince);
        var newSession = S.Status == WindowStatus.Closed || S.Clerk != clerk;
        var signedIn = ChinaTime.Now(clock);
        EndPause();
        S.SignedInSince = newSession ? signedIn : S.SignedInSince ?? signedIn;
        S.Status = WindowStatus.Open;
        S.Clerk = clerk;
        await Save();
        RecordPause(wasPaused, pausedSince, pauseReason, previousClerk);
        if (newSession && previousSince is { } since && previousClerk != clerk)
        {
            // Another clerk took over without signing the previous one out: that session ends here.
            history.Append(new WindowActivity(hallCode, RegionCode, windowNo, previousClerk, WindowActivityKind.Session, since, signedIn));
        }

        LogStatus(logger, hallCode, windowNo, S.Status, clerk);
        return await Send(DeskAction.Session);
    }

    public async Task<WindowReply> Pause(PauseReason reason = PauseReason.Other)
    {
        if (!Enum.IsDefined(reason))
        {
            return await Fail(WindowViolationCode.InvalidRequest, "reason is break, training, systemFault or other.");
        }

        RollOver();
        if (S.Status == WindowStatus.Paused && S.PauseReason != reason)
        {
            // Still paused, for another reason: the time paused runs on.
            S.PauseReason = reason;
            await Save();
            LogStatus(logger, hallCode, windowNo, S.Status, S.Clerk);
            return await Send(DeskAction.Session);
        }

        return await Leave(WindowStatus.Paused, reason);
    }

    public Task<WindowReply> Close() => Leave(WindowStatus.Closed);

    /// <summary>
    /// Pausing or closing: the hall queue gives a called ticket back to the head of its line (a ticket being served must
    /// be finished or transferred first) and, on closing, frees tickets reserved for this window; then the window saves.
    /// </summary>
    private async Task<WindowReply> Leave(WindowStatus to, PauseReason reason = PauseReason.Other)
    {
        RollOver();
        var (status, clerk, pauseReason, pausedSince, pausedToday) = (S.Status, S.Clerk, S.PauseReason, S.PausedSince, S.PausedToday);
        if (S.Status != to)
        {
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
        }

        var reply = await HallQueue.Desk(new DeskCommand(Session(), DeskAction.Leave));
        if (reply.Violation is not null)
        {
            (S.Status, S.Clerk, S.PauseReason, S.PausedSince, S.PausedToday) = (status, clerk, pauseReason, pausedSince, pausedToday);
            return Reply(reply);
        }

        if (status != to)
        {
            var signedInSince = S.SignedInSince;
            if (to == WindowStatus.Closed)
            {
                S.SignedInSince = null;
            }

            await Save();
            LogStatus(logger, hallCode, windowNo, S.Status, S.Clerk);
            RecordPause(status == WindowStatus.Paused, pausedSince, pauseReason, clerk);
            if (to == WindowStatus.Closed && signedInSince is { } start)
            {
                history.Append(new WindowActivity(hallCode, RegionCode, windowNo, clerk, WindowActivityKind.Session, start, ChinaTime.Now(clock)));
            }
        }

        return Reply(reply);
    }

    public Task<WindowReply> CallNext(string? idempotencyKey) => Send(DeskAction.CallNext, idempotencyKey);

    public Task<WindowReply> Act(WindowCommand command, string? idempotencyKey) => Send(
        command switch
        {
            WindowCommand.Recall => DeskAction.Recall,
            WindowCommand.NoShow => DeskAction.NoShow,
            WindowCommand.Start => DeskAction.Start,
            WindowCommand.Finish => DeskAction.Finish,
            WindowCommand.Skip => DeskAction.Skip,
            _ => throw new ArgumentOutOfRangeException(nameof(command)),
        },
        idempotencyKey);

    public async Task<WindowRatingOffer?> GetRatingOffer() =>
        (await HallQueue.GetDesk(windowNo)).RatingOffer is { } offer && offer.IsValidAt(ChinaTime.Now(clock)) ? offer : null;

    public Task<WindowReply> Transfer(string? toCategory, int? toWindow, string? idempotencyKey = null) =>
        Send(DeskAction.Transfer, idempotencyKey, category: toCategory, toWindow: toWindow);

    public Task<WindowReply> Park(string reason, string? idempotencyKey) => Send(DeskAction.Park, idempotencyKey, text: reason);

    public async Task<WindowReply> Unpark(string ticketNo, string? idempotencyKey)
    {
        var reply = await Send(DeskAction.Unpark, idempotencyKey, ticketNo: ticketNo);
        if (reply.IsOk)
        {
            LogUnparked(logger, hallCode, windowNo, ticketNo);
        }

        return reply;
    }

    public Task<WindowReply> CallTicket(string ticketNo, string? idempotencyKey) => Send(DeskAction.CallTicket, idempotencyKey, ticketNo: ticketNo);

    public Task<WindowReply> ServeWalkUp(string category, string? item, string? idempotencyKey) =>
        Send(DeskAction.WalkUp, idempotencyKey, category: category, text: item);

    public async Task<WindowReply> SetCategories(IReadOnlyList<string> categories)
    {
        ArgumentNullException.ThrowIfNull(categories);
        RollOver();
        var hall = directory.Find(hallCode)!;
        if (categories.Count == 0 || categories.Distinct(StringComparer.Ordinal).Count() != categories.Count)
        {
            return await Fail(WindowViolationCode.InvalidRequest, "categories lists one or more distinct categories of the hall, in preference order.");
        }

        if (categories.FirstOrDefault(c => hall.Categories.All(h => h.Code != c)) is { } unknown)
        {
            return await Fail(WindowViolationCode.InvalidRequest, $"Hall {hallCode} has no category '{unknown}'.");
        }

        if (!Categories.SequenceEqual(categories, StringComparer.Ordinal))
        {
            // A ticket held now stays with the window (finish or transfer it); the next call-next uses the new list.
            S.Categories = [.. categories];
            await Save();
            LogCategories(logger, hallCode, windowNo, string.Join(",", categories));
        }

        return await Send(DeskAction.Session);
    }

    public async Task<WindowView> GetView()
    {
        RollOver();
        return View(await HallQueue.GetDesk(windowNo));
    }

    /// <summary>One call to the hall queue, which applies the command, writes once and answers (a retry with the key: the first answer).</summary>
    private async Task<WindowReply> Send(DeskAction action, string? key = null, string? ticketNo = null, string? category = null, string? text = null, int? toWindow = null)
    {
        RollOver();
        var reply = await HallQueue.Desk(new DeskCommand(Session(), action, key, ticketNo, category, text, toWindow));
        return Reply(reply);
    }

    private IReadOnlyList<string> Categories => S.Categories ?? profile.Categories;


    private string RegionCode => directory.Find(hallCode)?.RegionCode ?? hallCode[..Math.Min(6, hallCode.Length)];

    /// <summary>A pause that just ended (resumed, or closed while paused) goes to history with its reason.</summary>
    private void RecordPause(bool wasPaused, DateTimeOffset? since, PauseReason? reason, string? clerk)
    {
        if (wasPaused && since is { } start)
        {
            history.Append(new WindowActivity(hallCode, RegionCode, windowNo, clerk, WindowActivityKind.Pause, start, ChinaTime.Now(clock), reason ?? PauseReason.Other));
        }
    }

    private WindowSession Session() => new(windowNo, S.Status, S.Clerk, [.. Categories], S.PauseReason, S.PausedSince, S.PausedToday, S.Day);

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

    private void RollOver()
    {
        var today = ChinaTime.Today(clock);
        if (S.Day != today)
        {
            S.Day = today;
            S.PausedToday = TimeSpan.Zero;
            var midnight = new DateTimeOffset(today.ToDateTime(TimeOnly.MinValue), ChinaTime.Offset);
            if (S.PausedSince < midnight)
            {
                S.PausedSince = midnight; // a pause carried over from yesterday counts from today's start
            }
        }
    }

    /// <summary>
    /// Writes the window's session. A failed write drops the activation, so the retry meets the window as stored. The
    /// hall queue hears of the session with the next desk command (each one carries it).
    /// </summary>
    private async Task Save()
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
    }

    private WindowView View(DeskFigures desk) => new(
        windowNo, S.Status, S.Clerk, Categories, desk.Current, desk.ServedToday, S.Day, desk.RecentServed, S.PauseReason, S.PausedSince,
        Session().PausedMinutes(ChinaTime.Now(clock)), desk.WalkUpsToday);

    private WindowReply Reply(DeskReply reply) => new(View(reply.Desk), reply.Ticket, reply.Violation, reply.WalkUp);

    private async Task<WindowReply> Fail(WindowViolationCode code, string message) =>
        new(View(await HallQueue.GetDesk(windowNo)), null, new WindowViolation(code, message));

    [LoggerMessage(Level = LogLevel.Information, Message = "Hall {HallCode} window {WindowNo} not opened outside opening hours: {Reason}")]
    private static partial void LogOutsideHours(ILogger logger, string hallCode, int windowNo, string? reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Hall {HallCode} window {WindowNo} is now {Status} (clerk {Clerk})")]
    private static partial void LogStatus(ILogger logger, string hallCode, int windowNo, WindowStatus status, string? clerk);

    [LoggerMessage(Level = LogLevel.Information, Message = "Hall {HallCode} window {WindowNo}: record of an earlier release reconciled (its stored ticket {TicketNo} is read from the hall queue now)")]
    private static partial void LogReconciled(ILogger logger, string hallCode, int windowNo, string? ticketNo);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Hall {HallCode} window {WindowNo}: state write failed; the activation is dropped and reloads from storage")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, string hallCode, int windowNo);

    [LoggerMessage(Level = LogLevel.Information, Message = "Hall {HallCode} window {WindowNo}: ticket {TicketNo} unparked to the front of its line")]
    private static partial void LogUnparked(ILogger logger, string hallCode, int windowNo, string ticketNo);

    [LoggerMessage(Level = LogLevel.Information, Message = "Hall {HallCode} window {WindowNo}: categories set to {Categories}")]
    private static partial void LogCategories(ILogger logger, string hallCode, int windowNo, string categories);
}
