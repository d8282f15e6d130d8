using System.Net;
using System.Reflection;
using System.Text;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using TongBan.Api.Hubs;
using TongBan.Api.Security;
using TongBan.Api.Tests.Support;
using Xunit.Abstractions;

namespace TongBan.Api.Tests.Security;

/// <summary>
/// Deny by default, checked from the outside: every mapped endpoint and hub method declares who may call it, the
/// declared role × endpoint matrix is the one reviewed in docs/SECURITY-MATRIX.md, and real requests with a token of
/// every role outside an endpoint's set are refused (401 without a token, 403 with the wrong role).
/// </summary>
[Collection(EmbeddedCollection.Name)]
[Trait("Category", "Integration")]
public sealed class EndpointPolicyMatrixTests(EmbeddedApp app, ITestOutputHelper output)
{
    private const string MatrixFile = "docs/SECURITY-MATRIX.md";

    [Fact]
    public async Task Every_endpoint_and_hub_method_declares_its_access()
    {
        var rows = await MatrixRows();
        var undeclared = rows.Where(r => r.Access == Undeclared).Select(r => $"{r.Method} {r.Route}").ToList();
        Assert.True(undeclared.Count == 0, "No explicit policy or AllowAnonymous on: " + string.Join(", ", undeclared));
        Assert.Contains(rows, r => r.Method == "HUB" && r.Route == "WatchCase" && r.Access == "any signed-in user");
        Assert.True(rows.Count(r => r.Method != "HUB") >= 40, $"only {rows.Count} endpoints found: the enumeration is broken");
    }

    [Fact]
    public async Task The_matrix_matches_the_reviewed_document()
    {
        var actual = Render(await MatrixRows());
        var path = Path.Combine(RepoRoot(), MatrixFile);
        if (Environment.GetEnvironmentVariable("TONGBAN_UPDATE_SECURITY_MATRIX") == "1")
        {
            await File.WriteAllTextAsync(path, actual);
        }

        var expected = File.Exists(path) ? (await File.ReadAllTextAsync(path)).ReplaceLineEndings("\n") : "(missing)";
        if (expected != actual)
        {
            output.WriteLine(actual);
        }

        Assert.True(expected == actual,
            $"{MatrixFile} differs from the mapped endpoints (the actual matrix is in the test output). Review the change, then " +
            "regenerate with TONGBAN_UPDATE_SECURITY_MATRIX=1 dotnet test --filter The_matrix_matches_the_reviewed_document.");
    }

