using System.Runtime.CompilerServices;

namespace TongBan.Grains.History;

/// <summary>History in memory (embedded mode): lost with the process, like the rest of the embedded mode's state.</summary>
public sealed class InMemoryHistoryStore : IHistoryStore
{
    private readonly Lock gate = new();
    private readonly List<TicketOutcome> tickets = [];
    private readonly HashSet<(string, DateOnly, string, TicketOutcomeKind, DateTimeOffset)> ticketKeys = [];
    private readonly List<WindowActivity> activities = [];
    private readonly List<CaseTicketLink> links = [];
    private readonly HashSet<(string, string, DateOnly, string)> linkKeys = [];

    public Task AppendAsync(HistoryBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        lock (gate)
        {
            foreach (var t in batch.Tickets)
            {
                if (ticketKeys.Add((t.HallCode, t.Day, t.TicketNo, t.Outcome, t.At)))
                {
                    tickets.Add(t);
                }
            }

            activities.AddRange(batch.Activities);
            foreach (var l in batch.Links)
            {
                if (linkKeys.Add((l.CaseNo, l.HallCode, l.Day, l.TicketNo)))
                {
                    links.Add(l);
                }
            }
        }

        return Task.CompletedTask;
    }

    public Task<int> DropBeforeAsync(DateOnly cutoff, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            var months = tickets.Where(t => t.Day < cutoff).Select(t => (t.Day.Year, t.Day.Month)).Distinct().Count();
            tickets.RemoveAll(t => t.Day < cutoff);
            ticketKeys.RemoveWhere(k => k.Item2 < cutoff);
            activities.RemoveAll(a => a.Day < cutoff);
            links.RemoveAll(l => l.Day < cutoff);
            linkKeys.RemoveWhere(k => k.Item3 < cutoff);
            return Task.FromResult(months);
        }
    }

    public async IAsyncEnumerable<TicketOutcome> TicketsAsync(HistoryQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        List<TicketOutcome> rows;
        lock (gate)
        {
            var linked = query.Item is null ? null
                : links.Where(l => l.ItemCode == query.Item).Select(l => (l.HallCode, l.Day, l.TicketNo)).ToHashSet();
            rows = [.. tickets.Where(t => query.Matches(t, linked is null ? null : x => linked.Contains((x.HallCode, x.Day, x.TicketNo))))
                .Select(t => query.Item is not null && t.Item is null ? t with { Item = query.Item } : t)
                .OrderBy(t => t.At)];
        }

        await foreach (var row in Stream(rows, cancellationToken))
        {
            yield return row;
        }
    }

    public async IAsyncEnumerable<WindowActivity> ActivitiesAsync(HistoryQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        List<WindowActivity> rows;
        lock (gate)
        {
            rows = [.. activities.Where(query.Matches).OrderBy(a => a.Start)];
        }

        await foreach (var row in Stream(rows, cancellationToken))
        {
            yield return row;
        }
    }

    public async IAsyncEnumerable<CaseTicketLink> CaseLinksAsync(HistoryQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        List<CaseTicketLink> rows;
        lock (gate)
        {
            rows = [.. links.Where(query.Matches).OrderBy(l => l.At)];
        }

        await foreach (var row in Stream(rows, cancellationToken))
        {
            yield return row;
        }
    }

    public Task<IReadOnlyDictionary<string, int>> VisitsAsync(IReadOnlyCollection<string> caseNos, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caseNos);
        var wanted = caseNos.ToHashSet(StringComparer.Ordinal);
        lock (gate)
        {
            return Task.FromResult<IReadOnlyDictionary<string, int>>(links.Where(l => wanted.Contains(l.CaseNo))
                .GroupBy(l => l.CaseNo, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Select(l => (l.HallCode, l.Day, l.TicketNo)).Distinct().Count(), StringComparer.Ordinal));
        }
    }

    /// <summary>Hands out a snapshot taken under the lock, row by row, stopping when the caller cancels.</summary>
    private static async IAsyncEnumerable<T> Stream<T>(List<T> rows, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var row in rows)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return row;
        }

        await Task.CompletedTask;
    }
}
