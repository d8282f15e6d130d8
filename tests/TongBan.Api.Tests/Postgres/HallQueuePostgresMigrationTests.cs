using System.Globalization;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Storage;
using TongBan.Api.Tests.Infrastructure;
using TongBan.Grains.Common;
using TongBan.Grains.Halls;
using TongBan.Grains.Queues;
using TongBan.Grains.Windows;
using TongBan.Silo.Hosting;

namespace TongBan.Api.Tests.Postgres;

/// <summary>
/// The PostgreSQL form of the Grains tests' <c>HallQueueMigrationTests</c>: a database written by the release before the
/// hall queue (a per-category queue record, state <c>queue</c>, and window records, state <c>window</c>, in Orleans' ADO.NET
/// grain storage) is opened by today's silo. The hall queue reads them in on its first activation; the stored day (26 Nov
/// 2026) is then closed on today's date, so its summary reaches the PostgreSQL day archive, and the hall queue's own record
/// is written (and read back by a new activation, not the old records again).
/// </summary>
[Collection(PostgresCollection.Name)]
[Trait("Category", "Integration")]
public sealed class HallQueuePostgresMigrationTests(PostgresServer server)
{
    /// <summary>Queue A of 26 Nov 2026 as the per-category queue grain wrote it (commit 8ec999e): the same bytes as the Grains tests use.</summary>
    private const string QueueA = "ICBAA0FhaUoLAAExAQkBIQEBIQAdIQABQQlBMDAxCQMNCQMBCQMNIYAAaMemm0vfCIEAQCMOQwAAAOAhgABox6abS98IgQBAIw5DAAAA4MEBAQXBAQEFAQEhgABIzdOmS98IgQBAIw5DAAAA4CGAAEjN06ZL3wiBAEAjDkMAAADgIYAAjpD3pkvfCIEAQCMOQwAAAOAhgADUUxunS98IgQBAIw5DAAAA4IEAAAAAAAAAAAEBQQtvbGQtMAEBAQEBAcEBwQHBAcEB4CAABUEJQTAwMgkDAQkDAQkDDSGAAK6KyptL3wiBAEAjDkMAAADgIYAArorKm0vfCIEAQCMOQwAAAODBAQEJwQEBBQEBIYAAGhc/p0vfCIEAQCMOQwAAAOAhgAAaFz+nS98IgQBAIw5DAAAA4CGAAGDaYqdL3wiBAEAjDkMAAADgIYAApp2Gp0vfCIEAQCMOQwAAAOCBAAAAAAAAAAABDUELb2xkLTEBAQEBAQHBAcEBwQHBAeAgAAlBCUEwMDMJAwEJAwEJAw0hgAD0Te6bS98IgQBAIw5DAAAA4CGAAPRN7ptL3wiBAEAjDkMAAADgwQEBBcEBAQUBASGAAOxgqqdL3wiBAEAjDkMAAADgIYAA7GCqp0vfCIEAQCMOQwAAAOAhgAAyJM6nS98IgQBAIw5DAAAA4CGAAHjn8adL3wiBAEAjDkMAAADggQAAAAAAAAAAARlBC29sZC0yAQEBAQEBwQHBAcEBwQHgIAANQQlBMDA0CQMNCQMBCQMNIYAAOhESnEvfCIEAQCMOQwAAAOAhgAA6ERKcS98IgQBAIw5DAAAA4MEBAQnBAQEFAQEhgAC+qhWoS98IgQBAIw5DAAAA4CGAAL6qFahL3wiBAEAjDkMAAADgIYAABG45qEvfCIEAQCMOQwAAAOAhgABKMV2oS98IgQBAIw5DAAAA4IEAAAAAAAAAAAElQQtvbGQtMwEBAQEBAcEBwQHBAcEB4CAAEUEJQTAwNQkDAQkDAQkDDSGAAIDUNZxL3wiBAEAjDkMAAADgIYAAgNQ1nEvfCIEAQCMOQwAAAODBAQEFwQEBBQEBIYAAkPSAqEvfCIEAQCMOQwAAAOAhgACQ9ICoS98IgQBAIw5DAAAA4CGAANa3pKhL3wiBAEAjDkMAAADgIYAAHHvIqEvfCIEAQCMOQwAAAOCBAAAAAAAAAAABMUELb2xkLTQBAQEBAQHBAcEBwQHBAeAgABVBCUEwMDYJAwEJAwEJAxEhgADGl1mcS98IgQBAIw5DAAAA4CGAAMaXWZxL3wiBAEAjDkMAAADgwQEBBcEBAREBDSGAADhQaqxL3wiBAEAjDkMAAADgIYAACprVrEvfCIEAQCMOQwAAAODBASGAAJYgHa1L3wiBAEAjDkMAAADggQAAAAAAAAAAAT1BC29sZC01AQEBAQEBwQHBAcEBwQHgIAAZQQlBMDA3CQMNCQMBCQMZIYAADFt9nEvfCIEAQCMOQwAAAOAhgAAMW32cS98IgQBAIw5DAAAA4MEBAQnBAQEFAQEhgAD08M+tS98IgQBAIw5DAAAA4CGAAPTwz61L3wiBAEAjDkMAAADgwQEhgAA6tPOtS98IgQBAIw5DAAAA4IEAAAAAAAAAAAFJQQtvbGQtNgEBAQEBAcEBwQFBA0LBAeAgAB1BCUEwMDgJAwEJAwEJAx0hgABSHqGcS98IgQBAIw5DAAAA4CGAAFIeoZxL3wiBAEAjDkMAAADgwQHBAcEBAQEBAcEBwQHBAcEBgQAAAAAAAAAAAVVBC29sZC03AQEBAQEBwQHBAcEBwQHgIAAhQQlBMDA5CQMBCQMBCQMBIYAAmOHEnEvfCIEAQCMOQwAAAOAhgACY4cScS98IgQBAIw5DAAAA4MEBwQHBAQEBAQHBAcEBwQHBAYEAAAAAAAAAAAFhQQtvbGQtOAEBAQEBAcEBwQHBAcEB4CAAJUEJQTAxMAkDDQkDAQkDASGAAN6k6JxL3wiBAEAjDkMAAADgIYAA3qTonEvfCIEAQCMOQwAAAODBAcEBwQEBAQEBwQHBAcEBwQGBAAAAAAAAAAABbUELb2xkLTkBAQEBAQHBAcEBwQHBAeAgAClBCUEwMTEJAwEJAwEJAwEhgAAkaAydS98IgQBAIw5DAAAA4CGAACRoDJ1L3wiBAEAjDkMAAADgwQHBAcEBAQEBAcEBwQHBAcEBgQAAAAAAAAAAAXlBDW9sZC0xMAEBAQEBAcEBwQHBAcEB4CAALUEJQTAxMgkDAQkDAQkDFSGAAGorMJ1L3wiBAEAjDkMAAADgIYAAaiswnUvfCIEAQCMOQwAAAODBAcEBwQEBAQEBwQHBAcEBIYAA3ONArUvfCIEAQCMOQwAAAOCBAAAAAAAAAAABhUENb2xkLTExAQEBAQEBwQHBAcEBwQHgIAAxwdYDCQMBCQMBCQMFIYAAUh6hnEvfCIEAQCMOQwAAAOAhgACwkTWvS98IgQBAIw5DAAAA4MEBAQXBAQEFAQEhgAAo0wCyS98IgQBAIw5DAAAA4CGAACjTALJL3wiBAEAjDkMAAADgwQHBAYEAAAAAAAAAAAEJwQEBAQEBAQFBEUI6QTAwNzowwVoEwQHBAeAgADVBCUIwMDMJAw0JAwEJAwEhgACcqdefS98IgQBAIw5DAAAA4CGAAA5i6K9L3wiBAEAjDkMAAADgwQHBAcEBAQEBAcEBwQHBAcEBgQAAAAAAAAAAAR3BAQEBAQEBAUERQjpCMDAzOjLBWgTBAcEB4OAh6IB9PzVeusljQAEV4MEB4IEAAAAAAAAAQCEBA0EJQTAwNODg";

