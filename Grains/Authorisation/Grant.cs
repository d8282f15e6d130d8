using TongBan.Grains.Cases;
using TongBan.Grains.Regions;

namespace TongBan.Grains.Authorisation;

/// <summary>
/// Who grants: a hall (for the cases received there) or a department of a region (for the cases it is competent
/// for, 属地部门). Exactly one of <see cref="HallCode"/> and <see cref="DepartmentCode"/> + <see cref="RegionCode"/>.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record Grantor(
    [property: Id(0)] string? HallCode,
    [property: Id(1)] string? DepartmentCode = null,
    [property: Id(2)] string? RegionCode = null)
{
    public static Grantor Hall(string hallCode) => new(hallCode);

    public static Grantor Department(string departmentCode, string regionCode) => new(null, departmentCode, regionCode);

    /// <summary>The grant book's grain key and the text form of the API: <c>520102-H001</c> or <c>gongan/520102</c>.</summary>
    public string Key => HallCode ?? $"{DepartmentCode}/{RegionCode}";

    public static Grantor? Parse(string? key)
    {
        if (string.IsNullOrEmpty(key))
        {
            return null;
        }

        var slash = key.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? Hall(key) : Department(key[..slash], key[(slash + 1)..]);
    }
}

/// <summary>
/// Who receives: the window staff of one hall (<see cref="HallCode"/>) or of every hall in a region
/// (<see cref="RegionCode"/>, a county, prefecture or the province by GB/T 2260 structure). Exactly one is set.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record Grantee(
    [property: Id(0)] string? HallCode,
    [property: Id(1)] string? RegionCode = null)
{
    public string Code => HallCode ?? RegionCode!;

    /// <summary>True when a clerk of <paramref name="hallCode"/> is covered: that very hall, or a hall whose region lies within the region.</summary>
    public bool Covers(string hallCode) =>
        HallCode is not null
            ? string.Equals(HallCode, hallCode, StringComparison.Ordinal)
            : hallCode.Length >= 6 && RegionRules.Covers(RegionCode!, hallCode[..6]);
}

/// <summary>
/// One grant of 授权信任: rights given by a grantor to a grantee, for all items or the listed ones, valid in
/// [<see cref="ValidFrom"/>, <see cref="ValidUntil"/>), until revoked. A request may leave <see cref="ValidFrom"/> at
/// <c>default</c>: the grant book then starts it when it records the grant. Ids are chosen by the client, so a retried
/// grant is recognised and answered with the grant as it is.
/// </summary>
/// <param name="ItemCodes">Empty: every item of the grantor; else only cases of these items.</param>
/// <param name="GrantedBy">Staff subject of whoever granted (from the token).</param>
[GenerateSerializer, Immutable]
public sealed record Grant(
    [property: Id(0)] string Id,
    [property: Id(1)] Grantor Grantor,
    [property: Id(2)] Grantee Grantee,
    [property: Id(3)] IReadOnlyList<GrantRight> Rights,
    [property: Id(4)] IReadOnlyList<string> ItemCodes,
    [property: Id(5)] DateTimeOffset ValidFrom,
    [property: Id(6)] DateTimeOffset ValidUntil,
    [property: Id(7)] string GrantedBy,
    [property: Id(8)] string? Reason,
    [property: Id(9)] DateTimeOffset GrantedAt,
    [property: Id(10)] DateTimeOffset? RevokedAt = null,
    [property: Id(11)] string? RevokedBy = null,
    [property: Id(12)] string? RevokeReason = null)
{
    /// <summary>
    /// True when <paramref name="request"/> (a retried grant of this id) asks for the same terms; grant time and revocation
    /// aside, and a request without a start (<c>default</c> <see cref="ValidFrom"/>: "from when granted") matches any start.
    /// </summary>
    public bool SameTerms(Grant request) =>
        Id == request.Id && Grantor == request.Grantor && Grantee == request.Grantee && Rights.SequenceEqual(request.Rights) &&
        ItemCodes.SequenceEqual(request.ItemCodes, StringComparer.Ordinal) && (request.ValidFrom == default || ValidFrom == request.ValidFrom) &&
        ValidUntil == request.ValidUntil;
}

/// <summary>
/// One entry of a grant book's audit stream (<c>grants:{grantor key}</c>): the operation and the grant as it is
/// after it. The book is rebuilt by replaying its stream, so the hash-chained log is the grants' only durable home.
/// </summary>
/// <param name="Operation"><c>grant</c> or <c>revoke</c>.</param>
[GenerateSerializer, Immutable]
public sealed record GrantAuditEntry(
    [property: Id(0)] string Stream,
    [property: Id(1)] int Version,
    [property: Id(2)] string Operation,
    [property: Id(3)] DateTimeOffset At,
    [property: Id(4)] string ActorId,
    [property: Id(5)] Grant Grant);

public enum GrantFailureKind
{
    /// <summary>Malformed or inconsistent request (400).</summary>
    Invalid,

    /// <summary>The id is taken by a grant with other terms, or by another grantor (409).</summary>
    Conflict,

    /// <summary>No grant with this id (404).</summary>
    NotFound,
}

[GenerateSerializer, Immutable]
public sealed record GrantFailure([property: Id(0)] GrantFailureKind Kind, [property: Id(1)] string Message);

[GenerateSerializer, Immutable]
public sealed record GrantReply([property: Id(0)] Grant? Grant, [property: Id(1)] GrantFailure? Failure)
{
    public bool Succeeded => Failure is null;
}
