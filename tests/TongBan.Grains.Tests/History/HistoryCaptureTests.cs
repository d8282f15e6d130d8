using TongBan.Grains.History;
using TongBan.Grains.Queues;
using TongBan.Grains.Windows;

namespace TongBan.Grains.Tests.History;

[Trait("Category", "Unit")]
public class HistoryCaptureTests
{
    private static readonly TimeSpan China = TimeSpan.FromHours(8);

    private static readonly DateTimeOffset Issued = new(2026, 12, 7, 8, 59, 30, China);

    private static Ticket Done() => new(
        "A012", "A", TicketKind.Remote, PriorityClass.Normal, TicketState.Done, Issued, Issued.AddSeconds(30), null, 3, null, 1,
        Issued.AddMinutes(10), Issued.AddMinutes(10), Issued.AddMinutes(11), Issued.AddMinutes(19), 8, null, null);

    private static DeskCommand Command(DeskAction action) =>
        new(new WindowSession(3, WindowStatus.Open, "clerk-7", ["A"], null, null, TimeSpan.Zero, new DateOnly(2026, 12, 7)), action);

    [Fact]
    public void A_finish_becomes_a_served_record_with_wait_and_service_seconds()
    {
        var t = Done();
        var record = HistoryCapture.FromDesk("520102-H001", "520102", Command(DeskAction.Finish), t, ["A"], null, t.FinishedAt!.Value);
        Assert.NotNull(record);
        Assert.Equal((TicketOutcomeKind.Served, 3, "clerk-7", new DateOnly(2026, 12, 7)), (record.Outcome, record.WindowNo, record.Clerk, record.Day));
        Assert.Equal((570, 480), (record.WaitSeconds, record.ServiceSeconds)); // 9:30 after entering; 8 min of service
        Assert.Equal((Issued, t.FinishedAt!.Value), (record.TakenAt, record.At));
    }

    [Fact]
    public void Calls_and_starts_are_not_outcomes_and_a_transfer_records_its_source_line()
    {
        var t = Done() with { State = TicketState.Called };
        Assert.Null(HistoryCapture.FromDesk("520102-H001", "520102", Command(DeskAction.CallNext), t, ["A"], null, Issued));
        Assert.Null(HistoryCapture.FromDesk("520102-H001", "520102", Command(DeskAction.Start), t with { State = TicketState.Serving }, ["A"], null, Issued));

        var moved = t with { Category = "B", FromCategory = "A", State = TicketState.Waiting, FirstCalledAt = null };
        var transfer = HistoryCapture.FromDesk("520102-H001", "520102", Command(DeskAction.Transfer), moved, ["A", "B"], null, Issued.AddMinutes(12));
        Assert.Equal((TicketOutcomeKind.Transferred, "A", "B", (int?)null), (transfer!.Outcome, transfer.Category, transfer.Note, transfer.WaitSeconds));

        // A redirect to another window of the same line is not a transfer out.
        Assert.Null(HistoryCapture.FromDesk("520102-H001", "520102", Command(DeskAction.Transfer), t with { TargetWindow = 4 }, ["A"], null, Issued));
    }

    [Fact]
    public void A_walk_up_is_served_without_a_wait_and_names_its_item()
    {
        var walkUp = new WalkUpService("A-W001", "A", "000101001", 3, Issued);
        var record = HistoryCapture.FromDesk("520102-H001", "520102", Command(DeskAction.WalkUp), null, ["A"], walkUp, Issued);
        Assert.Equal((TicketOutcomeKind.WalkUp, "000101001", (int?)null), (record!.Outcome, record.Item, record.WaitSeconds));
    }

    [Fact]
    public void The_sink_gets_a_cancel_from_the_line_and_nothing_for_a_ticket_not_cancelled()
    {
        var sink = new ListSink();
        var cancelled = Done() with { State = TicketState.Cancelled, WindowNo = null, FirstCalledAt = null, StartedAt = null };
        HistoryCapture.Cancelled(sink, "520102-H001", "520102", cancelled, Issued.AddMinutes(5));
        HistoryCapture.Cancelled(sink, "520102-H001", "520102", Done(), Issued.AddMinutes(5));
        var record = Assert.Single(sink.Tickets);
        Assert.Equal((TicketOutcomeKind.Cancelled, (int?)null, (int?)null), (record.Outcome, record.WindowNo, record.WaitSeconds));
    }

    private sealed class ListSink : IHistorySink
    {
        public List<TicketOutcome> Tickets { get; } = [];

        public void Append(TicketOutcome outcome) => Tickets.Add(outcome);

        public void Append(WindowActivity activity)
        {
        }

        public void Append(CaseTicketLink link)
        {
        }
    }
}
