using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TongBan.Api.Tests.Support;
using TongBan.Silo.Hosting;

namespace TongBan.Api.Tests.Embedded;

/// <summary>A loopback partner province (川渝) that fails its first two calls, a dead one (珠三角), and TongBan configured with both.</summary>
public sealed class PartnerFixture : IAsyncLifetime
{
    public ConcurrentQueue<JsonElement> Received { get; } = new();

    /// <summary>Status reports on cases the partner sent to Guizhou, as accepted (after one 503), in arrival order.</summary>
    public ConcurrentQueue<(string TransferId, string? IdempotencyKey, JsonElement Body)> StatusReports { get; } = new();

    private int statusCalls;

    public WebApplication Partner { get; private set; } = null!;

    public WebApplication App { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    private int calls;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        Partner = builder.Build();
        Partner.MapPost("/transfers", async (HttpContext context) =>
        {
            if (context.Request.Headers.Authorization != "Bearer to-sichuan")
            {
                return Results.Unauthorized();
            }

            if (Interlocked.Increment(ref calls) <= 2)
            {
                return Results.StatusCode(503); // partner down for a while
            }

            Received.Enqueue(await context.Request.ReadFromJsonAsync<JsonElement>());
            return Results.Created("/transfers/SC-0001", null);
        });
        Partner.MapPost("/transfers/{transferId}/status", async (string transferId, HttpContext context) =>
        {
            if (context.Request.Headers.Authorization != "Bearer to-sichuan")
            {
                return Results.Unauthorized();
            }

            if (Interlocked.Increment(ref statusCalls) == 1)
            {
                return Results.StatusCode(503); // the first report meets an outage: it is retried, and the order holds
            }

            StatusReports.Enqueue((transferId, context.Request.Headers["Idempotency-Key"].ToString(), await context.Request.ReadFromJsonAsync<JsonElement>()));
            return Results.Ok();
        });
        await Partner.StartAsync();
        var partnerUrl = Partner.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        App = TongBanHost.Build(
        [
            "--urls", "http://127.0.0.1:0",
            "--TongBan:Silo:SiloPort", FreePorts.Next().ToString(CultureInfo.InvariantCulture),
            "--TongBan:Silo:GatewayPort", FreePorts.Next().ToString(CultureInfo.InvariantCulture),
            "--TongBan:Silo:Dashboard", "false",
            "--Logging:LogLevel:Default", "Warning",
            "--TongBan:Partners:RetryBaseDelay", "00:00:00.100",
            "--TongBan:Partners:RetryMaxDelay", "00:00:00.400",
            "--TongBan:Partners:List:0:Code", "chuanyu",
            "--TongBan:Partners:List:0:Name", "川渝",
            "--TongBan:Partners:List:0:BaseUrl", partnerUrl,
            "--TongBan:Partners:List:0:OutboundToken", "to-sichuan",
            "--TongBan:Partners:List:0:InboundToken", "from-sichuan",
            "--TongBan:Partners:List:0:RegionPrefixes:0", "51",
            "--TongBan:Partners:List:0:RegionPrefixes:1", "50",
            "--TongBan:Partners:List:1:Code", "zsj",
            "--TongBan:Partners:List:1:Name", "珠三角",
            "--TongBan:Partners:List:1:BaseUrl", $"http://127.0.0.1:{FreePorts.Next()}/", // nobody listens
            "--TongBan:Partners:List:1:OutboundToken", "to-guangdong",
            "--TongBan:Partners:List:1:InboundToken", "from-guangdong",
            "--TongBan:Partners:List:1:RegionPrefixes:0", "44",
        ], ResponseScan.Attach);
        await App.StartAsync();
        Http = new HttpClient { BaseAddress = new Uri(App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()) };
        await Readiness.WaitAsync(Http, TimeSpan.FromSeconds(30));
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        await Partner.StopAsync();
        await Partner.DisposeAsync();
    }
}

[Trait("Category", "Integration")]
public class CrossProvinceTests(PartnerFixture fixture) : IClassFixture<PartnerFixture>
{
    private async Task<string> Token(string role, string? hallCode = null)
    {
        var response = await fixture.Http.PostAsJsonAsync("/api/dev/token", new { role, hallCode });
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
    }

    private async Task<HttpResponseMessage> Send(HttpMethod method, string path, string? token, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await fixture.Http.SendAsync(request);
    }

    private static object Outbound(string partnerCode, string targetRegionCode) => new
    {
        partnerCode,
        targetRegionCode,
        itemName = "异地就医备案",
        applicant = new { name = "刘十六", idNumber = CaseDriver.Id("52010219880808999"), phone = "13885001616" },
    };

