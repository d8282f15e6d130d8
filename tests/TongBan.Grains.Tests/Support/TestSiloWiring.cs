using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using TongBan.Grains.Appointments;
using TongBan.Grains.Calendar;
using TongBan.Grains.Cases;
using TongBan.Grains.Catalogue;
using TongBan.Grains.Common;
using TongBan.Grains.Halls;
using TongBan.Grains.Identity;
using TongBan.Grains.Licences;
using TongBan.Grains.Queues;
using TongBan.Grains.Ratings;
using TongBan.Grains.Tests.Cases;

namespace TongBan.Grains.Tests.Support;

/// <summary>
/// The grain wiring of the embedded mode, for every test cluster: one list, so a service a new grain needs is
/// registered once for all fixtures. Fixtures pass what they own (clock, stores, options) and take the rest.
/// </summary>
public static class TestSiloWiring
{
    /// <summary>Tuesday 24 Nov 2026, 10:00 +08:00: an ordinary working day inside every seeded hall's morning session.</summary>
    public static readonly TimeProvider WorkingMorning = new ManualClock(new DateTimeOffset(2026, 11, 24, 10, 0, 0, TimeSpan.FromHours(8)));

    public static void Configure(
        ISiloBuilder silo,
        TimeProvider clock,
        ICaseStore? caseStore = null,
        IRatingStore? ratingStore = null,
        IQueueDayArchive? archive = null,
        AppointmentOptions? appointmentOptions = null,
        TimeProvider? appointmentClock = null,
        TimeProvider? hallClock = null,
        TongBan.Grains.Notifications.InMemoryNotificationOutbox? notifications = null)
    {
        silo.AddMemoryGrainStorage(LosingGrainStorage.InnerName);
        silo.UseInMemoryReminderService();
        var services = silo.Services;
        services.AddKeyedSingleton<IGrainStorage>(
            StorageNames.Default, (sp, _) => new LosingGrainStorage(sp.GetRequiredKeyedService<IGrainStorage>(LosingGrainStorage.InnerName)));
        services.AddSingleton<IGrainStorageSerializer, OrleansGrainStorageSerializer>();
        services.AddSingleton(clock);
        services.AddSingleton<ICitizenNotificationChannel, TongBan.Grains.Notifications.OutboxCitizenNotificationChannel>();
        services.AddSingleton(new TongBan.Grains.Notifications.NotificationOptions());
        services.AddSingleton(_ => ServiceCatalogue.Seeded());
        services.AddSingleton(_ => CalendarProvider.FromEmbedded());
        services.AddSingleton(new TongBan.Grains.Crypto.CryptoOptions());
        // As in the host: the case grain opens its applicant record to ask every keyed hash's credit grain.
        services.AddSingleton(new PersonalDataProtector(PrivacyOptions.Development()));
        var cases = caseStore ?? new InMemoryCaseStore();
        services.AddSingleton(cases);
        if (cases is IAuditStreamStore streams)
        {
            services.AddSingleton(streams);
        }

        services.AddSingleton(ratingStore ?? new InMemoryRatingStore());
        services.AddSingleton<ServedTicketWriter>();
        services.AddSingleton(new RatingOptions());
        services.AddSingleton(appointmentOptions ?? new AppointmentOptions());
        services.AddSingleton(new AppointmentClock(appointmentClock ?? clock));
        // The hall floor's opening-hours checks read their own clock: pinned to a working-day morning unless a fixture
        // brings one, so tests that open windows pass at any real time (a Sunday night in CI) and whatever their own clock does.
        services.AddSingleton(new HallFloorClock(hallClock ?? WorkingMorning));
        services.AddSingleton<HallHours>();
        services.AddSingleton(ApplicantHasher.FromText(ApplicantHasher.DevelopmentKey));
        services.AddSingleton(new PersonalDataProtector(PrivacyOptions.Development()));
        services.AddSingleton<TongBan.Grains.Notifications.INotificationOutbox>(notifications ?? new TongBan.Grains.Notifications.InMemoryNotificationOutbox());
        services.AddSingleton(archive ?? new InMemoryQueueDayArchive());
        // The demo library plus the ID card the case fixture's applicant cites (EL-52-0001).
        services.AddSingleton<IELicenceRegistry>(_ => new InProcessELicenceRegistry(
        [
            .. InProcessELicenceRegistry.Seed(new PersonalDataProtector(PrivacyOptions.Development())),
            new ELicenceRecord(ELicenceType.ResidentIdCard, "EL-52-0001", CaseFixture.ApplicantKey, "张*", "贵阳市公安局", new DateOnly(2020, 1, 1), null),
        ]));
        services.AddSingleton(_ => ClusterFixture.Regions.Value);
        services.AddSingleton(_ =>
        {
            var directory = new ServicePointDirectory(ClusterFixture.Regions.Value);
            directory.Load(ServicePointSeed.Generate(ClusterFixture.Regions.Value));
            return directory;
        });
    }
}
