using System.Text.Json;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using TongBan.Grains.Cases;
using TongBan.Grains.Common;

namespace TongBan.Grains.Credit;

/// <summary>
/// An applicant's credit standing, keyed by the keyed hash of the resident ID number (no raw ID is
/// held). Every change is audited in a hash-chained history with reason and actor.
/// </summary>
public interface IApplicantCreditGrain : IGrainWithStringKey
{
    /// <summary>Read-only, so it interleaves: the accept path asks it while other calls run.</summary>
    [AlwaysInterleave]
    Task<CreditStanding> Standing();

    /// <summary>Changes the standing (a no-op when it is already <see cref="CreditChangeRequest.To"/>); the failure text, or null on success.</summary>
    Task<string?> Change(CreditChangeRequest request);

    Task<CreditView> View();
}

[GenerateSerializer]
public sealed class ApplicantCreditState
{
    [Id(0)]
    public CreditStanding? Standing { get; set; }

    [Id(1)]
    public List<CreditChange> History { get; set; } = [];

    [Id(2)]
    public List<byte[]> Hashes { get; set; } = [];
}

public sealed partial class ApplicantCreditGrain(
    [PersistentState("applicantcredit", StorageNames.Default)] IPersistentState<ApplicantCreditState> state,
    TimeProvider clock,
    Crypto.CryptoOptions crypto,
    ILogger<ApplicantCreditGrain> logger) : Grain, IApplicantCreditGrain
{
    private CreditStanding Current => state.State.Standing ?? CreditRules.Unrecorded;

    public Task<CreditStanding> Standing() => Task.FromResult(Current);

    public async Task<string?> Change(CreditChangeRequest request)
    {
        if (CreditRules.Problem(request) is { } problem)
        {
            return problem;
        }

        var from = request.Across ?? Current;
        if (request.To == from)
        {
            return null;
        }

        var change = new CreditChange(state.State.History.Count + 1, ChinaTime.Now(clock), from, request.To, request.Reason.Trim(), request.ActorId, request.Role, request.Source);
        var previous = state.State.Hashes.Count == 0 ? AuditChain.Genesis : state.State.Hashes[^1];
        state.State.Standing = request.To;
        state.State.History.Add(change);
        state.State.Hashes.Add(AuditChain.Link(previous, JsonSerializer.Serialize(change, AuditChain.Json), AuditChain.For(crypto)));
        await state.WriteStateAsync();

        // The grain key is a keyed hash, never the ID number: safe to log.
        LogChange(logger, this.GetPrimaryKeyString()[..12], change.From, change.To, request.ActorId, request.Source);
        return null;
    }

    public Task<CreditView> View()
    {
        var previous = AuditChain.Genesis;
        var valid = state.State.Hashes.Count == state.State.History.Count;
        for (var i = 0; valid && i < state.State.History.Count; i++)
        {
            valid = AuditChain.Links(previous, JsonSerializer.Serialize(state.State.History[i], AuditChain.Json), state.State.Hashes[i]);
            previous = state.State.Hashes[i];
        }

        return Task.FromResult(new CreditView(Current, [.. state.State.History], valid));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Credit of applicant {KeyPrefix}…: {From} → {To} by {ActorId} ({Source})")]
    private static partial void LogChange(ILogger logger, string keyPrefix, CreditStanding from, CreditStanding to, string actorId, string source);
}
