using System.Net;
using Microsoft.Playwright;
using TongBan.Grains.Cases;
using TongBan.Web.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace TongBan.Web.Tests;

/// <summary>
/// The 12345 坐席 console in the browser: caller verification, the masked case view, 催办 with escaped text, live
/// update of the open case, and the wording of a wrong answer and of the throttle.
/// </summary>
[Collection(WebCollection.Name)]
[Trait("Category", "Browser")]
public sealed class HotlinePageTests(WebApp app)
{
    private readonly WebCases cases = new(app);

    [Fact]
    public async Task Hotline_console_verifies_the_caller_shows_masked_data_and_follows_the_case_live()
    {
        var idNumber = WebCases.Id("52010219910712345");
        const string phone = "13885009876";
        var caseNo = await cases.UnderReviewAsync(idNumber, "赵小红", phone);

        await using var browser = await app.OpenAsync("/hotline");
        var page = browser.Page;
        await Expect(page.Locator("#live-state")).ToHaveAttributeAsync("data-state", "connected", new() { Timeout = 15_000 });

        // A wrong answer reads exactly like an unknown case.
        await page.Locator("#case-no").FillAsync(caseNo);
        await page.Locator("#verify").FillAsync("0000");
        await page.Locator("#lookup").ClickAsync();
        await Expect(page.Locator("#message")).ToHaveAttributeAsync("data-kind", "error");
        await Expect(page.Locator("#message")).ToContainTextAsync("未找到该案件，或核验信息不符");
        await Expect(page.Locator("#case-view")).ToBeHiddenAsync();
        browser.ExpectRefused(404, $"{caseNo}?verify=0000");

        await page.Locator("#verify").FillAsync(phone[^4..]);
        await page.Locator("#lookup").ClickAsync();
        await Expect(page.Locator("#case-status")).ToHaveTextAsync("审查中");
        await Expect(page.Locator("#case-name")).ToHaveTextAsync("赵**");
        await Expect(page.Locator("#case-phone")).ToHaveTextAsync("138****9876");
        await Expect(page.Locator("#case-id")).ToHaveTextAsync("5201**********" + idNumber[^4..]);
        await Expect(page.Locator("#case-dept")).ToContainTextAsync("南明区");
        await Expect(page.Locator("#case-deadline")).ToContainTextAsync("前办结");
        await Expect(page.Locator("#case-delivery")).ToContainTextAsync("尚未办结");
        await Expect(page.Locator("#timeline li")).ToHaveCountAsync(4);
        var text = await page.Locator("body").InnerTextAsync();
        Assert.DoesNotContain(idNumber, text, StringComparison.Ordinal);
        Assert.DoesNotContain(phone, text, StringComparison.Ordinal);
        Assert.DoesNotContain(idNumber[6..14], text, StringComparison.Ordinal);
        await Expect(page.Locator("#case-view")).ToHaveAttributeAsync("data-watching", "true");

        // 催办 with markup in it: stored and shown as text.
        await page.Locator("#urge-text").FillAsync("<b>已等很久</b>，请尽快办理");
        await page.Locator("#act-urge").ClickAsync();
        await Expect(page.Locator("#action-message")).ToContainTextAsync("已登记催办 第1号");
        await Expect(page.Locator("#timeline")).ToContainTextAsync("<b>已等很久</b>，请尽快办理");
        await Expect(page.Locator("#timeline b")).ToHaveCountAsync(0);
        await Expect(page.Locator("#open-items li")).ToHaveCountAsync(1);

        // The department approves through the API: the open console follows without a reload.
        await page.EvaluateAsync("window.__sameDocument = true");
        await cases.MoveAsync(caseNo, await cases.ApproverAsync(), 4, "approve");
        await Expect(page.Locator("#case-status")).ToHaveTextAsync("已批准", new() { Timeout = 2000 });
        await Expect(page.Locator("#timeline li[data-kind=case]")).ToHaveCountAsync(5);
        Assert.True(await page.EvaluateAsync<bool>("window.__sameDocument === true"), "the page must update without a reload");

        await browser.ScreenshotAsync("hotline");
        await browser.AssertAccessibleAsync("hotline");
        browser.AssertNoErrors();
    }

    [Fact]
    public async Task Hotline_console_explains_the_lock_after_repeated_failed_verifications()
    {
        var caseNo = CaseNumber.Create("520102", DateOnly.FromDateTime(DateTime.UtcNow), 960_001).Value;
        var agent = await app.TokenAsync("hotlineAgent", subject: "agent-web-throttle");
        for (var i = 0; i < 5; i++)
        {
            using var miss = await cases.RawAsync(HttpMethod.Get, $"/api/hotline/cases/{caseNo}?verify={1000 + i}", agent);
            Assert.Equal(HttpStatusCode.NotFound, miss.StatusCode);
        }

        await using var browser = await app.OpenAsync("/hotline", width: 390, height: 844);
        var page = browser.Page;
        await page.Locator("#case-no").FillAsync(caseNo);
        await page.Locator("#verify").FillAsync("2222");
        await page.Locator("#verify").PressAsync("Enter");
        await Expect(page.Locator("#message")).ToContainTextAsync("核验失败次数过多");
        await Expect(page.Locator("#message")).ToContainTextAsync("分钟后再试");
        browser.ExpectRefused(429, $"{caseNo}?verify=2222");
        await browser.ScreenshotAsync("hotline-locked-phone");
        await browser.AssertAccessibleAsync("hotline-locked-phone");
        browser.AssertNoErrors();
    }

