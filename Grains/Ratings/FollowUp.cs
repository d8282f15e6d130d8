using TongBan.Grains.Calendar;
using TongBan.Grains.Cases;
using TongBan.Grains.Identity;
using TongBan.Grains.Regions;

namespace TongBan.Grains.Ratings;

/// <summary>Where a 差评's follow-up (差评整改) stands. Wire names are camelCase.</summary>
public enum FollowUpStage
{
    /// <summary>待核实: the owner must call the rater back and verify (回访核实).</summary>
    AwaitingVerification,

    /// <summary>已核实，整改中.</summary>
    Verified,

    /// <summary>已整改，待反馈.</summary>
    Rectified,

    /// <summary>已反馈: the rater was told what was done and may rate the fix once (closed for deadlines).</summary>
    Replied,

    /// <summary>已复评: the rater rated the fix (closed).</summary>
    FixRated,

    /// <summary>申诉成立，不计入统计 (closed): the rating is excluded from every figure, with the reason kept.</summary>
    Excluded,
}

public enum AppealStatus
{
    /// <summary>申诉中</summary>
    Pending,

    /// <summary>申诉成立</summary>
    Upheld,

    /// <summary>申诉驳回</summary>
    Rejected,
}

/// <summary>A hall's (or department's) contest of a mistaken or malicious 差评, and the supervisor's decision.</summary>
[GenerateSerializer, Immutable]
public sealed record AppealState(
    [property: Id(0)] AppealStatus Status,
    [property: Id(1)] string Reason,
    [property: Id(2)] string FiledBy,
    [property: Id(3)] DateTimeOffset FiledAt,
    [property: Id(4)] string? DecidedBy = null,
    [property: Id(5)] DateTimeOffset? DecidedAt = null,
    [property: Id(6)] string? Decision = null);

/// <summary>
/// The follow-up of one 差评, owned by the rated hall and, for a case, the competent department.
/// Derived from its events (each step appends one); persisted beside them for the dashboards' queries.
/// </summary>
/// <param name="OwnerDepartment"><c>{departmentCode}/{regionCode}</c> of a case rating.</param>
/// <param name="ReturnVisitDue">Last day of the return visit (回访核实), in working days after the rating day.</param>
/// <param name="ReplyDue">Last day to rectify and reply (整改反馈).</param>
/// <param name="DeadlinesProvisional">Some counted day lies in a year whose holiday notice is not yet published.</param>
[GenerateSerializer, Immutable]
public sealed record FollowUpState(
    [property: Id(0)] string RatingId,
    [property: Id(1)] int Version,
    [property: Id(2)] FollowUpStage Stage,
    [property: Id(3)] string? OwnerHall,
    [property: Id(4)] string? OwnerDepartment,
    [property: Id(5)] string RegionCode,
    [property: Id(6)] DateOnly OpenedOn,
    [property: Id(7)] DateOnly ReturnVisitDue,
    [property: Id(8)] DateOnly ReplyDue,
    [property: Id(9)] bool DeadlinesProvisional)
{
    [Id(10)]
    public DateTimeOffset? VerifiedAt { get; init; }

    [Id(11)]
    public DateTimeOffset? RectifiedAt { get; init; }

    [Id(12)]
    public DateTimeOffset? RepliedAt { get; init; }

    /// <summary>复评: the rater's level for the fix (not counted in the roll-ups, which keep the original rating).</summary>
    [Id(13)]
    public int? FixLevel { get; init; }

    [Id(14)]
    public DateTimeOffset? FixRatedAt { get; init; }

    [Id(15)]
    public AppealState? Appeal { get; init; }

    /// <summary>The sweep has flagged the missed return visit (once).</summary>
    [Id(16)]
    public bool ReturnVisitOverdueFlagged { get; init; }

    [Id(17)]
    public bool ReplyOverdueFlagged { get; init; }

    /// <summary>Still needs the owner's work (deadlines apply).</summary>
    public bool IsOpen => Stage is FollowUpStage.AwaitingVerification or FollowUpStage.Verified or FollowUpStage.Rectified;

    public bool ReturnVisitOverdue(DateOnly today) => Stage == FollowUpStage.AwaitingVerification && today > ReturnVisitDue;

    public bool ReplyOverdue(DateOnly today) => IsOpen && today > ReplyDue;

    public bool Overdue(DateOnly today) => ReturnVisitOverdue(today) || ReplyOverdue(today);

    public bool RepliedOnTime => RepliedAt is { } at && Cases.CaseState.ChinaDate(at) <= ReplyDue;
}

