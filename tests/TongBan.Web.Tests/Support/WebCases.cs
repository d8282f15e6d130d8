using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using TongBan.Grains.Catalogue;
using TongBan.Grains.Identity;

namespace TongBan.Web.Tests.Support;

/// <summary>Cases made through the API for the page tests, the way the API tests make them.</summary>
public sealed class WebCases(WebApp app)
{
    public const string ProvincialHall = "520000-H001";

    /// <summary>A province-wide, county-level item (handled by the county department of the applicant).</summary>
    public static readonly ServiceItem Item = ServiceCatalogue.Seeded().Items.First(i => i.ProvinceWide && i.Level == HandlingLevel.County && i.Materials.Count >= 2);

    public static string Id(string first17) => first17 + ResidentId.CheckCharacter(first17);

    /// <summary>An online case of a 南明区 applicant, received and accepted at the provincial hall and under review (version 4 next).</summary>
    public async Task<string> UnderReviewAsync(string idNumber, string name, string phone)
    {
        var citizen = await app.TokenAsync("citizen", subject: idNumber);
        var created = await SendAsync(HttpMethod.Post, "/api/cases", citizen, new
        {
            itemCode = Item.Code,
            applicant = new { name, idNumber, phone },
            channel = "online",
            materials = Item.Materials.Select(m => new { materialId = m.Id, copies = m.Copies, originalVerified = false }).ToArray(),
        });
        var caseNo = created.GetProperty("caseNo").GetString()!;
        var clerk = await app.TokenAsync("clerk", ProvincialHall, subject: "clerk-prov-web");
        await MoveAsync(caseNo, clerk, 1, "receive", new
        {
            materials = Item.Materials.Select(m => new { materialId = m.Id, copies = m.Copies, originalVerified = m.OriginalRequired }).ToArray(),
        });
        await MoveAsync(caseNo, clerk, 2, "accept");
        await MoveAsync(caseNo, await ApproverAsync(), 3, "startReview");
        return caseNo;
    }

    public Task<string> ApproverAsync() => app.TokenAsync("approver", subject: "approver-nm-web", departmentCode: Item.DepartmentCode, regionCode: "520102");

    public async Task<JsonElement> MoveAsync(string caseNo, string token, int version, string action, object? extra = null)
    {
        var body = new Dictionary<string, object?> { ["action"] = action, ["expectedVersion"] = version };
        foreach (var p in extra?.GetType().GetProperties() ?? [])
        {
            body[p.Name] = p.GetValue(extra);
        }

        return await SendAsync(HttpMethod.Post, $"/api/cases/{caseNo}/transitions", token, body);
    }

    public async Task<JsonElement> SendAsync(HttpMethod method, string path, string token, object? body = null)
    {
        using var response = await RawAsync(method, path, token, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{method} {path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public async Task<HttpResponseMessage> RawAsync(HttpMethod method, string path, string token, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return await app.Http.SendAsync(request);
    }
}
