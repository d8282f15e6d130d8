using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using TongBan.Api.OpenApi;
using TongBan.Api.Tests.Support;

namespace TongBan.Api.Tests.Embedded;

/// <summary>
/// <c>/openapi/v1.json</c> as a partner's client generator reads it: the properties redocly's recommended ruleset
/// checks (operation ids, summaries, 4xx answers, declared security, resolvable references, declared path
/// parameters), checked here on the running host's own document so that no network is needed.
/// </summary>
[Collection(EmbeddedCollection.Name)]
[Trait("Category", "Integration")]
public sealed partial class OpenApiDocumentTests(EmbeddedApp app)
{
    private static readonly string[] Verbs = ["get", "put", "post", "delete", "patch", "options", "head", "trace"];

    [Fact]
    public async Task Every_operation_has_a_unique_operation_id_and_a_summary()
    {
        var operations = Operations(await Document());
        Assert.True(operations.Count >= 100, $"only {operations.Count} operations: the enumeration is broken");
        var missingId = operations.Where(o => string.IsNullOrWhiteSpace(o.Id)).Select(o => o.Name).ToList();
        Assert.True(missingId.Count == 0, "No operationId: " + string.Join(", ", missingId));
        var duplicates = operations.GroupBy(o => o.Id).Where(g => g.Count() > 1).Select(g => $"{g.Key} ({string.Join(", ", g.Select(o => o.Name))})").ToList();
        Assert.True(duplicates.Count == 0, "Duplicate operationIds: " + string.Join("; ", duplicates));
        var noSummary = operations.Where(o => !o.Operation.TryGetProperty("summary", out var s) || string.IsNullOrWhiteSpace(s.GetString())).Select(o => o.Name).ToList();
        Assert.True(noSummary.Count == 0, "No summary: " + string.Join(", ", noSummary));
    }

    [Fact]
    public async Task Every_operation_documents_a_4xx_answer_as_problem_details()
    {
        var operations = Operations(await Document());
        var without = operations.Where(o => !Responses(o.Operation).Any(r => r.StartsWith('4'))).Select(o => o.Name).ToList();
        Assert.True(without.Count == 0, "No 4xx response: " + string.Join(", ", without));
        var getHall = operations.Single(o => o.Id == "GetHall").Operation.GetProperty("responses");
        Assert.Equal(
            "#/components/schemas/" + OpenApiConventions.ProblemSchema,
            getHall.GetProperty("404").GetProperty("content").GetProperty("application/problem+json").GetProperty("schema").GetProperty("$ref").GetString());
    }

    [Fact]
    public async Task Operations_that_need_a_token_declare_the_bearer_scheme_and_anonymous_ones_say_so()
    {
        var doc = await Document();
        var scheme = doc.GetProperty("components").GetProperty("securitySchemes").GetProperty(OpenApiConventions.BearerScheme);
        Assert.Equal("http", scheme.GetProperty("type").GetString());
        Assert.Equal("bearer", scheme.GetProperty("scheme").GetString());

        var anonymous = AnonymousRoutes();
        var failures = new List<string>();
        var checkedAnonymous = 0;
        foreach (var o in Operations(doc))
        {
            if (!o.Operation.TryGetProperty("security", out var security) || security.GetArrayLength() == 0)
            {
                failures.Add($"{o.Name}: no security declared");
                continue;
            }

            var bearer = security.EnumerateArray().Any(r => r.TryGetProperty(OpenApiConventions.BearerScheme, out _));
            var isAnonymous = anonymous.Contains((o.Method, o.Path));
            checkedAnonymous += isAnonymous ? 1 : 0;
            if (bearer == isAnonymous)
            {
                failures.Add($"{o.Name}: {(isAnonymous ? "anonymous but requires the bearer token" : "needs a token but does not declare the bearer scheme")}");
            }
        }

        Assert.True(failures.Count == 0, string.Join("; ", failures));
        Assert.True(checkedAnonymous >= 10, $"only {checkedAnonymous} anonymous operations matched: the route matching is broken");
    }

