using System.Collections.Immutable;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using Orleans.Serialization;
using Orleans.Storage;
using TongBan.Grains.Common;
using TongBan.Grains.Halls;
using TongBan.Grains.History;
using TongBan.Grains.Live;
using TongBan.Grains.Ratings;
using TongBan.Grains.Windows;

namespace TongBan.Grains.Queues;

/// <summary>
/// Group commit (<see cref="WriteCoalescer"/>): each command reads and changes the hall's tickets inside one exclusive
/// section (<see cref="TurnGate"/>), which is what makes concurrent call-next safe and keeps a ticket with one window;
/// it then leaves the section and waits for the one shared write that covers its change, while the next commands apply
/// theirs. A command is answered, and its notifications (live feed, the hall's snapshot, the citizen's come-now notice)
/// are sent, only after that write succeeded; a failed write fails every command waiting for it and drops the
/// activation. Reads wait the same way for the write of what they saw, so nothing unstored is ever shown.
/// <para>
/// Reentrant for that reason only: the sole await outside a section is the wait for the shared write (and the
/// notifications after it, which read nothing shared). Every other await (the archive at midnight, a finished-ticket
/// batch, the stale-state check) happens inside a section, so no other command sees a half-made change. The write
/// takes a deep copy of the state in its first turn, because a storage provider may serialize after its own first
/// await, on a pool thread (the ADO.NET provider does), while the next commands change the live state.
/// </para>
/// <para>
/// Finished tickets are moved out of the hot state in batches per line, as the per-category queue grains of earlier
/// releases did, under the same record keys (state <see cref="FinishedStateName"/>, key <c>{hall}/{category}/{n}</c>), so
/// their batches are read back as they are. On its first activation the grain reads the per-category queue records
/// (state <c>queue</c>, key <c>{hall}/{category}</c>) and window records (state <c>window</c>, key <c>{hall}/{n}</c>) of
/// earlier releases through the same storage (see <see cref="Migrate"/>).
/// </para>
/// </summary>
[Reentrant] // interleaves only at the wait for the shared write; see the class comment
public sealed partial class HallQueueGrain(
    [PersistentState(HallQueueGrain.StateName, StorageNames.Default)] IPersistentState<HallQueueState> state,
    ServicePointDirectory directory,
    ICitizenNotificationChannel notifications,
    IQueueDayArchive archive,
    ServedTicketWriter servedTickets,
    IHistorySink history,
    TimeProvider clock,
    ILogger<HallQueueGrain> logger) : Grain, IHallQueueGrain
{
    /// <summary>How many tickets before the call a virtual-queue citizen is told to come (到号提醒).</summary>
    public const int ComeNowLead = 3;

    /// <summary>
    /// First answers kept per window (and day). A window's terminal sends one command at a time (its window grain takes
    /// them one by one) and retries the one it is waiting for, so the window's last answer covers a retry, and the one
    /// before it a late duplicate of the previous command. A hall-wide list of 256 (as before) made every write carry
    /// 256 ticket copies (most of a 41 KB state); 4 per window were still most of a 7.7 KB one.
    /// </summary>
    public const int RememberedAnswersPerWindow = 2;

    /// <summary>Positions pushed to watchers after each change; deeper positions refresh on their own request.</summary>
    private const int PushedPositions = 50;

    /// <summary>Finished tickets gathered in a line's hot state before they are written out as one batch.</summary>
    public const int MoveOutBatchSize = 8;

    /// <summary>The state name of a hall queue's record in grain storage.</summary>
    public const string StateName = "hallqueue";

    /// <summary>State name of the finished-ticket batches (key <c>{hall}/{category}/{n}</c>, as in earlier releases).</summary>
    public const string FinishedStateName = "queue-finished";

    /// <summary>State name and grain type of the per-category queue records of earlier releases.</summary>
    public const string LegacyQueueStateName = "queue";

    /// <summary>State name and grain type of the window records of earlier releases (also today's window grain).</summary>
    public const string LegacyWindowStateName = "window";

    /// <summary>Hall snapshots are pushed at most this often (the live feed coalesces per 100 ms anyway).</summary>
    public static readonly TimeSpan PublishInterval = TimeSpan.FromMilliseconds(100);

    private readonly Dictionary<string, CategoryQueue> lines = new(StringComparer.Ordinal);

    /// <summary>What each waiting ticket's watchers were last told; kept in memory only (a reactivation re-sends once).</summary>
    private readonly Dictionary<string, (int? Position, int? Predicted)> lastPushed = new(StringComparer.Ordinal);

    /// <summary>ETag of each batch record read or written by this activation ((category, batch number) → ETag).</summary>
    private readonly Dictionary<(string, int), string?> batchETags = [];

    private readonly TurnGate turn = new();

    private IGrainStorage storage = null!;
    private WriteCoalescer writer = null!;
    private DeepCopier<HallQueueState> copier = null!;

    /// <summary>ETag of the hall's record as this activation last read or wrote it (the writes bypass <c>state</c>, see <see cref="WriteHall"/>).</summary>
    private string? etag;
    private QueueRules rules = QueueRules.Default;
    private IGrainTimer? publishTimer;
    private string hallCode = string.Empty;
    private ServicePoint profile = null!;

    private HallQueueState S => state.State;

    private DateTimeOffset Now => ChinaTime.Now(clock);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        hallCode = this.GetPrimaryKeyString();
        profile = directory.Find(hallCode) ?? throw new UnknownHallException(hallCode);
        rules = ServiceProvider.GetService<QueueRules>() ?? QueueRules.Default;
        storage = ServiceProvider.GetRequiredKeyedService<IGrainStorage>(StorageNames.Default);
        copier = ServiceProvider.GetRequiredService<DeepCopier<HallQueueState>>();
        writer = new WriteCoalescer(WriteHall);
        etag = state.Etag;
        if (!state.RecordExists && !S.Migrated)
        {
            await Migrate();
        }

        ForgetOldAnswers(S.Answers, RememberedAnswersPerWindow); // a state of an earlier build kept 256 for the hall
        foreach (var (category, line) in S.Lines)
        {
            lines[category] = new CategoryQueue(line, category, rules);
            await RestoreMovedOut(category, line);
        }

        await ReplayTicketNotices();
    }

    /// <summary>
    /// Reads what earlier releases stored for this hall: each category's queue record and each window's record. The queue
    /// records become the lines as they were (their finished-ticket batches keep their keys); a window's stored current
    /// ticket is not taken over (the line's ticket says which window holds it), only its session and day figures. Nothing
    /// is written here: the first command writes the merged state, and until then a reactivation reads the same records.
    /// </summary>
    private async Task Migrate()
    {
        // Read concurrently: a hall of 20 windows and 5 categories is 25 reads, and this activation waits for all of them.
        var queues = profile.Categories.Select(async c =>
        {
            var record = new Record<QueueGrainState>();
            await storage.ReadStateAsync(LegacyQueueStateName, GrainId.Create(LegacyQueueStateName, QueueKeys.Of(hallCode, c.Code)), record);
            return (c.Code, Record: record);
        }).ToArray();
        var windows = profile.Windows.Select(async w =>
        {
            var record = new Record<WindowState>();
            await storage.ReadStateAsync(LegacyWindowStateName, GrainId.Create(LegacyWindowStateName, WindowKeys.Of(hallCode, w.WindowNo)), record);
            return (Window: w, Record: record);
        }).ToArray();
        var queueRecords = Task.WhenAll(queues);
        var windowRecords = Task.WhenAll(windows);
        var (oldQueues, oldWindows) = (await queueRecords, await windowRecords);

        var comeNow = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (category, record) in oldQueues)
        {
            if (record.RecordExists && record.State is { } old)
            {
                S.Lines[category] = old.Queue;
                comeNow.UnionWith(old.ComeNowSent);
            }
        }

        foreach (var (window, record) in oldWindows)
        {
            if (record.RecordExists && record.State is { } old)
            {
                S.Seats[window.WindowNo] = new WindowSeat
                {
                    Session = new WindowSession(
                        window.WindowNo, old.Status, old.Clerk, old.Categories ?? window.Categories, old.PauseReason, old.PausedSince, old.PausedToday, old.Day),
                    Day = old.Day,
                    ServedToday = old.ServedToday,
                    WalkUpsToday = old.WalkUpsToday,
                    RecentServed = old.RecentServed ?? [],
                    RatingOffer = old.RatingOffer,
                };
            }
        }

        S.ComeNowSent = comeNow;
        S.Migrated = true;
        if (S.Lines.Count + S.Seats.Count > 0)
        {
            LogMigrated(logger, hallCode, S.Lines.Count, S.Seats.Count);
        }
    }

    private GrainId BatchId(string category, int index) =>
        GrainId.Create(FinishedStateName, string.Create(CultureInfo.InvariantCulture, $"{QueueKeys.Of(hallCode, category)}/{index}"));

    /// <summary>Reads a line's finished-ticket batches of today back (the look-ups' record of the day's finished tickets).</summary>
    private async Task RestoreMovedOut(string category, CategoryQueueState q)
    {
        if (q.MovedOutBatches == 0)
        {
            return;
        }

        var tickets = new List<QueueTicket>();
        for (var i = 0; i < q.MovedOutBatches; i++)
        {
            var record = new Record<FinishedTicketBatch>();
            await storage.ReadStateAsync(FinishedStateName, BatchId(category, i), record);
            if (!record.RecordExists || record.State is not { } batch || batch.Day != q.Day || batch.Index != i)
            {
                throw new InvalidOperationException(
                    $"Hall queue {hallCode}/{category}: finished-ticket batch {i} of {q.Day:yyyy-MM-dd} is missing or belongs to another day.");
            }

            batchETags[(category, i)] = record.ETag;
            tickets.AddRange(batch.Tickets);
        }

        q.RestoreMovedOut(tickets);
    }

    /// <summary>
    /// Writes a line's finished tickets as its day's next batch, then drops them from the hot state (which the caller
    /// writes next). A crash in between leaves them in the hot state: the same batch number is written again, with them.
    /// </summary>
    private async Task MoveOutFinished(string category, CategoryQueueState q)
    {
        if (q.FinishedHeld < MoveOutBatchSize)
        {
            return;
        }

        var index = q.MovedOutBatches;
        var finished = q.FinishedToMove();
        var record = new Record<FinishedTicketBatch> { State = new FinishedTicketBatch { Day = q.Day, Index = index, Tickets = finished } };
        if (batchETags.TryGetValue((category, index), out var etag))
        {
            record.ETag = etag;
        }
        else
        {
            // The key may hold a batch of an earlier day (keys are reused) or of a write a crash cut short.
            var existing = new Record<FinishedTicketBatch>();
            await storage.ReadStateAsync(FinishedStateName, BatchId(category, index), existing);
            record.ETag = existing.ETag;
        }

        await storage.WriteStateAsync(FinishedStateName, BatchId(category, index), record);
        batchETags[(category, index)] = record.ETag;
        q.MoveOut(finished);
    }

    private CategoryQueue Line(string category)
    {
        if (!lines.TryGetValue(category, out var line))
        {
            var q = new CategoryQueueState();
            line = new CategoryQueue(q, category, rules);
            S.Lines[category] = q;
            lines[category] = line;
        }

        return line;
    }

    /// <summary>Every operation starts here: closes yesterday first, so numbers restart at the hall's midnight.</summary>
    private async ValueTask<DateTimeOffset> Begin()
    {
        var now = Now;
        var today = DateOnly.FromDateTime(now.DateTime);
        if (S.Day >= today)
        {
            return now; // a clock behind another silo's is treated as today: days never go back
        }

        // Let every write in flight land first: while this section holds the gate no other write starts, so no write can
        // take a copy of a half-closed day (a line rolled over before its summary is archived).
        await writer.Stored();
        var closed = false;
        foreach (var line in lines.Values)
        {
            if (line.RollOver(now) is { } summary)
            {
                // Archive first, then persist the emptied lines: a crash in between re-archives the same day (idempotent).
                if (summary.Issued + summary.Received > 0)
                {
                    await archive.ArchiveAsync(hallCode, summary, CancellationToken.None);
                }

                closed = true;
                LogDayClosed(logger, hallCode, line.Category, summary.Day, summary.Issued, summary.Served);
            }
        }

        var hadDay = S.Day != default;
        S.Day = today;
        S.ComeNowSent.Clear();
        S.TicketContacts.Clear();
        S.Answers.Clear();
        lastPushed.Clear();
        if (closed || hadDay)
        {
            await Persist();
        }

        return now;
    }

    public async Task<QueueResult<TicketStatus>> Take(string category, TicketRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        QueueResult<TicketStatus> result;
        Task stored;
        Announcement? announce = null;
        using (await turn.Enter())
        {
            var now = await Begin();
            var line = Line(category);
            var before = line.Counts.Issued;
            result = line.Take(request, Capacity(category), now);
            if (result.IsOk && line.Counts.Issued != before)
            {
                LogTaken(logger, hallCode, result.Value.Ticket.Number, request.Kind);
                KeepContact(request, result.Value.Ticket);
                (stored, announce) = await Commit([category], result.Value.Ticket);
            }
            else
            {
                stored = writer.Stored(); // a retry's ticket may still be on its way to storage
            }
        }

        await Announce(stored, announce);
        return result;
    }

    public Task<TicketStatus?> GetStatus(string category, string ticketNo) => Read(now => Line(category).Status(ticketNo, Capacity(category), now));

    public Task<QueueView> GetView(string category) => Read(now => View(Line(category), now));

    public Task<IReadOnlyList<ParkedTicket>> GetParked() =>
        Read<IReadOnlyList<ParkedTicket>>(_ => [.. lines.Values.SelectMany(l => l.Parked()).OrderBy(p => p.ParkedAt)]);

    public async Task<QueueResult<Ticket>> Act(string category, TicketAction action, string ticketNo)
    {
        QueueResult<Ticket> result;
        Task stored;
        Announcement? announce = null;
        using (await turn.Enter())
        {
            var now = await Begin();
            var line = Line(category);
            result = action switch
            {
                TicketAction.Cancel => line.Cancel(ticketNo, now),
                TicketAction.Unpark => line.Unpark(ticketNo, now),
                _ => Violations.InvalidRequest($"{action} is a window's command", "该操作须由窗口发起"),
            };
            if (result.IsOk)
            {
                // A cancelled called ticket frees its window: the window reads its ticket from here, nothing to tell it.
                (stored, announce) = await Commit([category], result.Value);
                var cancelled = result.Value;
                announce.History = () => HistoryCapture.Cancelled(history, hallCode, profile.RegionCode, cancelled, now);
            }
            else
            {
                stored = writer.Stored();
            }
        }

        await Announce(stored, announce);
        return result;
    }

    public async Task<DeskFigures> GetDesk(int windowNo)
    {
        // [AlwaysInterleave]: waits for the section only, never for a write (it may show a change on its way to storage, as before).
        using (await turn.Enter())
        {
            await Begin();
            return Figures(windowNo);
        }
    }

    public Task<HallSnapshot> GetFloor() => Read(Floor);

    /// <summary>A read: computed in a section, answered once what it saw is stored.</summary>
    private async Task<T> Read<T>(Func<DateTimeOffset, T> read)
    {
        T value;
        Task stored;
        using (await turn.Enter())
        {
            value = read(await Begin());
            stored = writer.Stored();
        }

        await stored;
        return value;
    }

    public async Task<DeskReply> Desk(DeskCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        DeskReply reply;
        Task stored;
        Announcement? announce = null;
        using (await turn.Enter())
        {
            (reply, stored, announce) = await ApplyDesk(command);
        }

        await Announce(stored, announce);
        return reply;
    }

    /// <summary>A window command inside the section: the reply, the write to wait for, and what to announce after it.</summary>
    private async Task<(DeskReply Reply, Task Stored, Announcement? Announce)> ApplyDesk(DeskCommand command)
    {
        var now = await Begin();
        var w = command.Session.WindowNo;
        var seat = Seat(w, now);
        if (command.Key is { } key && S.Answers.FindLast(a => a.WindowNo == w && a.Key == key) is { } first)
        {
            // Applied by an earlier attempt with this key: its first answer, whatever happened since (once it is stored).
            LogReplayed(logger, hallCode, first.Ticket?.Number, w, command.Action);
            return (new DeskReply(Figures(w), first.Ticket, null, first.WalkUp), writer.Stored(), null);
        }

        var previous = seat.Session;
        var sessionChanged = !command.Session.SameAs(previous);
        seat.Session = command.Session;
        var outcome = Apply(command, seat, now);
        if (outcome.Violation is { } violation)
        {
            seat.Session = previous;
            // Only a keyed command can be a retry a duplicate activation would wrongly refuse; input errors need no check.
            if (command.Key is not null && violation.Code is not (WindowViolationCode.InvalidRequest or WindowViolationCode.UnknownTicket or WindowViolationCode.NotServed))
            {
                await CheckStored(violation.Code);
            }

            return (new DeskReply(Figures(w), null, violation), writer.Stored(), null);
        }

        if (outcome.Changed.Count == 0 && !sessionChanged)
        {
            return (new DeskReply(Figures(w), outcome.Ticket, null, outcome.WalkUp), writer.Stored(), null);
        }

        if (command.Key is { } k && outcome.Changed.Count > 0)
        {
            S.Answers.Add(new DeskAnswer(w, k, outcome.Ticket, outcome.WalkUp));
            ForgetOldAnswers(S.Answers, RememberedAnswersPerWindow);
        }

        var (stored, announce) = await Commit(outcome.Changed, outcome.Ticket);
        AfterWrite(announce, command, outcome, seat, now);
        announce.History = () => HistoryCapture.Desk(history, hallCode, profile.RegionCode, command, outcome.Ticket, outcome.Changed, outcome.WalkUp, now);
        return (new DeskReply(Figures(w), outcome.Ticket, null, outcome.WalkUp), stored, announce);
    }

    /// <summary>Keeps the last <paramref name="perWindow"/> answers of each window (oldest first), dropping older ones in place.</summary>
    internal static void ForgetOldAnswers(List<DeskAnswer> answers, int perWindow)
    {
        var kept = new Dictionary<int, int>();
        var write = answers.Count;
        for (var read = answers.Count - 1; read >= 0; read--)
        {
            var a = answers[read];
            var n = kept[a.WindowNo] = kept.GetValueOrDefault(a.WindowNo) + 1;
            if (n <= perWindow)
            {
                answers[--write] = a;
            }
        }

        answers.RemoveRange(0, write);
    }

    private readonly record struct Outcome(Ticket? Ticket, IReadOnlyList<string> Changed, WindowViolation? Violation = null, WalkUpService? WalkUp = null)
    {
        public static Outcome Refused(WindowViolationCode code, string message, QueueViolation? queue = null) =>
            new(null, [], new WindowViolation(code, message, queue));

        public static Outcome Queue(QueueViolation violation) => Refused(WindowViolationCode.QueueRule, violation.Message, violation);
    }

    private Outcome Apply(DeskCommand c, WindowSeat seat, DateTimeOffset now)
    {
        var session = c.Session;
        var w = session.WindowNo;
        var held = HeldBy(w);
        switch (c.Action)
        {
            case DeskAction.Session:
                return new Outcome(null, []);

            case DeskAction.Leave:
                return Leave(session, held, now);

            case DeskAction.CallNext:
                {
                    if (session.Status != WindowStatus.Open)
                    {
                        return NotOpen(session, "calling");
                    }

                    if (held is not null)
                    {
                        return Outcome.Refused(WindowViolationCode.Busy, $"Window {w} still holds {held.Number} ({TicketWire.State(held.State)}): finish, skip, mark no-show or transfer it first.");
                    }

                    foreach (var category in session.Categories)
                    {
                        var result = Line(category).CallNext(w, now);
                        if (!result.IsOk)
                        {
                            return Outcome.Queue(result.Violation!);
                        }

                        if (result.Value is { } ticket)
                        {
                            LogCalled(logger, hallCode, ticket.Number, w);
                            return new Outcome(ticket, [category]);
                        }
                    }

                    return new Outcome(null, []);
                }

            case DeskAction.Recall or DeskAction.NoShow or DeskAction.Start or DeskAction.Finish or DeskAction.Skip:
                {
                    if (held is null)
                    {
                        return Outcome.Refused(WindowViolationCode.NoCurrentTicket, $"Window {w} holds no ticket.");
                    }

                    var line = Line(held.Category);
                    var result = c.Action switch
                    {
                        DeskAction.Recall => line.Recall(held.Number, w, now),
                        DeskAction.NoShow => line.MarkNoShow(held.Number, w, now),
                        DeskAction.Start => line.Start(held.Number, w, now),
                        DeskAction.Finish => line.Finish(held.Number, w, now),
                        _ => line.Skip(held.Number, w, now),
                    };
                    if (!result.IsOk)
                    {
                        return Outcome.Queue(result.Violation!);
                    }

                    if (c.Action == DeskAction.Finish && result.Value.State == TicketState.Done)
                    {
                        Served(seat, result.Value, session, now);
                    }

                    return new Outcome(result.Value, [held.Category]);
                }

            case DeskAction.Transfer:
                return Transfer(c, held, now);

            case DeskAction.Park:
                {
                    if (string.IsNullOrWhiteSpace(c.Text) || c.Text.Length > CategoryQueue.MaxParkReasonLength)
                    {
                        return Outcome.Refused(WindowViolationCode.InvalidRequest, $"reason (挂起原因) is required, 1 to {CategoryQueue.MaxParkReasonLength} characters.");
                    }

                    if (held is null)
                    {
                        return Outcome.Refused(WindowViolationCode.NoCurrentTicket, $"Window {w} holds no ticket to park.");
                    }

                    var result = Line(held.Category).Park(held.Number, w, c.Text, now);
                    if (!result.IsOk)
                    {
                        return Outcome.Queue(result.Violation!);
                    }

                    LogParked(logger, hallCode, held.Number, w, result.Value.ParkReason);
                    return new Outcome(result.Value, [held.Category]);
                }

            case DeskAction.Unpark:
                {
                    var (category, refusal) = Locate(c.TicketNo ?? string.Empty, session);
                    if (refusal is not null)
                    {
                        return refusal.Value;
                    }

                    var result = Line(category!).Unpark(c.TicketNo!, now, w);
                    return result.IsOk ? new Outcome(result.Value, [category!]) : Outcome.Queue(result.Violation!);
                }

            case DeskAction.CallTicket:
                {
                    if (session.Status != WindowStatus.Open)
                    {
                        return NotOpen(session, "calling");
                    }

                    if (held is not null)
                    {
                        return Outcome.Refused(WindowViolationCode.Busy, $"Window {w} still holds {held.Number} ({TicketWire.State(held.State)}): finish, skip, park or transfer it first.");
                    }

                    var (category, refusal) = Locate(c.TicketNo ?? string.Empty, session);
                    if (refusal is not null)
                    {
                        return refusal.Value;
                    }

                    var result = Line(category!).CallTicket(c.TicketNo!, w, now);
                    if (!result.IsOk)
                    {
                        return Outcome.Queue(result.Violation!);
                    }

                    LogCalled(logger, hallCode, result.Value.Number, w);
                    return new Outcome(result.Value, [category!]);
                }

            case DeskAction.WalkUp:
                {
                    if (session.Status != WindowStatus.Open)
                    {
                        return NotOpen(session, "serving");
                    }

                    if (c.Category is not { } category || !session.Categories.Contains(category))
                    {
                        return Outcome.Refused(WindowViolationCode.NotServed, $"Window {w} serves {string.Join(", ", session.Categories)}, not category {c.Category}.");
                    }

                    var result = Line(category).RecordWalkUp(w, c.Text, now);
                    if (!result.IsOk)
                    {
                        return Outcome.Queue(result.Violation!);
                    }

                    seat.ServedToday++;
                    seat.WalkUpsToday++;
                    LogWalkUp(logger, hallCode, result.Value.Id, w, c.Text);
                    return new Outcome(null, [category], WalkUp: result.Value);
                }

            default:
                return Outcome.Refused(WindowViolationCode.InvalidRequest, $"Unknown desk action {c.Action}.");
        }
    }

    private static Outcome NotOpen(WindowSession session, string doing) =>
        Outcome.Refused(WindowViolationCode.NotOpen, $"Window {session.WindowNo} is {session.Status.ToString().ToLowerInvariant()}: open it before {doing}.");

    /// <summary>
    /// Pausing or closing gives a called ticket back to the head of its line; a ticket being served must be finished or
    /// transferred first. Closing also frees tickets reserved for this window.
    /// </summary>
    private Outcome Leave(WindowSession session, Ticket? held, DateTimeOffset now)
    {
        var w = session.WindowNo;
        if (held is { State: TicketState.Serving })
        {
            return Outcome.Refused(WindowViolationCode.ServingInProgress, $"Window {w} is serving {held.Number}: finish or transfer it first.");
        }

        var changed = new List<string>();
        if (session.Status == WindowStatus.Closed)
        {
            foreach (var line in lines.Values)
            {
                if (line.ReleaseWindow(w, now).Count > 0)
                {
                    changed.Add(line.Category);
                }
            }
        }
        else if (held is not null && Line(held.Category).ReturnToHead(held.Number, w, now).IsOk)
        {
            changed.Add(held.Category);
        }

        return new Outcome(null, changed);
    }

    /// <summary>转办: to another category (fair position kept) and/or a named window, in one turn and one write.</summary>
    private Outcome Transfer(DeskCommand c, Ticket? held, DateTimeOffset now)
    {
        var w = c.Session.WindowNo;
        if (held is null)
        {
            return Outcome.Refused(WindowViolationCode.NoCurrentTicket, $"Window {w} holds no ticket to transfer.");
        }

        var target = c.Category ?? held.Category;
        if (c.Category is null && c.ToWindow is null)
        {
            return Outcome.Refused(WindowViolationCode.InvalidRequest, "Name toCategory, toWindow or both.");
        }

        if (profile.Categories.All(x => x.Code != target))
        {
            return Outcome.Refused(WindowViolationCode.InvalidRequest, $"Hall {hallCode} has no category '{target}'.");
        }

        if (c.ToWindow is { } to)
        {
            if (profile.Windows.All(x => x.WindowNo != to))
            {
                return Outcome.Refused(WindowViolationCode.InvalidRequest, $"Hall {hallCode} has no window {to}.");
            }

            // The named window's categories as it serves them now (a manager may have changed them live).
            if (!WindowCategories(to).Contains(target))
            {
                return Outcome.Refused(WindowViolationCode.InvalidRequest, $"Window {to} does not serve category {target}.");
            }
        }
        else if (target == held.Category)
        {
            return Outcome.Refused(WindowViolationCode.InvalidRequest, $"{held.Number} is already in category {target}; name another category or a window.");
        }

        var source = Line(held.Category);
        if (target == held.Category)
        {
            var redirected = source.RedirectToWindow(held.Number, w, c.ToWindow!.Value, now);
            return redirected.IsOk ? new Outcome(redirected.Value, [held.Category]) : Outcome.Queue(redirected.Violation!);
        }

        if (Line(target).Find(held.Number) is { State: not (TicketState.Done or TicketState.NoShow or TicketState.Cancelled or TicketState.Transferred) } already)
        {
            return Outcome.Refused(WindowViolationCode.InvalidRequest, $"{held.Number} is already live in category {target} ({TicketWire.State(already.State)}).");
        }

        // 一人一号 follows the ticket: the person keys move with it to the new line.
        var personKeys = S.Lines[held.Category].FindByNumber(held.Number)?.PersonKeys;
        var handOff = source.TransferOut(held.Number, w, target, c.ToWindow, now);
        if (!handOff.IsOk)
        {
            return Outcome.Queue(handOff.Violation!);
        }

        var accepted = Line(target).Accept(handOff.Value, Capacity(target), now);
        if (!accepted.IsOk)
        {
            // Both lines live in this turn: nothing is written, so the hand-off is undone by dropping this activation.
            LogTransferRefused(logger, hallCode, held.Number, target, accepted.Violation!.Message);
            writer.Fail(new InvalidOperationException($"Hall queue {hallCode}: transfer of {held.Number} to {target} half done; the activation is dropped."));
            DeactivateOnIdle();
            return Outcome.Queue(accepted.Violation!);
        }

        if (personKeys is not null && S.Lines[target].FindByNumber(held.Number) is { } entry)
        {
            entry.PersonKeys = personKeys;
        }

        LogTransferred(logger, hallCode, held.Number, held.Category, target, c.ToWindow);
        return new Outcome(accepted.Value.Ticket, [held.Category, target]);
    }

    /// <summary>
    /// The category of the window whose line holds <paramref name="ticketNo"/> live today (a transferred ticket keeps its
    /// number but lives in another line); otherwise a refusal: 404 if the hall has no such ticket today, 409 when it is in
    /// a category the window does not serve.
    /// </summary>
    private (string? Category, Outcome? Refusal) Locate(string ticketNo, WindowSession session)
    {
        foreach (var category in session.Categories)
        {
            if (lines.TryGetValue(category, out var line) && line.Find(ticketNo) is { State: not TicketState.Transferred })
            {
                return (category, null);
            }
        }

        foreach (var line in lines.Values)
        {
            if (line.Find(ticketNo) is { State: not TicketState.Transferred } there)
            {
                return (null, Outcome.Refused(WindowViolationCode.NotServed,
                    $"Ticket {ticketNo} is in category {there.Category} ({TicketWire.State(there.State)}); window {session.WindowNo} serves {string.Join(", ", session.Categories)}."));
            }
        }

        return (null, Outcome.Refused(WindowViolationCode.UnknownTicket, $"Hall {hallCode} has no ticket {ticketNo} today."));
    }

    /// <summary>A finish counts for the window: served today, its measured share, the rating pad's offer.</summary>
    private void Served(WindowSeat seat, Ticket ticket, WindowSession session, DateTimeOffset now)
    {
        seat.ServedToday++;

        // An instant start/finish click is not a service: it says nothing about how the window splits its time.
        if (!(ticket is { StartedAt: { } started, FinishedAt: { } finished } && finished - started < rules.MinServiceObservation))
        {
            seat.RecentServed.Add(ticket.Category);
            if (seat.RecentServed.Count > rules.WindowShareSamples)
            {
                seat.RecentServed.RemoveRange(0, seat.RecentServed.Count - rules.WindowShareSamples);
            }
        }

        var finishedAt = ticket.FinishedAt ?? now;
        seat.RatingOffer = new WindowRatingOffer(
            hallCode, session.WindowNo, ticket.Number, DateOnly.FromDateTime(ticket.IssuedAt.ToOffset(ChinaTime.Offset).DateTime),
            finishedAt, finishedAt + WindowRatingOffer.Lifetime);
    }

    /// <summary>What follows a window command once written (prepared in its section): announcements, the served-ticket record, the rating pad.</summary>
    private void AfterWrite(Announcement announce, DeskCommand c, Outcome outcome, WindowSeat seat, DateTimeOffset now)
    {
        var w = c.Session.WindowNo;
        if (c.Action is DeskAction.CallNext or DeskAction.CallTicket or DeskAction.Recall && outcome.Ticket is { } called)
        {
            announce.Then.Add(new LiveMessage(LiveGroups.Hall(hallCode), LiveMethods.TicketCalled, new TicketCalled(hallCode, called.Number, w, now)));
        }

        if (c.Action == DeskAction.Finish && outcome.Ticket is { State: TicketState.Done } done)
        {
            // Handed to this silo's batching writer after the write, not waited for: the ticket can be rated for days after the line drops it.
            var day = DateOnly.FromDateTime(done.IssuedAt.ToOffset(ChinaTime.Offset).DateTime);
            announce.Served = new ServedTicket(hallCode, day, done.Number, done.Category, w, c.Session.Clerk, done.FinishedAt ?? now);
            if (seat.RatingOffer is { } offer)
            {
                announce.Then.Add(new LiveMessage(LiveGroups.WindowPad(hallCode, w), LiveMethods.RatingOffer, offer));
            }
        }
    }

    private WindowSeat Seat(int windowNo, DateTimeOffset now)
    {
        if (!S.Seats.TryGetValue(windowNo, out var seat))
        {
            seat = new WindowSeat();
            S.Seats[windowNo] = seat;
        }

        var today = DateOnly.FromDateTime(now.DateTime);
        if (seat.Day != today)
        {
            seat.Day = today;
            seat.ServedToday = 0;
            seat.WalkUpsToday = 0;
        }

        return seat;
    }

    private Ticket? HeldBy(int windowNo)
    {
        foreach (var line in lines.Values)
        {
            if (line.HeldBy(windowNo) is { } t)
            {
                return t;
            }
        }

        return null;
    }

    private DeskFigures Figures(int windowNo)
    {
        var held = HeldBy(windowNo);
        var seat = S.Seats.GetValueOrDefault(windowNo);
        var today = DateOnly.FromDateTime(Now.DateTime);
        var fresh = seat?.Day == today;
        return new DeskFigures(
            held is null ? null : new HeldTicket(held.Category, held.Number, held.State),
            fresh ? seat!.ServedToday : 0,
            fresh ? seat!.WalkUpsToday : 0,
            [.. seat?.RecentServed ?? []],
            seat?.RatingOffer,
            seat?.Session);
    }

    private IReadOnlyList<string> WindowCategories(int windowNo) =>
        S.Seats.GetValueOrDefault(windowNo)?.Session?.Categories
        ?? profile.Windows.FirstOrDefault(x => x.WindowNo == windowNo)?.Categories
        ?? [];

    /// <summary>The open windows as the wait estimate sees them: categories and recent services.</summary>
    private List<WindowLoad> OpenWindows() =>
        [.. S.Seats.Values.Where(s => s.Session is { Status: WindowStatus.Open }).Select(s => new WindowLoad(s.Session!.Categories, s.RecentServed))];

    /// <summary>Window-equivalents serving the category now: the sum of the open windows' measured shares.</summary>
    private double Capacity(string category) => WaitEstimator.ServingWindows(category, OpenWindows(), rules);

    private QueueView View(CategoryQueue line, DateTimeOffset now, IReadOnlyList<TicketStatus>? waiting = null)
    {
        var open = OpenWindows();
        var capacity = WaitEstimator.ServingWindows(line.Category, open, rules);
        var counts = line.Counts;
        waiting ??= line.WaitingLine(capacity, now);
        var waits = line.WaitStatistics;
        return new QueueView(
            line.Category,
            counts.Waiting,
            line.PredictNewcomerWaitMinutes(capacity, now),
            counts,
            waits.Published(line.Rules),
            PublishedFigures.Minutes(line.MeanServiceTime),
            waiting.Count == 0 ? null : waiting.Min(t => t.Ticket.EnteredAt),
            WaitEstimator.ServingWindowCount(line.Category, open),
            line.LastClosedDay is { } closed
                ? closed with { Waits = closed.Waits.Published(line.Rules), MeanServiceMinutes = PublishedFigures.Minutes(closed.MeanServiceMinutes) ?? 0 }
                : null,
            NoWindow: counts.Waiting > 0 && capacity < 1e-9,
            ServiceSamples: line.ServiceSamples,
            Capacity: capacity,
            ExactWaits: waits);
    }

    /// <summary>The hall's live figures, all from this state: categories, windows and the day's totals cannot disagree.</summary>
    private HallSnapshot Floor(DateTimeOffset now)
    {
        var views = profile.Categories.ToDictionary(c => c.Code, c => View(Line(c.Code), now), StringComparer.Ordinal);
        var categories = profile.Categories.Select(c =>
        {
            var q = views[c.Code];
            return new CategorySnapshot(
                c.Code,
                c.Name,
                q.Waiting,
                q.PredictedWaitMinutes,
                q.LongestWaitingSince is { } since ? (int)Math.Max(0, (now - since).TotalMinutes) : null,
                q.ServingWindows,
                q.Waits.MeanAbsoluteErrorMinutes,
                q.Counts.Served,
                q.Counts.NoShow,
                NoWindow: q.NoWindow,
                ErrorSampleCount: q.Waits.Predicted,
                P90AbsoluteErrorMinutes: q.Waits.P90AbsoluteErrorMinutes);
        }).ToList();
        var today = DateOnly.FromDateTime(now.DateTime);
        var windows = profile.Windows.Select(w =>
        {
            var seat = S.Seats.GetValueOrDefault(w.WindowNo);
            var session = seat?.Session;
            var fresh = seat?.Day == today;
            return new WindowSnapshot(
                w.WindowNo,
                (session?.Status ?? WindowStatus.Closed).ToString().ToLowerInvariant(),
                HeldBy(w.WindowNo)?.Number,
                session?.Clerk,
                fresh ? seat!.ServedToday : 0,
                session?.Categories ?? w.Categories,
                session?.PauseReason is { } reason ? PauseReasonWire.Name(reason) : null,
                session is null || session.Day != today ? 0 : session.PausedMinutes(now));
        }).ToList();

        // Day-level wait figures weight each category's average by its called tickets; p90 takes the worst category (conservative).
        var exact = views.Values.Select(q => q.ExactWaits ?? q.Waits).ToList();
        var called = exact.Sum(w => w.Called);
        var average = called == 0 ? null : PublishedFigures.Minutes(exact.Where(w => w.AverageMinutes is not null).Sum(w => w.AverageMinutes!.Value * w.Called) / called);
        var p90 = PublishedFigures.Minutes(exact.Select(w => w.P90Minutes).Where(x => x is not null).DefaultIfEmpty(null).Max());
        return new HallSnapshot(
            hallCode,
            now,
            categories,
            windows,
            ServedToday: views.Values.Sum(q => q.Counts.Served),
            AppointmentsToday: 0,
            GoodRate: null,
            Suspended: false,
            NoShowsToday: views.Values.Sum(q => q.Counts.NoShow),
            AverageWaitMinutes: average,
            P90WaitMinutes: p90,
            WaitingTotal: categories.Sum(c => c.Waiting),
            OpenWindows: windows.Count(w => w.State == "open"));
    }

    /// <summary>
    /// After a change, inside the section: writes the finished-ticket batches that are due, prepares what to tell the
    /// watchers and the citizens (from the state as this change left it), and starts or joins the write that will cover
    /// the change. The caller leaves the section, then awaits <c>Stored</c> before it answers or announces anything
    /// (<see cref="Announce"/>): an unstored change is never announced.
    /// </summary>
    private async Task<(Task Stored, Announcement Announce)> Commit(IReadOnlyList<string> changedLines, Ticket? changed)
    {
        var now = Now;
        var waiting = new Dictionary<string, IReadOnlyList<TicketStatus>>(StringComparer.Ordinal);
        var announce = new Announcement();
        foreach (var category in changedLines.Distinct())
        {
            var line = waiting[category] = Line(category).WaitingLine(Capacity(category), now);
            foreach (var t in line.Take(PushedPositions))
            {
                if (ComeNowDue(t) && S.ComeNowSent.Add(t.Ticket.Number))
                {
                    announce.ComeNow.Add(ComeNowNoticeOf(t));
                }
            }
        }

        // One batch per change: the changed ticket, and every waiting ticket whose position or predicted wait moved since it was last pushed.
        if (changed is not null)
        {
            var status = Line(changed.Category).Status(changed.Number, Capacity(changed.Category), now);
            announce.Messages.Add(TicketMessage(status?.Ticket ?? changed, status?.Position, status?.PredictedWaitMinutes, comeNow: false));
            lastPushed.Remove(changed.Number);
        }

        foreach (var line in waiting.Values)
        {
            foreach (var t in line.Take(PushedPositions))
            {
                var isComeNow = announce.ComeNow.Any(c => c.TicketNo == t.Ticket.Number);
                if (isComeNow || !lastPushed.TryGetValue(t.Ticket.Number, out var last) || last != (t.Position, t.PredictedWaitMinutes))
                {
                    lastPushed[t.Ticket.Number] = (t.Position, t.PredictedWaitMinutes);
                    announce.Messages.Add(TicketMessage(t.Ticket, t.Position, t.PredictedWaitMinutes, isComeNow));
                }
            }
        }

        announce.Called = CallNoticeOf(changed);
        await MoveOutDue();
        var stored = writer.Flush();
        SchedulePublish();
        return (stored, announce);
    }

    /// <summary>What a command tells others once its write is stored, prepared inside its section.</summary>
    private sealed class Announcement
    {
        public ImmutableArray<LiveMessage>.Builder Messages { get; } = ImmutableArray.CreateBuilder<LiveMessage>();

        public List<ComeNowNotice> ComeNow { get; } = [];

        /// <summary>Messages to other groups (the hall's call board, a window's rating pad), sent after the ticket updates.</summary>
        public List<LiveMessage> Then { get; } = [];

        public ServedTicket? Served { get; set; }

        /// <summary>The call (请到 N 号窗口) to hand to the citizen's channels, when the changed ticket was called and left a contact.</summary>
        public TicketCallNotice? Called { get; set; }

        /// <summary>Hands the change's records to the service history (服务记录), once it is stored; never waits.</summary>
        public Action? History { get; set; }
    }

    /// <summary>
    /// Outside the section: waits until the command's write (or, for a read, the write of what it saw) is stored, then
    /// sends what it prepared. A failed write throws here, before anything is answered or announced.
    /// </summary>
    private async Task Announce(Task stored, Announcement? announce)
    {
        await stored;
        if (announce is null)
        {
            return;
        }

        announce.Messages.AddRange(announce.Then);
        await GrainFactory.PublishLive(announce.Messages.ToImmutable());
        if (announce.Served is { } served)
        {
            servedTickets.Record(served);
        }

        announce.History?.Invoke();

        foreach (var notice in announce.ComeNow)
        {
            // The citizen's come-now seam (到号提醒): after the write, once per ticket and day.
            await notifications.ComeNow(notice);
        }

        if (announce.Called is { } call)
        {
            await notifications.Called(call);
        }
    }

    /// <summary>Inside a section: waits for the write covering every change so far (the archive at midnight).</summary>
    private async Task Persist()
    {
        await MoveOutDue();
        await writer.Flush();
    }

    /// <summary>
    /// Writes the lines' due finished-ticket batches (inside the section, before the hot state that drops them is written).
    /// A failed batch write drops the activation like a failed hall write.
    /// </summary>
    private async Task MoveOutDue()
    {
        try
        {
            foreach (var (category, line) in S.Lines)
            {
                await MoveOutFinished(category, line);
            }
        }
        catch (Exception e)
        {
            LogWriteFailed(logger, e, hallCode);
            writer.Fail(e);
            DeactivateOnIdle();
            throw;
        }
    }

    /// <summary>
    /// The coalescer's write: a deep copy of the state taken now (this turn), written under the ETag of the last write. A
    /// failed write leaves this activation ahead of its storage: it is dropped so the next call reloads what storage holds.
    /// </summary>
    private async Task WriteHall()
    {
        var record = new Record<HallQueueState> { State = copier.Copy(S), ETag = etag, RecordExists = etag is not null };
        try
        {
            await storage.WriteStateAsync(StateName, this.GetGrainId(), record);
            etag = record.ETag;
        }
        catch (Exception e)
        {
            LogWriteFailed(logger, e, hallCode);
            DeactivateOnIdle();
            throw;
        }
    }

    /// <summary>
    /// Before refusing a window's command from this activation's memory, confirms it is the stored state: a duplicate
    /// activation left behind by a silo crash would otherwise refuse a retry from an old state (see <see cref="StoredStateCheck"/>).
    /// Inside the section, after this activation's own writes have landed, so only another activation's write differs.
    /// </summary>
    private async Task CheckStored(WindowViolationCode code)
    {
        await writer.Stored();
        var stored = new Record<HallQueueState>();
        await storage.ReadStateAsync(StateName, this.GetGrainId(), stored);
        if (stored.ETag != etag)
        {
            LogStale(logger, hallCode, code);
            var stale = new InconsistentStateException($"Hall queue {hallCode}: another activation wrote its state; retry.", stored.ETag, etag);
            writer.Fail(stale);
            DeactivateOnIdle();
            throw stale;
        }
    }

    /// <summary>The hall grain hears of the floor at most every <see cref="PublishInterval"/>, one-way, after the writes.</summary>
    private void SchedulePublish()
    {
        publishTimer ??= this.RegisterGrainTimer(
            async () =>
            {
                publishTimer?.Dispose();
                publishTimer = null;
                HallSnapshot floor;
                Task stored;
                using (await turn.Enter())
                {
                    floor = Floor(Now);
                    stored = writer.Stored();
                }

                await stored; // the floor is told only what is stored
                GrainFactory.GetGrain<IHallGrain>(hallCode).FloorChanged(floor).Ignore();
            },
            new GrainTimerCreationOptions(PublishInterval, Timeout.InfiniteTimeSpan) { Interleave = false });
    }

    private LiveMessage TicketMessage(Ticket ticket, int? position, int? predicted, bool comeNow) =>
        new(
            LiveGroups.Ticket(hallCode, ticket.Number),
            LiveMethods.TicketUpdated,
            new TicketUpdate(hallCode, ticket.Number, TicketWire.State(ticket.State), position, predicted, ticket.WindowNo, comeNow),
            CoalesceKey: $"ticket:{hallCode}:{ticket.Number}");

    private sealed class Record<T> : IGrainState<T>
        where T : new()
    {
        [System.Diagnostics.CodeAnalysis.AllowNull]
        public T State { get; set; } = new();

        public string? ETag { get; set; }

        public bool RecordExists { get; set; }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Hall {HallCode}: ticket {TicketNo} issued ({Kind})")]
    private static partial void LogTaken(ILogger logger, string hallCode, string ticketNo, TicketKind kind);

    [LoggerMessage(Level = LogLevel.Information, Message = "Hall {HallCode}: ticket {TicketNo} called to window {WindowNo}")]
    private static partial void LogCalled(ILogger logger, string hallCode, string ticketNo, int windowNo);

    [LoggerMessage(Level = LogLevel.Information, Message = "Hall {HallCode}: ticket {TicketNo} parked by window {WindowNo}: {Reason}")]
    private static partial void LogParked(ILogger logger, string hallCode, string ticketNo, int? windowNo, string? reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Hall {HallCode}: walk-up service {ServiceId} recorded by window {WindowNo} (item {Item})")]
    private static partial void LogWalkUp(ILogger logger, string hallCode, string serviceId, int windowNo, string? item);

    [LoggerMessage(Level = LogLevel.Information, Message = "Hall {HallCode}: {Action} of ticket {TicketNo} by window {WindowNo} repeated with the same idempotency key; its first answer is given")]
    private static partial void LogReplayed(ILogger logger, string hallCode, string? ticketNo, int windowNo, DeskAction action);

    [LoggerMessage(Level = LogLevel.Information, Message = "Hall {HallCode}: ticket {TicketNo} transferred {From} → {To} (window {ToWindow})")]
    private static partial void LogTransferred(ILogger logger, string hallCode, string ticketNo, string from, string to, int? toWindow);

    [LoggerMessage(Level = LogLevel.Error, Message = "Hall {HallCode}: transfer of {TicketNo} to {Category} refused: {Reason}")]
    private static partial void LogTransferRefused(ILogger logger, string hallCode, string ticketNo, string category, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Hall queue {HallCode}: would refuse ({Code}) from a state older than the stored one (a duplicate activation); dropped for a retry")]
    private static partial void LogStale(ILogger logger, string hallCode, WindowViolationCode code);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Hall queue {HallCode}: state write failed; the activation is dropped and reloads from storage")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, string hallCode);

    [LoggerMessage(Level = LogLevel.Information, Message = "Hall queue {HallCode}: line {Category} day {Day} closed, {Issued} issued, {Served} served")]
    private static partial void LogDayClosed(ILogger logger, string hallCode, string category, DateOnly day, int issued, int served);

    [LoggerMessage(Level = LogLevel.Information, Message = "Hall queue {HallCode}: read in {Lines} per-category queue records and {Windows} window records of an earlier release")]
    private static partial void LogMigrated(ILogger logger, string hallCode, int lines, int windows);
}
