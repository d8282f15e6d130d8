using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using TongBan.Api.Security;
using TongBan.Grains.Halls;
using TongBan.Grains.Regions;

namespace TongBan.Api.Endpoints;

public static class DevEndpoints
{
    /// <summary>Mapped only in the embedded development mode; in production the route does not exist (404).</summary>
    public static RouteHandlerBuilder MapDevTokenEndpoint(this IEndpointRouteBuilder routes) =>
        routes.MapPost("/api/dev/token", Results<Ok<DevTokenResponse>, ValidationProblem> (
            DevTokenRequest request, DevelopmentTokenIssuer issuer, ServicePointDirectory directory, RegionCatalog regions) =>
        {
            if (request.Role is null || !Roles.All.Contains(request.Role))
            {
                return Problems.Invalid("role", $"role must be one of {string.Join(", ", Roles.All)}.");
            }

            if (request.Subject is { Length: > 64 })
            {
                return Problems.Invalid("subject", "subject has at most 64 characters.");
            }

            if (request.HallCode is not null && directory.Find(request.HallCode) is null)
            {
                return Problems.Invalid("hallCode", $"No service point '{request.HallCode}'.");
            }

            if (request.RegionCode is not null && regions.Find(request.RegionCode) is null)
            {
                return Problems.Invalid("regionCode", $"No region '{request.RegionCode}'.");
            }

            if (request.WindowNo is { } w && (request.HallCode is null || directory.Find(request.HallCode)!.Windows.All(x => x.WindowNo != w)))
            {
                return Problems.Invalid("windowNo", "windowNo must name a window of hallCode.");
            }

            if (request.DepartmentCode is { Length: > 32 })
            {
                return Problems.Invalid("departmentCode", "departmentCode has at most 32 characters.");
            }

            if (request.PriorityClass is not (null or "greenChannel" or "assisted") || (request.PriorityClass is not null && request.Role != Roles.Citizen))
            {
                return Problems.Invalid("priorityClass", "priorityClass is greenChannel or assisted, and only for a citizen.");
            }

            var missing = request.Role switch
            {
                Roles.Clerk or Roles.HallManager or Roles.Guide when request.HallCode is null => "hallCode",
                Roles.Approver when request.DepartmentCode is null || request.RegionCode is null => "departmentCode and regionCode",
                Roles.Supervisor when request.RegionCode is null => "regionCode",
                _ => null,
            };
            return missing is null
                ? TypedResults.Ok(issuer.Issue(request))
                : Problems.Invalid(missing, $"A {request.Role} token needs {missing}.");
        })
        .WithTags("Platform")
        .AllowAnonymous()
        .WithSummary("Development only: a token for a demo user of any role.");
}
