using TongBan.Grains.Ratings;
using TongBan.Grains.Tests.Calendar;
using TongBan.Grains.Tests.Cases;

namespace TongBan.Grains.Tests.Ratings;

/// <summary>The 差评 follow-up: 核实 → 整改 → 反馈 → 复评, working-day deadlines, overdue flags and the appeal path.</summary>
[Trait("Category", "Integration")]
public class FollowUpRulesTests
{
    private static readonly FollowUpRules Rules = new(new RatingOptions());

    private static readonly FollowUpActor Manager = new(FollowUpRole.HallManager, "manager-1", HallCode: "520102-H001");
    private static readonly FollowUpActor Approver = new(FollowUpRole.Approver, "approver-1", DepartmentCode: "rsj", RegionCode: "520102");
    private static readonly FollowUpActor Supervisor = new(FollowUpRole.Supervisor, "sup-gy", RegionCode: "520100");
    private static readonly FollowUpActor TicketHolder = new(FollowUpRole.Rater, TicketTokenVerified: true);

    private static DateTimeOffset At(string date, int hour = 10) =>
        new(DateOnly.Parse(date, System.Globalization.CultureInfo.InvariantCulture).ToDateTime(new TimeOnly(hour, 0)), TimeSpan.FromHours(8));

    private static RatingRecord Rating(int level, string date, RatingTargetKind kind = RatingTargetKind.Ticket)
    {
        var at = At(date);
        var target = kind == RatingTargetKind.Ticket ? RatingTarget.Ticket("520102-H001", DateOnly.FromDateTime(at.DateTime), "A012") : RatingTarget.Case("GZ5201022611270000011");
        var subject = kind == RatingTargetKind.Ticket
            ? new RatingSubject("520102-H001", 3, "clerk-3", null, null, "520102")
            : new RatingSubject("520102-H001", 3, "clerk-3", "rsj-001", "rsj", "520102");
        return new RatingRecord(target, subject, [], level, RatingChannel.Mobile, null, "等了很久", kind == RatingTargetKind.Case ? CaseFixture.ApplicantKey : null, null,
            at.AddHours(-1), at, DateOnly.FromDateTime(at.DateTime));
    }

    private static FollowUpState Ok(FollowUpResult result)
    {
        Assert.True(result.Succeeded, result.Refusal?.Message);
        return result.State!;
    }

    [Fact]
    public void Deadlines_count_working_days_after_the_rating_day_across_Spring_Festival()
    {
        // Friday 13 Feb 2026: Saturday 14 is a 调休 working day, 15–23 are off, Saturday 28 is worked.
        var (state, opened) = Rules.Open(Rating(2, "2026-02-13"), CalendarFixtures.Embedded);
        Assert.Equal(new DateOnly(2026, 2, 14), state.ReturnVisitDue);
        Assert.Equal(new DateOnly(2026, 3, 12), state.ReplyDue);
        Assert.False(state.DeadlinesProvisional);
        Assert.Equal((FollowUpStage.AwaitingVerification, 1, "520102-H001", (string?)null), (state.Stage, state.Version, state.OwnerHall, state.OwnerDepartment));
        Assert.Equal((RatingEventKind.Opened, 1, "system"), (opened.Kind, opened.Version, opened.ActorRole));
        Assert.Contains("2026-02-14", opened.Note, StringComparison.Ordinal);

        // A Friday rating in an ordinary week: return visit by Monday.
        Assert.Equal(new DateOnly(2026, 11, 30), Rules.Open(Rating(1, "2026-11-27"), CalendarFixtures.Embedded).State.ReturnVisitDue);
        Assert.Throws<ArgumentException>(() => Rules.Open(Rating(3, "2026-11-27"), CalendarFixtures.Embedded));
    }

    [Fact]
    public void Deadlines_are_configurable_per_province_and_provisional_in_an_unpublished_year()
    {
        var strict = new FollowUpRules(new RatingOptions { ReturnVisitWorkingDays = 2, ReplyWorkingDays = 5 });
        var state = strict.Open(Rating(2, "2026-11-23"), CalendarFixtures.Embedded).State; // Monday
        Assert.Equal((new DateOnly(2026, 11, 25), new DateOnly(2026, 11, 30)), (state.ReturnVisitDue, state.ReplyDue));
        Assert.True(Rules.Open(Rating(2, "2026-12-28"), CalendarFixtures.Embedded).State.DeadlinesProvisional); // runs into 2027
    }

