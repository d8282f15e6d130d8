using System.Diagnostics;
using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using TongBan.Api.Security;
using TongBan.Grains.Cases;
using TongBan.Grains.Catalogue;
using TongBan.Grains.Common;
using TongBan.Grains.Halls;
using TongBan.Grains.Identity;
using TongBan.Grains.Queues;
using TongBan.Grains.Ratings;
using TongBan.Grains.Regions;

namespace TongBan.Api.Endpoints;

public sealed record SubScoresInput(int? Efficiency, int? Attitude, int? Guidance, int? Convenience);

/// <summary><c>POST /api/ratings</c>: a ticket (hallCode + ticketNo) or a case (caseNo).</summary>
/// <param name="Level">1..5, 5 = 非常满意, 1 = 非常不满意; 1 and 2 are 差评.</param>
/// <param name="Channel">windowPad, web, mobile, sms or hotline.</param>
/// <param name="RatingToken">A ticket's rating token (评价码) from its slip or the take-ticket answer; not needed on the window pad.</param>
/// <param name="Day">Window pad only: the ticket's day (yyyy-MM-dd), default today; a rating token carries its own day.</param>
public sealed record SubmitRatingRequest(
    string? HallCode, string? TicketNo, string? CaseNo, int? Level, string? Channel, string? Comment,
    string? RatingToken, string? Day, SubScoresInput? SubScores);

public sealed record FollowUpBriefDto(string Stage, string StageName, DateOnly ReturnVisitDue, DateOnly ReplyDue, bool DeadlinesProvisional);

/// <summary>The rater's receipt: no staff or personal data.</summary>
public sealed record RatingReceiptDto(
    string RatingId, string Kind, int Level, string LevelName, string Channel, DateTimeOffset CreatedAt, bool Replayed, FollowUpBriefDto? FollowUp);

public sealed record RatingTargetDto(string Kind, string? HallCode, DateOnly? Day, string? TicketNo, string? CaseNo);

public sealed record RatingSubjectDto(string? HallCode, int? WindowNo, string? Clerk, string? ItemCode, string? DepartmentCode, string RegionCode);

public sealed record AppealDto(string Status, string? Reason, string FiledBy, DateTimeOffset FiledAt, string? DecidedBy, DateTimeOffset? DecidedAt, string? Decision);

public sealed record FollowUpDto(
    string Stage, string StageName, string? OwnerHall, string? OwnerDepartment, DateOnly OpenedOn, DateOnly ReturnVisitDue, DateOnly ReplyDue,
    bool DeadlinesProvisional, bool ReturnVisitOverdue, bool ReplyOverdue, DateTimeOffset? VerifiedAt, DateTimeOffset? RectifiedAt,
    DateTimeOffset? RepliedAt, bool RepliedOnTime, int? FixLevel, DateTimeOffset? FixRatedAt, AppealDto? Appeal, int Version, IReadOnlyList<string> AllowedActions)
{
    public static FollowUpDto From(FollowUpState f, DateOnly today, IReadOnlyList<FollowUpAction> allowed) => new(
        Wire.Name(f.Stage), FollowUpRules.StageName(f.Stage), f.OwnerHall, f.OwnerDepartment, f.OpenedOn, f.ReturnVisitDue, f.ReplyDue,
        f.DeadlinesProvisional, f.ReturnVisitOverdue(today), f.ReplyOverdue(today), f.VerifiedAt, f.RectifiedAt, f.RepliedAt, f.RepliedOnTime,
        f.FixLevel, f.FixRatedAt,
        f.Appeal is { } a ? new AppealDto(Wire.Name(a.Status), RatingRules.Escape(a.Reason), a.FiledBy, a.FiledAt, a.DecidedBy, a.DecidedAt, RatingRules.Escape(a.Decision)) : null,
        f.Version, [.. allowed.Select(Wire.Name)]);
}

public sealed record RatingEventDto(int Version, string Kind, DateTimeOffset At, string ActorRole, string? Actor, string? Note, int? Level);

public sealed record ExclusionDto(string Reason, string DecidedBy, DateTimeOffset DecidedAt);

