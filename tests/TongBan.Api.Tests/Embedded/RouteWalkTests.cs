using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using TongBan.Api.Security;
using TongBan.Api.Tests.Support;
using Xunit.Abstractions;

namespace TongBan.Api.Tests.Embedded;

/// <summary>An app of its own: the walk sends thousands of bad requests (rate limits fill, admins' commands run) that the shared app's tests must not meet.</summary>
public sealed class RouteWalkApp : EmbeddedApp;

/// <summary>
/// Readable errors on every route: every operation of the OpenAPI document is called with bad input (malformed and
/// plausible-but-unknown path values, malformed query values, missing, empty, broken and mistyped JSON bodies, a
/// text body) by no one and by every role. No answer may be a server error, and every 4xx must be ProblemDetails
/// with a zh-CN title.
/// </summary>
[Trait("Category", "Integration")]
public partial class RouteWalkTests(RouteWalkApp app, ITestOutputHelper output) : IClassFixture<RouteWalkApp>
{
    /// <summary>Path values that look right but name nothing (or something real), by parameter name; others get "x".</summary>
    private static readonly Dictionary<string, string> Plausible = new(StringComparer.Ordinal)
    {
        ["hallCode"] = "520102-H001",
        ["windowNo"] = "1",
        ["caseNo"] = "GZ5201022612060999999",
        ["category"] = "A",
        ["ticketNo"] = "A001",
        ["code"] = "520102",
        ["departmentCode"] = "rsj",
        ["regionCode"] = "520102",
        ["bundleNo"] = "GB5201022612060999999",
        ["partnerCode"] = "demo",
        ["transferId"] = "GZX-NONE",
        ["ratingId"] = "R-NONE",
        ["id"] = "none",
        ["date"] = "2030-02-30",
        ["number"] = "1",
        ["itemCode"] = "rsj-001",
    };

    private static readonly string[] MalformedPathValues = ["x", "-1", new string('9', 40), "%E4%B8%AD%20"];

    /// <summary>Bodies for POST/PUT/PATCH: none, empty, broken, wrong shape, empty object, wrong types, not JSON.</summary>
    private static readonly (string? MediaType, string? Text)[] Bodies =
    [
        (null, null),
        ("application/json", string.Empty),
        ("application/json", "{"),
        ("application/json", "[]"),
        ("application/json", "{}"),
        ("application/json", """{"number":"x","status":5,"action":[],"materials":{},"at":"tomorrow","lat":"north","applicant":7}"""),
        ("text/plain", "hi"),
    ];

    [Fact]
    public async Task Every_route_answers_bad_input_with_a_readable_problem_and_never_a_server_error()
    {
        using var document = JsonDocument.Parse(await app.Http.GetStringAsync("/openapi/v1.json"));
        var operations = new List<(string Method, string Route, IReadOnlyList<string> Query)>();
        foreach (var path in document.RootElement.GetProperty("paths").EnumerateObject())
        {
            foreach (var op in path.Value.EnumerateObject().Where(o => o.Name is "get" or "post" or "put" or "patch" or "delete"))
            {
                var query = op.Value.TryGetProperty("parameters", out var parameters)
                    ? parameters.EnumerateArray().Where(p => p.GetProperty("in").GetString() == "query").Select(p => p.GetProperty("name").GetString()!).ToList()
                    : [];
                operations.Add((op.Name.ToUpperInvariant(), path.Name, query));
            }
        }

        Assert.True(operations.Count >= 100, $"only {operations.Count} operations in the OpenAPI document");

        var tokens = new Dictionary<string, string?> { ["anonymous"] = null };
        foreach (var role in Roles.All)
        {
            tokens[role] = await app.TokenAsync(role, hallCode: "520102-H001", regionCode: "520102", departmentCode: "rsj", windowNo: 1,
                subject: role == Roles.Citizen ? CaseDriver.Id("52010219900303001") : null);
        }

        var requests = new List<(string Method, string Path, string Who, (string? MediaType, string? Text) Body, string Route)>();
        foreach (var (method, route, query) in operations)
        {
            var paths = MalformedPathValues.Select(v => Placeholder().Replace(route, v))
                .Append(Placeholder().Replace(route, m => Plausible.GetValueOrDefault(m.Groups[1].Value, "x")))
                .Distinct();
            foreach (var path in paths)
            {
                var withQuery = query.Count == 0 ? [path] : new[] { path, path + "?" + string.Join("&", query.Select(q => q + "=x%21")) };
                foreach (var target in withQuery)
                {
                    foreach (var who in tokens.Keys)
                    {
                        foreach (var body in method is "POST" or "PUT" or "PATCH" ? Bodies : [(null, null)])
                        {
                            requests.Add((method, target, who, body, route));
                        }
                    }
                }
            }
        }

        var failures = new ConcurrentDictionary<string, string>();
        var statuses = new ConcurrentDictionary<int, int>();
        await Parallel.ForEachAsync(requests, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (r, cancellation) =>
        {
            using var request = new HttpRequestMessage(new HttpMethod(r.Method), r.Path);
            if (tokens[r.Who] is { } token)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }

            if (r.Body.MediaType is { } mediaType)
            {
                request.Content = new StringContent(r.Body.Text ?? string.Empty, Encoding.UTF8, mediaType);
            }

            var key = $"{r.Method} {r.Route} as {r.Who}";
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
                timeout.CancelAfter(TimeSpan.FromSeconds(20));
                using var response = await app.Http.SendAsync(request, timeout.Token);
                var status = (int)response.StatusCode;
                statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
                var text = await response.Content.ReadAsStringAsync(timeout.Token);
                var problem = Check(response, status, text);
                if (problem is not null)
                {
                    failures.TryAdd($"{key}: {problem}", $"{r.Method} {r.Path} body {r.Body.Text ?? "(none)"} → {status} {text[..Math.Min(text.Length, 300)]}");
                }
            }
            catch (OperationCanceledException)
            {
                failures.TryAdd($"{key}: no answer in 20 s", $"{r.Method} {r.Path}");
            }
        });

        output.WriteLine($"{requests.Count} requests over {operations.Count} operations: " +
            string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key} × {s.Value}")));
        Assert.True(statuses.Where(s => s.Key is >= 400 and < 500).Sum(s => s.Value) > 1000, "the walk met too few refusals to say anything");
        Assert.True(failures.IsEmpty, string.Join("\n", failures.OrderBy(f => f.Key).Select(f => f.Key + "\n    " + f.Value)));
    }

    /// <summary>Null when the answer is acceptable: not a server error, and a 4xx is ProblemDetails with a zh-CN title.</summary>
    private static string? Check(HttpResponseMessage response, int status, string text)
    {
        if (status >= 500)
        {
            return $"server error {status}";
        }

        if (status < 400)
        {
            return null;
        }

        if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
        {
            return $"{status} is not ProblemDetails ({response.Content.Headers.ContentType?.MediaType ?? "no body"})";
        }

        try
        {
            var root = JsonDocument.Parse(text).RootElement;
            var title = root.TryGetProperty("title", out var t) ? t.GetString() : null;
            if (title is null || !title.Any(c => c is >= '\u4e00' and <= '\u9fff'))
            {
                return $"{status} title without Chinese: {title ?? "(none)"}";
            }

            return root.TryGetProperty("status", out var s) && s.GetInt32() == status ? null : $"{status} with a different status in the body";
        }
        catch (JsonException)
        {
            return $"{status} body is not JSON";
        }
    }

    [GeneratedRegex(@"\{([^}:?]+)[^}]*\}")]
    private static partial Regex Placeholder();
}
