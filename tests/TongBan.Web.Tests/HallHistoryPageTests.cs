using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using TongBan.Web.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace TongBan.Web.Tests;

/// <summary>
/// Issue 18, part 4: the hall dashboard's 历史 tab draws the hall's report (ECharts canvas, text summary, data table)
/// from tickets served through the real API, and only the hall's manager sees the per-window (clerk) table.
/// </summary>
[Collection(WebCollection.Name)]
[Trait("Category", "Browser")]
public sealed class HallHistoryPageTests(WebApp app)
{
    private const string Hall = "522625-H001"; // 镇远县: no other test takes tickets there
    private static readonly LocatorAssertionsToHaveAttributeOptions Loaded = new() { Timeout = 15_000 };

    private readonly WebCases cases = new(app);

    [Fact]
    public async Task History_tab_charts_the_served_tickets_and_shows_the_clerk_table_to_the_manager_only()
    {
        var clerk = await app.TokenAsync("clerk", Hall, 1, subject: "clerk-zy-history");
        using (var open = await app.PostAsync($"/api/halls/{Hall}/windows/1/open", clerk))
        {
            open.EnsureSuccessStatusCode();
        }

        var tickets = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            tickets.Add(await app.TakeTicketAsync(Hall));
            foreach (var step in new[] { "call-next", "start", "finish" })
            {
                using var r = await app.PostAsync($"/api/halls/{Hall}/windows/1/{step}", clerk);
                r.EnsureSuccessStatusCode();
            }
        }

        using (var rated = await app.PostAsync("/api/ratings", clerk, new { hallCode = Hall, ticketNo = tickets[^1], level = 5, channel = "windowPad" }))
        {
            rated.EnsureSuccessStatusCode();
        }

        // The service history is written after the queue's write: wait until the report counts both.
        var manager = await app.TokenAsync("hallManager", Hall, subject: "manager-zy-history");
        await WaitForServedAsync(manager, 2);

        await using (var browser = await app.OpenAsync($"/hall?hall={Hall}"))
        {
            var page = browser.Page;
            await Expect(page.Locator("#live-state")).ToHaveAttributeAsync("data-state", "connected", new() { Timeout = 15_000 });
            await Expect(page.Locator("#panel-history")).ToBeHiddenAsync();
            await page.Locator("#tab-history").ClickAsync();
            await Expect(page.Locator("#tab-history")).ToHaveAttributeAsync("aria-selected", "true");
            await Expect(page.Locator("#panel-live")).ToBeHiddenAsync();
            await Expect(page.Locator("#panel-history")).ToHaveAttributeAsync("data-loaded", "true", Loaded);

            foreach (var chart in new[] { "waits", "served", "staff", "good" })
            {
                await Expect(page.Locator($"#chart-{chart}")).ToHaveAttributeAsync("data-rendered", "true");
                await Expect(page.Locator($"#chart-{chart} canvas")).ToBeVisibleAsync();
            }

            await Expect(page.Locator("#chart-served")).ToHaveAttributeAsync("aria-label", new Regex("办结 2 件"));
            await Expect(page.Locator("#history-summary")).ToContainTextAsync("办结 2 件");
            await Expect(page.Locator("#history-summary")).ToContainTextAsync("评价 1 条，好评率 100.0%");
            await Expect(page.Locator("#history-table tr[data-period='total'] td[data-field='served']")).ToHaveTextAsync("2");
            await Expect(page.Locator("#history-table tbody tr")).ToHaveCountAsync(8); // 7 days and the total
            await Expect(page.Locator("#history-clerks tr[data-window='1'] td[data-field='served']")).ToHaveTextAsync("2");

            await page.Locator("#history-range").SelectOptionAsync("30");
            await Expect(page.Locator("#history-table tbody tr")).ToHaveCountAsync(31);
            await Expect(page.Locator("#history-table tr[data-period='total'] td[data-field='served']")).ToHaveTextAsync("2");
            await browser.ScreenshotAsync("hall-history");
            await browser.AssertAccessibleAsync("hall-history");
            browser.AssertNoErrors();
        }