/// <summary>
/// A rating for staff of its hall, department or region and for its rater. <c>comment</c> and every note are
/// returned HTML-escaped (<c>&lt;</c> → <c>&amp;lt;</c>), safe to insert into a page as they are.
/// The rater appears only as <c>raterKnown</c>, never by identity.
/// </summary>
public sealed record RatingDto(
    string RatingId, RatingTargetDto Target, RatingSubjectDto Subject, int Level, string LevelName, bool Good, string Channel,
    SubScoresInput? SubScores, string? Comment, bool RaterKnown, string? EnteredBy, DateTimeOffset ServiceEndedAt, DateTimeOffset CreatedAt, DateOnly Day,
    bool Counted, ExclusionDto? Excluded, FollowUpDto? FollowUp, IReadOnlyList<RatingEventDto> Events)
{
    public static RatingDto From(RatingView v, DateOnly today, FollowUpRules rules, DateTimeOffset now)
    {
        var r = v.Rating;
        var t = r.Target;
        var s = r.Subject;
        return new RatingDto(
            r.Id, new RatingTargetDto(Wire.Name(t.Kind), t.HallCode, t.Day, t.TicketNo, t.CaseNo),
            new RatingSubjectDto(s.HallCode, s.WindowNo, s.Clerk, s.ItemCode, s.DepartmentCode, s.RegionCode),
            r.Level, RatingLevels.Name(r.Level), r.Level >= GoodRate.LowestGoodLevel, Wire.Name(r.Channel),
            r.SubScores is { } ss ? new SubScoresInput(ss.Efficiency, ss.Attitude, ss.Guidance, ss.Convenience) : null,
            RatingRules.Escape(r.Comment), r.RaterKey is not null, r.EnteredBy, r.ServiceEndedAt, r.CreatedAt, r.Day,
            v.Exclusion is null, v.Exclusion is { } x ? new ExclusionDto(RatingRules.Escape(x.Reason)!, x.DecidedBy, x.DecidedAt) : null,
            v.FollowUp is { } f ? FollowUpDto.From(f, today, rules.Allowed(f, now)) : null,
            [.. v.Events.Select(e => new RatingEventDto(e.Version, Wire.Name(e.Kind), e.At, e.ActorRole, e.Actor, RatingRules.Escape(e.Note), e.Level))]);
    }
}

/// <summary><c>GET /api/ratings/summary</c>: the published shape plus the period's bounds and the good-rate definition.</summary>
public sealed record RatingSummaryDto(
    string Scope, string Id, string Period, DateOnly? From, DateOnly To, int Total, IReadOnlyDictionary<string, int> ByLevel, double? GoodRate, int BadCount,
    string GoodRateDefinition);

public sealed record PublicFollowUpDto(
    int BadReviews, int Rectified, double? RectificationRate, double? OnTimeRate, int Open, int Overdue, int AppealsUpheld, int FixRated, double? FixSatisfactionRate);

/// <summary>Public disclosure (好差评公开): figures only, no clerk, comment or rater.</summary>
public sealed record PublicRatingsDto(
    string Scope, string Id, string? Name, RatingFigures Today, RatingFigures Last30Days, RatingFigures AllTime, PublicFollowUpDto FollowUps,
    string GoodRateDefinition, DateTimeOffset At);

public sealed record FollowUpRowDto(
    string RatingId, int Level, string LevelName, string? HallCode, string? ItemCode, string? OwnerDepartment, DateTimeOffset RatedAt,
    string Stage, string StageName, DateOnly ReturnVisitDue, DateOnly ReplyDue, bool ReturnVisitOverdue, bool ReplyOverdue, string? Appeal);

public sealed record FollowUpStepRequest(string? Step, string? Note);

public sealed record AppealRequest(string? Reason);

public sealed record AppealDecisionRequest(bool? Upheld, string? Reason);

public sealed record FixRatingRequest(int? Level, string? RatingToken, string? Channel, string? Comment);

public sealed record RecountDifferenceDto(string ScopeKey, LevelCounts Rollup, LevelCounts Recount, IReadOnlyList<CountDifference> Days, bool Repaired);

public sealed record RecountReportDto(
    int Scopes, long Ratings, long Excluded, int Matching, int Mismatched, int InFlight, int Repaired, long ElapsedMs,
    IReadOnlyList<RecountDifferenceDto> Differences);

public static class RatingEndpoints
{
    public const string PeriodToday = "today";
    public const string PeriodLast30Days = "last30Days";
    public const string PeriodAllTime = "allTime";

