using System.Security.Cryptography;
using TongBan.Grains.Cases;
using TongBan.Grains.Identity;
using TongBan.Grains.Ratings;
using TongBan.Grains.Tests.Cases;
using TongBan.Grains.Tests.Support;

namespace TongBan.Grains.Tests.Ratings;

[Trait("Category", "Integration")]
public class RatingRulesTests
{
    private static readonly DateTimeOffset Noon = new(2026, 11, 24, 12, 0, 0, TimeSpan.FromHours(8));

    [Fact]
    public void The_good_rate_counts_levels_5_4_and_3_over_all_and_is_null_without_ratings()
    {
        Assert.Equal(3, GoodRate.LowestGoodLevel);
        Assert.Equal(0.6, GoodRate.Of(new LevelCounts(1, 1, 1, 1, 1)));
        Assert.Equal(1.0, GoodRate.Of(LevelCounts.Of(3)));
        Assert.Equal(0.0, GoodRate.Of(new LevelCounts(4, 2, 0, 0, 0)));
        Assert.Null(GoodRate.Of(LevelCounts.Zero));
        Assert.Equal(0.6667, GoodRate.Of(new LevelCounts(1, 0, 0, 0, 2))); // 4 places, rounded
        Assert.Contains("非常满意 + 满意 + 基本满意", GoodRate.Definition, StringComparison.Ordinal);

        var figures = RatingFigures.Of(new LevelCounts(2, 1, 0, 3, 4));
        Assert.Equal((10, 3, 0.7), (figures.Total, figures.BadCount, figures.GoodRate!.Value));
        Assert.Equal(new Dictionary<string, int> { ["1"] = 2, ["2"] = 1, ["3"] = 0, ["4"] = 3, ["5"] = 4 }, figures.ByLevel);
    }

    [Fact]
    public void Levels_1_and_2_are_bad_and_only_1_to_5_exist()
    {
        Assert.Equal([true, true, false, false, false], Enumerable.Range(1, 5).Select(RatingLevels.IsBad));
        Assert.False(RatingLevels.IsValid(0));
        Assert.False(RatingLevels.IsValid(6));
        Assert.Equal("非常满意", RatingLevels.Name(5));
        Assert.Equal("非常不满意", RatingLevels.Name(1));
        Assert.Equal(new LevelCounts(0, 1, 0, 0, 2), LevelCounts.Of(5, 2).Add(2, 1));
        Assert.Equal(LevelCounts.Zero, LevelCounts.Of(4).Minus(LevelCounts.Of(4)));
    }

    [Fact]
    public void Comments_are_trimmed_stripped_of_control_characters_and_limited_by_characters_not_bytes()
    {
        Assert.True(RatingRules.TryNormalizeText("  办事快\r\n态度好\u200B\u0007  ", 500, out var text));
        Assert.Equal("办事快\n态度好", text);
        Assert.True(RatingRules.TryNormalizeText("   ", 500, out var empty));
        Assert.Null(empty);
        Assert.True(RatingRules.TryNormalizeText(new string('好', 500), 500, out _));
        Assert.False(RatingRules.TryNormalizeText(new string('好', 501), 500, out _));
        Assert.True(RatingRules.TryNormalizeText(string.Concat(Enumerable.Repeat("👍", 500)), 500, out _)); // one character each, two UTF-16 units
        Assert.True(RatingRules.TryNormalizeText(null, 500, out var none));
        Assert.Null(none);
    }

    [Fact]
    public void Comments_are_shown_html_escaped_and_Chinese_is_left_alone()
    {
        Assert.Equal("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;好&quot;", RatingRules.Escape("<script>alert('x')</script> & \"好\""));
        Assert.Null(RatingRules.Escape(null));
    }

    [Fact]
    public void A_rating_comes_after_service_ends_and_within_seven_days_of_its_last_step()
    {
        var ended = Noon;
        Assert.Equal(RatingRefusalKind.NotRateableYet, RatingRules.CheckPeriod(ended, ended, ended.AddMinutes(-1), 7)!.Kind);
        Assert.Null(RatingRules.CheckPeriod(ended, ended, ended, 7));
        Assert.Null(RatingRules.CheckPeriod(ended, ended, ended.AddDays(7), 7));
        var late = RatingRules.CheckPeriod(ended, ended, ended.AddDays(7).AddMinutes(1), 7)!;
        Assert.Equal((RatingRefusalKind.PeriodOver, "ratingPeriodOver"), (late.Kind, late.Code));

        // A case delivered three days after its 办结 can be rated for seven days after the delivery.
        Assert.Null(RatingRules.CheckPeriod(ended, ended.AddDays(3), ended.AddDays(9), 7));
        Assert.NotNull(RatingRules.CheckPeriod(ended, ended.AddDays(3), ended.AddDays(10).AddMinutes(1), 7));
    }