/// <summary>What happened to a rating, appended once and never changed (audit).</summary>
public enum RatingEventKind
{
    /// <summary>差评 received: follow-up opened with its deadlines.</summary>
    Opened,

    /// <summary>回访核实</summary>
    Verified,

    /// <summary>整改</summary>
    Rectified,

    /// <summary>反馈</summary>
    Replied,

    /// <summary>复评: the rater rated the fix.</summary>
    FixRated,

    /// <summary>申诉</summary>
    AppealFiled,

    /// <summary>申诉成立: excluded from the figures.</summary>
    AppealUpheld,

    /// <summary>申诉驳回</summary>
    AppealRejected,

    /// <summary>回访超期 flagged by the sweep.</summary>
    ReturnVisitOverdue,

    /// <summary>整改反馈超期 flagged by the sweep.</summary>
    ReplyOverdue,
}

/// <param name="Version">The follow-up version this event produced (1 = opened).</param>
/// <param name="ActorRole">hallManager, approver, supervisor, admin, rater, hotlineAgent or system.</param>
/// <param name="Actor">Staff subject; null for the rater (who is never named) and the system.</param>
/// <param name="Level">FixRated: the rater's level for the fix.</param>
[GenerateSerializer, Immutable]
public sealed record RatingEvent(
    [property: Id(0)] string RatingId,
    [property: Id(1)] int Version,
    [property: Id(2)] RatingEventKind Kind,
    [property: Id(3)] DateTimeOffset At,
    [property: Id(4)] string ActorRole,
    [property: Id(5)] string? Actor,
    [property: Id(6)] string? Note,
    [property: Id(7)] int? Level = null);

public enum FollowUpAction
{
    Verify,
    Rectify,
    Reply,
    RateFix,
    Appeal,
    DecideAppeal,
    FlagOverdue,
}

/// <summary>Who acts on a follow-up, from the verified token.</summary>
public enum FollowUpRole
{
    HallManager,
    Approver,
    Supervisor,
    Admin,

    /// <summary>The rater: a citizen token (case applicant) or the ticket's rating token.</summary>
    Rater,

    /// <summary>A 12345 agent entering the caller's fix rating.</summary>
    HotlineAgent,

    /// <summary>The overdue sweep.</summary>
    System,
}

/// <param name="Id">Staff subject (null for the rater and the system).</param>
/// <param name="DepartmentCode">An approver's department; with <paramref name="RegionCode"/> it names a 属地部门.</param>
/// <param name="RegionCode">An approver's or supervisor's region.</param>
/// <param name="RaterKey">A citizen's keyed resident-ID hash.</param>
/// <param name="TicketTokenVerified">The ticket's rating token was presented and verified by the API.</param>
[GenerateSerializer, Immutable]
public sealed record FollowUpActor(
    [property: Id(0)] FollowUpRole Role,
    [property: Id(1)] string? Id = null,
    [property: Id(2)] string? HallCode = null,
    [property: Id(3)] string? DepartmentCode = null,
    [property: Id(4)] string? RegionCode = null,
    [property: Id(5)] string? RaterKey = null,
    [property: Id(6)] bool TicketTokenVerified = false)
{
    public static readonly FollowUpActor System = new(FollowUpRole.System);

    public string RoleName => FollowUpRules.Camel(Role.ToString());
}

/// <param name="Note">核实情况, 整改措施, 反馈内容, 申诉理由 or the decision's reason.</param>
/// <param name="Level">RateFix: 1..5.</param>
/// <param name="Upheld">DecideAppeal: true upholds (excludes the rating), false rejects.</param>
[GenerateSerializer, Immutable]
public sealed record FollowUpCommand(
    [property: Id(0)] FollowUpAction Action,
    [property: Id(1)] FollowUpActor Actor,
    [property: Id(2)] string? Note = null,
    [property: Id(3)] int? Level = null,
    [property: Id(4)] bool? Upheld = null);

