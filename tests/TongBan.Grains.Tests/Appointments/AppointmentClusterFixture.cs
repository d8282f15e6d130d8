using Orleans.TestingHost;
using TongBan.Grains.Appointments;
using TongBan.Grains.Tests.Support;

namespace TongBan.Grains.Tests.Appointments;

/// <summary>
/// A settable clock that keeps running in real time from wherever it was set, so Orleans reminders (which wait in real
/// time) fire when the shifted clock says the deadline has come.
/// </summary>
public sealed class ShiftClock : TimeProvider
{
    private long offsetTicks;

    public void SetNow(DateTimeOffset now) => Interlocked.Exchange(ref offsetTicks, (now - System.GetUtcNow()).Ticks);

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + TimeSpan.FromTicks(Interlocked.Read(ref offsetTicks));
}

/// <summary>
/// A two-silo TestCluster like <see cref="ClusterFixture"/> plus the appointment services, with the appointment clock
/// settable by the tests. Its own fixture so the shared one keeps the plain system clock; only the appointment books read
/// the shifted clock (queues and halls keep the system's, as in production).
/// </summary>
public sealed class AppointmentClusterFixture : IAsyncLifetime
{
    /// <summary>Static: the in-process silos share it with the tests.</summary>
    public static readonly ShiftClock Clock = new();

    /// <summary>Check-in closes 5 s after the slot start here, so a reminder-driven no-show happens within a test.</summary>
    public static readonly AppointmentOptions Options = new() { CheckInAfter = TimeSpan.FromSeconds(5) };

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
            TestSiloWiring.Configure(silo, TimeProvider.System, appointmentOptions: Options, appointmentClock: Clock);
    }
}

[CollectionDefinition(Name)]
public sealed class AppointmentClusterCollection : ICollectionFixture<AppointmentClusterFixture>
{
    public const string Name = "appointment-cluster";
}
