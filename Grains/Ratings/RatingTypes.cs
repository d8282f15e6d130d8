using System.Globalization;

namespace TongBan.Grains.Ratings;

/// <summary>What is rated: one served ticket (一次一评) or one finished case (一事一评).</summary>
public enum RatingTargetKind
{
    Ticket,
    Case,
}

/// <summary>Where the rating was given (contract values <c>windowPad</c>, <c>web</c>, <c>mobile</c>, <c>sms</c>, <c>hotline</c>).</summary>
public enum RatingChannel
{
    /// <summary>评价器: the rating pad at the window, right after service.</summary>
    WindowPad,

    /// <summary>政务服务网 (web portal).</summary>
    Web,

    /// <summary>Mobile app, or the citizen's phone scanning the slip's code.</summary>
    Mobile,

    /// <summary>The link of the 好差评 text message.</summary>
    Sms,

    /// <summary>12345 hotline: an agent enters the caller's rating.</summary>
    Hotline,
}

/// <summary>
/// The one thing a rating is about. Its <see cref="Id"/> is the rating's id too, because there is at
/// most one rating per target: <c>T-{hallCode}-{yyyyMMdd}-{ticketNo}</c> (a ticket number is unique
/// per hall and day only) or <c>C-{caseNo}</c>.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record RatingTarget(
    [property: Id(0)] RatingTargetKind Kind,
    [property: Id(1)] string? HallCode,
    [property: Id(2)] DateOnly? Day,
    [property: Id(3)] string? TicketNo,
    [property: Id(4)] string? CaseNo)
{
    public string Id => Kind == RatingTargetKind.Ticket
        ? $"T-{HallCode}-{Day!.Value.ToString("yyyyMMdd", CultureInfo.InvariantCulture)}-{TicketNo}"
        : $"C-{CaseNo}";

    public static RatingTarget Ticket(string hallCode, DateOnly day, string ticketNo) => new(RatingTargetKind.Ticket, hallCode, day, ticketNo, null);

    public static RatingTarget Case(string caseNo) => new(RatingTargetKind.Case, null, null, null, caseNo);

    /// <summary>Parses a rating id; the parts are only checked for shape, not existence.</summary>
    public static bool TryParse(string? id, out RatingTarget target)
    {
        target = null!;
        if (id is null || id.Length is < 3 or > 64)
        {
            return false;
        }

        if (id.StartsWith("C-", StringComparison.Ordinal))
        {
            target = Case(id[2..]);
            return true;
        }

        // T-520102-H001-20261124-A012: the hall code itself holds one hyphen.
        var parts = id.Split('-');
        if (parts is ["T", var region, var point, var day, var ticket] &&
            DateOnly.TryParseExact(day, "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            target = Ticket($"{region}-{point}", date, ticket);
            return true;
        }

        return false;
    }

    public override string ToString() => Id;
}

/// <summary>Optional sub-scores (分项评价), each 1..5.</summary>
/// <param name="Efficiency">办事效率</param>
/// <param name="Attitude">服务态度</param>
/// <param name="Guidance">指引准确 (guidance accuracy)</param>
/// <param name="Convenience">便利程度</param>
[GenerateSerializer, Immutable]
public sealed record SubScores(
    [property: Id(0)] int? Efficiency,
    [property: Id(1)] int? Attitude,
    [property: Id(2)] int? Guidance,
    [property: Id(3)] int? Convenience)
{
    /// <summary>A method, not a property, so JSON stores keep only the four scores.</summary>
    public IEnumerable<(string Name, int? Value)> Scores() =>
        [("efficiency", Efficiency), ("attitude", Attitude), ("guidance", Guidance), ("convenience", Convenience)];

    public bool HasAny() => Scores().Any(s => s.Value is not null);
}

/// <summary>
/// Who and what the rating rates, fixed when it is given (a clerk who later moves windows keeps the
/// ratings of the service they gave).
/// </summary>
/// <param name="Clerk">The serving clerk's staff subject (窗口人员).</param>
/// <param name="DepartmentCode">The competent department of a case (属地部门, with <paramref name="RegionCode"/>).</param>
/// <param name="RegionCode">
/// The accountable county-level (or higher) region: the hall's region for a ticket, the case's competent
/// region (属地) for a case.
/// </param>
[GenerateSerializer, Immutable]
public sealed record RatingSubject(
    [property: Id(0)] string? HallCode,
    [property: Id(1)] int? WindowNo,
    [property: Id(2)] string? Clerk,
    [property: Id(3)] string? ItemCode,
    [property: Id(4)] string? DepartmentCode,
    [property: Id(5)] string RegionCode);

/// <summary>
/// A ticket finished at a window, recorded when the window finishes it so that it can be rated for
/// days after the queue has dropped the day's tickets.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ServedTicket(
    [property: Id(0)] string HallCode,
    [property: Id(1)] DateOnly Day,
    [property: Id(2)] string TicketNo,
    [property: Id(3)] string Category,
    [property: Id(4)] int WindowNo,
    [property: Id(5)] string? Clerk,
    [property: Id(6)] DateTimeOffset FinishedAt);

