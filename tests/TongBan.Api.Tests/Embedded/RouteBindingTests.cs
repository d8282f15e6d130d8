using System.Net;
using TongBan.Api.Tests.Support;

namespace TongBan.Api.Tests.Embedded;

/// <summary>
/// The shared route helpers answer before any handler: <c>HallRoute</c> (a malformed hall code 400, an unknown one 404)
/// and <c>IdempotencyKey</c> (1–64 characters, else 400 naming the header), the same on every route that uses them.
/// </summary>
[Collection(EmbeddedCollection.Name)]
[Trait("Category", "Integration")]
public sealed class RouteBindingTests(EmbeddedApp app)
{
    [Theory]
    [InlineData("/api/halls/520102-H001/tickets")]
    [InlineData("/api/halls/520102-H001/windows/1/finish")]
    [InlineData("/api/cases")]
    public async Task An_idempotency_key_of_65_characters_is_refused_400_naming_the_header(string path)
    {
        var token = path.Contains("/windows/", StringComparison.Ordinal) ? await app.TokenAsync("clerk", hallCode: "520102-H001", windowNo: 1)
            : path == "/api/cases" ? await app.TokenAsync("citizen", subject: "520102199001011234")
            : null;
        using var request = app.Request(HttpMethod.Post, path, token, new { category = "A", kind = "walkIn" });
        request.Headers.Add("Idempotency-Key", new string('k', 65));
        using var response = await app.Http.SendAsync(request);
        var problem = await ProblemAssert.IsProblem(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("Idempotency-Key", out _), problem.ToString());
    }

    [Theory]
    [InlineData("/api/halls/520102-X/hours", HttpStatusCode.BadRequest)]
    [InlineData("/api/halls/520102-H999/hours", HttpStatusCode.NotFound)]
    [InlineData("/api/halls/520102-H999/tickets/A001", HttpStatusCode.NotFound)]
    [InlineData("/api/map/points/520102-H999", HttpStatusCode.NotFound)]
    public async Task A_hall_code_in_the_route_is_checked_before_the_handler(string path, HttpStatusCode expected)
    {
        using var response = await app.Http.GetAsync(path);
        await ProblemAssert.IsProblem(response, expected);
    }
}
