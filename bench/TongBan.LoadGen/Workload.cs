using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Threading.Channels;

namespace TongBan.LoadGen;

/// <summary>A hall of the working set: its windows (number, categories) and the categories they serve.</summary>
public sealed record HallPlan(string Code, IReadOnlyList<(int WindowNo, IReadOnlyList<string> Categories)> Windows, IReadOnlyList<string> Categories);

/// <summary>A case item and the materials an online application declares.</summary>
public sealed record ItemPlan(string Code, IReadOnlyList<object> Materials);

/// <summary>
/// The province peak-hour mix against a cluster: nearest searches, ticket taking, window cycles, case submissions,
/// ratings of served tickets, and SignalR hall watchers measuring push latency. Open loop: each kind is offered at
/// its rate whether or not earlier requests have answered (up to <see cref="LoadOptions.MaxInFlight"/>).
/// </summary>
public sealed class Workload(LoadOptions options, TextWriter log) : IDisposable
{
    private static readonly (double Lat, double Lon)[] Cities =
    [
        (26.647, 106.630), (27.725, 106.927), (26.253, 105.932), (27.302, 105.285), (26.584, 104.830),
        (27.718, 109.190), (26.583, 107.977), (26.254, 107.517), (25.088, 104.906),
    ];

    private readonly Channel<TicketEntry> served = Channel.CreateUnbounded<TicketEntry>();
    private readonly Dictionary<(string, string), TicketEntry> byNumber = [];
    private ClusterHttp? http;
    private Tokens? tokens;
    private IReadOnlyList<HallPlan> halls = [];
    private IReadOnlyList<ItemPlan> items = [];
    private int caseCounter;
    private readonly int remoteBase = Random.Shared.Next(0, 1_000_000);
    private int remoteCounter;
    private int checkInCounter;
    private int checkInsSkipped;
    private Subscribers? subscribers;

    // Booking applicants differ per generator run: a cluster keeps its bookings across runs of the same day, and an
    // applicant may hold one booking per item per day, so a fixed sequence would be refused (409) from the second run on.
    private readonly int bookingApplicantOffset = Random.Shared.Next(0, 200_000);
    private string? agentToken;
    private readonly ConcurrentDictionary<string, string> phones = new(StringComparer.Ordinal);

    public Stopwatch Clock { get; } = new();

    public Metrics Metrics { get; } = new();

    public Ledger Ledger { get; } = new();

    public ClusterHttp Http => http ?? throw new InvalidOperationException("Prepare first.");

    public Tokens Tokens => tokens ?? throw new InvalidOperationException("Prepare first.");

    public int Reconnects => subscribers?.Reconnects ?? 0;

    /// <summary>Check-in offers that found no slot with its check-in window open (outside opening hours by the books' clock).</summary>
    public int CheckInsSkipped => Volatile.Read(ref checkInsSkipped);

    /// <summary>The SignalR subscribers (hall dashboards and map viewers); they keep running between runs until disposed.</summary>
    public Subscribers Subscribers => subscribers ?? throw new InvalidOperationException("Prepare first.");

    /// <summary>The working set's hall codes.</summary>
    public IReadOnlyList<string> HallCodes => [.. halls.Select(h => h.Code)];

