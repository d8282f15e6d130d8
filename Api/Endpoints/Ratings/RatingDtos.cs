using TongBan.Grains.Common;
using TongBan.Grains.Ratings;

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
