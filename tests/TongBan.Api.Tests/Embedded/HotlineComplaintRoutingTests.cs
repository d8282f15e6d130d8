using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using TongBan.Api.Tests.Support;

namespace TongBan.Api.Tests.Embedded;

/// <summary>
/// Issue 19: a 12345 complaint about a hall's conduct goes to that hall's manager (list + live push), one about the decision to
/// the department; the staff case view shows urges and complaints with their state; a finished case shows no countdown.
/// </summary>
[Collection(EmbeddedCollection.Name)]
[Trait("Category", "Integration")]
public class HotlineComplaintRoutingTests(EmbeddedApp app)
{
    private readonly CaseDriver cases = new(app);

    private const string ProvincialHall = "520000-H001";

    private async Task<(string CaseNo, string IdNumber)> CaseUnderReview(string first17, string name, string phone)
    {
        var idNumber = CaseDriver.Id(first17);
        var caseNo = await cases.ApplyOnline(idNumber, name, phone);
        var clerk = await app.TokenAsync("clerk", hallCode: ProvincialHall, subject: "clerk-prov-19");
        await cases.Move(caseNo, clerk, 1, "receive", new { materials = CaseDriver.Materials(CaseDriver.Item, verified: true) });
        await cases.Move(caseNo, clerk, 2, "accept");
        await cases.Move(caseNo, await Approver(), 3, "startReview");
        return (caseNo, idNumber);
    }

    private Task<string> Approver() => app.TokenAsync("approver", departmentCode: CaseDriver.Item.DepartmentCode, regionCode: "520102", subject: "approver-nm-19");

    private Task<string> Manager(string hall = ProvincialHall) => app.TokenAsync("hallManager", hallCode: hall, subject: "manager-" + hall);

