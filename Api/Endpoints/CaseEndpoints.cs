using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using TongBan.Api.Security;
using TongBan.Grains.Authorisation;
using TongBan.Grains.Calendar;
using TongBan.Grains.Cases;
using TongBan.Grains.Catalogue;
using TongBan.Grains.Common;
using TongBan.Grains.Halls;
using TongBan.Grains.Hotline;
using TongBan.Grains.History;
using TongBan.Grains.Identity;
using TongBan.Grains.Queues;
using TongBan.Grains.Regions;

namespace TongBan.Api.Endpoints;

public sealed record CaseApplicantInput(string? Name, string? IdNumber, string? Phone, string? RegionCode);

public sealed record ELicenceInput(string? Type, string? LicenceNumber);

public sealed record MaterialInput(string? MaterialId, int? Copies, bool? OriginalVerified, ELicenceInput? ELicence);

public sealed record MaterialGapInput(string? MaterialId, string? Problem, string? Note);

/// <summary><c>POST /api/cases</c>.</summary>
/// <param name="Applicant">regionCode: the applicant's county (户籍地/住所地) when it differs from the receiving hall's; decides the competent region (属地).</param>
public sealed record SubmitCaseRequest(string? ItemCode, CaseApplicantInput? Applicant, string? Channel, string? ReceivingHallCode, IReadOnlyList<MaterialInput>? Materials, string? Comment)
{
    /// <summary>The applicant's choice of notification channels (渠道选择); absent: none, and nothing is sent (each step's notification shows <c>noConsent</c>).</summary>
    public NotifyInput? Notify { get; init; }

    /// <summary>
    /// 号件关联: the ticket (today's, at the receiving hall) whose service opened this case, e.g. A012. Optional; recorded in
    /// service history so the case's hall visits (一次办成) can be counted.
    /// </summary>
    public string? TicketNo { get; init; }
}

/// <summary>
/// Notification consent: <c>channels</c> among sms (to the applicant's phone), weChat (needs <c>weChatOpenId</c>, the
/// mini-program openid) and app (多彩宝, needs <c>appUserId</c>). The addresses are sealed at rest and masked in every view.
/// </summary>
public sealed record NotifyInput(IReadOnlyList<string>? Channels, string? WeChatOpenId, string? AppUserId);

public sealed record CaseCreatedDto(string CaseNo, string Status, int Version);

/// <summary><c>POST /api/cases/{caseNo}/transitions</c>.</summary>
public sealed record TransitionRequest(
    string? Action, int? ExpectedVersion, string? Reason, string? Comment, IReadOnlyList<MaterialInput>? Materials,
    IReadOnlyList<MaterialGapInput>? MissingMaterials, string? DeliveryMethod, string? TrackingNumber, bool? DeferredMaterialsPromised);

public sealed record CaseApplicantDto(string Name, string IdNumber, string Phone);

/// <param name="RemainingWorkingDays">Null once the case is finished (办结、送达、撤回、不予受理): no countdown then.</param>
/// <param name="Finished">The clock stopped for good; the figures are as of the day it stopped.</param>
public sealed record DeadlineDto(
    DateOnly DueDate, DateOnly WarningFrom, int LimitWorkingDays, int ElapsedWorkingDays, int? RemainingWorkingDays, int OverdueWorkingDays, bool Suspended, bool Provisional,
    bool Finished = false);

/// <param name="CrossProvince">跨省通办 steps (forwarded, acknowledged, the partner's reports, received from a partner); null otherwise.</param>
public sealed record TimelineDto(int Version, string? Action, string? From, string To, DateTimeOffset At, string ActorRole, string? Actor, string? HallCode, int? WindowNo, string? DepartmentCode, string? RegionCode, string? Reason, string? Comment, IReadOnlyList<MaterialGap> Materials, CaseDelivery? Delivery, CrossProvinceStep? CrossProvince = null);

