using Orleans.TestingHost;
using TongBan.Grains.Regions;

namespace TongBan.Grains.Tests.Support;

/// <summary>A two-silo in-process TestCluster with the same grain wiring as the embedded mode.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    /// <summary>Loaded once per test process: the boundaries take ~0.3 s to parse and convert.</summary>
    internal static readonly Lazy<RegionCatalog> Regions = new(RegionCatalog.LoadEmbedded);

    /// <summary>Where the case store writes the notifications of its commits (declared first: the store takes it).</summary>
    public static readonly TongBan.Grains.Notifications.InMemoryNotificationOutbox Outbox = new();

    /// <summary>The silo's case store, reachable from tests (tamper tests edit it directly).</summary>
    public static readonly TongBan.Grains.Cases.InMemoryCaseStore CaseStore = new(Outbox);

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
        public void Configure(ISiloBuilder silo) =>
            TestSiloWiring.Configure(silo, TimeProvider.System, CaseStore, RatingStore, notifications: Outbox);
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