/// <summary>A follow-up step's outcome: the new state with its event (and exclusion), or a refusal.</summary>
[GenerateSerializer, Immutable]
public sealed record FollowUpResult(
    [property: Id(0)] FollowUpState? State,
    [property: Id(1)] RatingEvent? Event,
    [property: Id(2)] RatingExclusion? Exclusion,
    [property: Id(3)] RatingRefusal? Refusal)
{
    public bool Succeeded => Refusal is null;
}

/// <summary>
/// The 差评 follow-up as a state machine: 核实 → 整改 → 反馈 → (复评 once), with working-day
/// deadlines; and the appeal path beside it (申诉 → supervisor's decision; upheld → excluded).
/// Pure: the grain supplies the time and calendar.
/// </summary>
public sealed class FollowUpRules(RatingOptions options)
{
    public RatingOptions Options { get; } = options ?? throw new ArgumentNullException(nameof(options));

    /// <summary>Opens the follow-up of a 差评: deadlines count working days after the rating day (that day itself does not count).</summary>
    public (FollowUpState State, RatingEvent Opened) Open(RatingRecord rating, WorkingDayCalendar calendar)
    {
        ArgumentNullException.ThrowIfNull(rating);
        ArgumentNullException.ThrowIfNull(calendar);
        if (!rating.IsBad)
        {
            throw new ArgumentException("Only a 差评 (level 1 or 2) opens a follow-up.", nameof(rating));
        }

        var visit = calendar.AddWorkingDays(rating.Day, Options.ReturnVisitWorkingDays);
        var reply = calendar.AddWorkingDays(rating.Day, Options.ReplyWorkingDays);
        var s = rating.Subject;
        var state = new FollowUpState(
            rating.Id, 1, FollowUpStage.AwaitingVerification, s.HallCode,
            s.DepartmentCode is { } d ? $"{d}/{s.RegionCode}" : null, s.RegionCode,
            rating.Day, visit.Date, reply.Date, visit.Provisional || reply.Provisional);
        var note = $"回访核实期限 {HolidayYear.Iso(visit.Date)}，整改反馈期限 {HolidayYear.Iso(reply.Date)}";
        return (state, new RatingEvent(rating.Id, 1, RatingEventKind.Opened, rating.CreatedAt, "system", null, note));
    }

    /// <summary>Actions possible now, for any role (what a 409 lists).</summary>
    public IReadOnlyList<FollowUpAction> Allowed(FollowUpState s, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(s);
        var allowed = new List<FollowUpAction>();
        switch (s.Stage)
        {
            case FollowUpStage.AwaitingVerification:
                allowed.Add(FollowUpAction.Verify);
                break;
            case FollowUpStage.Verified:
                allowed.Add(FollowUpAction.Rectify);
                break;
            case FollowUpStage.Rectified:
                allowed.Add(FollowUpAction.Reply);
                break;
            case FollowUpStage.Replied when s.RepliedAt is { } replied && now <= replied.AddDays(Options.RatingWindowDays):
                allowed.Add(FollowUpAction.RateFix);
                break;
        }

        if (s.IsOpen && s.Appeal is null)
        {
            allowed.Add(FollowUpAction.Appeal);
        }

        if (s.Appeal?.Status == AppealStatus.Pending)
        {
            allowed.Add(FollowUpAction.DecideAppeal);
        }

        return allowed;
    }

