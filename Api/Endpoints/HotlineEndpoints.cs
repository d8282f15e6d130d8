using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using TongBan.Api.Security;
using TongBan.Grains.Appointments;
using TongBan.Grains.Calendar;
using TongBan.Grains.Cases;
using TongBan.Grains.Catalogue;
using TongBan.Grains.Common;
using TongBan.Grains.Halls;
using TongBan.Grains.Hotline;
using TongBan.Grains.Identity;
using TongBan.Grains.Regions;

namespace TongBan.Api.Endpoints;

/// <summary><c>POST /api/hotline/cases/{caseNo}/urge</c>: 催办.</summary>
/// <param name="Verify">Last four characters of the applicant's registered phone or ID number, as read out by the caller.</param>
/// <param name="Text">What the caller asks (e.g. 已超期，请尽快办理).</param>
public sealed record UrgeRequest(string? Verify, string? Text);

/// <summary><c>POST /api/hotline/cases/{caseNo}/complaints</c>: 投诉.</summary>
/// <param name="Category">overdue, attitude, repeatedVisits, materials or other.</param>
/// <param name="Subject">
/// decision (default: the decision or the handling, answered by the case's department, as before) or hallConduct (a hall's
/// conduct: answered by that hall's manager).
/// </param>
/// <param name="HallCode">hallConduct: the hall complained about; default the case's receiving hall.</param>
public sealed record ComplaintRequest(string? Verify, string? Category, string? Text, string? Subject = null, string? HallCode = null);

/// <summary><c>POST /api/hotline/callers/cases</c>: exactly one of the caller's ID number or mobile number (in the body, never in a URL).</summary>
public sealed record CallerLookupRequest(string? IdNumber, string? Phone);

/// <summary><c>POST /api/hotline/cases/{caseNo}/responses</c>: the department answers urge or complaint <paramref name="Seq"/>.</summary>
public sealed record HotlineResponseRequest(int? Seq, string? Text);

/// <param name="RemainingWorkingDays">Null once the case is finished (办结、送达、撤回): no countdown then.</param>
/// <param name="Stage">onTrack, warning, overdue; finished once the clock stopped (then <c>overdue</c> says whether it finished late).</param>
public sealed record HotlineDeadlineDto(DateOnly DueDate, bool Overdue, int OverdueWorkingDays, int? RemainingWorkingDays, bool Suspended, bool Provisional, string Stage);

/// <summary>The responsible department (属地部门) and how to reach it.</summary>
public sealed record DepartmentContactDto(string Code, string? Name, string RegionCode, string? RegionName, string DisplayName, string? Phone, string? Via);

public sealed record HallContactDto(string Code, string? Name, string? Phone, string? Address);

/// <summary>One line of the merged timeline: a case step, an urge, a complaint or an answer.</summary>
/// <param name="Kind">case, urge, complaint or response.</param>
public sealed record HotlineTimelineDto(
    DateTimeOffset At, string Kind, string Title, int? Version, string? Status, string? StatusName, string ActorRole,
    string? HallCode, string? DepartmentCode, string? Reason, string? Comment, int? Seq, DateOnly? ResponseDue, int? RespondsTo, string? Category,
    string? Subject = null);

/// <param name="Subject">Complaint: decision (the department answers) or hallConduct (the hall's manager answers); null for an urge.</param>
/// <param name="HallCode">hallConduct: the hall complained about.</param>
public sealed record HotlineOpenItemDto(
    int Seq, string Kind, DateTimeOffset At, DateOnly ResponseDue, bool Overdue, int Calls, string Text, string? Category, string? Subject = null, string? HallCode = null);

/// <summary>The masked case view for a 12345 agent.</summary>
public sealed record HotlineCaseDto(
    string CaseNo, string ItemCode, string? ItemName, string Status, string StatusName, string Stage, HotlineDeadlineDto? Deadline,
    DepartmentContactDto Department, HallContactDto? ReceivingHall, CaseApplicantDto Applicant, DeliveryTracking Delivery,
    IReadOnlyList<HotlineOpenItemDto> OpenItems, IReadOnlyList<HotlineTimelineDto> Timeline, int Version, DateTimeOffset SubmittedAt, DateTimeOffset UpdatedAt,
    CaseCrossProvinceDto? CrossProvince = null);

