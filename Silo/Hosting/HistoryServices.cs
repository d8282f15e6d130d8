using TongBan.Grains.Common;
using TongBan.Grains.History;
using TongBan.Silo.Postgres;

namespace TongBan.Silo.Hosting;

/// <summary>Service history wiring (<c>TongBan:History</c>): the mode's store, the silo's batcher, the retention job.</summary>
public static class HistoryServices
{
    /// <exception cref="StartupException">A <c>TongBan:History</c> setting is out of range (e.g. a retention under 6 months).</exception>
    public static IServiceCollection AddTongBanHistory(this IServiceCollection services, IConfiguration configuration, StorageMode mode)
    {
        HistoryOptions options;
        try
        {
            options = configuration.GetSection(HistoryOptions.Section).Get<HistoryOptions>() ?? new HistoryOptions();
            options.Validate();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            throw new StartupException(e.Message.StartsWith(HistoryOptions.Section, StringComparison.Ordinal) ? e.Message : $"{HistoryOptions.Section}: {e.Message}", e);
        }

        services.AddSingleton(options);
        if (mode == StorageMode.Postgres)
        {
            services.AddSingleton<PostgresHistoryStore>();
            services.AddSingleton<IHistoryStore>(sp => sp.GetRequiredService<PostgresHistoryStore>());
        }
        else
        {
            services.AddSingleton<IHistoryStore, InMemoryHistoryStore>();
        }

        services.AddSingleton<IServiceHistory>(sp => sp.GetRequiredService<IHistoryStore>());

        // One per silo: grains hand records to it and never wait; it writes them in batches.
        services.AddSingleton<HistoryWriter>();
        services.AddSingleton<IHistorySink>(sp => sp.GetRequiredService<HistoryWriter>());
        services.AddHostedService<HistoryRetentionJob>();
        return services;
    }
}

/// <summary>
/// Drops history older than <see cref="HistoryOptions.RetentionDays"/> (whole months: a month goes once its last day is
/// past the retention) and, in PostgreSQL mode, creates the partitions of this month and the next two ahead of the writer.
/// </summary>
public sealed partial class HistoryRetentionJob(IHistoryStore store, HistoryOptions options, TimeProvider clock, ILogger<HistoryRetentionJob> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                LogFailed(logger, e);
            }

            try
            {
                await Task.Delay(options.RetentionInterval, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One pass: partitions ahead, then the drop; returns the months dropped.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var today = ChinaTime.Today(clock);
        if (store is PostgresHistoryStore postgres)
        {
            await postgres.EnsureMonthsAsync([today, today.AddMonths(1), today.AddMonths(2)], cancellationToken);
        }

        var cutoff = today.AddDays(-options.RetentionDays);
        var dropped = await store.DropBeforeAsync(cutoff, cancellationToken);
        if (dropped > 0)
        {
            LogDropped(logger, dropped, cutoff);
        }

        return dropped;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Service history: {Months} month(s) before {Cutoff} dropped (retention)")]
    private static partial void LogDropped(ILogger logger, int months, DateOnly cutoff);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Service history: the retention pass failed; it runs again at its next interval")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
