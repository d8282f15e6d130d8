using TongBan.Grains.Alerts;
using TongBan.Grains.Halls;

namespace TongBan.Grains.Tests.Alerts;

[Trait("Category", "Unit")]
public class AlertRulesTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 24, 10, 0, 0, TimeSpan.FromHours(8));

    private static readonly Dictionary<int, DateTimeOffset> NoPauses = [];

    internal static HallSnapshot Floor(DateTimeOffset at, IReadOnlyList<CategorySnapshot> categories, IReadOnlyList<WindowSnapshot>? windows = null) =>
        new("520102-H001", at, categories, windows ?? [], 0, 0, null, false);

    [Fact]
    public void A_waiting_count_at_the_threshold_opens_an_alert_and_below_it_none()
    {
        var t = AlertThresholds.Default with { WaitingCount = 30 };
        var at = AlertRules.Evaluate(Floor(T0, [new("A", "综合", 30, 20, ServingWindows: 2)]), t, NoPauses, [], T0);
        var below = AlertRules.Evaluate(Floor(T0, [new("A", "综合", 29, 20, ServingWindows: 2)]), t, NoPauses, [], T0);

        var alert = Assert.Single(at);
        Assert.Equal(AlertKind.WaitingCount, alert.Kind);
        Assert.Equal("A", alert.Subject);
        Assert.Equal(30, alert.Value);
        Assert.Empty(below);
    }

    [Fact]
    public void A_predicted_wait_past_the_threshold_opens_an_alert_and_an_unknown_wait_does_not()
    {
        var t = AlertThresholds.Default with { PredictedWaitMinutes = 45, NoOpenWindow = false };
        var late = AlertRules.Evaluate(Floor(T0, [new("B", "社保", 5, 50, ServingWindows: 1)]), t, NoPauses, [], T0);
        var unknown = AlertRules.Evaluate(Floor(T0, [new("B", "社保", 5, null, ServingWindows: 0, NoWindow: true)]), t, NoPauses, [], T0);

        Assert.Equal(AlertKind.PredictedWait, Assert.Single(late).Kind);
        Assert.Empty(unknown);
    }

    [Fact]
    public void Waiting_tickets_without_an_open_window_open_a_no_window_alert_unless_switched_off()
    {
        var floor = Floor(T0, [new("C", "不动产", 3, null, ServingWindows: 0, NoWindow: true), new("D", "税务", 0, null)]);

        var on = AlertRules.Evaluate(floor, AlertThresholds.Default, NoPauses, [], T0);
        var off = AlertRules.Evaluate(floor, AlertThresholds.Default with { NoOpenWindow = false }, NoPauses, [], T0);

        var alert = Assert.Single(on);
        Assert.Equal((AlertKind.NoOpenWindow, "C"), (alert.Kind, alert.Subject));
        Assert.Empty(off);
    }

    [Fact]
    public void A_pause_is_timed_from_the_first_floor_that_shows_it_and_alerts_once_it_lasts_the_threshold()
    {
        var paused = Floor(T0, [], [new WindowSnapshot(3, "paused", null, PauseReason: "break")]);
        var since = AlertRules.TrackPauses(NoPauses, paused);
        Assert.Equal(T0, since[3]);

        // A later floor keeps the start; the rule fires at 20 minutes, not before.
        var later = paused with { At = T0.AddMinutes(5) };
        since = AlertRules.TrackPauses(since, later);
        Assert.Equal(T0, since[3]);
        var t = AlertThresholds.Default with { WindowPausedMinutes = 20 };
        Assert.Empty(AlertRules.Evaluate(later, t, since, [], T0.AddMinutes(19)));
        var alert = Assert.Single(AlertRules.Evaluate(later, t, since, [], T0.AddMinutes(20)));
        Assert.Equal((AlertKind.WindowPaused, "3", 20.0), (alert.Kind, alert.Subject, alert.Value));

        // Resumed: the pause is forgotten, so a new pause is timed afresh.
        var resumed = Floor(T0.AddMinutes(21), [], [new WindowSnapshot(3, "open", null)]);
        Assert.Empty(AlertRules.TrackPauses(since, resumed));
    }

    [Fact]
    public void Deadlines_alert_within_the_warning_days_and_when_overdue()
    {
        var today = DateOnly.FromDateTime(T0.DateTime);
        IReadOnlyList<DeadlineItem> items =
        [
            new(AlertKind.FollowUpDeadline, "R1", "回访核实", today.AddDays(1)),
            new(AlertKind.CaseDeadline, "C1", "承诺办结时限", today.AddDays(-2)),
            new(AlertKind.CaseDeadline, "C2", "承诺办结时限", today.AddDays(5)),
        ];

        var found = AlertRules.Evaluate(null, AlertThresholds.Default with { DeadlineWarningDays = 1 }, NoPauses, items, T0);
        var off = AlertRules.Evaluate(null, AlertThresholds.Default with { DeadlineWarningDays = null }, NoPauses, items, T0);

        Assert.Equal(["C1", "R1"], found.Select(c => c.Subject).Order());
        Assert.Contains("已逾期 2 天", found.Single(c => c.Subject == "C1").Message, StringComparison.Ordinal);
        Assert.Empty(off);
    }

    [Fact]
    public void Reconcile_opens_new_conditions_keeps_holding_ones_and_clears_the_rest_with_a_clear_time()
    {
        var open = AlertRules.Reconcile([], [new(AlertKind.WaitingCount, "A", "m", 30, 30), new(AlertKind.NoOpenWindow, "C", "m", 1, null)], T0).Opened;
        Assert.Equal(2, open.Count);
        Assert.All(open, a => Assert.Equal(T0, a.OpenedAt));

        var changes = AlertRules.Reconcile(open, [new(AlertKind.WaitingCount, "A", "m2", 35, 30)], T0.AddMinutes(3));

        Assert.Empty(changes.Opened); // still holding: the same alert stays open
        var cleared = Assert.Single(changes.Cleared);
        Assert.Equal((AlertKind.NoOpenWindow, (DateTimeOffset?)T0.AddMinutes(3)), (cleared.Kind, cleared.ClearedAt));
    }

    [Fact]
    public void History_in_range_is_what_overlaps_it_newest_first()
    {
        HallAlert A(int openedMin, int clearedMin) => new($"x{openedMin}", AlertKind.WaitingCount, "A", "m", T0.AddMinutes(openedMin), T0.AddMinutes(clearedMin));
        var history = new[] { A(0, 10), A(20, 30), A(40, 50) };

        var found = AlertRules.InRange(history, T0.AddMinutes(25), T0.AddMinutes(45));

        Assert.Equal(["x40", "x20"], found.Select(a => a.Id));
    }

    [Theory]
    [InlineData(0, 45, 20, 1, "waitingCount")]
    [InlineData(30, 601, 20, 1, "predictedWaitMinutes")]
    [InlineData(30, 45, 0, 1, "windowPausedMinutes")]
    [InlineData(30, 45, 20, 31, "deadlineWarningDays")]
    public void Thresholds_out_of_range_name_their_field(int waiting, int wait, int paused, int days, string field) =>
        Assert.Equal(field, new AlertThresholds(waiting, wait, paused, true, days).Validate()?.Field);

    [Fact]
    public void Null_thresholds_are_valid_and_switch_their_rules_off()
    {
        var off = new AlertThresholds(null, null, null, false, null);
        Assert.Null(off.Validate());
        var floor = Floor(T0, [new("A", "综合", 500, 300, ServingWindows: 0, NoWindow: true)], [new WindowSnapshot(1, "paused", null)]);
        Assert.Empty(AlertRules.Evaluate(floor, off, new Dictionary<int, DateTimeOffset> { [1] = T0.AddHours(-3) }, [], T0));
    }
}
