using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using TongBan.Api.Tests.Support;

namespace TongBan.Api.Tests.Security;

/// <summary>The app with small limits and one partner origin, so the limits can be reached in a test.</summary>
public sealed class LimitedApp : EmbeddedApp
{
    public const string PartnerOrigin = "https://partner.example.gov.cn";

    protected override IEnumerable<string> ExtraArgs =>
    [
        "--TongBan:Security:RateLimits:nearest:PermitLimit", "3",
        "--TongBan:Security:RateLimits:nearest:WindowSeconds", "60",
        "--TongBan:Security:RateLimits:ticketTaking:PermitLimit", "2",
        "--TongBan:Security:MaxRequestBodyBytes", "4096",
        "--TongBan:Security:MaxHubMessageBytes", "2048",
        "--TongBan:Security:AllowedOrigins:0", PartnerOrigin,
    ];
}

[Trait("Category", "Integration")]
public sealed class AbuseLimitTests(LimitedApp app) : IClassFixture<LimitedApp>
{
    private const string Nearest = "/api/map/nearest?lat=26.58&lon=106.71";

    [Fact]
    public async Task Nearest_search_is_limited_per_client_with_retry_after()
    {
        for (var i = 0; i < 3; i++)
        {
            using var ok = await app.Http.GetAsync(Nearest);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        using var refused = await app.Http.GetAsync(Nearest);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        var seconds = refused.Headers.RetryAfter?.Delta?.TotalSeconds;
        Assert.True(seconds is >= 1 and <= 60, $"Retry-After: {refused.Headers.RetryAfter}");
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(429, problem.GetProperty("status").GetInt32());

        // A signed-in account has its own allowance: the anonymous address being limited does not block it.
        var citizen = await app.TokenAsync("citizen", subject: "520102199001011234");
        using var asCitizen = await app.Http.SendAsync(app.Request(HttpMethod.Get, Nearest, citizen));
        Assert.Equal(HttpStatusCode.OK, asCitizen.StatusCode);
    }

    [Fact]
    public async Task Ticket_taking_is_limited_per_account()
    {
        var citizen = await app.TokenAsync("citizen", subject: "520102198802023456");
        var other = await app.TokenAsync("citizen", subject: "520102197703034567");
        async Task<HttpStatusCode> Take(string token)
        {
            using var response = await app.Http.SendAsync(app.Request(HttpMethod.Post, "/api/halls/520102-H001/tickets", token, new { category = "A", kind = "remote" }));
            return response.StatusCode;
        }

        Assert.NotEqual(HttpStatusCode.TooManyRequests, await Take(citizen));
        Assert.NotEqual(HttpStatusCode.TooManyRequests, await Take(citizen));
        Assert.Equal(HttpStatusCode.TooManyRequests, await Take(citizen));
        Assert.NotEqual(HttpStatusCode.TooManyRequests, await Take(other));
    }

    [Fact]
    public async Task An_oversized_body_is_a_413_problem()
    {
        var admin = await app.TokenAsync("admin");
        var huge = "{\"reason\":\"" + new string('x', 8192) + "\",\"suspended\":true}";
        using var request = app.Request(HttpMethod.Put, "/api/halls/520102-H001/status", admin);
        request.Content = new StringContent(huge, Encoding.UTF8, "application/json");
        using var response = await app.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Cors_answers_only_configured_origins()
    {
        async Task<HttpResponseMessage> Preflight(string origin)
        {
            var request = new HttpRequestMessage(HttpMethod.Options, "/api/halls");
            request.Headers.Add("Origin", origin);
            request.Headers.Add("Access-Control-Request-Method", "GET");
            return await app.Http.SendAsync(request);
        }

        using var partner = await Preflight(LimitedApp.PartnerOrigin);
        Assert.Equal(LimitedApp.PartnerOrigin, partner.Headers.GetValues("Access-Control-Allow-Origin").Single());

        using var stranger = await Preflight("https://evil.example.com");
        Assert.False(stranger.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task The_live_hub_refuses_foreign_origins()
    {
        async Task<HttpStatusCode> Negotiate(string? origin)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/hubs/live/negotiate?negotiateVersion=1");
            if (origin is not null)
            {
                request.Headers.Add("Origin", origin);
            }

            using var response = await app.Http.SendAsync(request);
            return response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.Forbidden, await Negotiate("https://evil.example.com"));
        Assert.Equal(HttpStatusCode.OK, await Negotiate(LimitedApp.PartnerOrigin));
        Assert.Equal(HttpStatusCode.OK, await Negotiate(app.BaseAddress.GetLeftPart(UriPartial.Authority)));
        Assert.Equal(HttpStatusCode.OK, await Negotiate(null)); // non-browser clients send no Origin
    }

    [Fact]
    public async Task An_oversized_hub_message_closes_the_connection()
    {
        await using var hub = new HubConnectionBuilder().WithUrl(new Uri(app.BaseAddress, "/hubs/live")).Build();
        await hub.StartAsync();
        await hub.InvokeAsync<object>("WatchHall", "520102-H001"); // a normal call works
        await Assert.ThrowsAnyAsync<Exception>(() => hub.InvokeAsync<object>("WatchHall", new string('x', 4096)));
        Assert.NotEqual(HubConnectionState.Connected, hub.State);
    }

    [Fact]
    public async Task Responses_carry_security_headers()
    {
        using var response = await app.Http.GetAsync("/api/halls/520102-H001");
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("default-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
    }
}
