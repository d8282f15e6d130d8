using System.Text.Json;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using TongBan.Grains.Cases;
using TongBan.Grains.Common;

namespace TongBan.Grains.Credit;

public enum SanctionKind
{
    /// <summary>虚假材料认定: the result is revoked, a pending delivery cancelled, the applicant listed as dishonest.</summary>
    Revoked,

    /// <summary>撤销认定: an admin reverses the finding with a reason; the result stands again, the listing is lifted.</summary>
    Reversed,
}

/// <summary>One audited step of a false-materials finding or its reversal.</summary>
[GenerateSerializer, Immutable]
public sealed record SanctionEntry(
    [property: Id(0)] int Seq,
    [property: Id(1)] SanctionKind Kind,
    [property: Id(2)] DateTimeOffset At,
    [property: Id(3)] string Reason,
    [property: Id(4)] string ActorId,
    [property: Id(5)] CaseRole Role,
    [property: Id(6)] CaseStatus CaseStatus,
    [property: Id(7)] int CaseVersion,
    [property: Id(8)] IReadOnlyList<string> MaterialIds,
    [property: Id(9)] bool DeliveryCancelled);

[GenerateSerializer, Immutable]
public sealed record SanctionView(
    [property: Id(0)] bool Revoked,
    [property: Id(1)] bool DeliveryCancelled,
    [property: Id(2)] IReadOnlyList<SanctionEntry> Entries);

/// <summary>A finding or a reversal; the failure text (with an HTTP-ish kind) or the sanction after it.</summary>
[GenerateSerializer, Immutable]
public sealed record SanctionResult(
    [property: Id(0)] SanctionView? View,
    [property: Id(1)] CaseFailureKind? FailureKind,
    [property: Id(2)] string? Failure);

/// <summary>
/// False-materials findings on one case (keyed by case number). Kept beside the case instead of
/// as a case status: the state machine's statuses describe handling, and a revocation can come
/// after 送达 (a final status) and be reversed, which the state machine rightly does not allow.
/// The case grain asks <see cref="IsRevoked"/> before a delivery.
/// </summary>
public interface ICaseSanctionGrain : IGrainWithStringKey
{
    Task<SanctionResult> Revoke(string reason, IReadOnlyList<string> materialIds, CaseActor actor);

    Task<SanctionResult> Reverse(string reason, CaseActor actor);

    /// <summary>Read-only and interleaving: the case grain asks it inside a transition.</summary>
    [AlwaysInterleave]
    Task<bool> IsRevoked();

    [AlwaysInterleave]
    Task<SanctionView> View();
}

[GenerateSerializer]
public sealed class CaseSanctionState
{
    [Id(0)]
    public bool Revoked { get; set; }

    [Id(1)]
    public bool DeliveryCancelled { get; set; }

    [Id(2)]
    public List<SanctionEntry> Entries { get; set; } = [];

    [Id(3)]
    public List<byte[]> Hashes { get; set; } = [];

    /// <summary>The applicant's standing before the finding, restored by a reversal.</summary>
    [Id(4)]
    public CreditStanding? StandingBefore { get; set; }
}