    public FollowUpResult Apply(FollowUpState s, RatingRecord rating, FollowUpCommand command, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(s);
        ArgumentNullException.ThrowIfNull(rating);
        ArgumentNullException.ThrowIfNull(command);
        if (command.Action == FollowUpAction.FlagOverdue)
        {
            return FlagOverdue(s, command, now);
        }

        if (MayAct(s, rating, command) is { } forbidden)
        {
            return Refuse(RatingRefusalKind.Forbidden, "forbidden", forbidden);
        }

        if (!Allowed(s, now).Contains(command.Action))
        {
            var period = command.Action == FollowUpAction.RateFix && s.Stage == FollowUpStage.Replied;
            return period
                ? Refuse(RatingRefusalKind.PeriodOver, "fixRatingPeriodOver", $"复评期已过：反馈后 {Options.RatingWindowDays} 日内可复评 (the fix can be rated within {Options.RatingWindowDays} days of the reply)")
                : new FollowUpResult(null, null, null, new RatingRefusal(
                    RatingRefusalKind.NotAllowed, command.Action == FollowUpAction.RateFix && s.Stage == FollowUpStage.FixRated ? "fixAlreadyRated" : "notAllowedNow",
                    $"当前阶段（{StageName(s.Stage)}）不能{ActionName(command.Action)} (not possible in stage {Camel(s.Stage.ToString())})",
                    [.. Allowed(s, now).Select(a => Camel(a.ToString()))]));
        }

        // Staff notes are required; the rater's comment on the fix is optional, with the comment's limit.
        var limit = command.Action == FollowUpAction.RateFix ? Options.CommentMaxLength : Options.NoteMaxLength;
        if (!RatingRules.TryNormalizeText(command.Note, limit, out var note))
        {
            return Refuse(RatingRefusalKind.Invalid, command.Action == FollowUpAction.RateFix ? "commentTooLong" : "noteTooLong",
                $"说明不超过 {limit} 字 (at most {limit} characters)");
        }

        if (note is null && command.Action != FollowUpAction.RateFix)
        {
            return Refuse(RatingRefusalKind.Invalid, "noteRequired", $"请填写{ActionName(command.Action)}说明 (a note is required)");
        }

        var version = s.Version + 1;
        var actor = command.Actor;
        RatingEvent Event(RatingEventKind kind, int? level = null) =>
            new(s.RatingId, version, kind, now, actor.RoleName, actor.Role is FollowUpRole.Rater ? null : actor.Id, note, level);

        switch (command.Action)
        {
            case FollowUpAction.Verify:
                return Ok(s with { Version = version, Stage = FollowUpStage.Verified, VerifiedAt = now }, Event(RatingEventKind.Verified));
            case FollowUpAction.Rectify:
                return Ok(s with { Version = version, Stage = FollowUpStage.Rectified, RectifiedAt = now }, Event(RatingEventKind.Rectified));
            case FollowUpAction.Reply:
                return Ok(s with { Version = version, Stage = FollowUpStage.Replied, RepliedAt = now }, Event(RatingEventKind.Replied));
            case FollowUpAction.RateFix:
                if (command.Level is not { } level || !RatingLevels.IsValid(level))
                {
                    return Refuse(RatingRefusalKind.Invalid, "levelOutOfRange", "level 为 1–5 (level is 1..5, 5 = 非常满意)");
                }

                return Ok(s with { Version = version, Stage = FollowUpStage.FixRated, FixLevel = level, FixRatedAt = now }, Event(RatingEventKind.FixRated, level));
            case FollowUpAction.Appeal:
                return Ok(s with { Version = version, Appeal = new AppealState(AppealStatus.Pending, note!, actor.Id ?? actor.RoleName, now) }, Event(RatingEventKind.AppealFiled));
            case FollowUpAction.DecideAppeal:
                if (command.Upheld is not { } upheld)
                {
                    return Refuse(RatingRefusalKind.Invalid, "upheldRequired", "请注明申诉是否成立 (upheld is required)");
                }

                var decided = s.Appeal! with
                {
                    Status = upheld ? AppealStatus.Upheld : AppealStatus.Rejected,
                    DecidedBy = actor.Id ?? actor.RoleName,
                    DecidedAt = now,
                    Decision = note,
                };
                return upheld
                    ? new FollowUpResult(
                        s with { Version = version, Stage = FollowUpStage.Excluded, Appeal = decided },
                        Event(RatingEventKind.AppealUpheld),
                        new RatingExclusion(s.RatingId, note!, decided.DecidedBy, now),
                        null)
                    : Ok(s with { Version = version, Appeal = decided }, Event(RatingEventKind.AppealRejected));
            default:
                throw new ArgumentOutOfRangeException(nameof(command));
        }
    }

