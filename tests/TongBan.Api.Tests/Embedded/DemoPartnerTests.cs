using System.Net;
using System.Text.Json;
using TongBan.Api.Tests.Support;

namespace TongBan.Api.Tests.Embedded;

/// <summary>
/// 跨省通办 tried end to end on the embedded app as it starts with no configuration (a fresh <c>dotnet run</c>): the
/// demo partner (演示合作方) is there, takes a forwarded case and works it, and sends a case to Guizhou on request.
/// </summary>
[Collection(EmbeddedCollection.Name)]
[Trait("Category", "Integration")]
public class DemoPartnerTests(EmbeddedApp app)
{
    private const string Hall = "520102-H001";

    private readonly CaseDriver cases = new(app);

    private static IEnumerable<string?> Titles(JsonElement view) =>
        view.GetProperty("timeline").EnumerateArray()
            .Where(e => e.GetProperty("crossProvince") is { ValueKind: JsonValueKind.Object })
            .Select(e => e.GetProperty("crossProvince").GetProperty("kind").GetString());

    [Fact]
    public async Task A_new_user_forwards_a_case_to_the_demo_partner_and_it_works_the_case_to_delivery()
    {
        var clerk = await app.TokenAsync("clerk", hallCode: Hall, subject: "clerk-demo");
        var partners = await CaseDriver.Ok(await cases.Send(HttpMethod.Get, "/api/partners", clerk));
        var demo = Assert.Single(partners.EnumerateArray(), p => p.GetProperty("code").GetString() == "demo");
        Assert.Contains("演示", demo.GetProperty("name").GetString(), StringComparison.Ordinal);
        Assert.Equal(["99"], demo.GetProperty("regionPrefixes").EnumerateArray().Select(p => p.GetString()));

        var item = CaseDriver.Item;
        var caseNo = await cases.ApplyOnline(CaseDriver.Id("52010219910909123"), "周二三", "13885002323");
        await cases.Move(caseNo, clerk, 1, "receive", new { materials = CaseDriver.Materials(item, verified: true) });
        await ProblemAssert.IsProblem(await cases.Send(HttpMethod.Post, $"/api/cases/{caseNo}/forward", clerk, new { partnerCode = "demo", targetRegionCode = "510104" }), HttpStatusCode.BadRequest);
        var forwarded = await cases.Send(HttpMethod.Post, $"/api/cases/{caseNo}/forward", clerk, new { partnerCode = "demo", targetRegionCode = "990101", note = "演示" });
        Assert.Equal(HttpStatusCode.Accepted, forwarded.StatusCode);

        // The demo partner acknowledges, then reports 受理 → 审查中 → 办结（准予）→ 已送达 like a real one.
        var view = await Poll.Until(
            async () => await CaseDriver.Ok(await cases.Send(HttpMethod.Get, $"/api/cases/{caseNo}", clerk)),
            v => v.GetProperty("status").GetString() == "delivered",
            TimeSpan.FromSeconds(60));
        Assert.Equal("delivered", view.GetProperty("status").GetString());
        var link = view.GetProperty("crossProvince");
        Assert.Equal(("outbound", "demo", "delivered", "delivered"), (link.GetProperty("direction").GetString(), link.GetProperty("partnerCode").GetString(),
            link.GetProperty("transferStatus").GetString(), link.GetProperty("partnerStatus").GetString()));
        Assert.Contains("演示", link.GetProperty("partnerDepartment").GetString(), StringComparison.Ordinal);
        Assert.Contains("forwarded", Titles(view));
        Assert.Contains("acknowledged", Titles(view));
    }

    [Fact]
    public async Task A_new_user_receives_a_case_from_the_demo_partner_and_the_partner_hears_each_step()
    {
        var clerk = await app.TokenAsync("clerk", hallCode: Hall, subject: "clerk-demo-in");
        await ProblemAssert.IsProblem(await cases.Send(HttpMethod.Post, "/api/cross-province/demo/inbound", clerk, new { targetRegionCode = "990101" }), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblem(await cases.Send(HttpMethod.Post, "/api/cross-province/demo/inbound", await app.TokenAsync("citizen", subject: CaseDriver.Id("52010219910909124")), new { }), HttpStatusCode.Forbidden);

        var received = await CaseDriver.Ok(await cases.Send(HttpMethod.Post, "/api/cross-province/demo/inbound", clerk, new { }));
        Assert.Equal("demo", received.GetProperty("partnerCode").GetString());
        Assert.Equal("520102", received.GetProperty("targetRegionCode").GetString()); // the clerk's county
        var caseNo = received.GetProperty("caseNo").GetString()!;

        var view = await CaseDriver.Ok(await cases.Send(HttpMethod.Get, $"/api/cases/{caseNo}", clerk));
        Assert.Equal(("submitted", "rsj-003"), (view.GetProperty("status").GetString(), view.GetProperty("itemCode").GetString()));
        var link = view.GetProperty("crossProvince");
        Assert.Equal(("inbound", "demo"), (link.GetProperty("direction").GetString(), link.GetProperty("partnerCode").GetString()));
        var name = view.GetProperty("applicant").GetProperty("name").GetString()!;
        Assert.StartsWith("演", name, StringComparison.Ordinal);
        Assert.NotEqual("演示申请人", name); // staff see the applicant masked, as for any partner's case

        // Our clerk takes it in; every step is reported back to the demo partner, which acknowledges it.
        var item = CaseDriver.Catalogue.Find("rsj-003")!;
        await cases.Move(caseNo, clerk, view.GetProperty("version").GetInt32(), "receive", new { materials = CaseDriver.Materials(item, verified: true) });
        var reported = await Poll.Until(
            async () => await CaseDriver.Ok(await cases.Send(HttpMethod.Get, $"/api/cases/{caseNo}", clerk)),
            v => v.GetProperty("crossProvince").GetProperty("reportsDelivered").GetInt32() >= 2,
            TimeSpan.FromSeconds(30));
        Assert.True(reported.GetProperty("crossProvince").GetProperty("reportsDelivered").GetInt32() >= 2);
        Assert.Empty(reported.GetProperty("crossProvince").GetProperty("reportsPending").EnumerateArray());
    }
}