    [Fact]
    public async Task Requests_outside_the_matrix_are_refused()
    {
        var tokens = new Dictionary<string, string>();
        foreach (var role in Roles.All)
        {
            tokens[role] = await app.TokenAsync(role, hallCode: "520102-H001", regionCode: "520102", departmentCode: "rsj", windowNo: 1);
        }

        var checkedRequests = 0;
        var failures = new List<string>();
        foreach (var row in (await MatrixRows()).Where(r => r.Method != "HUB" && r.Access != "anonymous"))
        {
            var path = SamplePath(row.Route);
            using (var anonymous = await app.Http.SendAsync(new HttpRequestMessage(new HttpMethod(row.Method), path) { Content = Body(row.Method) }))
            {
                checkedRequests++;
                if (anonymous.StatusCode != HttpStatusCode.Unauthorized)
                {
                    failures.Add($"{row.Method} {path} without a token: {(int)anonymous.StatusCode}, expected 401");
                }
            }

            foreach (var role in Roles.All.Where(r => !row.Roles.Contains(r)))
            {
                using var response = await app.Http.SendAsync(app.Request(new HttpMethod(row.Method), path, tokens[role]).WithBody(Body(row.Method)));
                checkedRequests++;
                if (response.StatusCode != HttpStatusCode.Forbidden)
                {
                    failures.Add($"{row.Method} {path} as {role}: {(int)response.StatusCode}, expected 403");
                }
            }
        }

        output.WriteLine($"{checkedRequests} refused requests checked");
        Assert.True(checkedRequests > 100, $"only {checkedRequests} requests checked");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    private const string Undeclared = "UNDECLARED";

    private sealed record Row(string Method, string Route, string Access, IReadOnlySet<string> Roles);

    private async Task<List<Row>> MatrixRows()
    {
        var services = app.App.Services;
        var policies = services.GetRequiredService<IAuthorizationPolicyProvider>();
        var rows = new List<Row>();
        foreach (var endpoint in services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["ANY"];
            var route = "/" + endpoint.RoutePattern.RawText!.TrimStart('/');
            foreach (var method in methods)
            {
                rows.Add(await Describe(method, route, endpoint.Metadata, policies));
            }
        }

        // Client-callable hub methods: public ones the hub declares itself (not overrides such as OnDisconnectedAsync).
        foreach (var method in typeof(LiveHub).GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
                     .Where(m => m.GetBaseDefinition().DeclaringType == typeof(LiveHub) && !m.IsSpecialName))
        {
            var data = method.GetCustomAttributes<AuthorizeAttribute>().Cast<IAuthorizeData>().ToList();
            var metadata = new EndpointMetadataCollection([.. data, .. method.GetCustomAttributes<AllowAnonymousAttribute>()]);
            rows.Add(await Describe("HUB", method.Name, metadata, policies));
        }

        return [.. rows.DistinctBy(r => (r.Method, r.Route)).OrderBy(r => r.Route, StringComparer.Ordinal).ThenBy(r => r.Method, StringComparer.Ordinal)];
    }

    private static async Task<Row> Describe(string method, string route, EndpointMetadataCollection metadata, IAuthorizationPolicyProvider provider)
    {
        var all = Roles.All.ToHashSet();
        if (metadata.GetMetadata<IAllowAnonymous>() is not null)
        {
            return new Row(method, route, "anonymous", all);
        }

        var data = metadata.GetOrderedMetadata<IAuthorizeData>();
        var inline = metadata.GetOrderedMetadata<AuthorizationPolicy>();
        if (data.Count == 0 && inline.Count == 0)
        {
            return new Row(method, route, Undeclared, all);
        }

        var policy = await AuthorizationPolicy.CombineAsync(provider, data, inline);
        var roles = all;
        foreach (var requirement in policy!.Requirements.OfType<RolesAuthorizationRequirement>())
        {
            roles = [.. roles.Intersect(requirement.AllowedRoles)];
        }

        var access = roles.Count == all.Count ? "any signed-in user" : string.Join(", ", Roles.All.Where(roles.Contains));
        return new Row(method, route, access, roles);
    }

    private static string Render(IEnumerable<Row> rows)
    {
        var text = new StringBuilder();
        text.Append("# Endpoint × role matrix\n\n");
        text.Append("Generated from the running app by `tests/TongBan.Api.Tests/Security/EndpointPolicyMatrixTests.cs`; the test fails when the\n");
        text.Append("mapped endpoints or their policies differ from this file. Roles: ").Append(string.Join(", ", Roles.All)).Append(".\n");
        text.Append("\"any signed-in user\" endpoints check the resource themselves (a citizen's own case, a hall manager's own hall).\n");
        text.Append("HUB rows are methods of the live hub (`/hubs/live`).\n\n");
        text.Append("| method | route | who may call |\n| --- | --- | --- |\n");
        foreach (var row in rows)
        {
            text.Append("| ").Append(row.Method).Append(" | `").Append(row.Route).Append("` | ").Append(row.Access).Append(" |\n");
        }

        return text.ToString();
    }

    private static string SamplePath(string route)
    {
        var path = new StringBuilder();
        foreach (var segment in route.Split('/'))
        {
            if (path.Length > 0 || segment.Length > 0)
            {
                path.Append('/');
            }

            path.Append(segment.StartsWith('{') ? (NumericParameter(segment) ? "1" : "x") : segment);
        }

        return path.ToString();
    }

    /// <summary>A route parameter constrained to a number must get one, or routing answers 404 before authorisation runs.</summary>
    private static bool NumericParameter(string segment) =>
        segment.Contains(":int", StringComparison.Ordinal) || segment.Contains(":long", StringComparison.Ordinal);

    private static HttpContent? Body(string method) =>
        method is "POST" or "PUT" or "PATCH" ? new StringContent("{}", Encoding.UTF8, "application/json") : null;

    internal static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "TongBan.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("TongBan.sln not found above " + AppContext.BaseDirectory);
    }
}

internal static class RequestExtensions
{
    public static HttpRequestMessage WithBody(this HttpRequestMessage request, HttpContent? content)
    {
        request.Content = content;
        return request;
    }
}
