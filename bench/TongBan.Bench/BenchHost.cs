using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;
using TongBan.Grains.Common;
using TongBan.Grains.Halls;
using TongBan.Grains.Live;
using TongBan.Silo.Hosting;

using TongBan.LoadGen;

namespace TongBan.Bench;

/// <summary>
/// The real TongBan host (<see cref="TongBanHost.Build"/>) started in this process on loopback with free
/// ports, plus what the benchmark needs: its own grains, the compressed-day clock and the what-if variants.
/// </summary>
public sealed class BenchHost : IAsyncDisposable
{
    private readonly CancellationTokenSource stopping = new();
    private Task keepHubListed = Task.CompletedTask;

    private BenchHost(WebApplication app, CompressedDayClock? clock, BenchMode mode)
    {
        App = app;
        Clock = clock;
        Mode = mode;
    }

    public WebApplication App { get; }

    public CompressedDayClock? Clock { get; }

    public BenchMode Mode { get; }

    /// <summary>PostgreSQL mode: the HS256 key the host accepts tokens signed with (embedded mode: the development key, null here).</summary>
    public string? SigningKey { get; private init; }

    public IGrainFactory Grains => App.Services.GetRequiredService<IGrainFactory>();

    public ServicePointDirectory Directory => App.Services.GetRequiredService<ServicePointDirectory>();

    /// <summary>
    /// Starts the host. <paramref name="connectionString"/> null: embedded mode. Every run gets its own
    /// Orleans ServiceId, so a reused database never mixes grain state of earlier runs.
    /// </summary>
    public static async Task<BenchHost> StartAsync(BenchOptions options, string? connectionString, CompressedDayClock? clock)
    {
        var ports = TakeFreePorts(2);
        var run = "bench-" + RandomNumberGenerator.GetHexString(8, lowercase: true);
        List<string> args =
        [
            "--urls", "http://127.0.0.1:0",
            "--TongBan:Silo:SiloPort", ports[0].ToString(CultureInfo.InvariantCulture),
            "--TongBan:Silo:GatewayPort", ports[1].ToString(CultureInfo.InvariantCulture),
            "--TongBan:Silo:Dashboard", "false",
            "--TongBan:Silo:ServiceId", run,
            "--TongBan:Silo:ClusterId", run,
            "--Logging:LogLevel:Default", "Warning",

            // Placement retries of one-way reports still in flight while the silo stops after the run.
            "--Logging:LogLevel:Polly", "Error",
        ];

        // The hall floor opens windows on the next working day's morning, whatever the real (or compressed) day is.
        args.AddRange(["--" + HallTestClock.Key, HallTestClock.Text(HallTestClock.OffsetFrom(clock?.GetUtcNow() ?? DateTimeOffset.UtcNow))]);
        if (clock is not null)
        {
            // Orleans checks its own timers against the TimeProvider: on the compressed day every periodic timer
            // looks hours late and the self-health score degrades. Harmless for a one-silo cluster; kept out of the log.
            foreach (var category in (string[])["Orleans.Runtime.AsyncTimer", "Orleans.Runtime.MembershipService.LocalSiloHealthMonitor", "Orleans.Runtime.Watchdog"])
            {
                args.AddRange([$"--Logging:LogLevel:{category}", "Error"]);
            }
        }

        var signingKey = RandomNumberGenerator.GetHexString(64);
        if (options.LocalStorage)
        {
            args.AddRange(["--TongBan:Silo:InProcessGrainStorage", "true"]);
        }

        if (connectionString is not null)
        {
            args.AddRange(["--ConnectionStrings:TongBan", connectionString, "--TongBan:Auth:SigningKey", signingKey]);
        }

        var app = TongBanHost.Build([.. args], builder =>
        {
            // The bench's grains live in this assembly. Orleans finds it by scanning when it is the entry
            // assembly; in a test process it may not be, so it is named explicitly (adding it twice is harmless).
            builder.Services.AddSerializer(s => s.AddAssembly(typeof(BenchNoOpGrain).Assembly));
            builder.Services.AddSingleton<GrainCallCounter>();
            builder.Services.AddSingleton<IIncomingGrainCallFilter>(sp => sp.GetRequiredService<GrainCallCounter>());
            builder.Services.PostConfigure<GrainTypeOptions>(types =>
            {
                Swap(types, typeof(HallGrain), typeof(NullHallGrain), options.NullHall);
                Swap(types, typeof(LiveNotifierGrain), typeof(NullLiveNotifierGrain), options.NullLive);
            });

            // TongBanHost registers TimeProvider.System and the storage provider after this callback runs; a
            // service provider factory sees the finished collection and has the last word.
            builder.Host.UseServiceProviderFactory(new LastWordServiceProviderFactory(services =>
            {
                // Count what grain-state writes serialize (the providers take this serializer from DI).
                var serializer = services.LastOrDefault(d => d.ServiceType == typeof(IGrainStorageSerializer) && d.ServiceKey is null)
                    ?? throw new InvalidOperationException("The host registers no IGrainStorageSerializer.");
                services.RemoveAll<IGrainStorageSerializer>();
                services.AddSingleton(sp => new MeteredStorageSerializer(
                    (IGrainStorageSerializer)(serializer.ImplementationInstance ?? serializer.ImplementationFactory?.Invoke(sp)
                        ?? ActivatorUtilities.CreateInstance(sp, serializer.ImplementationType!))));
                services.AddSingleton<IGrainStorageSerializer>(sp => sp.GetRequiredService<MeteredStorageSerializer>());

                if (clock is not null)
                {
                    services.RemoveAll<TimeProvider>();
                    services.AddSingleton<TimeProvider>(clock);
                }

                if (options.NullStorage)
                {
                    foreach (var d in services.Where(d => d.ServiceType == typeof(IGrainStorage) && Equals(d.ServiceKey, StorageNames.Default)).ToList())
                    {
                        services.Remove(d);
                    }

                    services.AddKeyedSingleton<IGrainStorage>(StorageNames.Default, (_, _) => new NullGrainStorage());
                }
            }));
        });

        var host = new BenchHost(app, clock, connectionString is null ? BenchMode.Embedded : BenchMode.Postgres) { SigningKey = connectionString is null ? null : signingKey };
        try
        {
            await app.StartAsync();
            host.keepHubListed = host.KeepHubListedAsync();
            await host.Grains.GetGrain<IBenchNoOpGrain>(0).Ping(); // fails here, not mid-run, if the bench grains are missing
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }

        return host;
    }