    [Fact]
    public async Task A_hall_conduct_complaint_goes_to_the_hall_manager_and_a_decision_complaint_to_the_department()
    {
        var (caseNo, _) = await CaseUnderReview("52010219660606234", "吴十", "13685001919");
        var agent = await app.TokenAsync("hotlineAgent", subject: "agent-routing");
        var manager = await Manager();
        var approver = await Approver();

        await using var desk = Hub(manager);
        var pushes = new ConcurrentQueue<JsonElement>();
        desk.On<JsonElement>("hallComplaintChanged", c => pushes.Enqueue(c));
        await desk.StartAsync();
        await desk.InvokeAsync<JsonElement>("WatchHallComplaints", ProvincialHall);
        await using var stranger = Hub(await Manager("520102-H001"));
        await stranger.StartAsync();
        await Assert.ThrowsAsync<HubException>(() => stranger.InvokeAsync<JsonElement>("WatchHallComplaints", ProvincialHall));

        var conduct = await CaseDriver.Ok(await cases.Send(HttpMethod.Post, $"/api/hotline/cases/{caseNo}/complaints", agent,
            new { verify = "1919", category = "attitude", subject = "hallConduct", text = "窗口人员态度生硬" }));
        var decision = await CaseDriver.Ok(await cases.Send(HttpMethod.Post, $"/api/hotline/cases/{caseNo}/complaints", agent,
            new { verify = "1919", category = "materials", text = "要求的材料与清单不一致" })); // no subject: the department, as before
        var urge = await CaseDriver.Ok(await cases.Send(HttpMethod.Post, $"/api/hotline/cases/{caseNo}/urge", agent, new { verify = "1919", text = "请尽快" }));
        var conductSeq = conduct.GetProperty("seq").GetInt32();
        var decisionSeq = decision.GetProperty("seq").GetInt32();

        var bad = await ProblemAssert.IsProblem(await cases.Send(HttpMethod.Post, $"/api/hotline/cases/{caseNo}/complaints", agent,
            new { verify = "1919", category = "other", subject = "weather", text = "x" }), HttpStatusCode.BadRequest);
        Assert.True(bad.GetProperty("errors").TryGetProperty("subject", out _), bad.ToString());

        // The hall's manager: in the list, and pushed live; the department's box has the decision complaint only.
        var hallList = await CaseDriver.Ok(await cases.Send(HttpMethod.Get, $"/api/halls/{ProvincialHall}/complaints", manager));
        var mine = hallList.EnumerateArray().Where(i => i.GetProperty("caseNo").GetString() == caseNo).ToList();
        Assert.Equal([conductSeq], mine.Select(i => i.GetProperty("seq").GetInt32()));
        Assert.Equal(ProvincialHall, mine[0].GetProperty("hallCode").GetString());
        await Until(() => pushes.Any(p => p.GetProperty("caseNo").GetString() == caseNo && p.GetProperty("state").GetString() == "open"));
        var box = await CaseDriver.Ok(await cases.Send(HttpMethod.Get, "/api/inbox/hotline", approver));
        Assert.Equal(
            new[] { decisionSeq, urge.GetProperty("seq").GetInt32() }.Order(),
            box.EnumerateArray().Where(i => i.GetProperty("caseNo").GetString() == caseNo).Select(i => i.GetProperty("seq").GetInt32()).Order());
        await ProblemAssert.IsProblem(await cases.Send(HttpMethod.Get, $"/api/halls/{ProvincialHall}/complaints", await Manager("520102-H001")), HttpStatusCode.Forbidden);

        // Each answers its own: the wrong desk is a 403 saying who answers.
        var wrong = await ProblemAssert.IsProblem(await cases.Send(HttpMethod.Post, $"/api/hotline/cases/{caseNo}/responses", approver,
            new { seq = conductSeq, text = "已核实" }), HttpStatusCode.Forbidden);
        Assert.Contains("大厅负责人", wrong.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await ProblemAssert.IsProblem(await cases.Send(HttpMethod.Post, $"/api/hotline/cases/{caseNo}/responses", manager,
            new { seq = decisionSeq, text = "已核实" }), HttpStatusCode.Forbidden);
        await CaseDriver.Ok(await cases.Send(HttpMethod.Post, $"/api/hotline/cases/{caseNo}/responses", manager,
            new { seq = conductSeq, text = "已对窗口人员批评教育并致歉" }));
        await CaseDriver.Ok(await cases.Send(HttpMethod.Post, $"/api/hotline/cases/{caseNo}/responses", approver,
            new { seq = decisionSeq, text = "材料清单已统一" }));
        await Until(() => pushes.Any(p => p.GetProperty("caseNo").GetString() == caseNo && p.GetProperty("state").GetString() == "answered"));
        hallList = await CaseDriver.Ok(await cases.Send(HttpMethod.Get, $"/api/halls/{ProvincialHall}/complaints", manager));
        Assert.DoesNotContain(hallList.EnumerateArray(), i => i.GetProperty("caseNo").GetString() == caseNo);

        // The staff case view shows every urge and complaint with its state and subject.
        var view = await CaseDriver.Ok(await cases.Send(HttpMethod.Get, $"/api/cases/{caseNo}", approver));
        var items = view.GetProperty("hotline").EnumerateArray().ToDictionary(i => i.GetProperty("seq").GetInt32());
        Assert.Equal(3, items.Count);
        Assert.Equal("hallConduct", items[conductSeq].GetProperty("subject").GetString());
        Assert.Equal("answered", items[conductSeq].GetProperty("state").GetString());
        Assert.Equal("hallManager", items[conductSeq].GetProperty("answeredBy").GetString());
        Assert.Equal("decision", items[decisionSeq].GetProperty("subject").GetString());
        Assert.Equal("approver", items[decisionSeq].GetProperty("answeredBy").GetString());
        Assert.Equal("open", items[urge.GetProperty("seq").GetInt32()].GetProperty("state").GetString());
        Assert.Equal("urge", items[urge.GetProperty("seq").GetInt32()].GetProperty("kind").GetString());

        var agentView = await CaseDriver.Ok(await cases.Send(HttpMethod.Get, $"/api/hotline/cases/{caseNo}?verify=1919", agent));
        Assert.Contains(agentView.GetProperty("timeline").EnumerateArray(), t => t.GetProperty("title").GetString()!.StartsWith("大厅负责人答复", StringComparison.Ordinal));
        Assert.Contains(agentView.GetProperty("timeline").EnumerateArray(), t => t.GetProperty("subject").GetString() == "hallConduct");
    }

    [Fact]
    public async Task A_delivered_case_shows_no_countdown()
    {
        var (caseNo, _) = await CaseUnderReview("52010219770707345", "郑一", "13785002020");
        var agent = await app.TokenAsync("hotlineAgent", subject: "agent-countdown");
        var approver = await Approver();
        var running = await CaseDriver.Ok(await cases.Send(HttpMethod.Get, $"/api/hotline/cases/{caseNo}?verify=2020", agent));
        Assert.Equal(JsonValueKind.Number, running.GetProperty("deadline").GetProperty("remainingWorkingDays").ValueKind); // a countdown while it runs
        Assert.NotEqual("finished", running.GetProperty("deadline").GetProperty("stage").GetString());

        await cases.Move(caseNo, approver, 4, "approve");
        await cases.Move(caseNo, approver, 5, "complete");
        await cases.Move(caseNo, await app.TokenAsync("clerk", hallCode: ProvincialHall), 6, "deliver", new { deliveryMethod = "ems", trackingNumber = "EA123456780CN" });

        var hotline = await CaseDriver.Ok(await cases.Send(HttpMethod.Get, $"/api/hotline/cases/{caseNo}?verify=2020", agent));
        var deadline = hotline.GetProperty("deadline");
        Assert.Equal(JsonValueKind.Null, deadline.GetProperty("remainingWorkingDays").ValueKind);
        Assert.Equal("finished", deadline.GetProperty("stage").GetString());
        Assert.False(deadline.GetProperty("overdue").GetBoolean());

        var staff = await CaseDriver.Ok(await cases.Send(HttpMethod.Get, $"/api/cases/{caseNo}", approver));
        Assert.Equal(JsonValueKind.Null, staff.GetProperty("deadline").GetProperty("remainingWorkingDays").ValueKind);
        Assert.True(staff.GetProperty("deadline").GetProperty("finished").GetBoolean());
        Assert.Equal(0, staff.GetProperty("hotline").GetArrayLength());
    }

    private HubConnection Hub(string token) => new HubConnectionBuilder()
        .WithUrl(new Uri(app.BaseAddress, "/hubs/live"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
        .Build();

    private static async Task Until(Func<bool> condition)
    {
        await Poll.Until(() => Task.FromResult(default(JsonElement)), _ => condition(), TimeSpan.FromSeconds(30));
        Assert.True(condition(), "the push did not arrive within 30 s");
    }
}
