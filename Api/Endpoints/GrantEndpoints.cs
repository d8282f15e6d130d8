using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using TongBan.Api.Security;
using TongBan.Grains.Authorisation;
using TongBan.Grains.Cases;
using TongBan.Grains.Catalogue;
using TongBan.Grains.Halls;
using TongBan.Grains.Regions;

namespace TongBan.Api.Endpoints;

public sealed record GrantorInput(string? HallCode, string? DepartmentCode, string? RegionCode);

public sealed record GranteeInput(string? HallCode, string? RegionCode);

/// <summary><c>POST /api/grants</c>. <c>id</c> is chosen by the client (a UUID, say): a retry with the same id and terms returns the same grant.</summary>
public sealed record GrantRequest(
    string? Id, GrantorInput? Grantor, GranteeInput? Grantee, IReadOnlyList<string>? Rights, IReadOnlyList<string>? ItemCodes,
    DateTimeOffset? ValidFrom, DateTimeOffset? ValidUntil, string? Reason);

public sealed record RevokeRequest(string? Reason);

public sealed record GrantDto(
    string Id, GrantorInput Grantor, GranteeInput Grantee, IReadOnlyList<string> Rights, IReadOnlyList<string> RightNames,
    IReadOnlyList<string> ItemCodes, DateTimeOffset ValidFrom, DateTimeOffset ValidUntil, string GrantedBy, string? Reason,
    DateTimeOffset GrantedAt, DateTimeOffset? RevokedAt, string? RevokedBy, string? RevokeReason, bool InForce)
{
    public static GrantDto From(Grant g, DateTimeOffset now) => new(
        g.Id, new GrantorInput(g.Grantor.HallCode, g.Grantor.DepartmentCode, g.Grantor.RegionCode), new GranteeInput(g.Grantee.HallCode, g.Grantee.RegionCode),
        [.. g.Rights.Select(GrantRights.Of)], [.. g.Rights.Select(GrantRights.Chinese)], g.ItemCodes, g.ValidFrom, g.ValidUntil, g.GrantedBy, g.Reason,
        g.GrantedAt, g.RevokedAt, g.RevokedBy, g.RevokeReason, DelegationRules.InForce(g, now));
}

/// <summary>
/// 授权信任 (task 9): a hall manager grants rights over the cases received at their hall, an approver over the cases of
/// their department in their region, an admin for anyone; each grant and revocation is an entry of the hash-chained
/// audit log (<c>grants:{grantor}</c> streams, verified by <c>GET /api/audit/verify</c>).
/// </summary>
public static class GrantEndpoints
{
    public static void MapGrantEndpoints(this IEndpointRouteBuilder routes)
    {
        var grants = routes.MapGroup("/api/grants").WithTags("Authorisation");

        grants.MapPost("/", GrantAsync)
            .RequireAuthorization(p => p.RequireRole(Roles.HallManager, Roles.Approver, Roles.Admin))
            .WithSummary("Grant 收件受理权/一次性告知权/原件核验权/审批结果送达权 to another hall or region, for a validity period.");

        grants.MapPost("/{id}/revoke", RevokeAsync)
            .RequireAuthorization(p => p.RequireRole(Roles.HallManager, Roles.Approver, Roles.Admin))
            .WithSummary("Revoke a grant; in force on every silo as soon as this answers.");

        grants.MapGet("/", ListAsync)
            .RequireAuthorization(Policies.Staff)
            .WithSummary("Grants given by a grantor (grantor=520102-H001 or gongan/520102) or to a grantee (grantee=hall or region code).");
    }

    /// <summary>
    /// A clerk outside a case's receiving hall may read it while they hold any right over it (to act they need the
    /// right for the action; the case grain checks that).
    /// </summary>
    internal static async Task<bool> ClerkHoldsAnyRight(ClaimsPrincipal user, CaseState state, IGrainFactory grains, DateTimeOffset now)
    {
        if (!user.IsInRole(Roles.Clerk) || user.Claim(TongBanClaims.HallCode) is not { Length: >= 6 } hall)
        {
            return false;
        }

        foreach (var grantor in DelegationRules.GrantorsOf(state))
        {
            if ((await grains.GetGrain<IGrantBookGrain>(grantor.Key).RightsHeld(hall, state.ItemCode, now)).Count > 0)
            {
                return true;
            }
        }

        return false;
    }

