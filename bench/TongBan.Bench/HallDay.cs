using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using TongBan.Grains.Halls;
using TongBan.Grains.Queues;
using TongBan.Grains.Windows;
using TongBan.LoadGen;

namespace TongBan.Bench;

/// <summary>The ticket operations of the hall day; each is one grain command.</summary>
public enum TicketOperation
{
    Take,
    CallNext,
    CallNextNone,
    Start,
    Finish,
    Skip,
    Recall,
    NoShow,
    Transfer,
}

public sealed record OperationRow(string Name, long Count, long Errors, LatencyHistogram Latency);

public sealed record CheckResult(string Name, bool Passed, string Detail);

public sealed record HallDayResult
{
    public required int Halls { get; init; }

    public required int Windows { get; init; }

    public required string HallMix { get; init; }

    public required TimeSpan Measured { get; init; }

    public required IReadOnlyList<OperationRow> Operations { get; init; }

    public required OperationRow Setup { get; init; }

    public required IReadOnlyDictionary<string, long> ErrorReasons { get; init; }

    /// <summary>Ticket operations per second in consecutive slices of the whole day (warm-up included).</summary>
    public required IReadOnlyList<(TimeSpan At, string SimulatedTime, double PerSecond)> Timeline { get; init; }

    public required IReadOnlyList<CheckResult> Checks { get; init; }

    public required long TicketsIssued { get; init; }

    public required int Queues { get; init; }

    public required string SimulatedDay { get; init; }

    /// <summary>Every ticket operation of the day, warm-up included (for costs per operation).</summary>
    public required long AllOperations { get; init; }

    public long TotalOperations => Operations.Sum(o => o.Count);

    public long TotalErrors => Operations.Sum(o => o.Errors);

    public double PerSecond => TotalOperations / Measured.TotalSeconds;

    public bool AllChecksPassed => Checks.All(c => c.Passed);

    public LatencyHistogram AllLatencies()
    {
        var all = new LatencyHistogram();
        foreach (var op in Operations)
        {
            all.Add(op.Latency);
        }

        return all;
    }
}

/// <summary>
/// The hall day: <c>N</c> halls of the seed with all their windows open, citizens taking tickets so that each
/// queue keeps a backlog, and every window looping call-next → start → finish (with skips, no-shows after three
/// recalls, and transfers to another category at small rates) through <see cref="IGrainFactory"/>. A fixed
/// number of workers each keep one command outstanding (closed loop, the baseline's concurrency); each command is
/// one ticket operation. At the end the counts are checked against what the queues, windows and halls say.
/// </summary>
public static class HallDay
{
    private static readonly TicketOperation[] Kinds = Enum.GetValues<TicketOperation>();

    /// <summary>The county halls first (10 windows each), then the city and province centres, then department sub-halls.</summary>
    public static IReadOnlyList<ServicePoint> SelectHalls(ServicePointDirectory directory, int count)
    {
        static int Rank(ServicePoint p) => (p.Type, p.Level) switch
        {
            (ServicePointType.Hall, ServiceLevel.County) => 0,
            (ServicePointType.Hall, ServiceLevel.City) => 1,
            (ServicePointType.Hall, ServiceLevel.Province) => 2,
            (ServicePointType.SubHall, _) => 3,
            _ => 9,
        };

        var halls = directory.All
            .Where(p => Rank(p) < 9 && p.Windows.Count > 0)
            .OrderBy(Rank)
            .ThenBy(p => p.Code, StringComparer.Ordinal)
            .Take(count)
            .ToList();
        return halls.Count == count
            ? halls
            : throw new ArgumentException($"The seed has only {halls.Count} halls with windows; asked for {count}.");
    }