public sealed record CaseDto(
    string CaseNo, string ItemCode, string? ItemName, string Status, string StatusName, string Stage, DeadlineDto? Deadline,
    string DepartmentCode, string? DepartmentName, string RegionCode, string? ReceivingHallCode, string Channel, CaseApplicantDto Applicant,
    IReadOnlyList<SubmittedMaterial> Materials, IReadOnlyList<MaterialGap> Gaps, MissingMaterialsNotice? Notice, CaseDecision? Decision,
    CaseDelivery? Delivery, string? RejectionReason, DateTimeOffset SubmittedAt, DateTimeOffset UpdatedAt, int Version,
    IReadOnlyList<string> AllowedActions, IReadOnlyList<TimelineDto> Timeline, CaseCrossProvinceDto? CrossProvince = null, int CatalogueVersion = 0,
    IReadOnlyList<CaseHotlineItemDto>? Hotline = null)
{
    public static CaseDto From(CaseView v, ServiceCatalogue catalogue, CaseCrossProvinceDto? crossProvince = null, IReadOnlyList<CaseHotlineItemDto>? hotline = null)
    {
        var s = v.State;
        var d = v.Deadline;
        var finished = HotlineEndpoints.Finished(s);
        return new CaseDto(
            s.CaseNo, s.ItemCode, (catalogue.VersionAt(s.ItemCode, s.ItemBatch) ?? catalogue.Find(s.ItemCode))?.Name, CaseNames.Of(s.Status), StatusNames.Chinese(s.Status), v.Summary.Stage,
            d is null ? null : new DeadlineDto(
                d.Due.Date, d.WarningFrom.Date, d.LimitWorkingDays, d.ElapsedWorkingDays, finished ? null : d.RemainingWorkingDays, d.OverdueWorkingDays, d.IsSuspended,
                d.Provisional, finished),
            s.DepartmentCode, Departments.Find(s.DepartmentCode)?.Name, s.RegionCode, s.ReceivingHallCode, CaseNames.Of(s.Channel),
            new CaseApplicantDto(v.Applicant.NameMasked, v.Applicant.IdMasked, v.Applicant.PhoneMasked),
            s.Materials, s.Gaps, s.Notice, s.Decision, s.Delivery, s.RejectionReason, s.SubmittedAt, s.UpdatedAt, s.Version,
            [.. v.AllowedActions.Select(CaseNames.Of)],
            [.. v.Timeline.Select(e => new TimelineDto(
                e.Version, e.Action is { } a ? CaseNames.Of(a) : null, e.From is { } f ? CaseNames.Of(f) : null, CaseNames.Of(e.To), e.At,
                CaseNames.Of(e.Role), e.Role == CaseRole.Citizen ? null : e.ActorName ?? e.ActorId, e.HallCode, e.WindowNo, e.DepartmentCode,
                e.RegionCode, e.Reason, e.Comment, e.Materials, e.Delivery, e.CrossProvince))],
            crossProvince,
            s.ItemBatch,
            hotline);
    }
}

/// <summary>Chinese status words for people (已受理 …), as the hotline and pages show them.</summary>
public static class StatusNames
{
    public static string Chinese(CaseStatus status) => status switch
    {
        CaseStatus.Submitted => "已申请",
        CaseStatus.Received => "已收件",
        CaseStatus.Accepted => "已受理",
        CaseStatus.NotAccepted => "不予受理",
        CaseStatus.OneTimeNotice => "一次性告知",
        CaseStatus.UnderReview => "审查中",
        CaseStatus.Suspended => "补正中",
        CaseStatus.Approved => "已批准",
        CaseStatus.Denied => "不予批准",
        CaseStatus.Completed => "已办结",
        CaseStatus.Delivered => "已送达",
        CaseStatus.Withdrawn => "已撤回",
        _ => status.ToString(),
    };
}

public static class CaseEndpoints
{
    public const int MaxMaterials = 50;

