using TongBan.Grains.Queues;
using static TongBan.Grains.Tests.Queues.QueueTestKit;

namespace TongBan.Grains.Tests.Queues;

/// <summary>
/// Thousands of random operations (fixed seeds, so failures reproduce) on three queues sharing six windows,
/// across a midnight roll-over. After every step: counts add up, no number is issued twice in a day, no ticket
/// is held by two windows or live in two queues, nothing is lost in transfer, and the legality of each
/// operation matches an independent oracle.
/// </summary>
[Trait("Category", "Unit")]
public class QueuePropertyTests
{
    private const int Steps = 6000;

    private static readonly string[] Categories = ["A", "B", "C"];

    /// <summary>Window → categories in preference order (as the hall seed lays them out).</summary>
    private static readonly Dictionary<int, string[]> Windows = new()
    {
        [1] = ["A"],
        [2] = ["A"],
        [3] = ["B", "A"],
        [4] = ["B"],
        [5] = ["C", "A"],
        [6] = ["C"],
    };

    [Theory]
    [InlineData(20251127)]
    [InlineData(1)]
    [InlineData(4242)]
    public void Random_operations_keep_every_invariant(int seed) => new Run(seed).Execute();

    private sealed class Run(int seed)
    {
        private readonly Random rng = new(seed);
        private readonly Dictionary<string, CategoryQueueState> states = Categories.ToDictionary(c => c, _ => new CategoryQueueState());
        private readonly Dictionary<string, CategoryQueue> queues = [];
        private readonly HashSet<string> issuedToday = new(StringComparer.Ordinal);
        private readonly List<(string Category, TicketRequest Request, string Number)> keys = [];
        private DateTimeOffset now = At(8, 30);
        private int keySeq;
        private int succeeded;

        public void Execute()
        {
            var rules = QueueRules.Default with { MinRecallInterval = TimeSpan.FromSeconds(15) };
            foreach (var c in Categories)
            {
                queues[c] = new CategoryQueue(states[c], c, rules);
            }

            for (var step = 0; step < Steps; step++)
            {
                if (step == Steps / 2)
                {
                    NextDay();
                }

                now = now.AddSeconds(rng.Next(0, 20));
                Step();
                CheckInvariants(step);
            }

            Assert.True(succeeded > Steps / 3, $"only {succeeded} operations succeeded; the generator is not exercising the rules");
        }

        private void Step()
        {
            var op = rng.Next(100);
            switch (op)
            {
                case < 25: Take(); break;
                case < 45: CallNext(); break;
                case < 52: Recall(); break;
                case < 57: NoShow(); break;
                case < 60: Skip(); break;
                case < 69: Start(); break;
                case < 79: Finish(Held(TicketState.Serving)); break;
                case < 83: Cancel(); break;
                case < 87: Park(); break;
                case < 89: Unpark(); break;
                case < 93: Transfer(); break;
                case < 95: Redirect(); break;
                case < 97: ReturnToHead(); break;
                case < 98: ReleaseWindow(); break;
                default: Finish(AnyTicket()); break; // mostly illegal: must be refused cleanly
            }
        }

        private void Take()
        {
            var category = Pick(Categories);
            var queue = queues[category];
            var windows = rng.Next(10) == 0 ? 0 : WaitEstimator.ServingWindows(category, Windows.Values);
            if (keys.Count > 0 && rng.Next(5) == 0)
            {
                var (c, request, number) = keys[rng.Next(keys.Count)];
                var replay = queues[c].Take(request, windows, now);
                Assert.Equal(number, replay.Value.Ticket.Number);
                var conflicting = request with { Priority = request.Priority == PriorityClass.Normal ? PriorityClass.Assisted : PriorityClass.Normal };
                Assert.Equal(QueueViolationCode.IdempotencyKeyConflict, queues[c].Take(conflicting, windows, now).Refused().Code);
                Count(replay);
                return;
            }

            var appointment = rng.Next(4) == 0;
            var fresh = new TicketRequest(
                appointment ? TicketKind.Appointment : Pick([TicketKind.WalkIn, TicketKind.Kiosk, TicketKind.Remote]),
                Pick([PriorityClass.Normal, PriorityClass.Normal, PriorityClass.Normal, PriorityClass.Assisted, PriorityClass.GreenChannel]),
                appointment ? now.AddMinutes(rng.Next(-40, 90)) : null,
                rng.Next(2) == 0 ? $"key-{keySeq++}" : null);
            var result = queue.Take(fresh, windows, now);
            var issued = result.Value;
            Assert.True(issuedToday.Add(issued.Ticket.Number), $"{issued.Ticket.Number} was issued twice today");
            Assert.Equal(TicketNumber.Format(category, queue.Counts.Issued), issued.Ticket.Number);
            Assert.Equal(TicketState.Waiting, issued.Ticket.State);
            if (fresh.IdempotencyKey is not null)
            {
                keys.Add((category, fresh, issued.Ticket.Number));
            }

            Count(result);
        }

