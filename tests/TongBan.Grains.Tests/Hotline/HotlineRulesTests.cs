using TongBan.Grains.Calendar;
using TongBan.Grains.Cases;
using TongBan.Grains.Hotline;

namespace TongBan.Grains.Tests.Hotline;

[Trait("Category", "Unit")]
public class HotlineRulesTests
{
    private static readonly WorkingDayCalendar Calendar = WorkingDayCalendar.LoadEmbedded();

    private static readonly HotlineCaseRef Open = new("GZ5201022611270000011", "rsj-001", "rsj", "520102", CaseStatus.UnderReview, 4, false);

    private static HotlineEntry Entry(int seq, HotlineEntryKind kind, int? respondsTo = null, int? repeatOf = null) =>
        new(Open.CaseNo, seq, kind, DateTimeOffset.UnixEpoch, "agent", CaseRole.HotlineAgent, "text", CaseStatus.UnderReview, 4,
            kind == HotlineEntryKind.Response ? null : new DateOnly(2026, 12, 1), respondsTo, repeatOf, kind == HotlineEntryKind.Complaint ? "other" : null, null);

    [Fact]
    public void A_finished_case_cannot_be_urged_but_can_be_complained_about()
    {
        var finished = Open with { Status = CaseStatus.Delivered, IsFinal = true };
        Assert.Equal(HotlineFailureKind.NotAllowed, HotlineRules.Check(finished, new(HotlineEntryKind.Urge, "a", CaseRole.HotlineAgent, "快点"))!.Kind);
        Assert.Null(HotlineRules.Check(finished, new(HotlineEntryKind.Complaint, "a", CaseRole.HotlineAgent, "态度差", "attitude")));
        Assert.Null(HotlineRules.Check(Open, new(HotlineEntryKind.Urge, "a", CaseRole.HotlineAgent, "快点")));
    }

    [Theory]
    [InlineData(HotlineEntryKind.Complaint, "x", null)]
    [InlineData(HotlineEntryKind.Complaint, "x", "weather")]
    [InlineData(HotlineEntryKind.Urge, "x", "other")]
    [InlineData(HotlineEntryKind.Urge, " ", null)]
    [InlineData(HotlineEntryKind.Response, "x", null)]
    public void Malformed_requests_are_invalid(HotlineEntryKind kind, string text, string? category) =>
        Assert.Equal(HotlineFailureKind.Invalid, HotlineRules.Check(Open, new(kind, "a", CaseRole.HotlineAgent, text, category))!.Kind);

    [Fact]
    public void Too_long_text_is_invalid() =>
        Assert.Equal(HotlineFailureKind.Invalid, HotlineRules.Check(Open, new(HotlineEntryKind.Urge, "a", CaseRole.HotlineAgent, new string('催', HotlineRules.MaxTextLength + 1)))!.Kind);

    [Fact]
    public void Open_items_are_first_calls_without_an_answer()
    {
        IReadOnlyList<HotlineEntry> log =
        [
            Entry(1, HotlineEntryKind.Urge),
            Entry(2, HotlineEntryKind.Urge, repeatOf: 1),
            Entry(3, HotlineEntryKind.Complaint),
            Entry(4, HotlineEntryKind.Response, respondsTo: 1),
            Entry(5, HotlineEntryKind.Urge),
        ];
        Assert.Equal([3, 5], HotlineRules.Open(log).Select(e => e.Seq));
        Assert.Equal(5, HotlineRules.OpenUrge(log)!.Seq);
        Assert.Equal(2, HotlineRules.Calls(log, 1));
        Assert.Equal(HotlineFailureKind.NotAllowed, HotlineRules.CheckResponse(log, 1, "again")!.Kind);
        Assert.Equal(HotlineFailureKind.NotFound, HotlineRules.CheckResponse(log, 2, "a repeat is not answered by itself")!.Kind);
        Assert.Equal(HotlineFailureKind.NotFound, HotlineRules.CheckResponse(log, 9, "x")!.Kind);
        Assert.Equal(HotlineFailureKind.Invalid, HotlineRules.CheckResponse(log, 3, "")!.Kind);
        Assert.Null(HotlineRules.CheckResponse(log, 3, "已核实并整改"));
    }

    [Fact]
    public void Answers_are_due_in_working_days_skipping_the_national_day_holiday()
    {
        // Friday 2026-09-25: two working days → Tuesday 09-29; five → 10-09 (National Day week off, 10-10 Saturday is a workday in 2026's notice or not).
        var friday = new DateOnly(2026, 9, 25);
        Assert.Equal(Calendar.AddWorkingDays(friday, 2).Date, HotlineRules.ResponseDue(HotlineEntryKind.Urge, friday, Calendar));
        Assert.Equal(Calendar.AddWorkingDays(friday, 5).Date, HotlineRules.ResponseDue(HotlineEntryKind.Complaint, friday, Calendar));
        Assert.True(HotlineRules.ResponseDue(HotlineEntryKind.Complaint, friday, Calendar) > new DateOnly(2026, 10, 7));
    }
}
