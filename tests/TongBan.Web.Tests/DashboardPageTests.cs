using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using TongBan.Web.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace TongBan.Web.Tests;

/// <summary>
/// The hall manager's 差评整改 and overdue-case lists, and the province supervisor's 按时办结率 and 受理地 → 属地 flows,
/// in the browser against the real host. Overdue and late cases are dated in the past (<see cref="PastCases"/>).
/// </summary>
[Collection(WebCollection.Name)]
[Trait("Category", "Browser")]
public sealed partial class DashboardPageTests(WebApp app)
{
    private static readonly LocatorAssertionsToHaveCountOptions Live = new() { Timeout = 2000 };

    private readonly PastCases past = new(app);
    private readonly WebCases cases = new(app);

    [GeneratedRegex("^[1-9][0-9]* 个工作日$")]
    private static partial Regex WorkingDaysOverdue();

    [Fact]
    public async Task Hall_dashboard_lists_open_bad_review_follow_ups_and_the_halls_overdue_cases_live()
    {
        const string hall = "520123-H001";

        // A 差评 on a ticket this hall served opens a follow-up (待核实, return visit due the next working day).
        var ticket = await app.TakeTicketAsync(hall);
        var clerk = await app.TokenAsync("clerk", hall, 1, subject: "clerk-xw-01");
        foreach (var step in new[] { "open", "call-next", "start", "finish" })
        {
            using var r = await app.PostAsync($"/api/halls/{hall}/windows/1/{step}", clerk);
            r.EnsureSuccessStatusCode();
        }

        using (var rated = await app.PostAsync("/api/ratings", clerk, new { hallCode = hall, ticketNo = ticket, level = 1, channel = "windowPad", comment = "等了很久" }))
        {
            rated.EnsureSuccessStatusCode();
        }

        // Overdue: one received here for 遵义's department, one of this county received in 南明区, one elsewhere entirely.
        var receivedHere = await past.AcceptedAsync("520302", hall);
        var responsibleHere = await past.AcceptedAsync("520123", "520102-H001");
        var elsewhere = await past.AcceptedAsync("520302", "520302-H001");

        await using var browser = await app.OpenAsync($"/hall?hall={hall}");
        var page = browser.Page;
        await Expect(page.Locator("#live-state")).ToHaveAttributeAsync("data-state", "connected", new() { Timeout = 15_000 });

        var followUp = page.Locator("#follow-ups tr");
        await Expect(followUp).ToHaveCountAsync(1, new() { Timeout = 5000 });
        await Expect(followUp.Locator("[data-field=stage]")).ToHaveTextAsync("待核实");
        await Expect(followUp.Locator("[data-field=state]")).ToHaveTextAsync("期限内");
        await Expect(followUp).ToContainTextAsync("非常不满意");

        var overdue = page.Locator("#overdue-cases tr");
        await Expect(overdue).ToHaveCountAsync(2);
        await Expect(page.Locator($"#overdue-cases tr[data-case='{receivedHere}']")).ToContainTextAsync("本厅收件");
        await Expect(page.Locator($"#overdue-cases tr[data-case='{responsibleHere}']")).ToContainTextAsync("本地部门承办");
        await Expect(page.Locator($"#overdue-cases tr[data-case='{elsewhere}']")).ToHaveCountAsync(0);
        await Expect(page.Locator($"#overdue-cases tr[data-case='{receivedHere}'] td[data-field=overdue]")).ToHaveTextAsync(WorkingDaysOverdue());
        await Expect(page.Locator($"#overdue-cases tr[data-case='{receivedHere}']")).ToHaveClassAsync("overdue");
        await Expect(page.Locator("#overdue-status")).ToHaveTextAsync("2 件超期未办结");
        await browser.ScreenshotAsync("hall-follow-ups-overdue");
        await browser.AssertAccessibleAsync("hall-follow-ups-overdue");

        // The county's department finishes its case: the open page drops it on the push, without a reload.
        await page.EvaluateAsync("window.__sameDocument = true");
        var approver = await app.TokenAsync("approver", subject: "approver-xw-web", departmentCode: "rsj", regionCode: "520123");
        await cases.MoveAsync(responsibleHere, approver, 3, "startReview");
        await cases.MoveAsync(responsibleHere, approver, 4, "approve");
        await cases.MoveAsync(responsibleHere, approver, 5, "complete");
        await Expect(page.Locator($"#overdue-cases tr[data-case='{responsibleHere}']")).ToHaveCountAsync(0, Live);
        await Expect(overdue).ToHaveCountAsync(1);
        Assert.True(await page.EvaluateAsync<bool>("window.__sameDocument === true"), "the list must follow without a reload");
        browser.AssertNoErrors();
    }

    [Fact]
    public async Task Province_dashboard_shows_on_time_rates_and_cross_region_flows()
    {
        // 都匀市 (522701) applicants received in 兴义市 (522301): two finished, one of them two months late; one just submitted.
        await past.AcceptedAsync("522701", "522301-H001", completeAfterDays: 1);
        await past.AcceptedAsync("522701", "522301-H001", completeAfterDays: 60);
        await past.SubmittedAsync("522701", "522301-H001");

        await using var browser = await app.OpenAsync("/province");
        var page = browser.Page;
        await Expect(page.Locator("#live-state")).ToHaveAttributeAsync("data-state", "connected", new() { Timeout = 15_000 });
        await Expect(page.Locator("#counties tr[data-code='522701'] td[data-field=on-time]")).ToHaveTextAsync("50.0%（1/2）", new() { Timeout = 5000 });
        await Expect(page.Locator("#prefectures tr[data-code='522700'] td[data-field=on-time]")).ToHaveTextAsync("50.0%（1/2）");
        await Expect(page.Locator("#counties tr[data-code='522301'] td[data-field=on-time]")).ToHaveTextAsync("—");
        await Expect(page.Locator("#on-time-definition")).ToContainTextAsync("按时办结率 = 按期办结件数 ÷ 办结件数");

        var flow = page.Locator("#flows tr[data-from='522301'][data-to='522701']");
        await Expect(flow).ToContainTextAsync("兴义市");
        await Expect(flow.Locator("td[data-field=cases]")).ToHaveTextAsync("3");
        await Expect(page.Locator("#province-map")).ToHaveAttributeAsync("data-flows", new Regex("^[1-9][0-9]*$"));

        await page.Locator("#metric").SelectOptionAsync("onTimeRate");
        await Expect(page.Locator("#legend")).ToContainTextAsync("%");
        await browser.ScreenshotAsync("province-on-time-flows");
        await browser.AssertAccessibleAsync("province-on-time-flows");

        // Between prefectures: 黔西南州 → 黔南州.
        await page.Locator("#flow-level").SelectOptionAsync("prefecture");
        await Expect(page.Locator("#flows tr[data-from='522300'][data-to='522700'] td[data-field=cases]")).ToHaveTextAsync("3");
        browser.AssertNoErrors();

        // The figures are the API's: a supervisor of the province reads the same.
        var supervisor = await app.TokenAsync("supervisor", regionCode: "520000");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/metrics/on-time?level=county");
        request.Headers.Authorization = new("Bearer", supervisor);
        using var response = await app.Http.SendAsync(request);
        var body = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        var duyun = body.GetProperty("regions").EnumerateArray().Single(r => r.GetProperty("code").GetString() == "522701");
        Assert.Equal((2, 1), (duyun.GetProperty("finished").GetInt32(), duyun.GetProperty("onTime").GetInt32()));
    }
}
