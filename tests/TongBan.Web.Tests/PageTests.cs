using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using TongBan.Web.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace TongBan.Web.Tests;

/// <summary>
/// Every page in headless chromium against the real host: it loads without console errors, shows the live
/// connection as connected, and an API action shows up on the open page within 2 s without a reload.
/// Each test uses its own hall so the shared in-memory state does not couple them.
/// </summary>
[Collection(WebCollection.Name)]
[Trait("Category", "Browser")]
public sealed partial class PageTests(WebApp app)
{
    private static readonly LocatorAssertionsToHaveTextOptions Live = new() { Timeout = 2000 };

    [GeneratedRegex("^[1-9][0-9]*$")]
    private static partial Regex PositiveCount();

    [Fact]
    public async Task Index_links_every_page()
    {
        await using var browser = await app.OpenAsync("/");
        await Expect(browser.Page.Locator(".cards a")).ToHaveCountAsync(7);
        await Expect(browser.Page.Locator("html")).ToHaveAttributeAsync("lang", "zh-CN");
        await browser.ScreenshotAsync("index");
        await browser.AssertAccessibleAsync("index");
        browser.AssertNoErrors();
    }

    [Fact]
    public async Task Map_shows_service_points_and_the_nearest_list_after_a_click()
    {
        await using var browser = await app.OpenAsync("/map");
        var page = browser.Page;
        await ExpectConnected(page);
        // The base layer is our county polygons (no tile server here), and the viewport's points are drawn.
        await Expect(page.Locator("#map")).ToHaveAttributeAsync("data-regions", "88");
        await Expect(page.Locator("main")).ToHaveAttributeAsync("data-points", PositiveCount(), new() { Timeout = 10_000 });
        var drawn = int.Parse((await page.Locator("main").GetAttributeAsync("data-points"))!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(drawn > 1000, $"expected the province's service points on the map, got {drawn}");

        // Hide the markers so the click lands on the map itself, near the centre of the province.
        foreach (var box in await page.Locator(".types input[type=checkbox]").AllAsync())
        {
            await box.UncheckAsync();
        }

        await Expect(page.Locator("main")).ToHaveAttributeAsync("data-points", "0");
        await page.Locator("#mode").SelectOptionAsync("drive"); // on foot only points within 5 km are proposed
        await page.Locator("#map").ClickAsync();
        var results = page.Locator("#nearest li");
        await Expect(results.First).ToBeVisibleAsync(new() { Timeout = 10_000 });
        Assert.Equal(5, await results.CountAsync());
        await Expect(results.First).ToContainTextAsync("合计");
        await Expect(page.Locator("#map-status")).ToContainTextAsync("找到 5 个推荐网点");

        foreach (var box in await page.Locator(".types input[type=checkbox]").AllAsync())
        {
            await box.CheckAsync();
        }

        await browser.ScreenshotAsync("map");
        await browser.AssertAccessibleAsync("map");
        browser.AssertNoErrors();
    }

    [Fact]
    public async Task Map_item_search_finds_items_by_pinyin_initials()
    {
        await using var browser = await app.OpenAsync("/map");
        var page = browser.Page;
        await ExpectConnected(page);
        await page.Locator("#item-q").FillAsync("sfz");
        var first = page.Locator("#item-results button").First;
        await Expect(first).ToContainTextAsync("身份证", new() { Timeout = 5000 });
        await first.ClickAsync();
        await Expect(page.Locator("#item-chosen")).ToContainTextAsync("已选事项");
        browser.AssertNoErrors();
    }

    [Fact]
    public async Task Map_is_usable_on_a_phone()
    {
        await using var browser = await app.OpenAsync("/map", width: 390, height: 844);
        var page = browser.Page;
        await ExpectConnected(page);
        var map = await page.Locator("#map").BoundingBoxAsync();
        var side = await page.Locator(".side").BoundingBoxAsync();
        Assert.NotNull(map);
        Assert.NotNull(side);
        Assert.True(map.Width <= 390 && map.Width > 350, $"map width {map.Width}");
        Assert.True(side.Y >= map.Y + map.Height - 1, "on a phone the search panel sits below the map");
        await Expect(page.Locator("main")).ToHaveAttributeAsync("data-points", PositiveCount(), new() { Timeout = 10_000 });
        await browser.ScreenshotAsync("map-phone");
        await browser.AssertAccessibleAsync("map-phone");
        browser.AssertNoErrors();
    }

    [Fact]
    public async Task Hall_dashboard_updates_live_when_a_ticket_is_taken()
    {
        const string hall = "520103-H001";
        await using var browser = await app.OpenAsync($"/hall?hall={hall}");
        var page = browser.Page;
        await ExpectConnected(page);
        await Expect(page.Locator("#hall-name")).ToHaveTextAsync("云岩区政务服务中心");
        var waiting = page.Locator("#queues tr[data-category=A] td[data-field=waiting]");
        await Expect(waiting).ToHaveTextAsync("0");
        await page.EvaluateAsync("window.__sameDocument = true");

        await app.TakeTicketAsync(hall);
        await Expect(waiting).ToHaveTextAsync("1", Live);
        await Expect(page.Locator("#k-waiting")).ToHaveTextAsync("1", Live);

        // No window is open yet: the line says so instead of a 0-minute wait.
        await Expect(page.Locator("#queues tr[data-category=A] td[data-field=wait]")).ToHaveTextAsync("无窗口办理", Live);

        // A clerk opens window 2 and calls: the window row and the recent calls follow.
        var token = await app.TokenAsync("clerk", hall, 2);
        (await app.PostAsync($"/api/halls/{hall}/windows/2/open", token)).EnsureSuccessStatusCode();
        using var called = await app.PostAsync($"/api/halls/{hall}/windows/2/call-next", token);
        var ticket = (await called.Content.ReadFromJsonAsync<Called>())!.TicketNo;
        await Expect(page.Locator("#windows tr[data-window='2'] td[data-field=ticket]")).ToHaveTextAsync(ticket, Live);
        await Expect(page.Locator("#calls li").First).ToContainTextAsync($"{ticket} → 2 号窗口", new() { Timeout = 2000 });
        await Expect(waiting).ToHaveTextAsync("0", Live);

        Assert.True(await page.EvaluateAsync<bool>("window.__sameDocument === true"), "the page must update without a reload");
        await browser.ScreenshotAsync("hall");
        await browser.AssertAccessibleAsync("hall");
        browser.AssertNoErrors();
    }

    [Fact]
    public async Task Call_screen_announces_a_called_ticket()
    {
        const string hall = "520111-H001";
        await using var browser = await app.OpenAsync($"/screen?hall={hall}");
        var page = browser.Page;
        await ExpectConnected(page);
        var first = await app.TakeTicketAsync(hall);
        await app.TakeTicketAsync(hall);
        await Expect(page.Locator("#waiting [data-category=A] [data-field=waiting]")).ToHaveTextAsync("2", Live);
        await Expect(page.Locator("#waiting [data-category=A] .pred")).ToHaveTextAsync("无窗口办理", Live); // no window open yet

        var token = await app.TokenAsync("clerk", hall, 3);
        (await app.PostAsync($"/api/halls/{hall}/windows/3/open", token)).EnsureSuccessStatusCode();
        (await app.PostAsync($"/api/halls/{hall}/windows/3/call-next", token)).EnsureSuccessStatusCode();

        await Expect(page.Locator("#current-ticket")).ToHaveTextAsync(first, Live);
        await Expect(page.Locator("#current-window")).ToHaveTextAsync("3 号窗口", Live);
        await Expect(page.Locator("#recent li").First).ToContainTextAsync(first);
        await Expect(page.Locator("#serving [data-window='3'] .tk")).ToHaveTextAsync(first, Live);
        await Expect(page.Locator("#waiting [data-category=A] [data-field=waiting]")).ToHaveTextAsync("1", Live);
        await browser.ScreenshotAsync("screen");
        await browser.AssertAccessibleAsync("screen");
        browser.AssertNoErrors();
    }

    [Fact]
    public async Task Clerk_console_signs_in_calls_next_and_finishes()
    {
        const string hall = "520112-H001";
        var first = await app.TakeTicketAsync(hall);
        var second = await app.TakeTicketAsync(hall);
        await using var browser = await app.OpenAsync($"/clerk?hall={hall}&window=1");
        var page = browser.Page;
        await ExpectConnected(page);

        await page.Locator("#clerk-id").FillAsync("王小明");
        await page.Locator("#sign-in").ClickAsync();
        await Expect(page.Locator("#w-state")).ToHaveTextAsync("开放");
        var waiting = page.Locator("#my-queues tr[data-category=A] td[data-field=waiting]");
        await Expect(waiting).ToHaveTextAsync("2", Live);

        await page.Locator("#act-call-next").ClickAsync();
        await Expect(page.Locator("#message")).ToHaveTextAsync($"已叫号：{first}");
        await Expect(page.Locator("#w-ticket")).ToHaveTextAsync(first);
        await Expect(waiting).ToHaveTextAsync("1", Live);

        // The queue rules refuse a recall within 30 s of the call: the console shows the refusal, not a success.
        await page.Locator("#act-recall").ClickAsync();
        await Expect(page.Locator("#message")).ToHaveAttributeAsync("data-kind", "error");
        browser.ExpectRefused(409, "/windows/1/recall");
        await page.Locator("#act-start").ClickAsync();
        await Expect(page.Locator("#message")).ToContainTextAsync("开始办理");
        await page.Locator("#act-finish").ClickAsync();
        await Expect(page.Locator("#message")).ToContainTextAsync("办结");
        await Expect(page.Locator("#w-served")).ToHaveTextAsync("1", Live);

        // The window's state is the API's too.
        using var ticket = await app.Http.GetAsync($"/api/halls/{hall}/tickets/{first}");
        Assert.Equal(HttpStatusCode.OK, ticket.StatusCode);
        Assert.Contains("\"done\"", await ticket.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Transfer the next one to window 2.
        await page.Locator("#act-call-next").ClickAsync();
        await Expect(page.Locator("#w-ticket")).ToHaveTextAsync(second);
        await page.Locator("#transfer-window").SelectOptionAsync("2");
        await page.Locator("#act-transfer").ClickAsync();
        await Expect(page.Locator("#message")).ToContainTextAsync($"已转办：{second}");
        await browser.ScreenshotAsync("clerk");
        await browser.AssertAccessibleAsync("clerk");
        browser.AssertNoErrors();
    }

    [Fact]
    public async Task Clerk_console_parks_unparks_calls_a_named_ticket_records_a_walk_up_and_pauses_with_a_reason()
    {
        const string hall = "520323-H001";
        var first = await app.TakeTicketAsync(hall);
        var second = await app.TakeTicketAsync(hall);
        await using var browser = await app.OpenAsync($"/clerk?hall={hall}&window=1");
        var page = browser.Page;
        await ExpectConnected(page);
        await page.Locator("#sign-in").ClickAsync();
        await Expect(page.Locator("#w-state")).ToHaveTextAsync("开放");

        // 指定叫号: the second ticket before the first.
        await page.Locator("#call-ticket").FillAsync(second);
        await page.Locator("#act-call").ClickAsync();
        await Expect(page.Locator("#message")).ToHaveTextAsync($"已指定叫号：{second}");
        await Expect(page.Locator("#w-ticket")).ToHaveTextAsync(second);

        // 挂起 needs a reason; the parked ticket is listed and can be unparked back to the front.
        await page.Locator("#act-park").ClickAsync();
        await Expect(page.Locator("#message")).ToHaveTextAsync("请填写挂起原因");
        await page.Locator("#park-reason").FillAsync("缺少身份证复印件");
        await page.Locator("#act-park").ClickAsync();
        await Expect(page.Locator("#message")).ToContainTextAsync($"已挂起：{second}");
        await Expect(page.Locator($"#parked tr[data-parked={second}]")).ToContainTextAsync("缺少身份证复印件");
        await page.Locator($"#parked button[data-ticket={second}]").ClickAsync();
        await Expect(page.Locator("#message")).ToContainTextAsync($"{second} 已恢复排队");
        await Expect(page.Locator($"#parked tr[data-parked={second}]")).ToHaveCountAsync(0);
        await page.Locator("#act-call-next").ClickAsync();
        await Expect(page.Locator("#w-ticket")).ToHaveTextAsync(second);
        await page.Locator("#act-start").ClickAsync();
        await Expect(page.Locator("#message")).ToContainTextAsync("开始办理");
        await page.Locator("#act-finish").ClickAsync();
        await Expect(page.Locator("#message")).ToContainTextAsync("办结");

        // 补录: a service without a ticket counts as served.
        await page.Locator("#act-walk-up").ClickAsync();
        await Expect(page.Locator("#message")).ToContainTextAsync("已补录：A-W001");
        await Expect(page.Locator("#w-served")).ToHaveTextAsync("2", Live);

        // Pause with a reason: the window shows it.
        await page.Locator("#pause-reason").SelectOptionAsync("training");
        await page.Locator("#act-pause").ClickAsync();
        await Expect(page.Locator("#w-state")).ToHaveTextAsync("暂停");
        await Expect(page.Locator("#w-pause-reason")).ToHaveTextAsync("培训");
        Assert.NotEqual(first, second);
        await browser.AssertAccessibleAsync("clerk-counter");
        browser.AssertNoErrors();
    }

    [Fact]
    public async Task Province_dashboard_colours_counties_and_lists_regions()
    {
        await using var browser = await app.OpenAsync("/province");
        var page = browser.Page;
        await ExpectConnected(page);
        await Expect(page.Locator("#prefectures tr")).ToHaveCountAsync(9);
        await Expect(page.Locator("#counties tr")).ToHaveCountAsync(88);
        await Expect(page.Locator("#legend span").First).ToBeVisibleAsync();

        // Waiting people show up in the county table once the figures are re-read (live, at most every 2 s).
        const string hall = "520113-H001";
        for (var i = 0; i < 3; i++)
        {
            await app.TakeTicketAsync(hall);
        }

        await Expect(page.Locator("#counties tr[data-code='520113'] td[data-field=waiting]")).ToHaveTextAsync("3", new() { Timeout = 6000 });
        await page.Locator("#metric").SelectOptionAsync("openShare");
        await browser.ScreenshotAsync("province");
        await browser.AssertAccessibleAsync("province");
        browser.AssertNoErrors();
    }

    [Fact]
    public async Task Pages_are_public_and_unknown_assets_are_404()
    {
        foreach (var path in new[] { "/", "/map", "/hall", "/screen", "/clerk", "/province", "/hotline", "/rate", "/api/map/boundaries?level=prefecture", "/api/pages/config" })
        {
            using var response = await app.Http.GetAsync(path);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode}");
        }

        using var missing = await app.Http.GetAsync("/assets/nothing-here.js");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    private static Task ExpectConnected(IPage page) =>
        Expect(page.Locator("#live-state")).ToHaveAttributeAsync("data-state", "connected", new() { Timeout = 15_000 });

    private sealed record Called(string TicketNo);
}