/// <summary>How the caller showed the right to rate this target; the API builds it from the verified token.</summary>
public enum RaterProofKind
{
    /// <summary>The ticket's rating token (slip or phone), already verified by the API.</summary>
    TicketToken,

    /// <summary>The window's rating pad, signed in with the window clerk's token: only tickets that window just finished.</summary>
    WindowPad,

    /// <summary>A citizen token whose subject hashes to the case's applicant.</summary>
    Applicant,

    /// <summary>A 12345 agent entering a verified caller's rating.</summary>
    HotlineAgent,
}

/// <param name="Actor">Staff subject of a pad clerk or hotline agent (recorded as who entered it).</param>
/// <param name="RaterKey">Keyed hash of the citizen's resident ID (Applicant), never the raw number.</param>
[GenerateSerializer, Immutable]
public sealed record RaterProof(
    [property: Id(0)] RaterProofKind Kind,
    [property: Id(1)] string? Actor = null,
    [property: Id(2)] string? HallCode = null,
    [property: Id(3)] int? WindowNo = null,
    [property: Id(4)] string? RaterKey = null);

/// <summary>A rating as submitted (<c>POST /api/ratings</c>), after input validation.</summary>
[GenerateSerializer, Immutable]
public sealed record RatingRequest(
    [property: Id(0)] RatingTarget Target,
    [property: Id(1)] int Level,
    [property: Id(2)] RatingChannel Channel,
    [property: Id(3)] SubScores? SubScores,
    [property: Id(4)] string? Comment,
    [property: Id(5)] RaterProof Proof);

/// <summary>
/// A stored rating: a fact, never changed or deleted. An upheld appeal adds a <see cref="RatingExclusion"/>
/// beside it instead of touching it.
/// </summary>
/// <param name="Scopes">The roll-up keys this rating counts in (<see cref="RatingScopes"/>), fixed at intake, so a recount uses exactly the keys the live fan-out used.</param>
/// <param name="RaterKey">Keyed hash of the rater's resident ID when known (case applicant); null for an anonymous ticket rating.</param>
/// <param name="EnteredBy">Staff subject of a pad clerk or 12345 agent who entered it.</param>
/// <param name="ServiceEndedAt">When service ended: ticket finished, case completed.</param>
/// <param name="Day">The rating's own China date: the day it counts in.</param>
[GenerateSerializer, Immutable]
public sealed record RatingRecord(
    [property: Id(0)] RatingTarget Target,
    [property: Id(1)] RatingSubject Subject,
    [property: Id(2)] IReadOnlyList<string> Scopes,
    [property: Id(3)] int Level,
    [property: Id(4)] RatingChannel Channel,
    [property: Id(5)] SubScores? SubScores,
    [property: Id(6)] string? Comment,
    [property: Id(7)] string? RaterKey,
    [property: Id(8)] string? EnteredBy,
    [property: Id(9)] DateTimeOffset ServiceEndedAt,
    [property: Id(10)] DateTimeOffset CreatedAt,
    [property: Id(11)] DateOnly Day)
{
    public string Id => Target.Id;

    public bool IsBad => RatingLevels.IsBad(Level);

    /// <summary>A retry of the same submission (same content, same rater): answered with the stored rating instead of a 409.</summary>
    public bool SameSubmission(RatingRecord other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Id == other.Id && Level == other.Level && Channel == other.Channel && Comment == other.Comment &&
               Equals(SubScores, other.SubScores) && RaterKey == other.RaterKey && EnteredBy == other.EnteredBy;
    }
}

