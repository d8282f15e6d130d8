using TongBan.Grains.Identity;
using TongBan.Grains.Queues;

namespace TongBan.Silo.Hosting;

/// <summary>Queue wiring: the queue rules from <c>TongBan:Queue</c> and the tickets' cancel tokens.</summary>
public static class QueueServices
{
    public const string Section = "TongBan:Queue";

    /// <exception cref="StartupException">A <c>TongBan:Queue</c> setting is out of range.</exception>
    public static IServiceCollection AddQueueRules(this IServiceCollection services, IConfiguration configuration)
    {
        // Every QueueRules property may be set, e.g. TongBan:Queue:RecallsBeforeNoShow = 3, RemoteRecallsBeforeNoShow = 1.
        var rules = configuration.GetSection(Section).Get<QueueRules>() ?? QueueRules.Default;
        try
        {
            rules.Validate();
        }
        catch (ArgumentException e)
        {
            throw new StartupException($"{Section}: {e.Message}", e);
        }

        services.AddSingleton(rules);
        services.AddSingleton(sp => CancelTokens.Create(sp.GetRequiredService<PrivacyOptions>()));
        return services;
    }
}
