using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using TongBan.Grains.Calendar;
using TongBan.Grains.Live;
using TongBan.Grains.Map;

namespace TongBan.Api.Map;

/// <summary>Registers the digital map: per-silo index and overlay, directory sync, anti-herding exchange, travel provider, viewport feed.</summary>
public static class MapComposition
{
    public static IServiceCollection AddTongBanMap(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(MapOptions.Section).Get<MapOptions>() ?? new MapOptions();
        options.Validate();
        var osrm = configuration.GetSection(OsrmOptions.Section).Get<OsrmOptions>() ?? new OsrmOptions();
        services.AddSingleton(options);
        services.AddSingleton(osrm);
        services.TryAddSingleton(_ => CalendarProvider.FromEmbedded());
        services.AddSingleton(GreatCircleTravelModel.Guizhou);
        services.AddSingleton<MapService>();
        services.AddSingleton<ILocalLiveSubscriber, MapLiveSubscriber>();
        services.AddHostedService<ExpectedArrivalBroadcaster>();
        services.AddSingleton<ServicePointDirectorySync>();
        services.AddHostedService(sp => sp.GetRequiredService<ServicePointDirectorySync>());
        services.AddSingleton<MapWatchers>();
        services.AddHostedService<MapViewportFeed>();
        services.AddSingleton<GreatCircleTravelTimeProvider>();
        if (string.IsNullOrWhiteSpace(osrm.BaseUrl))
        {
            services.AddSingleton<ITravelTimeProvider>(sp => sp.GetRequiredService<GreatCircleTravelTimeProvider>());
        }
        else
        {
            AddOsrm(services, osrm);
            services.AddSingleton<ITravelTimeProvider>(sp => sp.GetRequiredService<OsrmTravelTimeProvider>());
        }

        services.AddSingleton<NearestPlanner>();
        return services;
    }

    /// <summary>
    /// The OSRM client: a typed HttpClient with the standard resilience pipeline tightened for an interactive
    /// answer (one retry, short attempt and total timeouts; the circuit breaker stops hammering a dead OSRM).
    /// </summary>
    public static IServiceCollection AddOsrm(IServiceCollection services, OsrmOptions osrm)
    {
        if (!Uri.TryCreate(osrm.BaseUrl?.TrimEnd('/') + "/", UriKind.Absolute, out var baseUri))
        {
            throw new InvalidOperationException($"{OsrmOptions.Section}:BaseUrl '{osrm.BaseUrl}' is not an absolute URL.");
        }

        services.AddSingleton<OsrmTravelTimeProvider>();
        services.AddHttpClient(OsrmTravelTimeProvider.HttpClientName, c => c.BaseAddress = baseUri)
            .AddStandardResilienceHandler(o =>
            {
                o.Retry.MaxRetryAttempts = 1;
                o.Retry.Delay = TimeSpan.FromMilliseconds(50);
                o.AttemptTimeout.Timeout = osrm.AttemptTimeout;
                o.TotalRequestTimeout.Timeout = osrm.TotalTimeout;
                o.CircuitBreaker.SamplingDuration = TimeSpan.FromSeconds(Math.Max(30, 2 * osrm.AttemptTimeout.TotalSeconds));
            });
        return services;
    }
}
