using TongBan.Grains.Catalogue;
using TongBan.Grains.Licences;
using TongBan.Web.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace TongBan.Web.Tests;

/// <summary>收件受理 in the clerk console: material checklist with an e-licence, one-time notice, receipt of the supplement, acceptance.</summary>
[Collection(WebCollection.Name)]
[Trait("Category", "Browser")]
public sealed class IntakeTests(WebApp app)
{
    /// <summary>A province-wide county item that takes the ID card as an e-licence and also needs a paper material.</summary>
    private static readonly ServiceItem Item = ServiceCatalogue.Seeded().Items.First(i =>
        i.ProvinceWide && i.Level == HandlingLevel.County && i.Materials.Any(m => m.ReplaceableBy == ELicenceType.ResidentIdCard)
        && i.Materials.Any(m => m.ReplaceableBy is null && m.Copies > 0));

    [Fact]
    public async Task Clerk_console_receives_with_the_checklist_issues_the_one_time_notice_and_accepts()
    {
        const string hall = "520102-H001";
        var paper = Item.Materials.First(m => m.ReplaceableBy is null && m.Copies > 0);
        var idCard = Item.Materials.First(m => m.ReplaceableBy == ELicenceType.ResidentIdCard);
        var idNumber = InProcessELicenceRegistry.HolderA;
        const string phone = "13885001234";

        await using var browser = await app.OpenAsync($"/clerk?hall={hall}&window=2");
        var page = browser.Page;
        await Expect(page.Locator("#live-state")).ToHaveAttributeAsync("data-state", "connected", new() { Timeout = 15_000 });
        await page.Locator("#sign-in").ClickAsync();
        await Expect(page.Locator("#w-state")).ToHaveTextAsync("开放");

        await page.Locator("#intake-q").FillAsync(Item.Name);
        await page.Locator("#intake-search").ClickAsync();
        await page.Locator($"#intake-items button[data-code='{Item.Code}']").ClickAsync();
        await Expect(page.Locator("#intake-item")).ToContainTextAsync(Item.Name);
        await Expect(page.Locator("#intake-materials tr")).ToHaveCountAsync(Item.Materials.Count);

        await page.Locator("#intake-name").FillAsync("陈小华");
        await page.Locator("#intake-id").FillAsync(idNumber);
        await page.Locator("#intake-phone").FillAsync(phone);
        await page.Locator("#intake-licence-lookup").ClickAsync();
        await Expect(page.Locator("#intake-message")).ToContainTextAsync("有效电子证照");
        await Expect(page.Locator($"#intake-materials tr[data-material='{idCard.Id}'] select")).Not.ToHaveValueAsync(string.Empty);

        // Every original checked, but one paper material not handed in.
        foreach (var original in await page.Locator("#intake-materials [data-field=original]").AllAsync())
        {
            await original.CheckAsync();
        }

        await page.Locator($"#intake-materials tr[data-material='{paper.Id}'] [data-field=received]").UncheckAsync();
        await page.Locator("#intake-receive").ClickAsync();
        await Expect(page.Locator("#intake-status")).ToHaveTextAsync("已收件");
        await Expect(page.Locator("#intake-gaps li")).ToHaveCountAsync(1);
        await Expect(page.Locator("#intake-gaps li").First).ToContainTextAsync(paper.Name);
        await Expect(page.Locator("#intake-licences li[data-verified=true]")).ToContainTextAsync("已核验");

        await page.Locator("#intake-notify").ClickAsync();
        await Expect(page.Locator("#intake-status")).ToHaveTextAsync("一次性告知");
        await Expect(page.Locator("#notice-materials li")).ToHaveCountAsync(1);
        await Expect(page.Locator("#notice-materials li").First).ToContainTextAsync($"{paper.Name}：缺少");
        await browser.ScreenshotAsync("clerk-intake-notice");

        // The applicant comes back with it: receive again, now complete, and accept.
        await page.Locator($"#intake-materials tr[data-material='{paper.Id}'] [data-field=received]").CheckAsync();
        await page.Locator("#intake-rereceive").ClickAsync();
        await Expect(page.Locator("#intake-status")).ToHaveTextAsync("已收件");
        await Expect(page.Locator("#intake-gaps")).ToHaveTextAsync("材料齐全");
        await page.Locator("#intake-accept").ClickAsync();
        await Expect(page.Locator("#intake-status")).ToHaveTextAsync("已受理");

        var text = await page.Locator("body").InnerTextAsync();
        Assert.DoesNotContain(idNumber, text, StringComparison.Ordinal);
        Assert.DoesNotContain(phone, text, StringComparison.Ordinal);
        await browser.ScreenshotAsync("clerk-intake");
        await browser.AssertAccessibleAsync("clerk-intake");
        browser.AssertNoErrors();
    }
}
