using TongBan.Grains.History;
using TongBan.Grains.Queues;
using TongBan.Grains.Ratings;
using TongBan.Grains.Windows;

namespace TongBan.Grains.Tests.History;

[Trait("Category", "Unit")]
public class ReportCalculatorTests
{
    private static readonly TimeSpan China = TimeSpan.FromHours(8);

    private static readonly DateOnly Monday = new(2026, 11, 30);

    private static DateTimeOffset At(DateOnly day, int hour, int minute = 0) => new(day.ToDateTime(new TimeOnly(hour, minute)), China);

    private static TicketOutcome Ticket(DateOnly day, string no, TicketOutcomeKind kind, int? waitSeconds = null, int? serviceSeconds = null, int hour = 9) =>
        new("520102-H001", "520102", day, no, "A", kind, 1, "clerk-1", null, At(day, 8), null, null, At(day, hour), waitSeconds, serviceSeconds, null, TicketKind.WalkIn);

    [Fact]
    public void Counts_waits_and_service_times_per_day_and_over_the_range()
    {
        var calc = new ReportCalculator(Monday, Monday.AddDays(1), ReportGranularity.Day);
        calc.Add(Ticket(Monday, "A001", TicketOutcomeKind.Served, 60, 300));
        calc.Add(Ticket(Monday, "A002", TicketOutcomeKind.Served, 120, 600));
        calc.Add(Ticket(Monday, "A003", TicketOutcomeKind.NoShow, 600));
        calc.Add(Ticket(Monday, "A004", TicketOutcomeKind.Cancelled));
        calc.Add(Ticket(Monday, "A005", TicketOutcomeKind.Transferred));
        calc.Add(Ticket(Monday, "A-W001", TicketOutcomeKind.WalkUp));
        calc.Add(Ticket(Monday.AddDays(1), "A001", TicketOutcomeKind.Served, 1200, 60));
        calc.Add(Ticket(Monday.AddDays(2), "A001", TicketOutcomeKind.Served, 1, 1)); // outside the range

        var rows = calc.Rows();
        Assert.Equal(2, rows.Count);
        var monday = rows[0];
        Assert.Equal(("2026-11-30", 4, 3, 1, 1, 1, 1), (monday.Period, monday.Tickets, monday.Served, monday.WalkUps, monday.NoShow, monday.Cancelled, monday.Transferred));
        Assert.Equal(4.3, monday.WaitMeanMinutes); // (60 + 120 + 600) / 3 s = 260 s
        Assert.Equal(2.0, monday.WaitP50Minutes); // nearest rank: 2nd of 3
        Assert.Equal(10.0, monday.WaitP90Minutes);
        Assert.Equal(7.5, monday.ServiceMeanMinutes);

        var total = calc.Total();
        Assert.Equal(("total", 5, 4), (total.Period, total.Tickets, total.Served));
        Assert.Equal(20.0, total.WaitP90Minutes);
        Assert.Equal(Monday.AddDays(1), total.To);
    }

    [Fact]
    public void Empty_periods_are_listed_and_have_no_wait_figures()
    {
        var calc = new ReportCalculator(Monday, Monday.AddDays(2), ReportGranularity.Day);
        var rows = calc.Rows();
        Assert.Equal(3, rows.Count);
        Assert.All(rows, r => Assert.Equal((0, (double?)null, (double?)null, (double?)null), (r.Tickets, r.WaitMeanMinutes, r.WaitP90Minutes, r.GoodRate)));
    }

