using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using TongBan.Grains.Halls;

namespace TongBan.Api.Endpoints;

/// <summary>
/// The service point a route names by <c>{hallCode}</c> (or <c>{code}</c>), resolved once before the handler runs. A
/// handler that takes a <see cref="HallRoute"/> never sees a malformed code (400) or an unknown one (404): those are
/// answered first, with the same ProblemDetails as <see cref="HallLookup"/>.
/// </summary>
public sealed class HallRoute : IEndpointParameterMetadataProvider
{
    private readonly ServicePoint? point;

    private HallRoute(ServicePoint? point, IResult? problem)
    {
        this.point = point;
        Problem = problem;
    }

    /// <summary>The service point (never null inside a handler: the filter answered otherwise).</summary>
    public ServicePoint Point => point ?? throw new InvalidOperationException("HallRoute read without its filter.");

    public string Code => Point.Code;

    internal IResult? Problem { get; }

    public static ValueTask<HallRoute?> BindAsync(HttpContext context)
    {
        var code = context.GetRouteValue("hallCode") as string ?? context.GetRouteValue("code") as string ?? string.Empty;
        var lookup = HallLookup.Of(code, context.RequestServices.GetRequiredService<ServicePointDirectory>());
        return ValueTask.FromResult<HallRoute?>(new(lookup.Point, (IResult?)lookup.Invalid ?? lookup.Missing));
    }

    public static void PopulateMetadata(ParameterInfo parameter, EndpointBuilder builder)
    {
        var index = parameter.Position;
        builder.FilterFactories.Add((_, next) => invocation =>
            invocation.Arguments[index] is HallRoute { Problem: { } problem } ? ValueTask.FromResult<object?>(problem) : next(invocation));
    }
}

/// <summary>Resolves a hall code: 400 when malformed, 404 when unknown (for codes not in the route, e.g. in a body).</summary>
public readonly record struct HallLookup(ServicePoint? Point, ValidationProblem? Invalid, ProblemHttpResult? Missing)
{
    public static HallLookup Of(string hallCode, ServicePointDirectory directory)
    {
        if (!ServicePointCode.IsWellFormed(hallCode))
        {
            return new(null, Problems.Invalid("hallCode", "A service point code looks like 520102-H001."), null);
        }

        return directory.Find(hallCode) is { } point
            ? new(point, null, null)
            : new(null, null, Problems.NotFound("Service point", hallCode));
    }
}
