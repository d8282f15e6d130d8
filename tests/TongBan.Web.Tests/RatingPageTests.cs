using System.Net.Http.Json;
using System.Text.Json;
using TongBan.Web.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace TongBan.Web.Tests;

/// <summary>
/// 好差评 rating pad: in the clerk console after 办结 and as the window's citizen-facing /rate page; the hall
/// dashboard's rating figures follow live.
/// </summary>
[Collection(WebCollection.Name)]
[Trait("Category", "Browser")]
public sealed class RatingPageTests(WebApp app)
{
    [Fact]
    public async Task Clerk_console_shows_the_rating_pad_after_finish_and_the_hall_dashboard_follows()
    {
        const string hall = "520115-H001";
        await using var dashboard = await app.OpenAsync($"/hall?hall={hall}");
        await Expect(dashboard.Page.Locator("#live-state")).ToHaveAttributeAsync("data-state", "connected", new() { Timeout = 15_000 });
        await Expect(dashboard.Page.Locator("#k-rated-today")).ToHaveTextAsync("0 / 0");
        await Expect(dashboard.Page.Locator("#k-good-today")).ToHaveTextAsync("—");

        var ticket = await app.TakeTicketAsync(hall);
        await using var clerk = await app.OpenAsync($"/clerk?hall={hall}&window=1");
        var page = clerk.Page;
        await Expect(page.Locator("#live-state")).ToHaveAttributeAsync("data-state", "connected", new() { Timeout = 15_000 });
        await page.Locator("#sign-in").ClickAsync();
        await Expect(page.Locator("#w-state")).ToHaveTextAsync("开放");
        await page.Locator("#act-call-next").ClickAsync();
        await Expect(page.Locator("#w-ticket")).ToHaveTextAsync(ticket);
        await Expect(page.Locator("#rating-pad")).ToBeHiddenAsync();
        await page.Locator("#act-start").ClickAsync();
        await Expect(page.Locator("#message")).ToContainTextAsync("开始办理");
        await page.Locator("#act-finish").ClickAsync();

        var pad = page.Locator("#rating-pad");
        await Expect(pad).ToBeVisibleAsync();
        await Expect(pad.Locator("h2")).ToContainTextAsync(ticket);
        await Expect(pad.Locator("input[name=level]")).ToHaveCountAsync(5);
        await page.GetByLabel("非常满意").CheckAsync();
        await page.Locator("#pad-comment").FillAsync("窗口服务耐心");
        await page.Locator("#pad-submit").ClickAsync();
        await Expect(page.Locator("#pad-message")).ToHaveTextAsync("感谢您的评价：非常满意");
        await Expect(pad).ToHaveAttributeAsync("data-rated", "5");
        await Expect(page.Locator("#pad-submit")).ToBeHiddenAsync();
        await clerk.ScreenshotAsync("clerk-rating-pad");
        await clerk.AssertAccessibleAsync("clerk-rating-pad");
        clerk.AssertNoErrors();

        // The dashboard that was open all along shows the rating without a reload.
        await Expect(dashboard.Page.Locator("#k-rated-today")).ToHaveTextAsync("1 / 0", new() { Timeout = 2000 });
        await Expect(dashboard.Page.Locator("#k-good-today")).ToHaveTextAsync("100.0%", new() { Timeout = 2000 });
        await Expect(dashboard.Page.Locator("#k-good")).ToHaveTextAsync("100.0%", new() { Timeout = 2000 });
        await dashboard.ScreenshotAsync("hall-with-ratings");
        await dashboard.AssertAccessibleAsync("hall-with-ratings");
        dashboard.AssertNoErrors();
    }

    [Fact]
    public async Task Rate_page_submits_a_window_pad_rating_once_with_the_comment_as_text()
    {
        const string hall = "520121-H001";
        var ticket = await app.TakeTicketAsync(hall);
        var token = await app.TokenAsync("clerk", hall, 1, subject: "clerk-01");
        foreach (var step in new[] { "open", "call-next", "start", "finish" })
        {
            using var response = await app.PostAsync($"/api/halls/{hall}/windows/1/{step}", token);
            response.EnsureSuccessStatusCode();
        }

        await using var browser = await app.OpenAsync($"/rate?hall={hall}&window=1&ticket={ticket}", width: 390, height: 844);
        var page = browser.Page;
        await Expect(page.Locator("#rating-pad")).ToBeVisibleAsync();
        await Expect(page.Locator("#pad-idle")).ToBeHiddenAsync();
        await browser.ScreenshotAsync("rate-phone");
        await browser.AssertAccessibleAsync("rate-phone");

        // Keyboard only: tab into the level group, choose with the arrow keys, submit with Enter.
        await page.Locator("#level-5").FocusAsync();
        await page.Keyboard.PressAsync("ArrowDown");
        await page.Keyboard.PressAsync("ArrowDown");
        await page.Keyboard.PressAsync("ArrowDown");
        await Expect(page.Locator("#level-2")).ToBeCheckedAsync();
        const string comment = "<img src=x id=injected>等了很久";
        await page.Locator("#pad-comment").FillAsync(comment);
        await page.Locator("#pad-submit").PressAsync("Enter");
        await Expect(page.Locator("#pad-message")).ToContainTextAsync("感谢您的评价：不满意");
        await Expect(page.Locator("#pad-message")).ToContainTextAsync("回访");
        await Expect(page.Locator("#injected")).ToHaveCountAsync(0);
        await Expect(page.Locator("#pad-submit")).ToBeHiddenAsync();

        var summary = await app.Http.GetFromJsonAsync<JsonElement>($"/api/ratings/summary?scope=hall&id={hall}&period=today");
        Assert.Equal(1, summary.GetProperty("total").GetInt32());
        Assert.Equal(1, summary.GetProperty("badCount").GetInt32());

        // One rating per ticket: the pad says so on a second try.
        await page.ReloadAsync();
        await page.GetByLabel("非常满意").CheckAsync();
        await page.Locator("#pad-submit").ClickAsync();
        await Expect(page.Locator("#pad-message")).ToHaveTextAsync("该号已评价过，每次服务只评价一次。");
        browser.ExpectRefused(409, "/api/ratings");
        browser.AssertNoErrors();
    }
}