    [Fact]
    public void Weeks_start_on_monday_and_months_on_the_first_and_are_clipped_to_the_range()
    {
        var weeks = new ReportCalculator(new DateOnly(2026, 12, 2), new DateOnly(2026, 12, 15), ReportGranularity.Week).Rows();
        Assert.Equal(["2026-W49", "2026-W50", "2026-W51"], weeks.Select(r => r.Period));
        Assert.Equal((new DateOnly(2026, 12, 2), new DateOnly(2026, 12, 6)), (weeks[0].From, weeks[0].To));
        Assert.Equal((new DateOnly(2026, 12, 14), new DateOnly(2026, 12, 15)), (weeks[2].From, weeks[2].To));

        var months = new ReportCalculator(new DateOnly(2026, 11, 20), new DateOnly(2027, 1, 5), ReportGranularity.Month);
        months.Add(Ticket(new DateOnly(2026, 12, 31), "A001", TicketOutcomeKind.Served, 60, 60));
        var rows = months.Rows();
        Assert.Equal(["2026-11", "2026-12", "2027-01"], rows.Select(r => r.Period));
        Assert.Equal([0, 1, 0], rows.Select(r => r.Served));
        Assert.Equal(new DateOnly(2026, 11, 20), rows[0].From);
    }

    [Fact]
    public void Staff_paused_and_parked_time_are_summed_by_the_day_they_started()
    {
        var calc = new ReportCalculator(Monday, Monday, ReportGranularity.Day);
        calc.Add(new WindowActivity("520102-H001", "520102", 1, "clerk-1", WindowActivityKind.Session, At(Monday, 8, 30), At(Monday, 12)));
        calc.Add(new WindowActivity("520102-H001", "520102", 1, "clerk-1", WindowActivityKind.Pause, At(Monday, 10), At(Monday, 10, 15), PauseReason.Break));
        calc.Add(Ticket(Monday, "A009", TicketOutcomeKind.Parked, hour: 9) with { At = At(Monday, 9, 0) });
        calc.Add(Ticket(Monday, "A009", TicketOutcomeKind.Unparked) with { At = At(Monday, 9, 20) });
        var row = calc.Rows()[0];
        Assert.Equal((210.0, 15.0, 20.0, 1), (row.StaffMinutes, row.PausedMinutes, row.ParkedMinutes, row.Parked));
    }

    [Fact]
    public void Good_rate_counts_levels_three_to_five_and_one_visit_rate_counts_finished_cases_with_at_most_one_visit()
    {
        var calc = new ReportCalculator(Monday, Monday, ReportGranularity.Day);
        calc.AddRatings(Monday, new LevelCounts(1, 0, 1, 1, 5));
        calc.AddRatings(Monday.AddDays(-3), new LevelCounts(9, 9, 9, 9, 9)); // before the range
        calc.Add(new CaseFact("C1", Monday, Finished: true, OnTime: true, Visits: 1));
        calc.Add(new CaseFact("C2", Monday, Finished: true, OnTime: false, Visits: 2));
        calc.Add(new CaseFact("C3", Monday, Finished: true, OnTime: true, Visits: 0)); // online: no hall visit
        calc.Add(new CaseFact("C4", Monday, Finished: false, OnTime: false, Visits: 1));
        var row = calc.Rows()[0];
        Assert.Equal((8, 7, 1, 0.875), (row.Ratings, row.GoodRatings, row.BadRatings, row.GoodRate!.Value));
        Assert.Equal((4, 3, 2, 2, 0.6667), (row.CasesReceived, row.CasesFinished, row.CasesOnTime, row.OneVisitFinished, row.OneVisitRate!.Value));
    }

    [Fact]
    public void Percentile_is_nearest_rank()
    {
        int[] sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        Assert.Equal(5, ReportCalculator.Percentile(sorted, 0.5));
        Assert.Equal(9, ReportCalculator.Percentile(sorted, 0.9));
        Assert.Equal(1, ReportCalculator.Percentile([1], 0.9));
        Assert.Null(ReportCalculator.Percentile([], 0.5));
    }

    [Fact]
    public void A_range_ending_before_it_starts_is_refused() =>
        Assert.Throws<ArgumentException>(() => new ReportCalculator(Monday, Monday.AddDays(-1), ReportGranularity.Day));
}