    /// <summary>Reads the working set (halls with their windows, case items) from the cluster.</summary>
    public async Task PrepareAsync()
    {
        Clock.Start();
        tokens = new Tokens(options.SigningKey);
        http = new ClusterHttp(options.Targets, options.Attempts, options.AttemptTimeout, Clock);
        var list = await Http.SendAsync("prepare", HttpMethod.Get, "/api/halls?type=hall");
        var codes = list.Body?.EnumerateArray().Select(h => h.GetProperty("code").GetString()!).Order(StringComparer.Ordinal).ToList()
            ?? throw new InvalidOperationException($"GET /api/halls: {(int)list.Status}");
        var plans = new List<HallPlan>();
        foreach (var code in codes)
        {
            var profile = (await Http.SendAsync("prepare", HttpMethod.Get, $"/api/halls/{code}")).Body;
            var windows = profile?.GetProperty("windows").EnumerateArray()
                .Select(w => (w.GetProperty("windowNo").GetInt32(), (IReadOnlyList<string>)[.. w.GetProperty("categories").EnumerateArray().Select(c => c.GetString()!)]))
                .Where(w => w.Item2.Count > 0).Take(options.WindowsPerHall).ToList() ?? [];
            if (windows.Count == options.WindowsPerHall)
            {
                plans.Add(new HallPlan(code, windows, [.. windows.SelectMany(w => w.Item2).Distinct(StringComparer.Ordinal)]));
            }

            if (plans.Count == options.Halls)
            {
                break;
            }
        }

        halls = plans;
        var catalogue = await Http.SendAsync("prepare", HttpMethod.Get, "/api/items?provinceWide=true");
        items = [.. (catalogue.Body?.EnumerateArray() ?? default)
            .Where(i => string.Equals(i.GetProperty("level").GetString(), "county", StringComparison.OrdinalIgnoreCase))
            .Take(20)
            .Select(i => new ItemPlan(i.GetProperty("code").GetString()!, [.. i.GetProperty("materials").EnumerateArray().Select(m => (object)new
            {
                materialId = m.GetProperty("id").GetString(),
                copies = m.GetProperty("copies").GetInt32(),
                originalVerified = false,
            })]))];
        log.WriteLine($"working set: {halls.Count} halls × {options.WindowsPerHall} windows ({string.Join(' ', halls.Select(h => h.Code))}), {items.Count} case items, {options.Targets.Count} silos");
        if (halls.Count == 0 || items.Count == 0)
        {
            throw new InvalidOperationException("no halls with windows or no county-level province-wide items in the catalogue");
        }

        subscribers = new Subscribers(options.Targets, HallCodes, Metrics, options.Subscribers, options.MapViewers, options.ConnectConcurrency, Clock);
    }

