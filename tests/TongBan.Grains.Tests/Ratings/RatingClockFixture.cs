using Orleans.TestingHost;
using TongBan.Grains.Common;
using TongBan.Grains.Ratings;
using TongBan.Grains.Tests.Support;

namespace TongBan.Grains.Tests.Ratings;

/// <summary>
/// A one-silo TestCluster with its own settable clock for the rating tests that let days pass. Separate from
/// <see cref="ClockedClusterFixture"/> because the silo's runtime reads the same clock and must never see it go
/// back: these tests move it weeks ahead, the day roll-over tests set it to fixed dates.
/// </summary>
public sealed class RatingClockFixture : IAsyncLifetime
{
    /// <summary>Shared with the in-process silo through a static, because the silo builds its own service provider.</summary>
    public static readonly ManualClock Clock = new(new DateTimeOffset(2026, 6, 1, 9, 0, 0, TimeSpan.FromHours(8)));

    public static readonly InMemoryRatingStore RatingStore = new();

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

    /// <summary>Moves the clock forward to the next <paramref name="day"/> at <paramref name="hour"/>:00 China time (never back).</summary>
    public static DateTimeOffset MoveToNext(DayOfWeek day, int hour)
    {
        var now = Clock.GetUtcNow().ToOffset(ChinaTime.Offset);
        var date = now.Date.AddDays(1);
        while (date.DayOfWeek != day)
        {
            date = date.AddDays(1);
        }

        var at = new DateTimeOffset(date.AddHours(hour), ChinaTime.Offset);
        Clock.Set(at);
        return at;
    }

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo) =>
            TestSiloWiring.Configure(silo, Clock, ratingStore: RatingStore);
    }
}
