using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TongBan.Grains.Catalogue;

namespace TongBan.Silo.Hosting;

/// <summary>
/// Loads the published catalogue batches (<see cref="ICatalogueGrain"/>) into this silo's <see cref="ServiceCatalogue"/>
/// once the silo has started, then every <see cref="Interval"/>: a batch published through another silo reaches this
/// one within that time (the silo that stored it loads it at once). Registered after the silo, so the first load
/// happens before Kestrel takes requests.
/// </summary>
public sealed partial class CatalogueSync(IGrainFactory grains, ServiceCatalogue catalogue, ILogger<CatalogueSync> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        // A failed first load (database restarting) is not fatal: the seed is in force and the loop tries again.
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(TimeSpan.FromSeconds(10));
        await RefreshAsync(bounded.Token);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            await RefreshAsync(stoppingToken);
        }
    }

    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        try
        {
            var batches = await grains.GetGrain<ICatalogueGrain>(ICatalogueGrain.Key).All().WaitAsync(cancellationToken);
            if (catalogue.Load(batches))
            {
                LogLoaded(logger, batches[^1].Number);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogFailed(logger, e.GetType().Name, e.Message);
        }
        catch (OperationCanceledException)
        {
            // Shutting down, or the bounded first load ran out of time.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Catalogue loaded up to batch {Number}")]
    private static partial void LogLoaded(ILogger logger, int number);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Catalogue refresh failed ({Exception}: {Message}); the batches already loaded stay in force")]
    private static partial void LogFailed(ILogger logger, string exception, string message);
}
