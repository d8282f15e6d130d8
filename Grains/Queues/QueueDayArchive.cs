using System.Collections.Concurrent;

namespace TongBan.Grains.Queues;

/// <summary>
/// Where closed days go: each queue's <see cref="DaySummary"/> when its day rolls over, so the
/// queue's state keeps only today's tickets while the history (trend charts, supervision) is kept.
/// Memory in the embedded mode, <c>tongban.queue_day_summary</c> in PostgreSQL mode.
/// </summary>
public interface IQueueDayArchive
{
    /// <summary>Idempotent: archiving the same hall, category and day again replaces the row.</summary>
    Task ArchiveAsync(string hallCode, DaySummary summary, CancellationToken cancellationToken);

    Task<IReadOnlyList<DaySummary>> HistoryAsync(string hallCode, DateOnly from, DateOnly to, CancellationToken cancellationToken);
}

public sealed class InMemoryQueueDayArchive : IQueueDayArchive
{
    private readonly ConcurrentDictionary<(string Hall, string Category, DateOnly Day), DaySummary> days = new();

    public Task ArchiveAsync(string hallCode, DaySummary summary, CancellationToken cancellationToken)
    {
        days[(hallCode, summary.Category, summary.Day)] = summary;
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<DaySummary>> HistoryAsync(string hallCode, DateOnly from, DateOnly to, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<DaySummary>>(
            [.. days.Where(d => d.Key.Hall == hallCode && d.Key.Day >= from && d.Key.Day <= to).Select(d => d.Value).OrderBy(s => s.Day).ThenBy(s => s.Category, StringComparer.Ordinal)]);
}
