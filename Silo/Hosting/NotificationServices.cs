using TongBan.Grains.Notifications;
using TongBan.Grains.Notifications.Channels;
using TongBan.Silo.Postgres;

namespace TongBan.Silo.Hosting;

/// <summary>Wiring of the notifications (issue 17): options checked at start-up, the outbox of the mode, one adapter per channel, the dispatcher.</summary>
public static class NotificationServices
{
    /// <exception cref="StartupException">The configuration names an unknown provider or template, or lacks a provider's credentials.</exception>
    public static void AddTongBanNotifications(this IServiceCollection services, IConfiguration configuration, StorageMode mode)
    {
        var options = configuration.GetSection(NotificationOptions.Section).Get<NotificationOptions>() ?? new NotificationOptions();
        if (options.Problem() is { } problem)
        {
            throw new StartupException(problem);
        }

        services.AddSingleton(options);
        if (mode == StorageMode.Postgres)
        {
            services.AddSingleton<INotificationOutbox, PostgresNotificationOutbox>();
        }
        else
        {
            // The in-memory case store writes a commit's notifications into this one under its own lock.
            services.AddSingleton<InMemoryNotificationOutbox>();
            services.AddSingleton<INotificationOutbox>(sp => sp.GetRequiredService<InMemoryNotificationOutbox>());
        }

        services.AddSingleton<INotificationSender>(sp => options.Sms.Provider == "tencent"
            ? new TencentSmsSender(options.Sms.Tencent, sp.GetRequiredService<TimeProvider>())
            : Log(sp, NotificationChannel.Sms));
        services.AddSingleton<INotificationSender>(sp => options.WeChat.Provider == "weChat"
            ? new WeChatSubscribeSender(options.WeChat, sp.GetRequiredService<TimeProvider>())
            : Log(sp, NotificationChannel.WeChat));
        services.AddSingleton<INotificationSender>(sp => options.App.Provider == "duocaibao"
            ? new DuocaibaoWebhookSender(options.App, sp.GetRequiredService<TimeProvider>())
            : Log(sp, NotificationChannel.App));
        services.AddSingleton<NotificationDispatcher>();
        if (options.Dispatcher.Enabled)
        {
            services.AddHostedService<NotificationDispatchService>();
        }
    }

    private static LogNotificationSender Log(IServiceProvider services, NotificationChannel channel) =>
        new(channel, services.GetRequiredService<ILogger<LogNotificationSender>>());
}

/// <summary>Runs this process's dispatcher: a full batch is followed at once by the next, otherwise it waits one poll interval.</summary>
public sealed partial class NotificationDispatchService(NotificationDispatcher dispatcher, NotificationOptions options, ILogger<NotificationDispatchService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromMilliseconds(options.Dispatcher.PollIntervalMilliseconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            var leased = 0;
            try
            {
                leased = await dispatcher.DispatchDueAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // The database down, say: the records stay queued (or leased until their lease ends) and are taken again.
                LogRoundFailed(logger, e.Message);
            }

            if (leased < options.Dispatcher.BatchSize)
            {
                try
                {
                    await Task.Delay(interval, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Notification dispatch round failed, retried next round: {Error}")]
    private static partial void LogRoundFailed(ILogger logger, string error);
}
