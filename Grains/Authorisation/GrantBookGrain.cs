using System.Text.Json;
using Microsoft.Extensions.Logging;
using TongBan.Grains.Cases;

namespace TongBan.Grains.Authorisation;

/// <summary>
/// A grantor's grants, event-sourced from its audit stream <c>grants:{key}</c>: activation replays the stream (after
/// verifying its hash chain: a tampered book refuses to activate, so no check can pass on forged grants), grant and
/// revoke append one entry and only then change the in-memory book. The log is the only durable copy, so the book
/// and its audit trail cannot disagree.
/// </summary>
public sealed partial class GrantBookGrain(IAuditStreamStore store, TimeProvider clock, Crypto.CryptoOptions crypto, ILogger<GrantBookGrain> logger) : Grain, IGrantBookGrain
{
    private readonly Dictionary<string, Grant> grants = new(StringComparer.Ordinal);
    private int version;
    private byte[] head = AuditChain.Genesis;

    public static string StreamOf(string grantorKey) => AuditStreams.GrantsPrefix + grantorKey;

    private string Stream => StreamOf(this.GetPrimaryKeyString());

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var entries = await store.ReadStreamAsync(Stream, cancellationToken);
        var check = AuditChain.VerifyCase(entries);
        if (!check.Valid)
        {
            LogBroken(logger, Stream, check.FirstBrokenAt);
            throw new InvalidDataException($"The audit stream {Stream} is broken at entry {check.FirstBrokenAt}; its grants are not trusted.");
        }

        foreach (var stored in entries)
        {
            var entry = JsonSerializer.Deserialize<GrantAuditEntry>(stored.Canonical, AuditChain.Json)
                ?? throw new InvalidDataException($"{Stream} entry {stored.Version} is empty.");
            grants[entry.Grant.Id] = entry.Grant;
            version = stored.Version;
            head = stored.Hash;
        }
    }

    public async Task<GrantReply> Grant(Grant grant)
    {
        ArgumentNullException.ThrowIfNull(grant);
        if (grant.Grantor.Key != this.GetPrimaryKeyString())
        {
            return Fail(GrantFailureKind.Invalid, "授权方与授权簿不符 (the grant names another grantor)");
        }

        if (grants.TryGetValue(grant.Id, out var existing))
        {
            return existing.SameTerms(grant)
                ? new GrantReply(existing, null)
                : Fail(GrantFailureKind.Conflict, $"授权编号 {grant.Id} 已用于其他授权 (id {grant.Id} is taken by a grant with other terms)");
        }

        var now = clock.GetUtcNow();
        var granted = grant with { ValidFrom = grant.ValidFrom == default ? now : grant.ValidFrom, GrantedAt = now, RevokedAt = null, RevokedBy = null, RevokeReason = null };
        if (DelegationRules.Problem(granted) is { } problem)
        {
            return Fail(GrantFailureKind.Invalid, problem);
        }

        await Append("grant", granted.GrantedBy, granted, now);
        LogGranted(logger, granted.Id, Stream, granted.Grantee.Code, string.Join(",", granted.Rights.Select(GrantRights.Of)), granted.ValidUntil);
        return new GrantReply(granted, null);
    }

    public async Task<GrantReply> Revoke(string grantId, string revokedBy, string? reason)
    {
        if (!grants.TryGetValue(grantId, out var grant))
        {
            return Fail(GrantFailureKind.NotFound, $"无此授权 {grantId} (no grant {grantId} of this grantor)");
        }

        if (grant.RevokedAt is not null)
        {
            return new GrantReply(grant, null);
        }

        if (reason is { Length: > DelegationRules.MaxReasonLength })
        {
            return Fail(GrantFailureKind.Invalid, $"理由过长 (reason is longer than {DelegationRules.MaxReasonLength} characters)");
        }

        var now = clock.GetUtcNow();
        var revoked = grant with { RevokedAt = now, RevokedBy = revokedBy, RevokeReason = reason };
        await Append("revoke", revokedBy, revoked, now);
        LogRevoked(logger, grantId, Stream);
        return new GrantReply(revoked, null);
    }

    public Task<IReadOnlyList<Grant>> List() =>
        Task.FromResult<IReadOnlyList<Grant>>([.. grants.Values.OrderBy(g => g.GrantedAt).ThenBy(g => g.Id, StringComparer.Ordinal)]);

    public Task<IReadOnlyList<GrantRight>> RightsHeld(string hallCode, string itemCode, DateTimeOffset at) =>
        Task.FromResult<IReadOnlyList<GrantRight>>([.. DelegationRules.Held(grants.Values, hallCode, itemCode, at).Order()]);

    /// <summary>Durable first, then visible: a failed append leaves the book as it was (the caller sees the exception and may retry).</summary>
    private async Task Append(string operation, string actorId, Grant grant, DateTimeOffset now)
    {
        var entry = new GrantAuditEntry(Stream, version + 1, operation, now, actorId, grant);
        var canonical = JsonSerializer.Serialize(entry, AuditChain.Json);
        var hash = AuditChain.Link(head, canonical, AuditChain.For(crypto));
        if (!await store.AppendStreamAsync(Stream, new StoredAuditEntry(entry.Version, canonical, head, hash), CancellationToken.None))
        {
            // Only a duplicate activation can move the head under us: drop this one so the next call replays the stream.
            DeactivateOnIdle();
            throw new InvalidOperationException($"The audit stream {Stream} moved past version {version}; retry.");
        }

        version = entry.Version;
        head = hash;
        grants[grant.Id] = grant;
    }

    private static GrantReply Fail(GrantFailureKind kind, string message) => new(null, new GrantFailure(kind, message));

    [LoggerMessage(Level = LogLevel.Information, Message = "Grant {GrantId} in {Stream}: to {Grantee}, rights {Rights}, until {ValidUntil}")]
    private static partial void LogGranted(ILogger logger, string grantId, string stream, string grantee, string rights, DateTimeOffset validUntil);

    [LoggerMessage(Level = LogLevel.Information, Message = "Grant {GrantId} in {Stream}: revoked")]
    private static partial void LogRevoked(ILogger logger, string grantId, string stream);

    [LoggerMessage(Level = LogLevel.Error, Message = "Audit stream {Stream} is broken at entry {Entry}: the grant book refuses to activate")]
    private static partial void LogBroken(ILogger logger, string stream, string? entry);
}
