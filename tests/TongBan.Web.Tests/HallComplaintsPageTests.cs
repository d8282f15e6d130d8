using TongBan.Web.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace TongBan.Web.Tests;

/// <summary>Issue 19: 12345 complaints about a hall's conduct appear on that hall's dashboard, live, and leave it when its manager answers.</summary>
[Collection(WebCollection.Name)]
[Trait("Category", "Browser")]
public sealed class HallComplaintsPageTests(WebApp app)
{
    private readonly WebCases cases = new(app);

    [Fact]
    public async Task Hall_dashboard_lists_complaints_about_the_hall_live()
    {
        const string hall = "520111-H001"; // 花溪区: no other test complains about it
        var caseNo = await cases.UnderReviewAsync(WebCases.Id("52010219850505432"), "冯二", "13985004321");
        var agent = await app.TokenAsync("hotlineAgent", subject: "agent-web-complaints");

        await using var browser = await app.OpenAsync($"/hall?hall={hall}");
        var page = browser.Page;
        await Expect(page.Locator("#live-state")).ToHaveAttributeAsync("data-state", "connected", new() { Timeout = 15_000 });
        await Expect(page.Locator("#hall-complaints-status")).ToHaveTextAsync("没有待答复的投诉。", new() { Timeout = 5000 });
        await page.EvaluateAsync("window.__sameDocument = true");

        var complaint = await cases.SendAsync(HttpMethod.Post, $"/api/hotline/cases/{caseNo}/complaints", agent,
            new { verify = "4321", category = "attitude", subject = "hallConduct", hallCode = hall, text = "导服人员态度生硬" });
        var row = page.Locator($"#hall-complaints tr[data-case='{caseNo}']");
        await Expect(row).ToContainTextAsync("服务态度", new() { Timeout = 2000 });
        await Expect(row).ToContainTextAsync("导服人员态度生硬");
        await Expect(page.Locator("#hall-complaints-status")).ToHaveTextAsync("1 件待答复");
        await browser.ScreenshotAsync("hall-complaints");
        await browser.AssertAccessibleAsync("hall-complaints");

        var manager = await app.TokenAsync("hallManager", hall, subject: "manager-hx-web");
        await cases.SendAsync(HttpMethod.Post, $"/api/hotline/cases/{caseNo}/responses", manager,
            new { seq = complaint.GetProperty("seq").GetInt32(), text = "已批评教育，向群众致歉" });
        await Expect(row).ToHaveCountAsync(0, new() { Timeout = 2000 });
        Assert.True(await page.EvaluateAsync<bool>("window.__sameDocument === true"), "the list must follow without a reload");
        browser.AssertNoErrors();
    }
}