    public static void MapCaseEndpoints(this IEndpointRouteBuilder routes)
    {
        var items = routes.MapGroup("/api/items").WithTags("Catalogue").AllowAnonymous();
        items.MapGet("/", Results<Ok<IReadOnlyList<ServiceItem>>, ValidationProblem, ProblemHttpResult> (string? sector, string? q, bool? provinceWide, string? batch, ServiceCatalogue catalogue) =>
        {
            Sector? filter = null;
            if (sector is not null)
            {
                if (!Wire.TryParse<Sector>(sector, out var parsed))
                {
                    return Problems.Invalid("sector", $"sector is one of {string.Join(", ", Enum.GetNames<Sector>().Select(n => char.ToLowerInvariant(n[0]) + n[1..]))}.");
                }

                filter = parsed;
            }

            if (q is { Length: > 50 })
            {
                return Problems.Invalid("q", "q has at most 50 characters.");
            }

            if (batch is not null)
            {
                if (CatalogueEndpoints.ParseBatch(batch) is not { } selector)
                {
                    return Problems.Invalid("batch", CatalogueEndpoints.BatchHint);
                }

                if (CatalogueEndpoints.Resolve(catalogue, selector) is not { } number)
                {
                    return Problems.NotFound("Batch", batch);
                }

                return TypedResults.Ok(catalogue.AsOf(number).Search(q, filter, provinceWide ?? false));
            }

            return TypedResults.Ok(catalogue.Search(q, filter, provinceWide ?? false));
        }).WithSummary("全省通办 catalogue: search by name or pinyin initials (sfz → 身份证), by sector, province-wide only.")
        .WithDescription("Without `batch`: the items in force today. With `batch` (a batch number such as 2, or a publication year such as 2021 for that year's last batch): the catalogue as it stood after that batch, including a published batch not yet in force. The batches: GET /api/catalogue/batches.");

        items.MapGet("/{itemCode}", Results<Ok<ServiceItem>, ProblemHttpResult> (string itemCode, ServiceCatalogue catalogue) =>
            catalogue.Find(itemCode) is { } item ? TypedResults.Ok(item) : Problems.NotFound("Item", itemCode))
            .WithSummary("One item: materials, review points, time limits, 容缺, result type.");

        items.MapGet("/shares", (ServiceCatalogue catalogue) => TypedResults.Ok(catalogue.SectorShares()))
            .WithSummary("Per sector: the share of items that are province-wide (the policy asks ≥ 30% in the first batch).");

        var cases = routes.MapGroup("/api/cases").WithTags("Cases");

        cases.MapPost("/", SubmitAsync)
            .RequireAuthorization(p => p.RequireRole(Roles.Citizen, Roles.Clerk))
            .WithSummary("Apply: online (the citizen themself) or at a window (a clerk for the applicant). Idempotency-Key makes a retry return the same case.");

        cases.MapGet("/{caseNo}", GetAsync)
            .RequireAuthorization(Policies.Authenticated)
            .WithSummary("The case with its timeline, deadline and allowed actions (the applicant, and staff responsible for it).")
            .WithDescription("hotline lists the 12345 urges and complaints with their state (open, overdue, answered), subject (decision or hallConduct) " +
                "and answer. Once the case is finished (办结、送达、撤回) deadline.remainingWorkingDays is null and deadline.finished true: no countdown.");

        cases.MapPost("/{caseNo}/transitions", TransitionAsync)
            .RequireAuthorization(p => p.RequireRole(Roles.Citizen, Roles.Clerk, Roles.Approver))
            .WithSummary("Move the case: receive, accept, reject, notifyMissing, startReview, approve, deny, complete, deliver, suspend, resume, withdraw. 409 names the allowed actions.");

        cases.MapGet("/{caseNo}/audit/verify", async Task<Results<Ok<AuditVerification>, ValidationProblem, ProblemHttpResult>> (
            string caseNo, ClaimsPrincipal user, IGrainFactory grains, PersonalDataProtector protector) =>
        {
            if (ParseCaseNo(caseNo) is not { } number)
            {
                return Problems.Invalid("caseNo", CaseNoHint);
            }

            var view = await grains.GetGrain<ICaseGrain>(number.Value).Get();
            if (view is null || !user.MaySeeCase(view, protector))
            {
                return Problems.NotFound("Case", caseNo);
            }

            return TypedResults.Ok(await grains.GetGrain<ICaseGrain>(number.Value).VerifyAudit());
        })
        .RequireAuthorization(Policies.Staff)
        .WithSummary("Verify the case's hash-chained audit log: {valid, entries, firstBrokenAt?}.");

        cases.MapGet("/", async Task<Results<Ok<IReadOnlyList<CaseSummary>>, ValidationProblem, ForbidHttpResult>> (
            string? hall, string? department, string? region, string? status, bool? overdue, bool? open, int? limit,
            ClaimsPrincipal user, ICaseStore store, PersonalDataProtector protector, CancellationToken ct) =>
        {
            CaseStatus? statusFilter = null;
            if (status is not null)
            {
                if (!Wire.TryParse<CaseStatus>(status, out var s))
                {
                    return Problems.Invalid("status", "Unknown status.");
                }

                statusFilter = s;
            }

            if (limit is < 1 or > 500)
            {
                return Problems.Invalid("limit", "limit is 1–500.");
            }

            var query = new CaseQuery(HallCode: hall, DepartmentCode: department, RegionCode: region, Status: statusFilter,
                OverdueOnly: overdue ?? false, OpenOnly: open ?? false, Limit: limit ?? 100);
            if (user.IsInRole(Roles.Citizen))
            {
                // Both candidate keys: cases stored under HMAC-SHA256 before the switch to HMAC-SM3 stay "mine".
                query = query with { ApplicantIdKeys = protector.Hash.ResidentIdCandidates(user.Claim(TongBanClaims.Subject) ?? string.Empty) };
            }
            else if (!ScopeQuery(user, ref query))
            {
                return TypedResults.Forbid();
            }

            return TypedResults.Ok(await store.QueryAsync(query, ct));
        })
        .RequireAuthorization(Policies.Authenticated)
        .WithSummary("Search cases (query model): a citizen sees their own; staff within their hall, department and region.");

        routes.MapGet("/api/inbox", async Task<Results<Ok<IReadOnlyList<CaseSummary>>, ForbidHttpResult>> (ClaimsPrincipal user, IGrainFactory grains) =>
        {
            if (user.Claim(TongBanClaims.DepartmentCode) is not { } department || user.Claim(TongBanClaims.RegionCode) is not { } region)
            {
                return TypedResults.Forbid();
            }

            return TypedResults.Ok(await grains.GetGrain<IDepartmentInboxGrain>($"{department}/{region}").List());
        })
        .WithTags("Cases")
        .RequireAuthorization(p => p.RequireRole(Roles.Approver))
        .WithSummary("The approver's department inbox (属地部门): cases waiting for review or decision, overdue first.");

        routes.MapGet("/api/metrics/one-visit", async (string? item, string? region, ICaseStore store, CancellationToken ct) =>
            TypedResults.Ok(await store.OneVisitAsync(item, region, ct)))
            .WithTags("Cases")
            .RequireAuthorization(Policies.Staff)
            .WithSummary("一次办成: per item and region, finished cases, the share needing at most one visit, average working days.");

        routes.MapGet("/api/audit/verify", async (ICaseStore store, CancellationToken ct) => TypedResults.Ok(await store.VerifyAllAsync(ct)))
            .WithTags("Cases")
            .RequireAuthorization(p => p.RequireRole(Roles.Admin, Roles.Supervisor))
            .WithSummary("Verify every case chain and the global chain of the audit log.");

        routes.MapPost("/api/admin/cases/projection/rebuild", async (ICaseStore store, CalendarProvider calendar, TimeProvider clock, CancellationToken ct) =>
            TypedResults.Ok(new
            {
                rows = await store.RebuildProjectionAsync(
                (state, applicant) => CaseProjection.Summarize(state, applicant, 0, state.EvaluateDeadline(calendar.Current, ChinaTime.Today(clock))), ct)
            }))
            .WithTags("Cases")
            .RequireAuthorization(Policies.Admin)
            .WithSummary("Recompute the query model from the stored cases (visit counts are recomputed as 0 for rebuilt rows without history).");
    }

