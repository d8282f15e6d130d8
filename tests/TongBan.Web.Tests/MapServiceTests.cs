using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using TongBan.Web.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace TongBan.Web.Tests;

/// <summary>
/// The map's item filter over the seeded item lists, and 预约 / 线上取号 from a hall's popup and the nearest list.
/// </summary>
[Collection(WebCollection.Name)]
[Trait("Category", "Browser")]
public sealed partial class MapServiceTests(WebApp app)
{
    [GeneratedRegex("^[1-9][0-9]*$")]
    private static partial Regex PositiveCount();

    [Fact]
    public async Task Choosing_an_item_shows_only_the_points_that_handle_it()
    {
        await using var browser = await app.OpenAsync("/map");
        var page = browser.Page;
        await Expect(page.Locator("#live-state")).ToHaveAttributeAsync("data-state", "connected", new() { Timeout = 15_000 });
        await Expect(page.Locator("main")).ToHaveAttributeAsync("data-points", PositiveCount(), new() { Timeout = 10_000 });
        var all = await PointsAsync(page);

        // 结婚登记 is handled by the halls only; 个人参保证明打印 also by stations and self-service terminals.
        await ChooseAsync(page, "结婚登记");
        await Expect(page.Locator("#item-chosen")).ToContainTextAsync("只显示可办理的网点");
        var marriage = await PointsAsync(page);
        var halls = (await app.Http.GetFromJsonAsync<JsonElement[]>("/api/halls?item=mz-002"))!;
        Assert.All(halls, h => Assert.Equal("hall", h.GetProperty("type").GetString()));
        Assert.InRange(marriage, 1, halls.Length);
        Assert.True(marriage < all / 10, $"结婚登记 at {marriage} of {all} points");

        await page.Locator("#item-chosen button").ClickAsync();
        await Expect(page.Locator("main")).ToHaveAttributeAsync("data-points", all.ToString(CultureInfo.InvariantCulture));
        await ChooseAsync(page, "个人参保证明打印");
        var print = await PointsAsync(page);
        Assert.True(print > 5 * marriage && print < all, $"参保证明 at {print}, 结婚登记 at {marriage}, all {all}");

        // The nearest search asks for the item too: every result handles it.
        foreach (var box in await page.Locator(".types input[type=checkbox]").AllAsync())
        {
            await box.UncheckAsync();
        }

        await page.Locator("#mode").SelectOptionAsync("drive"); // on foot only points within 5 km are proposed
        await page.Locator("#map").ClickAsync();
        await Expect(page.Locator("#nearest li").First).ToBeVisibleAsync(new() { Timeout = 10_000 });
        var codes = await page.Locator("#nearest li").EvaluateAllAsync<string[]>("els => els.map(e => e.dataset.code)");
        var handling = (await app.Http.GetFromJsonAsync<JsonElement[]>("/api/halls?item=rsj-006"))!.Select(h => h.GetProperty("code").GetString()).ToHashSet();
        Assert.All(codes, c => Assert.Contains(c, handling));
        await browser.ScreenshotAsync("map-item-filter");
        browser.AssertNoErrors();
    }

