using System.Net;
using System.Text.Json;

namespace TongBan.Api.Tests.Support;

public static class ProblemAssert
{
    /// <summary>Asserts an RFC 7807 body with the given status; returns the parsed document.</summary>
    public static async Task<JsonElement> IsProblem(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var doc = JsonDocument.Parse(text).RootElement;
        Assert.Equal((int)status, doc.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(doc.GetProperty("title").GetString()));
        Assert.True(doc.TryGetProperty("type", out _));
        return doc;
    }
}
