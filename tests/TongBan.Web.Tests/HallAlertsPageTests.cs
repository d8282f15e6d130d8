using System.Net;
using System.Net.Http.Json;
using TongBan.Web.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace TongBan.Web.Tests;

/// <summary>Issue 18, part 5: an alert to the hall manager appears on the hall dashboard as the line passes its threshold.</summary>
[Collection(WebCollection.Name)]
[Trait("Category", "Browser")]
public sealed class HallAlertsPageTests(WebApp app)
{
    private readonly WebCases cases = new(app);

    [Fact]
    public async Task Hall_dashboard_shows_an_alert_when_the_line_passes_the_threshold()
    {
        const string hall = "522634-H001"; // 雷山县: no other test takes tickets there
        var manager = await app.TokenAsync("hallManager", hall, subject: "manager-ls-web");
        await cases.SendAsync(HttpMethod.Put, $"/api/halls/{hall}/alert-thresholds", manager,
            new { waitingCount = 1, predictedWaitMinutes = (int?)null, windowPausedMinutes = 20, noOpenWindow = false, deadlineWarningDays = (int?)null });

        await using var browser = await app.OpenAsync($"/hall?hall={hall}");
        var page = browser.Page;
        await Expect(page.Locator("#live-state")).ToHaveAttributeAsync("data-state", "connected", new() { Timeout = 15_000 });
        await Expect(page.Locator("#hall-alerts-status")).ToHaveTextAsync("没有未解除的预警。", new() { Timeout = 5000 });

        using (var take = await app.Http.PostAsJsonAsync($"/api/halls/{hall}/tickets", new { category = "A", kind = "walkIn" }))
        {
            Assert.Equal(HttpStatusCode.OK, take.StatusCode);
        }

        var row = page.Locator("#hall-alerts tr[data-alert='waitingCount'][data-subject='A']");
        await Expect(row).ToContainTextAsync("排队人数", new() { Timeout = 10_000 });
        await Expect(row).ToContainTextAsync("未解除");
        await Expect(page.Locator("#hall-alerts-status")).ToHaveTextAsync("1 条预警未解除");
        await browser.ScreenshotAsync("hall-alerts");
        await browser.AssertAccessibleAsync("hall-alerts");
        browser.AssertNoErrors();
    }
}
