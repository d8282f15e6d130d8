using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using TongBan.Grains.Calendar;
using TongBan.Grains.Cases;
using TongBan.Grains.Common;

namespace TongBan.Grains.Credit;

public enum PromiseStatus
{
    /// <summary>Waiting for the deferred materials.</summary>
    Pending,

    /// <summary>Every deferred material was supplied by the due date.</summary>
    Kept,

    /// <summary>Due date passed with materials still missing: the case was suspended (when it could be).</summary>
    Missed,

    /// <summary>The acceptance it was made for never took effect (the commit lost a race); nothing to enforce.</summary>
    Void,
}

/// <summary>
/// The written promise of a 容缺受理 (承诺书): the materials the case was accepted without and the day
/// they are due. Registered by the accept path just before the acceptance commits.
/// </summary>
/// <param name="AcceptedVersion">The case version the acceptance produces; a case below it was never accepted this way.</param>
[GenerateSerializer, Immutable]
public sealed record DeferralPromise(
    [property: Id(0)] string CaseNo,
    [property: Id(1)] string DepartmentCode,
    [property: Id(2)] string RegionCode,
    [property: Id(3)] IReadOnlyList<string> MaterialIds,
    [property: Id(4)] DateOnly AcceptedOn,
    [property: Id(5)] DateOnly Due,
    [property: Id(6)] int AcceptedVersion);

[GenerateSerializer, Immutable]
public sealed record DeferralView(
    [property: Id(0)] DeferralPromise Promise,
    [property: Id(1)] PromiseStatus Status,
    [property: Id(2)] IReadOnlyList<string> Supplied,
    [property: Id(3)] DateTimeOffset? ResolvedAt,
    [property: Id(4)] string? Note);

/// <summary>Promise terms and outcomes. Pure.</summary>
public static class DeferralRules
{
    /// <summary>承诺期限: the deferred materials are due five working days after acceptance (the usual 容缺 term).</summary>
    public const int PromiseWorkingDays = 5;

    public static DateOnly Due(DateOnly acceptedOn, WorkingDayCalendar calendar)
    {
        ArgumentNullException.ThrowIfNull(calendar);
        return calendar.AddWorkingDays(acceptedOn, PromiseWorkingDays).Date;
    }

    /// <summary>Missed once the due day is over (the whole due day counts) with something still missing.</summary>
    public static bool IsMissed(DateOnly due, IReadOnlyCollection<string> outstanding, DateOnly today) => outstanding.Count > 0 && today > due;

    /// <summary>The case can be suspended for a missed promise while it runs (受理 or 审查).</summary>
    public static bool CanSuspend(CaseState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return state.Status is CaseStatus.Accepted or CaseStatus.UnderReview;
    }

    /// <summary>The actor a missed promise suspends the case as: the system, in the competent department's seat.</summary>
    public static CaseActor SystemActor(DeferralPromise promise)
    {
        ArgumentNullException.ThrowIfNull(promise);
        return new("system:deferral", CaseRole.Approver, "容缺承诺到期（系统）", DepartmentCode: promise.DepartmentCode, RegionCode: promise.RegionCode);
    }
}

/// <summary>
/// One case's 容缺 promise (keyed by case number). A reminder at the due date checks it: if materials
/// are still missing the case is suspended (补正, clock stopped) through the case grain, so the
/// suspension is on the case's audit log like any other.
/// </summary>
public interface ICaseDeferralGrain : IGrainWithStringKey
{
    Task Register(DeferralPromise promise);

    /// <summary>A clerk records deferred materials handed in; null on success, else why not.</summary>
    Task<string?> Supply(IReadOnlyList<string> materialIds);

    /// <summary>What the reminder runs; callable directly (tests, operators).</summary>
    Task<PromiseStatus?> CheckDue();

    [AlwaysInterleave]
    Task<DeferralView?> View();
}

[GenerateSerializer]
public sealed class CaseDeferralState
{
    [Id(0)]
    public DeferralPromise? Promise { get; set; }

    [Id(1)]
    public PromiseStatus Status { get; set; }

    [Id(2)]
    public List<string> Supplied { get; set; } = [];

    [Id(3)]
    public DateTimeOffset? ResolvedAt { get; set; }

    [Id(4)]
    public string? Note { get; set; }
}

