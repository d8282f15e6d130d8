using System.Net.Http.Json;
using System.Text.Json;
using TongBan.Web.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace TongBan.Web.Tests;

/// <summary>
/// The window's rating pad as a separate device (its own browser context: no shared storage or BroadcastChannel with
/// the clerk's console): it learns the just-finished ticket from the live hub (WatchWindowPad → ratingOffer).
/// </summary>
[Collection(WebCollection.Name)]
[Trait("Category", "Browser")]
public sealed class RatePadDeviceTests(WebApp app)
{
    [Fact]
    public async Task Finishing_at_the_clerk_console_offers_the_ticket_to_that_windows_pad_on_another_device()
    {
        const string hall = "520181-H001";
        await using var pad = await app.OpenAsync($"/rate?hall={hall}&window=1", width: 800, height: 1280);
        await using var otherPad = await app.OpenAsync($"/rate?hall={hall}&window=2", width: 800, height: 1280);
        foreach (var p in new[] { pad, otherPad })
        {
            await Expect(p.Page.Locator("#live-state")).ToHaveAttributeAsync("data-state", "connected", new() { Timeout = 15_000 });
            await Expect(p.Page.Locator("#pad-idle")).ToBeVisibleAsync();
            await Expect(p.Page.Locator("#rating-pad")).ToBeHiddenAsync();
        }

        var ticket = await app.TakeTicketAsync(hall);
        await using var clerk = await app.OpenAsync($"/clerk?hall={hall}&window=1");
        var console = clerk.Page;
        await Expect(console.Locator("#live-state")).ToHaveAttributeAsync("data-state", "connected", new() { Timeout = 15_000 });
        await console.Locator("#sign-in").ClickAsync();
        await Expect(console.Locator("#w-state")).ToHaveTextAsync("开放");
        await console.Locator("#act-call-next").ClickAsync();
        await Expect(console.Locator("#w-ticket")).ToHaveTextAsync(ticket);
        await console.Locator("#act-start").ClickAsync();
        await Expect(console.Locator("#message")).ToContainTextAsync("开始办理");
        await console.Locator("#act-finish").ClickAsync();
        await Expect(console.Locator("#message")).ToContainTextAsync("办结");

        // Within 2 s the window's pad shows the ticket; the next window's pad stays idle.
        var page = pad.Page;
        await Expect(page.Locator("#rating-pad")).ToBeVisibleAsync(new() { Timeout = 2000 });
        await Expect(page.Locator("#rating-pad")).ToHaveAttributeAsync("data-ticket", ticket);
        await Expect(page.Locator("#pad-idle")).ToBeHiddenAsync();
        await Expect(otherPad.Page.Locator("#pad-idle")).ToBeVisibleAsync();
        await Expect(otherPad.Page.Locator("#rating-pad")).ToBeHiddenAsync();
        await pad.ScreenshotAsync("rate-pad-device");
        await pad.AssertAccessibleAsync("rate-pad-device");

        await page.GetByLabel("满意", new() { Exact = true }).CheckAsync();
        await page.Locator("#pad-submit").ClickAsync();
        await Expect(page.Locator("#pad-message")).ToHaveTextAsync("感谢您的评价：满意");
        var summary = await app.Http.GetFromJsonAsync<JsonElement>($"/api/ratings/summary?scope=hall&id={hall}&period=today");
        Assert.Equal(1, summary.GetProperty("total").GetInt32());
        Assert.Equal(1, summary.GetProperty("byLevel").GetProperty("4").GetInt32());

        // A pad that connects later (or reconnects) gets the still-valid offer from WatchWindowPad; the API still
        // takes one rating per ticket.
        await using var late = await app.OpenAsync($"/rate?hall={hall}&window=1");
        await Expect(late.Page.Locator("#rating-pad")).ToHaveAttributeAsync("data-ticket", ticket, new() { Timeout = 15_000 });
        await late.Page.GetByLabel("非常满意").CheckAsync();
        await late.Page.Locator("#pad-submit").ClickAsync();
        await Expect(late.Page.Locator("#pad-message")).ToHaveTextAsync("该号已评价过，每次服务只评价一次。");
        late.ExpectRefused(409, "/api/ratings");

        foreach (var p in new[] { pad, otherPad, clerk, late })
        {
            p.AssertNoErrors();
        }
    }
}
