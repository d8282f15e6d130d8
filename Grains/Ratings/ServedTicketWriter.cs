using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace TongBan.Grains.Ratings;

/// <summary>
/// Writes the served-ticket records (the proof a 一次一评 rating needs once the queue's day is gone) in batches, one
/// per silo: a finishing window hands its record over without waiting (<see cref="Record"/>), and a single loop writes
/// whatever has gathered — up to <see cref="MaxBatch"/> records — in one store call (one statement in PostgreSQL),
/// then the next batch. Under load the batches grow by themselves; when idle a record is written at once.
/// <para>
/// What a crash costs: records handed over but not yet written (the batch being written and those gathering behind
/// it, typically a few milliseconds' worth) are lost with the process, as the one-way message to the rating intake was
/// before. The finish itself is durable in the queue, so those tickets stay rateable for the rest of their day: the
/// intake reads a ticket it has no record of from its queue and writes the record then (see
/// <c>RatingIntakeGrain.ResolveTicket</c>). Only a rating of such a ticket on a later day is refused as unknown. A
/// failed write is retried twice before its records are logged as not recorded. On an orderly shutdown the loop
/// drains (the container disposes the writer after the silo has stopped).
/// </para>
/// </summary>
public sealed partial class ServedTicketWriter : IAsyncDisposable
{
    /// <summary>Most records written by one store call.</summary>
    public const int MaxBatch = 256;

    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Put in line by <see cref="FlushAsync"/>: reached once everything before it was written.</summary>
    private static readonly ServedTicket FlushMarker = new(string.Empty, default, string.Empty, string.Empty, 0, null, default);

    private readonly System.Collections.Concurrent.ConcurrentQueue<TaskCompletionSource> flushes = new();

    private readonly IRatingStore store;
    private readonly ILogger<ServedTicketWriter> logger;
    private readonly Channel<ServedTicket> pending = Channel.CreateUnbounded<ServedTicket>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task loop;

    public ServedTicketWriter(IRatingStore store, ILogger<ServedTicketWriter> logger)
    {
        this.store = store;
        this.logger = logger;
        loop = Task.Run(RunAsync);
    }

    /// <summary>Queues the record for the next batch; never blocks or throws.</summary>
    public void Record(ServedTicket served)
    {
        ArgumentNullException.ThrowIfNull(served);
        if (!pending.Writer.TryWrite(served))
        {
            LogNotRecorded(logger, 1, served.HallCode, served.TicketNo, "the writer has stopped");
        }
    }

    /// <summary>Completes when everything handed over before the call has been written (or given up on).</summary>
    public async Task FlushAsync()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        flushes.Enqueue(done);
        if (!pending.Writer.TryWrite(FlushMarker))
        {
            done.TrySetResult();
        }

        await done.Task;
    }

    public async ValueTask DisposeAsync()
    {
        pending.Writer.TryComplete();
        await loop.WaitAsync(DrainTimeout).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task RunAsync()
    {
        var batch = new List<ServedTicket>(MaxBatch);
        while (await pending.Reader.WaitToReadAsync())
        {
            var flushed = 0;
            while (batch.Count < MaxBatch && pending.Reader.TryRead(out var served))
            {
                if (ReferenceEquals(served, FlushMarker))
                {
                    flushed++;
                }
                else
                {
                    batch.Add(served);
                }
            }

            if (batch.Count > 0)
            {
                await WriteAsync(batch);
                batch.Clear();
            }

            for (; flushed > 0 && flushes.TryDequeue(out var done); flushed--)
            {
                done.TrySetResult();
            }
        }
    }

    private async Task WriteAsync(List<ServedTicket> batch)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await store.RecordServicesAsync(batch, CancellationToken.None);
                return;
            }
            catch (Exception e) when (attempt < 3)
            {
                LogRetry(logger, e, batch.Count, attempt);
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt));
            }
            catch (Exception e)
            {
                LogNotRecorded(logger, batch.Count, batch[0].HallCode, batch[0].TicketNo, e.Message);
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Served-ticket records: writing a batch of {Count} failed (attempt {Attempt}); retrying")]
    private static partial void LogRetry(ILogger logger, Exception exception, int count, int attempt);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Count} served-ticket record(s) not recorded for rating (first: hall {HallCode} ticket {TicketNo}): {Reason}; they stay rateable today through their queues")]
    private static partial void LogNotRecorded(ILogger logger, int count, string hallCode, string ticketNo, string reason);
}