public sealed record HotlineEntryCreatedDto(string CaseNo, int Seq, string Kind, DateOnly? ResponseDue, int Calls, bool Repeat);

/// <summary>One line of the caller's list: a case, or (looked up by ID number) an appointment.</summary>
/// <param name="CaseNo">The case number; null on an appointment line.</param>
/// <param name="Status">Case status, or for an appointment: booked, checkedIn, cancelled, noShow, rescheduled.</param>
/// <param name="DueDate">Case deadline, or the appointment's day.</param>
/// <param name="SubmittedAt">Case submission, or when the appointment was booked.</param>
/// <param name="Kind">case or appointment.</param>
public sealed record CallerCaseDto(
    string? CaseNo, string ItemCode, string? ItemName, string Status, string StatusName, string DeadlineStage, DateOnly? DueDate, bool Overdue,
    string DepartmentCode, string RegionCode, DateTimeOffset SubmittedAt,
    string Kind = "case", string? AppointmentId = null, string? HallCode = null, DateTimeOffset? SlotStart = null, DateTimeOffset? SlotEnd = null);

public sealed record HotlineWorkItemDto(
    string CaseNo, int Seq, string Kind, DateTimeOffset At, DateOnly ResponseDue, bool Overdue, int Calls, string Text, string ItemCode, string? Category,
    string? HallCode = null)
{
    public static HotlineWorkItemDto From(HotlineWorkItem i, DateOnly today) => new(
        i.CaseNo, i.Seq, Wire(i.Kind), i.At, i.ResponseDue, i.ResponseDue < today, i.Repeats, i.Text, i.ItemCode, i.Category, i.HallCode);

    private static string Wire(HotlineEntryKind kind) => char.ToLowerInvariant(kind.ToString()[0]) + kind.ToString()[1..];
}

/// <summary>An urge or complaint on the staff case view, with its state.</summary>
/// <param name="State">open, overdue (open past its due day) or answered.</param>
/// <param name="AnsweredBy">approver (the department) or hallManager.</param>
public sealed record CaseHotlineItemDto(
    int Seq, string Kind, DateTimeOffset At, string Text, string? Category, string? Subject, string? HallCode, int Calls, DateOnly? ResponseDue,
    string State, DateTimeOffset? AnsweredAt, string? Answer, string? AnsweredBy)
{
    /// <summary>The urges and complaints of a log (repeats folded into their first call), with their answers.</summary>
    public static IReadOnlyList<CaseHotlineItemDto> Of(IReadOnlyList<HotlineEntry> log, DateOnly today)
    {
        var answers = log.Where(e => e.Kind == HotlineEntryKind.Response && e.RespondsTo is not null)
            .GroupBy(e => e.RespondsTo!.Value).ToDictionary(g => g.Key, g => g.First());
        return [.. log.Where(e => e.Kind != HotlineEntryKind.Response && e.RepeatOf is null).Select(e =>
        {
            var answer = answers.GetValueOrDefault(e.Seq);
            var state = answer is not null ? "answered" : e.ResponseDue < today ? "overdue" : "open";
            return new CaseHotlineItemDto(
                e.Seq, e.Kind == HotlineEntryKind.Urge ? "urge" : "complaint", e.At, e.Text, e.Category, HotlineEndpoints.SubjectOf(e), e.HallCode,
                e.Kind == HotlineEntryKind.Urge ? HotlineRules.Calls(log, e.Seq) : 1, e.ResponseDue, state, answer?.At, answer?.Text,
                answer is null ? null : CaseNames.Of(answer.Role));
        })];
    }
}

/// <summary>
/// 12345 hotline (task 12): verified look-up of a case by number, the caller's cases, 催办 and 投诉;
/// the department's answers. Agents see masked personal data only.
/// </summary>
/// <remarks>
/// A wrong verification answer and an unknown case number give the same 404 (same body, and the same
/// work: one case grain read, one constant-time comparison, one guard decision that records the
/// failure). Repeated failures for one case number, existing or not, are throttled with 429 and
/// Retry-After (<see cref="ThrottlePolicy"/>): a throttled answer says nothing about existence.
/// </remarks>
public static class HotlineEndpoints
{
    private const string VerifyHint = "verify is the last 4 characters of the applicant's phone or ID number (digits, or 3 digits and X).";