        private void CallNext()
        {
            var window = rng.Next(1, Windows.Count + 1);
            var holding = HeldBy(window);
            if (holding is { } held)
            {
                // The window grain lets a window hold one ticket; the queue must refuse a second one itself.
                Assert.Equal(QueueViolationCode.WindowBusy, queues[held.Category].CallNext(window, now).Refused().Code);
                return;
            }

            foreach (var category in Windows[window])
            {
                var callable = states[category].Tickets
                    .Where(t => t.State == TicketState.Waiting && (t.TargetWindow is null || t.TargetWindow == window))
                    .Select(t => t.Number)
                    .ToHashSet(StringComparer.Ordinal);
                var result = queues[category].CallNext(window, now);
                var ticket = result.Value;
                if (ticket is null)
                {
                    Assert.Empty(callable);
                    continue;
                }

                Assert.Contains(ticket.Number, callable); // never a parked, held, final or other window's ticket
                Assert.Equal((TicketState.Called, window), (ticket.State, ticket.WindowNo!.Value));
                succeeded++;
                return;
            }
        }

        private void Recall()
        {
            if (Held(TicketState.Called) is { } h)
            {
                var result = queues[h.Category].Recall(h.Number, h.Window, now);
                Assert.True(result.IsOk || result.Violation.Code == QueueViolationCode.RecallTooSoon, result.ToString());
                Count(result);
            }
        }

        private void NoShow()
        {
            if (Held(TicketState.Called) is { } h)
            {
                var result = queues[h.Category].MarkNoShow(h.Number, h.Window, now);
                Assert.True(result.IsOk || result.Violation.Code == QueueViolationCode.NoShowTooEarly, result.ToString());
                Count(result);
            }
        }

        private void Skip()
        {
            if (Held(TicketState.Called) is { } h)
            {
                Count(queues[h.Category].Skip(h.Number, h.Window, now).Value);
            }
        }

        private void Start()
        {
            if (Held(TicketState.Called) is { } h)
            {
                // Sometimes from the wrong window, which must be refused.
                var window = rng.Next(4) == 0 ? rng.Next(1, Windows.Count + 1) : h.Window;
                var result = queues[h.Category].Start(h.Number, window, now);
                Assert.Equal(window == h.Window, result.IsOk);
                Count(result);
            }
        }

        private void Finish((string Category, string Number, int Window)? target)
        {
            if (target is not { } h)
            {
                return;
            }

            var window = rng.Next(5) == 0 ? rng.Next(1, Windows.Count + 1) : h.Window;
            var before = queues[h.Category].Find(h.Number)!;
            var result = queues[h.Category].Finish(h.Number, window, now);
            Assert.Equal(before.State == TicketState.Serving && before.WindowNo == window, result.IsOk);
            Count(result);
        }

        private void Cancel()
        {
            if (AnyTicket() is { } h)
            {
                var before = queues[h.Category].Find(h.Number)!.State;
                var result = queues[h.Category].Cancel(h.Number, now);
                Assert.Equal(before is TicketState.Waiting or TicketState.Parked or TicketState.Called, result.IsOk);
                Count(result);
            }
        }

        private void Park()
        {
            if (AnyTicket() is { } h)
            {
                var before = queues[h.Category].Find(h.Number)!;
                int? window = before.WindowNo is { } w && rng.Next(4) != 0 ? w : null;
                var result = queues[h.Category].Park(h.Number, window, "缺少材料", now);
                var legal = before.State == TicketState.Waiting
                    || (before.State is TicketState.Called or TicketState.Serving && before.WindowNo == window);
                Assert.Equal(legal, result.IsOk);
                Count(result);
            }
        }

        private void Unpark()
        {
            if (AnyTicket(TicketState.Parked) is { } h)
            {
                Count(queues[h.Category].Unpark(h.Number, now).Value);
            }
        }

        private void Transfer()
        {
            if (AnyTicket() is not { } h)
            {
                return;
            }

            var before = queues[h.Category].Find(h.Number)!;
            var to = Pick(Categories.Where(c => c != h.Category).ToArray());
            int? toWindow = rng.Next(3) == 0 ? Pick(Windows.Where(w => w.Value.Contains(to)).Select(w => w.Key).ToArray()) : null;
            var entry = states[h.Category].FindByNumber(h.Number)!;
            var replay = before.State == TicketState.Transferred && before.TransferredTo == to && entry.TransferredToWindow == toWindow;
            var live = !entry.IsFinal;
            var result = queues[h.Category].TransferOut(h.Number, before.WindowNo, to, toWindow, now);
            Assert.Equal(live || replay, result.IsOk);
            if (!result.IsOk)
            {
                return;
            }

            // A replayed transfer hands off the same ticket again; the receiver recognises it and adds nothing.
            var receivedBefore = queues[to].Counts.Received;
            var accepted = queues[to].Accept(result.Value, 1, now).Value;
            Assert.Equal(replay ? receivedBefore : receivedBefore + 1, queues[to].Counts.Received);
            if (rng.Next(4) == 0)
            {
                Assert.Equal(accepted.Ticket, queues[to].Accept(result.Value, 1, now).Value.Ticket);
            }

            Assert.Equal((h.Number, before.IssuedAt), (accepted.Ticket.Number, accepted.Ticket.IssuedAt));
            if (!replay)
            {
                Assert.Equal((TicketState.Waiting, toWindow), (accepted.Ticket.State, accepted.Ticket.TargetWindow));
            }

            succeeded++;
        }

