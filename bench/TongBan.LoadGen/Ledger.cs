using System.Collections.Concurrent;

namespace TongBan.LoadGen;

/// <summary>A ticket the API acknowledged (200 with a number), under the idempotency key it was taken with.</summary>
public sealed record TicketEntry(string HallCode, string Category, DateOnly Day, string TicketNo, string Key, string? RatingToken);

/// <summary>Every operation the cluster acknowledged; checked against the API after the run.</summary>
public sealed class Ledger
{
    public ConcurrentQueue<TicketEntry> Tickets { get; } = new();

    /// <summary>Tickets a window finished (hall, ticket number): they must read <c>done</c>.</summary>
    public ConcurrentQueue<(string HallCode, string TicketNo)> Finished { get; } = new();

    /// <summary>Case numbers with the citizen (resident ID) who submitted each.</summary>
    public ConcurrentQueue<(string CaseNo, string IdNumber, string Key)> Cases { get; } = new();

    public ConcurrentQueue<(string RatingId, string HallCode, string TicketNo)> Ratings { get; } = new();

    /// <summary>Appointments booked (hall, appointment id, the applicant's resident ID).</summary>
    public ConcurrentQueue<(string HallCode, string AppointmentId, string IdNumber)> Bookings { get; } = new();

    /// <summary>Appointments checked in, with the ticket the check-in answered.</summary>
    public ConcurrentQueue<(string HallCode, string AppointmentId, string IdNumber, string TicketNo)> CheckIns { get; } = new();

    /// <summary>Ticket numbers issued twice in one hall-day: distinct idempotency keys that got the same number.</summary>
    public IReadOnlyList<string> DuplicateTicketNumbers() =>
        [.. Tickets.GroupBy(t => (t.HallCode, t.Day, t.TicketNo))
            .Where(g => g.Select(t => t.Key).Distinct(StringComparer.Ordinal).Count() > 1)
            .Select(g => $"{g.Key.HallCode} {g.Key.Day:yyyy-MM-dd} {g.Key.TicketNo} ×{g.Select(t => t.Key).Distinct(StringComparer.Ordinal).Count()}")];

    /// <summary>Case numbers given to two different submissions.</summary>
    public IReadOnlyList<string> DuplicateCaseNumbers() =>
        [.. Cases.GroupBy(c => c.CaseNo).Where(g => g.Select(c => c.Key).Distinct(StringComparer.Ordinal).Count() > 1).Select(g => g.Key)];
}

/// <summary>What the check found.</summary>
public sealed record Verification(int Tickets, int Finished, int Cases, int Ratings, IReadOnlyList<string> Problems, int Bookings = 0, int CheckIns = 0)
{
    public bool Passed => Problems.Count == 0;

    public override string ToString() =>
        $"ledger: {Tickets} tickets, {Finished} finished, {Cases} cases, {Ratings} ratings, {Bookings} bookings, {CheckIns} check-ins checked; " +
        (Passed ? "PASS" : $"FAIL ({Problems.Count} problems)\n  " + string.Join("\n  ", Problems.Take(20)));
}

/// <summary>Reads every acknowledged operation back through the API (any silo, with retries).</summary>
public static class LedgerCheck
{
    public static async Task<Verification> RunAsync(Ledger ledger, ClusterHttp http, Tokens tokens)
    {
        var problems = new ConcurrentBag<string>();
        foreach (var d in ledger.DuplicateTicketNumbers())
        {
            problems.Add($"ticket number issued twice: {d}");
        }

        foreach (var d in ledger.DuplicateCaseNumbers())
        {
            problems.Add($"case number given to two submissions: {d}");
        }

        var parallel = new ParallelOptions { MaxDegreeOfParallelism = 16 };
        var tickets = ledger.Tickets.DistinctBy(t => t.Key).ToList();
        await Parallel.ForEachAsync(tickets, parallel, async (t, _) =>
        {
            var r = await http.SendAsync("verify", HttpMethod.Get, $"/api/halls/{t.HallCode}/tickets/{t.TicketNo}");
            if (!r.Ok)
            {
                problems.Add($"ticket {t.HallCode} {t.TicketNo}: {(int)r.Status}");
            }
        });

        var finished = ledger.Finished.Distinct().ToList();
        await Parallel.ForEachAsync(finished, parallel, async (f, _) =>
        {
            var r = await http.SendAsync("verify", HttpMethod.Get, $"/api/halls/{f.HallCode}/tickets/{f.TicketNo}");
            var state = r.Body?.GetProperty("state").GetString();
            if (!r.Ok || state != "done")
            {
                problems.Add($"finished ticket {f.HallCode} {f.TicketNo}: {(int)r.Status} {state}");
            }
        });

        var cases = ledger.Cases.DistinctBy(c => c.CaseNo).ToList();
        await Parallel.ForEachAsync(cases, parallel, async (c, _) =>
        {
            var r = await http.SendAsync("verify", HttpMethod.Get, $"/api/cases/{c.CaseNo}", tokens.Citizen(c.IdNumber));
            if (!r.Ok)
            {
                problems.Add($"case {c.CaseNo}: {(int)r.Status}");
            }
        });

        var admin = tokens.Admin();
        var ratings = ledger.Ratings.DistinctBy(r => r.RatingId).ToList();
        await Parallel.ForEachAsync(ratings, parallel, async (x, _) =>
        {
            var r = await http.SendAsync("verify", HttpMethod.Get, $"/api/ratings/{x.RatingId}", admin);
            if (!r.Ok)
            {
                problems.Add($"rating {x.RatingId} ({x.HallCode} {x.TicketNo}): {(int)r.Status}");
            }
        });

        var checkIns = ledger.CheckIns.DistinctBy(c => c.AppointmentId).ToDictionary(c => c.AppointmentId, StringComparer.Ordinal);
        var bookings = ledger.Bookings.DistinctBy(b => b.AppointmentId).ToList();
        await Parallel.ForEachAsync(bookings, parallel, async (b, _) =>
        {
            var r = await http.SendAsync("verify", HttpMethod.Get, $"/api/halls/{b.HallCode}/appointments/{b.AppointmentId}", tokens.Citizen(b.IdNumber));
            if (!r.Ok)
            {
                problems.Add($"appointment {b.AppointmentId}: {(int)r.Status}");
                return;
            }

            if (checkIns.TryGetValue(b.AppointmentId, out var c))
            {
                var state = r.Body?.GetProperty("state").GetString();
                var ticket = r.Body?.GetProperty("ticketNo").GetString();
                if (state != "checkedIn" || ticket != c.TicketNo)
                {
                    problems.Add($"appointment {b.AppointmentId} checked in as {c.TicketNo}: now {state} {ticket}");
                }

                var t = await http.SendAsync("verify", HttpMethod.Get, $"/api/halls/{c.HallCode}/tickets/{c.TicketNo}");
                if (!t.Ok)
                {
                    problems.Add($"check-in ticket {c.HallCode} {c.TicketNo}: {(int)t.Status}");
                }
            }
        });

        return new Verification(tickets.Count, finished.Count, cases.Count, ratings.Count, [.. problems.OrderBy(p => p, StringComparer.Ordinal)], bookings.Count, checkIns.Count);
    }
}
