namespace TongBan.Grains.Halls;

/// <summary>
/// Where the reference data of service points lives: memory in the embedded mode, the
/// <c>tongban.service_point</c> table in PostgreSQL mode.
/// </summary>
public interface IServicePointStore
{
    Task<IReadOnlyList<ServicePoint>> LoadAllAsync(CancellationToken cancellationToken);

    /// <summary>Inserts the points whose codes are not stored yet; returns how many were added.</summary>
    Task<int> AddMissingAsync(IReadOnlyList<ServicePoint> points, CancellationToken cancellationToken);

    /// <summary>Inserts or replaces one point (admin edits: add, move, close, reopen).</summary>
    Task UpsertAsync(ServicePoint point, CancellationToken cancellationToken);
}

public sealed class InMemoryServicePointStore : IServicePointStore
{
    private readonly Dictionary<string, ServicePoint> points = new(StringComparer.Ordinal);
    private readonly Lock gate = new();

    public Task<IReadOnlyList<ServicePoint>> LoadAllAsync(CancellationToken cancellationToken)
    {
        lock (gate)
        {
            return Task.FromResult<IReadOnlyList<ServicePoint>>([.. points.Values]);
        }
    }

    public Task<int> AddMissingAsync(IReadOnlyList<ServicePoint> incoming, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            var added = 0;
            foreach (var p in incoming)
            {
                if (points.TryAdd(p.Code, p))
                {
                    added++;
                }
            }

            return Task.FromResult(added);
        }
    }

    public Task UpsertAsync(ServicePoint point, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            points[point.Code] = point;
        }

        return Task.CompletedTask;
    }
}
