using Orleans.TestingHost;
using TongBan.Grains.Queues;

namespace TongBan.Grains.Tests.Support;

/// <summary>A one-silo TestCluster whose clock the tests control (day roll-over, deadlines).</summary>
public sealed class ClockedClusterFixture : IAsyncLifetime
{
    /// <summary>Shared with the in-process silo through a static, because the silo builds its own service provider.</summary>
    public static readonly ManualClock Clock = new(new DateTimeOffset(2026, 11, 24, 9, 0, 0, TimeSpan.FromHours(8)));

    public static readonly InMemoryQueueDayArchive Archive = new();

    /// <summary>The silo's case store, reachable from tests (tamper tests edit it directly).</summary>
    public static readonly TongBan.Grains.Cases.InMemoryCaseStore CaseStore = new();

    /// <summary>The silos' rating store, reachable from tests (lost-delta tests write to it directly).</summary>
    public static readonly TongBan.Grains.Ratings.InMemoryRatingStore RatingStore = new();

    public TestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.GrainFactory;

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(1);
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo) =>
            TestSiloWiring.Configure(silo, Clock, CaseStore, RatingStore, Archive);
    }
}

[CollectionDefinition(Name)]
public sealed class ClockedClusterCollection : ICollectionFixture<ClockedClusterFixture>
{
    public const string Name = "clocked cluster";
}