    [Fact]
    public void Steps_go_verify_rectify_reply_in_order_each_with_a_note_and_an_audit_event()
    {
        var rating = Rating(2, "2026-11-23");
        var s = Rules.Open(rating, CalendarFixtures.Embedded).State;
        var early = Rules.Apply(s, rating, new FollowUpCommand(FollowUpAction.Reply, Manager, "已整改"), At("2026-11-23", 11));
        Assert.Equal(RatingRefusalKind.NotAllowed, early.Refusal!.Kind);
        Assert.Equal(["verify", "appeal"], early.Refusal.Allowed!);

        Assert.Equal("noteRequired", Rules.Apply(s, rating, new FollowUpCommand(FollowUpAction.Verify, Manager, "  "), At("2026-11-23")).Refusal!.Code);
        Assert.Equal("noteTooLong", Rules.Apply(s, rating, new FollowUpCommand(FollowUpAction.Verify, Manager, new string('字', 1001)), At("2026-11-23")).Refusal!.Code);

        var verified = Rules.Apply(s, rating, new FollowUpCommand(FollowUpAction.Verify, Manager, "已电话回访，情况属实"), At("2026-11-24"));
        Assert.Equal((RatingEventKind.Verified, 2, "hallManager", "manager-1"), (verified.Event!.Kind, verified.Event.Version, verified.Event.ActorRole, verified.Event.Actor));
        s = Ok(verified);
        s = Ok(Rules.Apply(s, rating, new FollowUpCommand(FollowUpAction.Rectify, Manager, "增开窗口，调整排班"), At("2026-11-26")));
        s = Ok(Rules.Apply(s, rating, new FollowUpCommand(FollowUpAction.Reply, Manager, "已向您反馈整改情况"), At("2026-11-27")));
        Assert.Equal((FollowUpStage.Replied, 4, false, true), (s.Stage, s.Version, s.IsOpen, s.RepliedOnTime));
    }

    [Fact]
    public void Only_the_owner_hall_or_department_works_the_follow_up()
    {
        var ticket = Rating(2, "2026-11-23");
        var s = Rules.Open(ticket, CalendarFixtures.Embedded).State;
        var otherHall = Manager with { HallCode = "520103-H001" };
        Assert.Equal(RatingRefusalKind.Forbidden, Rules.Apply(s, ticket, new FollowUpCommand(FollowUpAction.Verify, otherHall, "x"), At("2026-11-23")).Refusal!.Kind);
        Assert.Equal(RatingRefusalKind.Forbidden, Rules.Apply(s, ticket, new FollowUpCommand(FollowUpAction.Verify, Approver, "x"), At("2026-11-23")).Refusal!.Kind); // no department for a ticket
        Assert.Equal(RatingRefusalKind.Forbidden, Rules.Apply(s, ticket, new FollowUpCommand(FollowUpAction.Verify, Supervisor, "x"), At("2026-11-23")).Refusal!.Kind);

        var @case = Rating(1, "2026-11-23", RatingTargetKind.Case);
        var cs = Rules.Open(@case, CalendarFixtures.Embedded).State;
        Assert.Equal("rsj/520102", cs.OwnerDepartment);
        Assert.True(Rules.Apply(cs, @case, new FollowUpCommand(FollowUpAction.Verify, Approver, "已核实"), At("2026-11-23")).Succeeded);
        Assert.True(Rules.Apply(cs, @case, new FollowUpCommand(FollowUpAction.Verify, Manager, "已核实"), At("2026-11-23")).Succeeded);
        Assert.False(Rules.Apply(cs, @case, new FollowUpCommand(FollowUpAction.Verify, Approver with { RegionCode = "520103" }, "x"), At("2026-11-23")).Succeeded);
    }

