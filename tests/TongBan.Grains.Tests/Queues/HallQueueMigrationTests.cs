using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Storage;
using Orleans.TestingHost;
using TongBan.Grains.Common;
using TongBan.Grains.Halls;
using TongBan.Grains.Queues;
using TongBan.Grains.Tests.Support;
using TongBan.Grains.Windows;

namespace TongBan.Grains.Tests.Queues;

/// <summary>
/// A silo upgraded over an existing database: the per-category queue records and window records written by the release
/// before the hall queue (state <c>queue</c> key <c>{hall}/{category}</c>, state <c>window</c> key <c>{hall}/{n}</c>)
/// load into the hall's one queue grain on its first activation, and a window's stored current ticket is reconciled
/// with the line (the line says who holds what).
/// </summary>
[Collection(ClockedClusterCollection.Name)]
[Trait("Category", "Integration")]
public class HallQueueMigrationTests(ClockedClusterFixture fixture)
{
    /// <summary>
    /// The queue record of <see cref="QueueStateMigrationTests"/>, written by the per-category queue grain (commit 8ec999e):
    /// queue A on 2026-11-26, 12 issued and 2 received: 5 done, a no-show (A006), a cancel (A012), A007 transferred to B
    /// and back (called again at window 1), A008 parked, A009–A011 and B003 waiting.
    /// </summary>
    private const string QueueA = "ICBAA0FhaUoLAAExAQkBIQEBIQAdIQABQQlBMDAxCQMNCQMBCQMNIYAAaMemm0vfCIEAQCMOQwAAAOAhgABox6abS98IgQBAIw5DAAAA4MEBAQXBAQEFAQEhgABIzdOmS98IgQBAIw5DAAAA4CGAAEjN06ZL3wiBAEAjDkMAAADgIYAAjpD3pkvfCIEAQCMOQwAAAOAhgADUUxunS98IgQBAIw5DAAAA4IEAAAAAAAAAAAEBQQtvbGQtMAEBAQEBAcEBwQHBAcEB4CAABUEJQTAwMgkDAQkDAQkDDSGAAK6KyptL3wiBAEAjDkMAAADgIYAArorKm0vfCIEAQCMOQwAAAODBAQEJwQEBBQEBIYAAGhc/p0vfCIEAQCMOQwAAAOAhgAAaFz+nS98IgQBAIw5DAAAA4CGAAGDaYqdL3wiBAEAjDkMAAADgIYAApp2Gp0vfCIEAQCMOQwAAAOCBAAAAAAAAAAABDUELb2xkLTEBAQEBAQHBAcEBwQHBAeAgAAlBCUEwMDMJAwEJAwEJAw0hgAD0Te6bS98IgQBAIw5DAAAA4CGAAPRN7ptL3wiBAEAjDkMAAADgwQEBBcEBAQUBASGAAOxgqqdL3wiBAEAjDkMAAADgIYAA7GCqp0vfCIEAQCMOQwAAAOAhgAAyJM6nS98IgQBAIw5DAAAA4CGAAHjn8adL3wiBAEAjDkMAAADggQAAAAAAAAAAARlBC29sZC0yAQEBAQEBwQHBAcEBwQHgIAANQQlBMDA0CQMNCQMBCQMNIYAAOhESnEvfCIEAQCMOQwAAAOAhgAA6ERKcS98IgQBAIw5DAAAA4MEBAQnBAQEFAQEhgAC+qhWoS98IgQBAIw5DAAAA4CGAAL6qFahL3wiBAEAjDkMAAADgIYAABG45qEvfCIEAQCMOQwAAAOAhgABKMV2oS98IgQBAIw5DAAAA4IEAAAAAAAAAAAElQQtvbGQtMwEBAQEBAcEBwQHBAcEB4CAAEUEJQTAwNQkDAQkDAQkDDSGAAIDUNZxL3wiBAEAjDkMAAADgIYAAgNQ1nEvfCIEAQCMOQwAAAODBAQEFwQEBBQEBIYAAkPSAqEvfCIEAQCMOQwAAAOAhgACQ9ICoS98IgQBAIw5DAAAA4CGAANa3pKhL3wiBAEAjDkMAAADgIYAAHHvIqEvfCIEAQCMOQwAAAOCBAAAAAAAAAAABMUELb2xkLTQBAQEBAQHBAcEBwQHBAeAgABVBCUEwMDYJAwEJAwEJAxEhgADGl1mcS98IgQBAIw5DAAAA4CGAAMaXWZxL3wiBAEAjDkMAAADgwQEBBcEBAREBDSGAADhQaqxL3wiBAEAjDkMAAADgIYAACprVrEvfCIEAQCMOQwAAAODBASGAAJYgHa1L3wiBAEAjDkMAAADggQAAAAAAAAAAAT1BC29sZC01AQEBAQEBwQHBAcEBwQHgIAAZQQlBMDA3CQMNCQMBCQMZIYAADFt9nEvfCIEAQCMOQwAAAOAhgAAMW32cS98IgQBAIw5DAAAA4MEBAQnBAQEFAQEhgAD08M+tS98IgQBAIw5DAAAA4CGAAPTwz61L3wiBAEAjDkMAAADgwQEhgAA6tPOtS98IgQBAIw5DAAAA4IEAAAAAAAAAAAFJQQtvbGQtNgEBAQEBAcEBwQFBA0LBAeAgAB1BCUEwMDgJAwEJAwEJAx0hgABSHqGcS98IgQBAIw5DAAAA4CGAAFIeoZxL3wiBAEAjDkMAAADgwQHBAcEBAQEBAcEBwQHBAcEBgQAAAAAAAAAAAVVBC29sZC03AQEBAQEBwQHBAcEBwQHgIAAhQQlBMDA5CQMBCQMBCQMBIYAAmOHEnEvfCIEAQCMOQwAAAOAhgACY4cScS98IgQBAIw5DAAAA4MEBwQHBAQEBAQHBAcEBwQHBAYEAAAAAAAAAAAFhQQtvbGQtOAEBAQEBAcEBwQHBAcEB4CAAJUEJQTAxMAkDDQkDAQkDASGAAN6k6JxL3wiBAEAjDkMAAADgIYAA3qTonEvfCIEAQCMOQwAAAODBAcEBwQEBAQEBwQHBAcEBwQGBAAAAAAAAAAABbUELb2xkLTkBAQEBAQHBAcEBwQHBAeAgAClBCUEwMTEJAwEJAwEJAwEhgAAkaAydS98IgQBAIw5DAAAA4CGAACRoDJ1L3wiBAEAjDkMAAADgwQHBAcEBAQEBAcEBwQHBAcEBgQAAAAAAAAAAAXlBDW9sZC0xMAEBAQEBAcEBwQHBAcEB4CAALUEJQTAxMgkDAQkDAQkDFSGAAGorMJ1L3wiBAEAjDkMAAADgIYAAaiswnUvfCIEAQCMOQwAAAODBAcEBwQEBAQEBwQHBAcEBIYAA3ONArUvfCIEAQCMOQwAAAOCBAAAAAAAAAAABhUENb2xkLTExAQEBAQEBwQHBAcEBwQHgIAAxwdYDCQMBCQMBCQMFIYAAUh6hnEvfCIEAQCMOQwAAAOAhgACwkTWvS98IgQBAIw5DAAAA4MEBAQXBAQEFAQEhgAAo0wCyS98IgQBAIw5DAAAA4CGAACjTALJL3wiBAEAjDkMAAADgwQHBAYEAAAAAAAAAAAEJwQEBAQEBAQFBEUI6QTAwNzowwVoEwQHBAeAgADVBCUIwMDMJAw0JAwEJAwEhgACcqdefS98IgQBAIw5DAAAA4CGAAA5i6K9L3wiBAEAjDkMAAADgwQHBAcEBAQEBAcEBwQHBAcEBgQAAAAAAAAAAAR3BAQEBAQEBAUERQjpCMDAzOjLBWgTBAcEB4OAh6IB9PzVeusljQAEV4MEB4IEAAAAAAAAAQCEBA0EJQTAwNODg";