    [Fact]
    public async Task A_citizen_books_an_appointment_and_takes_a_remote_ticket_from_the_map()
    {
        const string hall = "520102-H001";
        await using var browser = await app.OpenAsync("/map", width: 390, height: 844);
        var page = browser.Page;
        await Expect(page.Locator("#live-state")).ToHaveAttributeAsync("data-state", "connected", new() { Timeout = 15_000 });
        await ChooseAsync(page, "结婚登记");

        // From the nearest list near 南明区: the hall's 预约 button opens the panel.
        foreach (var box in await page.Locator(".types input[type=checkbox]").AllAsync())
        {
            await box.UncheckAsync();
        }

        await page.Locator("#mode").SelectOptionAsync("drive"); // on foot only points within 5 km are proposed
        await page.Locator("#map").ClickAsync();
        var result = page.Locator($"#nearest li[data-code='{hall}']");
        var first = page.Locator("#nearest li").First;
        await Expect(first).ToBeVisibleAsync(new() { Timeout = 10_000 });
        var target = await result.CountAsync() > 0 ? result : first;
        var code = (await target.GetAttributeAsync("data-code"))!;
        await target.Locator("button[data-action=book]").ClickAsync();
        var panel = page.Locator("#service-panel");
        await Expect(panel).ToBeVisibleAsync();
        await Expect(panel).ToHaveAttributeAsync("data-hall", code);
        await Expect(page.Locator("#book-item")).ToHaveValueAsync("mz-002");

        // The panel opens on the point's next open day; pick a day the API says has free slots (today's may have passed).
        var category = await page.Locator("#book-category").InputValueAsync();
        await Expect(page.Locator("#book-slot")).ToHaveAttributeAsync("data-loaded", new Regex("^[0-9-]{10}/" + category + "$"));
        var date = await FreeDayAsync(code, category);
        await page.Locator("#book-date").FillAsync(date);
        await page.Locator("#book-date").DispatchEventAsync("change");
        await Expect(page.Locator("#book-slot")).ToHaveAttributeAsync("data-loaded", $"{date}/{category}");
        await Expect(page.Locator("#book-slot option").First).ToBeAttachedAsync();
        await page.Locator("#book-name").FillAsync("王芳");
        await page.Locator("#book-id").FillAsync(WebCases.Id("52010219920315123"));
        await page.Locator("#book-phone").FillAsync("13985012399");
        await page.Locator("#book-submit").ClickAsync();
        await Expect(page.Locator("#book-result")).ToHaveAttributeAsync("data-kind", "ok", new() { Timeout = 5000 });
        await Expect(page.Locator("#book-result")).ToContainTextAsync("预约成功");
        await Expect(page.Locator("#book-result")).ToContainTextAsync("王*");
        await Expect(page.Locator("#book-result")).Not.ToContainTextAsync("13985012399");
        var appointment = (await panel.GetAttributeAsync("data-appointment"))!;
        Assert.StartsWith(code, appointment, StringComparison.Ordinal);

        // The same booking again is refused in plain Chinese (one per person, item and day).
        await page.Locator("#book-submit").ClickAsync();
        await Expect(page.Locator("#book-result")).ToHaveTextAsync("您当天已预约过该事项，无需重复预约。", new() { Timeout = 5000 });
        browser.ExpectRefused(409, $"/api/halls/{code}/appointments");
        await browser.ScreenshotAsync("map-booking-phone");
        await browser.AssertAccessibleAsync("map-booking-phone");

        // 线上取号 at the same hall: a ticket number and the queue position.
        await page.Locator("#ticket-category").SelectOptionAsync("A");
        await page.Locator("#ticket-id").FillAsync(WebCases.Id("52010219920315123")); // remote tickets are taken signed in, as oneself
        var take = page.Locator("#take-ticket");
        if (await take.IsEnabledAsync())
        {
            await take.ClickAsync();
            await Expect(page.Locator("#ticket-result")).ToContainTextAsync("取号成功", new() { Timeout = 5000 });
            var ticketNo = (await panel.GetAttributeAsync("data-ticket"))!;
            var ticket = await app.Http.GetFromJsonAsync<JsonElement>($"/api/halls/{code}/tickets/{ticketNo}");
            Assert.Equal("waiting", ticket.GetProperty("state").GetString());

            // A retry of the same request (same Idempotency-Key) returns the same ticket, not a second one.
            await take.ClickAsync();
            await Expect(page.Locator("#ticket-result")).ToContainTextAsync(ticketNo);
            Assert.Equal(ticketNo, await panel.GetAttributeAsync("data-ticket"));
        }
        else
        {
            // Outside opening hours the page says why instead of offering the button.
            await Expect(page.Locator("#ticket-form")).ToContainTextAsync("暂不能线上取号");
        }

        browser.AssertNoErrors();
    }

    /// <summary>The first day within a week on which the hall has a bookable slot of the category (asked of the API, as the page does).</summary>
    private async Task<string> FreeDayAsync(string hall, string category)
    {
        var today = DateTime.UtcNow.AddHours(8).Date;
        for (var d = 0; d < 10; d++)
        {
            var date = today.AddDays(d).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            using var response = await app.Http.GetAsync($"/api/halls/{hall}/appointments/slots?date={date}&category={category}");
            if (response.IsSuccessStatusCode && (await response.Content.ReadFromJsonAsync<JsonElement[]>())!.Any(s => s.GetProperty("bookable").GetBoolean()))
            {
                return date;
            }
        }

        throw new InvalidOperationException($"{hall} has no bookable {category} slot in the coming days.");
    }

    private static async Task ChooseAsync(IPage page, string name)
    {
        await page.Locator("#item-q").FillAsync(name);
        var button = page.Locator("#item-results button", new() { HasTextString = name }).First;
        await Expect(button).ToBeVisibleAsync(new() { Timeout = 5000 });
        await button.ClickAsync();
        await Expect(page.Locator("#item-chosen")).ToContainTextAsync(name);
    }

    private static async Task<int> PointsAsync(IPage page) =>
        int.Parse((await page.Locator("main").GetAttributeAsync("data-points"))!, CultureInfo.InvariantCulture);
}