    [Fact]
    public void The_window_pad_rates_only_its_own_window_shortly_after_the_finish()
    {
        var served = new ServedTicket("520102-H001", new DateOnly(2026, 11, 24), "A012", "A", 3, "clerk-3", Noon);
        var pad = new RaterProof(RaterProofKind.WindowPad, "clerk-3", "520102-H001", 3);
        Assert.Null(RatingRules.CheckPad(served, pad, Noon.AddMinutes(29), 30));
        Assert.Equal("notThisWindow", RatingRules.CheckPad(served, pad with { WindowNo = 4 }, Noon, 30)!.Code);
        Assert.Equal("notThisWindow", RatingRules.CheckPad(served, pad with { HallCode = "520103-H001" }, Noon, 30)!.Code);
        Assert.Equal("padTooLate", RatingRules.CheckPad(served, pad, Noon.AddMinutes(31), 30)!.Code);
    }

    [Fact]
    public void The_pad_channel_needs_the_pad_and_the_hotline_channel_an_agent()
    {
        var token = new RaterProof(RaterProofKind.TicketToken);
        var pad = new RaterProof(RaterProofKind.WindowPad, "c", "520102-H001", 1);
        var agent = new RaterProof(RaterProofKind.HotlineAgent, "agent-1");
        Assert.Null(RatingRules.CheckChannel(RatingChannel.Mobile, token));
        Assert.Null(RatingRules.CheckChannel(RatingChannel.Sms, token));
        Assert.NotNull(RatingRules.CheckChannel(RatingChannel.WindowPad, token));
        Assert.Null(RatingRules.CheckChannel(RatingChannel.WindowPad, pad));
        Assert.NotNull(RatingRules.CheckChannel(RatingChannel.Web, pad));
        Assert.Null(RatingRules.CheckChannel(RatingChannel.Hotline, agent));
        Assert.NotNull(RatingRules.CheckChannel(RatingChannel.Hotline, token));
    }

    [Fact]
    public void Sub_scores_are_1_to_5_and_optional()
    {
        Assert.Null(RatingRules.InvalidSubScore(null));
        Assert.Null(RatingRules.InvalidSubScore(new SubScores(5, null, 1, null)));
        Assert.Equal("attitude", RatingRules.InvalidSubScore(new SubScores(5, 0, 1, null)));
        Assert.Equal("convenience", RatingRules.InvalidSubScore(new SubScores(null, null, null, 6)));
        Assert.False(new SubScores(null, null, null, null).HasAny());
    }

    [Fact]
    public void Rating_ids_name_the_ticket_with_hall_and_day_or_the_case()
    {
        var ticket = RatingTarget.Ticket("520102-H001", new DateOnly(2026, 11, 24), "A012");
        Assert.Equal("T-520102-H001-20261124-A012", ticket.Id);
        Assert.True(RatingTarget.TryParse(ticket.Id, out var parsed));
        Assert.Equal(ticket, parsed);
        Assert.Equal("C-GZ5201022611270000011", RatingTarget.Case("GZ5201022611270000011").Id);
        Assert.True(RatingTarget.TryParse("C-GZ5201022611270000011", out var c));
        Assert.Equal(RatingTargetKind.Case, c.Kind);
        Assert.False(RatingTarget.TryParse("T-520102-H001-2026-11-24-A012", out _));
        Assert.False(RatingTarget.TryParse("X", out _));

        // Numbers restart every day: the same number on another day is another service.
        Assert.NotEqual(ticket.Id, RatingTarget.Ticket("520102-H001", new DateOnly(2026, 11, 25), "A012").Id);
    }

    [Fact]
    public void Rating_tokens_bind_hall_day_and_number_and_cannot_be_guessed_from_another_ticket()
    {
        var tokens = new RatingTokens(RandomNumberGenerator.GetBytes(32));
        var day = new DateOnly(2026, 11, 24);
        var token = tokens.Issue("520102-H001", day, "A012");
        Assert.Equal(RatingTokens.Length, token.Length);
        Assert.StartsWith("261124", token, StringComparison.Ordinal);
        Assert.True(tokens.TryVerify("520102-H001", "A012", token, out var verifiedDay));
        Assert.Equal(day, verifiedDay);
        Assert.True(tokens.TryVerify("520102-H001", "A012", token.ToLowerInvariant(), out _));
        Assert.False(tokens.TryVerify("520102-H001", "A013", token, out _));
        Assert.False(tokens.TryVerify("520103-H001", "A012", token, out _));
        Assert.False(tokens.TryVerify("520102-H001", "A012", "261125" + token[6..], out _)); // another day
        Assert.False(tokens.TryVerify("520102-H001", "A012", token[..^1] + (token[^1] == 'A' ? 'B' : 'A'), out _));
        Assert.False(tokens.TryVerify("520102-H001", "A012", null, out _));
        Assert.False(tokens.TryVerify("520102-H001", "A012", "short", out _));
        Assert.Equal(token, tokens.Issue("520102-H001", day, "A012")); // a retried take gets the same token
        Assert.NotEqual(token, new RatingTokens(RandomNumberGenerator.GetBytes(32)).Issue("520102-H001", day, "A012"));
        Assert.Throws<ArgumentException>(() => new RatingTokens(new byte[8]));
    }

