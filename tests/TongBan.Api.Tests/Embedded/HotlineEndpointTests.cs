using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using TongBan.Api.Tests.Support;

namespace TongBan.Api.Tests.Embedded;

/// <summary>12345 hotline over HTTP: verified masked look-up, same 404, throttling, urges, complaints, caller's cases, live view.</summary>
[Collection(EmbeddedCollection.Name)]
[Trait("Category", "Integration")]
public class HotlineEndpointTests(EmbeddedApp app)
{
    private readonly CaseDriver cases = new(app);

    private const string ProvincialHall = "520000-H001";

    /// <summary>An online case of a 南明区 applicant, received and accepted remotely and under review by the county department.</summary>
    private async Task<(string CaseNo, string IdNumber)> CaseUnderReview(string first17, string name, string phone)
    {
        var idNumber = CaseDriver.Id(first17);
        var caseNo = await cases.ApplyOnline(idNumber, name, phone);
        var clerk = await app.TokenAsync("clerk", hallCode: ProvincialHall, subject: "clerk-prov-9");
        await cases.Move(caseNo, clerk, 1, "receive", new { materials = CaseDriver.Materials(CaseDriver.Item, verified: true) });
        await cases.Move(caseNo, clerk, 2, "accept");
        await cases.Move(caseNo, await Approver(), 3, "startReview");
        return (caseNo, idNumber);
    }

    private Task<string> Approver() => app.TokenAsync("approver", departmentCode: CaseDriver.Item.DepartmentCode, regionCode: "520102", subject: "approver-nm-1");

    private Task<string> Agent(string subject = "agent-007") => app.TokenAsync("hotlineAgent", subject: subject);