    private async Task<JsonElement> Until(string transferId, Func<JsonElement, bool> condition)
    {
        var staff = await Token("admin");
        var deadline = DateTime.UtcNow.AddSeconds(15);
        JsonElement view;
        do
        {
            await Task.Delay(100);
            view = await CaseDriver.Ok(await Send(HttpMethod.Get, $"/api/cross-province/outbound/{transferId}", staff));
        }
        while (!condition(view) && DateTime.UtcNow < deadline);
        return view;
    }

    [Fact]
    public async Task A_failing_partner_does_not_lose_the_transfer_it_is_retried_until_acknowledged()
    {
        var clerk = await Token("clerk", "520102-H001");
        var accepted = await Send(HttpMethod.Post, "/api/cross-province/outbound", clerk, Outbound("chuanyu", "510104"));
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var transferId = (await CaseDriver.Ok(accepted)).GetProperty("transferId").GetString()!;

        var delivered = await Until(transferId, v => v.GetProperty("status").GetString() == "delivered");
        Assert.Equal("delivered", delivered.GetProperty("status").GetString());
        Assert.Equal(3, delivered.GetProperty("attempts").GetInt32());
        Assert.Equal("HTTP 503", delivered.GetProperty("lastError").GetString());
        Assert.Equal("/transfers/SC-0001", delivered.GetProperty("partnerReference").GetString());
        var sent = Assert.Single(fixture.Received);
        Assert.Equal(transferId, sent.GetProperty("transferId").GetString());
        Assert.Equal("刘十六", sent.GetProperty("applicantName").GetString()); // the partner needs the real applicant
        Assert.Equal("刘**", delivered.GetProperty("applicant").GetProperty("name").GetString()); // our staff see it masked
    }

    [Fact]
    public async Task An_unreachable_partner_keeps_the_transfer_pending_with_its_errors_visible()
    {
        var clerk = await Token("clerk", "520102-H001");
        var transferId = (await CaseDriver.Ok(await Send(HttpMethod.Post, "/api/cross-province/outbound", clerk, Outbound("zsj", "440305")))).GetProperty("transferId").GetString()!;
        var view = await Until(transferId, v => v.GetProperty("attempts").GetInt32() >= 3);
        Assert.Equal("pending", view.GetProperty("status").GetString());
        Assert.True(view.GetProperty("attempts").GetInt32() >= 3);
        Assert.StartsWith("network", view.GetProperty("lastError").GetString(), StringComparison.Ordinal);
        Assert.NotEqual(JsonValueKind.Null, view.GetProperty("nextAttemptAt").ValueKind);

        await ProblemAssert.IsProblem(await Send(HttpMethod.Post, "/api/cross-province/outbound", clerk, Outbound("zsj", "520102")), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblem(await Send(HttpMethod.Post, "/api/cross-province/outbound", clerk, Outbound("zsj", "510104")), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblem(await Send(HttpMethod.Post, "/api/cross-province/outbound", clerk, Outbound("mars", "440305")), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Partners_forward_to_Guizhou_with_their_token_and_retries_are_idempotent()
    {
        var body = new
        {
            transferId = "SC-2026-000042",
            originRegionCode = "510104",
            targetRegionCode = "520102",
            itemName = "户口迁移（跨省）",
            itemCode = CaseDriver.Item.Code,
            applicantName = "王十七",
            applicantIdNumber = CaseDriver.Id("51010419900101123"),
            applicantPhone = "13985001717",
        };
        async Task<HttpResponseMessage> Post(string? code, string? token)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/cross-province/inbound") { Content = JsonContent.Create(body) };
            request.Headers.Add("X-Partner-Code", code);
            request.Headers.Add("X-Partner-Token", token);
            return await fixture.Http.SendAsync(request);
        }

        await ProblemAssert.IsProblem(await Post("chuanyu", "wrong"), HttpStatusCode.Unauthorized);
        await ProblemAssert.IsProblem(await Post("zsj", "from-sichuan"), HttpStatusCode.Unauthorized);
        var first = await CaseDriver.Ok(await Post("chuanyu", "from-sichuan"));
        var again = await CaseDriver.Ok(await Post("chuanyu", "from-sichuan"));
        Assert.Equal(first.GetProperty("receivedAt").GetString(), again.GetProperty("receivedAt").GetString());
        Assert.Equal(first.GetProperty("caseNo").GetString(), again.GetProperty("caseNo").GetString()); // one Guizhou case per (partner, transfer)

        var seen = await CaseDriver.Ok(await Send(HttpMethod.Get, "/api/cross-province/inbound/chuanyu/SC-2026-000042", await Token("admin")));
        Assert.Equal("王**", seen.GetProperty("applicant").GetProperty("name").GetString());
        Assert.DoesNotContain(body.applicantIdNumber, seen.GetRawText(), StringComparison.Ordinal);
    }
}
