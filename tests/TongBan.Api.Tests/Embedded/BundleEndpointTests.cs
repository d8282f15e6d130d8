using System.Net;
using System.Text.Json;
using TongBan.Api.Tests.Support;

namespace TongBan.Api.Tests.Embedded;

/// <summary>一件事 over HTTP: one application → parent and child cases per department; done when all children are done; one hotline look-up.</summary>
[Collection(EmbeddedCollection.Name)]
[Trait("Category", "Integration")]
public class BundleEndpointTests(EmbeddedApp app)
{
    private readonly CaseDriver cases = new(app);

    private async Task Finish(JsonElement child)
    {
        var caseNo = child.GetProperty("caseNo").GetString()!;
        var item = CaseDriver.Catalogue.Find(child.GetProperty("itemCode").GetString()!)!;
        var clerk = await app.TokenAsync("clerk", hallCode: "520000-H001");
        var approver = await app.TokenAsync("approver", departmentCode: child.GetProperty("departmentCode").GetString(), regionCode: child.GetProperty("regionCode").GetString());
        await cases.Move(caseNo, clerk, 1, "receive", new { materials = CaseDriver.Materials(item, verified: true) });
        await cases.Move(caseNo, clerk, 2, "accept");
        await cases.Move(caseNo, approver, 3, "startReview");
        await cases.Move(caseNo, approver, 4, "approve");
        await cases.Move(caseNo, approver, 5, "complete");
    }

    [Fact]
    public async Task A_newborn_bundle_opens_a_case_per_department_and_is_done_when_all_are_done()
    {
        var definitions = await CaseDriver.Ok(await cases.Send(HttpMethod.Get, "/api/bundles", null));
        Assert.Contains(definitions.EnumerateArray(), d => d.GetProperty("name").GetString() == "新生儿出生一件事");

        var idNumber = CaseDriver.Id("52010219950815234");
        var citizen = await app.TokenAsync("citizen", subject: idNumber);
        var bundle = await CaseDriver.Ok(await cases.Send(HttpMethod.Post, "/api/bundles", citizen, new
        {
            bundleCode = "newborn",
            applicant = new { name = "许十五", idNumber, phone = "13885001515" },
            channel = "online",
        }));
        var bundleNo = bundle.GetProperty("bundleNo").GetString()!;
        var children = bundle.GetProperty("children").EnumerateArray().ToArray();
        Assert.Equal(3, children.Length);
        Assert.Equal(["gongan", "rsj", "wsjk"], children.Select(c => c.GetProperty("departmentCode").GetString()!).Order());
        // The newborn needs the first issue of the 出生医学证明 (wsjk-006 首次签发), not its reissue after a loss (wsjk-001 补发).
        Assert.Equal(["gongan-004", "rsj-001", "wsjk-006"], children.Select(c => c.GetProperty("itemCode").GetString()!).Order(StringComparer.Ordinal));
        Assert.All(children, c => Assert.Equal("submitted", c.GetProperty("status").GetString()));
        Assert.Equal(3, children.Select(c => c.GetProperty("caseNo").GetString()).Distinct().Count());
        Assert.DoesNotContain(bundleNo, children.Select(c => c.GetProperty("caseNo").GetString()));
        Assert.Equal(("inProgress", 0, 3), (bundle.GetProperty("status").GetString(), bundle.GetProperty("done").GetInt32(), bundle.GetProperty("total").GetInt32()));

        await Finish(children[0]);
        await Finish(children[1]);
        var partly = await CaseDriver.Ok(await cases.Send(HttpMethod.Get, $"/api/bundles/{bundleNo}", citizen));
        Assert.Equal(("inProgress", 2, 66), (partly.GetProperty("status").GetString(), partly.GetProperty("done").GetInt32(), partly.GetProperty("progressPercent").GetInt32()));

        await Finish(children[2]);
        var done = await CaseDriver.Ok(await cases.Send(HttpMethod.Get, $"/api/bundles/{bundleNo}", citizen));
        Assert.Equal("done", done.GetProperty("status").GetString());
        Assert.Equal("已全部办结", done.GetProperty("statusName").GetString());
        Assert.All(done.GetProperty("children").EnumerateArray(), c => Assert.Equal("已办结", c.GetProperty("statusName").GetString()));

        // One hotline look-up for the whole bundle, same verification rules as a case.
        var agent = await app.TokenAsync("hotlineAgent", subject: "agent-bundle");
        var seen = await CaseDriver.Ok(await cases.Send(HttpMethod.Get, $"/api/hotline/bundles/{bundleNo}?verify=1515", agent));
        Assert.Equal("done", seen.GetProperty("status").GetString());
        Assert.Equal("许**", seen.GetProperty("applicant").GetProperty("name").GetString());
        await ProblemAssert.IsProblem(await cases.Send(HttpMethod.Get, $"/api/hotline/bundles/{bundleNo}?verify=0000", agent), HttpStatusCode.NotFound);

        var stranger = await app.TokenAsync("citizen", subject: CaseDriver.Id("52010219950815235"));
        await ProblemAssert.IsProblem(await cases.Send(HttpMethod.Get, $"/api/bundles/{bundleNo}", stranger), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblem(await cases.Send(HttpMethod.Post, "/api/bundles", citizen, new { bundleCode = "wedding" }), HttpStatusCode.NotFound);
    }
}