    public static void MapHotlineEndpoints(this IEndpointRouteBuilder routes)
    {
        var hotline = routes.MapGroup("/api/hotline").WithTags("Hotline");

        hotline.MapGet("/cases/{caseNo}", LookupAsync)
            .RequireAuthorization(p => p.RequireRole(Roles.HotlineAgent))
            .RequireRateLimiting(RateLimitPolicies.HotlineVerification)
            .Produces<HotlineCaseDto>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithSummary("Masked case view with timeline after caller verification (?verify=last 4 of phone or ID). Unknown case and wrong verification: the same 404; repeated failures: 429 with Retry-After.");

        hotline.MapPost("/cases/{caseNo}/urge", UrgeAsync)
            .RequireAuthorization(p => p.RequireRole(Roles.HotlineAgent))
            .Produces<HotlineEntryCreatedDto>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithSummary("催办: lands in the department's hotline box and on the case timeline with an answer due in 2 working days; a repeat while one is open counts as another call. Idempotency-Key makes a retry return the same urge.");

        hotline.MapPost("/cases/{caseNo}/complaints", ComplainAsync)
            .RequireAuthorization(p => p.RequireRole(Roles.HotlineAgent))
            .Produces<HotlineEntryCreatedDto>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithSummary("投诉 linked to the case: answer due in 5 working days. Idempotency-Key supported.")
            .WithDescription("subject routes it: decision (default, as before: the case's department answers, in its hotline box) or hallConduct " +
                "(a hall's conduct: the hall's manager answers; it lands in GET /api/halls/{hallCode}/complaints and is pushed live as " +
                "hallComplaintChanged to the manager desk, hub method WatchHallComplaints). hallCode names the hall; default the case's receiving hall.");

        hotline.MapPost("/callers/cases", CallerCasesAsync)
            .RequireAuthorization(p => p.RequireRole(Roles.HotlineAgent))
            .RequireRateLimiting(RateLimitPolicies.HotlineVerification)
            .Produces<IReadOnlyList<CallerCaseDto>>()
            .ProducesValidationProblem()
            .WithSummary("The caller's cases, by their ID number or mobile number (looked up by keyed hash; the number is in the body and never stored).");

        hotline.MapPost("/cases/{caseNo}/responses", RespondAsync)
            .RequireAuthorization(p => p.RequireRole(Roles.Approver, Roles.HallManager))
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .Produces<HotlineEntryCreatedDto>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("The responsible department answers an urge or a decision complaint (by seq); the hall's manager answers a hallConduct complaint about the hall. It leaves the box it was in. An answered urge tells the applicant on the case's channels (caseUrgeAnswered, see GET /api/cases/{caseNo}/notifications).");

        routes.MapGet("/api/inbox/hotline", async Task<Results<Ok<IReadOnlyList<HotlineWorkItemDto>>, ForbidHttpResult>> (ClaimsPrincipal user, IGrainFactory grains, TimeProvider clock) =>
        {
            if (user.Claim(TongBanClaims.DepartmentCode) is not { } department || user.Claim(TongBanClaims.RegionCode) is not { } region)
            {
                return TypedResults.Forbid();
            }

            var today = ChinaTime.Today(clock);
            var items = await grains.GetGrain<IHotlineBoxGrain>(HotlineBoxKeys.Department(department, region)).List();
            return TypedResults.Ok<IReadOnlyList<HotlineWorkItemDto>>([.. items.Select(i => HotlineWorkItemDto.From(i, today))]);
        })
        .WithTags("Hotline")
        .RequireAuthorization(p => p.RequireRole(Roles.Approver))
        .WithSummary("The approver's department hotline box: open urges and complaints, answer due first, with an overdue flag.");

        routes.MapGet("/api/halls/{hallCode}/complaints", async Task<Results<Ok<IReadOnlyList<HotlineWorkItemDto>>, ValidationProblem, ProblemHttpResult>> (
            HallRoute routeHall, string hallCode, ClaimsPrincipal user, IGrainFactory grains, ServicePointDirectory directory, TimeProvider clock) =>
        {
            if (user.Claim(TongBanClaims.HallCode) != hallCode)
            {
                return HallDeskForbidden(hallCode);
            }

            var items = await grains.GetGrain<IHotlineBoxGrain>(HotlineBoxKeys.Hall(hallCode)).List();
            return TypedResults.Ok<IReadOnlyList<HotlineWorkItemDto>>([.. items.Select(i => HotlineWorkItemDto.From(i, ChinaTime.Today(clock)))]);
        })
        .WithTags("Hotline")
        .RequireAuthorization(p => p.RequireRole(Roles.HallManager))
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .WithSummary("The hall manager's list of open 12345 complaints about the hall's conduct (subject hallConduct), answer due first, with an overdue flag. " +
                     "Answer with POST /api/hotline/cases/{caseNo}/responses; live: hub method WatchHallComplaints, pushes hallComplaintChanged.");

        routes.MapGet("/api/cases/{caseNo}/hotline", async Task<Results<Ok<IReadOnlyList<HotlineEntry>>, ValidationProblem, ProblemHttpResult>> (
            string caseNo, ClaimsPrincipal user, IGrainFactory grains, PersonalDataProtector protector) =>
        {
            if (!CaseNumber.TryParse(caseNo, out var number))
            {
                return Problems.Invalid("caseNo", CaseNoHint);
            }

            var view = await grains.GetGrain<ICaseGrain>(number.Value).Get();
            return view is null || !user.MaySeeCase(view, protector)
                ? Problems.NotFound("Case", number.Value)
                : TypedResults.Ok(await grains.GetGrain<ICaseHotlineGrain>(number.Value).Entries());
        })
        .WithTags("Hotline")
        .RequireAuthorization(Policies.Authenticated)
        .WithSummary("The case's hotline log (urges, complaints, answers) for the applicant and the staff who may see the case.");
    }

