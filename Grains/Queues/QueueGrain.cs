using System.Collections.Immutable;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Storage;
using TongBan.Grains.Common;
using TongBan.Grains.Halls;
using TongBan.Grains.Live;
using TongBan.Grains.Windows;

namespace TongBan.Grains.Queues;

/// <summary>Persisted state of a queue grain: the day's queue and the figures it needs between activations.</summary>
[GenerateSerializer]
public sealed class QueueGrainState
{
    [Id(0)]
    public CategoryQueueState Queue { get; set; } = new();

    [Id(1)]
    public double ServingWindows { get; set; }

    /// <summary>Tickets already told "come now" today (virtual queue), so a retry or re-projection never notifies twice.</summary>
    [Id(2)]
    public HashSet<string> ComeNowSent { get; set; } = [];

    /// <summary>Open windows listing the category (the published count; <see cref="ServingWindows"/> is the capacity).</summary>
    [Id(3)]
    public int ServingWindowCount { get; set; }
}

/// <summary>
/// Non-reentrant on purpose: each operation reads, changes and writes the queue in one turn, which is
/// what makes concurrent call-next safe. Reports to the hall and the live feed are one-way.
/// <para>
/// The queue's state is written with every command, so it holds only what commands need: live tickets, counters and
/// wait samples. Once <see cref="MoveOutBatchSize"/> finished tickets have gathered, the next command writes them as
/// one <see cref="FinishedTicketBatch"/> record (state name <see cref="FinishedStateName"/>, same storage provider,
/// key <c>{queue key}/{n}</c>) and then the hot state without them: every answer is still given after both writes.
/// The batches are read back when the grain activates, so finished tickets stay visible to status look-ups,
/// idempotent retries and transfer redeliveries all day. Batch keys are reused day after day (bounded storage).
/// </para>
/// </summary>
public sealed partial class QueueGrain(
    [PersistentState(QueueGrain.StateName, StorageNames.Default)] IPersistentState<QueueGrainState> state,
    ICitizenNotificationChannel notifications,
    IQueueDayArchive archive,
    TimeProvider clock,
    ILogger<QueueGrain> logger) : Grain, IQueueGrain
{
    /// <summary>How many tickets before the call a virtual-queue citizen is told to come (到号提醒).</summary>
    public const int ComeNowLead = 3;

    /// <summary>Positions pushed to watchers after each change; deeper positions refresh on their own request.</summary>
    private const int PushedPositions = 50;

    /// <summary>Finished tickets gathered in the hot state before they are written out as one batch.</summary>
    public const int MoveOutBatchSize = 8;

    /// <summary>The state name of a queue's hot record in grain storage.</summary>
    public const string StateName = "queue";

    /// <summary>State name of the finished-ticket batches (the ADO.NET key is service, state name and grain key).</summary>
    public const string FinishedStateName = "queue-finished";

    private string hallCode = string.Empty;
    private string category = string.Empty;
    private CategoryQueue queue = null!;

    /// <summary>What each waiting ticket's watchers were last told; kept in memory only (a reactivation re-sends once).</summary>
    private readonly Dictionary<string, (int? Position, int? Predicted)> lastPushed = new(StringComparer.Ordinal);

    /// <summary>ETag of each batch record read or written by this activation (batch number → ETag).</summary>
    private readonly Dictionary<int, string?> batchETags = [];

    private IGrainStorage batchStorage = null!;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        (hallCode, category) = QueueKeys.Parse(this.GetPrimaryKeyString());
        // Rules from configuration (TongBan:Queue, registered by the silo); the defaults where none are registered (grain tests).
        queue = new CategoryQueue(state.State.Queue, category, ServiceProvider.GetService<QueueRules>());
        batchStorage = ServiceProvider.GetRequiredKeyedService<IGrainStorage>(StorageNames.Default);
        await RestoreMovedOut();
    }

    private GrainId BatchId(int index) =>
        GrainId.Create(FinishedStateName, string.Create(CultureInfo.InvariantCulture, $"{this.GetPrimaryKeyString()}/{index}"));

    /// <summary>Reads today's finished-ticket batches back (they are the look-ups' record of the day's finished tickets).</summary>
    private async Task RestoreMovedOut()
    {
        var q = state.State.Queue;
        if (q.MovedOutBatches == 0)
        {
            return;
        }

        var tickets = new List<QueueTicket>();
        for (var i = 0; i < q.MovedOutBatches; i++)
        {
            var record = new BatchRecord();
            await batchStorage.ReadStateAsync(FinishedStateName, BatchId(i), record);
            if (!record.RecordExists || record.State is not { } batch || batch.Day != q.Day || batch.Index != i)
            {
                throw new InvalidOperationException(
                    $"Queue {this.GetPrimaryKeyString()}: finished-ticket batch {i} of {q.Day:yyyy-MM-dd} is missing or belongs to another day.");
            }

            batchETags[i] = record.ETag;
            tickets.AddRange(batch.Tickets);
        }

        q.RestoreMovedOut(tickets);
    }

    /// <summary>
    /// Writes the finished tickets as the day's next batch, then drops them from the hot state (which the caller writes
    /// next). A crash in between leaves them in the hot state: the same batch number is written again, with them.
    /// </summary>
    private async Task MoveOutFinished()
    {
        var q = state.State.Queue;
        if (q.FinishedHeld < MoveOutBatchSize)
        {
            return;
        }

        var index = q.MovedOutBatches;
        var finished = q.FinishedToMove();
        var record = new BatchRecord { State = new FinishedTicketBatch { Day = q.Day, Index = index, Tickets = finished } };
        if (batchETags.TryGetValue(index, out var etag))
        {
            record.ETag = etag;
        }
        else
        {
            // The key may hold a batch of an earlier day (keys are reused) or of a write a crash cut short.
            var existing = new BatchRecord();
            await batchStorage.ReadStateAsync(FinishedStateName, BatchId(index), existing);
            record.ETag = existing.ETag;
        }

        await batchStorage.WriteStateAsync(FinishedStateName, BatchId(index), record);
        batchETags[index] = record.ETag;
        q.MoveOut(finished);
    }

    private DateTimeOffset Now => ChinaTime.Now(clock);

    /// <summary>Every operation starts here: closes yesterday first, so numbers restart at the hall's midnight.</summary>
    private async ValueTask<DateTimeOffset> Begin()
    {
        if (queue.RollOver(Now) is { } summary)
        {
            // Archive first, then persist the emptied queue: a crash in between re-archives the same day (idempotent).
            // A day without tickets leaves no row (most of the 2,700 points' queues are idle most days).
            if (summary.Issued + summary.Received > 0)
            {
                await archive.ArchiveAsync(hallCode, summary, CancellationToken.None);
            }

            state.State.ComeNowSent.Clear();
            lastPushed.Clear();
            await Persist();
            LogDayClosed(logger, hallCode, category, summary.Day, summary.Issued, summary.Served);
        }

        return Now;
    }

    public async Task<QueueResult<TicketStatus>> Take(TicketRequest request)
    {
        var before = queue.Counts.Issued;
        var result = queue.Take(request, state.State.ServingWindows, await Begin());
        if (result.IsOk && queue.Counts.Issued != before)
        {
            LogTaken(logger, hallCode, result.Value.Ticket.Number, request.Kind);
            await Commit(result.Value.Ticket);
        }

        return result;
    }

    public async Task<QueueResult<Ticket?>> CallNext(int windowNo, string? commandKey = null)
    {
        var now = await Begin();
        var held = queue.HeldBy(windowNo);
        var result = queue.CallNext(windowNo, now, commandKey);
        if (held is not null)
        {
            // Nothing changed: refused (the window holds a ticket), or this very call made before, answered again.
            if (result.IsOk)
            {
                LogReplayed(logger, hallCode, held.Number, windowNo, "call");
                return result;
            }

            return await Refuse(result);
        }

        if (result.IsOk && result.Value is { } called)
        {
            LogCalled(logger, hallCode, called.Number, windowNo);
            await Commit(called);
            await GrainFactory.PublishLive(new LiveMessage(
                LiveGroups.Hall(hallCode), LiveMethods.TicketCalled, new TicketCalled(hallCode, called.Number, windowNo, Now)));
        }

        return result;
    }

    public async Task<QueueResult<Ticket>> Act(TicketAction action, string ticketNo, int? windowNo, string? commandKey = null)
    {
        var now = await Begin();
        var window = windowNo ?? 0;
        if (queue.Replay(action, ticketNo, window, commandKey) is { } replayed)
        {
            // Applied (and persisted) by an earlier attempt with this key: answered again, nothing changes or is announced.
            LogReplayed(logger, hallCode, ticketNo, window, action.ToString());
            return replayed;
        }

        // A cancel of a called ticket frees its window, which must hear of it (after the write, one-way).
        var leftWindow = action == TicketAction.Cancel && queue.Find(ticketNo) is { State: TicketState.Called or TicketState.Serving, WindowNo: { } holder } ? holder : (int?)null;
        var result = action switch
        {
            TicketAction.Recall => queue.Recall(ticketNo, window, now, commandKey),
            TicketAction.NoShow => queue.MarkNoShow(ticketNo, window, now, commandKey),
            TicketAction.Skip => queue.Skip(ticketNo, window, now, commandKey),
            TicketAction.Start => queue.Start(ticketNo, window, now, commandKey),
            TicketAction.Finish => queue.Finish(ticketNo, window, now, commandKey),
            TicketAction.Cancel => queue.Cancel(ticketNo, now),
            TicketAction.Park => Violations.InvalidRequest("parking needs a reason: use Park", "挂起须填写原因"),
            TicketAction.Unpark => queue.Unpark(ticketNo, now, windowNo, commandKey),
            TicketAction.ReturnToHead => queue.ReturnToHead(ticketNo, window, now),
            _ => throw new ArgumentOutOfRangeException(nameof(action)),
        };
        if (!result.IsOk && windowNo is not null)
        {
            return await Refuse(result);
        }

        if (result.IsOk)
        {
            await Commit(result.Value);
            if (action == TicketAction.Recall)
            {
                await GrainFactory.PublishLive(new LiveMessage(
                    LiveGroups.Hall(hallCode), LiveMethods.TicketCalled, new TicketCalled(hallCode, ticketNo, window, now)));
            }

            if (leftWindow is { } w)
            {
                // One-way ([OneWay]): the window may be waiting on this queue right now; it clears its ticket in its own turn.
                LogLeftWindow(logger, hallCode, ticketNo, w);
                GrainFactory.GetGrain<IWindowGrain>(WindowKeys.Of(hallCode, w)).TicketLeft(ticketNo).Ignore();
            }
        }

        return result;
    }

    public async Task<QueueResult<Ticket>> Park(string ticketNo, int? windowNo, string reason, string? commandKey = null)
    {
        var now = await Begin();
        if (windowNo is { } w && queue.Replay(TicketAction.Park, ticketNo, w, commandKey) is { } replayed)
        {
            LogReplayed(logger, hallCode, ticketNo, w, "park");
            return replayed;
        }

        var result = queue.Park(ticketNo, windowNo, reason, now, commandKey);
        if (!result.IsOk)
        {
            return windowNo is null ? result : await Refuse(result);
        }

        LogParked(logger, hallCode, ticketNo, windowNo, result.Value.ParkReason);
        await Commit(result.Value);
        return result;
    }

    public async Task<QueueResult<Ticket>> CallTicket(string ticketNo, int windowNo, string? commandKey = null)
    {
        var now = await Begin();
        var before = queue.Find(ticketNo);
        var result = queue.CallTicket(ticketNo, windowNo, now, commandKey);
        if (!result.IsOk)
        {
            return await Refuse(result);
        }

        if (result.Value == before)
        {
            // This very call, made before with the same key: answered again, nothing changes or is announced.
            LogReplayed(logger, hallCode, ticketNo, windowNo, "call-ticket");
            return result;
        }

        LogCalled(logger, hallCode, ticketNo, windowNo);
        await Commit(result.Value);
        await GrainFactory.PublishLive(new LiveMessage(
            LiveGroups.Hall(hallCode), LiveMethods.TicketCalled, new TicketCalled(hallCode, ticketNo, windowNo, Now)));
        return result;
    }

    public async Task<QueueResult<WalkUpService>> RecordWalkUp(int windowNo, string? item, string? commandKey = null)
    {
        var now = await Begin();
        var before = queue.Counts.WalkUps;
        var result = queue.RecordWalkUp(windowNo, item, now, commandKey);
        if (result.IsOk && queue.Counts.WalkUps != before)
        {
            LogWalkUp(logger, hallCode, result.Value.Id, windowNo, item);
            await Commit(null);
        }

        return result;
    }

    public async Task<IReadOnlyList<ParkedTicket>> GetParked()
    {
        await Begin();
        return queue.Parked();
    }

    public async Task<QueueResult<TicketTransfer>> TransferOut(string ticketNo, int? windowNo, string toCategory, int? toWindow)
    {
        var result = queue.TransferOut(ticketNo, windowNo, toCategory, toWindow, await Begin());
        if (result.IsOk)
        {
            await Commit(queue.Find(ticketNo));
        }

        return result;
    }

    public async Task<QueueResult<TicketStatus>> Accept(TicketTransfer transfer)
    {
        var result = queue.Accept(transfer, state.State.ServingWindows, await Begin());
        if (result.IsOk)
        {
            await Commit(result.Value.Ticket);
        }

        return result;
    }

    public async Task<QueueResult<Ticket>> RedirectToWindow(string ticketNo, int? windowNo, int toWindow, string? commandKey = null)
    {
        var now = await Begin();
        var before = queue.Find(ticketNo);
        var result = queue.RedirectToWindow(ticketNo, windowNo, toWindow, now, commandKey);
        if (result.IsOk && result.Value != before)
        {
            await Commit(result.Value);
        }

        return result;
    }

    public async Task<IReadOnlyList<Ticket>> ReleaseWindow(int windowNo)
    {
        var changed = queue.ReleaseWindow(windowNo, await Begin());
        if (changed.Count > 0)
        {
            await Commit(null);
        }

        return changed;
    }

    public async Task<Ticket?> HeldBy(int windowNo)
    {
        await Begin();
        return queue.HeldBy(windowNo);
    }

    public async Task<TicketStatus?> GetStatus(string ticketNo) => queue.Status(ticketNo, state.State.ServingWindows, await Begin());

    public async Task<QueueView> GetView() => View(await Begin());

    public async Task SetServingWindows(double servingWindows, int windowCount)
    {
        WaitEstimator.CheckServingWindows(servingWindows);
        ArgumentOutOfRangeException.ThrowIfNegative(windowCount);
        if (Math.Abs(state.State.ServingWindows - servingWindows) < 1e-9 && state.State.ServingWindowCount == windowCount)
        {
            return;
        }

        state.State.ServingWindows = servingWindows;
        state.State.ServingWindowCount = windowCount;
        await Commit(null);
    }

    private QueueView View(DateTimeOffset now, IReadOnlyList<TicketStatus>? line = null)
    {
        var counts = queue.Counts;
        line ??= queue.WaitingLine(state.State.ServingWindows, now);
        var waits = queue.WaitStatistics;
        var capacity = state.State.ServingWindows;

        // A state written before the count existed holds only the capacity: any capacity means at least one window.
        var windowCount = state.State.ServingWindowCount > 0 || capacity < 1e-9 ? state.State.ServingWindowCount : (int)Math.Ceiling(capacity - 1e-9);
        return new QueueView(
            category,
            counts.Waiting,
            queue.PredictNewcomerWaitMinutes(capacity, now),
            counts,
            waits.Published(queue.Rules),
            PublishedFigures.Minutes(queue.MeanServiceTime),
            line.Count == 0 ? null : line.Min(t => t.Ticket.EnteredAt),
            windowCount,
            queue.LastClosedDay is { } closed
                ? closed with { Waits = closed.Waits.Published(queue.Rules), MeanServiceMinutes = PublishedFigures.Minutes(closed.MeanServiceMinutes) ?? 0 }
                : null,
            NoWindow: counts.Waiting > 0 && capacity < 1e-9,
            ServiceSamples: queue.ServiceSamples,
            Capacity: capacity,
            ExactWaits: waits);
    }

    /// <summary>Persist first, then tell the hall and the watchers (an unpersisted change is never announced).</summary>
    private async Task Commit(Ticket? changed)
    {
        var now = Now;
        var line = queue.WaitingLine(state.State.ServingWindows, now);
        var comeNow = line.Take(ComeNowLead)
            .Where(t => t.Ticket.Kind is TicketKind.Remote or TicketKind.Appointment && !state.State.ComeNowSent.Contains(t.Ticket.Number))
            .Select(t => t.Ticket.Number)
            .ToHashSet(StringComparer.Ordinal);
        state.State.ComeNowSent.UnionWith(comeNow);

        await Persist();

        GrainFactory.GetGrain<IHallGrain>(hallCode).QueueChanged(View(now, line)).Ignore();

        // One batch per change: the changed ticket, and every waiting ticket whose position or
        // predicted wait moved since it was last pushed.
        var messages = ImmutableArray.CreateBuilder<LiveMessage>();
        if (changed is not null)
        {
            var status = queue.Status(changed.Number, state.State.ServingWindows, now);
            messages.Add(TicketMessage(status?.Ticket ?? changed, status?.Position, status?.PredictedWaitMinutes, comeNow: false));
            lastPushed.Remove(changed.Number);
        }

        foreach (var t in line.Take(PushedPositions))
        {
            var isComeNow = comeNow.Contains(t.Ticket.Number);
            if (isComeNow || !lastPushed.TryGetValue(t.Ticket.Number, out var last) || last != (t.Position, t.PredictedWaitMinutes))
            {
                lastPushed[t.Ticket.Number] = (t.Position, t.PredictedWaitMinutes);
                messages.Add(TicketMessage(t.Ticket, t.Position, t.PredictedWaitMinutes, isComeNow));
            }
        }

        await GrainFactory.PublishLive(messages.ToImmutable());
        foreach (var t in line.Where(t => comeNow.Contains(t.Ticket.Number)))
        {
            await notifications.ComeNow(new ComeNowNotice(hallCode, t.Ticket.Number, t.Position ?? 0, t.PredictedWaitMinutes));
        }
    }

    /// <summary>
    /// Writes the changed queue. A failed write leaves this activation ahead of its storage (the change is applied in
    /// memory only): the activation is dropped so the next call reloads what storage holds, and never answers or builds
    /// on a change that may not survive (a later crash would silently undo it, and a window would then be ahead of it).
    /// </summary>
    private async Task Persist()
    {
        try
        {
            await MoveOutFinished();
            await state.WriteStateAsync();
        }
        catch (Exception e)
        {
            LogWriteFailed(logger, e, hallCode, category);
            DeactivateOnIdle();
            throw;
        }
    }

    /// <summary>
    /// A refusal of a window's command, given only once this activation's state is confirmed to be the stored one: a
    /// duplicate activation left behind by a silo crash would otherwise refuse a retry from an old state (see
    /// <see cref="StoredStateCheck"/>). Input errors need no check.
    /// </summary>
    private async Task<QueueResult<T>> Refuse<T>(QueueResult<T> refusal)
    {
        if (refusal.Violation is { Code: not QueueViolationCode.InvalidRequest } violation
            && await StoredStateCheck.IsStale(batchStorage, StateName, this.GetGrainId(), state) is (true, var stored))
        {
            LogStale(logger, hallCode, category, violation.Code);
            DeactivateOnIdle();
            throw new InconsistentStateException($"Queue {this.GetPrimaryKeyString()}: another activation wrote its state; retry.", stored, state.Etag);
        }

        return refusal;
    }

    private sealed class BatchRecord : IGrainState<FinishedTicketBatch>
    {
        [System.Diagnostics.CodeAnalysis.AllowNull]
        public FinishedTicketBatch State { get; set; } = new();

        public string? ETag { get; set; }

        public bool RecordExists { get; set; }
    }

    private LiveMessage TicketMessage(Ticket ticket, int? position, int? predicted, bool comeNow) =>
        new(
            LiveGroups.Ticket(hallCode, ticket.Number),
            LiveMethods.TicketUpdated,
            new TicketUpdate(hallCode, ticket.Number, TicketWire.State(ticket.State), position, predicted, ticket.WindowNo, comeNow),
            CoalesceKey: $"ticket:{hallCode}:{ticket.Number}");

    [LoggerMessage(Level = LogLevel.Information, Message = "Hall {HallCode}: ticket {TicketNo} issued ({Kind})")]
    private static partial void LogTaken(ILogger logger, string hallCode, string ticketNo, TicketKind kind);

    [LoggerMessage(Level = LogLevel.Information, Message = "Hall {HallCode}: ticket {TicketNo} called to window {WindowNo}")]
    private static partial void LogCalled(ILogger logger, string hallCode, string ticketNo, int windowNo);

    [LoggerMessage(Level = LogLevel.Information, Message = "Hall {HallCode}: ticket {TicketNo} parked by window {WindowNo}: {Reason}")]
    private static partial void LogParked(ILogger logger, string hallCode, string ticketNo, int? windowNo, string? reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Hall {HallCode}: walk-up service {ServiceId} recorded by window {WindowNo} (item {Item})")]
    private static partial void LogWalkUp(ILogger logger, string hallCode, string serviceId, int windowNo, string? item);

    [LoggerMessage(Level = LogLevel.Information, Message = "Hall {HallCode}: called ticket {TicketNo} was cancelled; window {WindowNo} is told")]
    private static partial void LogLeftWindow(ILogger logger, string hallCode, string ticketNo, int windowNo);

    [LoggerMessage(Level = LogLevel.Information, Message = "Hall {HallCode}: ticket {TicketNo} {Command} by window {WindowNo} repeated with the same idempotency key; answered as applied")]
    private static partial void LogReplayed(ILogger logger, string hallCode, string ticketNo, int windowNo, string command);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Hall {HallCode} queue {Category}: would refuse ({Code}) from a state older than the stored one (a duplicate activation); dropped for a retry")]
    private static partial void LogStale(ILogger logger, string hallCode, string category, QueueViolationCode code);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Hall {HallCode} queue {Category}: state write failed; the activation is dropped and reloads from storage")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, string hallCode, string category);

    [LoggerMessage(Level = LogLevel.Information, Message = "Hall {HallCode} queue {Category}: day {Day} closed, {Issued} issued, {Served} served")]
    private static partial void LogDayClosed(ILogger logger, string hallCode, string category, DateOnly day, int issued, int served);
}