    public static void MapRatingEndpoints(this IEndpointRouteBuilder routes)
    {
        var ratings = routes.MapGroup("/api/ratings").WithTags("Ratings");

        // Public: the rating pad, the citizen's phone (rating token), the applicant, 12345. The proof is checked per target.
        ratings.MapPost("/", SubmitAsync)
            .AllowAnonymous()
            .RequireRateLimiting(RateLimitPolicies.RatingSubmission)
            .Produces<RatingReceiptDto>(StatusCodes.Status201Created)
            .WithSummary("好差评: rate a served ticket (hallCode + ticketNo with its ratingToken, or on the window's pad) or a finished case (caseNo, by its applicant or a 12345 agent). One rating per ticket and per case; level 1..5, 5 = 非常满意.")
            .WithDescription("goodRate everywhere = " + GoodRate.Definition);

        ratings.MapGet("/summary", SummaryAsync)
            .AllowAnonymous()
            .WithSummary("Counts per level, goodRate and badCount of a clerk, window, hall, item, department or region (county/city/province), for today, last30Days or allTime (default).")
            .WithDescription("goodRate = " + GoodRate.Definition + " Clerk and window figures are for staff; the others are public.");

        ratings.MapGet("/public", PublicAsync)
            .AllowAnonymous()
            .WithSummary("Public disclosure (好差评公开) of a hall or an item: rates, counts and rectification figures; no personal data.");

        ratings.MapGet("/follow-ups", FollowUpsAsync)
            .RequireAuthorization(p => p.RequireRole(Roles.HallManager, Roles.Approver, Roles.Supervisor, Roles.Admin))
            .WithSummary("差评 follow-ups for the caller's hall, department or region: open, overdue (missed return visit or reply deadline) first.");

        ratings.MapGet("/{ratingId}", GetAsync)
            .AllowAnonymous()
            .WithSummary("One rating with its follow-up, appeal and audit events (staff of its hall/department/region, its rater); comment and notes HTML-escaped.");

        ratings.MapPost("/{ratingId}/follow-up", StepAsync)
            .RequireAuthorization(p => p.RequireRole(Roles.HallManager, Roles.Approver))
            .WithSummary("差评整改: step verify (回访核实), rectify (整改) or reply (反馈 to the rater), in this order, with a note; by the rated hall's manager or the competent department.");

        ratings.MapPost("/{ratingId}/fix-rating", FixRatingAsync)
            .AllowAnonymous()
            .WithSummary("复评: after the reply, the rater may rate the fix once (ticket: its ratingToken; case: the applicant or a 12345 agent).");

        ratings.MapPost("/{ratingId}/appeal", AppealAsync)
            .RequireAuthorization(p => p.RequireRole(Roles.HallManager, Roles.Approver))
            .WithSummary("申诉: the rated hall or department contests a mistaken or malicious 差评, with a reason; a supervisor decides.");

        ratings.MapPost("/{ratingId}/appeal/decision", DecideAsync)
            .RequireAuthorization(p => p.RequireRole(Roles.Supervisor, Roles.Admin))
            .WithSummary("裁定申诉: upheld excludes the rating from every figure (the rating and the reason stay, audited); rejected lets the follow-up go on.");

        var admin = routes.MapGroup("/api/admin/ratings").WithTags("Ratings").RequireAuthorization(Policies.Admin);
        admin.MapPost("/recount", RecountAsync)
            .WithSummary("Recount every roll-up from the stored ratings and compare; repair=true makes differing roll-ups take the recount.");
        admin.MapPost("/follow-ups/sweep", async (IGrainFactory grains) =>
                TypedResults.Ok(new { flagged = await grains.GetGrain<IRatingFollowUpSweepGrain>(0).Sweep() }))
            .WithSummary("Run the overdue check of follow-ups now (it also runs hourly).");
    }

