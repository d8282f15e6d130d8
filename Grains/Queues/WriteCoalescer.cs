namespace TongBan.Grains.Queues;

/// <summary>
/// Group commit for one grain activation: commands change the state in memory one at a time, then wait for one shared
/// write that covers every change made before it started. At most one write is in flight; changes made while it runs
/// are covered by the next write, which starts as soon as it ends, so a busy grain writes once per round trip of its
/// storage instead of once per command. Used only from the activation's own turns (no locking).
/// <para>
/// The write delegate must take what it writes (a snapshot) before its first await: changes made while it waits belong
/// to the next write. A failed write fails its waiters and every later one: the activation is then ahead of its storage
/// and must be dropped (the grain deactivates), never build on a change that may not survive.
/// </para>
/// </summary>
public sealed class WriteCoalescer(Func<Task> write)
{
    private TaskCompletionSource? running;
    private TaskCompletionSource? next;
    private Exception? failure;

    /// <summary>Whether a write is in flight or waiting to start.</summary>
    public bool Busy => running is not null || next is not null;

    /// <summary>
    /// Completes when a write that started after this call has succeeded, i.e. every change made so far is stored.
    /// Call it after changing the state, then await it outside any exclusive section.
    /// </summary>
    public Task Flush()
    {
        if (failure is not null)
        {
            return Task.FromException(failure);
        }

        if (next is not null)
        {
            return next.Task; // not started yet: it will take this change too
        }

        next = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var mine = next.Task;
        if (running is null)
        {
            Start();
        }

        return mine;
    }

    /// <summary>Completes when every change made so far is stored (at once when no write is in flight or waiting); writes nothing itself.</summary>
    public Task Stored() =>
        failure is not null ? Task.FromException(failure)
        : next is not null ? next.Task
        : running is not null ? running.Task
        : Task.CompletedTask;

    /// <summary>
    /// Refuses every write not yet started: changes made in memory since (for instance a half-done command) must not be
    /// stored. A write in flight completes as it would have; its snapshot predates the refusal.
    /// </summary>
    public void Fail(Exception reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        failure ??= reason;
        if (next is { } waiting)
        {
            next = null;
            waiting.SetException(failure);
        }
    }

    private void Start()
    {
        running = next;
        next = null;
        _ = Run(running!);
    }

    private async Task Run(TaskCompletionSource batch)
    {
        try
        {
            await write();
            batch.SetResult();
        }
        catch (Exception e)
        {
            Fail(e);
            batch.SetException(e);
        }
        finally
        {
            running = null;
            if (next is not null && failure is null)
            {
                Start();
            }
        }
    }
}

/// <summary>
/// One-at-a-time sections of a reentrant activation: <c>using (await gate.Enter()) { … }</c> runs its body only after
/// every section entered before it has left, however many awaits those bodies hold. The activation's turns never run in
/// parallel anyway; the gate keeps a section's awaits (an archive call, a batch write) from letting another section in.
/// </summary>
public sealed class TurnGate
{
    private Task tail = Task.CompletedTask;

    public async ValueTask<Section> Enter()
    {
        var previous = tail;
        var left = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        tail = left.Task;
        await previous;
        return new Section(left);
    }

    /// <summary>Leaving the section (dispose) lets the next one in.</summary>
    public readonly struct Section(TaskCompletionSource left) : IDisposable
    {
        public void Dispose() => left.TrySetResult();
    }
}
