using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using TongBan.Api.Security;
using TongBan.Silo.Hosting;

namespace TongBan.Api.Tests.Support;

/// <summary>The real silo host in embedded mode, in this process, serving Kestrel on 127.0.0.1 with free ports.</summary>
public class EmbeddedApp : IAsyncLifetime
{
    public WebApplication App { get; private set; } = null!;

    public Uri BaseAddress { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        App = TongBanHost.Build(
        [
            "--urls", "http://127.0.0.1:0",
            "--TongBan:Silo:SiloPort", FreePorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--TongBan:Silo:GatewayPort", FreePorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--TongBan:Silo:Dashboard", "false",
            "--Logging:LogLevel:Default", "Warning",
            // Every test class shares this host from one loopback address, as if a whole province used one client:
            // the per-client limits are lifted here and tested with their own small values in AbuseLimitTests.
            "--TongBan:Security:RateLimits:nearest:PermitLimit", "1000000",
            "--TongBan:Security:RateLimits:ticketTaking:PermitLimit", "1000000",
            "--TongBan:Security:RateLimits:ratingSubmission:PermitLimit", "1000000",
            "--TongBan:Security:RateLimits:hotlineVerification:PermitLimit", "1000000",
            .. ExtraArgs,
        ], builder =>
        {
            ResponseScan.Attach(builder);
            Configure(builder);
        });
        await App.StartAsync();
        var address = App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address);
        Http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        await Readiness.WaitAsync(Http, TimeSpan.FromSeconds(30));
    }

    /// <summary>More command-line configuration for a variant of the app (later values win).</summary>
    protected virtual IEnumerable<string> ExtraArgs => [];

    /// <summary>Lets a variant add services (e.g. a log capture) before the host is built.</summary>
    protected virtual void Configure(WebApplicationBuilder builder)
    {
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();

        // Every JSON answer the tests saw on this host was scanned: no keyed hash or sealed value may have left it.
        var leaks = ResponseScan.Violations;
        Assert.True(leaks.Count == 0, "Answers carried keyed hashes or sealed values: " + string.Join("; ", leaks));
    }

    public async Task<string> TokenAsync(string role, string? hallCode = null, string? regionCode = null, string? subject = null, int? windowNo = null, string? departmentCode = null)
    {
        var response = await Http.PostAsJsonAsync("/api/dev/token", new DevTokenRequest(role, subject, hallCode, windowNo, departmentCode, regionCode));
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<DevTokenResponse>())!.Token;
    }

    public HttpRequestMessage Request(HttpMethod method, string path, string? token = null, object? body = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return request;
    }
}

[CollectionDefinition(Name)]
public sealed class EmbeddedCollection : ICollectionFixture<EmbeddedApp>
{
    public const string Name = "embedded";
}