    [Fact]
    public void Without_a_configured_key_tokens_derive_from_the_privacy_key()
    {
        var privacy = PrivacyOptions.Development();
        var derived = RatingTokens.Create(new RatingOptions(), privacy);
        var day = new DateOnly(2026, 11, 24);
        Assert.Equal(derived.Issue("520102-H001", day, "A001"), RatingTokens.Create(new RatingOptions(), privacy).Issue("520102-H001", day, "A001"));
        var configured = RatingTokens.Create(new RatingOptions { TokenKey = Convert.ToBase64String(new byte[32]) }, privacy);
        Assert.NotEqual(derived.Issue("520102-H001", day, "A001"), configured.Issue("520102-H001", day, "A001"));

        // The hash key is text (PostgreSQL mode derives a base64-looking one from the signing key): any text works, and keys differ.
        var fromSigningKey = RatingTokens.Create(new RatingOptions(), PrivacyOptions.DerivedFrom("a-production-signing-key-0123456789abcdef"));
        Assert.NotEqual(derived.Issue("520102-H001", day, "A001"), fromSigningKey.Issue("520102-H001", day, "A001"));
    }

    [Fact]
    public void A_ticket_counts_for_clerk_window_hall_and_every_region_above_the_hall()
    {
        var subject = RatingRules.SubjectOf(new ServedTicket("520102-H001", new DateOnly(2026, 11, 24), "A012", "A", 3, "clerk-3", Noon), "520102");
        Assert.Equal(
            ["clerk:clerk-3", "window:520102-H001/3", "hall:520102-H001", "county:520102", "city:520100", "province:520000"],
            RatingScopes.Of(subject, ClusterFixture.Regions.Value));

        // The province's own centre counts for the province only; a clerk who did not sign in is no scope.
        var province = new RatingSubject("520000-H001", 1, null, null, null, "520000");
        Assert.Equal(["window:520000-H001/1", "hall:520000-H001", "province:520000"], RatingScopes.Of(province, ClusterFixture.Regions.Value));
    }

    [Fact]
    public void A_case_counts_for_its_item_and_its_competent_department_in_and_beyond_its_region()
    {
        var subject = new RatingSubject("520302-H001", 2, "clerk-zy", "rsj-001", "rsj", "520111");
        Assert.Equal(
            ["clerk:clerk-zy", "window:520302-H001/2", "hall:520302-H001", "item:rsj-001", "department:rsj/520111", "department:rsj",
             "county:520111", "city:520100", "province:520000"],
            RatingScopes.Of(subject, ClusterFixture.Regions.Value));
        Assert.Equal(("window", "520302-H001/2"), RatingScopes.Parse("window:520302-H001/2"));
    }

    [Fact]
    public void A_case_rates_the_clerk_who_accepted_it_at_their_window()
    {
        var delivered = CaseFixture.At(CaseStatus.Delivered);
        var timeline = new List<CaseTimelineEntry>
        {
            Entry(1, null, CaseRole.Citizen, CaseFixture.ApplicantKey, null, null),
            Entry(2, CaseAction.Receive, CaseRole.Clerk, "clerk-r", "520102-H001", 2),
            Entry(3, CaseAction.Accept, CaseRole.Clerk, "clerk-a", "520102-H001", 5),
            Entry(4, CaseAction.StartReview, CaseRole.Approver, "approver-1", null, null),
        };
        var view = new CaseView(delivered with { ReceivingHallCode = "520102-H001" }, null!, null!, timeline, null, []);
        var subject = RatingRules.SubjectOf(view);
        Assert.Equal(new RatingSubject("520102-H001", 5, "clerk-a", "rsj-001", "rsj", "520102"), subject);

        // Received but accepted by nobody at a window: the receiving clerk.
        var received = RatingRules.SubjectOf(view with { Timeline = timeline.Take(2).ToList() });
        Assert.Equal(("clerk-r", 2), (received.Clerk, received.WindowNo));
    }

    [Fact]
    public void Options_refuse_settings_outside_their_ranges()
    {
        new RatingOptions().Validate();
        Assert.Contains("RatingWindowDays", Assert.Throws<ArgumentException>(() => new RatingOptions { RatingWindowDays = 0 }.Validate()).Message, StringComparison.Ordinal);
        Assert.Contains("ReplyWorkingDays", Assert.Throws<ArgumentException>(() => new RatingOptions { ReplyWorkingDays = 0 }.Validate()).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new RatingOptions { ReturnVisitWorkingDays = 5, ReplyWorkingDays = 3 }.Validate());
        Assert.Throws<ArgumentException>(() => new RatingOptions { TokenKey = "not base64!" }.Validate());
        Assert.Throws<ArgumentException>(() => new RatingOptions { TokenKey = Convert.ToBase64String(new byte[4]) }.Validate());
        Assert.Throws<ArgumentException>(() => new RatingOptions { CommentMaxLength = 0 }.Validate());
    }

    private static CaseTimelineEntry Entry(int version, CaseAction? action, CaseRole role, string actor, string? hall, int? window) =>
        new(CaseFixture.CaseNo.Value, version, action, null, CaseStatus.Submitted, Noon, actor, role, null, hall, window, null, null, null, null, [], null);
}