    private static async Task<IResult> SubmitAsync(
        SubmitRatingRequest body, ClaimsPrincipal user, ServicePointDirectory directory, RatingTokens tokens, RatingOptions options,
        PersonalDataProtector protector, IGrainFactory grains, TimeProvider clock)
    {
        if (body.Level is not { } level || !RatingLevels.IsValid(level))
        {
            return Problems.Invalid("level", "level is required: 1..5 (5 非常满意, 4 满意, 3 基本满意, 2 不满意, 1 非常不满意).");
        }

        if (!Wire.TryParse<RatingChannel>(body.Channel, out var channel))
        {
            return Problems.Invalid("channel", "channel is windowPad, web, mobile, sms or hotline.");
        }

        if (!RatingRules.TryNormalizeText(body.Comment, options.CommentMaxLength, out _))
        {
            return Problems.Invalid("comment", $"comment has at most {options.CommentMaxLength} characters.");
        }

        var scores = body.SubScores is { } s ? new SubScores(s.Efficiency, s.Attitude, s.Guidance, s.Convenience) : null;
        if (RatingRules.InvalidSubScore(scores) is { } badScore)
        {
            return Problems.Invalid("subScores." + badScore, "Sub-scores are 1..5.");
        }

        RatingTarget target;
        RaterProof proof;
        var authenticated = user.Identity?.IsAuthenticated == true;
        if (body.CaseNo is not null)
        {
            if (body.HallCode is not null || body.TicketNo is not null)
            {
                return Problems.Invalid("caseNo", "Rate either a case (caseNo) or a ticket (hallCode + ticketNo), not both.");
            }

            if (!CaseNumber.TryParse(body.CaseNo, out var caseNo))
            {
                return Problems.Invalid("caseNo", "A case number looks like GZ5201022611270000011.");
            }

            target = RatingTarget.Case(caseNo.Value);
            if (user.IsInRole(Roles.Citizen))
            {
                proof = new RaterProof(RaterProofKind.Applicant, RaterKey: await CitizenKeyAsync(user, protector, grains, caseNo.Value));
            }
            else if (user.IsInRole(Roles.HotlineAgent))
            {
                proof = new RaterProof(RaterProofKind.HotlineAgent, user.Claim(TongBanClaims.Subject));
            }
            else
            {
                return authenticated
                    ? Forbidden("A case is rated by its applicant (citizen token) or through a 12345 agent.")
                    : Unauthorized("Sign in as the applicant to rate a case.");
            }
        }
        else
        {
            if (body.HallCode is null || body.TicketNo is null)
            {
                return Problems.Invalid("hallCode", "Rate a ticket (hallCode + ticketNo) or a case (caseNo).");
            }

            var hall = HallLookup.Of(body.HallCode, directory);
            if (hall.Invalid is { } invalid)
            {
                return invalid;
            }

            if (hall.Missing is { } missing)
            {
                return missing;
            }

            if (!TicketNumber.TryParse(body.TicketNo, out _, out _))
            {
                return Problems.Invalid("ticketNo", "A ticket number looks like A012.");
            }

            if (body.RatingToken is not null)
            {
                if (!tokens.TryVerify(body.HallCode, body.TicketNo, body.RatingToken, out var day))
                {
                    return Forbidden("The rating token does not belong to this ticket.");
                }

                target = RatingTarget.Ticket(body.HallCode, day, body.TicketNo);
                proof = new RaterProof(RaterProofKind.TicketToken);
            }
            else if (user.IsInRole(Roles.Clerk) && user.Claim(TongBanClaims.HallCode) == body.HallCode &&
                     int.TryParse(user.Claim(TongBanClaims.WindowNo), NumberStyles.None, CultureInfo.InvariantCulture, out var windowNo))
            {
                var day = ChinaTime.Today(clock);
                if (body.Day is not null && !DateOnly.TryParseExact(body.Day, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day))
                {
                    return Problems.Invalid("day", "day is yyyy-MM-dd.");
                }

                target = RatingTarget.Ticket(body.HallCode, day, body.TicketNo);
                proof = new RaterProof(RaterProofKind.WindowPad, user.Claim(TongBanClaims.Subject), body.HallCode, windowNo);
            }
            else
            {
                return authenticated
                    ? Forbidden("A ticket is rated with its ratingToken, or on the pad of the window that served it (a clerk token signed in at that window of this hall).")
                    : Unauthorized("A ticket rating needs its ratingToken (from the ticket slip or the take-ticket answer) or the window pad's sign-in.");
            }
        }

        var outcome = await grains.GetGrain<IRatingIntakeGrain>(0).Rate(new RatingRequest(target, level, channel, scores, body.Comment, proof));
        if (!outcome.Accepted)
        {
            return Refusal(outcome.Refusal!);
        }

        var r = outcome.Rating!;
        var receipt = new RatingReceiptDto(
            r.Id, Wire.Name(r.Target.Kind), r.Level, RatingLevels.Name(r.Level), Wire.Name(r.Channel), r.CreatedAt, outcome.Replayed,
            outcome.FollowUp is { } f ? new FollowUpBriefDto(Wire.Name(f.Stage), FollowUpRules.StageName(f.Stage), f.ReturnVisitDue, f.ReplyDue, f.DeadlinesProvisional) : null);
        return outcome.Replayed ? TypedResults.Ok(receipt) : TypedResults.Created($"/api/ratings/{r.Id}", receipt);
    }

    private static async Task<IResult> SummaryAsync(
        string? scope, string? id, string? period, ClaimsPrincipal user, ServicePointDirectory directory, RegionCatalog regions,
        ServiceCatalogue catalogue, IGrainFactory grains)
    {
        var resolved = ResolveScope(scope, id, directory, regions, catalogue, allowStaffScopes: true);
        if (resolved.Problem is { } problem)
        {
            return problem;
        }

        var key = resolved.Key!;
        var (scopeName, scopeId) = RatingScopes.Parse(key);
        if (scopeName is RatingScopes.Clerk or RatingScopes.Window && !MaySeeStaffFigures(user, scopeName, scopeId))
        {
            return user.Identity?.IsAuthenticated == true
                ? Forbidden("Clerk and window figures are for the clerk, their hall's manager, supervisors and admins.")
                : Unauthorized("Clerk and window figures need a staff token.");
        }

        var which = period switch
        {
            null or "allTime" or "all" => PeriodAllTime,
            "today" => PeriodToday,
            "last30Days" or "30d" or "last30days" => PeriodLast30Days,
            _ => null,
        };
        if (which is null)
        {
            return Problems.Invalid("period", "period is today, last30Days or allTime.");
        }

        var view = await grains.GetGrain<IRatingRollupGrain>(key).Get();
        var (figures, from) = which switch
        {
            PeriodToday => (view.TodayFigures, (DateOnly?)view.Today),
            PeriodLast30Days => (view.Last30Days, RollupCounts.WindowStartOf(view.Today)),
            _ => (view.AllTime, null),
        };
        return TypedResults.Ok(new RatingSummaryDto(scopeName, scopeId, which, from, view.Today, figures.Total, figures.ByLevel, figures.GoodRate, figures.BadCount, GoodRate.Definition));
    }

