using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using TongBan.Grains.Queues;

namespace TongBan.Grains.Tests.Queues;

/// <summary>
/// A silo upgraded over an existing database must load yesterday's queue state, written before finished tickets were
/// moved out of the hot state (every ticket of the day in <c>Tickets</c>, no <c>NextSeq</c>, no tally).
/// </summary>
[Trait("Category", "Unit")]
public sealed class QueueStateMigrationTests : IDisposable
{
    /// <summary>
    /// A <see cref="QueueGrainState"/> serialized by the code before the move-out (commit 8ec999e): queue A on
    /// 2026-11-26, 12 issued and 2 received — 5 done, a no-show (A006), a cancel (A012), A007 transferred to B and back
    /// (called again at window 1), A008 parked, A009–A011 and B003 waiting; 2 serving windows; come-now sent to A004.
    /// </summary>
    private const string WrittenBeforeTheMoveOut =
        "ICBAA0FhaUoLAAExAQkBIQEBIQAdIQABQQlBMDAxCQMNCQMBCQMNIYAAaMemm0vfCIEAQCMOQwAAAOAhgABox6abS98IgQBAIw5DAAAA4MEBAQXBAQEFAQEhgABIzdOmS98IgQBAIw5DAAAA4CGAAEjN06ZL3wiBAEAjDkMAAADgIYAAjpD3pkvfCIEAQCMOQwAAAOAhgADUUxunS98IgQBAIw5DAAAA4IEAAAAAAAAAAAEBQQtvbGQtMAEBAQEBAcEBwQHBAcEB4CAABUEJQTAwMgkDAQkDAQkDDSGAAK6KyptL3wiBAEAjDkMAAADgIYAArorKm0vfCIEAQCMOQwAAAODBAQEJwQEBBQEBIYAAGhc/p0vfCIEAQCMOQwAAAOAhgAAaFz+nS98IgQBAIw5DAAAA4CGAAGDaYqdL3wiBAEAjDkMAAADgIYAApp2Gp0vfCIEAQCMOQwAAAOCBAAAAAAAAAAABDUELb2xkLTEBAQEBAQHBAcEBwQHBAeAgAAlBCUEwMDMJAwEJAwEJAw0hgAD0Te6bS98IgQBAIw5DAAAA4CGAAPRN7ptL3wiBAEAjDkMAAADgwQEBBcEBAQUBASGAAOxgqqdL3wiBAEAjDkMAAADgIYAA7GCqp0vfCIEAQCMOQwAAAOAhgAAyJM6nS98IgQBAIw5DAAAA4CGAAHjn8adL3wiBAEAjDkMAAADggQAAAAAAAAAAARlBC29sZC0yAQEBAQEBwQHBAcEBwQHgIAANQQlBMDA0CQMNCQMBCQMNIYAAOhESnEvfCIEAQCMOQwAAAOAhgAA6ERKcS98IgQBAIw5DAAAA4MEBAQnBAQEFAQEhgAC+qhWoS98IgQBAIw5DAAAA4CGAAL6qFahL3wiBAEAjDkMAAADgIYAABG45qEvfCIEAQCMOQwAAAOAhgABKMV2oS98IgQBAIw5DAAAA4IEAAAAAAAAAAAElQQtvbGQtMwEBAQEBAcEBwQHBAcEB4CAAEUEJQTAwNQkDAQkDAQkDDSGAAIDUNZxL3wiBAEAjDkMAAADgIYAAgNQ1nEvfCIEAQCMOQwAAAODBAQEFwQEBBQEBIYAAkPSAqEvfCIEAQCMOQwAAAOAhgACQ9ICoS98IgQBAIw5DAAAA4CGAANa3pKhL3wiBAEAjDkMAAADgIYAAHHvIqEvfCIEAQCMOQwAAAOCBAAAAAAAAAAABMUELb2xkLTQBAQEBAQHBAcEBwQHBAeAgABVBCUEwMDYJAwEJAwEJAxEhgADGl1mcS98IgQBAIw5DAAAA4CGAAMaXWZxL3wiBAEAjDkMAAADgwQEBBcEBAREBDSGAADhQaqxL3wiBAEAjDkMAAADgIYAACprVrEvfCIEAQCMOQwAAAODBASGAAJYgHa1L3wiBAEAjDkMAAADggQAAAAAAAAAAAT1BC29sZC01AQEBAQEBwQHBAcEBwQHgIAAZQQlBMDA3CQMNCQMBCQMZIYAADFt9nEvfCIEAQCMOQwAAAOAhgAAMW32cS98IgQBAIw5DAAAA4MEBAQnBAQEFAQEhgAD08M+tS98IgQBAIw5DAAAA4CGAAPTwz61L3wiBAEAjDkMAAADgwQEhgAA6tPOtS98IgQBAIw5DAAAA4IEAAAAAAAAAAAFJQQtvbGQtNgEBAQEBAcEBwQFBA0LBAeAgAB1BCUEwMDgJAwEJAwEJAx0hgABSHqGcS98IgQBAIw5DAAAA4CGAAFIeoZxL3wiBAEAjDkMAAADgwQHBAcEBAQEBAcEBwQHBAcEBgQAAAAAAAAAAAVVBC29sZC03AQEBAQEBwQHBAcEBwQHgIAAhQQlBMDA5CQMBCQMBCQMBIYAAmOHEnEvfCIEAQCMOQwAAAOAhgACY4cScS98IgQBAIw5DAAAA4MEBwQHBAQEBAQHBAcEBwQHBAYEAAAAAAAAAAAFhQQtvbGQtOAEBAQEBAcEBwQHBAcEB4CAAJUEJQTAxMAkDDQkDAQkDASGAAN6k6JxL3wiBAEAjDkMAAADgIYAA3qTonEvfCIEAQCMOQwAAAODBAcEBwQEBAQEBwQHBAcEBwQGBAAAAAAAAAAABbUELb2xkLTkBAQEBAQHBAcEBwQHBAeAgAClBCUEwMTEJAwEJAwEJAwEhgAAkaAydS98IgQBAIw5DAAAA4CGAACRoDJ1L3wiBAEAjDkMAAADgwQHBAcEBAQEBAcEBwQHBAcEBgQAAAAAAAAAAAXlBDW9sZC0xMAEBAQEBAcEBwQHBAcEB4CAALUEJQTAxMgkDAQkDAQkDFSGAAGorMJ1L3wiBAEAjDkMAAADgIYAAaiswnUvfCIEAQCMOQwAAAODBAcEBwQEBAQEBwQHBAcEBIYAA3ONArUvfCIEAQCMOQwAAAOCBAAAAAAAAAAABhUENb2xkLTExAQEBAQEBwQHBAcEBwQHgIAAxwdYDCQMBCQMBCQMFIYAAUh6hnEvfCIEAQCMOQwAAAOAhgACwkTWvS98IgQBAIw5DAAAA4MEBAQXBAQEFAQEhgAAo0wCyS98IgQBAIw5DAAAA4CGAACjTALJL3wiBAEAjDkMAAADgwQHBAYEAAAAAAAAAAAEJwQEBAQEBAQFBEUI6QTAwNzowwVoEwQHBAeAgADVBCUIwMDMJAw0JAwEJAwEhgACcqdefS98IgQBAIw5DAAAA4CGAAA5i6K9L3wiBAEAjDkMAAADgwQHBAcEBAQEBAcEBwQHBAcEBgQAAAAAAAAAAAR3BAQEBAQEBAUERQjpCMDAzOjLBWgTBAcEB4OAh6IB9PzVeusljQAEV4MEB4IEAAAAAAAAAQCEBA0EJQTAwNODg";