    internal const string CaseNoHint = "A case number looks like GZ5201022611270000011 (21 characters with a check character).";

    private static async Task<IResult> LookupAsync(
        string caseNo, string? verify, ClaimsPrincipal user, IGrainFactory grains, ServiceCatalogue catalogue,
        RegionCatalog regions, ServicePointDirectory directory, TimeProvider clock)
    {
        var (view, refusal) = await VerifiedAsync(caseNo, verify, user, grains);
        if (refusal is not null)
        {
            return refusal;
        }

        var entries = await grains.GetGrain<ICaseHotlineGrain>(view!.State.CaseNo).Entries();
        return TypedResults.Ok(Describe(view, entries, catalogue, regions, directory, ChinaTime.Today(clock)) with
        {
            CrossProvince = await CrossProvinceEndpoints.DescribeAsync(view.State, grains),
        });
    }

    private static async Task<IResult> UrgeAsync(
        string caseNo, UrgeRequest body, [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey, ClaimsPrincipal user, IGrainFactory grains) =>
        await RegisterAsync(caseNo, body.Verify, new HotlineRequest(HotlineEntryKind.Urge, Agent(user), CaseRole.HotlineAgent, body.Text ?? string.Empty, null, idempotencyKey), user, grains);

    private static async Task<IResult> ComplainAsync(
        string caseNo, ComplaintRequest body, [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey, ClaimsPrincipal user, IGrainFactory grains,
        ServicePointDirectory directory)
    {
        ComplaintSubject subject;
        switch (body.Subject)
        {
            case null or "decision":
                subject = ComplaintSubject.Decision;
                break;
            case "hallConduct":
                subject = ComplaintSubject.HallConduct;
                break;
            default:
                return Problems.Invalid("subject", "投诉对象须为 decision（审批决定，由承办部门答复）或 hallConduct（大厅服务，由大厅负责人答复） | subject is decision or hallConduct.");
        }

        if (body.HallCode is { } named)
        {
            if (subject != ComplaintSubject.HallConduct)
            {
                return Problems.Invalid("hallCode", "只有针对大厅服务的投诉（subject=hallConduct）才指明大厅 | hallCode goes with subject hallConduct only.");
            }

            var lookup = HallLookup.Of(named, directory);
            if (lookup.Invalid is not null || lookup.Missing is not null)
            {
                return Problems.Invalid("hallCode", $"没有编号为 {named} 的大厅 | no hall '{named}'.");
            }
        }

        var request = new HotlineRequest(
            HotlineEntryKind.Complaint, Agent(user), CaseRole.HotlineAgent, body.Text ?? string.Empty, body.Category, idempotencyKey, subject, body.HallCode);
        return await RegisterAsync(caseNo, body.Verify, request, user, grains);
    }

    private static async Task<IResult> RegisterAsync(string caseNo, string? verify, HotlineRequest request, ClaimsPrincipal user, IGrainFactory grains)
    {
        if (IdempotencyKey.Validate(request.IdempotencyKey) is { } badKey)
        {
            return badKey;
        }

        var (view, refusal) = await VerifiedAsync(caseNo, verify, user, grains);
        if (refusal is not null)
        {
            return refusal;
        }

        if (request.Subject == ComplaintSubject.HallConduct && request.HallCode is null)
        {
            request = request with { HallCode = view!.State.ReceivingHallCode }; // the hall the applicant went to
        }

        var result = await grains.GetGrain<ICaseHotlineGrain>(view!.State.CaseNo).Register(HotlineCaseRef.Of(view.State), request);
        return result.Succeeded ? TypedResults.Ok(Created(result)) : Failure(result.Failure!);
    }

    private static async Task<IResult> RespondAsync(string caseNo, HotlineResponseRequest body, ClaimsPrincipal user, IGrainFactory grains, PersonalDataProtector protector)
    {
        if (!CaseNumber.TryParse(caseNo, out var number))
        {
            return Problems.Invalid("caseNo", CaseNoHint);
        }

        if (body.Seq is not { } seq || seq < 1)
        {
            return Problems.Invalid("seq", "seq (the urge or complaint answered) is required.");
        }

        var view = await grains.GetGrain<ICaseGrain>(number.Value).Get();
        var log = grains.GetGrain<ICaseHotlineGrain>(number.Value);
        var manager = user.IsInRole(Roles.HallManager) && !user.IsInRole(Roles.Approver);
        var item = view is null ? null : (await log.Entries()).FirstOrDefault(e => e.Seq == seq && e.Kind != HotlineEntryKind.Response);
        var hallsOwn = item is { ForHall: true } && user.Claim(TongBanClaims.HallCode) == item.HallCode;

        // A hall manager sees the case only through a complaint about the hall: anything else answers like a missing case.
        if (view is null || !(user.MaySeeCase(view, protector) || (manager && hallsOwn)))
        {
            return Problems.NotFound("Case", number.Value);
        }

        if (item is not null && manager != item.ForHall)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status403Forbidden,
                title: "无权答复 Not yours to answer",
                detail: item.ForHall
                    ? "此投诉针对大厅服务，由该大厅负责人答复 | a complaint about a hall's conduct is answered by the hall's manager."
                    : "催办和针对审批决定的投诉由承办部门答复 | urges and complaints about the decision are answered by the department.");
        }

        if (manager && item is not null && !hallsOwn)
        {
            return HallDeskForbidden(item.HallCode ?? string.Empty);
        }

        var result = await log.Respond(
            HotlineCaseRef.Of(view.State), seq, user.Claim(TongBanClaims.Subject) ?? (manager ? "hall-manager" : "approver"),
            manager ? CaseRole.HallManager : CaseRole.Approver, body.Text ?? string.Empty);
        return result.Succeeded ? TypedResults.Ok(Created(result)) : Failure(result.Failure!);
    }