/// <summary>An upheld appeal's exclusion of a rating from every figure: the reason and decider are kept for audit.</summary>
[GenerateSerializer, Immutable]
public sealed record RatingExclusion(
    [property: Id(0)] string RatingId,
    [property: Id(1)] string Reason,
    [property: Id(2)] string DecidedBy,
    [property: Id(3)] DateTimeOffset DecidedAt);

/// <summary>Why a rating or follow-up command was refused; the API maps each to its HTTP status.</summary>
public enum RatingRefusalKind
{
    /// <summary>400: malformed input (level, comment length, sub-scores, channel for this proof).</summary>
    Invalid,

    /// <summary>403: the caller may not rate this target (wrong pad, wrong role).</summary>
    Forbidden,

    /// <summary>404: no such ticket, case or rating (also: someone else's case).</summary>
    UnknownTarget,

    /// <summary>409: service has not ended (ticket not served, case not finished).</summary>
    NotRateableYet,

    /// <summary>409: the rating period after service is over.</summary>
    PeriodOver,

    /// <summary>409: this ticket or case has already been rated (一次一评、一事一评).</summary>
    AlreadyRated,

    /// <summary>409: the follow-up step is not possible now; the refusal lists what is.</summary>
    NotAllowed,

    /// <summary>409: another writer changed the follow-up meanwhile; reload and retry.</summary>
    VersionConflict,
}

/// <param name="Code">A stable camelCase code for clients (e.g. <c>alreadyRated</c>, <c>ticketNotServed</c>).</param>
/// <param name="Message">Chinese, then English; safe to show, no personal data.</param>
/// <param name="Allowed">For <see cref="RatingRefusalKind.NotAllowed"/>: follow-up actions possible now.</param>
[GenerateSerializer, Immutable]
public sealed record RatingRefusal(
    [property: Id(0)] RatingRefusalKind Kind,
    [property: Id(1)] string Code,
    [property: Id(2)] string Message,
    [property: Id(3)] IReadOnlyList<string>? Allowed = null);

/// <summary>The intake's answer: the stored rating (and its follow-up for a 差评), or a refusal.</summary>
/// <param name="Replayed">A retry of an already stored, identical submission: nothing new was stored.</param>
[GenerateSerializer, Immutable]
public sealed record RatingOutcome(
    [property: Id(0)] RatingRecord? Rating,
    [property: Id(1)] FollowUpState? FollowUp,
    [property: Id(2)] RatingRefusal? Refusal,
    [property: Id(3)] bool Replayed = false)
{
    public bool Accepted => Refusal is null;

    public static RatingOutcome Refused(RatingRefusalKind kind, string code, string message) => new(null, null, new RatingRefusal(kind, code, message));
}

/// <summary>One rating with everything that happened to it (staff view, audit).</summary>
[GenerateSerializer, Immutable]
public sealed record RatingView(
    [property: Id(0)] RatingRecord Rating,
    [property: Id(1)] FollowUpState? FollowUp,
    [property: Id(2)] RatingExclusion? Exclusion,
    [property: Id(3)] IReadOnlyList<RatingEvent> Events);