    [Fact]
    public void The_rater_may_rate_the_fix_once_within_seven_days_of_the_reply()
    {
        var rating = Rating(1, "2026-11-23");
        var s = Rules.Open(rating, CalendarFixtures.Embedded).State;
        Assert.Equal(RatingRefusalKind.NotAllowed, Rules.Apply(s, rating, new FollowUpCommand(FollowUpAction.RateFix, TicketHolder, null, 5), At("2026-11-23")).Refusal!.Kind);
        s = Ok(Rules.Apply(s, rating, new FollowUpCommand(FollowUpAction.Verify, Manager, "已回访"), At("2026-11-24")));
        s = Ok(Rules.Apply(s, rating, new FollowUpCommand(FollowUpAction.Rectify, Manager, "已整改"), At("2026-11-25")));
        var replied = Ok(Rules.Apply(s, rating, new FollowUpCommand(FollowUpAction.Reply, Manager, "已反馈"), At("2026-11-25", 16)));

        Assert.Equal(RatingRefusalKind.Forbidden, Rules.Apply(replied, rating, new FollowUpCommand(FollowUpAction.RateFix, TicketHolder with { TicketTokenVerified = false }, null, 5), At("2026-11-26")).Refusal!.Kind);
        Assert.Equal(RatingRefusalKind.Invalid, Rules.Apply(replied, rating, new FollowUpCommand(FollowUpAction.RateFix, TicketHolder, null, 6), At("2026-11-26")).Refusal!.Kind);
        Assert.Equal("fixRatingPeriodOver", Rules.Apply(replied, rating, new FollowUpCommand(FollowUpAction.RateFix, TicketHolder, null, 4), At("2026-12-03")).Refusal!.Code);

        var fix = Rules.Apply(replied, rating, new FollowUpCommand(FollowUpAction.RateFix, TicketHolder, "改进明显", 4), At("2026-11-26"));
        var fixedState = Ok(fix);
        Assert.Equal((FollowUpStage.FixRated, 4), (fixedState.Stage, fixedState.FixLevel));
        Assert.Equal((RatingEventKind.FixRated, "rater", (string?)null, 4), (fix.Event!.Kind, fix.Event.ActorRole, fix.Event.Actor, fix.Event.Level));
        Assert.Equal("fixAlreadyRated", Rules.Apply(fixedState, rating, new FollowUpCommand(FollowUpAction.RateFix, TicketHolder, null, 5), At("2026-11-26")).Refusal!.Code);
    }

    [Fact]
    public void A_case_fix_is_rated_by_its_applicant_or_through_12345_not_by_another_citizen()
    {
        var rating = Rating(2, "2026-11-23", RatingTargetKind.Case);
        var s = Rules.Open(rating, CalendarFixtures.Embedded).State;
        foreach (var step in new[] { FollowUpAction.Verify, FollowUpAction.Rectify, FollowUpAction.Reply })
        {
            s = Ok(Rules.Apply(s, rating, new FollowUpCommand(step, Approver, "ok"), At("2026-11-24")));
        }

        var applicant = new FollowUpActor(FollowUpRole.Rater, RaterKey: CaseFixture.ApplicantKey);
        var stranger = new FollowUpActor(FollowUpRole.Rater, RaterKey: CaseFixture.Hasher.OfResidentId("520302198506152026"));
        Assert.Equal(RatingRefusalKind.Forbidden, Rules.Apply(s, rating, new FollowUpCommand(FollowUpAction.RateFix, stranger, null, 5), At("2026-11-25")).Refusal!.Kind);
        Assert.Equal(RatingRefusalKind.Forbidden, Rules.Apply(s, rating, new FollowUpCommand(FollowUpAction.RateFix, TicketHolder, null, 5), At("2026-11-25")).Refusal!.Kind);
        Assert.True(Rules.Apply(s, rating, new FollowUpCommand(FollowUpAction.RateFix, applicant, null, 5), At("2026-11-25")).Succeeded);
        Assert.True(Rules.Apply(s, rating, new FollowUpCommand(FollowUpAction.RateFix, new FollowUpActor(FollowUpRole.HotlineAgent, "agent-7"), null, 3), At("2026-11-25")).Succeeded);
    }