    private static async Task<Results<Ok<GrantDto>, ValidationProblem, ProblemHttpResult>> GrantAsync(
        GrantRequest body, ClaimsPrincipal user, IGrainFactory grains, ServicePointDirectory directory, RegionCatalog regions,
        ServiceCatalogue catalogue, TimeProvider clock)
    {
        var now = clock.GetUtcNow();
        if (string.IsNullOrWhiteSpace(body.Id))
        {
            return Problems.Invalid("id", "id (chosen by the client, 1–64 letters, digits, '-' or '_') is required.");
        }

        if (ParseGrantor(body.Grantor, directory, regions) is not { } grantor)
        {
            return Problems.Invalid("grantor", "grantor is {hallCode} of a known hall, or {departmentCode, regionCode} of a known department and Guizhou region.");
        }

        if (ParseGrantee(body.Grantee, directory, regions) is not { } grantee)
        {
            return Problems.Invalid("grantee", "grantee is {hallCode} of a known hall or {regionCode} of a Guizhou region.");
        }

        if (body.Rights is not { Count: > 0 })
        {
            return Problems.Invalid("rights", "rights lists at least one of receiveAccept, oneTimeNotice, verifyOriginals, deliverResults.");
        }

        var rights = new List<GrantRight>();
        foreach (var name in body.Rights)
        {
            if (!GrantRights.TryParse(name, out var right))
            {
                return Problems.Invalid("rights", $"Unknown right '{name}': the rights are receiveAccept (收件受理权), oneTimeNotice (一次性告知权), verifyOriginals (原件核验权), deliverResults (审批结果送达权).");
            }

            rights.Add(right);
        }

        var items = body.ItemCodes ?? [];
        if (items.FirstOrDefault(code => catalogue.Find(code) is null) is { } unknownItem)
        {
            return Problems.Invalid("itemCodes", $"Unknown item '{unknownItem}'.");
        }

        if (body.ValidUntil is not { } until)
        {
            return Problems.Invalid("validUntil", "validUntil (end of the validity period) is required.");
        }

        // Without validFrom the grant starts when recorded (default); a retry then matches whatever start was recorded.
        var grant = new Grant(body.Id, grantor, grantee, rights, [.. items], body.ValidFrom ?? default, until, user.Claim(TongBanClaims.Subject) ?? "unknown", body.Reason, now);
        if (DelegationRules.Problem(grant with { ValidFrom = body.ValidFrom ?? now }) is { } problem)
        {
            return Problems.Invalid(problem.Contains("valid", StringComparison.Ordinal) ? "validUntil" : "grant", problem);
        }

        if (!user.MayManageGrants(grantor))
        {
            return Problems.Forbidden($"只能以本大厅或本部门名义授权 (you may grant only for your own hall or department: not {grantor.Key})");
        }

        var taken = await grains.GetGrain<IGrantDirectoryGrain>(IGrantDirectoryGrain.Key).Reserve(grant.Id, grantor.Key, grantee.Code);
        if (taken is not null)
        {
            return Problems.Conflict($"授权编号 {grant.Id} 已被其他授权方使用 (id {grant.Id} belongs to another grantor)");
        }

        var reply = await grains.GetGrain<IGrantBookGrain>(grantor.Key).Grant(grant);
        return reply.Succeeded ? TypedResults.Ok(GrantDto.From(reply.Grant!, clock.GetUtcNow())) : Failure(reply.Failure!);
    }