    [Fact]
    public async Task Queue_and_window_records_of_the_earlier_release_in_PostgreSQL_load_into_the_hall_queue()
    {
        var connectionString = await server.CreateDatabaseAsync("hallqueue_migration");
        var ports = FreePorts.Take(2);
        var app = TongBanHost.Build(
        [
            "--urls", "http://127.0.0.1:0",
            "--TongBan:Silo:SiloPort", ports[0].ToString(CultureInfo.InvariantCulture),
            "--TongBan:Silo:GatewayPort", ports[1].ToString(CultureInfo.InvariantCulture),
            "--TongBan:Silo:Dashboard", "false",
            "--ConnectionStrings:TongBan", connectionString,
            "--TongBan:Auth:SigningKey", RandomNumberGenerator.GetHexString(64),
            "--Logging:LogLevel:Default", "Warning",
        ]);
        await app.StartAsync();
        try
        {
            var services = app.Services;
            var grains = services.GetRequiredService<IGrainFactory>();
            var storage = services.GetRequiredKeyedService<IGrainStorage>(StorageNames.Default);
            var hall = services.GetRequiredService<ServicePointDirectory>().All.Last(p =>
                p.Categories.Any(c => c.Code == "B")
                && p.Windows.Any(w => w.WindowNo == 1 && w.Categories[0] == "A")
                && p.Windows.Any(w => w.WindowNo == 2 && w.Categories[0] == "A")).Code;

            // What the earlier release left in grain storage, under its grain ids (grain types "queue" and "window").
            var day = new DateOnly(2026, 11, 26);
            var queue = services.GetRequiredService<Serializer>().Deserialize<QueueGrainState>(Convert.FromBase64String(QueueA))!;
            await storage.WriteStateAsync("queue", GrainId.Create("queue", QueueKeys.Of(hall, "A")), new Record<QueueGrainState>(queue));
            await storage.WriteStateAsync("window", GrainId.Create("window", WindowKeys.Of(hall, 1)), new Record<WindowState>(new WindowState
            {
                Status = WindowStatus.Open,
                Clerk = "old-1",
                Current = new HeldTicket("A", "A007", TicketState.Called),
                ServedToday = 5,
                Day = day,
                RecentServed = ["A", "A", "A"],
            }));

            // The first activation reads them in; its first operation closes 26 Nov (today is later) and writes its own record.
            var view = await grains.Line(hall, "A").GetView();
            var closed = view.LastClosedDay;
            Assert.NotNull(closed);
            Assert.Equal((day, 12, 2, 5), (closed.Day, closed.Issued, closed.Received, closed.Served));
            Assert.True(closed.AddsUp);
            var archived = await services.GetRequiredService<IQueueDayArchive>().HistoryAsync(hall, day, day, CancellationToken.None);
            Assert.Equal((12, 2, 5), Assert.Single(archived, d => d.Category == "A") is var a ? (a.Issued, a.Received, a.Served) : default);

            var window = await grains.GetGrain<IWindowGrain>(WindowKeys.Of(hall, 1)).GetView();
            Assert.Equal("old-1", window.Clerk);
            Assert.Equal(["A", "A", "A"], window.RecentServed);
            Assert.Null(window.Current); // A007 was left at the close of 26 Nov: nothing carries into today

            var own = new Record<HallQueueState>(new HallQueueState());
            await storage.ReadStateAsync(HallQueueGrain.StateName, GrainId.Create(HallQueueGrain.StateName, hall), own);
            Assert.True(own.RecordExists);
            Assert.True(own.State.Migrated);
            Assert.True(own.State.Lines.ContainsKey("A"));

            // A new activation reads the hall queue's record, not the earlier release's records again: a window record
            // stored now (as if left behind) is not read in.
            await storage.WriteStateAsync("window", GrainId.Create("window", WindowKeys.Of(hall, 2)), new Record<WindowState>(new WindowState
            {
                Status = WindowStatus.Open,
                Clerk = "late-2",
                Day = day,
            }));
            await grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
            var floor = await grains.GetGrain<IHallQueueGrain>(hall).GetFloor();
            Assert.Null(floor.Windows.Single(w => w.WindowNo == 2).Clerk);
            Assert.Equal(12, (await grains.Line(hall, "A").GetView()).LastClosedDay?.Issued);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    private sealed class Record<T>(T state) : IGrainState<T>
    {
        [System.Diagnostics.CodeAnalysis.AllowNull]
        public T State { get; set; } = state;

        public string? ETag { get; set; }

        public bool RecordExists { get; set; }
    }
}
