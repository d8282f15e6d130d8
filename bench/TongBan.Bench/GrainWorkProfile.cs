using System.Diagnostics;
using System.Globalization;
using Orleans.Storage;
using TongBan.Grains.Common;
using TongBan.Grains.Queues;
using TongBan.Grains.Windows;

namespace TongBan.Bench;

/// <summary>
/// Single-threaded timings of the work one grain command does besides messaging, on states built through the
/// public queue rules: what <c>HallQueueGrain.Commit</c> computes after every queue command (the waiting line, the
/// view sent to the hall, the changed ticket's status) and what the storage provider serializes on every write
/// (the whole queue day; a window's remembered replies). Shows how the per-command cost grows with the
/// tickets a queue holds by the end of a day.
/// </summary>
public static class GrainWorkProfile
{
    public sealed record Line(string What, double Micros, long Bytes);

    public static IReadOnlyList<Line> Run(IGrainStorageSerializer serializer)
    {
        var lines = new List<Line>();
        foreach (var (tickets, waiting) in new[] { (40, 10), (100, 10), (400, 10), (400, 50) })
        {
            var (queue, state, now, last) = BuildQueue(tickets, waiting);
            const double serving = 3;
            lines.Add(new Line($"queue commit work, {tickets} tickets today ({waiting} waiting)", Time(() =>
            {
                // HallQueueGrain.Commit: the line (come-now, pushes), View(now) for the hall, the changed ticket's status.
                var line = queue.WaitingLine(serving, now);
                var view = (queue.Counts, queue.WaitingLine(serving, now), queue.PredictNewcomerWaitMinutes(serving, now), queue.WaitStatistics);
                var status = queue.Status(last, serving, now);
                GC.KeepAlive(line);
                GC.KeepAlive(view.Item2);
                GC.KeepAlive(status);
            }), 0));
            var grainState = new QueueGrainState { Queue = state, ServingWindows = serving };
            var bytes = serializer.Serialize(grainState).ToMemory().Length;
            lines.Add(new Line($"  serialize whole-day queue state (every queue write before the move-out), {tickets} tickets", Time(() => serializer.Serialize(grainState)), bytes));

            // The same day as the hall queue keeps a line now: finished tickets moved out in batches of MoveOutBatchSize.
            var (_, hot, _, _) = BuildQueue(tickets, waiting, moveOut: true);
            var hotState = new QueueGrainState { Queue = hot, ServingWindows = serving };
            lines.Add(new Line(
                $"  serialize hot queue state (every queue write), {tickets} tickets, {hot.Tickets.Count} held",
                Time(() => serializer.Serialize(hotState)),
                serializer.Serialize(hotState).ToMemory().Length));
        }

        var (_, day, _, _) = BuildQueue(HallQueueGrain.MoveOutBatchSize, 0);
        var batch = new FinishedTicketBatch { Day = day.Day, Index = 0, Tickets = day.FinishedToMove() };
        lines.Add(new Line(
            $"serialize one finished-ticket batch ({HallQueueGrain.MoveOutBatchSize} tickets, written once per {HallQueueGrain.MoveOutBatchSize} finishes)",
            Time(() => serializer.Serialize(batch)),
            serializer.Serialize(batch).ToMemory().Length));

        var window = new WindowState { Status = WindowStatus.Open, Clerk = "clerk-520102-H001-4", Categories = ["B", "A"], Day = day.Day };
        lines.Add(new Line(
            "serialize window state (written on session changes only: open, pause, close, categories)",
            Time(() => serializer.Serialize(window)),
            serializer.Serialize(window).ToMemory().Length));
        return lines;
    }

    /// <summary>
    /// Mean CPU microseconds of this thread per call over ~100 ms, after ~300 ms of warm-up (so tiered JIT has
    /// promoted the hot code). CPU time rather than wall time: other processes on the box do not inflate it.
    /// </summary>
    private static double Time(Action action)
    {
        var warm = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(warm).TotalMilliseconds < 300)
        {
            action();
        }

        var start = Stopwatch.GetTimestamp();
        var cpu = ThreadCpu.Now();
        var count = 0;
        while (Stopwatch.GetElapsedTime(start).TotalMilliseconds < 100)
        {
            action();
            count++;
        }

        var used = ThreadCpu.Now() - cpu;
        return (used ?? Stopwatch.GetElapsedTime(start)).TotalMicroseconds / count;
    }

    /// <summary>
    /// A queue that has issued <paramref name="tickets"/> today, served all but <paramref name="waiting"/>; with
    /// <paramref name="moveOut"/> its finished tickets leave the state in batches, as <c>HallQueueGrain</c> does.
    /// </summary>
    private static (CategoryQueue Queue, CategoryQueueState State, DateTimeOffset Now, string Last) BuildQueue(int tickets, int waiting, bool moveOut = false)
    {
        var state = new CategoryQueueState();
        var queue = new CategoryQueue(state, "A");
        var now = new DateTimeOffset(2026, 3, 2, 9, 0, 0, ChinaTime.Offset);
        var last = "";
        for (var i = 0; i < tickets; i++)
        {
            var kind = (i % 10) switch { < 4 => TicketKind.WalkIn, < 7 => TicketKind.Kiosk, < 9 => TicketKind.Remote, _ => TicketKind.Appointment };
            var slot = kind == TicketKind.Appointment ? now.AddMinutes(10) : (DateTimeOffset?)null;
            last = queue.Take(new TicketRequest(kind, AppointmentSlotStart: slot, IdempotencyKey: "t" + i.ToString(CultureInfo.InvariantCulture)), 3, now).Value.Ticket.Number;
            now = now.AddSeconds(20);
        }

        for (var i = 0; i < tickets - waiting; i++)
        {
            var called = queue.CallNext(1 + (i % 3), now).Value!;
            now = now.AddSeconds(30);
            queue.Start(called.Number, called.WindowNo!.Value, now);
            now = now.AddMinutes(1);
            queue.Finish(called.Number, called.WindowNo!.Value, now);
            if (moveOut && state.FinishedHeld >= HallQueueGrain.MoveOutBatchSize)
            {
                state.MoveOut(state.FinishedToMove());
            }
        }

        return (queue, state, now, last);
    }
}
