using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TongBan.Api.Tests.Support;

namespace TongBan.Api.Tests.Embedded;

[Collection(EmbeddedCollection.Name)]
[Trait("Category", "Integration")]
public class AuthTests(EmbeddedApp app)
{
    private const string Hall = "520111-H001"; // 花溪区政务服务中心: this class owns its status

    [Theory]
    [InlineData("citizen")]
    [InlineData("clerk")]
    [InlineData("approver")]
    [InlineData("hallManager")]
    [InlineData("hotlineAgent")]
    [InlineData("supervisor")]
    [InlineData("admin")]
    public async Task Dev_token_endpoint_issues_a_token_for_every_role(string role)
    {
        var token = await app.TokenAsync(role, hallCode: "520102-H001", regionCode: "520100", departmentCode: "gongan", subject: "52010219900307001X");
        Assert.Equal(3, token.Split('.').Length);
    }

    [Theory]
    [InlineData("{\"role\":\"emperor\"}")]
    [InlineData("{}")]
    [InlineData("{\"role\":\"clerk\"}")]
    [InlineData("{\"role\":\"clerk\",\"hallCode\":\"520102-H999\"}")]
    [InlineData("{\"role\":\"clerk\",\"hallCode\":\"520102-H001\",\"windowNo\":99}")]
    [InlineData("{\"role\":\"approver\",\"departmentCode\":\"gongan\"}")]
    [InlineData("{\"role\":\"supervisor\",\"regionCode\":\"999999\"}")]
    [InlineData("{\"role\":")]
    public async Task Dev_token_rejects_bad_requests(string json)
    {
        var response = await app.Http.PostAsync("/api/dev/token", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        await ProblemAssert.IsProblem(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Changing_hall_status_needs_a_token()
    {
        var response = await app.Http.SendAsync(app.Request(HttpMethod.Put, $"/api/halls/{Hall}/status", body: new { suspended = true }));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Tampered_token_is_rejected()
    {
        var token = await app.TokenAsync("admin");
        var parts = token.Split('.');
        var forged = parts[0] + "." + parts[1] + "." + (parts[2][0] == 'A' ? "B" : "A") + parts[2][1..];
        var response = await app.Http.SendAsync(app.Request(HttpMethod.Put, $"/api/halls/{Hall}/status", forged, new { suspended = true }));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Citizen_may_not_change_hall_status()
    {
        var token = await app.TokenAsync("citizen");
        var response = await app.Http.SendAsync(app.Request(HttpMethod.Put, $"/api/halls/{Hall}/status", token, new { suspended = true }));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task Hall_manager_acts_on_own_hall_only()
    {
        var other = await app.TokenAsync("hallManager", hallCode: "520102-H001");
        var denied = await app.Http.SendAsync(app.Request(HttpMethod.Put, $"/api/halls/{Hall}/status", other, new { suspended = true, reason = "x" }));
        await ProblemAssert.IsProblem(denied, HttpStatusCode.Forbidden);

        var own = await app.TokenAsync("hallManager", hallCode: Hall);
        var ok = await app.Http.SendAsync(app.Request(HttpMethod.Put, $"/api/halls/{Hall}/status", own, new { suspended = true, reason = "线路检修" }));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var profile = await app.Http.GetFromJsonAsync<JsonElement>($"/api/halls/{Hall}");
        Assert.True(profile.GetProperty("status").GetProperty("suspended").GetBoolean());
        Assert.Equal("线路检修", profile.GetProperty("status").GetProperty("reason").GetString());

        var resumed = await app.Http.SendAsync(app.Request(HttpMethod.Put, $"/api/halls/{Hall}/status", own, new { suspended = false }));
        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
    }

    [Fact]
    public async Task Supervisor_acts_within_region_only()
    {
        var zunyi = await app.TokenAsync("supervisor", regionCode: "520300");
        var denied = await app.Http.SendAsync(app.Request(HttpMethod.Put, $"/api/halls/{Hall}/status", zunyi, new { suspended = false }));
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        var guiyang = await app.TokenAsync("supervisor", regionCode: "520100");
        var ok = await app.Http.SendAsync(app.Request(HttpMethod.Put, $"/api/halls/{Hall}/status", guiyang, new { suspended = false }));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    [Fact]
    public async Task Over_long_reason_is_a_400()
    {
        var token = await app.TokenAsync("admin");
        var response = await app.Http.SendAsync(app.Request(HttpMethod.Put, $"/api/halls/{Hall}/status", token, new { suspended = true, reason = new string('长', 201) }));
        await ProblemAssert.IsProblem(response, HttpStatusCode.BadRequest);
    }
}
