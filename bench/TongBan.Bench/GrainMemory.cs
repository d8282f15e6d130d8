using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using TongBan.Grains.Halls;
using TongBan.Grains.Queues;
using TongBan.Grains.Windows;
using TongBan.LoadGen;

namespace TongBan.Bench;

/// <summary>
/// Memory per active grain (<c>--memory</c>): in the in-process silo (PostgreSQL mode, so no storage provider keeps a
/// copy of any state in memory), activates every hall grain, then every queue with a morning's tickets, then every
/// window with a few served tickets each, then a batch of submitted cases, and after each step forces two full
/// compacting collections and reads the live managed heap (GC.GetTotalMemory) and the working set. The per-grain
/// figure of a step is its heap growth over the grains it activated; it includes what that step adds elsewhere
/// (the hall aggregates queue and window reports, the queue keeps the tickets windows finished), which is part of
/// the cost of that grain kind being active.
/// </summary>
public static class GrainMemory
{
    public sealed record Step(string Kind, int Grains, long HeapBytes, long WorkingSetBytes, string Detail);

    public static async Task<IReadOnlyList<Step>> RunAsync(BenchHost host, BenchOptions options, TextWriter output)
    {
        var grains = host.Grains;
        var halls = HallDay.SelectHalls(host.Directory, options.Halls);
        var address = host.App.Urls.First(u => u.StartsWith("http://", StringComparison.Ordinal));
        using var http = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(60) };
        var tokens = new Tokens(host.SigningKey ?? throw new InvalidOperationException("--memory needs PostgreSQL mode (a signing key)."));
        var item = ServiceCatalogueItem();

        // Warm-up outside the measurement: JIT, the first activation of every type, one case through HTTP.
        var warm = halls[^1];
        await grains.GetGrain<IHallGrain>(warm.Code).GetSnapshot();
        await grains.Line(warm.Code, warm.Categories[0].Code).Take(new TicketRequest(TicketKind.WalkIn, PriorityClass.Normal, null, "warm"));
        await grains.GetGrain<IWindowGrain>(WindowKeys.Of(warm.Code, warm.Windows[0].WindowNo)).Open("warm");
        await SubmitCaseAsync(http, tokens, item, 0);

        var steps = new List<Step>();
        var (heap0, ws0) = Measure();
        output.WriteLine($"  baseline after warm-up: managed heap {heap0 / 1048576.0:F1} MiB, working set {ws0 / 1048576.0:F1} MiB");
        var previous = (heap0, ws0);

        async Task Record(string kind, int count, string detail)
        {
            var now = Measure();
            steps.Add(new Step(kind, count, now.Heap - previous.heap0, now.WorkingSet - previous.ws0, detail));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {kind,-7} {count,6:N0} grains: heap +{(now.Heap - previous.heap0) / 1048576.0:F1} MiB ({(now.Heap - previous.heap0) / (double)count / 1024:F1} KiB each), working set +{(now.WorkingSet - previous.ws0) / 1048576.0:F1} MiB; {detail}"));
            previous = (now.Heap, now.WorkingSet);
            await Task.CompletedTask;
        }

        var concurrency = Math.Max(1, options.Concurrency);
        await ForEachAsync(halls.Where(h => h != warm).ToList(), concurrency, h => grains.GetGrain<IHallGrain>(h.Code).GetSnapshot());
        await Record("hall", halls.Count - 1, "GetSnapshot");

        var queues = halls.Where(h => h != warm).SelectMany(h => h.Categories.Select(c => (Hall: h.Code, Category: c.Code))).ToList();
        var tickets = options.MemoryTickets;
        await ForEachAsync(queues, concurrency, async q =>
        {
            var queue = grains.Line(q.Hall, q.Category);
            for (var i = 0; i < tickets; i++)
            {
                await queue.Take(new TicketRequest(i % 2 == 0 ? TicketKind.WalkIn : TicketKind.Remote, PriorityClass.Normal, null, $"m-{q.Hall}-{q.Category}-{i}"));
            }
        });
        await Record("queue", queues.Count, $"{tickets} tickets taken in each (idempotency keys kept)");

        var windows = halls.Where(h => h != warm).SelectMany(h => h.Windows.Select(w => (Hall: h.Code, w.WindowNo))).ToList();
        var cycles = options.MemoryCycles;
        await ForEachAsync(windows, concurrency, async w =>
        {
            var window = grains.GetGrain<IWindowGrain>(WindowKeys.Of(w.Hall, w.WindowNo));
            await window.Open($"clerk-{w.Hall}-{w.WindowNo}");
            for (var i = 0; i < cycles; i++)
            {
                var called = await window.CallNext($"c-{w.Hall}-{w.WindowNo}-{i}");
                if (!called.IsOk || called.Ticket is null)
                {
                    break;
                }

                await window.Act(WindowCommand.Start, $"s-{w.Hall}-{w.WindowNo}-{i}");
                await window.Act(WindowCommand.Finish, $"f-{w.Hall}-{w.WindowNo}-{i}");
            }
        });
        await Record("window", windows.Count, $"opened, up to {cycles} call-next/start/finish cycles each (idempotency keys kept)");

        var cases = options.MemoryCases;
        var failed = 0;
        await ForEachAsync(Enumerable.Range(1, cases).ToList(), Math.Min(concurrency, 16), async n =>
        {
            if (!await SubmitCaseAsync(http, tokens, item, n))
            {
                Interlocked.Increment(ref failed);
            }
        });
        await Record("case", cases - failed, $"submitted online with {item.Materials.Count} materials ({failed} failed)");
        return steps;
    }

    private static (long Heap, long WorkingSet) Measure()
    {
        for (var i = 0; i < 2; i++)
        {
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }

        using var process = Process.GetCurrentProcess();
        return (GC.GetTotalMemory(forceFullCollection: true), process.WorkingSet64);
    }

    private static async Task<bool> SubmitCaseAsync(HttpClient http, Tokens tokens, (string Code, IReadOnlyList<object> Materials) item, int n)
    {
        var idNumber = ResidentIds.Make(n);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/cases")
        {
            Content = JsonContent.Create(new
            {
                itemCode = item.Code,
                applicant = new { name = "测试" + (n % 1000), idNumber, phone = "138" + n.ToString("00000000", CultureInfo.InvariantCulture) },
                channel = "online",
                materials = item.Materials,
            }),
        };
        request.Headers.Authorization = new("Bearer", tokens.Citizen(idNumber));
        using var response = await http.SendAsync(request);
        return response.IsSuccessStatusCode;
    }

    /// <summary>A county-level province-wide item of the seeded catalogue with its materials, as the load generator submits.</summary>
    private static (string Code, IReadOnlyList<object> Materials) ServiceCatalogueItem()
    {
        var item = TongBan.Grains.Catalogue.ServiceCatalogue.Seeded().Items
            .First(i => i.ProvinceWide && i.Level == TongBan.Grains.Catalogue.HandlingLevel.County);
        return (item.Code, [.. item.Materials.Select(m => (object)new { materialId = m.Id, copies = m.Copies, originalVerified = false })]);
    }

    private static async Task ForEachAsync<T>(IReadOnlyCollection<T> items, int workers, Func<T, Task> action) =>
        await Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = workers }, async (x, _) => await action(x));
}
