using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace TongBan.Grains.History;

/// <summary>
/// The silo's history batcher (<see cref="IHistorySink"/>): a grain hands a record over (<see cref="Append(TicketOutcome)"/>)
/// into a bounded in-process channel and returns at once; one loop writes what has gathered in batches of up to
/// <see cref="HistoryOptions.BatchSize"/> records, at the latest <see cref="HistoryOptions.FlushInterval"/> after a
/// batch's first record, in one store call (one multi-row statement in PostgreSQL).
/// <para>
/// What a crash loses: the records handed over and not yet written — the batch being written and those gathering behind
/// it. Under normal load that is at most one flush interval of activity (default 1 s) plus one batch in flight; the hard
/// bound is <see cref="HistoryOptions.QueueCapacity"/> + <see cref="HistoryOptions.BatchSize"/> records (see
/// <see cref="LossBound"/>). When the channel is full (the store is down or slow) new records are dropped and counted
/// (<see cref="Dropped"/>), never waited for: a ticket command is never slowed by history. A failed write is retried
/// twice, then its records are logged as lost. On an orderly shutdown the loop drains.
/// </para>
/// </summary>
public sealed partial class HistoryWriter : IHistorySink, IAsyncDisposable
{
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(10);

    private readonly IHistoryStore store;
    private readonly HistoryOptions options;
    private readonly ILogger<HistoryWriter> logger;
    private readonly Channel<object> pending;
    private readonly Task loop;
    private long pendingCount;
    private long dropped;
    private long written;

    public HistoryWriter(IHistoryStore store, HistoryOptions options, ILogger<HistoryWriter> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.store = store;
        this.options = options;
        this.logger = logger;
        pending = Channel.CreateBounded<object>(new BoundedChannelOptions(options.QueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait, // TryWrite then fails at once instead of waiting: counted as dropped
        });
        loop = Task.Run(RunAsync);
    }

    /// <summary>The most records a crash can lose: a full channel plus the batch being written.</summary>
    public int LossBound => options.QueueCapacity + options.BatchSize;

    /// <summary>Records handed over and not yet written (or given up on).</summary>
    public long Pending => Interlocked.Read(ref pendingCount);

    /// <summary>Records refused because the channel was full.</summary>
    public long Dropped => Interlocked.Read(ref dropped);

    /// <summary>Records written so far.</summary>
    public long Written => Interlocked.Read(ref written);

    public void Append(TicketOutcome outcome) => Offer(outcome);

    public void Append(WindowActivity activity) => Offer(activity);

    public void Append(CaseTicketLink link) => Offer(link);

    /// <summary>Completes once everything handed over before the call has been written (or given up on).</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        var done = new Flush();
        if (!pending.Writer.TryWrite(done))
        {
            // Full or stopped: wait until the loop has caught up with what is pending now.
            while (Pending > 0 && !loop.IsCompleted)
            {
                await Task.Delay(10, cancellationToken);
            }

            return;
        }

        await done.Done.Task.WaitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        pending.Writer.TryComplete();
        await loop.WaitAsync(DrainTimeout).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private void Offer(object record)
    {
        if (pending.Writer.TryWrite(record))
        {
            Interlocked.Increment(ref pendingCount);
            return;
        }

        if (Interlocked.Increment(ref dropped) % 1000 == 1)
        {
            LogDropped(logger, Dropped, options.QueueCapacity);
        }
    }

    private async Task RunAsync()
    {
        var tickets = new List<TicketOutcome>();
        var activities = new List<WindowActivity>();
        var links = new List<CaseTicketLink>();
        var flushes = new List<Flush>();
        var reader = pending.Reader;
        while (await reader.WaitToReadAsync())
        {
            // The first record opens the batch: gather until it is full, the interval has passed, or a flush asks.
            using var window = new CancellationTokenSource(options.FlushInterval);
            while (tickets.Count + activities.Count + links.Count < options.BatchSize)
            {
                if (reader.TryRead(out var item))
                {
                    switch (item)
                    {
                        case TicketOutcome t:
                            tickets.Add(t);
                            break;
                        case WindowActivity a:
                            activities.Add(a);
                            break;
                        case CaseTicketLink l:
                            links.Add(l);
                            break;
                        case Flush f:
                            flushes.Add(f);
                            break;
                    }

                    continue;
                }

                if (flushes.Count > 0)
                {
                    break;
                }

                try
                {
                    if (!await reader.WaitToReadAsync(window.Token))
                    {
                        break; // completed: write what is held and stop
                    }
                }
                catch (OperationCanceledException)
                {
                    break; // the interval passed
                }
            }

            var batch = new HistoryBatch([.. tickets], [.. activities], [.. links]);
            if (batch.Count > 0)
            {
                await WriteAsync(batch);
                Interlocked.Add(ref pendingCount, -batch.Count);
            }

            tickets.Clear();
            activities.Clear();
            links.Clear();
            foreach (var f in flushes)
            {
                f.Done.TrySetResult();
            }

            flushes.Clear();
        }
    }

    private async Task WriteAsync(HistoryBatch batch)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await store.AppendAsync(batch, CancellationToken.None);
                Interlocked.Add(ref written, batch.Count);
                return;
            }
            catch (Exception e) when (attempt < 3)
            {
                LogRetry(logger, e, batch.Count, attempt);
                await Task.Delay(TimeSpan.FromMilliseconds(250 * attempt));
            }
            catch (Exception e)
            {
                var first = batch.Tickets.FirstOrDefault();
                LogLost(logger, e, batch.Count, first?.HallCode, first?.TicketNo);
                return;
            }
        }
    }

    private sealed class Flush
    {
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Service history: writing a batch of {Count} failed (attempt {Attempt}); retrying")]
    private static partial void LogRetry(ILogger logger, Exception exception, int count, int attempt);

    [LoggerMessage(Level = LogLevel.Error, Message = "Service history: {Count} record(s) not written (first: hall {HallCode} ticket {TicketNo})")]
    private static partial void LogLost(ILogger logger, Exception exception, int count, string? hallCode, string? ticketNo);

    [LoggerMessage(Level = LogLevel.Error, Message = "Service history: {Dropped} record(s) dropped so far, the writer's queue of {Capacity} is full (the store is down or slow)")]
    private static partial void LogDropped(ILogger logger, long dropped, int capacity);
}
