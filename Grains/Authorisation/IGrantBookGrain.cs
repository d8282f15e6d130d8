using Orleans.Concurrency;

namespace TongBan.Grains.Authorisation;

/// <summary>
/// The grants one grantor has given (key: <see cref="Grantor.Key"/>, e.g. <c>520102-H001</c> or <c>gongan/520102</c>).
/// One activation in the cluster answers every rights check for this grantor's cases, so a revocation is in force
/// on every silo as soon as <see cref="Revoke"/> returns: nothing caches grants elsewhere.
/// </summary>
public interface IGrantBookGrain : IGrainWithStringKey
{
    /// <summary>Records a grant (durable in the hash-chained audit log before it answers). The same id with the same terms returns the grant as it is.</summary>
    Task<GrantReply> Grant(Grant grant);

    /// <summary>Revokes at once; revoking a revoked grant returns it unchanged.</summary>
    Task<GrantReply> Revoke(string grantId, string revokedBy, string? reason);

    // ReadOnly: plain reads of the in-memory book; they may interleave with each other, never with a grant or
    // revoke, so a check sees a change either entirely or not at all.
    [ReadOnly]
    Task<IReadOnlyList<Grant>> List();

    /// <summary>The rights this grantor's grants in force give a clerk of <paramref name="hallCode"/> over a case of <paramref name="itemCode"/>.</summary>
    [ReadOnly]
    Task<IReadOnlyList<GrantRight>> RightsHeld(string hallCode, string itemCode, DateTimeOffset at);
}

/// <summary>
/// Province-wide index of grant ids (single activation, key <see cref="Key"/>): which grantor holds an id and which
/// grants a grantee has. Only the grant and revoke endpoints use it (a few calls per hour), never a case transition.
/// </summary>
public interface IGrantDirectoryGrain : IGrainWithStringKey
{
    public const string Key = "province";

    /// <summary>Reserves <paramref name="grantId"/> for the grantor; returns the grantor key that already holds it, or null when the reservation is this one.</summary>
    Task<string?> Reserve(string grantId, string grantorKey, string granteeCode);

    // ReadOnly: lookups of the in-memory index; may interleave with each other, never with Reserve.
    [ReadOnly]
    Task<string?> GrantorOf(string grantId);

    [ReadOnly]
    Task<IReadOnlyList<string>> GrantorsOfGrantee(string granteeCode);
}