    private static async Task<IResult> PublicAsync(
        string? scope, string? id, ServicePointDirectory directory, RegionCatalog regions, ServiceCatalogue catalogue,
        IGrainFactory grains, IRatingStore store, TimeProvider clock, CancellationToken ct)
    {
        if (scope is not (RatingScopes.Hall or RatingScopes.Item))
        {
            return Problems.Invalid("scope", "Public figures are disclosed per hall or item: scope is hall or item.");
        }

        var resolved = ResolveScope(scope, id, directory, regions, catalogue, allowStaffScopes: false);
        if (resolved.Problem is { } problem)
        {
            return problem;
        }

        var view = await grains.GetGrain<IRatingRollupGrain>(resolved.Key!).Get();
        var f = await store.FollowUpFiguresAsync(resolved.Key!, ChinaTime.Today(clock), ct);
        var name = scope == RatingScopes.Hall ? directory.Find(id!)?.Name : catalogue.Find(id)?.Name;
        return TypedResults.Ok(new PublicRatingsDto(
            scope, id!, name, view.TodayFigures, view.Last30Days, view.AllTime,
            new PublicFollowUpDto(f.BadReviews, f.Replied, f.RectificationRate, f.OnTimeRate, f.Open, f.Overdue, f.AppealsUpheld, f.FixRated,
                f.FixRated == 0 ? null : Math.Round((double)f.FixGood / f.FixRated, GoodRate.Digits)),
            GoodRate.Definition, ChinaTime.Now(clock)));
    }

    private static async Task<IResult> FollowUpsAsync(
        string? hall, string? department, string? region, bool? open, bool? overdue, int? limit, ClaimsPrincipal user,
        IRatingStore store, TimeProvider clock, CancellationToken ct)
    {
        if (limit is < 1 or > 500)
        {
            return Problems.Invalid("limit", "limit is 1–500.");
        }

        // Staff see their own scope: a hall manager their hall, an approver their department in their region,
        // a supervisor their region (or a hall/region inside it), an admin anything.
        string? scopeKey;
        if (user.IsInRole(Roles.Admin))
        {
            scopeKey = hall is not null ? RatingScopes.HallKey(hall) : department is not null ? RatingScopes.Key(RatingScopes.Department, department) : region is not null ? RegionKey(region) : null;
        }
        else if (user.IsInRole(Roles.HallManager))
        {
            scopeKey = RatingScopes.HallKey(user.Claim(TongBanClaims.HallCode) ?? "-");
        }
        else if (user.IsInRole(Roles.Approver))
        {
            scopeKey = RatingScopes.Key(RatingScopes.Department, $"{user.Claim(TongBanClaims.DepartmentCode)}/{user.Claim(TongBanClaims.RegionCode)}");
        }
        else
        {
            var own = user.Claim(TongBanClaims.RegionCode) ?? "-";
            var asked = hall is not null && hall.Length >= 6 ? hall[..6] : region;
            if (asked is not null && !CaseStateMachine.RegionCovers(own, asked))
            {
                return Forbidden($"Region {asked} is outside your region {own}.");
            }

            scopeKey = hall is not null ? RatingScopes.HallKey(hall) : RegionKey(asked ?? own);
        }

        var today = ChinaTime.Today(clock);
        var rows = await store.FollowUpsAsync(new FollowUpQuery(scopeKey, open ?? false, overdue == true ? today : null, limit ?? 100), ct);
        return TypedResults.Ok(rows.Select(r => new FollowUpRowDto(
            r.Rating.Id, r.Rating.Level, RatingLevels.Name(r.Rating.Level), r.Rating.Subject.HallCode, r.Rating.Subject.ItemCode, r.FollowUp.OwnerDepartment,
            r.Rating.CreatedAt, Wire.Name(r.FollowUp.Stage), FollowUpRules.StageName(r.FollowUp.Stage), r.FollowUp.ReturnVisitDue, r.FollowUp.ReplyDue,
            r.FollowUp.ReturnVisitOverdue(today), r.FollowUp.ReplyOverdue(today), r.FollowUp.Appeal is { } a ? Wire.Name(a.Status) : null)).ToList());
    }

