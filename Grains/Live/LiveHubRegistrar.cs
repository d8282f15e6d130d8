using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace TongBan.Grains.Live;

/// <summary>
/// Runs on every host that serves SignalR: turns the host's <see cref="ILiveHubObserver"/> into a
/// grain reference and keeps it registered in the hub list. Holds the object strongly because
/// Orleans keeps only a weak reference to observers. Each acknowledged registration is noted in
/// <see cref="LiveHubRegistration"/>, which readiness and the hub's connection gate read.
/// </summary>
public sealed partial class LiveHubRegistrar(
    IGrainFactory grains, ILocalSiloDetails silo, ILiveHubObserver observer, LiveHubRegistration registration, ILogger<LiveHubRegistrar> logger) : BackgroundService
{
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var reference = grains.CreateObjectReference<ILiveHubObserver>(observer);
        try
        {
            using var timer = new PeriodicTimer(RefreshInterval);
            do
            {
                try
                {
                    await grains.GetGrain<ILiveHubListGrain>(0).Register(silo.SiloAddress, reference);
                    registration.Acknowledged();
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogRegisterFailed(logger, e, silo.SiloAddress.ToString());
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            grains.DeleteObjectReference<ILiveHubObserver>(reference);
            GC.KeepAlive(observer);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Live push: registering the hub of {Silo} failed; retrying")]
    private static partial void LogRegisterFailed(ILogger logger, Exception exception, string silo);
}