    private static readonly TimeSpan China = TimeSpan.FromHours(8);

    private readonly ServiceProvider services = new ServiceCollection()
        .AddSerializer(b => b.AddAssembly(typeof(CategoryQueueState).Assembly))
        .BuildServiceProvider();

    public void Dispose() => services.Dispose();

    private static DateTimeOffset At(int hour, int minute) => new(2026, 11, 26, hour, minute, 0, China);

    [Fact]
    public void A_state_written_before_the_move_out_loads_answers_as_then_and_carries_on()
    {
        var grain = services.GetRequiredService<Serializer>().Deserialize<QueueGrainState>(Convert.FromBase64String(WrittenBeforeTheMoveOut))!;
        var state = grain.Queue;
        var q = new CategoryQueue(state, "A");

        Assert.Equal(2, grain.ServingWindows);
        Assert.Contains("A004", grain.ComeNowSent);
        Assert.Equal(new DateOnly(2026, 11, 26), q.Day);
        var counts = new QueueCounts(12, 2, 4, 1, 1, 0, 5, 1, 1, 1);
        var waits = new WaitStatistics(8, 84.875, 124, 8, 76.75, 106);
        Assert.Equal(counts, q.Counts);
        Assert.Equal(waits, q.WaitStatistics);
        Assert.Equal(TicketState.Done, q.Find("A001")!.State);
        Assert.Equal(TicketState.NoShow, q.Find("A006")!.State);
        Assert.Equal(TicketState.Cancelled, q.Find("A012")!.State);
        Assert.Equal((TicketState.Called, 1, "B"), (q.Find("A007")!.State, q.Find("A007")!.WindowNo, q.Find("A007")!.FromCategory));
        Assert.Equal(
            "A009:1:0,A010:2:2,A011:3:3,B003:4:4",
            string.Join(",", q.WaitingLine(2, At(11, 41)).Select(x => $"{x.Ticket.Number}:{x.Position}:{x.PredictedWaitMinutes}")));
        Assert.Equal(6, q.PredictNewcomerWaitMinutes(2, At(11, 41)));

        // The EWMA that code kept seeds the robust estimator (no samples of its own yet), so predictions do not jump.
        Assert.Equal(0, q.ServiceSamples);
        Assert.Equal(
            WaitEstimator.EstimateServiceTime([], state.ServiceTime, QueueRules.Default.PriorServiceTime, QueueRules.Default),
            q.MeanServiceTime);
        Assert.True(state.ServiceTime.Observations > 0);

        // Its finished entries (all eight) move out like any others; nothing any answer reads changes.
        Assert.Equal(8, state.FinishedHeld);
        state.MoveOut(state.FinishedToMove());
        Assert.Equal(6, state.Tickets.Count);
        Assert.Equal(counts, q.Counts);
        Assert.Equal(waits, q.WaitStatistics);
        Assert.Equal(TicketState.Called, q.Find("A007")!.State); // the live entry, not the transferred one

        // Idempotency and numbering carry on: a retried take returns its ticket, the next is A013 with the next sequence.
        Assert.Equal("A001", q.Take(new TicketRequest(TicketKind.Kiosk, IdempotencyKey: "old-0"), 2, At(11, 42)).Value.Ticket.Number);
        Assert.Equal("A013", q.Take(new TicketRequest(TicketKind.WalkIn), 2, At(11, 43)).Value.Ticket.Number);
        Assert.Equal("A:A013:14", q.TransferOut("A013", null, "B", null, At(11, 44)).Value.TransferId);

        // The next morning yesterday closes with a summary that adds up.
        var summary = q.RollOver(At(9, 0).AddDays(1))!;
        Assert.Equal((13, 2, 5, 1, 1, 2, 6), (summary.Issued, summary.Received, summary.Served, summary.NoShows, summary.Cancelled, summary.TransferredOut, summary.Unfinished));
        Assert.True(summary.AddsUp);
        Assert.Equal(0, q.Counts.Issued);
    }
}