public sealed partial class CaseDeferralGrain(
    [PersistentState("casedeferral", StorageNames.Default)] IPersistentState<CaseDeferralState> state,
    TimeProvider clock,
    ILogger<CaseDeferralGrain> logger) : Grain, ICaseDeferralGrain, IRemindable
{
    private const string ReminderName = "promise";

    public async Task Register(DeferralPromise promise)
    {
        state.State = new CaseDeferralState { Promise = promise, Status = PromiseStatus.Pending };
        await state.WriteStateAsync();

        // First check just after the due day ends (province time), then daily until resolved.
        var now = ChinaTime.Now(clock);
        var firstCheck = new DateTimeOffset(promise.Due.AddDays(1).ToDateTime(new TimeOnly(0, 10)), ChinaTime.Offset);
        await this.RegisterOrUpdateReminder(ReminderName, firstCheck > now ? firstCheck - now : TimeSpan.FromMinutes(1), TimeSpan.FromDays(1));
    }

    public async Task<string?> Supply(IReadOnlyList<string> materialIds)
    {
        if (state.State.Promise is not { } promise)
        {
            return "本件没有容缺承诺 (no deferral promise on this case)";
        }

        if (materialIds.Count == 0 || materialIds.Any(m => !promise.MaterialIds.Contains(m)))
        {
            return "须列明承诺补交的材料 (list materials of the promise)";
        }

        state.State.Supplied = [.. state.State.Supplied.Union(materialIds).Order(StringComparer.Ordinal)];
        if (state.State.Status == PromiseStatus.Pending && Outstanding(promise).Count == 0)
        {
            state.State.Status = PromiseStatus.Kept;
            state.State.ResolvedAt = ChinaTime.Now(clock);
            state.State.Note = "已按承诺补齐材料";
        }

        await state.WriteStateAsync();
        return null;
    }

    public async Task<PromiseStatus?> CheckDue()
    {
        if (state.State.Promise is not { } promise)
        {
            return null;
        }

        if (state.State.Status != PromiseStatus.Pending)
        {
            await Unremind();
            return state.State.Status;
        }

        var outstanding = Outstanding(promise);
        if (!DeferralRules.IsMissed(promise.Due, outstanding, ChinaTime.Today(clock)))
        {
            return PromiseStatus.Pending;
        }

        var caseGrain = GrainFactory.GetGrain<ICaseGrain>(promise.CaseNo);
        var view = await caseGrain.Get();
        if (view is null || view.State.AcceptedOn is null || view.State.Version < promise.AcceptedVersion || view.State.DeferredMaterials.Count == 0)
        {
            state.State.Status = PromiseStatus.Void;
            state.State.Note = "容缺受理未生效";
        }
        else if (DeferralRules.CanSuspend(view.State))
        {
            var reply = await caseGrain.Apply(new CaseCommand(
                CaseAction.Suspend, view.State.Version, DeferralRules.SystemActor(promise),
                Reason: $"容缺受理承诺于 {promise.Due:yyyy-MM-dd} 到期，仍缺材料：{string.Join("、", outstanding)}"));
            if (!reply.Succeeded)
            {
                // Most likely a concurrent transition moved the version: the daily reminder tries again.
                LogSuspendFailed(logger, promise.CaseNo, reply.Failure!.Kind);
                return PromiseStatus.Pending;
            }

            state.State.Status = PromiseStatus.Missed;
            state.State.Note = "承诺到期未补齐，已暂停计时（补正）";
        }
        else
        {
            state.State.Status = PromiseStatus.Missed;
            state.State.Note = $"承诺到期未补齐；案件状态为“{CaseNames.Chinese(view.State.Status)}”，未暂停";
        }

        state.State.ResolvedAt = ChinaTime.Now(clock);
        await state.WriteStateAsync();
        await Unremind();
        LogResolved(logger, promise.CaseNo, state.State.Status);
        return state.State.Status;
    }

    public Task<DeferralView?> View() => Task.FromResult(state.State.Promise is { } p
        ? new DeferralView(p, state.State.Status, [.. state.State.Supplied], state.State.ResolvedAt, state.State.Note)
        : null);

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == ReminderName)
        {
            await CheckDue();
        }
    }

    private List<string> Outstanding(DeferralPromise promise) => [.. promise.MaterialIds.Except(state.State.Supplied)];

    private async Task Unremind()
    {
        if (await this.GetReminder(ReminderName) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Case {CaseNo}: could not suspend for a missed promise ({Kind}); retrying tomorrow")]
    private static partial void LogSuspendFailed(ILogger logger, string caseNo, CaseFailureKind kind);

    [LoggerMessage(Level = LogLevel.Information, Message = "Case {CaseNo}: deferral promise {Status}")]
    private static partial void LogResolved(ILogger logger, string caseNo, PromiseStatus status);
}
