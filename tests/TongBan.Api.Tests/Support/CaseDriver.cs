using System.Text.Json;
using TongBan.Grains.Catalogue;
using TongBan.Grains.Identity;

namespace TongBan.Api.Tests.Support;

/// <summary>Drives cases over HTTP for the tests of the areas built on cases (hotline, credit, licences, seals).</summary>
public sealed class CaseDriver(EmbeddedApp app)
{
    public static readonly ServiceCatalogue Catalogue = ServiceCatalogue.Seeded();

    /// <summary>A province-wide, county-level item (handled by the county department of the applicant).</summary>
    public static readonly ServiceItem Item = Catalogue.Items.First(i => i.ProvinceWide && i.Level == HandlingLevel.County && i.Materials.Count >= 2);

    public EmbeddedApp App => app;

    public static string Id(string first17) => first17 + ResidentId.CheckCharacter(first17);

    public static object[] Materials(ServiceItem item, bool verified, params string[] except) => [.. item.Materials.Where(m => !except.Contains(m.Id)).Select(m => new
    {
        materialId = m.Id,
        copies = m.Copies,
        originalVerified = verified && m.OriginalRequired,
    })];

    public async Task<HttpResponseMessage> Send(HttpMethod method, string path, string? token, object? body = null, string? key = null)
    {
        using var request = app.Request(method, path, token, body);
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        return await app.Http.SendAsync(request);
    }

    public static async Task<JsonElement> Ok(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public async Task<JsonElement> Move(string caseNo, string token, int version, string action, object? extra = null)
    {
        var body = new Dictionary<string, object?> { ["action"] = action, ["expectedVersion"] = version };
        foreach (var p in extra?.GetType().GetProperties() ?? [])
        {
            body[p.Name] = p.GetValue(extra);
        }

        return await Ok(await Send(HttpMethod.Post, $"/api/cases/{caseNo}/transitions", token, body));
    }

    /// <summary>An online application by the citizen themself; returns the case number.</summary>
    public async Task<string> ApplyOnline(string idNumber, string name, string phone, ServiceItem? item = null, object[]? materials = null)
    {
        item ??= Item;
        var citizen = await app.TokenAsync("citizen", subject: idNumber);
        var created = await Ok(await Send(HttpMethod.Post, "/api/cases", citizen, new
        {
            itemCode = item.Code,
            applicant = new { name, idNumber, phone },
            channel = "online",
            materials = materials ?? Materials(item, verified: false),
        }));
        return created.GetProperty("caseNo").GetString()!;
    }
}
