using Microsoft.Extensions.DependencyInjection.Extensions;
using TongBan.Grains.Forecast;
using TongBan.Grains.Halls;
using TongBan.Grains.History;

namespace TongBan.Silo.Hosting;

/// <summary>
/// Composition of the wait forecast: <c>TongBan:Forecast</c> options, the past tickets it learns from
/// (<see cref="IArrivalHistory"/>: the service history when the host keeps one, or a synthetic demo history) and <see cref="HallForecaster"/>.
/// </summary>
public static class ForecastServices
{
    public static IServiceCollection AddTongBanForecast(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(ForecastOptions.Section).Get<ForecastOptions>() ?? new ForecastOptions();
        try
        {
            options.Validate();
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new StartupException(e.Message.Split(Environment.NewLine)[0], e);
        }

        services.AddSingleton(options);
        services.TryAddSingleton<IArrivalHistory>(sp =>
        {
            if (options.SyntheticHistoryDays == 0)
            {
                // The hall's own service history when the host keeps one; an empty memory otherwise (the no-history fallback).
                return sp.GetService<IServiceHistory>() is { } history ? new ServiceHistoryArrivals(history) : new InMemoryArrivalHistory();
            }

            // Demo: each hall's synthetic days are generated when it is first asked for (seeded by its code: reproducible).
            var directory = sp.GetRequiredService<ServicePointDirectory>();
            var hours = sp.GetRequiredService<HallHours>();
            return new InMemoryArrivalHistory(synthetic: true)
            {
                Seed = code => directory.Find(code) is { } point ? SyntheticHallHistory.For(point, hours, options.SyntheticHistoryDays) : [],
            };
        });
        services.AddSingleton<HallForecaster>();
        return services;
    }
}
