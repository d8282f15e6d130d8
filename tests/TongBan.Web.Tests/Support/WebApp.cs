using TongBan.Api.Tests.Support;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using TongBan.Api.Security;
using TongBan.Silo.Hosting;

namespace TongBan.Web.Tests.Support;

/// <summary>
/// The real silo host in embedded mode on Kestrel 127.0.0.1 (free ports), serving the built pages, plus one headless
/// Debian chromium driven by Playwright. Shared by the tests of the collection; each test opens its own page.
/// </summary>
public sealed class WebApp : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private static readonly string[] ChromiumArgs =
    [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync",
    ];

    private IPlaywright? playwright;

    public WebApplication App { get; private set; } = null!;

    public Uri BaseAddress { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Where screenshots go: TestResults/screenshots at the repository root (test.sh's results folder).</summary>
    public static string ScreenshotDirectory { get; } = FindScreenshotDirectory();

    public async Task InitializeAsync()
    {
        App = TongBanHost.Build(
        [
            "--urls", "http://127.0.0.1:0",
            "--TongBan:Silo:SiloPort", FreePorts.Next().ToString(CultureInfo.InvariantCulture),
            "--TongBan:Silo:GatewayPort", FreePorts.Next().ToString(CultureInfo.InvariantCulture),
            "--TongBan:Silo:Dashboard", "false",
            "--Logging:LogLevel:Default", "Warning",
        ]);
        await App.StartAsync();
        var address = App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address);
        Http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        await WaitReadyAsync(TimeSpan.FromSeconds(30));

        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"{ChromiumPath} is missing: install Debian's chromium package (test.sh does).");
        }

        playwright = await Playwright.CreateAsync();
        Browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ChromiumArgs,
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        playwright?.Dispose();
        Http?.Dispose();
        if (App is not null)
        {
            await App.StopAsync();
            await App.DisposeAsync();
        }
    }

    /// <summary>A new page (own context) that records console errors and uncaught exceptions.</summary>
    /// <param name="beforeLoad">Runs on the new page before it navigates (e.g. to route its WebSocket).</param>
    public async Task<BrowserPage> OpenAsync(string path, int width = 1280, int height = 800, Func<IPage, Task>? beforeLoad = null)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = width, Height = height },
            Locale = "zh-CN",
            TimezoneId = "Asia/Shanghai",
        });
        var page = await context.NewPageAsync();
        var result = new BrowserPage(context, page);
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                result.Errors.Add($"console: {message.Text}");
            }
        };
        page.PageError += (_, error) => result.Errors.Add($"page error: {error}");
        page.Response += (_, response) =>
        {
            if (response.Status >= 400)
            {
                result.Errors.Add($"HTTP {response.Status} {response.Request.Method} {response.Url}");
            }
        };
        if (beforeLoad is not null)
        {
            await beforeLoad(page);
        }

        await page.GotoAsync(path);
        return result;
    }

    public async Task<string> TokenAsync(
        string role, string? hallCode = null, int? windowNo = null, string? subject = null, string? departmentCode = null, string? regionCode = null)
    {
        using var response = await Http.PostAsJsonAsync("/api/dev/token", new DevTokenRequest(role, subject, hallCode, windowNo, departmentCode, regionCode));
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<DevTokenResponse>())!.Token;
    }

    public async Task<string> TakeTicketAsync(string hallCode, string category = "A")
    {
        using var response = await Http.PostAsJsonAsync($"/api/halls/{hallCode}/tickets", new { category, kind = "walkIn" });
        response.EnsureSuccessStatusCode();
        var ticket = await response.Content.ReadFromJsonAsync<TicketTaken>();
        return ticket!.TicketNo;
    }

    public async Task<HttpResponseMessage> PostAsync(string path, string token, object? body = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body ?? new { }) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await Http.SendAsync(request);
    }

    private async Task WaitReadyAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                using var response = await Http.GetAsync("/readyz");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{BaseAddress}readyz not ready after {timeout}.");
            }

            await Task.Delay(100);
        }
    }

    private static string FindScreenshotDirectory()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "TongBan.sln")))
        {
            dir = dir.Parent;
        }

        var root = Environment.GetEnvironmentVariable("TONGBAN_TEST_RESULTS") ?? Path.Combine(dir?.FullName ?? AppContext.BaseDirectory, "TestResults");
        var path = Path.Combine(root, "screenshots");
        Directory.CreateDirectory(path);
        return path;
    }

    private sealed record TicketTaken(string TicketNo);
}

/// <summary>An open page with the console errors it logged.</summary>
public sealed class BrowserPage(IBrowserContext context, IPage page) : IAsyncDisposable
{
    public IPage Page { get; } = page;

    public List<string> Errors { get; } = [];

    /// <summary>Forgets an expected refusal: the failed request to a URL ending in <paramref name="urlEnd"/> and chromium's console line for it.</summary>
    public void ExpectRefused(int status, string urlEnd)
    {
        Assert.Equal(1, Errors.RemoveAll(e => e.StartsWith($"HTTP {status} ", StringComparison.Ordinal) && e.EndsWith(urlEnd, StringComparison.Ordinal)));
        var console = Errors.FindIndex(e => e.StartsWith("console: Failed to load resource", StringComparison.Ordinal) && e.Contains($"{status}", StringComparison.Ordinal));
        if (console >= 0)
        {
            Errors.RemoveAt(console);
        }
    }

    /// <summary>Fails with every console error and failed request the page saw.</summary>
    public void AssertNoErrors() => Assert.True(Errors.Count == 0, "The page logged errors:\n" + string.Join("\n", Errors));

    public async Task<string> ScreenshotAsync(string name)
    {
        var path = Path.Combine(WebApp.ScreenshotDirectory, name + ".png");
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        return path;
    }

    /// <summary>
    /// Runs axe-core on the page as it is now and fails on any serious or critical violation (WCAG 2.x A/AA rules and
    /// best practices), listing each rule, its impact and the offending elements. The full report is written next to
    /// the screenshots as <c>axe-{name}.txt</c>.
    /// </summary>
    /// <param name="name">Names the report file.</param>
    /// <param name="options">axe options, e.g. a rule switched on (<see cref="CitizenModes.EnhancedContrast"/>).</param>
    public async Task AssertAccessibleAsync(string name, AxeRunOptions? options = null)
    {
        var result = options is null ? await Page.RunAxe() : await Page.RunAxe(options);
        var lines = result.Violations.Select(v => $"{v.Impact} {v.Id}: {v.Help} ({v.HelpUrl})\n"
            + string.Join("\n", v.Nodes.Select(n => $"    {n.Target} {n.Html} — {string.Join("; ", (n.Any ?? []).Concat(n.All ?? []).Concat(n.None ?? []).Select(c => c.Message))}"))).ToList();
        await File.WriteAllTextAsync(
            Path.Combine(WebApp.ScreenshotDirectory, $"axe-{name}.txt"),
            $"{Page.Url}\npasses {result.Passes.Length}, violations {result.Violations.Length}, incomplete {result.Incomplete.Length}\n" + string.Join("\n", lines) + "\n");
        var blocking = result.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
        Assert.True(blocking.Count == 0, $"axe found {blocking.Count} serious/critical violation(s) on {Page.Url}:\n" + string.Join("\n", lines));
    }

    public async ValueTask DisposeAsync() => await context.CloseAsync();
}

[CollectionDefinition(Name)]
public sealed class WebCollection : ICollectionFixture<WebApp>
{
    public const string Name = "web";
}