    private static async Task<IResult> CallerCasesAsync(
        CallerLookupRequest body, ICaseStore store, PersonalDataProtector protector, ServiceCatalogue catalogue, ServicePointDirectory directory, IGrainFactory grains,
        TimeProvider clock, CancellationToken ct)
    {
        if ((body.IdNumber is null) == (body.Phone is null))
        {
            return Problems.Invalid("idNumber", "Give exactly one of idNumber and phone.");
        }

        CaseQuery query;
        if (body.IdNumber is not null)
        {
            var id = ResidentId.Validate(body.IdNumber, ChinaTime.Today(clock));
            if (id.Id is not { } residentId)
            {
                return Problems.Invalid("idNumber", id.Message ?? "Invalid resident ID number.");
            }

            // Every candidate key: cases opened before the switch to HMAC-SM3 keep their HMAC-SHA256 key.
            query = new CaseQuery(ApplicantIdKeys: protector.Hash.ResidentIdCandidates(residentId), Limit: 50);
        }
        else
        {
            var phone = MobileNumber.Validate(body.Phone);
            if (phone.Number is not { } mobile)
            {
                return Problems.Invalid("phone", phone.Message ?? "Invalid mobile number.");
            }

            query = new CaseQuery(ApplicantPhoneKeys: protector.Hash.MobileCandidates(mobile), Limit: 50);
        }

        var rows = await store.QueryAsync(query, ct);
        IEnumerable<CallerCaseDto> lines = rows.Select(s => new CallerCaseDto(
            s.CaseNo, s.ItemCode, catalogue.Find(s.ItemCode)?.Name, CaseNames.Of(s.Status), StatusNames.Chinese(s.Status), s.Stage, s.DueDate,
            s.Stage == "overdue", s.DepartmentCode, s.RegionCode, s.SubmittedAt));

        // Appointments keep the same keyed hash of the ID number (h1: + the case applicant key), one grain per key, so
        // both candidates' grains are read; they hold no phone hash, so a look-up by phone lists cases only.
        if (query.ApplicantIdKeys is { } idKeys)
        {
            var appointments = (await Task.WhenAll(idKeys.Select(k => grains.GetGrain<IApplicantAppointmentsGrain>(ApplicantHasher.FromCaseKey(k)).List())))
                .SelectMany(list => list);
            lines = lines.Concat(appointments.Select(a => new CallerCaseDto(
                null, a.ItemCode, catalogue.Find(a.ItemCode)?.Name, Wire(a.State), AppointmentWords(a.State), "none", a.Date, false,
                catalogue.Find(a.ItemCode)?.DepartmentCode ?? string.Empty, directory.Find(a.HallCode)?.RegionCode ?? (a.HallCode.Length >= 6 ? a.HallCode[..6] : a.HallCode),
                a.BookedAt, "appointment", a.AppointmentId, a.HallCode, a.SlotStart, a.SlotEnd)));
        }

        return TypedResults.Ok<IReadOnlyList<CallerCaseDto>>([.. lines]);
    }

