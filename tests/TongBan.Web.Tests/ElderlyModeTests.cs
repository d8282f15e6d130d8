using Microsoft.Playwright;
using TongBan.Web.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace TongBan.Web.Tests;

/// <summary>
/// 长辈模式 on the citizen pages: toggled from each page's header, remembered across pages and visits, and on the map
/// one task per screen (a bar of large buttons; the booking panel takes the whole side).
/// </summary>
[Collection(WebCollection.Name)]
[Trait("Category", "Browser")]
public sealed class ElderlyModeTests(WebApp app)
{
    [Fact]
    public async Task The_choice_is_made_on_one_citizen_page_and_kept_on_the_others()
    {
        await using var browser = await app.OpenAsync("/map", width: 390, height: 844);
        var page = browser.Page;
        var html = page.Locator("html");
        var toggle = page.Locator("#elder-toggle");
        await Expect(page.Locator("main")).ToHaveAttributeAsync("data-ready", "map", new() { Timeout = 15_000 });
        await Expect(html).ToHaveAttributeAsync("data-mode", "standard");
        await Expect(toggle).ToHaveAttributeAsync("aria-pressed", "false");
        var standardSize = await FontSizeAsync(page);

        await toggle.ClickAsync();
        await Expect(html).ToHaveAttributeAsync("data-mode", "elder");
        await Expect(toggle).ToHaveAttributeAsync("aria-pressed", "true");
        Assert.True(await FontSizeAsync(page) >= 18 && await FontSizeAsync(page) > standardSize, "长辈模式 enlarges the text");
        Assert.Equal("1", await page.EvaluateAsync<string>($"() => localStorage.getItem('{CitizenModes.StorageKey}')"));

        // Every citizen page opens in the elderly mode now, and can switch it off again.
        foreach (var path in new[] { "/", "/rate?hall=520102-H001&window=1&ticket=A001", "/map" })
        {
            await page.GotoAsync(path);
            await Expect(html).ToHaveAttributeAsync("data-mode", "elder");
            await Expect(toggle).ToHaveAttributeAsync("aria-pressed", "true");
        }

        // The home page offers the citizen's own pages only; the staff pages come back with the standard mode.
        await page.GotoAsync("/");
        await Expect(page.Locator(".cards a[data-audience=citizen]")).ToHaveCountAsync(2);
        foreach (var card in await page.Locator(".cards a[data-audience=citizen]").AllAsync())
        {
            await Expect(card).ToBeVisibleAsync();
        }

        foreach (var card in await page.Locator(".cards a[data-audience=staff]").AllAsync())
        {
            await Expect(card).ToBeHiddenAsync();
        }

        await Expect(page.Locator("header nav a[href='/clerk']")).ToBeHiddenAsync();
        await toggle.ClickAsync();
        await Expect(html).ToHaveAttributeAsync("data-mode", "standard");
        await Expect(page.Locator(".cards a[data-audience=staff]").First).ToBeVisibleAsync();
        await Expect(page.Locator("header nav a[href='/clerk']")).ToBeVisibleAsync();
        await page.GotoAsync("/rate?hall=520102-H001&window=1&ticket=A001");
        await Expect(toggle).ToHaveAttributeAsync("aria-pressed", "false");
        Assert.Equal(standardSize, await FontSizeAsync(page));
        browser.AssertNoErrors();
    }