    [Fact]
    public async Task A_verified_agent_sees_plain_status_department_deadline_timeline_and_masked_data()
    {
        var (caseNo, idNumber) = await CaseUnderReview("52010219880808123", "张小明", "13885005678");
        var agent = await Agent();

        foreach (var verify in new[] { "5678", idNumber[^4..] })
        {
            var view = await CaseDriver.Ok(await cases.Send(HttpMethod.Get, $"/api/hotline/cases/{caseNo}?verify={verify}", agent));
            Assert.Equal("underReview", view.GetProperty("status").GetString());
            Assert.Equal("审查中", view.GetProperty("statusName").GetString());
            Assert.Contains("审查中", view.GetProperty("stage").GetString(), StringComparison.Ordinal);
            var department = view.GetProperty("department");
            Assert.Equal(CaseDriver.Item.DepartmentCode, department.GetProperty("code").GetString());
            Assert.StartsWith("南明区", department.GetProperty("displayName").GetString(), StringComparison.Ordinal);
            Assert.StartsWith("0851-", department.GetProperty("phone").GetString(), StringComparison.Ordinal);
            var deadline = view.GetProperty("deadline");
            Assert.False(deadline.GetProperty("overdue").GetBoolean());
            Assert.True(deadline.TryGetProperty("dueDate", out _));
            Assert.Equal("张**", view.GetProperty("applicant").GetProperty("name").GetString());
            Assert.Equal("138****5678", view.GetProperty("applicant").GetProperty("phone").GetString());
            Assert.Equal("5201**********" + idNumber[^4..], view.GetProperty("applicant").GetProperty("idNumber").GetString());
            Assert.DoesNotContain(idNumber, view.GetRawText(), StringComparison.Ordinal);
            Assert.DoesNotContain("13885005678", view.GetRawText(), StringComparison.Ordinal);
            var timeline = view.GetProperty("timeline").EnumerateArray().ToArray();
            Assert.Equal(["提交申请", "收件", "受理", "开始审查"], timeline.Select(t => t.GetProperty("title").GetString()!));
            Assert.Equal("notReady", view.GetProperty("delivery").GetProperty("status").GetString());
        }

        // Lower-case x and full-width digits are what people type; the tail check normalises them.
        Assert.Equal(HttpStatusCode.OK, (await cases.Send(HttpMethod.Get, $"/api/hotline/cases/{caseNo}?verify=５６７８", agent)).StatusCode);

        // Delivery tracking once posted.
        var approver = await Approver();
        await cases.Move(caseNo, approver, 4, "approve");
        await cases.Move(caseNo, approver, 5, "complete");
        var ready = await CaseDriver.Ok(await cases.Send(HttpMethod.Get, $"/api/hotline/cases/{caseNo}?verify=5678", agent));
        Assert.Equal("已办结", ready.GetProperty("statusName").GetString());
        Assert.Equal("ready", ready.GetProperty("delivery").GetProperty("status").GetString());
        var clerk = await app.TokenAsync("clerk", hallCode: ProvincialHall);
        await cases.Move(caseNo, clerk, 6, "deliver", new { deliveryMethod = "ems", trackingNumber = "EA123456789CN" });
        var delivered = await CaseDriver.Ok(await cases.Send(HttpMethod.Get, $"/api/hotline/cases/{caseNo}?verify=5678", agent));
        Assert.Equal("已送达", delivered.GetProperty("statusName").GetString());
        var delivery = delivered.GetProperty("delivery");
        Assert.Equal("delivered", delivery.GetProperty("status").GetString());
        Assert.Equal("EA123456789CN", delivery.GetProperty("trackingNumber").GetString());
        Assert.Contains("EMS", delivery.GetProperty("text").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wrong_verification_and_unknown_case_give_the_same_404_and_malformed_input_400()
    {
        var (caseNo, _) = await CaseUnderReview("52010219790303456", "李四", "13985001111");
        var agent = await Agent("agent-404");
        var unknown = Unknown(caseNo);

        var wrong = await cases.Send(HttpMethod.Get, $"/api/hotline/cases/{caseNo}?verify=9999", agent);
        var missing = await cases.Send(HttpMethod.Get, $"/api/hotline/cases/{unknown}?verify=1111", agent);
        var a = await ProblemAssert.IsProblem(wrong, HttpStatusCode.NotFound);
        var b = await ProblemAssert.IsProblem(missing, HttpStatusCode.NotFound);
        Assert.Equal(Shape(a, caseNo), Shape(b, unknown));
        Assert.Equal(wrong.Headers.Select(h => h.Key).Order(), missing.Headers.Select(h => h.Key).Order());

        // Timing class: the same calls are made on both paths (case read, comparison, guard write), so the
        // medians stay within a small factor of each other; generous, since CI boxes are noisy.
        var wrongTimes = new List<double>();
        var missingTimes = new List<double>();
        for (var i = 0; i < 4; i++)
        {
            wrongTimes.Add(await Time(() => cases.Send(HttpMethod.Get, $"/api/hotline/cases/{caseNo}?verify=000{i}", agent)));
            missingTimes.Add(await Time(() => cases.Send(HttpMethod.Get, $"/api/hotline/cases/{Unknown(unknown, i + 2)}?verify=1111", agent)));
        }

        var (w, m) = (Median(wrongTimes), Median(missingTimes));
        Assert.True((w < 25 && m < 25) || Math.Max(w, m) / Math.Max(0.1, Math.Min(w, m)) < 10, $"wrong {w} ms, unknown {m} ms");

        foreach (var url in new[] { $"/api/hotline/cases/{caseNo}?verify=12", $"/api/hotline/cases/{caseNo}?verify=12a4", $"/api/hotline/cases/{caseNo}", "/api/hotline/cases/GZ123?verify=1234" })
        {
            await ProblemAssert.IsProblem(await cases.Send(HttpMethod.Get, url, agent), HttpStatusCode.BadRequest);
        }

        // Only hotline agents use these routes.
        var citizen = await app.TokenAsync("citizen", subject: CaseDriver.Id("52010219790303456"));
        Assert.Equal(HttpStatusCode.Forbidden, (await cases.Send(HttpMethod.Get, $"/api/hotline/cases/{caseNo}?verify=1111", citizen)).StatusCode);
    }

    [Fact]
    public async Task Repeated_failures_for_one_case_number_are_throttled_whether_or_not_it_exists()
    {
        var (caseNo, _) = await CaseUnderReview("52010219660606789", "王五", "13685002222");
        var agent = await Agent("agent-throttle");
        var unknown = Unknown(caseNo, 7);
        foreach (var number in new[] { caseNo, unknown })
        {
            for (var i = 0; i < 5; i++)
            {
                await ProblemAssert.IsProblem(await cases.Send(HttpMethod.Get, $"/api/hotline/cases/{number}?verify={1000 + i}", agent), HttpStatusCode.NotFound);
            }

            // Now even the right answer is refused: a guesser cannot tell a hit while throttled.
            var throttled = await cases.Send(HttpMethod.Get, $"/api/hotline/cases/{number}?verify=2222", agent);
            var problem = await ProblemAssert.IsProblem(throttled, HttpStatusCode.TooManyRequests);
            var retry = throttled.Headers.RetryAfter?.Delta;
            Assert.NotNull(retry);
            Assert.InRange(retry!.Value.TotalSeconds, 1, 3600);
            Assert.DoesNotContain("2222", problem.GetRawText(), StringComparison.Ordinal);

            // Urges go through the same gate.
            await ProblemAssert.IsProblem(
                await cases.Send(HttpMethod.Post, $"/api/hotline/cases/{number}/urge", agent, new { verify = "2222", text = "请尽快办理" }),
                HttpStatusCode.TooManyRequests);
        }

        // Other case numbers are unaffected.
        var (other, _) = await CaseUnderReview("52010219660606790", "王六", "13685003333");
        Assert.Equal(HttpStatusCode.OK, (await cases.Send(HttpMethod.Get, $"/api/hotline/cases/{other}?verify=3333", agent)).StatusCode);
    }

    [Fact]
    public async Task An_urge_lands_in_the_department_box_and_on_the_timeline_and_the_department_answers()
    {
        var (caseNo, _) = await CaseUnderReview("52010219770707234", "赵六", "13785004444");
        var agent = await Agent("agent-urge");

        var first = await CaseDriver.Ok(await cases.Send(HttpMethod.Post, $"/api/hotline/cases/{caseNo}/urge", agent, new { verify = "4444", text = "申请人询问进度，请尽快办理" }, key: "call-1"));
        Assert.Equal("urge", first.GetProperty("kind").GetString());
        Assert.False(first.GetProperty("repeat").GetBoolean());
        var due = first.GetProperty("responseDue").GetString();
        Assert.NotNull(due);
        var replay = await CaseDriver.Ok(await cases.Send(HttpMethod.Post, $"/api/hotline/cases/{caseNo}/urge", agent, new { verify = "4444", text = "申请人询问进度，请尽快办理" }, key: "call-1"));
        Assert.Equal(first.GetProperty("seq").GetInt32(), replay.GetProperty("seq").GetInt32());
        var again = await CaseDriver.Ok(await cases.Send(HttpMethod.Post, $"/api/hotline/cases/{caseNo}/urge", agent, new { verify = "4444", text = "再次催办" }, key: "call-2"));
        Assert.True(again.GetProperty("repeat").GetBoolean());
        Assert.Equal(2, again.GetProperty("calls").GetInt32());
        Assert.Equal(due, again.GetProperty("responseDue").GetString());

        // The department sees one item with two calls; the case version did not move.
        var approver = await Approver();
        var box = await CaseDriver.Ok(await cases.Send(HttpMethod.Get, "/api/inbox/hotline", approver));
        var item = box.EnumerateArray().Single(i => i.GetProperty("caseNo").GetString() == caseNo);
        Assert.Equal(2, item.GetProperty("calls").GetInt32());
        Assert.Equal(due, item.GetProperty("responseDue").GetString());
        Assert.False(item.GetProperty("overdue").GetBoolean());
        var staffView = await CaseDriver.Ok(await cases.Send(HttpMethod.Get, $"/api/cases/{caseNo}", approver));
        Assert.Equal(4, staffView.GetProperty("version").GetInt32());

        var answer = await CaseDriver.Ok(await cases.Send(HttpMethod.Post, $"/api/hotline/cases/{caseNo}/responses", approver, new { seq = item.GetProperty("seq").GetInt32(), text = "已审查完毕，明日作出决定" }));
        Assert.Equal("response", answer.GetProperty("kind").GetString());
        box = await CaseDriver.Ok(await cases.Send(HttpMethod.Get, "/api/inbox/hotline", approver));
        Assert.DoesNotContain(box.EnumerateArray(), i => i.GetProperty("caseNo").GetString() == caseNo);
        await ProblemAssert.IsProblem(
            await cases.Send(HttpMethod.Post, $"/api/hotline/cases/{caseNo}/responses", approver, new { seq = item.GetProperty("seq").GetInt32(), text = "again" }),
            HttpStatusCode.Conflict);

        var view = await CaseDriver.Ok(await cases.Send(HttpMethod.Get, $"/api/hotline/cases/{caseNo}?verify=4444", agent));
        var kinds = view.GetProperty("timeline").EnumerateArray().Select(t => t.GetProperty("kind").GetString()!).ToArray();
        Assert.Equal(["case", "case", "case", "case", "urge", "urge", "response"], kinds);
        Assert.Equal(0, view.GetProperty("openItems").GetArrayLength());
        var log = await CaseDriver.Ok(await cases.Send(HttpMethod.Get, $"/api/cases/{caseNo}/hotline", approver));
        Assert.Equal(3, log.GetArrayLength());

        // A finished case is not urged.
        await cases.Move(caseNo, await app.TokenAsync("citizen", subject: CaseDriver.Id("52010219770707234")), 4, "withdraw");
        await ProblemAssert.IsProblem(
            await cases.Send(HttpMethod.Post, $"/api/hotline/cases/{caseNo}/urge", agent, new { verify = "4444", text = "请尽快办理" }),
            HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task A_complaint_is_linked_to_the_case_with_a_five_day_answer()
    {
        var (caseNo, _) = await CaseUnderReview("52010219550505345", "钱七", "13585005555");
        var agent = await Agent("agent-complaint");
        var complaint = await CaseDriver.Ok(await cases.Send(HttpMethod.Post, $"/api/hotline/cases/{caseNo}/complaints", agent,
            new { verify = "5555", category = "repeatedVisits", text = "窗口要求三次补交材料" }));
        Assert.Equal("complaint", complaint.GetProperty("kind").GetString());
        var urge = await CaseDriver.Ok(await cases.Send(HttpMethod.Post, $"/api/hotline/cases/{caseNo}/urge", agent, new { verify = "5555", text = "请尽快" }));
        Assert.True(DateOnly.Parse(complaint.GetProperty("responseDue").GetString()!, System.Globalization.CultureInfo.InvariantCulture) >
                    DateOnly.Parse(urge.GetProperty("responseDue").GetString()!, System.Globalization.CultureInfo.InvariantCulture));

        await ProblemAssert.IsProblem(await cases.Send(HttpMethod.Post, $"/api/hotline/cases/{caseNo}/complaints", agent,
            new { verify = "5555", category = "weather", text = "x" }), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblem(await cases.Send(HttpMethod.Post, $"/api/hotline/cases/{caseNo}/complaints", agent,
            new { verify = "5555", category = "other", text = "" }), HttpStatusCode.BadRequest);

        var view = await CaseDriver.Ok(await cases.Send(HttpMethod.Get, $"/api/hotline/cases/{caseNo}?verify=5555", agent));
        var open = view.GetProperty("openItems").EnumerateArray().Select(i => i.GetProperty("kind").GetString()!).ToArray();
        Assert.Equal(["complaint", "urge"], open);
        Assert.Contains(view.GetProperty("timeline").EnumerateArray(), t => t.GetProperty("title").GetString() == "12345投诉：多次跑动");
    }

    [Fact]
    public async Task A_callers_cases_are_listed_by_ID_number_or_phone_without_the_number_in_the_answer()
    {
        var first17 = "52010219930909456";
        var idNumber = CaseDriver.Id(first17);
        var one = await cases.ApplyOnline(idNumber, "孙八", "13185006666");
        var two = await cases.ApplyOnline(idNumber, "孙八", "13185006666");
        var agent = await Agent("agent-list");

        var byId = await CaseDriver.Ok(await cases.Send(HttpMethod.Post, "/api/hotline/callers/cases", agent, new { idNumber }));
        Assert.Equal(new[] { one, two }.Order(), byId.EnumerateArray().Select(c => c.GetProperty("caseNo").GetString()!).Order());
        Assert.All(byId.EnumerateArray(), c => Assert.Equal("已申请", c.GetProperty("statusName").GetString()));
        Assert.DoesNotContain(idNumber, byId.GetRawText(), StringComparison.Ordinal);
        var byPhone = await CaseDriver.Ok(await cases.Send(HttpMethod.Post, "/api/hotline/callers/cases", agent, new { phone = "131 8500 6666" }));
        Assert.Equal(2, byPhone.GetArrayLength());
        var nobody = await CaseDriver.Ok(await cases.Send(HttpMethod.Post, "/api/hotline/callers/cases", agent, new { phone = "13185009999" }));
        Assert.Equal(0, nobody.GetArrayLength());

        await ProblemAssert.IsProblem(await cases.Send(HttpMethod.Post, "/api/hotline/callers/cases", agent, new { idNumber, phone = "13185006666" }), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblem(await cases.Send(HttpMethod.Post, "/api/hotline/callers/cases", agent, new { idNumber = first17 + "0" == idNumber ? first17 + "1" : first17 + "0" }), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task An_agent_watches_a_case_live_only_after_verifying_the_caller()
    {
        var (caseNo, _) = await CaseUnderReview("52010219810101567", "周九", "13285007777");
        var agentToken = await Agent("agent-live");
        await using var hub = Hub(agentToken);
        var changes = new ConcurrentQueue<JsonElement>();
        var hotline = new ConcurrentQueue<JsonElement>();
        hub.On<JsonElement>("caseChanged", c => changes.Enqueue(c));
        hub.On<JsonElement>("caseHotlineChanged", c => hotline.Enqueue(c));
        await hub.StartAsync();
        await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync("WatchCase", caseNo));

        await CaseDriver.Ok(await cases.Send(HttpMethod.Get, $"/api/hotline/cases/{caseNo}?verify=7777", agentToken));
        await hub.InvokeAsync("WatchCase", caseNo);

        // A colleague who did not verify this caller still may not.
        await using var colleague = Hub(await Agent("agent-other"));
        await colleague.StartAsync();
        await Assert.ThrowsAsync<HubException>(() => colleague.InvokeAsync("WatchCase", caseNo));

        await cases.Move(caseNo, await Approver(), 4, "approve");
        await Until(() => changes.Any(c => c.GetProperty("version").GetInt32() == 5));
        var change = changes.Last();
        Assert.Equal(caseNo, change.GetProperty("caseNo").GetString());
        Assert.Equal("approved", change.GetProperty("status").GetString());

        await CaseDriver.Ok(await cases.Send(HttpMethod.Post, $"/api/hotline/cases/{caseNo}/urge", agentToken, new { verify = "7777", text = "请尽快办结" }));
        await Until(() => !hotline.IsEmpty);
        Assert.Equal("urge", hotline.Single().GetProperty("kind").GetString());
    }

    private HubConnection Hub(string token) => new HubConnectionBuilder()
        .WithUrl(new Uri(app.BaseAddress, "/hubs/live"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
        .Build();

    private static async Task Until(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.True(condition(), "the push did not arrive within 30 s");
    }

    /// <summary>A well-formed case number of a later sequence that nobody was given.</summary>
    private static string Unknown(string caseNo, int offset = 1) =>
        TongBan.Grains.Cases.CaseNumber.Create(caseNo.Substring(2, 6), DateOnly.ParseExact(caseNo.Substring(8, 6), "yyMMdd", System.Globalization.CultureInfo.InvariantCulture), 900_000 + offset).Value;

    private static string Shape(JsonElement problem, string caseNo) =>
        string.Join("|", problem.EnumerateObject().Where(p => p.Name != "traceId").Select(p => $"{p.Name}={p.Value.ToString().Replace(caseNo, "{caseNo}", StringComparison.Ordinal)}"));

    private static async Task<double> Time(Func<Task<HttpResponseMessage>> call)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        using var response = await call();
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        return watch.Elapsed.TotalMilliseconds;
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
}
