using TongBan.Grains.Halls;

namespace TongBan.Silo.Hosting;

/// <summary>Seeds and loads reference data before the silo and Kestrel start (registered before UseOrleans).</summary>
public sealed class ReferenceDataStartup(ReferenceDataLoader loader) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => loader.SeedAndLoadAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