    [Fact]
    public async Task The_map_shows_one_task_per_screen_and_the_booking_panel_alone()
    {
        await using var browser = await app.OpenAsync("/map", width: 390, height: 844, beforeLoad: CitizenModes.StartInElderMode);
        var page = browser.Page;
        await Expect(page.Locator("#live-state")).ToHaveAttributeAsync("data-state", "connected", new() { Timeout = 15_000 });
        var tasks = page.Locator(".task-bar button");
        await Expect(tasks).ToHaveTextAsync(["找事项", "离我最近", "网点类型", "预计等候"]);

        // 离我最近 first: its controls only.
        await Expect(tasks.Nth(1)).ToHaveAttributeAsync("aria-pressed", "true");
        await Expect(page.Locator("#locate")).ToBeVisibleAsync();
        await Expect(page.Locator("#item-q")).ToBeHiddenAsync();
        await Expect(page.Locator("#type-hall")).ToBeHiddenAsync();

        // 找事项: 结婚登记 (handled by the halls only, so the nearest list offers 线上取号).
        await tasks.Nth(0).ClickAsync();
        await Expect(page.Locator("#locate")).ToBeHiddenAsync();
        await page.Locator("#item-q").FillAsync("结婚登记");
        await page.Locator("#item-results button", new() { HasTextString = "结婚登记" }).First.ClickAsync();
        await Expect(page.Locator("#item-chosen")).ToContainTextAsync("结婚登记");

        // 网点类型: hide every point so that a tap lands on the map itself.
        await tasks.Nth(2).ClickAsync();
        await Expect(page.Locator("#locate")).ToBeHiddenAsync();
        foreach (var box in await page.Locator(".types input[type=checkbox]").AllAsync())
        {
            await box.UncheckAsync();
        }

        await Expect(page.Locator("main")).ToHaveAttributeAsync("data-points", "0");
        await tasks.Nth(1).ClickAsync();
        await page.Locator("#mode").SelectOptionAsync("drive"); // on foot only points within 5 km are proposed
        await page.Locator("#map").ClickAsync();
        var first = page.Locator("#nearest li").First;
        await Expect(first).ToBeVisibleAsync(new() { Timeout = 10_000 });
        await CitizenModes.AssertElderlyLayoutAsync(page);

        // 线上取号 opens the service panel, which is then the only thing in the side column.
        await page.Locator("#nearest li button[data-action=ticket]").First.ClickAsync();
        var panel = page.Locator("#service-panel");
        await Expect(panel).ToBeVisibleAsync();
        await Expect(page.Locator(".task-bar")).ToBeHiddenAsync();
        await Expect(page.Locator("#nearest")).ToBeHiddenAsync();
        await Expect(page.Locator("#take-ticket")).ToBeVisibleAsync();
        await Expect(page.Locator("#book-form")).ToBeHiddenAsync();
        await CitizenModes.AssertElderlyLayoutAsync(page);
        await browser.ScreenshotAsync("map-elder-ticket-phone");
        await browser.AssertAccessibleAsync("map-elder-ticket-phone", CitizenModes.EnhancedContrast);

        // One form at a time: the switch shows 预约 instead of 线上取号.
        await page.Locator("#service-swap").ClickAsync();
        await Expect(page.Locator("#book-form")).ToBeVisibleAsync();
        await Expect(page.Locator("#ticket-form")).ToBeHiddenAsync();
        await Expect(page.Locator("#service-swap")).ToHaveTextAsync("改为线上取号");
        await CitizenModes.AssertElderlyLayoutAsync(page);

        await page.Locator("#service-close").ClickAsync();
        await Expect(panel).ToBeHiddenAsync();
        await Expect(page.Locator(".task-bar")).ToBeVisibleAsync();
        await Expect(page.Locator("#nearest")).ToBeVisibleAsync();
        browser.AssertNoErrors();
    }

    [Fact]
    public async Task In_the_standard_mode_every_task_stays_on_screen()
    {
        await using var browser = await app.OpenAsync("/map");
        var page = browser.Page;
        await Expect(page.Locator("main")).ToHaveAttributeAsync("data-ready", "map", new() { Timeout = 15_000 });
        await Expect(page.Locator(".task-bar")).ToBeHiddenAsync();
        foreach (var id in new[] { "#item-q", "#locate", "#type-hall" })
        {
            await Expect(page.Locator(id)).ToBeVisibleAsync();
        }

        browser.AssertNoErrors();
    }

    private static Task<double> FontSizeAsync(IPage page) =>
        page.EvaluateAsync<double>("() => parseFloat(getComputedStyle(document.body).fontSize)");
}