    /// <summary>Runs every kind of operation for <paramref name="duration"/>, then waits for in-flight ones.</summary>
    public async Task RunAsync(TimeSpan duration, CancellationToken cancellation = default)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var start = Clock.Elapsed;
        stop.CancelAfter(duration);
        Subscribers.Start();
        var random = new Random(options.Seed + (int)start.TotalMilliseconds);
        var tasks = new List<Task>
        {
            OpenLoop("nearest", options.NearestRate, () => NearestAsync(random.Next()), stop.Token),
            OpenLoop("take", options.TakeRate, () => TakeAsync(random.Next()), stop.Token),
            OpenLoop("case", options.CaseRate, CaseAsync, stop.Token),
            RatingsAsync(stop.Token),
            OpenLoop("hotline", options.HotlineRate, () => HotlineAsync(random.Next()), stop.Token),
            OpenLoop("check-in", options.CheckInRate, () => CheckInAsync(random.Next()), stop.Token),
        };
        var windowCount = halls.Sum(h => h.Windows.Count);
        tasks.AddRange(halls.SelectMany(h => h.Windows.Select(w => WindowAsync(h, w.WindowNo, options.WindowRate / windowCount, stop.Token))));
        // The generator's own health: a starved thread pool here would show up as server latency.
        var pool = Task.Run(async () =>
        {
            long pending = 0;
            var threads = 0;
            while (!stop.IsCancellationRequested)
            {
                pending = Math.Max(pending, ThreadPool.PendingWorkItemCount);
                threads = Math.Max(threads, ThreadPool.ThreadCount);
                await Task.Delay(250, CancellationToken.None);
            }

            return (pending, threads);
        }, CancellationToken.None);
        await Task.WhenAll(tasks);
        var operationsDone = Clock.Elapsed - start;
        var (maxPending, maxThreads) = await pool;
        log.WriteLine($"ran {operationsDone.TotalSeconds:F1} s; {Subscribers.Connected}/{Subscribers.Total} subscribers connected; generator thread pool: up to {maxThreads} threads, {maxPending} queued work items");
    }

    private async Task OpenLoop(string name, double rate, Func<Task> operation, CancellationToken stop)
    {
        if (rate <= 0)
        {
            return;
        }

        var stats = Metrics[name];
        var inFlight = new List<Task>();
        var active = 0;
        var interval = TimeSpan.FromSeconds(1 / rate);
        var due = Clock.Elapsed;
        while (!stop.IsCancellationRequested)
        {
            due += interval;
            var wait = due - Clock.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(wait, stop);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }

            stats.Offer();
            if (Volatile.Read(ref active) >= options.MaxInFlight)
            {
                stats.Drop();
                continue;
            }

            Interlocked.Increment(ref active);
            inFlight.Add(Task.Run(async () =>
            {
                try
                {
                    await operation();
                }
                finally
                {
                    Interlocked.Decrement(ref active);
                }
            }, CancellationToken.None));
            inFlight.RemoveAll(t => t.IsCompleted);
        }

        await Task.WhenAll(inFlight);
    }

    private async Task<Reply> Timed(string name, Func<Task<Reply>> call, bool offered = false)
    {
        var stats = Metrics[name];
        if (offered)
        {
            stats.Offer();
        }

        var started = Clock.Elapsed;
        var reply = await call();
        if (reply.Ok)
        {
            stats.Succeed(Clock.Elapsed - started);
        }
        else
        {
            stats.Fail();
            if (stats.Errors <= 3)
            {
                lock (log)
                {
                    log.WriteLine($"{name} failed at t={Clock.Elapsed.TotalSeconds:F1} s: {(int)reply.Status} after {reply.Attempts} attempts {reply.Body?.ToString()}");
                }
            }
        }

        return reply;
    }

    private async Task NearestAsync(int seed)
    {
        var r = new Random(seed);
        var (lat, lon) = Cities[r.Next(Cities.Length)];
        lat += (r.NextDouble() - 0.5) * 0.2;
        lon += (r.NextDouble() - 0.5) * 0.2;
        await Timed("nearest", () => Http.SendAsync("nearest", HttpMethod.Get,
            string.Create(CultureInfo.InvariantCulture, $"/api/map/nearest?lat={lat:F5}&lon={lon:F5}&k=5")));
    }

    private async Task TakeAsync(int seed)
    {
        var r = new Random(seed);
        var hall = halls[r.Next(halls.Count)];
        var category = hall.Categories[r.Next(hall.Categories.Count)];
        var key = "lg-" + Guid.NewGuid().ToString("N");
        // A remote ticket is taken by a signed-in citizen, one open ticket per person and category: a new person each time
        // (numbered from a per-run base, as a cluster keeps the day's tickets across runs).
        var remote = r.Next(2) == 0;
        var token = remote ? Tokens.Citizen(ResidentIds.Make(remoteBase + Interlocked.Increment(ref remoteCounter))) : null;
        var reply = await Timed("take", () => Http.SendAsync("take", HttpMethod.Post, $"/api/halls/{hall.Code}/tickets", token,
            new { category, kind = remote ? "remote" : "walkIn" }, key));
        if (reply is { Ok: true, Body: { } b })
        {
            var issued = b.GetProperty("issuedAt").GetDateTimeOffset().ToOffset(TimeSpan.FromHours(8));
            var entry = new TicketEntry(hall.Code, category, DateOnly.FromDateTime(issued.DateTime), b.GetProperty("ticketNo").GetString()!, key,
                b.TryGetProperty("ratingToken", out var t) ? t.GetString() : null);
            Ledger.Tickets.Enqueue(entry);
            lock (byNumber)
            {
                byNumber[(entry.HallCode, entry.TicketNo)] = entry;
            }
        }
    }

    private async Task CaseAsync()
    {
        var n = Interlocked.Increment(ref caseCounter);
        var idNumber = ResidentIds.Make(n + (options.Seed % 100_000));
        var item = items[n % items.Count];
        var phone = "138" + (n % 100_000_000).ToString("00000000", CultureInfo.InvariantCulture);
        var key = "lg-" + Guid.NewGuid().ToString("N");
        var reply = await Timed("case", () => Http.SendAsync("case", HttpMethod.Post, "/api/cases", Tokens.Citizen(idNumber), new
        {
            itemCode = item.Code,
            applicant = new { name = "测试" + (n % 1000), idNumber, phone },
            channel = "online",
            materials = item.Materials,
        }, key));
        if (reply is { Ok: true, Body: { } b })
        {
            var caseNo = b.GetProperty("caseNo").GetString()!;
            phones[caseNo] = phone;
            Ledger.Cases.Enqueue((caseNo, idNumber, key));
        }
    }

    /// <summary>
    /// One clerk at one window: opens it, then call-next → start → finish at its share of the window rate. After a
    /// failure or a conflict (a retried command that had already been applied) it reads the window and carries on
    /// from the state the server has.
    /// </summary>
    private async Task WindowAsync(HallPlan hall, int windowNo, double rate, CancellationToken stop)
    {
        var token = Tokens.Clerk(hall.Code, windowNo);
        var path = $"/api/halls/{hall.Code}/windows/{windowNo}";
        await Timed("open", () => Http.SendAsync("open", HttpMethod.Post, path + "/open", token), offered: true);
        var interval = TimeSpan.FromSeconds(rate > 0 ? 1 / rate : 1);
        var due = Clock.Elapsed + TimeSpan.FromSeconds(Random.Shared.NextDouble() * interval.TotalSeconds);
        string? current = null;
        string? state = null;
        var resync = true; // the window may still hold a ticket from an earlier run: start from what the server has
        while (!stop.IsCancellationRequested)
        {
            if (resync)
            {
                try
                {
                    await Task.Delay(interval, stop);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                var view = await Http.SendAsync("window-view", HttpMethod.Get, path + "/", token);
                if (view is { Ok: true, Body: { } v })
                {
                    current = v.GetProperty("currentTicket").GetString();
                    state = v.GetProperty("currentState").GetString();
                    if (v.GetProperty("state").GetString() is "closed")
                    {
                        await Http.SendAsync("open", HttpMethod.Post, path + "/open", token);
                    }

                    resync = false;
                }
            }

            if (current is null || state is not ("called" or "serving"))
            {
                var wait = due - Clock.Elapsed;
                due += interval;
                if (wait > TimeSpan.Zero)
                {
                    try
                    {
                        await Task.Delay(wait, stop);
                    }
                    catch (OperationCanceledException)
                    {
                        break;
                    }
                }

                var called = await Timed("call-next", () => Http.SendAsync("call-next", HttpMethod.Post, path + "/call-next", token, idempotencyKey: Key()), offered: true);
                if (called.Status == HttpStatusCode.NoContent)
                {
                    continue;
                }

                if (called is not { Ok: true, Body: { } c })
                {
                    resync = true;
                    continue;
                }

                (current, state) = (c.GetProperty("ticketNo").GetString(), "called");
            }

            if (state == "called")
            {
                var started = await Timed("start", () => Http.SendAsync("start", HttpMethod.Post, path + "/start", token, idempotencyKey: Key()), offered: true);
                if (!started.Ok)
                {
                    resync = true;
                    continue;
                }

                state = "serving";
            }

            var finished = await Timed("finish", () => Http.SendAsync("finish", HttpMethod.Post, path + "/finish", token, idempotencyKey: Key()), offered: true);
            if (!finished.Ok)
            {
                resync = true;
                continue;
            }

            Ledger.Finished.Enqueue((hall.Code, current!));
            TicketEntry? entry;
            lock (byNumber)
            {
                byNumber.TryGetValue((hall.Code, current!), out entry);
            }

            if (entry?.RatingToken is not null)
            {
                served.Writer.TryWrite(entry);
            }

            (current, state) = (null, null);
        }
    }

    private async Task RatingsAsync(CancellationToken stop)
    {
        if (options.RatingRate <= 0)
        {
            return;
        }

        var interval = TimeSpan.FromSeconds(1 / options.RatingRate);
        var inFlight = new List<Task>();
        var level = 0;
        try
        {
            while (await served.Reader.WaitToReadAsync(stop))
            {
                while (served.Reader.TryRead(out var t))
                {
                    var l = 1 + (Interlocked.Increment(ref level) % 5);
                    inFlight.Add(Task.Run(async () =>
                    {
                        var reply = await Timed("rating", () => Http.SendAsync("rating", HttpMethod.Post, "/api/ratings", null,
                            new { hallCode = t.HallCode, ticketNo = t.TicketNo, level = l, channel = "mobile", ratingToken = t.RatingToken }), offered: true);
                        if (reply is { Ok: true, Body: { } b })
                        {
                            Ledger.Ratings.Enqueue((b.GetProperty("ratingId").GetString()!, t.HallCode, t.TicketNo));
                        }
                    }, CancellationToken.None));
                    await Task.Delay(interval, stop);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The run is over.
        }

        await Task.WhenAll(inFlight);
    }

    /// <summary>
    /// A 12345 agent looks up a case submitted earlier in the run, verifying the caller with the last four digits of
    /// the phone the case was submitted with (every case number in the ledger has them).
    /// </summary>
    private async Task HotlineAsync(int seed)
    {
        var cases = Ledger.Cases.ToArray();
        if (cases.Length == 0)
        {
            return;
        }

        var (caseNo, _, _) = cases[new Random(seed).Next(cases.Length)];
        if (!phones.TryGetValue(caseNo, out var phone))
        {
            return;
        }

        await Timed("hotline", () => Http.SendAsync("hotline", HttpMethod.Get, $"/api/hotline/cases/{caseNo}?verify={phone[^4..]}", agentToken ??= Tokens.Mint("hotlineAgent", "lg-agent")));
    }

    /// <summary>
    /// An appointment check-in: a citizen books the next slot of today whose check-in window is open (by the
    /// appointment books' clock, read from the slot list) and checks in at once, which takes an appointment ticket
    /// from the queue. Outside opening hours no slot qualifies and the offer is counted as skipped.
    /// </summary>
    private async Task CheckInAsync(int seed)
    {
        var r = new Random(seed);
        var hall = halls[r.Next(halls.Count)];
        var category = hall.Categories[r.Next(hall.Categories.Count)];
        var today = DateOnly.FromDateTime(DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(8)).Add(options.AppointmentClockOffset).DateTime);
        var slots = await Http.SendAsync("check-in", HttpMethod.Get, $"/api/halls/{hall.Code}/appointments/slots?date={today:yyyy-MM-dd}&category={category}");
        var now = DateTimeOffset.UtcNow.Add(options.AppointmentClockOffset);
        var slot = slots.Body?.ValueKind == JsonValueKind.Array
            ? slots.Body.Value.EnumerateArray().FirstOrDefault(s => s.GetProperty("bookable").GetBoolean()
                && s.GetProperty("booked").GetInt32() < s.GetProperty("capacity").GetInt32()
                && s.GetProperty("start").GetDateTimeOffset() - now < TimeSpan.FromMinutes(29))
            : default;
        if (slot.ValueKind != JsonValueKind.Object)
        {
            Interlocked.Increment(ref checkInsSkipped);
            return;
        }

        var n = Interlocked.Increment(ref checkInCounter);
        var idNumber = ResidentIds.Make(500_000 + n + bookingApplicantOffset);
        var token = Tokens.Citizen(idNumber);
        var key = "lg-" + Guid.NewGuid().ToString("N");
        var start = slot.GetProperty("start").GetDateTimeOffset().ToOffset(TimeSpan.FromHours(8));
        var booked = await Timed("book", () => Http.SendAsync("book", HttpMethod.Post, $"/api/halls/{hall.Code}/appointments", token, new
        {
            date = today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            start = start.ToString("HH:mm", CultureInfo.InvariantCulture),
            category,
            itemCode = items[n % items.Count].Code,
            applicant = new { name = "预约" + (n % 1000), idNumber, phone = "139" + (n % 100_000_000).ToString("00000000", CultureInfo.InvariantCulture) },
        }, key), offered: true);
        if (booked is not { Ok: true, Body: { } b })
        {
            return;
        }

        var id = b.GetProperty("appointmentId").GetString()!;
        Ledger.Bookings.Enqueue((hall.Code, id, idNumber));
        var checkedIn = await Timed("check-in", () => Http.SendAsync("check-in", HttpMethod.Post, $"/api/halls/{hall.Code}/appointments/{id}/check-in", token, new { }));
        if (checkedIn is { Ok: true, Body: { } c })
        {
            var ticketNo = c.GetProperty("ticketNo").GetString()!;
            Ledger.CheckIns.Enqueue((hall.Code, id, idNumber, ticketNo));
            Ledger.Tickets.Enqueue(new TicketEntry(hall.Code, category, DateOnly.FromDateTime(DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(8)).DateTime), ticketNo, "appointment:" + id, null));
        }
    }

    /// <summary>A clerk app's key per command: a retry after a lost answer gets the first answer, not a 409.</summary>
    private static string Key() => "lg-" + Guid.NewGuid().ToString("N");

    public void Dispose()
    {
        subscribers?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        http?.Dispose();
    }
}
