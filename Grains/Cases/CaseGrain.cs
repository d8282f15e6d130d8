using System.Text.Json;
using Microsoft.Extensions.Logging;
using TongBan.Grains.Authorisation;
using TongBan.Grains.Calendar;
using TongBan.Grains.Catalogue;
using TongBan.Grains.Common;
using TongBan.Grains.Credit;
using TongBan.Grains.CrossProvince;
using TongBan.Grains.Identity;
using TongBan.Grains.Halls;
using TongBan.Grains.Live;
using TongBan.Grains.Notifications;

namespace TongBan.Grains.Cases;

/// <summary><c>caseChanged</c> push: <c>{caseNo, status, version}</c>.</summary>
[GenerateSerializer, Immutable]
public sealed record CaseChanged(
    [property: Id(0)] string CaseNo,
    [property: Id(1)] string Status,
    [property: Id(2)] int Version,
    [property: Id(3)] string Stage);

/// <summary>
/// <c>hallCasesChanged</c> push to a hall's watchers: an overdue case received at the hall, or of the region whose county
/// hall it is, changed (became overdue, moved on, finished); the dashboard re-reads its overdue list. No personal data.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record HallCasesChanged([property: Id(0)] string HallCode, [property: Id(1)] string CaseNo);

/// <summary>
/// A case. Its durable home is <see cref="ICaseStore"/> rather than IPersistentState, because state,
/// audit entry and projection must commit in one transaction. A daily reminder re-evaluates the
/// deadline (80% warning, overdue) so the inbox and supervision see it even when nobody touches the case.
/// </summary>
public sealed partial class CaseGrain(
    ICaseStore store,
    ServiceCatalogue catalogue,
    CalendarProvider calendar,
    TimeProvider clock,
    Crypto.CryptoOptions crypto,
    PersonalDataProtector protector,
    ServicePointDirectory directory,
    ILogger<CaseGrain> logger) : Grain, ICaseGrain, IRemindable
{
    private const string DeadlineReminder = "deadline";

    private StoredCase? current;
    private List<CaseTimelineEntry>? timeline;

    private string CaseNo => this.GetPrimaryKeyString();

    /// <summary>
    /// The applicant's keyed hashes in every algorithm (HMAC-SM3 and HMAC-SHA256), from the sealed record: the credit
    /// check must see a listing made under the other key. Opened only when a check asks; the case's own key alone when
    /// the record does not open here.
    /// </summary>
    private IReadOnlyList<string> ApplicantKeys()
    {
        var own = current!.State.ApplicantKey;
        try
        {
            return [own, .. protector.Hash.ResidentIdCandidates(protector.Open(current.Applicant).IdNumber).Where(k => k != own)];
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or System.Text.Json.JsonException or ArgumentException)
        {
            return [own];
        }
    }

    public override async Task OnActivateAsync(CancellationToken cancellationToken) =>
        current = await store.LoadAsync(CaseNo, cancellationToken);

    public async Task<CaseReply> Submit(string itemCode, CaseSubmission submission, ApplicantRecord applicant)
    {
        if (current is not null)
        {
            return KeyedHash.Same(current.State.ApplicantKey, submission.ApplicantKey)
                ? new CaseReply(await View(), null)
                : new CaseReply(null, new CaseFailure(CaseFailureKind.VersionConflict, "案号已被使用 (this case number is taken)", current.State.Status, current.State.Version, []));
        }

        // A batch published through another silo in the last seconds: load it before refusing the submission.
        if (submission.ItemBatch > catalogue.Batches[^1].Number)
        {
            catalogue.Load(await GrainFactory.GetGrain<ICatalogueGrain>(ICatalogueGrain.Key).All());
        }

        if (catalogue.VersionAt(itemCode, submission.ItemBatch) is not { } item)
        {
            return new CaseReply(null, new CaseFailure(CaseFailureKind.InvalidCommand, $"事项 {itemCode} 不在第 {submission.ItemBatch} 批清单中 (unknown item or batch)", null, 0, []));
        }

        var result = new CaseStateMachine(item).Submit(submission, ChinaTime.Now(clock));
        if (!result.Succeeded)
        {
            return new CaseReply(null, result.Failure);
        }

        return await Commit(result.State! with { Notify = submission.Notify }, result.Entry!, applicant, previous: null);
    }

    public async Task<CaseReply> Apply(CaseCommand command)
    {
        if (current is null)
        {
            return new CaseReply(null, new CaseFailure(CaseFailureKind.InvalidCommand, "无此办件 (no such case)", null, 0, []));
        }

        var item = catalogue.VersionAt(current.State.ItemCode, current.State.ItemBatch)!;
        var now = ChinaTime.Now(clock);
        var held = DelegationRules.RightsNeeded(current.State, command, item).Count > 0 ? await RightsHeld(current.State, command.Actor.HallCode!, now) : null;
        var result = new CaseStateMachine(item).Apply(current.State, command, now, held);
        if (!result.Succeeded)
        {
            return new CaseReply(null, result.Failure);
        }

        // Credit (容缺 only in good standing), revoked results: checks that need other grains (Credit/CaseGates).
        if (await CaseGates.BeforeCommitAsync(GrainFactory, current.State, command, result.State!, calendar.Current, ApplicantKeys) is { } refusal)
        {
            return new CaseReply(null, refusal);
        }

        return await Commit(result.State!, result.Entry!, current.Applicant, current);
    }

    /// <summary>
    /// 授权信任: asks the case's grantors (receiving hall, competent department) directly, at the moment of the
    /// transition. Each grant book is one activation cluster-wide, so a revocation is seen here on every silo as soon
    /// as it has returned; nothing is cached.
    /// </summary>
    private async Task<IReadOnlyCollection<GrantRight>> RightsHeld(CaseState state, string hallCode, DateTimeOffset now)
    {
        var answers = await Task.WhenAll(DelegationRules.GrantorsOf(state)
            .Select(g => GrainFactory.GetGrain<IGrantBookGrain>(g.Key).RightsHeld(hallCode, state.ItemCode, now)));
        return [.. answers.SelectMany(a => a).Distinct()];
    }

    public Task<CaseReply> Forward(CaseForward forward) =>
        ApplyCrossProvince(state => CrossProvinceCaseRules.Forward(state, forward, ChinaTime.Now(clock)));

    public Task<CaseReply> AcknowledgeTransfer(string partnerCode, string? partnerReference) =>
        ApplyCrossProvince(state => CrossProvinceCaseRules.Acknowledge(state, partnerCode, partnerReference, ChinaTime.Now(clock)));

    public Task<CaseReply> ReportFromPartner(PartnerReport report) =>
        ApplyCrossProvince(state => CrossProvinceCaseRules.Report(state, report, ChinaTime.Now(clock)));

    /// <summary>Applies a cross-province rule; an idempotent repeat (no entry) answers the case as it is.</summary>
    private async Task<CaseReply> ApplyCrossProvince(Func<CaseState, CaseTransitionResult> rule)
    {
        if (current is null)
        {
            return new CaseReply(null, new CaseFailure(CaseFailureKind.InvalidCommand, "无此办件 (no such case)", null, 0, []));
        }

        var result = rule(current.State);
        if (!result.Succeeded)
        {
            return new CaseReply(null, result.Failure);
        }

        return result.Entry is null ? new CaseReply(await View(), null) : await Commit(result.State!, result.Entry, current.Applicant, current);
    }

    public async Task<CaseView?> Get() => current is null ? null : await View();

    public async Task<AuditVerification> VerifyAudit() =>
        AuditChain.VerifyCase(await store.AuditAsync(CaseNo, CancellationToken.None));

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (current is null || reminderName != DeadlineReminder)
        {
            return;
        }

        var summary = Project(current.State, current.Applicant, current.Summary.Visits);
        if (summary != current.Summary)
        {
            await store.UpdateSummaryAsync(summary, CancellationToken.None);
            current = current with { Summary = summary };
            await Announce(summary);
            LogStage(logger, CaseNo, summary.Stage, summary.DueDate);
        }

        if (!NeedsDeadlineWatch(current.State) && await this.GetReminder(DeadlineReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    private async Task<CaseReply> Commit(CaseState state, CaseTimelineEntry entry, ApplicantRecord applicant, StoredCase? previous)
    {
        var previousHash = previous?.LastHash ?? AuditChain.Genesis;
        var hash = AuditChain.Link(previousHash, AuditChain.Canonical(entry), AuditChain.For(crypto));
        var summary = Project(state, applicant, (previous?.Summary.Visits ?? 0) + VisitsOf(entry, previous?.State));
        if (!await store.CommitAsync(state, applicant, summary, entry, previousHash, hash, NotificationsOf(state, entry, applicant), CancellationToken.None))
        {
            // Another writer got there first (only possible with a duplicate activation): reload, refuse.
            current = await store.LoadAsync(CaseNo, CancellationToken.None);
            return new CaseReply(null, new CaseFailure(CaseFailureKind.VersionConflict, "办件已被他人更新，请刷新 (the case changed meanwhile; reload)", current?.State.Status, current?.State.Version ?? 0, current is null ? [] : CaseStateMachine.AllowedActions(current.State)));
        }

        current = new StoredCase(state, applicant, summary, hash);
        timeline?.Add(entry);
        LogTransition(logger, CaseNo, entry.Action?.ToString() ?? "submit", state.Status, state.Version, state.DepartmentCode, state.RegionCode);

        await Announce(summary);
        await ReportToPartner(state);
        if (NeedsDeadlineWatch(state))
        {
            // Daily, shortly after the province's midnight: stages change only when the date does.
            var now = ChinaTime.Now(clock);
            var next = new DateTimeOffset(now.Date.AddDays(1).AddMinutes(5), ChinaTime.Offset);
            await this.RegisterOrUpdateReminder(DeadlineReminder, next - now, TimeSpan.FromDays(1));
        }

        return new CaseReply(await View(), null);
    }

    /// <summary>
    /// 内转: every step of a case a partner province sent us is owed to that partner. The whole reportable history is
    /// handed to the case's report grain, which keeps only versions it has not queued yet, so a step whose hand-over
    /// failed (logged here) goes out with the next one. The report grain never calls back, so this cannot deadlock,
    /// and it answers at once (its deliveries run in an interleaving timer).
    /// </summary>
    private async Task ReportToPartner(CaseState state)
    {
        if (state.CrossProvince is not { Direction: CrossProvinceDirection.Inbound } link)
        {
            return;
        }

        try
        {
            timeline ??= await LoadTimeline();
            await GrainFactory.GetGrain<IPartnerReportGrain>(CaseNo).Enqueue(link.PartnerCode, [.. timeline.Select(e => CrossProvinceCaseRules.ReportFor(state, e))]);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogReportNotQueued(logger, CaseNo, link.PartnerCode, state.Version, e.Message);
        }
    }

    /// <summary>Tells the department inbox and the live feed; the inbox holds only cases waiting for Guizhou approvers (not those a partner handles).</summary>
    private async Task Announce(CaseSummary summary)
    {
        var inbox = GrainFactory.GetGrain<IDepartmentInboxGrain>($"{summary.DepartmentCode}/{summary.RegionCode}");
        if (current?.State.HandledByPartner != true &&
            summary.Status is CaseStatus.Accepted or CaseStatus.UnderReview or CaseStatus.Suspended or CaseStatus.Approved or CaseStatus.Denied)
        {
            await inbox.Upsert(summary);
        }
        else
        {
            await inbox.Remove(summary.CaseNo);
        }

        await GrainFactory.PublishLive(new LiveMessage(
            LiveGroups.Case(summary.CaseNo), LiveMethods.CaseChanged,
            new CaseChanged(summary.CaseNo, CaseNames.Of(summary.Status), summary.Version, summary.Stage),
            CoalesceKey: "case:" + summary.CaseNo));

        if (summary.Stage == "overdue")
        {
            // The receiving hall and the county hall of the responsible region show it on their dashboards.
            string?[] halls = [summary.ReceivingHallCode, summary.RegionCode + "-H001"];
            foreach (var hall in halls.OfType<string>().Distinct(StringComparer.Ordinal))
            {
                await GrainFactory.PublishLive(new LiveMessage(
                    LiveGroups.Hall(hall), LiveMethods.HallCasesChanged, new HallCasesChanged(hall, summary.CaseNo), CoalesceKey: "hallcases:" + hall));
            }
        }
    }

    /// <summary>
    /// The step's notifications, written by the store in the commit itself (keyed by the step's version, so a retried
    /// command, which is refused or answered as it is, writes none again). A record whose phone cannot be opened (a
    /// retired key not configured) costs the applicant the message, never the step: logged, and the step goes on.
    /// </summary>
    private IReadOnlyList<OutboxEntry> NotificationsOf(CaseState state, CaseTimelineEntry entry, ApplicantRecord applicant)
    {
        var item = catalogue.VersionAt(state.ItemCode, state.ItemBatch);
        if (item is null || CaseNotifications.MessageFor(state, entry, item, null) is null)
        {
            return [];
        }

        try
        {
            var hall = state.ReceivingHallCode is { } code ? directory.Find(code)?.Name : null;
            return CaseNotifications.EntriesFor(state, entry, item, hall, applicant, state.Notify, protector);
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            // ArgumentException: a parameter looked like an ID number (a clerk's note, say); the message is not sent.
            LogNotificationsNotWritten(logger, CaseNo, state.Version, e.Message);
            return [];
        }
    }

    private static bool NeedsDeadlineWatch(CaseState state) =>
        state.AcceptedOn is not null && state.CompletedAt is null && !state.IsFinal;

    /// <summary>In-person visits a step costs the applicant: applying at a window, bringing supplements to a window, collecting the result.</summary>
    private static int VisitsOf(CaseTimelineEntry entry, CaseState? before) => entry switch
    {
        { CrossProvince: not null } => 0, // a partner's electronic hand-over or report: nobody came to a hall
        { Action: null } when before is null && entry.HallCode is not null && entry.Role == CaseRole.Clerk => 1,
        { Action: CaseAction.Receive, From: CaseStatus.OneTimeNotice } => 1,
        { Action: CaseAction.Deliver, Delivery.Method: DeliveryMethod.Pickup } => 1,
        _ => 0,
    };

    private CaseSummary Project(CaseState state, ApplicantRecord applicant, int visits)
    {
        var deadline = state.EvaluateDeadline(calendar.Current, ChinaTime.Today(clock));
        return CaseProjection.Summarize(state, applicant, visits, deadline);
    }

    private async Task<CaseView> View()
    {
        timeline ??= await LoadTimeline();
        var state = current!.State;
        return new CaseView(
            state,
            current.Applicant,
            current.Summary,
            [.. timeline],
            state.EvaluateDeadline(calendar.Current, ChinaTime.Today(clock)),
            CaseStateMachine.AllowedActions(state));
    }

    private async Task<List<CaseTimelineEntry>> LoadTimeline() =>
        [.. (await store.AuditAsync(CaseNo, CancellationToken.None)).Select(e => JsonSerializer.Deserialize<CaseTimelineEntry>(e.Canonical, AuditChain.Json)!)];

    [LoggerMessage(Level = LogLevel.Warning, Message = "Case {CaseNo}: status report v{Version} for partner {Partner} not queued yet ({Error}); it goes with the next step")]
    private static partial void LogReportNotQueued(ILogger logger, string caseNo, string partner, int version, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Case {CaseNo}: {Action} → {Status} (v{Version}), department {DepartmentCode} region {RegionCode}")]
    private static partial void LogTransition(ILogger logger, string caseNo, string action, CaseStatus status, int version, string departmentCode, string regionCode);

    [LoggerMessage(Level = LogLevel.Error, Message = "Case {CaseNo}: v{Version} notifications not written ({Error})")]
    private static partial void LogNotificationsNotWritten(ILogger logger, string caseNo, int version, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Case {CaseNo}: deadline stage {Stage} (due {Due})")]
    private static partial void LogStage(ILogger logger, string caseNo, string stage, DateOnly? due);
}

/// <summary>Derives the projection row from a case; pure, so the store can rebuild rows with it.</summary>
public static class CaseProjection
{
    public static CaseSummary Summarize(CaseState state, ApplicantRecord applicant, int visits, DeadlineStatus? deadline) => new(
        state.CaseNo,
        state.ItemCode,
        state.Status,
        state.DepartmentCode,
        state.RegionCode,
        state.ReceivingHallCode,
        state.Channel,
        state.SubmittedAt,
        state.UpdatedAt,
        deadline?.Due.Date,
        deadline is null ? "none" : deadline.Stage switch
        {
            DeadlineStage.Overdue => "overdue",
            DeadlineStage.Warning => "warning",
            _ => "onTrack",
        },
        visits,
        state.Version,
        applicant.IdKey,
        applicant.PhoneKey,
        deadline?.Provisional ?? false,
        deadline?.ElapsedWorkingDays);
}