    private static async Task<Results<Ok<GrantDto>, ValidationProblem, ProblemHttpResult>> RevokeAsync(
        string id, RevokeRequest? body, ClaimsPrincipal user, IGrainFactory grains, TimeProvider clock)
    {
        if (body?.Reason is { Length: > DelegationRules.MaxReasonLength })
        {
            return Problems.Invalid("reason", $"reason has at most {DelegationRules.MaxReasonLength} characters.");
        }

        if (await grains.GetGrain<IGrantDirectoryGrain>(IGrantDirectoryGrain.Key).GrantorOf(id) is not { } key || Grantor.Parse(key) is not { } grantor)
        {
            return Problems.NotFound("Grant", id);
        }

        if (!user.MayManageGrants(grantor))
        {
            return Problems.Forbidden($"只能撤销本大厅或本部门的授权 (you may revoke only grants of your own hall or department: not {grantor.Key})");
        }

        var reply = await grains.GetGrain<IGrantBookGrain>(grantor.Key).Revoke(id, user.Claim(TongBanClaims.Subject) ?? "unknown", body?.Reason);
        return reply.Succeeded ? TypedResults.Ok(GrantDto.From(reply.Grant!, clock.GetUtcNow())) : Failure(reply.Failure!);
    }

    private static async Task<Results<Ok<IReadOnlyList<GrantDto>>, ValidationProblem, ProblemHttpResult>> ListAsync(
        string? grantor, string? grantee, ClaimsPrincipal user, IGrainFactory grains, TimeProvider clock)
    {
        if ((grantor is null) == (grantee is null) || grantor is { Length: > 80 } || grantee is { Length: > 80 })
        {
            return Problems.Invalid("grantor", "Give exactly one of grantor (520102-H001 or gongan/520102) and grantee (a hall or region code).");
        }

        var now = clock.GetUtcNow();
        if (grantor is not null)
        {
            if (Grantor.Parse(grantor) is not { } who || !(user.MayManageGrants(who) || user.MaySeeAllGrants()))
            {
                return Problems.Forbidden("只能查看本大厅或本部门的授权 (you may list only your own hall's or department's grants)");
            }

            var given = await grains.GetGrain<IGrantBookGrain>(who.Key).List();
            return TypedResults.Ok<IReadOnlyList<GrantDto>>([.. given.Select(g => GrantDto.From(g, now))]);
        }

        var own = user.Claim(TongBanClaims.HallCode);
        if (!user.MaySeeAllGrants() && !((user.IsInRole(Roles.Clerk) || user.IsInRole(Roles.HallManager)) && own == grantee))
        {
            return Problems.Forbidden("只能查看授予本大厅的授权 (you may list only grants to your own hall)");
        }

        var list = new List<GrantDto>();
        foreach (var key in await grains.GetGrain<IGrantDirectoryGrain>(IGrantDirectoryGrain.Key).GrantorsOfGrantee(grantee!))
        {
            list.AddRange((await grains.GetGrain<IGrantBookGrain>(key).List()).Where(g => g.Grantee.Code == grantee).Select(g => GrantDto.From(g, now)));
        }

        return TypedResults.Ok<IReadOnlyList<GrantDto>>(list);
    }

    private static Grantor? ParseGrantor(GrantorInput? input, ServicePointDirectory directory, RegionCatalog regions) => input switch
    {
        { HallCode: { } hall, DepartmentCode: null, RegionCode: null } when directory.Find(hall) is not null => Grantor.Hall(hall),
        { HallCode: null, DepartmentCode: { } department, RegionCode: { } region }
            when Departments.Find(department) is not null && regions.Find(region) is not null => Grantor.Department(department, region),
        _ => null,
    };

    private static Grantee? ParseGrantee(GranteeInput? input, ServicePointDirectory directory, RegionCatalog regions) => input switch
    {
        { HallCode: { } hall, RegionCode: null } when directory.Find(hall) is not null => new Grantee(hall),
        { HallCode: null, RegionCode: { } region } when regions.Find(region) is not null => new Grantee(null, region),
        _ => null,
    };

    private static ProblemHttpResult Failure(GrantFailure f) => f.Kind switch
    {
        GrantFailureKind.NotFound => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "未找到 Not found", detail: f.Message),
        GrantFailureKind.Conflict => Problems.Conflict(f.Message),
        _ => TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "输入有误 Invalid input", detail: f.Message),
    };
}
