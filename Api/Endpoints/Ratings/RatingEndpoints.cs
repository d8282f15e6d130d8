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

    private static async Task<Results<Ok<RatingReceiptDto>, Created<RatingReceiptDto>, ValidationProblem, ProblemHttpResult>> SubmitAsync(
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

        // The hall named for a ticket must exist before anything else is said about the ticket (404 first).
        if (body.CaseNo is null && body.HallCode is not null && body.TicketNo is not null)
        {
            var hall = HallLookup.Of(body.HallCode, directory);
            if (hall.Invalid is { } invalid)
            {
                return invalid;
            }

            if (hall.Missing is { } missing)
            {
                return missing;
            }
        }

        var decision = RaterProofDecision.Decide(
            body.CaseNo, body.HallCode, body.TicketNo, body.RatingToken, body.Day, RatingActors.Rater(user),
            (hallCode, ticketNo, token) => tokens.TryVerify(hallCode, ticketNo, token, out var day) ? day : null, ChinaTime.Today(clock));
        if (decision.Refusal is { } refusal)
        {
            return refusal.Kind == RaterRefusalKind.Invalid ? Problems.Invalid(refusal.Field ?? "body", refusal.Message) : RatingProblems.Refused(refusal);
        }

        var target = decision.Target!;
        var proof = decision.Proof!;
        if (proof.Kind == RaterProofKind.Applicant)
        {
            proof = proof with { RaterKey = await RatingActors.CitizenKeyAsync(user, protector, grains, target.CaseNo!) };
        }

        var outcome = await grains.GetGrain<IRatingIntakeGrain>(0).Rate(new RatingRequest(target, level, channel, scores, body.Comment, proof));
        if (!outcome.Accepted)
        {
            return RatingProblems.Refusal(outcome.Refusal!);
        }

        var r = outcome.Rating!;
        var receipt = new RatingReceiptDto(
            r.Id, Wire.Name(r.Target.Kind), r.Level, RatingLevels.Name(r.Level), Wire.Name(r.Channel), r.CreatedAt, outcome.Replayed,
            outcome.FollowUp is { } f ? new FollowUpBriefDto(Wire.Name(f.Stage), FollowUpRules.StageName(f.Stage), f.ReturnVisitDue, f.ReplyDue, f.DeadlinesProvisional) : null);
        return outcome.Replayed ? TypedResults.Ok(receipt) : TypedResults.Created($"/api/ratings/{r.Id}", receipt);
    }

    private static async Task<Results<Ok<RatingSummaryDto>, ValidationProblem, ProblemHttpResult>> SummaryAsync(
        string? scope, string? id, string? period, ClaimsPrincipal user, ServicePointDirectory directory, RegionCatalog regions,
        ServiceCatalogue catalogue, IGrainFactory grains)
    {
        var resolved = RatingScopeResolution.Resolve(scope, id, directory, regions, catalogue, allowStaffScopes: true);
        if (resolved.Invalid is { } invalid)
        {
            return invalid;
        }

        if (resolved.Missing is { } missing)
        {
            return missing;
        }

        var key = resolved.Key!;
        var (scopeName, scopeId) = RatingScopes.Parse(key);
        if (scopeName is RatingScopes.Clerk or RatingScopes.Window && !user.MaySeeStaffRatingFigures(scopeName, scopeId))
        {
            return user.Identity?.IsAuthenticated == true
                ? Problems.Forbidden("Clerk and window figures are for the clerk, their hall's manager, supervisors and admins.")
                : RatingProblems.Unauthorized("Clerk and window figures need a staff token.");
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

    private static async Task<Results<Ok<PublicRatingsDto>, ValidationProblem, ProblemHttpResult>> PublicAsync(
        string? scope, string? id, ServicePointDirectory directory, RegionCatalog regions, ServiceCatalogue catalogue,
        IGrainFactory grains, IRatingStore store, TimeProvider clock, CancellationToken ct)
    {
        if (scope is not (RatingScopes.Hall or RatingScopes.Item))
        {
            return Problems.Invalid("scope", "Public figures are disclosed per hall or item: scope is hall or item.");
        }

        var resolved = RatingScopeResolution.Resolve(scope, id, directory, regions, catalogue, allowStaffScopes: false);
        if (resolved.Invalid is { } invalid)
        {
            return invalid;
        }

        if (resolved.Missing is { } missing)
        {
            return missing;
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

    private static async Task<Results<Ok<List<FollowUpRowDto>>, ValidationProblem, ProblemHttpResult>> FollowUpsAsync(
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
            scopeKey = hall is not null ? RatingScopes.HallKey(hall) : department is not null ? RatingScopes.Key(RatingScopes.Department, department) : region is not null ? RatingScopeResolution.RegionKey(region) : null;
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
            if (asked is not null && !RegionRules.Covers(own, asked))
            {
                return Problems.Forbidden($"Region {asked} is outside your region {own}.");
            }

            scopeKey = hall is not null ? RatingScopes.HallKey(hall) : RatingScopeResolution.RegionKey(asked ?? own);
        }

        var today = ChinaTime.Today(clock);
        var rows = await store.FollowUpsAsync(new FollowUpQuery(scopeKey, open ?? false, overdue == true ? today : null, limit ?? 100), ct);
        return TypedResults.Ok(rows.Select(r => new FollowUpRowDto(
            r.Rating.Id, r.Rating.Level, RatingLevels.Name(r.Rating.Level), r.Rating.Subject.HallCode, r.Rating.Subject.ItemCode, r.FollowUp.OwnerDepartment,
            r.Rating.CreatedAt, Wire.Name(r.FollowUp.Stage), FollowUpRules.StageName(r.FollowUp.Stage), r.FollowUp.ReturnVisitDue, r.FollowUp.ReplyDue,
            r.FollowUp.ReturnVisitOverdue(today), r.FollowUp.ReplyOverdue(today), r.FollowUp.Appeal is { } a ? Wire.Name(a.Status) : null)).ToList());
    }

    private static async Task<Results<Ok<RatingDto>, ValidationProblem, ProblemHttpResult>> GetAsync(
        string ratingId, ClaimsPrincipal user, PersonalDataProtector protector, IGrainFactory grains, RatingOptions options, TimeProvider clock)
    {
        if (!IsRatingId(ratingId, out _))
        {
            return Problems.Invalid("ratingId", RatingIdHint);
        }

        var view = await grains.GetGrain<IRatingGrain>(ratingId).Get();

        // Others' ratings answer like missing ones.
        return view is null || !user.MaySeeRating(view.Rating, protector)
            ? Problems.NotFound("Rating", ratingId)
            : TypedResults.Ok(RatingDto.From(view, ChinaTime.Today(clock), new FollowUpRules(options), ChinaTime.Now(clock)));
    }

    private static async Task<Results<Ok<RatingDto>, ValidationProblem, ProblemHttpResult>> StepAsync(
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
            ? Problems.Invalid("step", "step is verify (回访核实), rectify (整改) or reply (反馈).")
            : await ActAsync(ratingId, new FollowUpCommand(action.Value, RatingActors.StaffActor(user), body.Note), grains, options, clock);
    }

    private static Task<Results<Ok<RatingDto>, ValidationProblem, ProblemHttpResult>> AppealAsync(string ratingId, AppealRequest body, ClaimsPrincipal user, IGrainFactory grains, RatingOptions options, TimeProvider clock) =>
        ActAsync(ratingId, new FollowUpCommand(FollowUpAction.Appeal, RatingActors.StaffActor(user), body.Reason), grains, options, clock);

    private static async Task<Results<Ok<RatingDto>, ValidationProblem, ProblemHttpResult>> DecideAsync(string ratingId, AppealDecisionRequest body, ClaimsPrincipal user, IGrainFactory grains, RatingOptions options, TimeProvider clock) =>
        body.Upheld is null
            ? Problems.Invalid("upheld", "upheld (true: the appeal stands, the rating is excluded; false: rejected) is required.")
            : await ActAsync(ratingId, new FollowUpCommand(FollowUpAction.DecideAppeal, RatingActors.StaffActor(user), body.Reason, Upheld: body.Upheld), grains, options, clock);

    private static async Task<Results<Ok<RatingDto>, ValidationProblem, ProblemHttpResult>> FixRatingAsync(
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
                return Problems.Forbidden("The rating token does not belong to this rating's ticket.");
            }

            actor = new FollowUpActor(FollowUpRole.Rater, TicketTokenVerified: true);
        }
        else if (user.IsInRole(Roles.Citizen))
        {
            actor = new FollowUpActor(FollowUpRole.Rater, RaterKey: target.Kind == RatingTargetKind.Case
                ? await RatingActors.CitizenKeyAsync(user, protector, grains, target.CaseNo!)
                : protector.Hash.OfResidentId(user.Claim(TongBanClaims.Subject) ?? string.Empty));
        }
        else if (user.IsInRole(Roles.HotlineAgent))
        {
            actor = new FollowUpActor(FollowUpRole.HotlineAgent, user.Claim(TongBanClaims.Subject));
        }
        else
        {
            return user.Identity?.IsAuthenticated == true
                ? Problems.Forbidden("Only the rater rates the fix: the ticket's ratingToken, the applicant's token, or a 12345 agent.")
                : RatingProblems.Unauthorized("Rate the fix with the ticket's ratingToken, or sign in as the applicant.");
        }

        return await ActAsync(ratingId, new FollowUpCommand(FollowUpAction.RateFix, actor, body.Comment, level), grains, options, clock);
    }

    private static async Task<Results<Ok<RatingDto>, ValidationProblem, ProblemHttpResult>> ActAsync(string ratingId, FollowUpCommand command, IGrainFactory grains, RatingOptions options, TimeProvider clock)
    {
        if (!IsRatingId(ratingId, out _))
        {
            return Problems.Invalid("ratingId", RatingIdHint);
        }

        var reply = await grains.GetGrain<IRatingGrain>(ratingId).Act(command);
        return reply.Succeeded
            ? TypedResults.Ok(RatingDto.From(reply.View!, ChinaTime.Today(clock), new FollowUpRules(options), ChinaTime.Now(clock)))
            : RatingProblems.Refusal(reply.Refusal!);
    }

    private static async Task<Ok<RecountReportDto>> RecountAsync(bool? repair, IRatingStore store, IGrainFactory grains, CancellationToken ct)
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




}
