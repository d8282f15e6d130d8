using System.Globalization;
using TongBan.Grains.Calendar;
using TongBan.Web.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace TongBan.Web.Tests;

/// <summary>Issue 19: the map's nearest list says when a closed hall opens (「周一 09:00 开门」) and counts the wait for it.</summary>
[Collection(WebCollection.Name)]
[Trait("Category", "Browser")]
public sealed class MapOpeningTests(WebApp app)
{
    /// <summary>
    /// A rest-day evening before a working day within the week (the API's <c>at</c> takes 7 days ahead), else any evening
    /// at 20:00 (all halls closed then): the page's own requests are given this planned arrival, so the test does not
    /// depend on the hour it runs.
    /// </summary>
    private static (DateTimeOffset At, string? Weekday) Evening()
    {
        var calendar = WorkingDayCalendar.LoadEmbedded();
        var today = DateOnly.FromDateTime(DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(8)).DateTime);
        for (var d = today.AddDays(1); d <= today.AddDays(6); d = d.AddDays(1))
        {
            if (!calendar.IsWorkingDay(d) && d.DayOfWeek != DayOfWeek.Saturday && calendar.IsWorkingDay(d.AddDays(1)))
            {
                return (new DateTimeOffset(d.ToDateTime(new TimeOnly(19, 30)), TimeSpan.FromHours(8)), "周" + "日一二三四五六"[(int)d.AddDays(1).DayOfWeek]);
            }
        }

        return (new DateTimeOffset(today.AddDays(1).ToDateTime(new TimeOnly(20, 0)), TimeSpan.FromHours(8)), null);
    }

    [Fact]
    public async Task Closed_halls_in_the_nearest_list_say_when_they_open()
    {
        var (at, weekday) = Evening();
        var atText = Uri.EscapeDataString(at.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture));
        await using var browser = await app.OpenAsync("/map", beforeLoad: page =>
            page.RouteAsync("**/api/map/nearest?**", route => route.ContinueAsync(new() { Url = route.Request.Url + "&type=hall&at=" + atText })));
        var page = browser.Page;
        await Expect(page.Locator("#live-state")).ToHaveAttributeAsync("data-state", "connected", new() { Timeout = 15_000 });
        foreach (var box in await page.Locator(".types input[type=checkbox]").AllAsync())
        {
            await box.UncheckAsync();
        }

        await page.Locator("#mode").SelectOptionAsync("drive");
        await page.Locator("#map").ClickAsync();
        var first = page.Locator("#nearest li").First;
        await Expect(first).ToBeVisibleAsync(new() { Timeout = 10_000 });
        await Expect(first.Locator(".opens")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(
            "^" + (weekday ?? "周[一二三四五六日]") + " \\d{2}:\\d{2} 开门$"));
        await Expect(first).ToContainTextAsync("等开门");
        await browser.ScreenshotAsync("map-closed-opens");
        browser.AssertNoErrors();
    }
}