    private const string CaseNoHint = "A case number looks like GZ5201022611270000011 (21 characters with a check character).";

    private static async Task<Results<Ok<CaseCreatedDto>, ValidationProblem, ProblemHttpResult>> SubmitAsync(
        SubmitCaseRequest body, IdempotencyKey key, ClaimsPrincipal user,
        ServiceCatalogue catalogue, RegionCatalog regions, ServicePointDirectory directory, PersonalDataProtector protector,
        IGrainFactory grains, TimeProvider clock, IHistorySink history)
    {
        var now = ChinaTime.Now(clock);
        var idempotencyKey = key.Value;
        if (catalogue.Find(body.ItemCode) is not { } item)
        {
            return body.ItemCode is null ? Problems.Invalid("itemCode", "itemCode is required.") : Problems.NotFound("Item", body.ItemCode);
        }

        if (body.Applicant is not { } applicant)
        {
            return Problems.Invalid("applicant", "applicant {name, idNumber, phone} is required.");
        }

        if (string.IsNullOrWhiteSpace(applicant.Name) || applicant.Name.Length > 50)
        {
            return Problems.Invalid("applicant.name", "name is required, at most 50 characters.");
        }

        var id = ResidentId.Validate(applicant.IdNumber, DateOnly.FromDateTime(now.DateTime));
        if (id.Id is not { } residentId)
        {
            return Problems.Invalid("applicant.idNumber", id.Message ?? "Invalid resident ID number.");
        }

        var phone = MobileNumber.Validate(applicant.Phone);
        if (phone.Number is not { } mobile)
        {
            return Problems.Invalid("applicant.phone", phone.Message ?? "Invalid mobile number.");
        }

        if (!CaseNames.TryParse(body.Channel ?? "online", out CaseChannel channel))
        {
            return Problems.Invalid("channel", "channel is window, online, mobile or selfService.");
        }

        if (body.Materials is { Count: > MaxMaterials })
        {
            return Problems.Invalid("materials", $"At most {MaxMaterials} materials.");
        }

        if (ParseMaterials(body.Materials, out var materials) is { } badMaterial)
        {
            return badMaterial;
        }

        string? hall = body.ReceivingHallCode;
        if (user.IsInRole(Roles.Clerk))
        {
            hall ??= user.Claim(TongBanClaims.HallCode);
        }

        ServicePoint? hallPoint = null;
        if (hall is not null && (hallPoint = directory.Find(hall)) is null)
        {
            return ServicePointCode.IsWellFormed(hall) ? Problems.NotFound("Service point", hall) : Problems.Invalid("receivingHallCode", "A service point code looks like 520102-H001.");
        }

        // 属地: the applicant's county if given, else the receiving hall's county, else where the ID was issued.
        var county = applicant.RegionCode ?? (hallPoint?.Level is ServiceLevel.County or ServiceLevel.Township ? hallPoint.RegionCode : null) ?? residentId.RegionCode;
        if (regions.Find(county) is not { Level: RegionLevel.County } countyRegion)
        {
            return Problems.Invalid("applicant.regionCode", $"'{county}' is not a county-level unit of Guizhou; give applicant.regionCode (户籍地/住所地 county).");
        }

        if (ParseConsent(body.Notify, protector, out var consent) is { } badConsent)
        {
            return badConsent;
        }

        if (body.TicketNo is { } ticketNo && (!TicketNumber.TryParse(ticketNo, out _, out _) || hallPoint is null))
        {
            return Problems.Invalid("ticketNo", "ticketNo is a ticket number of today at the receiving hall, like A012; it needs receivingHallCode (or a clerk's hall).");
        }

        var actor = Actor(user, protector);
        var application = new CaseApplication(
            item.Code, protector.Hash.OfResidentId(residentId.Value), channel,
            RegionRules.CompetentRegion(item, countyRegion.Code),
            hallPoint?.RegionCode is { } hallRegion && RegionCatalog.IsWellFormedCode(hallRegion) ? hallRegion : countyRegion.Code,
            materials, actor, hall, body.Comment)
        { Notify = consent };
        var record = protector.Record(new ApplicantDetails(applicant.Name.Trim(), residentId.Value, mobile.Value));
        var reply = idempotencyKey is null
            ? await CaseIntake.OpenAsync(grains, catalogue, application, record, now)
            : await grains.GetGrain<ICaseIntakeGrain>($"{application.ApplicantKey}/{idempotencyKey}").Open(application, record);
        if (!reply.Succeeded)
        {
            return Failure(reply.Failure!);
        }

        var state = reply.View!.State;
        if (body.TicketNo is { } served && hallPoint is not null)
        {
            // Handed to the history writer, not waited for; a retry records the same link again (stored once).
            history.Append(new CaseTicketLink(
                state.CaseNo, hallPoint.Code, hallPoint.RegionCode, HistoryDays.Of(now), served, item.Code,
                int.TryParse(user.Claim(TongBanClaims.WindowNo), CultureInfo.InvariantCulture, out var w) ? w : null,
                user.IsInRole(Roles.Clerk) ? user.Claim(TongBanClaims.Subject) : null, now));
        }

        return TypedResults.Ok(new CaseCreatedDto(state.CaseNo, CaseNames.Of(state.Status), state.Version));
    }

