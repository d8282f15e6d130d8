using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using TongBan.Grains.Calendar;
using TongBan.Grains.Cases;
using TongBan.Grains.Catalogue;
using TongBan.Grains.Halls;
using TongBan.Grains.History;
using TongBan.Grains.Identity;
using TongBan.Grains.Licences;
using TongBan.Grains.Notifications;
using TongBan.Grains.Queues;
using TongBan.Grains.Ratings;
using TongBan.Grains.Regions;

namespace TongBan.Grains.Common;

/// <summary>
/// The services the grains take from DI, with the defaults of the embedded mode, in one list for the host and the
/// TestingHost wiring alike. Every registration is a TryAdd: register what differs (the PostgreSQL stores, a test's
/// clock or fakes) before calling it, and the rest is filled in here.
/// </summary>
/// <remarks>
/// Options and keys are the caller's: the grains also need <see cref="PrivacyOptions"/> (or a
/// <see cref="PersonalDataProtector"/>), the rating, queue, appointment and hall options, their clocks and an
/// <see cref="Notifications.INotificationOutbox"/>, which the host reads from configuration and tests pass in.
/// </remarks>
public static class TongBanGrainServices
{
    public static IServiceCollection AddTongBanGrains(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);

        // Reference data, embedded in the assembly.
        services.TryAddSingleton(_ => RegionCatalog.LoadEmbedded());
        services.TryAddSingleton<ServicePointDirectory>();
        services.TryAddSingleton(sp => ServiceCatalogue.Seeded(sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(_ => CalendarProvider.FromEmbedded());

        services.TryAddSingleton<PersonalDataProtector>();
        // The hall queue's come-now and call notices become outbox records (出站箱); the mode registers its outbox and options first.
        services.TryAddSingleton(new NotificationOptions());
        services.TryAddSingleton<INotificationOutbox, InMemoryNotificationOutbox>();
        services.TryAddSingleton<ICitizenNotificationChannel, OutboxCitizenNotificationChannel>();
        services.TryAddSingleton<IELicenceRegistry>(sp => new InProcessELicenceRegistry(sp.GetRequiredService<PersonalDataProtector>()));
        services.TryAddSingleton<HallHours>();

        // Stores: in memory unless the mode registered its own. The case store also keeps the non-case audit streams.
        services.TryAddSingleton<ICaseStore, InMemoryCaseStore>();
        services.TryAddSingleton(sp => (IAuditStreamStore)sp.GetRequiredService<ICaseStore>());
        services.TryAddSingleton<IRatingStore, InMemoryRatingStore>();
        services.TryAddSingleton<IQueueDayArchive, InMemoryQueueDayArchive>();

        // Service history (服务记录): in memory unless the mode registered its store; one batcher per silo, which the hall
        // queue and window grains hand records to after their writes, never waiting.
        services.TryAddSingleton(new HistoryOptions());
        services.TryAddSingleton<IHistoryStore, InMemoryHistoryStore>();
        services.TryAddSingleton<IServiceHistory>(sp => sp.GetRequiredService<IHistoryStore>());
        services.TryAddSingleton<HistoryWriter>();
        services.TryAddSingleton<IHistorySink>(sp => sp.GetRequiredService<HistoryWriter>());

        // One per silo: batches the served-ticket records windows hand over when they finish a ticket.
        services.TryAddSingleton<ServedTicketWriter>();
        return services;
    }
}
