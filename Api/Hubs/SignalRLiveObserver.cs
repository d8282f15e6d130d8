using System.Collections.Immutable;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Logging;
using TongBan.Grains.Live;

namespace TongBan.Api.Hubs;

/// <summary>This host's end of the push path: sends each message of a batch to its SignalR group.</summary>
public sealed partial class SignalRLiveObserver(IHubContext<LiveHub> hub, ILogger<SignalRLiveObserver> logger) : ILiveHubObserver
{
    public Task Deliver(ImmutableArray<LiveMessage> batch)
    {
        // Observer calls are serialised per observer; hand the sends off so a slow client socket
        // never delays the next batch from the notifier.
        _ = Task.Run(async () =>
        {
            foreach (var message in batch)
            {
                try
                {
                    await hub.Clients.Group(message.Group).SendAsync(message.Method, message.Payload);
                }
                catch (Exception e)
                {
                    LogSendFailed(logger, e, message.Method, message.Group);
                }
            }
        });
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Live push: sending {Method} to {Group} failed")]
    private static partial void LogSendFailed(ILogger logger, Exception exception, string method, string group);
}