    private static string Wire(AppointmentState state) => char.ToLowerInvariant(state.ToString()[0]) + state.ToString()[1..];

    private static string AppointmentWords(AppointmentState state) => state switch
    {
        AppointmentState.Booked => "已预约",
        AppointmentState.CheckedIn => "已签到",
        AppointmentState.Cancelled => "已取消",
        AppointmentState.NoShow => "爽约",
        AppointmentState.Rescheduled => "已改约",
        _ => state.ToString(),
    };

    /// <summary>
    /// The verification every hotline route goes through. Malformed input is 400 before anything is
    /// looked up; then the case is read, the tail compared in constant time and the guard asked. A
    /// miss, for an unknown case or a wrong answer alike, is the same 404.
    /// </summary>
    internal static async Task<(CaseView? View, IResult? Refusal)> VerifiedAsync(string caseNo, string? verify, ClaimsPrincipal user, IGrainFactory grains)
    {
        if (!CaseNumber.TryParse(caseNo, out var number))
        {
            return (null, Problems.Invalid("caseNo", CaseNoHint));
        }

        if (!CallerCheck.TryParse(verify, out var lastFour))
        {
            return (null, Problems.Invalid("verify", VerifyHint));
        }

        var view = await grains.GetGrain<ICaseGrain>(number.Value).Get();
        var matched = CallerCheck.Matches(view?.Applicant, lastFour);
        var gate = await grains.GetGrain<IHotlineGuardGrain>(number.Value).Attempt(Agent(user), matched);
        if (gate.Throttled)
        {
            return (null, new RetryAfterResult(gate.RetryAfter ?? TimeSpan.FromMinutes(1)));
        }

        return matched ? (view, null) : (null, Problems.NotFound("Case", number.Value));
    }