    [Fact]
    public void An_upheld_appeal_excludes_the_rating_with_its_reason_and_a_rejected_one_lets_the_follow_up_go_on()
    {
        var rating = Rating(1, "2026-11-23");
        var s = Rules.Open(rating, CalendarFixtures.Embedded).State;
        Assert.Equal(RatingRefusalKind.NotAllowed, Rules.Apply(s, rating, new FollowUpCommand(FollowUpAction.DecideAppeal, Supervisor, "x", Upheld: true), At("2026-11-23")).Refusal!.Kind);
        Assert.Equal("noteRequired", Rules.Apply(s, rating, new FollowUpCommand(FollowUpAction.Appeal, Manager, null), At("2026-11-23")).Refusal!.Code);

        var pending = Ok(Rules.Apply(s, rating, new FollowUpCommand(FollowUpAction.Appeal, Manager, "监控显示评价人未在本厅办事，系恶意差评"), At("2026-11-23", 14)));
        Assert.Equal((AppealStatus.Pending, "manager-1"), (pending.Appeal!.Status, pending.Appeal.FiledBy));
        Assert.Equal(RatingRefusalKind.NotAllowed, Rules.Apply(pending, rating, new FollowUpCommand(FollowUpAction.Appeal, Manager, "again"), At("2026-11-23")).Refusal!.Kind);

        // The owner does not decide its own appeal; a supervisor of another city does not either.
        Assert.Equal(RatingRefusalKind.Forbidden, Rules.Apply(pending, rating, new FollowUpCommand(FollowUpAction.DecideAppeal, Manager, "ok", Upheld: true), At("2026-11-24")).Refusal!.Kind);
        Assert.Equal(RatingRefusalKind.Forbidden, Rules.Apply(pending, rating, new FollowUpCommand(FollowUpAction.DecideAppeal, Supervisor with { RegionCode = "520300" }, "ok", Upheld: true), At("2026-11-24")).Refusal!.Kind);
        Assert.Equal("upheldRequired", Rules.Apply(pending, rating, new FollowUpCommand(FollowUpAction.DecideAppeal, Supervisor, "ok"), At("2026-11-24")).Refusal!.Code);

        var upheld = Rules.Apply(pending, rating, new FollowUpCommand(FollowUpAction.DecideAppeal, Supervisor, "经调取监控核实，申诉成立", Upheld: true), At("2026-11-24"));
        Assert.Equal((FollowUpStage.Excluded, AppealStatus.Upheld, "sup-gy"), (upheld.State!.Stage, upheld.State.Appeal!.Status, upheld.State.Appeal.DecidedBy));
        Assert.Equal(new RatingExclusion(rating.Id, "经调取监控核实，申诉成立", "sup-gy", At("2026-11-24")), upheld.Exclusion);
        Assert.Equal(RatingEventKind.AppealUpheld, upheld.Event!.Kind);
        Assert.False(upheld.State.IsOpen);
        Assert.Empty(Rules.Allowed(upheld.State, At("2026-11-24")));

        var rejected = Rules.Apply(pending, rating, new FollowUpCommand(FollowUpAction.DecideAppeal, Supervisor with { Role = FollowUpRole.Admin, RegionCode = null }, "证据不足", Upheld: false), At("2026-11-24"));
        Assert.Null(rejected.Exclusion);
        Assert.Equal((FollowUpStage.AwaitingVerification, AppealStatus.Rejected), (rejected.State!.Stage, rejected.State.Appeal!.Status));
        Assert.Equal(["verify"], Rules.Allowed(rejected.State, At("2026-11-24")).Select(a => FollowUpRules.Camel(a.ToString())));
    }

    [Fact]
    public void Missed_deadlines_are_flagged_once_each_by_the_system_only()
    {
        var rating = Rating(2, "2026-11-23"); // Monday: return visit by Tuesday 24, reply by 14 December
        var s = Rules.Open(rating, CalendarFixtures.Embedded).State;
        var system = new FollowUpCommand(FollowUpAction.FlagOverdue, FollowUpActor.System);
        Assert.Equal("nothingOverdue", Rules.Apply(s, rating, system, At("2026-11-24", 17)).Refusal!.Code);
        Assert.Equal(RatingRefusalKind.Forbidden, Rules.Apply(s, rating, system with { Actor = Manager }, At("2026-11-25")).Refusal!.Kind);

        var flagged = Rules.Apply(s, rating, system, At("2026-11-25", 0));
        Assert.Equal(RatingEventKind.ReturnVisitOverdue, flagged.Event!.Kind);
        s = Ok(flagged);
        Assert.True(s.ReturnVisitOverdue(new DateOnly(2026, 11, 25)));
        Assert.False(Rules.Apply(s, rating, system, At("2026-11-26")).Succeeded); // flagged once

        s = Ok(Rules.Apply(s, rating, new FollowUpCommand(FollowUpAction.Verify, Manager, "迟到的回访"), At("2026-11-26")));
        Assert.False(s.Overdue(new DateOnly(2026, 12, 14)));
        Assert.True(s.ReplyOverdue(new DateOnly(2026, 12, 15)));
        Assert.Equal(RatingEventKind.ReplyOverdue, Rules.Apply(s, rating, system, At("2026-12-15")).Event!.Kind);
    }
}
