using System.Text;
using Microsoft.Extensions.DependencyInjection.Extensions;
using TongBan.Grains.Appointments;
using TongBan.Grains.Calendar;
using TongBan.Grains.Identity;

namespace TongBan.Silo.Hosting;

/// <summary>Composition of the 预约 appointment books: options, their clock, the calendar, the applicant hasher.</summary>
public static partial class AppointmentServices
{
    /// <summary>Key of the HMAC that hashes resident ID numbers (at least 32 bytes of text).</summary>
    public const string PrivacyHashKey = "TongBan:Privacy:HashKey";

    public static IServiceCollection AddTongBanAppointments(this IServiceCollection services, IConfiguration configuration, bool developmentMode)
    {
        var options = configuration.GetSection(AppointmentOptions.Section).Get<AppointmentOptions>() ?? new AppointmentOptions();
        try
        {
            options.Validate();
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new StartupException(e.Message.Split(Environment.NewLine)[0], e);
        }

        services.AddSingleton(options);
        services.AddSingleton(sp => new AppointmentClock(sp.GetRequiredService<TimeProvider>(), options.TestClockOffset));
        services.TryAddSingleton(_ => CalendarProvider.FromEmbedded());
        services.AddSingleton(HasherFrom(configuration, developmentMode));
        services.AddHostedService<AppointmentStartupNotes>();
        return services;
    }

    /// <summary>
    /// <c>TongBan:Privacy:HashKey</c> when set. Otherwise: the public development key in embedded mode; in PostgreSQL mode the
    /// key the cases derive from the JWT signing key (<see cref="PrivacyOptions.DerivedFrom"/>), which production must already
    /// keep secret, so appointments and cases hash an ID number alike. Set the hash key explicitly to rotate the signing key
    /// without changing every stored hash.
    /// </summary>
    internal static ApplicantHasher HasherFrom(IConfiguration configuration, bool developmentMode)
    {
        var algorithm = HashAlgorithmFrom(configuration);
        var key = configuration[PrivacyHashKey];
        if (!string.IsNullOrEmpty(key))
        {
            if (Encoding.UTF8.GetByteCount(key) < 32)
            {
                throw new StartupException($"{PrivacyHashKey} must have at least 32 bytes.");
            }

            if (!developmentMode && key == ApplicantHasher.DevelopmentKey)
            {
                throw new StartupException($"{PrivacyHashKey} is the public development key; set a secret key for production.");
            }
        }
        else if (!developmentMode && string.IsNullOrEmpty(configuration[PrivacyKeys.SigningKey]))
        {
            throw new StartupException($"{PrivacyHashKey} must be set (a secret of at least 32 bytes) when TongBan:Auth has no SigningKey.");
        }

        // The same key the cases use, so appointments and cases hash an ID number alike.
        return ApplicantHasher.FromText(PrivacyKeys.From(configuration, developmentMode).HashKey!, algorithm);
    }

    /// <summary>The suite's keyed-hash algorithm, as the cases' <see cref="PersonalDataProtector"/> chooses it, so both hash an ID number alike.</summary>
    private static KeyedHashFunction HashAlgorithmFrom(IConfiguration configuration)
    {
        try
        {
            return Grains.Crypto.CryptoOptions.Parse(configuration[$"{Grains.Crypto.CryptoOptions.Section}:{nameof(Grains.Crypto.CryptoOptions.Suite)}"] ?? "sm") ==
                   Grains.Crypto.CryptoSuite.International
                ? KeyedHashFunction.HmacSha256
                : KeyedHashFunction.HmacSm3;
        }
        catch (ArgumentException e)
        {
            throw new StartupException(e.Message);
        }
    }
}

/// <summary>Says once at start-up what an operator must know about the appointment settings.</summary>
internal sealed partial class AppointmentStartupNotes(AppointmentOptions options, IConfiguration configuration, ILogger<AppointmentStartupNotes> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.TestClockOffset != TimeSpan.Zero)
        {
            LogShifted(logger, options.TestClockOffset);
        }

        if (string.IsNullOrEmpty(configuration[AppointmentServices.PrivacyHashKey]) && TongBanHost.ModeOf(configuration) == StorageMode.Postgres)
        {
            LogDerivedKey(logger);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "TongBan:Appointments:TestClockOffset is {Offset}: appointment books run on a shifted clock (tests only, never in production)")]
    private static partial void LogShifted(ILogger logger, TimeSpan offset);

    [LoggerMessage(Level = LogLevel.Warning, Message = "TongBan:Privacy:HashKey is not set: applicant hashes use a key derived from the JWT signing key; set it explicitly so the signing key can be rotated")]
    private static partial void LogDerivedKey(ILogger logger);
}