    internal static HotlineCaseDto Describe(CaseView view, IReadOnlyList<HotlineEntry> entries, ServiceCatalogue catalogue, RegionCatalog regions, ServicePointDirectory directory, DateOnly today)
    {
        var s = view.State;
        // 跨省通办 外转: the partner's department handles it; its name and phone come with the partner's reports.
        var department = s.CrossProvince is { Direction: CrossProvinceDirection.Outbound } link
            ? new DepartmentContactDto(link.PartnerCode, link.PartnerDepartment, link.PartnerRegionCode, link.PartnerName,
                link.PartnerName + (link.PartnerDepartment ?? "承办部门"), link.PartnerContact, link.PartnerName)
            : Contact(s.DepartmentCode, s.RegionCode, regions, directory);
        var hall = s.ReceivingHallCode is { } h ? directory.Find(h) : null;
        var d = view.Deadline;
        var open = HotlineRules.Open(entries);
        IEnumerable<HotlineTimelineDto> steps = view.Timeline.Select(e => new HotlineTimelineDto(
            e.At, "case", e.CrossProvince?.Text ?? (e.Action is { } a ? CaseNames.Chinese(a) : "提交申请"), e.Version, CaseNames.Of(e.To), StatusNames.Chinese(e.To), CaseNames.Of(e.Role),
            e.HallCode, e.DepartmentCode, e.Reason, e.Comment, null, null, null, null));
        IEnumerable<HotlineTimelineDto> calls = entries.Select(e => new HotlineTimelineDto(
            e.At, Wire(e.Kind), Title(e, entries), null, null, null, CaseNames.Of(e.Role), e.HallCode,
            e.Kind == HotlineEntryKind.Response && e.Role != CaseRole.HallManager ? s.DepartmentCode : null, null, e.Text, e.Seq, e.ResponseDue, e.RespondsTo, e.Category,
            SubjectOf(e)));
        return new HotlineCaseDto(
            s.CaseNo, s.ItemCode, catalogue.Find(s.ItemCode)?.Name, CaseNames.Of(s.Status), StatusNames.Chinese(s.Status),
            HotlineWording.Stage(s, department.DisplayName),
            d is null ? null : new HotlineDeadlineDto(
                d.Due.Date, d.IsOverdue, d.OverdueWorkingDays, Finished(s) ? null : d.RemainingWorkingDays, d.IsSuspended, d.Provisional,
                Finished(s) ? "finished" : view.Summary.Stage),
            department,
            s.ReceivingHallCode is null ? null : new HallContactDto(s.ReceivingHallCode, hall?.Name, hall?.Phone, hall?.Address),
            new CaseApplicantDto(view.Applicant.NameMasked, view.Applicant.IdMasked, view.Applicant.PhoneMasked),
            HotlineWording.Delivery(s, hall?.Name),
            [.. open.Select(e => new HotlineOpenItemDto(e.Seq, Wire(e.Kind), e.At, e.ResponseDue!.Value, e.ResponseDue < today,
                e.Kind == HotlineEntryKind.Urge ? HotlineRules.Calls(entries, e.Seq) : 1, e.Text, e.Category, SubjectOf(e), e.HallCode))],
            [.. steps.Concat(calls).OrderBy(t => t.At).ThenBy(t => t.Kind == "case" ? 0 : 1)],
            s.Version, s.SubmittedAt, s.UpdatedAt);
    }

    /// <summary>The deadline clock has stopped for good (办结 or later, 撤回, 不予受理): the views show no countdown.</summary>
    internal static bool Finished(CaseState s) => s.IsFinal || s.CompletedAt is not null || s.WithdrawnAt is not null;