    [Fact]
    public async Task Every_reference_resolves_and_every_path_parameter_is_declared()
    {
        var doc = await Document();
        var unresolved = References(doc).Distinct().Where(r => !Resolves(doc, r)).ToList();
        Assert.True(unresolved.Count == 0, "Unresolved $ref: " + string.Join(", ", unresolved));

        var failures = new List<string>();
        foreach (var path in doc.GetProperty("paths").EnumerateObject())
        {
            if (path.Name.Length > 1 && path.Name.EndsWith('/'))
            {
                failures.Add($"{path.Name}: trailing slash");
            }

            var shared = Parameters(path.Value);
            foreach (var verb in Verbs.Where(v => path.Value.TryGetProperty(v, out _)))
            {
                var declared = shared.Concat(Parameters(path.Value.GetProperty(verb))).ToHashSet();
                foreach (Match m in PathParameter().Matches(path.Name))
                {
                    if (!declared.Contains(m.Groups[1].Value))
                    {
                        failures.Add($"{verb.ToUpperInvariant()} {path.Name}: path parameter {m.Groups[1].Value} not declared");
                    }
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join("; ", failures));
    }

    private async Task<JsonElement> Document() => JsonDocument.Parse(await app.Http.GetStringAsync("/openapi/v1.json")).RootElement;

    private sealed record Op(string Method, string Path, JsonElement Operation)
    {
        public string Name => $"{Method} {Path}";

        public string? Id => Operation.TryGetProperty("operationId", out var id) ? id.GetString() : null;
    }

    private static List<Op> Operations(JsonElement doc) =>
    [
        .. doc.GetProperty("paths").EnumerateObject().SelectMany(p => Verbs
            .Where(v => p.Value.TryGetProperty(v, out _))
            .Select(v => new Op(v.ToUpperInvariant(), p.Name, p.Value.GetProperty(v)))),
    ];

    private static IEnumerable<string> Responses(JsonElement operation) =>
        operation.TryGetProperty("responses", out var r) ? r.EnumerateObject().Select(p => p.Name) : [];

    private static IEnumerable<string> Parameters(JsonElement holder) =>
        holder.TryGetProperty("parameters", out var ps)
            ? ps.EnumerateArray().Where(p => p.TryGetProperty("in", out var at) && at.GetString() == "path").Select(p => p.GetProperty("name").GetString()!)
            : [];

    /// <summary>The (method, document path) of every mapped endpoint that AllowAnonymous lifts the fallback policy from.</summary>
    private HashSet<(string, string)> AnonymousRoutes()
    {
        var set = new HashSet<(string, string)>();
        foreach (var endpoint in app.App.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            if (endpoint.Metadata.GetMetadata<IAllowAnonymous>() is null || endpoint.Metadata.GetMetadata<IHttpMethodMetadata>() is not { } methods)
            {
                continue;
            }

            var path = "/" + Constraint().Replace(endpoint.RoutePattern.RawText!.Trim('/'), "{$1}");
            foreach (var method in methods.HttpMethods)
            {
                set.Add((method, path));
            }
        }

        return set;
    }

    private static IEnumerable<string> References(JsonElement e)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var p in e.EnumerateObject())
                {
                    if (p.Name == "$ref" && p.Value.ValueKind == JsonValueKind.String)
                    {
                        yield return p.Value.GetString()!;
                    }
                    else
                    {
                        foreach (var r in References(p.Value))
                        {
                            yield return r;
                        }
                    }
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in e.EnumerateArray())
                {
                    foreach (var r in References(item))
                    {
                        yield return r;
                    }
                }

                break;
        }
    }

    private static bool Resolves(JsonElement doc, string reference)
    {
        if (!reference.StartsWith("#/", StringComparison.Ordinal))
        {
            return false; // the document is self-contained: no external references
        }

        var node = doc;
        foreach (var token in reference[2..].Split('/').Select(t => Uri.UnescapeDataString(t).Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)))
        {
            if (node.ValueKind != JsonValueKind.Object || !node.TryGetProperty(token, out node))
            {
                return false;
            }
        }

        return true;
    }

    [GeneratedRegex(@"\{([^}:?=*]+)[^}]*\}")]
    private static partial Regex PathParameter();

    [GeneratedRegex(@"\{\**([^}:?=]+)[^}]*\}")]
    private static partial Regex Constraint();
}
