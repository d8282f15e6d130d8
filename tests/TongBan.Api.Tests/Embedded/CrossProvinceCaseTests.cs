using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using TongBan.Api.Tests.Support;

namespace TongBan.Api.Tests.Embedded;

/// <summary>
/// 跨省通办 on cases, end to end over HTTP with a loopback partner province (its own <see cref="PartnerFixture"/>: the
/// partner answers 503 before it works, and 珠三角 is unreachable).
/// </summary>
[Trait("Category", "Integration")]
public class CrossProvinceCaseTests(PartnerFixture fixture) : IClassFixture<PartnerFixture>
{
    private const string Hall = "520102-H001";

    private static readonly Grains.Catalogue.ServiceItem Item = CaseDriver.Item;

    private async Task<string> Token(string role, string? subject = null, string? hallCode = null, string? departmentCode = null, string? regionCode = null)
    {
        var response = await fixture.Http.PostAsJsonAsync("/api/dev/token", new { role, subject, hallCode, departmentCode, regionCode });
        return (await CaseDriver.Ok(response)).GetProperty("token").GetString()!;
    }

    private async Task<HttpResponseMessage> Send(HttpMethod method, string path, string? token, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await fixture.Http.SendAsync(request);
    }

    private async Task<HttpResponseMessage> AsPartner(string path, object body, string code = "chuanyu", string token = "from-sichuan")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Add("X-Partner-Code", code);
        request.Headers.Add("X-Partner-Token", token);
        return await fixture.Http.SendAsync(request);
    }

    private async Task<JsonElement> Move(string caseNo, string token, string action, object? extra = null)
    {
        var current = await CaseDriver.Ok(await Send(HttpMethod.Get, $"/api/cases/{caseNo}", token));
        var body = new Dictionary<string, object?> { ["action"] = action, ["expectedVersion"] = current.GetProperty("version").GetInt32() };
        foreach (var p in extra?.GetType().GetProperties() ?? [])
        {
            body[p.Name] = p.GetValue(extra);
        }

        return await CaseDriver.Ok(await Send(HttpMethod.Post, $"/api/cases/{caseNo}/transitions", token, body));
    }

    private async Task<string> ApplyOnline(string idNumber, string phone)
    {
        var citizen = await Token("citizen", subject: idNumber);
        var created = await CaseDriver.Ok(await Send(HttpMethod.Post, "/api/cases", citizen, new
        {
            itemCode = Item.Code,
            applicant = new { name = "赵十八", idNumber, phone },
            channel = "online",
            materials = CaseDriver.Materials(Item, verified: false),
        }));
        return created.GetProperty("caseNo").GetString()!;
    }

    private static IEnumerable<JsonElement> Steps(JsonElement caseView, string kind) =>
        caseView.GetProperty("timeline").EnumerateArray().Where(e => e.GetProperty("crossProvince") is { ValueKind: JsonValueKind.Object } c && c.GetProperty("kind").GetString() == kind);

    [Fact]
    public async Task A_forwarded_case_shows_the_partners_progress_on_its_timeline_and_to_the_hotline()
    {
        var caseNo = await ApplyOnline(CaseDriver.Id("52010219900303001"), "13885001818");
        var clerk = await Token("clerk", subject: "clerk-1", hallCode: Hall);
        await Move(caseNo, clerk, "receive", new { materials = CaseDriver.Materials(Item, verified: true) });

        // Bad input is ProblemDetails, never 500.
        await ProblemAssert.IsProblem(await Send(HttpMethod.Post, $"/api/cases/{caseNo}/forward", clerk, new { partnerCode = "chuanyu", targetRegionCode = "520102" }), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblem(await Send(HttpMethod.Post, $"/api/cases/{caseNo}/forward", clerk, new { partnerCode = "mars", targetRegionCode = "510104" }), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblem(await Send(HttpMethod.Post, "/api/cases/GZ-nonsense/forward", clerk, new { partnerCode = "chuanyu", targetRegionCode = "510104" }), HttpStatusCode.BadRequest);
        var unknown = Grains.Cases.CaseNumber.Create(caseNo[2..8], DateOnly.ParseExact(caseNo[8..14], "yyMMdd"), 999_998).Value;
        await ProblemAssert.IsProblem(await Send(HttpMethod.Post, $"/api/cases/{unknown}/forward", clerk, new { partnerCode = "chuanyu", targetRegionCode = "510104" }), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblem(await Send(HttpMethod.Post, $"/api/cases/{caseNo}/forward", await Token("clerk", subject: "clerk-9", hallCode: "520302-H001"),
            new { partnerCode = "chuanyu", targetRegionCode = "510104" }), HttpStatusCode.Forbidden);

        var forwarded = await Send(HttpMethod.Post, $"/api/cases/{caseNo}/forward", clerk, new { partnerCode = "chuanyu", targetRegionCode = "510107", note = "申请人现居成都" });
        Assert.Equal(HttpStatusCode.Accepted, forwarded.StatusCode);
        var transferId = (await CaseDriver.Ok(forwarded)).GetProperty("transfer").GetProperty("transferId").GetString()!;
        Assert.Equal("GZX-" + caseNo, transferId);
        var again = await CaseDriver.Ok(await Send(HttpMethod.Post, $"/api/cases/{caseNo}/forward", clerk, new { partnerCode = "chuanyu", targetRegionCode = "510107" }));
        Assert.Equal(transferId, again.GetProperty("transfer").GetProperty("transferId").GetString()); // a retry, not a second transfer
        await ProblemAssert.IsProblem(await Send(HttpMethod.Post, $"/api/cases/{caseNo}/forward", clerk, new { partnerCode = "zsj", targetRegionCode = "440305" }), HttpStatusCode.Conflict);

        // The partner answers 503 twice: the attempts show on the case, the timeline records the acknowledgement once.
        var view = await Poll.Until(async () => await CaseDriver.Ok(await Send(HttpMethod.Get, $"/api/cases/{caseNo}", clerk)), v => Steps(v, "acknowledged").Any(), TimeSpan.FromSeconds(20));
        var link = view.GetProperty("crossProvince");
        Assert.Equal(("outbound", "delivered", 3, "HTTP 503"), (link.GetProperty("direction").GetString(), link.GetProperty("transferStatus").GetString(),
            link.GetProperty("attempts").GetInt32(), link.GetProperty("lastError").GetString()));
        Assert.Equal($"已转至川渝（{transferId}）", Assert.Single(Steps(view, "forwarded")).GetProperty("crossProvince").GetProperty("text").GetString());
        Assert.Single(Steps(view, "acknowledged"));
        Assert.Equal(4, view.GetProperty("timeline").GetArrayLength()); // submit, receive, forwarded, acknowledged: no entry per attempt
        Assert.Empty(view.GetProperty("allowedActions").EnumerateArray());
        await ProblemAssert.IsProblem(await Send(HttpMethod.Post, $"/api/cases/{caseNo}/transitions", clerk, new { action = "accept", expectedVersion = view.GetProperty("version").GetInt32() }), HttpStatusCode.Conflict);

        // The partner reports progress, authenticated and idempotent.
        var statusPath = $"/api/cross-province/outbound/{transferId}/status";
        await ProblemAssert.IsProblem(await AsPartner(statusPath, new { status = "accepted" }, token: "wrong"), HttpStatusCode.Unauthorized);
        await ProblemAssert.IsProblem(await AsPartner(statusPath, new { status = "accepted" }, "zsj", "from-guangdong"), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblem(await AsPartner(statusPath, new { status = "finished" }), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblem(await AsPartner("/api/cross-province/outbound/GZX-none/status", new { status = "accepted" }), HttpStatusCode.NotFound);
        var accepted = await CaseDriver.Ok(await AsPartner(statusPath, new { status = "accepted", department = "成都市武侯区医疗保障局", contact = "028-85550000", partnerReference = "SC-WH-0001" }));
        var repeated = await CaseDriver.Ok(await AsPartner(statusPath, new { status = "accepted" }));
        Assert.Equal(accepted.GetProperty("version").GetInt32(), repeated.GetProperty("version").GetInt32());

        var agent = await Token("hotlineAgent", subject: "agent-12345");
        var hotline = await CaseDriver.Ok(await Send(HttpMethod.Get, $"/api/hotline/cases/{caseNo}?verify=1818", agent));
        Assert.Equal("已受理", hotline.GetProperty("statusName").GetString());
        Assert.Equal("川渝成都市武侯区医疗保障局已受理（跨省通办）", hotline.GetProperty("stage").GetString());
        Assert.Equal("028-85550000", hotline.GetProperty("department").GetProperty("phone").GetString());
        Assert.Equal("成都市武侯区医疗保障局", hotline.GetProperty("department").GetProperty("name").GetString());

        await CaseDriver.Ok(await AsPartner(statusPath, new { status = "inReview" }));
        await CaseDriver.Ok(await AsPartner(statusPath, new { status = "decided", approved = true }));
        await ProblemAssert.IsProblem(await AsPartner(statusPath, new { status = "inReview" }), HttpStatusCode.Conflict);
        await ProblemAssert.IsProblem(await AsPartner(statusPath, new { status = "delivered" }), HttpStatusCode.BadRequest);
        var delivered = await CaseDriver.Ok(await AsPartner(statusPath, new { status = "delivered", deliveryMethod = "ems", trackingNumber = "1234567890123" }));
        Assert.Equal("delivered", delivered.GetProperty("status").GetString());

        hotline = await CaseDriver.Ok(await Send(HttpMethod.Get, $"/api/hotline/cases/{caseNo}?verify=1818", agent));
        Assert.Equal("已送达", hotline.GetProperty("statusName").GetString());
        Assert.Equal("delivered", hotline.GetProperty("delivery").GetProperty("status").GetString());
        var titles = hotline.GetProperty("timeline").EnumerateArray().Select(t => t.GetProperty("title").GetString()).ToList();
        Assert.Equal(
            ["提交申请", "收件", $"已转至川渝（{transferId}）", "川渝已接收转办材料（对方编号 /transfers/SC-0001）", "成都市武侯区医疗保障局已受理", "成都市武侯区医疗保障局审查中",
                "成都市武侯区医疗保障局已办结：准予", "成都市武侯区医疗保障局已送达"],
            titles);
        Assert.Equal(["submitted", "received", "received", "received", "accepted", "underReview", "completed", "delivered"],
            hotline.GetProperty("timeline").EnumerateArray().Select(t => t.GetProperty("status").GetString()));
    }

    [Fact]
    public async Task A_case_posted_by_a_partner_opens_a_Guizhou_case_and_each_step_is_reported_back_in_order()
    {
        var body = new
        {
            transferId = "SC-2026-000100",
            originRegionCode = "510104",
            targetRegionCode = "520102",
            itemCode = Item.Code,
            itemName = Item.Name,
            applicantName = "钱十九",
            applicantIdNumber = CaseDriver.Id("51010419910202123"),
            applicantPhone = "13985001919",
        };
        await ProblemAssert.IsProblem(await AsPartner("/api/cross-province/inbound", body with { targetRegionCode = "520100" }), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblem(await AsPartner("/api/cross-province/inbound", body with { itemCode = "no-such-item", itemName = "没有这个事项" }), HttpStatusCode.BadRequest);
        var first = await CaseDriver.Ok(await AsPartner("/api/cross-province/inbound", body));
        var retried = await CaseDriver.Ok(await AsPartner("/api/cross-province/inbound", body));
        var caseNo = first.GetProperty("caseNo").GetString()!;
        Assert.Equal(caseNo, retried.GetProperty("caseNo").GetString());

        var clerk = await Token("clerk", subject: "clerk-2", hallCode: Hall);
        var opened = await CaseDriver.Ok(await Send(HttpMethod.Get, $"/api/cases/{caseNo}", clerk));
        Assert.Equal(("submitted", Hall, "inbound", "SC-2026-000100"), (opened.GetProperty("status").GetString(), opened.GetProperty("receivingHallCode").GetString(),
            opened.GetProperty("crossProvince").GetProperty("direction").GetString(), opened.GetProperty("crossProvince").GetProperty("transferId").GetString()));

        var approver = await Token("approver", subject: "approver-2", departmentCode: Item.DepartmentCode, regionCode: opened.GetProperty("regionCode").GetString());
        await Move(caseNo, clerk, "receive", new { materials = CaseDriver.Materials(Item, verified: true) });
        await Move(caseNo, clerk, "accept");
        Assert.NotEqual(JsonValueKind.Null, (await CaseDriver.Ok(await Send(HttpMethod.Get, $"/api/cases/{caseNo}", clerk))).GetProperty("deadline").ValueKind); // the item's time limit runs
        Assert.Contains((await CaseDriver.Ok(await Send(HttpMethod.Get, "/api/inbox", approver))).EnumerateArray(), c => c.GetProperty("caseNo").GetString() == caseNo);
        await Move(caseNo, approver, "startReview");
        await Move(caseNo, approver, "approve");
        await Move(caseNo, approver, "complete");
        await Move(caseNo, clerk, "deliver", new { deliveryMethod = "pickup" });

        var reports = await Poll.Until(
            () => Task.FromResult(JsonSerializer.SerializeToElement(fixture.StatusReports.Where(r => r.TransferId == "SC-2026-000100").Select(r => r.Body).ToList())),
            r => r.GetArrayLength() >= 7, TimeSpan.FromSeconds(20));
        Assert.Equal(["submitted", "received", "accepted", "underReview", "approved", "completed", "delivered"], reports.EnumerateArray().Select(r => r.GetProperty("status").GetString()));
        Assert.Equal([1, 2, 3, 4, 5, 6, 7], reports.EnumerateArray().Select(r => r.GetProperty("version").GetInt32()));
        Assert.All(reports.EnumerateArray(), r => Assert.Equal(caseNo, r.GetProperty("caseNo").GetString()));
        Assert.Equal($"{caseNo}/1", fixture.StatusReports.First(r => r.TransferId == "SC-2026-000100").IdempotencyKey);

        var final = await Poll.Until(async () => await CaseDriver.Ok(await Send(HttpMethod.Get, $"/api/cases/{caseNo}", clerk)),
            v => v.GetProperty("crossProvince").GetProperty("reportsPending").GetArrayLength() == 0, TimeSpan.FromSeconds(20));
        var link = final.GetProperty("crossProvince");
        Assert.Equal(7, link.GetProperty("reportsDelivered").GetInt32());
        Assert.Equal(8, link.GetProperty("attempts").GetInt32()); // one 503, then each report once
        Assert.Equal("HTTP 503", link.GetProperty("lastError").GetString());
    }

    [Fact]
    public async Task An_unreachable_partner_keeps_transfers_and_reports_pending_and_visible_on_the_case()
    {
        var caseNo = await ApplyOnline(CaseDriver.Id("52010219920404002"), "13885002020");
        var clerk = await Token("clerk", subject: "clerk-3", hallCode: Hall);
        Assert.Equal(HttpStatusCode.Accepted, (await Send(HttpMethod.Post, $"/api/cases/{caseNo}/forward", clerk, new { partnerCode = "zsj", targetRegionCode = "440305" })).StatusCode);
        var view = await Poll.Until(async () => await CaseDriver.Ok(await Send(HttpMethod.Get, $"/api/cases/{caseNo}", clerk)), v => v.GetProperty("crossProvince").GetProperty("attempts").GetInt32() >= 3, TimeSpan.FromSeconds(20));
        var link = view.GetProperty("crossProvince");
        Assert.Equal("pending", link.GetProperty("transferStatus").GetString());
        Assert.StartsWith("network", link.GetProperty("lastError").GetString(), StringComparison.Ordinal);
        Assert.NotEqual(JsonValueKind.Null, link.GetProperty("nextAttemptAt").ValueKind);
        Assert.Empty(Steps(view, "acknowledged"));
        Assert.Equal(2, view.GetProperty("timeline").GetArrayLength()); // submitted, forwarded: nothing per failed attempt

        var inbound = await CaseDriver.Ok(await AsPartner("/api/cross-province/inbound", new
        {
            transferId = "GD-2026-7",
            originRegionCode = "440305",
            targetRegionCode = "520102",
            itemCode = Item.Code,
            itemName = Item.Name,
            applicantName = "孙二十",
            applicantIdNumber = CaseDriver.Id("44030519930303123"),
            applicantPhone = "13985002121",
        }, "zsj", "from-guangdong"));
        var inboundCase = inbound.GetProperty("caseNo").GetString()!;
        var pending = await Poll.Until(async () => await CaseDriver.Ok(await Send(HttpMethod.Get, $"/api/cases/{inboundCase}", clerk)), v => v.GetProperty("crossProvince").GetProperty("attempts").GetInt32() >= 2, TimeSpan.FromSeconds(20));
        var reports = pending.GetProperty("crossProvince");
        Assert.Equal([1], reports.GetProperty("reportsPending").EnumerateArray().Select(v => v.GetInt32()));
        Assert.Equal(0, reports.GetProperty("reportsDelivered").GetInt32());
        Assert.StartsWith("network", reports.GetProperty("lastError").GetString(), StringComparison.Ordinal);
    }
}