        // A supervisor of the prefecture (signed in with a real token) sees the hall's history but no per-window table.
        var supervisor = await app.TokenAsync("supervisor", subject: "supervisor-qdn-history", regionCode: "522600");
        await using (var browser = await app.OpenAsync($"/hall?hall={Hall}", beforeLoad: p => p.AddInitScriptAsync($"sessionStorage.setItem('tongban.token', '{supervisor}')")))
        {
            var page = browser.Page;
            await Expect(page.Locator("main")).ToHaveAttributeAsync("data-ready", "hall", Loaded);
            await page.Locator("#tab-history").ClickAsync();
            await Expect(page.Locator("#panel-history")).ToHaveAttributeAsync("data-loaded", "true", Loaded);
            await Expect(page.Locator("#history-summary")).ToContainTextAsync("办结 2 件");
            await Expect(page.Locator("#chart-served canvas")).ToBeVisibleAsync();
            await Expect(page.Locator("#history-clerks-section")).ToHaveCountAsync(0);
            await Expect(page.Locator("#history-clerks")).ToHaveCountAsync(0);
            await browser.ScreenshotAsync("hall-history-supervisor");

            // The supervisor's token is refused on the manager's lists of the live tab; the page says so, it does not fail.
            Assert.DoesNotContain(browser.Errors, e => e.StartsWith("page error:", StringComparison.Ordinal));
            Assert.DoesNotContain(browser.Errors, e => e.Contains("/api/reports/", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Province_month_view_shows_the_months_figures_from_the_province_report()
    {
        const string hall = "522626-H001"; // 岑巩县: no other test takes tickets there
        var clerk = await app.TokenAsync("clerk", hall, 1, subject: "clerk-cg-history");
        await app.TakeTicketAsync(hall);
        foreach (var step in new[] { "open", "call-next", "start", "finish" })
        {
            using var r = await app.PostAsync($"/api/halls/{hall}/windows/1/{step}", clerk);
            r.EnsureSuccessStatusCode();
        }

        // The month so far, as the page asks for it; the web tests run one at a time, so nothing moves while the page reads.
        var supervisor = await app.TokenAsync("supervisor", subject: "supervisor-province-history", regionCode: "520000");
        var today = DateOnly.FromDateTime(DateTime.UtcNow.AddHours(8));
        var first = new DateOnly(today.Year, today.Month, 1);
        var path = $"/api/reports/province/520000?from={first:yyyy-MM-dd}&to={today:yyyy-MM-dd}&granularity=day";
        var deadline = DateTime.UtcNow.AddSeconds(15);
        var hallPath = $"/api/reports/hall/{hall}?from={first:yyyy-MM-dd}&to={today:yyyy-MM-dd}&granularity=day";
        while ((await cases.SendAsync(HttpMethod.Get, hallPath, supervisor)).GetProperty("total").GetProperty("served").GetInt32() < 1)
        {
            Assert.True(DateTime.UtcNow < deadline, "the hall's report does not count the served ticket");
            await Task.Delay(100);
        }

        var total = (await cases.SendAsync(HttpMethod.Get, path, supervisor)).GetProperty("total");
        var (served, tickets) = (total.GetProperty("served").GetInt32(), total.GetProperty("tickets").GetInt32());
        Assert.True(served >= 1, $"the province report counts {served} served");

        await using var browser = await app.OpenAsync("/province");
        var page = browser.Page;
        await Expect(page.Locator("#month-view")).ToHaveAttributeAsync("data-loaded", "true", Loaded);
        await Expect(page.Locator("#month-status")).ToHaveTextAsync($"{first:yyyy-MM-dd} 至 {today:yyyy-MM-dd}");
        await Expect(page.Locator("#chart-month")).ToHaveAttributeAsync("data-rendered", "true");
        await Expect(page.Locator("#chart-month canvas")).ToBeVisibleAsync();
        await Expect(page.Locator("#m-served")).ToHaveTextAsync(served.ToString(CultureInfo.InvariantCulture));
        await Expect(page.Locator("#m-tickets")).ToHaveTextAsync(tickets.ToString(CultureInfo.InvariantCulture));
        await Expect(page.Locator("#month-table tr[data-period='total'] td[data-field='served']")).ToHaveTextAsync(served.ToString(CultureInfo.InvariantCulture));
        await Expect(page.Locator("#month-table tbody tr")).ToHaveCountAsync(today.Day + 1); // the month's days so far and the total
        await Expect(page.Locator("#chart-month")).ToHaveAttributeAsync("aria-label", new Regex($"办结 {served} 件"));
        await browser.ScreenshotAsync("province-month");
        await browser.AssertAccessibleAsync("province-month");
        browser.AssertNoErrors();
    }

    private async Task WaitForServedAsync(string token, int served)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        var today = DateOnly.FromDateTime(DateTime.UtcNow.AddHours(8)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var yesterday = DateOnly.FromDateTime(DateTime.UtcNow.AddHours(8).AddDays(-1)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        while (true)
        {
            var report = await cases.SendAsync(HttpMethod.Get, $"/api/reports/hall/{Hall}?from={yesterday}&to={today}&granularity=day", token);
            var now = report.GetProperty("total").GetProperty("served").GetInt32();
            if (now >= served && report.GetProperty("total").GetProperty("ratings").GetInt32() >= 1)
            {
                Assert.Equal(served, now);
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"the report counts {now} served, not {served}");
            await Task.Delay(100);
        }
    }
}
