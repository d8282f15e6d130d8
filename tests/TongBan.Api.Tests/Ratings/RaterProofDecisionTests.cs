using TongBan.Api.Endpoints;
using TongBan.Grains.Cases;
using TongBan.Grains.Ratings;

namespace TongBan.Api.Tests.Ratings;

/// <summary>Who may rate what (<see cref="RaterProofDecision"/>), decided from the request and the token alone.</summary>
[Trait("Category", "Unit")]
public sealed class RaterProofDecisionTests
{
    private const string Hall = "520102-H001";
    private static readonly string CaseNo = CaseNumber.Create("520102", new DateOnly(2026, 11, 27), 1).Value;
    private static readonly DateOnly Today = new(2026, 11, 24);
    private static readonly DateOnly TokenDay = new(2026, 11, 20);

    private static readonly RaterIdentity Anonymous = new(false, false, false, false, null, null, null);
    private static readonly RaterIdentity Citizen = new(true, true, false, false, "520102199001011234", null, null);
    private static readonly RaterIdentity Agent = new(true, false, true, false, "agent-7", null, null);
    private static readonly RaterIdentity PadClerk = new(true, false, false, true, "clerk-3", Hall, 3);

    private static DateOnly? Token(string hallCode, string ticketNo, string token) =>
        hallCode == Hall && ticketNo == "A012" && token == "good-token" ? TokenDay : null;

    private static RaterDecision Decide(
        RaterIdentity who, string? caseNo = null, string? hallCode = null, string? ticketNo = null, string? token = null, string? day = null) =>
        RaterProofDecision.Decide(caseNo, hallCode, ticketNo, token, day, who, Token, Today);

    [Fact]
    public void A_case_is_rated_by_its_applicant_whose_key_the_endpoint_reads_from_the_case()
    {
        var d = Decide(Citizen, caseNo: CaseNo);
        Assert.Null(d.Refusal);
        Assert.Equal(RatingTarget.Case(CaseNo), d.Target);
        Assert.Equal(RaterProofKind.Applicant, d.Proof!.Kind);
        Assert.Null(d.Proof.RaterKey);
    }

    [Fact]
    public void A_case_is_rated_through_a_12345_agent_named_as_the_actor()
    {
        var d = Decide(Agent, caseNo: CaseNo);
        Assert.Equal(new RaterProof(RaterProofKind.HotlineAgent, "agent-7"), d.Proof);
    }

    [Fact]
    public void Anyone_else_rating_a_case_is_refused_401_without_sign_in_and_403_with_another_role()
    {
        Assert.Equal(RaterRefusalKind.Unauthorized, Decide(Anonymous, caseNo: CaseNo).Refusal!.Kind);
        Assert.Equal(RaterRefusalKind.Forbidden, Decide(PadClerk, caseNo: CaseNo).Refusal!.Kind);
    }

    [Fact]
    public void A_case_and_a_ticket_together_or_a_malformed_case_number_are_bad_input()
    {
        Assert.Equal(new RaterRefusal(RaterRefusalKind.Invalid, "Rate either a case (caseNo) or a ticket (hallCode + ticketNo), not both.", "caseNo"),
            Decide(Citizen, caseNo: CaseNo, hallCode: Hall).Refusal);
        Assert.Equal("caseNo", Decide(Citizen, caseNo: "GZ123").Refusal!.Field);
    }

    [Fact]
    public void A_ticket_with_its_rating_token_is_rated_for_the_day_the_token_carries()
    {
        var d = Decide(Anonymous, hallCode: Hall, ticketNo: "A012", token: "good-token");
        Assert.Equal(RatingTarget.Ticket(Hall, TokenDay, "A012"), d.Target);
        Assert.Equal(RaterProofKind.TicketToken, d.Proof!.Kind);
    }

    [Fact]
    public void A_token_of_another_ticket_is_forbidden_even_for_the_window_pad()
    {
        Assert.Equal(RaterRefusalKind.Forbidden, Decide(PadClerk, hallCode: Hall, ticketNo: "A013", token: "good-token").Refusal!.Kind);
    }

    [Fact]
    public void The_window_pad_rates_for_today_or_the_day_given_at_its_own_hall_only()
    {
        var today = Decide(PadClerk, hallCode: Hall, ticketNo: "A012");
        Assert.Equal(RatingTarget.Ticket(Hall, Today, "A012"), today.Target);
        Assert.Equal(new RaterProof(RaterProofKind.WindowPad, "clerk-3", Hall, 3), today.Proof);

        Assert.Equal(RatingTarget.Ticket(Hall, new DateOnly(2026, 11, 23), "A012"), Decide(PadClerk, hallCode: Hall, ticketNo: "A012", day: "2026-11-23").Target);
        Assert.Equal("day", Decide(PadClerk, hallCode: Hall, ticketNo: "A012", day: "23.11.2026").Refusal!.Field);
        Assert.Equal(RaterRefusalKind.Forbidden, Decide(PadClerk with { HallCode = "520103-H001" }, hallCode: Hall, ticketNo: "A012").Refusal!.Kind);
        Assert.Equal(RaterRefusalKind.Forbidden, Decide(PadClerk with { WindowNo = null }, hallCode: Hall, ticketNo: "A012").Refusal!.Kind);
    }

    [Fact]
    public void A_ticket_without_token_or_pad_is_refused_401_anonymous_and_403_signed_in()
    {
        Assert.Equal(RaterRefusalKind.Unauthorized, Decide(Anonymous, hallCode: Hall, ticketNo: "A012").Refusal!.Kind);
        Assert.Equal(RaterRefusalKind.Forbidden, Decide(Citizen, hallCode: Hall, ticketNo: "A012").Refusal!.Kind);
    }

    [Fact]
    public void A_ticket_needs_both_hall_and_a_well_formed_number()
    {
        Assert.Equal("hallCode", Decide(Anonymous, ticketNo: "A012").Refusal!.Field);
        Assert.Equal("ticketNo", Decide(Anonymous, hallCode: Hall, ticketNo: "12A", token: "good-token").Refusal!.Field);
    }
}
