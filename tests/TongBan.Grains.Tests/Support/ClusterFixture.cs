using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Orleans.TestingHost;
using TongBan.Grains.Common;
using TongBan.Grains.Halls;
using TongBan.Grains.Queues;
using TongBan.Grains.Regions;

namespace TongBan.Grains.Tests.Support;

/// <summary>A two-silo in-process TestCluster with the same grain wiring as the embedded mode.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    /// <summary>Loaded once per test process: the boundaries take ~0.3 s to parse and convert.</summary>
    internal static readonly Lazy<RegionCatalog> Regions = new(RegionCatalog.LoadEmbedded);

    /// <summary>The silo's case store, reachable from tests (tamper tests edit it directly).</summary>
    public static readonly TongBan.Grains.Cases.InMemoryCaseStore CaseStore = new();

    /// <summary>The silos' rating store, reachable from tests (lost-delta tests write to it directly).</summary>
    public static readonly TongBan.Grains.Ratings.InMemoryRatingStore RatingStore = new();

    public TestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.GrainFactory;

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(2);
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            silo.AddMemoryGrainStorage(StorageNames.Default);
            silo.UseInMemoryReminderService();
            silo.Services.AddSingleton<IGrainStorageSerializer, OrleansGrainStorageSerializer>();
            silo.Services.AddSingleton(TimeProvider.System);
            silo.Services.AddSingleton<ICitizenNotificationChannel, LoggingNotificationChannel>();
            silo.Services.AddSingleton(_ => TongBan.Grains.Catalogue.ServiceCatalogue.Seeded());
            silo.Services.AddSingleton(_ => TongBan.Grains.Calendar.CalendarProvider.FromEmbedded());
            silo.Services.AddSingleton<TongBan.Grains.Cases.ICaseStore>(CaseStore);
            silo.Services.AddSingleton<TongBan.Grains.Ratings.IRatingStore>(RatingStore);
            silo.Services.AddSingleton(new TongBan.Grains.Ratings.RatingOptions());
            silo.Services.AddSingleton<TongBan.Grains.Cases.IAuditStreamStore>(CaseStore);
            silo.Services.AddSingleton(new TongBan.Grains.Appointments.AppointmentOptions());
            silo.Services.AddSingleton(new TongBan.Grains.Appointments.AppointmentClock(TimeProvider.System));
            silo.Services.AddSingleton(TongBan.Grains.Appointments.ApplicantHasher.FromText(TongBan.Grains.Appointments.ApplicantHasher.DevelopmentKey));
            silo.Services.AddSingleton<IQueueDayArchive, InMemoryQueueDayArchive>();
            // The demo library plus the ID card the case fixture's applicant cites (EL-52-0001).
            silo.Services.AddSingleton<TongBan.Grains.Licences.IELicenceRegistry>(_ => new TongBan.Grains.Licences.InProcessELicenceRegistry(
            [
                .. TongBan.Grains.Licences.InProcessELicenceRegistry.Seed(new TongBan.Grains.Identity.PersonalDataProtector(TongBan.Grains.Identity.PrivacyOptions.Development())),
                new TongBan.Grains.Licences.ELicenceRecord(
                    TongBan.Grains.Catalogue.ELicenceType.ResidentIdCard, "EL-52-0001", TongBan.Grains.Tests.Cases.CaseFixture.ApplicantKey, "张*", "贵阳市公安局",
                    new DateOnly(2020, 1, 1), null),
            ]));
            silo.Services.AddSingleton(_ => Regions.Value);
            silo.Services.AddSingleton(sp =>
            {
                var directory = new ServicePointDirectory(sp.GetRequiredService<RegionCatalog>());
                directory.Load(ServicePointSeed.Generate(sp.GetRequiredService<RegionCatalog>()));
                return directory;
            });
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