        private void Redirect()
        {
            if (AnyTicket() is { } h)
            {
                var before = queues[h.Category].Find(h.Number)!;
                var window = Pick(Windows.Where(w => w.Value.Contains(h.Category)).Select(w => w.Key).ToArray());
                Count(queues[h.Category].RedirectToWindow(h.Number, before.WindowNo, window, now));
            }
        }

        private void ReturnToHead()
        {
            if (Held(TicketState.Called) is { } h)
            {
                Count(queues[h.Category].ReturnToHead(h.Number, h.Window, now).Value);
            }
        }

        private void ReleaseWindow()
        {
            var window = rng.Next(1, Windows.Count + 1);
            foreach (var category in Categories)
            {
                foreach (var t in queues[category].ReleaseWindow(window, now))
                {
                    Assert.True(t.State is TicketState.Waiting or TicketState.Parked);
                    Assert.NotEqual(window, t.TargetWindow);
                }
            }
        }

        private void NextDay()
        {
            now = At(8, 30).AddDays(1);
            foreach (var category in Categories)
            {
                var before = queues[category].Counts;
                var summary = queues[category].RollOver(now)!;
                Assert.True(summary.AddsUp, $"{summary}");
                Assert.Equal((before.Issued, before.Received, before.Done), (summary.Issued, summary.Received, summary.Served));
                Assert.Empty(states[category].Tickets);
            }

            issuedToday.Clear();
            keys.Clear();
        }

        private void CheckInvariants(int step)
        {
            var holders = new Dictionary<int, string>();
            var live = new Dictionary<string, string>(StringComparer.Ordinal);
            int received = 0, transferred = 0;
            foreach (var category in Categories)
            {
                var counts = queues[category].Counts;
                Assert.True(counts.AddsUp, $"step {step}, queue {category}: {counts}");
                received += counts.Received;
                transferred += counts.Transferred;

                var tickets = states[category].Tickets;
                for (var i = 0; i < tickets.Count; i++)
                {
                    var t = tickets[i];
                    Assert.Equal(i, t.Seq);
                    if (t.State is TicketState.Called or TicketState.Serving)
                    {
                        Assert.NotNull(t.WindowNo);
                        Assert.True(holders.TryAdd(t.WindowNo!.Value, t.Number), $"step {step}: window {t.WindowNo} holds {holders.GetValueOrDefault(t.WindowNo.Value)} and {t.Number}");
                    }

                    if (!t.IsFinal)
                    {
                        Assert.True(live.TryAdd(t.Number, category), $"step {step}: {t.Number} is live in {live.GetValueOrDefault(t.Number)} and {category}");
                        Assert.Same(t, states[category].FindByNumber(t.Number));
                    }
                }
            }

            Assert.Equal(transferred, received); // every transfer out arrived somewhere, exactly once
        }

        private (string Category, string Number, int Window)? HeldBy(int window)
        {
            foreach (var category in Categories)
            {
                foreach (var t in states[category].Tickets)
                {
                    if (t.IsHeld && t.WindowNo == window)
                    {
                        return (category, t.Number, window);
                    }
                }
            }

            return null;
        }

        private (string Category, string Number, int Window)? Held(TicketState state)
        {
            var held = Categories
                .SelectMany(c => states[c].Tickets.Where(t => t.State == state).Select(t => (c, t.Number, t.WindowNo!.Value)))
                .ToList();
            return held.Count == 0 ? null : held[rng.Next(held.Count)];
        }

        private (string Category, string Number, int Window)? AnyTicket(TicketState? state = null)
        {
            var category = Pick(Categories);
            var candidates = states[category].Tickets
                .Where(t => state is null || t.State == state)
                .Where(t => ReferenceEquals(states[category].FindByNumber(t.Number), t))
                .ToList();
            if (candidates.Count == 0)
            {
                return null;
            }

            var pick = candidates[rng.Next(candidates.Count)];
            return (category, pick.Number, pick.WindowNo ?? 0);
        }

        private void Count<T>(QueueResult<T> result)
        {
            if (result.IsOk)
            {
                succeeded++;
            }
        }

        private void Count(Ticket ticket)
        {
            Assert.NotNull(ticket);
            succeeded++;
        }

        private T Pick<T>(IReadOnlyList<T> items) => items[rng.Next(items.Count)];
    }
}