    /// <summary>A complaint's subject on the wire: hallConduct or decision; null for urges and answers.</summary>
    internal static string? SubjectOf(HotlineEntry e) =>
        e.Kind != HotlineEntryKind.Complaint ? null : e.ForHall ? "hallConduct" : "decision";

    private static ProblemHttpResult HallDeskForbidden(string hallCode) => TypedResults.Problem(
        statusCode: StatusCodes.Status403Forbidden,
        title: "无权查看 Forbidden",
        detail: $"只有大厅 {hallCode} 的负责人（hallManager，hallCode={hallCode}）可以处理针对该大厅的投诉 | only the manager of hall {hallCode} handles complaints about it.");

    /// <summary>
    /// The competent department of the region and a number to reach it: the region's 政务服务中心,
    /// where the department's window sits (the seed has no per-department phone book).
    /// </summary>
    internal static DepartmentContactDto Contact(string departmentCode, string regionCode, RegionCatalog regions, ServicePointDirectory directory)
    {
        var department = Departments.Find(departmentCode);
        var region = regions.Find(regionCode);
        var centre = directory.Find(ServicePointCode.Make(regionCode, ServicePointType.Hall, 1));
        var name = region?.Level == RegionLevel.Province ? "贵州省" + (department?.Name.Replace("局", "厅", StringComparison.Ordinal) ?? departmentCode) : (region?.Name ?? regionCode) + (department?.Name ?? departmentCode);
        return new DepartmentContactDto(departmentCode, department?.Name, regionCode, region?.Name, name, centre?.Phone, centre?.Name);
    }

    private static string Title(HotlineEntry e, IReadOnlyList<HotlineEntry> log) => e.Kind switch
    {
        HotlineEntryKind.Urge when e.RepeatOf is { } first => $"12345催办（第{HotlineRules.Calls([.. log.Where(x => x.Seq <= e.Seq)], first)}次来电）",
        HotlineEntryKind.Urge => "12345催办",
        HotlineEntryKind.Complaint => "12345投诉：" + HotlineRules.ComplaintCategories.GetValueOrDefault(e.Category ?? "other", "其他") +
            (e.ForHall ? $"（大厅服务，{e.HallCode}）" : string.Empty),
        _ when e.Role == CaseRole.HallManager => $"大厅负责人答复（第{e.RespondsTo}号）",
        _ => $"部门答复（第{e.RespondsTo}号）",
    };

    private static HotlineEntryCreatedDto Created(HotlineResult result)
    {
        var e = result.Entry!;
        return new HotlineEntryCreatedDto(e.CaseNo, e.Seq, Wire(e.Kind), e.ResponseDue, result.Repeats, e.RepeatOf is not null);
    }

    private static string Wire(HotlineEntryKind kind) => char.ToLowerInvariant(kind.ToString()[0]) + kind.ToString()[1..];

    private static string Agent(ClaimsPrincipal user) => user.Claim(TongBanClaims.Subject) ?? "hotline-agent";

    private static ProblemHttpResult Failure(HotlineFailure f)
    {
        var (status, title) = f.Kind switch
        {
            HotlineFailureKind.NotAllowed => (StatusCodes.Status409Conflict, "当前状态不允许 Not allowed now"),
            HotlineFailureKind.NotFound => (StatusCodes.Status404NotFound, "未找到 Not found"),
            _ => (StatusCodes.Status400BadRequest, "输入有误 Invalid input"),
        };
        return TypedResults.Problem(statusCode: status, title: title, detail: f.Message);
    }

    /// <summary>429 ProblemDetails with a Retry-After header (whole seconds, rounded up).</summary>
    private sealed class RetryAfterResult(TimeSpan wait) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            var seconds = (int)Math.Ceiling(Math.Max(1, wait.TotalSeconds));
            httpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            return TypedResults.Problem(
                statusCode: StatusCodes.Status429TooManyRequests,
                type: "https://tools.ietf.org/html/rfc6585#section-4",
                title: "尝试次数过多 Too many attempts",
                detail: $"本案号核验失败次数过多，请 {Math.Ceiling(seconds / 60.0)} 分钟后再试 (too many failed verifications for this case number; retry after {seconds} s)").ExecuteAsync(httpContext);
        }
    }
}
