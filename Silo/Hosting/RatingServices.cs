using TongBan.Grains.Identity;
using TongBan.Grains.Ratings;

namespace TongBan.Silo.Hosting;

/// <summary>好差评 wiring: options from <c>TongBan:Ratings</c> and the ticket rating tokens; the store is the mode's.</summary>
public static class RatingServices
{
    /// <exception cref="StartupException">A <c>TongBan:Ratings</c> setting is out of range.</exception>
    public static IServiceCollection AddRatings(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(RatingOptions.Section).Get<RatingOptions>() ?? new RatingOptions();
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            throw new StartupException(e.Message, e);
        }

        services.AddSingleton(options);
        services.AddSingleton(sp => RatingTokens.Create(options, sp.GetRequiredService<PrivacyOptions>(), sp.GetService<TongBan.Grains.Crypto.CryptoOptions>()));
        return services;
    }
}
