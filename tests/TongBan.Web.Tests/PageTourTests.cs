using System.Text.RegularExpressions;
using TongBan.Web.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace TongBan.Web.Tests;

/// <summary>
/// Every page at phone and desktop size, the citizen pages (home, map, rating pad) in the standard and the elderly mode
/// (长辈模式): a screenshot each (tour-{page}-{mode}-{size}.png in the screenshots folder), and axe finds no serious or
/// critical violation. In the elderly mode the page also keeps to its promises: no text under 18 px, no control under
/// 44 × 44 px, and 7:1 contrast (axe's WCAG AAA rule).
/// </summary>
[Collection(WebCollection.Name)]
[Trait("Category", "Browser")]
public sealed partial class PageTourTests(WebApp app)
{
    [GeneratedRegex("^[1-9][0-9]*$")]
    private static partial Regex PositiveCount();

    private static readonly (string Name, string Path, string Ready, bool Live, bool Citizen)[] Pages =
    [
        ("index", "/", "index", false, true),
        ("map", "/map", "map", true, true),
        ("rate", "/rate?hall=520102-H001&window=1&ticket=A001", "rate", false, true),
        ("hall", "/hall?hall=520102-H001", "hall", true, false),
        ("hall-history", "/hall?hall=520102-H001&tab=history", "hall", true, false),
        ("screen", "/screen?hall=520102-H001", "screen", true, false),
        ("clerk", "/clerk?hall=520102-H001&window=1", "clerk", true, false),
        ("province", "/province", "province", true, false),
        ("hotline", "/hotline", "hotline", true, false),
    ];

    public static TheoryData<string, string, string> Tour()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var page in Pages)
        {
            foreach (var size in new[] { "phone", "desktop" })
            {
                data.Add(page.Name, "standard", size);
                if (page.Citizen)
                {
                    data.Add(page.Name, "elder", size);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Tour))]
    public async Task Page_in_each_mode_and_size_is_accessible(string name, string mode, string size)
    {
        var spec = Pages.Single(p => p.Name == name);
        var (width, height) = size == "phone" ? (390, 844) : (1280, 800);
        await using var browser = await app.OpenAsync(spec.Path, width, height, mode == "elder" ? CitizenModes.StartInElderMode : null);
        var page = browser.Page;
        await Expect(page.Locator("main")).ToHaveAttributeAsync("data-ready", spec.Ready, new() { Timeout = 15_000 });
        if (spec.Live)
        {
            await Expect(page.Locator("#live-state")).ToHaveAttributeAsync("data-state", "connected", new() { Timeout = 15_000 });
        }

        if (name == "map")
        {
            await Expect(page.Locator("#map")).ToHaveAttributeAsync("data-clusters", PositiveCount(), new() { Timeout = 10_000 });
        }

        if (name == "hall-history")
        {
            await Expect(page.Locator("#panel-history")).ToHaveAttributeAsync("data-loaded", "true", new() { Timeout = 15_000 });
            await Expect(page.Locator("#chart-served canvas")).ToBeVisibleAsync();
        }

        if (spec.Citizen)
        {
            await Expect(page.Locator("html")).ToHaveAttributeAsync("data-mode", mode);
            await Expect(page.Locator("#elder-toggle")).ToHaveAttributeAsync("aria-pressed", mode == "elder" ? "true" : "false");
        }
        else
        {
            await Expect(page.Locator("#elder-toggle")).ToHaveCountAsync(0);
        }

        await browser.ScreenshotAsync($"tour-{name}-{mode}-{size}");
        if (mode == "elder")
        {
            await CitizenModes.AssertElderlyLayoutAsync(page);
            await browser.AssertAccessibleAsync($"tour-{name}-{mode}-{size}", CitizenModes.EnhancedContrast);
        }
        else
        {
            await browser.AssertAccessibleAsync($"tour-{name}-{mode}-{size}");
        }

        browser.AssertNoErrors();
    }
}