    private static readonly TimeSpan China = TimeSpan.FromHours(8);

    private IServiceProvider Silo => ((InProcessSiloHandle)fixture.Cluster.Primary!).ServiceProvider;

    private IGrainStorage Storage => Silo.GetRequiredKeyedService<IGrainStorage>(StorageNames.Default);

    private IWindowGrain Window(string hall, int no) => fixture.Grains.GetGrain<IWindowGrain>(WindowKeys.Of(hall, no));

    [Fact]
    public async Task Queue_and_window_records_of_the_earlier_release_load_into_the_hall_queue_and_carry_on()
    {
        ClockedClusterFixture.Clock.Set(new DateTimeOffset(2026, 11, 26, 11, 41, 0, China));
        var hall = Silo.GetRequiredService<ServicePointDirectory>().All.Last(p =>
            p.Categories.Any(c => c.Code == "B")
            && p.Windows.Any(w => w.WindowNo == 1 && w.Categories[0] == "A")
            && p.Windows.Any(w => w.WindowNo == 2 && w.Categories[0] == "A")).Code;

        // The grain ids the earlier release stored under: the grain type is the class name without "Grain" (window, queue).
        var windowKey = WindowKeys.Of(hall, 1);
        Assert.Equal(GrainId.Create("window", windowKey), Window(hall, 1).GetGrainId());
        var queue = Silo.GetRequiredService<Serializer>().Deserialize<QueueGrainState>(Convert.FromBase64String(QueueA))!;
        await Storage.WriteStateAsync("queue", GrainId.Create("queue", QueueKeys.Of(hall, "A")), new Record<QueueGrainState>(queue));

        // Window 1 holds A007 (as its line says); window 2's record is behind its line (it still holds A005, which is done).
        var day = new DateOnly(2026, 11, 26);
        await Storage.WriteStateAsync("window", GrainId.Create("window", windowKey), new Record<WindowState>(new WindowState
        {
            Status = WindowStatus.Open,
            Clerk = "old-1",
            Current = new HeldTicket("A", "A007", TicketState.Called),
            ServedToday = 5,
            Day = day,
            RecentServed = ["A", "A", "A"],
        }));
        await Storage.WriteStateAsync("window", GrainId.Create("window", WindowKeys.Of(hall, 2)), new Record<WindowState>(new WindowState
        {
            Status = WindowStatus.Open,
            Clerk = "old-2",
            Current = new HeldTicket("A", "A005", TicketState.Serving),
            Day = day,
        }));

        var one = await Window(hall, 1).GetView();
        Assert.Equal((WindowStatus.Open, "old-1", 5), (one.Status, one.Clerk, one.ServedToday));
        Assert.Equal(new HeldTicket("A", "A007", TicketState.Called), one.Current);
        Assert.Equal(["A", "A", "A"], one.RecentServed);
        var two = await Window(hall, 2).GetView();
        Assert.Equal((WindowStatus.Open, "old-2"), (two.Status, two.Clerk));
        Assert.Null(two.Current);
        var stored = new Record<WindowState>(new WindowState());
        await Storage.ReadStateAsync("window", GrainId.Create("window", WindowKeys.Of(hall, 2)), stored);
        Assert.Null(stored.State.Current); // reconciled: the window no longer keeps a ticket of its own

        var line = fixture.Grains.Line(hall, "A");
        Assert.Equal(new QueueCounts(12, 2, 4, 1, 1, 0, 5, 1, 1, 1), (await line.GetView()).Counts);
        Assert.Equal(TicketState.Parked, (await line.GetStatus("A008"))!.Ticket.State);
        var snapshot = await fixture.Grains.GetGrain<IHallGrain>(hall).GetSnapshot();
        Assert.Equal("A007", snapshot.Windows.Single(w => w.WindowNo == 1).ServingTicket);
        Assert.Equal(5, snapshot.ServedToday);

        // The day carries on: the held ticket is served, numbering continues, window 2 calls the head of the line.
        Assert.True((await Window(hall, 1).Act(WindowCommand.Start, "start-1")).IsOk);
        var finished = await Window(hall, 1).Act(WindowCommand.Finish, "finish-1");
        Assert.True(finished.IsOk, finished.Violation?.Message);
        Assert.Equal(("A007", TicketState.Done, 6), (finished.Ticket!.Number, finished.Ticket.State, finished.Window.ServedToday));
        Assert.Equal("A013", (await line.Take(new TicketRequest(TicketKind.WalkIn))).Value.Ticket.Number);
        Assert.Equal("A009", (await Window(hall, 2).CallNext("call-2")).Ticket!.Number);

        // Reactivated, the hall queue reads its own record, not the earlier release's again.
        await fixture.Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        var after = (await line.GetView()).Counts;
        Assert.Equal((13, 6, 1), (after.Issued, after.Done, after.Called));
        Assert.True(after.AddsUp);
        Assert.Equal("A009", (await Window(hall, 2).GetView()).Current!.TicketNo);
    }

    private sealed class Record<T>(T state) : IGrainState<T>
    {
        [System.Diagnostics.CodeAnalysis.AllowNull]
        public T State { get; set; } = state;

        public string? ETag { get; set; }

        public bool RecordExists { get; set; }
    }
}