    /// <summary>Flags one newly missed deadline (the return visit first); refused when nothing is newly overdue.</summary>
    private static FollowUpResult FlagOverdue(FollowUpState s, FollowUpCommand command, DateTimeOffset now)
    {
        if (command.Actor.Role != FollowUpRole.System)
        {
            return Refuse(RatingRefusalKind.Forbidden, "forbidden", "超期由系统标记 (only the system flags overdue follow-ups)");
        }

        var today = CaseState.ChinaDate(now);
        var version = s.Version + 1;
        if (s.ReturnVisitOverdue(today) && !s.ReturnVisitOverdueFlagged)
        {
            return Ok(s with { Version = version, ReturnVisitOverdueFlagged = true },
                new RatingEvent(s.RatingId, version, RatingEventKind.ReturnVisitOverdue, now, "system", null, $"回访核实超期（期限 {HolidayYear.Iso(s.ReturnVisitDue)}）"));
        }

        if (s.ReplyOverdue(today) && !s.ReplyOverdueFlagged)
        {
            return Ok(s with { Version = version, ReplyOverdueFlagged = true },
                new RatingEvent(s.RatingId, version, RatingEventKind.ReplyOverdue, now, "system", null, $"整改反馈超期（期限 {HolidayYear.Iso(s.ReplyDue)}）"));
        }

        return Refuse(RatingRefusalKind.NotAllowed, "nothingOverdue", "无新超期 (nothing newly overdue)");
    }

    /// <summary>
    /// Owner steps and appeals: the owner hall's manager, or an approver of the owner department in its
    /// region. Decisions: a supervisor over the rating's region, or an admin (never the owner). The fix
    /// rating: the rater (applicant or ticket token) or a 12345 agent for them.
    /// </summary>
    private static string? MayAct(FollowUpState s, RatingRecord rating, FollowUpCommand command)
    {
        var a = command.Actor;
        switch (command.Action)
        {
            case FollowUpAction.Verify or FollowUpAction.Rectify or FollowUpAction.Reply or FollowUpAction.Appeal:
                var owner = (a.Role == FollowUpRole.HallManager && a.HallCode is not null && a.HallCode == s.OwnerHall) ||
                            (a.Role == FollowUpRole.Approver && a.DepartmentCode is not null && $"{a.DepartmentCode}/{a.RegionCode}" == s.OwnerDepartment);
                return owner ? null : "只有被评价的大厅负责人或属地部门可以处理 (only the rated hall's manager or the competent department may do this)";
            case FollowUpAction.DecideAppeal:
                var supervisor = a.Role == FollowUpRole.Admin ||
                                 (a.Role == FollowUpRole.Supervisor && a.RegionCode is not null && RegionRules.Covers(a.RegionCode, s.RegionCode));
                return supervisor ? null : "申诉由辖区监管人员裁定 (a supervisor over the region decides appeals)";
            case FollowUpAction.RateFix:
                var rater = a.Role switch
                {
                    FollowUpRole.Rater when rating.Target.Kind == RatingTargetKind.Ticket => a.TicketTokenVerified,
                    FollowUpRole.Rater => rating.RaterKey is not null && KeyedHash.Same(rating.RaterKey, a.RaterKey),
                    FollowUpRole.HotlineAgent => rating.Target.Kind == RatingTargetKind.Case,
                    _ => false,
                };
                return rater ? null : "只有原评价人可以复评 (only the rater may rate the fix)";
            default:
                return "not allowed";
        }
    }

    private static FollowUpResult Ok(FollowUpState state, RatingEvent e) => new(state, e, null, null);

    private static FollowUpResult Refuse(RatingRefusalKind kind, string code, string message) => new(null, null, null, new RatingRefusal(kind, code, message));

    public static string StageName(FollowUpStage stage) => stage switch
    {
        FollowUpStage.AwaitingVerification => "待核实",
        FollowUpStage.Verified => "整改中",
        FollowUpStage.Rectified => "待反馈",
        FollowUpStage.Replied => "已反馈",
        FollowUpStage.FixRated => "已复评",
        FollowUpStage.Excluded => "申诉成立，不计入统计",
        _ => stage.ToString(),
    };

    private static string ActionName(FollowUpAction action) => action switch
    {
        FollowUpAction.Verify => "回访核实",
        FollowUpAction.Rectify => "整改",
        FollowUpAction.Reply => "反馈",
        FollowUpAction.RateFix => "复评",
        FollowUpAction.Appeal => "申诉",
        FollowUpAction.DecideAppeal => "裁定申诉",
        _ => action.ToString(),
    };

    public static string Camel(string name) => char.ToLowerInvariant(name[0]) + name[1..];
}