    private static async Task<Results<Ok<CaseDto>, ValidationProblem, ProblemHttpResult>> GetAsync(
        string caseNo, ClaimsPrincipal user, IGrainFactory grains, ServiceCatalogue catalogue, PersonalDataProtector protector, TimeProvider clock)
    {
        if (ParseCaseNo(caseNo) is not { } number)
        {
            return Problems.Invalid("caseNo", CaseNoHint);
        }

        var view = await grains.GetGrain<ICaseGrain>(number.Value).Get();

        // Someone else's case answers exactly like a missing one: existence is not revealed. A clerk holding a
        // 授权信任 right over the case sees it like its own hall does.
        var visible = view is not null && (user.MaySeeCase(view, protector) || await GrantEndpoints.ClerkHoldsAnyRight(user, view.State, grains, clock.GetUtcNow()));
        return visible
            ? TypedResults.Ok(CaseDto.From(
                view!, catalogue, await CrossProvinceEndpoints.DescribeAsync(view!.State, grains),
                CaseHotlineItemDto.Of(await grains.GetGrain<ICaseHotlineGrain>(view!.State.CaseNo).Entries(), ChinaTime.Today(clock))))
            : Problems.NotFound("Case", caseNo);
    }

    private static async Task<Results<Ok<CaseCreatedDto>, ValidationProblem, ProblemHttpResult>> TransitionAsync(
        string caseNo, TransitionRequest body, ClaimsPrincipal user, IGrainFactory grains, PersonalDataProtector protector)
    {
        if (ParseCaseNo(caseNo) is not { } number)
        {
            return Problems.Invalid("caseNo", CaseNoHint);
        }

        if (!CaseNames.TryParse(body.Action, out CaseAction action))
        {
            return Problems.Invalid("action", "action is one of receive, accept, reject, notifyMissing, startReview, approve, deny, complete, deliver, suspend, resume, withdraw.");
        }

        if (body.ExpectedVersion is not { } expected || expected < 1)
        {
            return Problems.Invalid("expectedVersion", "expectedVersion (the version you read) is required.");
        }

        if (ParseMaterials(body.Materials, out var materials) is { } badMaterial)
        {
            return badMaterial;
        }

        var gaps = new List<MaterialGap>();
        foreach (var g in body.MissingMaterials ?? [])
        {
            if (string.IsNullOrWhiteSpace(g.MaterialId) || !Wire.TryParse<MaterialProblem>(g.Problem ?? "missing", out var problem))
            {
                return Problems.Invalid("missingMaterials", "Each missing material has materialId and problem (missing, originalNotVerified, tooFewCopies, defective).");
            }

            gaps.Add(new MaterialGap(g.MaterialId, problem, g.Note));
        }

        DeliveryMethod? delivery = null;
        if (body.DeliveryMethod is not null)
        {
            if (!CaseNames.TryParse(body.DeliveryMethod, out DeliveryMethod method))
            {
                return Problems.Invalid("deliveryMethod", "deliveryMethod is pickup, ems or electronic.");
            }

            delivery = method;
        }

        var grain = grains.GetGrain<ICaseGrain>(number.Value);
        var view = await grain.Get();

        // A clerk of another hall goes on to the case grain, which decides under 授权信任 and names the missing right.
        if (view is null || !(user.MaySeeCase(view, protector) || user.IsInRole(Roles.Clerk)))
        {
            return Problems.NotFound("Case", caseNo);
        }

        var reply = await grain.Apply(new CaseCommand(
            action, expected, Actor(user, protector, view.State.ApplicantKey), body.Reason, body.Comment, body.Materials is null ? null : materials,
            body.MissingMaterials is null ? null : gaps, delivery, body.TrackingNumber, body.DeferredMaterialsPromised ?? false));
        if (!reply.Succeeded)
        {
            return Failure(reply.Failure!);
        }

        var state = reply.View!.State;
        return TypedResults.Ok(new CaseCreatedDto(state.CaseNo, CaseNames.Of(state.Status), state.Version));
    }