    public static async Task<HallDayResult> RunAsync(
        IGrainFactory grains, ServicePointDirectory directory, CompressedDayClock? clock, BenchOptions options, TextWriter? progress = null)
    {
        var halls = SelectHalls(directory, options.Halls).Select(p => new HallModel(p, grains)).ToList();
        var agents = halls.SelectMany(h => h.Windows).ToList();
        var workers = Math.Min(options.Concurrency, agents.Count);
        var time = clock ?? TimeProvider.System;

        // Morning, still at wall-clock speed: every window opens (not measured as ticket operations), every queue is activated.
        var setup = new LatencyHistogram();
        long setupErrors = 0;
        await ForEachAsync(agents, workers, async a =>
        {
            var t0 = Stopwatch.GetTimestamp();
            var reply = await a.Grain.Open($"clerk-{a.Hall.Code}-{a.Profile.WindowNo}");
            lock (setup)
            {
                setup.RecordSince(t0);
                setupErrors += reply.IsOk ? 0 : 1;
            }
        });
        await ForEachAsync(halls.SelectMany(h => h.Queues), workers, q => q.GetView());
        progress?.WriteLine($"  {halls.Count} halls, {agents.Count} windows open, {halls.Sum(h => h.Queues.Length)} queues; day starts at {Format(time.GetUtcNow())}");

        clock?.Accelerate(); // the compressed day starts now
        var dayStart = Stopwatch.GetTimestamp();
        var measureFrom = dayStart + Ticks(options.Warmup);
        var measureUntil = measureFrom + Ticks(options.Duration);
        var recallWait = clock is null ? (TimeSpan?)null : clock.ToWall(QueueRules.Default.MinRecallInterval) * 1.2 + TimeSpan.FromMilliseconds(1);
        var shared = new SharedCounters(options.MaxOperations);

        var timeline = new List<(TimeSpan, string, double)>();
        using var stopSampling = new CancellationTokenSource();
        var sampler = SampleAsync(shared, time, timeline, SliceOf(options), stopSampling.Token);

        var stats = new WorkerStats[workers];
        var tasks = Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
        {
            var mine = agents.Where((_, i) => i % workers == w).ToList();
            var worker = stats[w] = new WorkerStats(w, options, time, recallWait);
            await worker.RunAsync(mine, shared, measureFrom, measureUntil);
        })).ToList();
        await Task.WhenAll(tasks);
        var measured = Stopwatch.GetElapsedTime(measureFrom, Math.Max(shared.StoppedAt, measureFrom + 1));
        var dayEnded = time.GetUtcNow();
        await stopSampling.CancelAsync();
        await sampler;

        var rows = Kinds.Select(op =>
        {
            var h = new LatencyHistogram();
            long errors = 0;
            foreach (var s in stats)
            {
                h.Add(s.Latency[(int)op]);
                errors += s.Errors[(int)op];
            }

            return new OperationRow(Name(op), h.Count + errors, errors, h);
        }).ToList();
        var reasons = stats.SelectMany(s => s.Reasons).GroupBy(kv => kv.Key).ToDictionary(g => g.Key, g => g.Sum(kv => kv.Value));

        // Evening: one-way reports (window → hall, queue → hall) settle, then everything must add up.
        await Task.Delay(300);
        var checks = await CheckAsync(grains, halls, options.NullHall);
        return new HallDayResult
        {
            Halls = halls.Count,
            Windows = agents.Count,
            HallMix = string.Join(", ", halls.GroupBy(h => (h.Point.Type, h.Point.Level, h.Point.Windows.Count))
                .Select(g => $"{g.Count()} {Describe(g.Key.Type, g.Key.Level)} × {g.Key.Item3} windows")),
            Measured = measured,
            AllOperations = Interlocked.Read(ref shared.AllOperations),
            Operations = rows,
            Setup = new OperationRow("open (setup)", setup.Count, setupErrors, setup),
            ErrorReasons = reasons,
            Timeline = timeline,
            Checks = checks.Checks,
            TicketsIssued = checks.Issued,
            Queues = halls.Sum(h => h.Queues.Length),
            SimulatedDay = clock is null
                ? $"wall clock, {Format(dayEnded)} at the end"
                : $"{CompressedDayClock.DayStart:HH\\:mm} → {Format(dayEnded)} at {clock.Speed:0}× speed",
        };
    }

    internal static string Name(TicketOperation op) => op switch
    {
        TicketOperation.Take => "take (queue)",
        TicketOperation.CallNext => "call-next (window)",
        TicketOperation.CallNextNone => "call-next, none waiting",
        TicketOperation.Start => "start (window)",
        TicketOperation.Finish => "finish (window)",
        TicketOperation.Skip => "skip (window)",
        TicketOperation.Recall => "recall (window)",
        TicketOperation.NoShow => "no-show (window)",
        TicketOperation.Transfer => "transfer (window)",
        _ => op.ToString(),
    };

    private static string Describe(ServicePointType type, ServiceLevel level) => (type, level) switch
    {
        (ServicePointType.Hall, ServiceLevel.County) => "county halls",
        (ServicePointType.Hall, ServiceLevel.City) => "city centres",
        (ServicePointType.Hall, ServiceLevel.Province) => "province centre",
        (ServicePointType.SubHall, _) => "sub-halls",
        _ => type.ToString(),
    };

    private static long Ticks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);

    private static string Format(DateTimeOffset utc) => utc.ToOffset(TongBan.Grains.Common.ChinaTime.Offset).ToString("HH:mm:ss", CultureInfo.InvariantCulture);

    private static TimeSpan SliceOf(BenchOptions o)
    {
        var total = o.Warmup + o.Duration;
        return total <= TimeSpan.FromSeconds(10) ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(Math.Ceiling(total.TotalSeconds / 10));
    }

    private static async Task SampleAsync(SharedCounters shared, TimeProvider time, List<(TimeSpan, string, double)> timeline, TimeSpan slice, CancellationToken stop)
    {
        var start = Stopwatch.GetTimestamp();
        var last = 0L;
        var lastAt = start;
        using var timer = new PeriodicTimer(slice);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                var now = Stopwatch.GetTimestamp();
                var total = Interlocked.Read(ref shared.AllOperations);
                timeline.Add((Stopwatch.GetElapsedTime(start, now), Format(time.GetUtcNow()), (total - last) / Stopwatch.GetElapsedTime(lastAt, now).TotalSeconds));
                (last, lastAt) = (total, now);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static async Task ForEachAsync<T>(IEnumerable<T> items, int parallel, Func<T, Task> action) =>
        await Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = parallel }, async (item, _) => await action(item));

    private static async Task<(List<CheckResult> Checks, long Issued)> CheckAsync(IGrainFactory grains, List<HallModel> halls, bool nullHall)
    {
        var notAddingUp = new List<string>();
        var issuedVsTaken = new List<string>();
        var servedWindowsVsQueues = new List<string>();
        var servedQueuesVsClients = new List<string>();
        var heldMismatch = new List<string>();
        var transfersLost = new List<string>();
        var snapshotMismatch = new List<string>();
        long issued = 0, done = 0, duplicates = 0;

        foreach (var hall in halls)
        {
            var queues = await Task.WhenAll(hall.Queues.Select(q => q.GetView()));
            var windows = await Task.WhenAll(hall.Windows.Select(w => w.Grain.GetView()));
            foreach (var q in queues.Where(q => !q.Counts.AddsUp))
            {
                notAddingUp.Add($"{hall.Code}/{q.Category}: {q.Counts}");
            }

            var hallIssued = queues.Sum(q => q.Counts.Issued);
            var hallDone = queues.Sum(q => q.Counts.Done);
            issued += hallIssued;
            done += hallDone;
            duplicates += hall.Duplicates;
            Compare(issuedVsTaken, hall.Code, "issued", hallIssued, "taken", Interlocked.Read(ref hall.Taken));
            Compare(servedWindowsVsQueues, hall.Code, "windows served", windows.Sum(w => w.ServedToday), "queues done", hallDone);
            Compare(servedQueuesVsClients, hall.Code, "queues done", hallDone, "finishes acknowledged", Interlocked.Read(ref hall.Finished));
            Compare(heldMismatch, hall.Code, "windows holding", windows.Count(w => w.Current is not null), "called+serving", queues.Sum(q => q.Counts.Called + q.Counts.Serving));
            Compare(transfersLost, hall.Code, "transferred out", queues.Sum(q => q.Counts.Transferred), "received", queues.Sum(q => q.Counts.Received));
        }

        if (!nullHall)
        {
            // The hall's figures come from one-way reports: give them a moment, then they must match exactly.
            foreach (var hall in halls)
            {
                var expected = (await Task.WhenAll(hall.Queues.Select(q => q.GetView()))).Sum(q => q.Counts.Done);
                var deadline = Stopwatch.GetTimestamp() + Ticks(TimeSpan.FromSeconds(3));
                int seen;
                while ((seen = (await grains.GetGrain<IHallGrain>(hall.Code).GetSnapshot()).ServedToday) != expected && Stopwatch.GetTimestamp() < deadline)
                {
                    await Task.Delay(50);
                }

                Compare(snapshotMismatch, hall.Code, "snapshot served", seen, "queues done", expected);
            }
        }

        var checks = new List<CheckResult>
        {
            Check("every queue adds up: issued + received = sum of states", notAddingUp, $"{halls.Sum(h => h.Queues.Length)} queues"),
            Check("issued = tickets the citizens took", issuedVsTaken, $"{issued} tickets"),
            Check("served: windows = queues", servedWindowsVsQueues, $"{done} served"),
            Check("served: queues = finishes the windows were told", servedQueuesVsClients, $"{done} served"),
            Check("no ticket served twice", duplicates == 0 ? [] : [$"{duplicates} numbers finished twice"], "0 duplicates"),
            Check("held tickets: windows = queues (called + serving)", heldMismatch, "consistent"),
            Check("transfers: transferred out = received", transfersLost, "none lost"),
        };
        checks.Add(nullHall
            ? new CheckResult("hall snapshot served = queues", true, "skipped (--null-hall)")
            : Check("hall snapshot served = queues", snapshotMismatch, $"{halls.Count} halls"));
        return (checks, issued);
    }

    private static void Compare(List<string> failures, string hall, string leftName, long left, string rightName, long right)
    {
        if (left != right)
        {
            failures.Add($"{hall}: {leftName} {left} ≠ {rightName} {right}");
        }
    }

    private static CheckResult Check(string name, List<string> failures, string ok) =>
        failures.Count == 0
            ? new CheckResult(name, true, ok)
            : new CheckResult(name, false, $"{failures.Count} mismatches, e.g. {string.Join("; ", failures.Take(3))}");

    /// <summary>What the simulated citizens and clerks know about one hall.</summary>
    internal sealed class HallModel
    {
        public long Taken;
        public long Finished;
        public long Duplicates;

        private readonly ConcurrentDictionary<string, byte> finishedNumbers = new(StringComparer.Ordinal);

        public HallModel(ServicePoint point, IGrainFactory grains)
        {
            Point = point;
            Categories = [.. point.Categories.Select(c => c.Code)];
            Queues = [.. Categories.Select(c => grains.Line(point.Code, c))];
            Waiting = new int[Categories.Length];
            Windows = [.. point.Windows.Select(w => new WindowAgent(this, w, grains.GetGrain<IWindowGrain>(WindowKeys.Of(point.Code, w.WindowNo))))];
        }

        public ServicePoint Point { get; }

        public string Code => Point.Code;

        public string[] Categories { get; }

        public QueueLine[] Queues { get; }

        /// <summary>Tickets believed waiting per category (taken + skipped + transferred in − called); steers arrivals only.</summary>
        public int[] Waiting { get; }

        public WindowAgent[] Windows { get; }

        public int IndexOf(string category) => Array.IndexOf(Categories, category);

        public void Finish(string number)
        {
            Interlocked.Increment(ref Finished);
            if (!finishedNumbers.TryAdd(number, 0))
            {
                Interlocked.Increment(ref Duplicates);
            }
        }
    }

    internal enum AgentState
    {
        Idle,
        Called,
        Serving,
    }

    internal enum Fate
    {
        Serve,
        Skip,
        NoShow,
        Transfer,
    }

    /// <summary>One window's clerk: its state machine, advanced one grain command at a time by its worker.</summary>
    internal sealed class WindowAgent(HallModel hall, WindowProfile profile, IWindowGrain grain)
    {
        public HallModel Hall { get; } = hall;

        public WindowProfile Profile { get; } = profile;

        public IWindowGrain Grain { get; } = grain;

        public AgentState State { get; set; }

        public string? TicketNo { get; set; }

        public string? Category { get; set; }

        public Fate Fate { get; set; }

        public int Recalls { get; set; }

        /// <summary>Stopwatch timestamp before which the clerk waits (recall spacing, nothing to call).</summary>
        public long NotBefore { get; set; }
    }

    /// <summary>Shared by all workers: the stop signal and the running total for the timeline.</summary>
    private sealed class SharedCounters(long maxOperations)
    {
        public long AllOperations;
        public long Measured;
        public long StoppedAt;
        private int stopped;

        public bool Stopped => Volatile.Read(ref stopped) != 0;

        public void Count(bool measured)
        {
            Interlocked.Increment(ref AllOperations);
            if (measured && Interlocked.Increment(ref Measured) >= maxOperations && maxOperations > 0)
            {
                Stop();
            }
        }

        public void Stop()
        {
            if (Interlocked.Exchange(ref stopped, 1) == 0)
            {
                Interlocked.Exchange(ref StoppedAt, Stopwatch.GetTimestamp());
            }
        }
    }

    /// <summary>One worker: owns a slice of the windows and keeps exactly one command outstanding.</summary>
    private sealed class WorkerStats(int id, BenchOptions options, TimeProvider time, TimeSpan? recallWait)
    {
        private readonly Random random = new(options.Seed + id);
        private long sequence;
        private bool measuring;

        public LatencyHistogram[] Latency { get; } = [.. Kinds.Select(_ => new LatencyHistogram())];

        public long[] Errors { get; } = new long[Kinds.Length];

        public Dictionary<string, long> Reasons { get; } = [];

        public async Task RunAsync(List<WindowAgent> agents, SharedCounters shared, long measureFrom, long measureUntil)
        {
            var next = 0;
            while (!shared.Stopped)
            {
                await Task.Yield(); // from the pool's shared queue, like a request from a socket (see ClosedLoop)
                var now = Stopwatch.GetTimestamp();
                if (now >= measureUntil)
                {
                    shared.Stop();
                    break;
                }

                measuring = now >= measureFrom;
                WindowAgent? ready = null;
                for (var i = 0; i < agents.Count && ready is null; i++)
                {
                    var candidate = agents[(next + i) % agents.Count];
                    if (candidate.NotBefore <= now)
                    {
                        ready = candidate;
                        next = (next + i + 1) % agents.Count;
                    }
                }

                if (ready is null)
                {
                    await Task.Delay(1);
                    continue;
                }

                await StepAsync(ready, shared);
            }
        }

        private async Task StepAsync(WindowAgent a, SharedCounters shared)
        {
            switch (a.State)
            {
                case AgentState.Idle:
                    var primary = a.Hall.IndexOf(a.Profile.Categories[0]);
                    if (Volatile.Read(ref a.Hall.Waiting[primary]) < options.Backlog)
                    {
                        await TakeAsync(a.Hall, primary, shared);
                        return;
                    }

                    await CallNextAsync(a, shared);
                    return;
                case AgentState.Called when a.Fate == Fate.Skip:
                    if (await ActAsync(a, TicketOperation.Skip, WindowCommand.Skip, shared) is not null)
                    {
                        Interlocked.Increment(ref a.Hall.Waiting[a.Hall.IndexOf(a.Category!)]);
                        Release(a);
                    }

                    return;
                case AgentState.Called when a.Fate == Fate.NoShow && a.Recalls < QueueRules.Default.RecallsBeforeNoShow:
                    if (await ActAsync(a, TicketOperation.Recall, WindowCommand.Recall, shared) is not null)
                    {
                        a.Recalls++;
                        a.NotBefore = Stopwatch.GetTimestamp() + Ticks(recallWait!.Value);
                    }

                    return;
                case AgentState.Called when a.Fate == Fate.NoShow:
                    if (await ActAsync(a, TicketOperation.NoShow, WindowCommand.NoShow, shared) is not null)
                    {
                        Release(a);
                    }

                    return;
                case AgentState.Called:
                    if (await ActAsync(a, TicketOperation.Start, WindowCommand.Start, shared) is not null)
                    {
                        a.State = AgentState.Serving;
                    }

                    return;
                case AgentState.Serving when a.Fate == Fate.Transfer:
                    await TransferAsync(a, shared);
                    return;
                case AgentState.Serving:
                    if (await ActAsync(a, TicketOperation.Finish, WindowCommand.Finish, shared) is { } done)
                    {
                        a.Hall.Finish(done.Number);
                        Release(a);
                    }

                    return;
            }
        }

        private async Task TakeAsync(HallModel hall, int category, SharedCounters shared)
        {
            var request = NewRequest(hall.Categories[category]);
            var t0 = Stopwatch.GetTimestamp();
            try
            {
                var result = await hall.Queues[category].Take(request);
                if (result.IsOk)
                {
                    Interlocked.Increment(ref hall.Taken);
                    Interlocked.Increment(ref hall.Waiting[category]);
                    Record(TicketOperation.Take, t0, shared);
                }
                else
                {
                    Fail(TicketOperation.Take, result.Violation.Code.ToString(), shared);
                }
            }
            catch (Exception e)
            {
                Fail(TicketOperation.Take, e.GetType().Name, shared);
            }
        }

        private async Task CallNextAsync(WindowAgent a, SharedCounters shared)
        {
            var t0 = Stopwatch.GetTimestamp();
            try
            {
                var reply = await a.Grain.CallNext(Key("c"));
                if (!reply.IsOk)
                {
                    Fail(TicketOperation.CallNext, reply.Violation!.Code + (reply.Violation.Queue is { } q ? "/" + q.Code : ""), shared);
                    await ResyncAsync(a);
                    return;
                }

                if (reply.Ticket is not { } ticket)
                {
                    Record(TicketOperation.CallNextNone, t0, shared);
                    a.NotBefore = Stopwatch.GetTimestamp() + Ticks(TimeSpan.FromMilliseconds(2));
                    return;
                }

                Record(TicketOperation.CallNext, t0, shared);
                Interlocked.Decrement(ref a.Hall.Waiting[a.Hall.IndexOf(ticket.Category)]);
                a.State = AgentState.Called;
                a.TicketNo = ticket.Number;
                a.Category = ticket.Category;
                a.Recalls = 0;
                var roll = random.NextDouble();
                a.Fate = roll < options.SkipRate ? Fate.Skip
                    : roll < options.SkipRate + options.NoShowRate ? (recallWait is null ? Fate.Skip : Fate.NoShow)
                    : roll < options.SkipRate + options.NoShowRate + options.TransferRate && a.Hall.Categories.Length > 1 ? Fate.Transfer
                    : Fate.Serve;
                if (a.Fate == Fate.NoShow)
                {
                    a.NotBefore = Stopwatch.GetTimestamp() + Ticks(recallWait!.Value);
                }
            }
            catch (Exception e)
            {
                Fail(TicketOperation.CallNext, e.GetType().Name, shared);
                await ResyncAsync(a);
            }
        }

        private async Task<Ticket?> ActAsync(WindowAgent a, TicketOperation op, WindowCommand command, SharedCounters shared)
        {
            var t0 = Stopwatch.GetTimestamp();
            try
            {
                var reply = await a.Grain.Act(command, Key("a"));
                if (reply.IsOk && reply.Ticket is { } ticket)
                {
                    Record(op, t0, shared);
                    return ticket;
                }

                Fail(op, reply.Violation is { } v ? v.Code + (v.Queue is { } q ? "/" + q.Code : "") : "no ticket", shared);
            }
            catch (Exception e)
            {
                Fail(op, e.GetType().Name, shared);
            }

            await ResyncAsync(a);
            return null;
        }

        private async Task TransferAsync(WindowAgent a, SharedCounters shared)
        {
            var others = a.Hall.Categories.Where(c => c != a.Category).ToArray();
            var target = others[random.Next(others.Length)];
            var t0 = Stopwatch.GetTimestamp();
            try
            {
                var reply = await a.Grain.Transfer(target, null);
                if (reply.IsOk && reply.Ticket is not null)
                {
                    Record(TicketOperation.Transfer, t0, shared);
                    Interlocked.Increment(ref a.Hall.Waiting[a.Hall.IndexOf(target)]);
                    Release(a);
                    return;
                }

                Fail(TicketOperation.Transfer, reply.Violation is { } v ? v.Code.ToString() : "refused by the target queue", shared);
            }
            catch (Exception e)
            {
                Fail(TicketOperation.Transfer, e.GetType().Name, shared);
            }

            await ResyncAsync(a);
        }

        /// <summary>After a refusal or a failure the clerk looks at the window's screen (not counted) and carries on from there.</summary>
        private static async Task ResyncAsync(WindowAgent a)
        {
            try
            {
                var view = await a.Grain.GetView();
                Release(a);
                if (view.Current is { } held)
                {
                    a.State = held.State == TicketState.Serving ? AgentState.Serving : AgentState.Called;
                    a.TicketNo = held.TicketNo;
                    a.Category = held.Category;
                }
            }
            catch (Exception)
            {
                a.NotBefore = Stopwatch.GetTimestamp() + Ticks(TimeSpan.FromMilliseconds(50));
            }
        }

        private static void Release(WindowAgent a)
        {
            a.State = AgentState.Idle;
            a.TicketNo = null;
            a.Category = null;
            a.Fate = Fate.Serve;
            a.Recalls = 0;
        }

        private TicketRequest NewRequest(string category)
        {
            var kind = random.NextDouble() switch
            {
                < 0.45 => TicketKind.WalkIn,
                < 0.75 => TicketKind.Kiosk,
                < 0.90 => TicketKind.Remote,
                _ => TicketKind.Appointment,
            };
            var priority = random.NextDouble() switch
            {
                < 0.03 => PriorityClass.GreenChannel,
                < 0.53 when category == "D" => PriorityClass.Assisted,
                _ => PriorityClass.Normal,
            };
            DateTimeOffset? slot = null;
            if (kind == TicketKind.Appointment)
            {
                // Checked in between 20 minutes early and 10 minutes late: inside the slot window, so it ranks as 预约 priority.
                var now = time.GetUtcNow();
                slot = new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerMinute), TimeSpan.Zero).AddMinutes(random.Next(-10, 21));
            }

            return new TicketRequest(kind, priority, slot, Key("t"));
        }

        private string? Key(string prefix) =>
            options.IdempotencyKeys ? string.Create(CultureInfo.InvariantCulture, $"{prefix}{id}-{++sequence}") : null;

        private void Record(TicketOperation op, long t0, SharedCounters shared)
        {
            if (measuring)
            {
                Latency[(int)op].RecordSince(t0);
                StallWatch.NoteSince(Name(op), t0);
            }

            shared.Count(measuring);
        }

        private void Fail(TicketOperation op, string reason, SharedCounters shared)
        {
            if (measuring)
            {
                Errors[(int)op]++;
                var key = $"{Name(op)}: {reason}";
                Reasons[key] = Reasons.GetValueOrDefault(key) + 1;
            }

            shared.Count(measuring);
        }
    }
}