    /// <summary>Route patterns of ticket or window commands in this build (the <c>--http</c> variant needs them).</summary>
    public IReadOnlyList<string> TicketRoutes() =>
        App.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Select(e => e.RoutePattern.RawText ?? "")
            .Where(p => p.Contains("/tickets", StringComparison.OrdinalIgnoreCase) || p.Contains("/windows", StringComparison.OrdinalIgnoreCase))
            .Distinct()
            .ToList();

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        await keepHubListed;
        try
        {
            await App.StopAsync(TimeSpan.FromSeconds(15));
        }
        finally
        {
            await App.DisposeAsync();
            stopping.Dispose();
        }
    }

    private static void Swap(GrainTypeOptions types, Type shipped, Type variant, bool useVariant)
    {
        types.Classes.Remove(useVariant ? shipped : variant);
        if (useVariant)
        {
            types.Classes.Add(variant);
        }
    }

    /// <summary>
    /// The host re-lists its live hub every 5 s (wall clock) and the hub list drops entries older than 45 s
    /// of its clock; on the compressed day 45 s pass in a few milliseconds, so without this the live push
    /// would silently stop delivering and the run would look cheaper than production.
    /// </summary>
    private async Task KeepHubListedAsync()
    {
        if (Clock is null)
        {
            return;
        }

        var silo = App.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress;
        var observer = App.Services.GetRequiredService<ILiveHubObserver>();
        var reference = Grains.CreateObjectReference<ILiveHubObserver>(observer);
        var period = TimeSpan.FromMilliseconds(Math.Clamp(Clock.ToWall(LiveHubListGrain.Expiry).TotalMilliseconds / 3, 5, 5_000));
        try
        {
            using var timer = new PeriodicTimer(period);
            do
            {
                try
                {
                    await Grains.GetGrain<ILiveHubListGrain>(0).Register(silo, reference);
                }
                catch (Exception e) when (e is not OperationCanceledException && !stopping.IsCancellationRequested)
                {
                    // The next tick retries; a failing silo shows in the run's errors anyway.
                }
            }
            while (await timer.WaitForNextTickAsync(stopping.Token));
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            Grains.DeleteObjectReference<ILiveHubObserver>(reference);
        }
    }

    /// <summary>
    /// Free loopback ports from 21000–29999, below the kernel's ephemeral range: processes that ask the OS for a
    /// free port (port 0, as the test suites do) get ephemeral ones, so a silo started by someone else between our
    /// choosing and binding cannot take ours — or join our cluster through it as its "primary".
    /// </summary>
    internal static int[] TakeFreePorts(int count)
    {
        var listeners = new List<TcpListener>(count);
        try
        {
            for (var attempt = 0; listeners.Count < count; attempt++)
            {
                var listener = new TcpListener(IPAddress.Loopback, Random.Shared.Next(21_000, 30_000));
                try
                {
                    listener.Start();
                    listeners.Add(listener);
                }
                catch (SocketException) when (attempt < 200)
                {
                    // taken: try another
                }
            }

            return [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        }
        finally
        {
            listeners.ForEach(l => l.Stop());
        }
    }

    /// <summary>Applies last-minute changes to the finished service collection, then builds the provider as the default factory does.</summary>
    private sealed class LastWordServiceProviderFactory(Action<IServiceCollection> apply) : IServiceProviderFactory<IServiceCollection>
    {
        public IServiceCollection CreateBuilder(IServiceCollection services)
        {
            apply(services);
            return services;
        }

        public IServiceProvider CreateServiceProvider(IServiceCollection containerBuilder) => containerBuilder.BuildServiceProvider();
    }
}
