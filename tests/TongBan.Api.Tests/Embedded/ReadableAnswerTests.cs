using System.Net;
using System.Text.Json;
using TongBan.Api.Tests.Authorisation;
using TongBan.Api.Tests.Support;

namespace TongBan.Api.Tests.Embedded;

/// <summary>One JSON shape and errors people can read: zh-CN problem titles and details, UTF-8 text, +08:00 timestamps.</summary>
[Collection(EmbeddedCollection.Name)]
[Trait("Category", "Integration")]
public class ReadableAnswerTests(EmbeddedApp app)
{
    private const string Hall = "520102-H001";

    [Fact]
    public async Task A_role_refusal_of_the_authorization_middleware_names_the_roles_in_Chinese_and_English()
    {
        var citizen = await app.TokenAsync("citizen");
        var response = await app.Http.SendAsync(app.Request(HttpMethod.Put, $"/api/halls/{Hall}/status", citizen, new { suspended = true }));
        var problem = await ProblemAssert.IsProblem(response, HttpStatusCode.Forbidden);
        Assert.Equal("无权操作 Forbidden", problem.GetProperty("title").GetString());
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains("大厅负责人", detail, StringComparison.Ordinal);
        Assert.Contains("hallManager", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_token_is_a_readable_401_that_still_challenges()
    {
        var response = await app.Http.SendAsync(app.Request(HttpMethod.Put, $"/api/halls/{Hall}/status", body: new { suspended = true }));
        var problem = await ProblemAssert.IsProblem(response, HttpStatusCode.Unauthorized);
        Assert.Equal("未登录 Unauthorized", problem.GetProperty("title").GetString());
        Assert.Contains("请先登录", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
    }

    [Fact]
    public async Task An_unknown_route_has_a_Chinese_title_and_detail()
    {
        var problem = await ProblemAssert.IsProblem(await app.Http.GetAsync("/api/nothing-here"), HttpStatusCode.NotFound);
        Assert.Equal("未找到 Not found", problem.GetProperty("title").GetString());
        Assert.Contains("不存在", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/map/points?bbox=106.6,26.5,106.8,26.7")]
    [InlineData("/api/map/boundaries?level=county")]
    public async Task Map_GeoJSON_sends_Chinese_as_UTF8_not_escapes(string path)
    {
        var text = await app.Http.GetStringAsync(path);
        Assert.DoesNotContain("\\u", text, StringComparison.Ordinal);
        Assert.Matches("[\u4e00-\u9fff]", text);
    }

    [Fact]
    public async Task A_grant_answers_its_times_in_Beijing_time()
    {
        var flow = new GrantFlow(app.Http);
        var manager = await flow.Token("hallManager", hallCode: "520327-H001", subject: "manager-fenggang");
        var grant = await flow.Grant(manager, "g-readable-times-1", "520327-H001", "520328-H001", ["receiveAccept"]);
        foreach (var field in new[] { "validFrom", "validUntil" })
        {
            var raw = grant.GetProperty(field).GetString()!;
            Assert.EndsWith("+08:00", raw, StringComparison.Ordinal);
        }

        Assert.Equal(JsonValueKind.String, grant.GetProperty("validFrom").ValueKind);
    }
}