    private static async Task<IResult> GetAsync(
        string ratingId, ClaimsPrincipal user, PersonalDataProtector protector, IGrainFactory grains, RatingOptions options, TimeProvider clock)
    {
        if (!IsRatingId(ratingId, out _))
        {
            return Problems.Invalid("ratingId", RatingIdHint);
        }

        var view = await grains.GetGrain<IRatingGrain>(ratingId).Get();

        // Others' ratings answer like missing ones.
        return view is null || !MaySee(user, view.Rating, protector)
            ? Problems.NotFound("Rating", ratingId)
            : TypedResults.Ok(RatingDto.From(view, ChinaTime.Today(clock), new FollowUpRules(options), ChinaTime.Now(clock)));
    }

    private static Task<IResult> StepAsync(
        string ratingId, FollowUpStepRequest body, ClaimsPrincipal user, IGrainFactory grains, RatingOptions options, TimeProvider clock)
    {
        var action = body.Step switch
        {
            "verify" => FollowUpAction.Verify,
            "rectify" => FollowUpAction.Rectify,
            "reply" => FollowUpAction.Reply,
            _ => (FollowUpAction?)null,
        };
        return action is null
            ? Task.FromResult<IResult>(Problems.Invalid("step", "step is verify (回访核实), rectify (整改) or reply (反馈)."))
            : ActAsync(ratingId, new FollowUpCommand(action.Value, StaffActor(user), body.Note), grains, options, clock);
    }

    private static Task<IResult> AppealAsync(string ratingId, AppealRequest body, ClaimsPrincipal user, IGrainFactory grains, RatingOptions options, TimeProvider clock) =>
        ActAsync(ratingId, new FollowUpCommand(FollowUpAction.Appeal, StaffActor(user), body.Reason), grains, options, clock);

    private static Task<IResult> DecideAsync(string ratingId, AppealDecisionRequest body, ClaimsPrincipal user, IGrainFactory grains, RatingOptions options, TimeProvider clock) =>
        body.Upheld is null
            ? Task.FromResult<IResult>(Problems.Invalid("upheld", "upheld (true: the appeal stands, the rating is excluded; false: rejected) is required."))
            : ActAsync(ratingId, new FollowUpCommand(FollowUpAction.DecideAppeal, StaffActor(user), body.Reason, Upheld: body.Upheld), grains, options, clock);

    private static async Task<IResult> FixRatingAsync(
        string ratingId, FixRatingRequest body, ClaimsPrincipal user, RatingTokens tokens, PersonalDataProtector protector,
        IGrainFactory grains, RatingOptions options, TimeProvider clock)
    {
        if (!IsRatingId(ratingId, out var target))
        {
            return Problems.Invalid("ratingId", RatingIdHint);
        }

        if (body.Level is not { } level || !RatingLevels.IsValid(level))
        {
            return Problems.Invalid("level", "level is required: 1..5 (5 = 非常满意).");
        }

        FollowUpActor actor;
        if (body.RatingToken is not null)
        {
            if (target.Kind != RatingTargetKind.Ticket || !tokens.TryVerify(target.HallCode!, target.TicketNo!, body.RatingToken, out var day) || day != target.Day)
            {
                return Forbidden("The rating token does not belong to this rating's ticket.");
            }

            actor = new FollowUpActor(FollowUpRole.Rater, TicketTokenVerified: true);
        }
        else if (user.IsInRole(Roles.Citizen))
        {
            actor = new FollowUpActor(FollowUpRole.Rater, RaterKey: target.Kind == RatingTargetKind.Case
                ? await CitizenKeyAsync(user, protector, grains, target.CaseNo!)
                : protector.Hash.OfResidentId(user.Claim(TongBanClaims.Subject) ?? string.Empty));
        }
        else if (user.IsInRole(Roles.HotlineAgent))
        {
            actor = new FollowUpActor(FollowUpRole.HotlineAgent, user.Claim(TongBanClaims.Subject));
        }
        else
        {
            return user.Identity?.IsAuthenticated == true
                ? Forbidden("Only the rater rates the fix: the ticket's ratingToken, the applicant's token, or a 12345 agent.")
                : Unauthorized("Rate the fix with the ticket's ratingToken, or sign in as the applicant.");
        }

        return await ActAsync(ratingId, new FollowUpCommand(FollowUpAction.RateFix, actor, body.Comment, level), grains, options, clock);
    }

    private static async Task<IResult> ActAsync(string ratingId, FollowUpCommand command, IGrainFactory grains, RatingOptions options, TimeProvider clock)
    {
        if (!IsRatingId(ratingId, out _))
        {
            return Problems.Invalid("ratingId", RatingIdHint);
        }

        var reply = await grains.GetGrain<IRatingGrain>(ratingId).Act(command);
        return reply.Succeeded
            ? TypedResults.Ok(RatingDto.From(reply.View!, ChinaTime.Today(clock), new FollowUpRules(options), ChinaTime.Now(clock)))
            : Refusal(reply.Refusal!);
    }