    [Fact]
    public async Task Hotline_console_lists_a_callers_cases_masked_and_opens_one_with_the_same_identifier()
    {
        var idNumber = WebCases.Id("52010219880214567");
        const string phone = "13885007788";
        var first = await cases.UnderReviewAsync(idNumber, "钱多多", phone);
        var second = await cases.UnderReviewAsync(idNumber, "钱多多", phone);

        await using var browser = await app.OpenAsync("/hotline", width: 390, height: 844);
        var page = browser.Page;
        await Expect(page.Locator("#live-state")).ToHaveAttributeAsync("data-state", "connected", new() { Timeout = 15_000 });
        await page.Locator("#caller-kind").SelectOptionAsync("idNumber");
        await page.Locator("#caller-id").FillAsync(idNumber);
        await page.Locator("#caller-search").ClickAsync();
        await Expect(page.Locator("#caller-cases li")).ToHaveCountAsync(2);
        await Expect(page.Locator($"#caller-cases li[data-case='{first}']")).ToContainTextAsync("审查中");
        await Expect(page.Locator("#caller-message")).ToContainTextAsync("名下 2 件办件");
        await Expect(page.Locator("#caller-message")).ToContainTextAsync("5201");
        await Expect(page.Locator("#caller-id")).ToHaveValueAsync(string.Empty);
        Assert.DoesNotContain(idNumber, await page.Locator("body").InnerTextAsync(), StringComparison.Ordinal);

        // Opening one runs the usual verified look-up with the identifier's last four.
        await page.Locator($"#caller-cases button[data-case='{second}']").ClickAsync();
        await Expect(page.Locator("#case-view h2")).ToContainTextAsync(second);
        await Expect(page.Locator("#case-name")).ToHaveTextAsync("钱**");
        await Expect(page.Locator("#verify")).ToHaveValueAsync(idNumber[^4..]);

        // By phone too; an unknown caller gets a plain answer, a malformed number a format hint.
        await page.Locator("#caller-kind").SelectOptionAsync("phone");
        await page.Locator("#caller-id").FillAsync(phone);
        await page.Locator("#caller-search").ClickAsync();
        await Expect(page.Locator("#caller-message")).ToContainTextAsync("138****7788 名下 2 件办件");
        await page.Locator("#caller-id").FillAsync("13885000000");
        await page.Locator("#caller-search").ClickAsync();
        await Expect(page.Locator("#caller-message")).ToHaveTextAsync("138****0000 名下没有办件。");
        await page.Locator("#caller-id").FillAsync("12345");
        await page.Locator("#caller-search").ClickAsync();
        await Expect(page.Locator("#caller-message")).ToContainTextAsync("输入格式有误");
        browser.ExpectRefused(400, "/api/hotline/callers/cases");
        await browser.ScreenshotAsync("hotline-caller-cases-phone");
        await browser.AssertAccessibleAsync("hotline-caller-cases-phone");
        browser.AssertNoErrors();
    }

    [Fact]
    public async Task Hotline_console_shows_a_bundles_progress_and_its_child_cases()
    {
        var idNumber = WebCases.Id("52010219930606246");
        var citizen = await app.TokenAsync("citizen", subject: idNumber);
        var bundle = await cases.SendAsync(HttpMethod.Post, "/api/bundles", citizen, new
        {
            bundleCode = "newborn",
            applicant = new { name = "孙一一", idNumber, phone = "13885006161" },
            channel = "online",
        });
        var bundleNo = bundle.GetProperty("bundleNo").GetString()!;
        var childCase = bundle.GetProperty("children").EnumerateArray().First().GetProperty("caseNo").GetString()!;

        await using var browser = await app.OpenAsync("/hotline");
        var page = browser.Page;
        await Expect(page.Locator("#live-state")).ToHaveAttributeAsync("data-state", "connected", new() { Timeout = 15_000 });
        await page.Locator("#bundle-no").FillAsync(bundleNo);
        await page.Locator("#bundle-verify").FillAsync("0000");
        await page.Locator("#bundle-lookup").ClickAsync();
        await Expect(page.Locator("#bundle-message")).ToContainTextAsync("未找到");
        await Expect(page.Locator("#bundle-view")).ToBeHiddenAsync();
        browser.ExpectRefused(404, $"{bundleNo}?verify=0000");

        await page.Locator("#bundle-verify").FillAsync("6161");
        await page.Locator("#bundle-lookup").ClickAsync();
        await Expect(page.Locator("#bundle-status")).ToHaveTextAsync("办理中");
        await Expect(page.Locator("#bundle-progress-label")).ToHaveTextAsync("已办结 0 / 3 项（0%）");
        await Expect(page.Locator("#bundle-children tr")).ToHaveCountAsync(3);
        await Expect(page.Locator("#bundle-name")).ToHaveTextAsync("孙**");
        await Expect(page.Locator("#bundle-phone")).ToHaveTextAsync("138****6161");
        Assert.DoesNotContain(idNumber, await page.Locator("body").InnerTextAsync(), StringComparison.Ordinal);

        // A child case opens in the case view with the same verification.
        await page.Locator("#bundle-children button", new() { HasTextString = childCase }).ClickAsync();
        await Expect(page.Locator("#case-view h2")).ToContainTextAsync(childCase);
        await browser.ScreenshotAsync("hotline-bundle");
        await browser.AssertAccessibleAsync("hotline-bundle");
        browser.AssertNoErrors();
    }
}
