namespace TongBan.Grains.History;

/// <summary>
/// The query side of service history (服务记录): ticket outcomes, window sessions and pauses, and ticket↔case links,
/// selected by hall, region, window, clerk, item, category and local days. Rows stream in time order per hall; a year
/// of a province never sits in memory. Records reach it through <see cref="IHistorySink"/>, in batches, so the last
/// second or so of activity may not be visible yet (see <see cref="HistoryWriter"/>).
/// </summary>
public interface IServiceHistory
{
    IAsyncEnumerable<TicketOutcome> TicketsAsync(HistoryQuery query, CancellationToken cancellationToken);

    IAsyncEnumerable<WindowActivity> ActivitiesAsync(HistoryQuery query, CancellationToken cancellationToken);

    /// <summary>Links made on the query's days; <see cref="HistoryQuery.Item"/> filters by the case's item.</summary>
    IAsyncEnumerable<CaseTicketLink> CaseLinksAsync(HistoryQuery query, CancellationToken cancellationToken);

    /// <summary>Hall visits (distinct linked tickets) of each named case, at any date; cases without a link are absent.</summary>
    Task<IReadOnlyDictionary<string, int>> VisitsAsync(IReadOnlyCollection<string> caseNos, CancellationToken cancellationToken);
}

/// <summary>A batch of records for one store call.</summary>
public sealed record HistoryBatch(IReadOnlyList<TicketOutcome> Tickets, IReadOnlyList<WindowActivity> Activities, IReadOnlyList<CaseTicketLink> Links)
{
    public int Count => Tickets.Count + Activities.Count + Links.Count;
}

/// <summary>Durable home of history: memory in the embedded mode, month-partitioned tables in PostgreSQL mode.</summary>
public interface IHistoryStore : IServiceHistory
{
    /// <summary>Appends a batch in one round trip where the store can. A record already stored (same key) is skipped.</summary>
    Task AppendAsync(HistoryBatch batch, CancellationToken cancellationToken);

    /// <summary>Drops every record of days before <paramref name="cutoff"/> (whole months at a time where partitioned); returns months dropped.</summary>
    Task<int> DropBeforeAsync(DateOnly cutoff, CancellationToken cancellationToken);
}

/// <summary>
/// The append side, for grains: hands a record over and returns at once; never waits, never throws. Records are written
/// by a background batcher off the command path.
/// </summary>
public interface IHistorySink
{
    void Append(TicketOutcome outcome);

    void Append(WindowActivity activity);

    void Append(CaseTicketLink link);
}