    private static async Task<IResult> RecountAsync(bool? repair, IRatingStore store, IGrainFactory grains, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        var keys = await store.ScopeKeysAsync(ct);
        var checks = new List<RollupCheck>(keys.Count);

        // Bounded parallelism: each recount is one store query, and the store's pool is small.
        foreach (var chunk in keys.Chunk(32))
        {
            checks.AddRange(await Task.WhenAll(chunk.Select(k => grains.GetGrain<IRatingRollupGrain>(k).Recount(repair ?? false))));
        }

        var (ratings, excluded) = await store.TotalsAsync(ct);
        return TypedResults.Ok(new RecountReportDto(
            checks.Count, ratings, excluded, checks.Count(c => c.Matches), checks.Count(c => !c.Matches), checks.Sum(c => c.InFlight),
            checks.Count(c => c.Repaired), watch.ElapsedMilliseconds,
            [.. checks.Where(c => !c.Matches).Select(c => new RecountDifferenceDto(c.ScopeKey, c.Rollup, c.Recount, c.Differences, c.Repaired))]));
    }

    private const string RatingIdHint = "A rating id looks like T-520102-H001-20261124-A012 (ticket) or C-GZ5201022611270000011 (case).";

    /// <summary>Well-formed ids only, so no grain is activated for arbitrary text.</summary>
    private static bool IsRatingId(string id, out RatingTarget target) =>
        RatingTarget.TryParse(id, out target) && target.Kind switch
        {
            RatingTargetKind.Case => CaseNumber.TryParse(target.CaseNo, out var number) && number.Value == target.CaseNo,
            _ => ServicePointCode.IsWellFormed(target.HallCode) && TicketNumber.TryParse(target.TicketNo, out _, out _),
        };

