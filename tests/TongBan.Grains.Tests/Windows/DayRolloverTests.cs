using TongBan.Grains.Queues;
using TongBan.Grains.Tests.Support;
using TongBan.Grains.Windows;

namespace TongBan.Grains.Tests.Windows;

[Collection(ClockedClusterCollection.Name)]
[Trait("Category", "Integration")]
public class DayRolloverTests(ClockedClusterFixture fixture)
{
    [Fact]
    public async Task At_the_halls_midnight_numbers_restart_yesterday_is_archived_and_the_window_count_resets()
    {
        const string hall = "520422-H001"; // 普定县
        var queue = fixture.Grains.Line(hall, "A");
        var window = fixture.Grains.GetGrain<IWindowGrain>(WindowKeys.Of(hall, 1));
        ClockedClusterFixture.Clock.Set(new DateTimeOffset(2026, 11, 24, 16, 30, 0, TimeSpan.FromHours(8)));
        for (var i = 0; i < 3; i++)
        {
            await queue.Take(new TicketRequest(TicketKind.WalkIn));
        }

        await window.Open("c1");
        await window.CallNext(null);
        await window.Act(WindowCommand.Start, null);
        ClockedClusterFixture.Clock.Advance(TimeSpan.FromMinutes(8));
        await window.Act(WindowCommand.Finish, null);
        Assert.Equal(1, (await window.GetView()).ServedToday);

        // 23:59:59 local is still the same day; 00:00 local (16:00 UTC) is the next one.
        ClockedClusterFixture.Clock.Set(new DateTimeOffset(2026, 11, 24, 23, 59, 59, TimeSpan.FromHours(8)));
        Assert.Equal("A004", (await queue.Take(new TicketRequest(TicketKind.WalkIn))).Value.Ticket.Number);
        ClockedClusterFixture.Clock.Set(new DateTimeOffset(2026, 11, 24, 16, 0, 0, TimeSpan.Zero));
        Assert.Equal("A001", (await queue.Take(new TicketRequest(TicketKind.WalkIn))).Value.Ticket.Number);

        var view = await queue.GetView();
        Assert.Equal(1, view.Counts.Issued);
        Assert.Equal(new DateOnly(2026, 11, 24), view.LastClosedDay!.Day);
        Assert.Equal(0, (await window.GetView()).ServedToday);

        var archived = await ClockedClusterFixture.Archive.HistoryAsync(hall, new DateOnly(2026, 11, 24), new DateOnly(2026, 11, 24), CancellationToken.None);
        var day = Assert.Single(archived);
        Assert.Equal(4, day.Issued);
        Assert.Equal(1, day.Served);
        Assert.True(day.AddsUp);
    }
}
