using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using TongBan.Api.Tests.Support;
using TongBan.Grains.Catalogue;
using TongBan.Grains.Identity;

namespace TongBan.Api.Tests.Authorisation;

/// <summary>HTTP steps of the 授权信任 tests against one silo's endpoint (an embedded app, or one silo of a cluster).</summary>
internal sealed class GrantFlow(HttpClient http)
{
    /// <summary>A province-wide, county-level item: its cases belong to the applicant's county department.</summary>
    public static readonly ServiceItem Item = ServiceCatalogue.Seeded().Items.First(i => i.ProvinceWide && i.Level == HandlingLevel.County && i.Materials.Count >= 2);

    public HttpClient Http => http;

    public async Task<string> Token(string role, string? hallCode = null, string? subject = null, string? departmentCode = null, string? regionCode = null)
    {
        var response = await http.PostAsJsonAsync("/api/dev/token", new { role, subject, hallCode, departmentCode, regionCode });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
    }

    public async Task<HttpResponseMessage> Send(HttpMethod method, string path, string token, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return await http.SendAsync(request);
    }

    public static async Task<JsonElement> Ok(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>A window case submitted and received at <paramref name="hall"/> for an applicant of <paramref name="county"/>; at version 2 (received).</summary>
    public async Task<string> ReceivedCase(string hall, string county, string idFirst17)
    {
        var clerk = await Token("clerk", hallCode: hall, subject: $"clerk-{hall}");
        var idNumber = idFirst17 + ResidentId.CheckCharacter(idFirst17);
        var materials = Item.Materials.Select(m => new { materialId = m.Id, copies = m.Copies, originalVerified = m.OriginalRequired }).ToArray();
        var created = await Ok(await Send(HttpMethod.Post, "/api/cases", clerk, new
        {
            itemCode = Item.Code,
            applicant = new { name = "王五", idNumber, phone = "13985011111", regionCode = county },
            channel = "window",
            materials,
        }));
        var caseNo = created.GetProperty("caseNo").GetString()!;
        await Ok(await Move(caseNo, clerk, 1, "receive"));
        return caseNo;
    }

    public Task<HttpResponseMessage> Move(string caseNo, string token, int version, string action, object? extra = null)
    {
        var body = new Dictionary<string, object?> { ["action"] = action, ["expectedVersion"] = version };
        foreach (var p in extra?.GetType().GetProperties() ?? [])
        {
            body[p.Name] = p.GetValue(extra);
        }

        return Send(HttpMethod.Post, $"/api/cases/{caseNo}/transitions", token, body);
    }

    public async Task<JsonElement> Grant(string managerToken, string id, string grantorHall, string granteeHall, string[] rights, DateTimeOffset? validUntil = null) =>
        await Ok(await Send(HttpMethod.Post, "/api/grants", managerToken, new
        {
            id,
            grantor = new { hallCode = grantorHall },
            grantee = new { hallCode = granteeHall },
            rights,
            validUntil = validUntil ?? DateTimeOffset.UtcNow.AddDays(30),
            reason = "跨市通办协作",
        }));

    public async Task<JsonElement> Revoke(string managerToken, string id) =>
        await Ok(await Send(HttpMethod.Post, $"/api/grants/{id}/revoke", managerToken, new { reason = "协作结束" }));

    /// <summary>Asserts a 403 ProblemDetails whose <c>missingRight</c> names <paramref name="right"/>.</summary>
    public static async Task RefusedFor(HttpResponseMessage response, string right)
    {
        var problem = await ProblemAssert.IsProblem(response, HttpStatusCode.Forbidden);
        Assert.Equal(right, problem.GetProperty("missingRight").GetString());
    }
}
