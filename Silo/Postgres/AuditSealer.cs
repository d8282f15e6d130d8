using TongBan.Grains.Cases;

namespace TongBan.Silo.Postgres;

/// <summary>
/// Links new audit entries into the global chain every <see cref="Period"/> (<see cref="ICaseStore.SealAsync"/>).
/// Every silo runs one; the store's advisory lock lets one seal at a time, and the others find nothing to do.
/// </summary>
/// <remarks>
/// A round keeps sealing batches of <see cref="BatchSize"/> while batches come back full, so a backlog (after an
/// outage, or more than 500 transitions a second) drains instead of growing by the excess every period.
/// Failures are logged and retried next period: an unsealed entry is still protected by its case chain, and a
/// database hiccup must not stop the host (a BackgroundService that throws stops it by default).
/// </remarks>
public sealed partial class AuditSealer : BackgroundService
{
    public const int BatchSize = 1000;

    public static readonly TimeSpan Period = TimeSpan.FromSeconds(2);

    private readonly ICaseStore store;
    private readonly ILogger<AuditSealer> logger;
    private readonly TimeSpan period;

    public AuditSealer(ICaseStore store, ILogger<AuditSealer> logger)
        : this(store, logger, Period)
    {
    }

    internal AuditSealer(ICaseStore store, ILogger<AuditSealer> logger, TimeSpan period)
    {
        this.store = store;
        this.logger = logger;
        this.period = period;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(period);
        try
        {
            do
            {
                await SealBacklogAsync(stoppingToken);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Host shutdown; whatever is left is sealed by the next silo or the next start.
        }
    }

    /// <summary>One round: seals until a batch comes back short; returns how many were sealed.</summary>
    internal async Task<int> SealBacklogAsync(CancellationToken stoppingToken)
    {
        var total = 0;
        try
        {
            int sealedNow;
            do
            {
                sealedNow = await store.SealAsync(BatchSize, stoppingToken);
                total += sealedNow;
            }
            while (sealedNow == BatchSize);

            if (total > 0)
            {
                LogSealed(logger, total);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            LogFailed(logger, total, e);
        }

        return total;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Audit: sealed {Count} entries into the global chain")]
    private static partial void LogSealed(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Audit: sealing failed after {Count} entries; retrying next period")]
    private static partial void LogFailed(ILogger logger, int count, Exception exception);
}