    /// <summary>Maps the API's scope and id to a roll-up key, checking that the id exists.</summary>
    private static (string? Key, IResult? Problem) ResolveScope(
        string? scope, string? id, ServicePointDirectory directory, RegionCatalog regions, ServiceCatalogue catalogue, bool allowStaffScopes)
    {
        if (scope is null)
        {
            return (null, Problems.Invalid("scope", "scope is clerk, window, hall, item, department or region (county, city, province)."));
        }

        if (id is null && scope != RatingScopes.Province)
        {
            return (null, Problems.Invalid("id", "id is required."));
        }

        if (id is { Length: > 64 })
        {
            return (null, Problems.Invalid("id", "id has at most 64 characters."));
        }

        switch (scope)
        {
            case RatingScopes.Clerk when allowStaffScopes:
                return (RatingScopes.Key(RatingScopes.Clerk, id!), null);
            case RatingScopes.Window when allowStaffScopes:
                var slash = id!.LastIndexOf('/');
                if (slash < 0 || !int.TryParse(id[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var windowNo))
                {
                    return (null, Problems.Invalid("id", "A window id is {hallCode}/{windowNo}, e.g. 520102-H001/3."));
                }

                return directory.Find(id[..slash]) is { } point && point.Windows.Any(w => w.WindowNo == windowNo)
                    ? (RatingScopes.Key(RatingScopes.Window, $"{point.Code}/{windowNo}"), null)
                    : (null, Problems.NotFound("Window", id));
            case RatingScopes.Hall:
                var lookup = HallLookup.Of(id!, directory);
                return lookup.Invalid is { } invalid ? (null, invalid) : lookup.Missing is { } missing ? (null, missing) : (RatingScopes.HallKey(id!), null);
            case RatingScopes.Item:
                return catalogue.Find(id) is null ? (null, Problems.NotFound("Item", id!)) : (RatingScopes.Key(RatingScopes.Item, id!), null);
            case RatingScopes.Department:
                var parts = id!.Split('/');
                if (Departments.Find(parts[0]) is null || parts.Length > 2)
                {
                    return (null, Problems.NotFound("Department", id));
                }

                if (parts.Length == 2 && regions.Find(parts[1]) is null)
                {
                    return (null, Problems.NotFound("Region", parts[1]));
                }

                return (RatingScopes.Key(RatingScopes.Department, id), null);
            case "region" or RatingScopes.County or RatingScopes.City or RatingScopes.Province:
                var code = id ?? RegionCatalog.ProvinceCode;
                if (!RegionCatalog.IsWellFormedCode(code))
                {
                    return (null, Problems.Invalid("id", "A region code has six digits, e.g. 520102."));
                }

                if (regions.Find(code) is not { } region || (scope != "region" && RatingScopes.OfLevel(region.Level) != scope))
                {
                    return (null, Problems.NotFound(scope == "region" ? "Region" : scope, code));
                }

                return (RatingScopes.Key(RatingScopes.OfLevel(region.Level), region.Code), null);
            default:
                return (null, Problems.Invalid("scope", allowStaffScopes
                    ? "scope is clerk, window, hall, item, department or region (county, city, province)."
                    : "scope is hall, item, department or region."));
        }
    }

    private static string RegionKey(string code) => code == RegionCatalog.ProvinceCode
        ? RatingScopes.Key(RatingScopes.Province, code)
        : RatingScopes.Key(code.EndsWith("00", StringComparison.Ordinal) ? RatingScopes.City : RatingScopes.County, code);

    /// <summary>Clerk figures: the clerk, hall managers, supervisors, admins. Window figures: staff of that hall, supervisors, admins.</summary>
    private static bool MaySeeStaffFigures(ClaimsPrincipal user, string scope, string id)
    {
        if (user.IsInRole(Roles.Admin) || user.IsInRole(Roles.Supervisor))
        {
            return true;
        }

        if (scope == RatingScopes.Clerk)
        {
            return user.IsInRole(Roles.HallManager) || (user.IsInRole(Roles.Clerk) && user.Claim(TongBanClaims.Subject) == id);
        }

        var hall = id[..id.LastIndexOf('/')];
        return user.MaySeeHallInternals(hall);
    }

    /// <summary>A rating is seen by staff answerable for it and by its rater (case applicant); others get 404.</summary>
    private static bool MaySee(ClaimsPrincipal user, RatingRecord r, PersonalDataProtector protector)
    {
        var s = r.Subject;
        if (user.IsInRole(Roles.Admin))
        {
            return true;
        }

        if (user.IsInRole(Roles.Supervisor))
        {
            return user.Claim(TongBanClaims.RegionCode) is { } region && CaseStateMachine.RegionCovers(region, s.RegionCode);
        }

        if (user.IsInRole(Roles.HallManager))
        {
            return s.HallCode is not null && user.Claim(TongBanClaims.HallCode) == s.HallCode;
        }

        if (user.IsInRole(Roles.Approver))
        {
            return s.DepartmentCode is not null && user.Claim(TongBanClaims.DepartmentCode) == s.DepartmentCode && user.Claim(TongBanClaims.RegionCode) == s.RegionCode;
        }

        return user.IsInRole(Roles.Citizen) && r.RaterKey is not null &&
               protector.Hash.IsResidentId(r.RaterKey, user.Claim(TongBanClaims.Subject) ?? string.Empty);
    }

    /// <summary>
    /// The citizen's keyed hash as the case stores its applicant: the HMAC-SHA256 candidate for a case opened before the
    /// switch to HMAC-SM3, else the current one (the grains compare hashes only, so the endpoint picks the matching one).
    /// </summary>
    private static async Task<string> CitizenKeyAsync(ClaimsPrincipal user, PersonalDataProtector protector, IGrainFactory grains, string caseNo)
    {
        var sub = user.Claim(TongBanClaims.Subject) ?? string.Empty;
        var stored = (await grains.GetGrain<ICaseGrain>(caseNo).Get())?.State.ApplicantKey;
        return protector.Hash.MatchResidentId(stored, sub) ?? protector.Hash.OfResidentId(sub);
    }

    private static FollowUpActor StaffActor(ClaimsPrincipal user)
    {
        var role = user.IsInRole(Roles.Admin) ? FollowUpRole.Admin
            : user.IsInRole(Roles.Supervisor) ? FollowUpRole.Supervisor
            : user.IsInRole(Roles.HallManager) ? FollowUpRole.HallManager
            : FollowUpRole.Approver;
        return new FollowUpActor(
            role, user.Claim(TongBanClaims.Subject), user.Claim(TongBanClaims.HallCode), user.Claim(TongBanClaims.DepartmentCode), user.Claim(TongBanClaims.RegionCode));
    }

    private static ProblemHttpResult Refusal(RatingRefusal r)
    {
        var (status, title) = r.Kind switch
        {
            RatingRefusalKind.Invalid => (StatusCodes.Status400BadRequest, "输入有误 Invalid input"),
            RatingRefusalKind.Forbidden => (StatusCodes.Status403Forbidden, "无权操作 Forbidden"),
            RatingRefusalKind.UnknownTarget => (StatusCodes.Status404NotFound, "未找到 Not found"),
            _ => (StatusCodes.Status409Conflict, "状态冲突 Conflict"),
        };
        var extensions = new Dictionary<string, object?> { ["code"] = r.Code };
        if (r.Allowed is { } allowed)
        {
            extensions["allowedActions"] = allowed;
        }

        return TypedResults.Problem(statusCode: status, title: title, detail: r.Message, extensions: extensions);
    }

    private static ProblemHttpResult Forbidden(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "无权操作 Forbidden", detail: detail);

    private static ProblemHttpResult Unauthorized(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "需要身份验证 Unauthorized", detail: detail);
}
