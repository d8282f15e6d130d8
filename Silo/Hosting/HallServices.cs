using TongBan.Grains.Halls;

namespace TongBan.Silo.Hosting;

/// <summary>Composition of the hall's clock: <c>TongBan:Halls</c> options, the hall floor's clock and <see cref="HallHours"/>.</summary>
public static partial class HallServices
{
    public static IServiceCollection AddTongBanHallClock(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(HallOptions.Section).Get<HallOptions>() ?? new HallOptions();
        try
        {
            options.Validate();
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new StartupException(e.Message.Split(Environment.NewLine)[0], e);
        }

        services.AddSingleton(options);
        services.AddSingleton(sp => new HallFloorClock(sp.GetRequiredService<TimeProvider>(), options.TestClockOffset));
        services.AddHostedService<HallClockStartupNotes>();
        return services;
    }
}

/// <summary>Warns once at start-up when the hall floor runs on a shifted clock.</summary>
internal sealed partial class HallClockStartupNotes(HallOptions options, ILogger<HallClockStartupNotes> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.TestClockOffset != TimeSpan.Zero)
        {
            LogShifted(logger, options.TestClockOffset);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "TongBan:Halls:TestClockOffset is {Offset}: opening-hours checks (tickets, windows) run on a shifted clock (tests only, never in production)")]
    private static partial void LogShifted(ILogger logger, TimeSpan offset);
}
