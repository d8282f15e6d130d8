using System.Text.RegularExpressions;
using Microsoft.Playwright;
using TongBan.Web.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace TongBan.Web.Tests;

/// <summary>
/// The live connection drops and comes back: the page shows 重新连接中, and after the reconnect it re-joins its
/// groups and redraws what changed while it was away (the push of that change was never delivered).
/// </summary>
[Collection(WebCollection.Name)]
[Trait("Category", "Browser")]
public sealed partial class ReconnectTests(WebApp app)
{
    [GeneratedRegex("/hubs/live")]
    private static partial Regex Hub();

    [GeneratedRegex("/hubs/live/negotiate")]
    private static partial Regex Negotiate();

    [Fact]
    public async Task Hall_dashboard_shows_reconnecting_and_resyncs_what_it_missed()
    {
        const string hall = "520122-H001";
        var sockets = new List<IWebSocketRoute>();
        var blocked = false;
        await using var browser = await app.OpenAsync($"/hall?hall={hall}", beforeLoad: async page =>
        {
            // The hub's WebSocket goes through a test proxy the test can cut; negotiation can be refused meanwhile.
            await page.RouteWebSocketAsync(Hub(), ws =>
            {
                ws.ConnectToServer();
                lock (sockets)
                {
                    sockets.Add(ws);
                }
            });
            await page.RouteAsync(Negotiate(), route => blocked ? route.AbortAsync() : route.ContinueAsync());
        });
        var page = browser.Page;
        var state = page.Locator("#live-state");
        var waiting = page.Locator("#queues tr[data-category=A] td[data-field=waiting]");
        await Expect(state).ToHaveAttributeAsync("data-state", "connected", new() { Timeout = 15_000 });
        await Expect(waiting).ToHaveTextAsync("0");
        await page.EvaluateAsync("window.__sameDocument = true");

        // Cut the connection and keep it down while a ticket is taken: the page cannot hear about it.
        blocked = true;
        IWebSocketRoute[] open;
        lock (sockets)
        {
            open = [.. sockets];
        }

        foreach (var ws in open)
        {
            await ws.CloseAsync(new() { Code = 4000, Reason = "test: connection lost" });
        }

        await Expect(state).ToHaveAttributeAsync("data-state", "reconnecting", new() { Timeout = 5000 });
        await Expect(state).ToHaveTextAsync("重新连接中…");
        await app.TakeTicketAsync(hall);
        await app.TakeTicketAsync(hall);
        await Task.Delay(500);
        await Expect(waiting).ToHaveTextAsync("0");

        // Back: the automatic reconnect (backing off 0.5, 1, 2, 4 s …) re-joins the hall and redraws from its answer.
        blocked = false;
        await Expect(state).ToHaveAttributeAsync("data-state", "connected", new() { Timeout = 15_000 });
        await Expect(waiting).ToHaveTextAsync("2", new() { Timeout = 2000 });
        await Expect(page.Locator("#k-waiting")).ToHaveTextAsync("2");

        // And live pushes flow again on the new connection.
        await app.TakeTicketAsync(hall);
        await Expect(waiting).ToHaveTextAsync("3", new() { Timeout = 2000 });
        Assert.True(await page.EvaluateAsync<bool>("window.__sameDocument === true"), "the page must resync without a reload");

        // The refused negotiations show up as failed loads in chromium's console; nothing else may.
        browser.Errors.RemoveAll(e => e.Contains("negotiate", StringComparison.Ordinal) || e.Contains("net::ERR_FAILED", StringComparison.Ordinal));
        browser.AssertNoErrors();
    }

    [Fact]
    public async Task A_page_whose_first_connection_is_refused_keeps_trying_with_backoff_and_then_goes_live()
    {
        // The server refuses hub connections with 503 until it is ready for live pushes (LiveHubGate); here the first
        // three negotiations get that answer, then they go through. The automatic reconnect does not cover a first start.
        const string hall = "520303-H001";
        const int refusals = 3;
        var attempts = new List<DateTime>();
        await using var browser = await app.OpenAsync($"/hall?hall={hall}", beforeLoad: page => page.RouteAsync(Negotiate(), async route =>
        {
            int attempt;
            lock (attempts)
            {
                attempts.Add(DateTime.UtcNow);
                attempt = attempts.Count;
            }

            if (attempt <= refusals)
            {
                await route.FulfillAsync(new()
                {
                    Status = 503,
                    ContentType = "application/problem+json",
                    Headers = new Dictionary<string, string> { ["Retry-After"] = "2" },
                    Body = """{"title":"暂时不可用 Temporarily unavailable","status":503,"detail":"This server is not ready for live updates yet; retry in a few seconds."}""",
                });
            }
            else
            {
                await route.ContinueAsync();
            }
        }));
        var page = browser.Page;
        var state = page.Locator("#live-state");
        var waiting = page.Locator("#queues tr[data-category=A] td[data-field=waiting]");
        await Expect(state).ToHaveAttributeAsync("data-state", "connected", new() { Timeout = 15_000 });
        DateTime[] seen;
        lock (attempts)
        {
            seen = [.. attempts];
        }

        Assert.Equal(refusals + 1, seen.Length);
        var gaps = seen.Zip(seen.Skip(1), (a, b) => b - a).ToArray();
        Assert.True(gaps[^1] > gaps[0], $"the retries must back off: gaps {string.Join(", ", gaps.Select(g => $"{g.TotalMilliseconds:F0} ms"))}");

        // Live from then on: the hall joined after the late start, and a change is pushed.
        var before = int.Parse(await waiting.InnerTextAsync(), System.Globalization.CultureInfo.InvariantCulture);
        await app.TakeTicketAsync(hall);
        await Expect(waiting).ToHaveTextAsync((before + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), new() { Timeout = 2000 });

        // The refused negotiations show up as failed requests and chromium's console lines for them; nothing else may.
        browser.Errors.RemoveAll(e => e.Contains("503", StringComparison.Ordinal)
            && (e.Contains("/hubs/live/negotiate", StringComparison.Ordinal) || e.StartsWith("console: Failed to load resource", StringComparison.Ordinal)));
        browser.AssertNoErrors();
    }
}