    /// <summary>The consent of <c>notify</c>, its addresses sealed; a 400 for an unknown channel or a chosen channel without its address.</summary>
    internal static ValidationProblem? ParseConsent(NotifyInput? input, PersonalDataProtector protector, out Grains.Notifications.NotificationConsent? consent)
    {
        consent = null;
        if (input is null)
        {
            return null;
        }

        var channels = new List<Grains.Notifications.NotificationChannel>();
        foreach (var name in input.Channels ?? [])
        {
            if (!Grains.Notifications.NotificationNames.TryParse(name, out var channel))
            {
                return Problems.Invalid("notify.channels", "Each channel is sms, weChat or app.");
            }

            if (!channels.Contains(channel))
            {
                channels.Add(channel);
            }
        }

        static bool Address(string? text) => text is { Length: >= 6 and <= 64 } && text.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
        if (channels.Contains(Grains.Notifications.NotificationChannel.WeChat) && !Address(input.WeChatOpenId))
        {
            return Problems.Invalid("notify.weChatOpenId", "weChat needs weChatOpenId: the mini-program openid (6–64 letters, digits, - and _).");
        }

        if (channels.Contains(Grains.Notifications.NotificationChannel.App) && !Address(input.AppUserId))
        {
            return Problems.Invalid("notify.appUserId", "app needs appUserId: the 多彩宝 user id (6–64 letters, digits, - and _).");
        }

        var weChat = channels.Contains(Grains.Notifications.NotificationChannel.WeChat) ? input.WeChatOpenId : null;
        var app = channels.Contains(Grains.Notifications.NotificationChannel.App) ? input.AppUserId : null;
        consent = new Grains.Notifications.NotificationConsent(
            channels,
            weChat is null && app is null ? null : protector.SealBytes(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new Grains.Notifications.NotificationContacts(weChat, app))));
        return null;
    }

    private static CaseNumber? ParseCaseNo(string text) => CaseNumber.TryParse(text, out var number) ? number : null;

    private static ValidationProblem? ParseMaterials(IReadOnlyList<MaterialInput>? input, out List<SubmittedMaterial> materials)
    {
        materials = [];
        foreach (var m in input ?? [])
        {
            if (string.IsNullOrWhiteSpace(m.MaterialId) || m.MaterialId.Length > 40 || m.Copies is < 0 or > 100)
            {
                return Problems.Invalid("materials", "Each material has a materialId of the item's list and 0–100 copies.");
            }

            ELicenceCitation? licence = null;
            if (m.ELicence is { } e)
            {
                if (!Wire.TryParse<ELicenceType>(e.Type, out var type) || string.IsNullOrWhiteSpace(e.LicenceNumber) || e.LicenceNumber.Length > 64)
                {
                    return Problems.Invalid("materials", "An e-licence citation has a type (e.g. idCard, businessLicence) and a licenceNumber.");
                }

                licence = new ELicenceCitation(type, e.LicenceNumber);
            }

            materials.Add(new SubmittedMaterial(m.MaterialId, m.Copies ?? 0, m.OriginalVerified ?? false, licence));
        }

        return null;
    }

    /// <summary>
    /// Who acts, from the token. A citizen is identified by the keyed hash of their ID number, never the raw value: the
    /// current algorithm's, or, acting on an existing case, the candidate its <paramref name="applicantKey"/> was stored
    /// under (a case opened before the switch to HMAC-SM3 keeps its HMAC-SHA256 key, and the grain compares hashes only).
    /// </summary>
    internal static CaseActor Actor(ClaimsPrincipal user, PersonalDataProtector protector, string? applicantKey = null)
    {
        var sub = user.Claim(TongBanClaims.Subject) ?? string.Empty;
        var role = CaseNames.TryParse(user.Claim(TongBanClaims.Role), out CaseRole r) ? r : CaseRole.Citizen;
        return new CaseActor(
            role == CaseRole.Citizen ? protector.Hash.MatchResidentId(applicantKey, sub) ?? protector.Hash.OfResidentId(sub) : sub,
            role,
            null,
            user.Claim(TongBanClaims.HallCode),
            int.TryParse(user.Claim(TongBanClaims.WindowNo), NumberStyles.None, CultureInfo.InvariantCulture, out var w) ? w : null,
            user.Claim(TongBanClaims.DepartmentCode),
            user.Claim(TongBanClaims.RegionCode));
    }

    /// <summary>Narrows a staff search to what the caller may see; false when the caller may search nothing.</summary>
    private static bool ScopeQuery(ClaimsPrincipal user, ref CaseQuery query)
    {
        if (user.IsInRole(Roles.Admin))
        {
            return true;
        }

        if (user.IsInRole(Roles.Clerk) || user.IsInRole(Roles.HallManager))
        {
            query = query with { HallCode = user.Claim(TongBanClaims.HallCode) };
            return query.HallCode is not null;
        }

        if (user.IsInRole(Roles.Approver))
        {
            query = query with { DepartmentCode = user.Claim(TongBanClaims.DepartmentCode), RegionCode = user.Claim(TongBanClaims.RegionCode) };
            return query.DepartmentCode is not null && query.RegionCode is not null;
        }

        if (user.IsInRole(Roles.Supervisor) && user.Claim(TongBanClaims.RegionCode) is { } region)
        {
            query = query with { RegionCode = query.RegionCode is { } asked && RegionRules.Covers(region, asked) ? asked : region };
            return true;
        }

        return false;
    }

    internal static ProblemHttpResult Failure(CaseFailure f)
    {
        var (status, title) = f.Kind switch
        {
            CaseFailureKind.VersionConflict => (StatusCodes.Status409Conflict, "版本冲突 Version conflict"),
            CaseFailureKind.ActionNotAllowed => (StatusCodes.Status409Conflict, "当前状态不允许 Not allowed now"),
            CaseFailureKind.Forbidden => (StatusCodes.Status403Forbidden, "无权操作 Forbidden"),
            CaseFailureKind.InvalidCommand => (StatusCodes.Status400BadRequest, "输入有误 Invalid input"),
            CaseFailureKind.LicenceRejected => (StatusCodes.Status409Conflict, "电子证照核验未通过 E-licence not verified"),
            _ => (StatusCodes.Status422UnprocessableEntity, "不符合办理规则 Rule violation"),
        };
        return TypedResults.Problem(statusCode: status, title: title, detail: f.Message, extensions: new Dictionary<string, object?>
        {
            ["allowedActions"] = f.AllowedActions.Select(CaseNames.Of).ToArray(),
            ["currentVersion"] = f.CurrentVersion,
            ["caseStatus"] = f.Status is { } s ? CaseNames.Of(s) : null,
            ["missingRight"] = f.MissingRight is { } right ? GrantRights.Describe(right) : null,
        });
    }
}
