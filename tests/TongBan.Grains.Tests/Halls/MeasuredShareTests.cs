using TongBan.Grains.Queues;
using TongBan.Grains.Tests.Support;
using TongBan.Grains.Windows;

namespace TongBan.Grains.Tests.Halls;

/// <summary>
/// The hall measures each open window's share of the categories it lists from what it serves, and tells the queues:
/// a window listing D and A that serves only A stops counting as half a window for D. A line left without an open
/// window says so (null wait, no-window flag). Runs on the manual clock, so services last minutes.
/// </summary>
[Collection(ClockedClusterCollection.Name)]
[Trait("Category", "Integration")]
public class MeasuredShareTests(ClockedClusterFixture fixture)
{
    private const string Hall = "520330-H001"; // 习水县: window 10 serves D (帮办代办) first, then A

    [Fact]
    public async Task A_window_serving_only_A_counts_less_for_its_other_category_and_a_line_left_alone_is_flagged()
    {
        var clock = ClockedClusterFixture.Clock;
        clock.Set(new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.FromHours(8)));
        var window = fixture.Grains.GetGrain<IWindowGrain>(WindowKeys.Of(Hall, 10));
        var a = fixture.Grains.Line(Hall, "A");
        var d = fixture.Grains.Line(Hall, "D");
        Assert.Equal(new[] { "D", "A" }, (await window.GetView()).Categories);

        Assert.True((await window.Open("c10")).IsOk);
        var before = await Until(d, v => v.Capacity > 0);
        Assert.Equal(0.5, before.Capacity, 9); // no history yet: the even split
        Assert.Equal(1, before.ServingWindows);

        for (var i = 0; i < 8; i++)
        {
            await a.Take(new TicketRequest(TicketKind.WalkIn));
            Assert.Equal("A", (await window.CallNext(null)).Ticket!.Category);
            Assert.True((await window.Act(WindowCommand.Start, null)).IsOk);
            clock.Advance(TimeSpan.FromMinutes(5));
            Assert.True((await window.Act(WindowCommand.Finish, null)).IsOk);
        }

        // Eight A services: D's share is (0 + 4/2) / (8 + 4) = 1/6, A's 5/6 (pushed once it drifts by ≥ 0.05).
        var after = await Until(d, v => v.Capacity < 0.25);
        Assert.InRange(after.Capacity, 1.0 / 6 - 0.05, 1.0 / 6 + 0.05);
        Assert.Equal(1, after.ServingWindows); // published: one whole window serves D
        var viewA = await Until(a, v => v.Capacity > 0.75);
        Assert.InRange(viewA.Capacity, 5.0 / 6 - 0.05, 5.0 / 6 + 0.05);
        Assert.Equal((8, 5.0), (viewA.ServiceSamples, viewA.MeanServiceMinutes)); // 8 services of 5 min, no prior any more

        // The window pauses while a D ticket waits: D has no open window, so no wait is predicted and the line is flagged.
        await d.Take(new TicketRequest(TicketKind.WalkIn));
        Assert.True((await window.Pause()).IsOk);
        var alone = await Until(d, v => v.Capacity == 0);
        Assert.True(alone.NoWindow);
        Assert.Null(alone.PredictedWaitMinutes);
        Assert.Equal(0, alone.ServingWindows);
    }

    /// <summary>The hall tells the queue one-way: read until the condition holds (or hand the last view to the asserts).</summary>
    private static async Task<QueueView> Until(QueueLine queue, Func<QueueView, bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        var view = await queue.GetView();
        while (!condition(view) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
            view = await queue.GetView();
        }

        return view;
    }
}