public sealed partial class CaseSanctionGrain(
    [PersistentState("casesanction", StorageNames.Default)] IPersistentState<CaseSanctionState> state,
    TimeProvider clock,
    Crypto.CryptoOptions crypto,
    ILogger<CaseSanctionGrain> logger) : Grain, ICaseSanctionGrain
{
    public async Task<SanctionResult> Revoke(string reason, IReadOnlyList<string> materialIds, CaseActor actor)
    {
        if (string.IsNullOrWhiteSpace(reason) || reason.Length > CreditRules.MaxReasonLength)
        {
            return Fail(CaseFailureKind.InvalidCommand, "须填写认定理由（不超过500字） (a reason of at most 500 characters is required)");
        }

        var view = await GrainFactory.GetGrain<ICaseGrain>(this.GetPrimaryKeyString()).Get();
        if (view is null)
        {
            return Fail(CaseFailureKind.InvalidCommand, "无此办件 (no such case)");
        }

        if (state.State.Revoked)
        {
            return Fail(CaseFailureKind.ActionNotAllowed, "办理结果已撤销 (the result is already revoked)");
        }

        if (view.State.Decision is not { Approved: true })
        {
            return Fail(CaseFailureKind.ActionNotAllowed, "尚未作出准予决定，无结果可撤销；请在审查中作出不予批准决定 (no approval to revoke: deny the case instead)");
        }

        var credit = GrainFactory.GetGrain<IApplicantCreditGrain>(view.State.ApplicantKey);
        var before = await credit.Standing();
        var cancelled = view.State.Status != CaseStatus.Delivered;
        await Record(new SanctionEntry(state.State.Entries.Count + 1, SanctionKind.Revoked, ChinaTime.Now(clock), reason.Trim(), actor.Id, actor.Role,
            view.State.Status, view.State.Version, materialIds, cancelled), s =>
            {
                s.Revoked = true;
                s.DeliveryCancelled = cancelled;
                s.StandingBefore = before;
            });

        // After the finding is durable: a failure here leaves a revoked result with the listing to redo, never the reverse.
        var problem = await credit.Change(new CreditChangeRequest(CreditStanding.Dishonest, $"案件 {view.State.CaseNo} 提供虚假材料：{reason.Trim()}", actor.Id, actor.Role, "falseMaterials:" + view.State.CaseNo));
        if (problem is not null)
        {
            LogListingFailed(logger, view.State.CaseNo, problem);
        }

        LogRevoked(logger, view.State.CaseNo, actor.Id, cancelled);
        return new SanctionResult(Current(), null, null);
    }

    public async Task<SanctionResult> Reverse(string reason, CaseActor actor)
    {
        if (actor.Role != CaseRole.Admin)
        {
            return Fail(CaseFailureKind.Forbidden, "只有管理员可以撤销虚假材料认定 (only an admin reverses a finding)");
        }

        if (string.IsNullOrWhiteSpace(reason) || reason.Length > CreditRules.MaxReasonLength)
        {
            return Fail(CaseFailureKind.InvalidCommand, "须填写撤销理由（不超过500字） (a reason of at most 500 characters is required)");
        }

        if (!state.State.Revoked)
        {
            return Fail(CaseFailureKind.ActionNotAllowed, "本件没有生效的虚假材料认定 (no finding in force)");
        }

        var view = (await GrainFactory.GetGrain<ICaseGrain>(this.GetPrimaryKeyString()).Get())!;
        var restore = state.State.StandingBefore ?? CreditRules.Unrecorded;
        await Record(new SanctionEntry(state.State.Entries.Count + 1, SanctionKind.Reversed, ChinaTime.Now(clock), reason.Trim(), actor.Id, actor.Role,
            view.State.Status, view.State.Version, [], false), s =>
            {
                s.Revoked = false;
                s.DeliveryCancelled = false;
            });

        var credit = GrainFactory.GetGrain<IApplicantCreditGrain>(view.State.ApplicantKey);
        if (await credit.Standing() == CreditStanding.Dishonest)
        {
            await credit.Change(new CreditChangeRequest(restore, $"撤销案件 {view.State.CaseNo} 虚假材料认定：{reason.Trim()}", actor.Id, actor.Role, "reversal:" + view.State.CaseNo));
        }

        return new SanctionResult(Current(), null, null);
    }

    public Task<bool> IsRevoked() => Task.FromResult(state.State.Revoked);

    public Task<SanctionView> View() => Task.FromResult(Current());

    private SanctionView Current() => new(state.State.Revoked, state.State.DeliveryCancelled, [.. state.State.Entries]);

    private async Task Record(SanctionEntry entry, Action<CaseSanctionState> apply)
    {
        var previous = state.State.Hashes.Count == 0 ? AuditChain.Genesis : state.State.Hashes[^1];
        state.State.Entries.Add(entry);
        state.State.Hashes.Add(AuditChain.Link(previous, JsonSerializer.Serialize(entry, AuditChain.Json), AuditChain.For(crypto)));
        apply(state.State);
        await state.WriteStateAsync();
    }

    private static SanctionResult Fail(CaseFailureKind kind, string message) => new(null, kind, message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Case {CaseNo}: result revoked for false materials by {ActorId} (delivery cancelled: {Cancelled})")]
    private static partial void LogRevoked(ILogger logger, string caseNo, string actorId, bool cancelled);

    [LoggerMessage(Level = LogLevel.Error, Message = "Case {CaseNo}: listing the applicant as dishonest failed: {Problem}")]
    private static partial void LogListingFailed(ILogger logger, string caseNo, string problem);
}
