using System.Net;
using System.Text.Json;
using TongBan.Api.Tests.Support;
using TongBan.Grains.Catalogue;

namespace TongBan.Api.Tests.Embedded;

/// <summary>Credit supervision over HTTP: standing set by an admin, 容缺 only in good standing, the promise, false materials and reversal.</summary>
[Collection(EmbeddedCollection.Name)]
[Trait("Category", "Integration")]
public class CreditEndpointTests(EmbeddedApp app)
{
    private readonly CaseDriver cases = new(app);

    /// <summary>个体工商户设立登记: county level, province-wide, allows 容缺受理.</summary>
    private static readonly ServiceItem Deferrable = CaseDriver.Catalogue.Find("scjg-001")!;

    private const string Hall = "520000-H001";

    private async Task<JsonElement> SetCredit(string idNumber, string standing, string? reason)
    {
        var response = await cases.Send(HttpMethod.Put, "/api/admin/credit", await app.TokenAsync("admin", subject: "admin-credit"), new { idNumber, standing, reason });
        return await CaseDriver.Ok(response);
    }

    private async Task<JsonElement> Credit(string idNumber) =>
        await CaseDriver.Ok(await cases.Send(HttpMethod.Post, "/api/admin/credit/lookup", await app.TokenAsync("admin"), new { idNumber }));

    [Fact]
    public async Task Deferred_acceptance_is_refused_for_a_dishonest_applicant_and_allowed_in_good_standing()
    {
        Assert.True(Deferrable.AllowsDeferredMaterials);
        var idNumber = CaseDriver.Id("52010219850505678");
        var listed = await SetCredit(idNumber, "dishonest", "列入失信被执行人名单");
        Assert.Equal("dishonest", listed.GetProperty("standing").GetString());
        Assert.DoesNotContain(idNumber, listed.GetRawText(), StringComparison.Ordinal);

        var caseNo = await cases.ApplyOnline(idNumber, "吴十", "13885008888", Deferrable, CaseDriver.Materials(Deferrable, false, "premises-proof", "id-card"));
        var clerk = await app.TokenAsync("clerk", hallCode: Hall, subject: "clerk-credit");
        var received = await cases.Move(caseNo, clerk, 1, "receive", new { materials = CaseDriver.Materials(Deferrable, true, "premises-proof") });
        Assert.Equal("received", received.GetProperty("status").GetString());

        var refused = await cases.Send(HttpMethod.Post, $"/api/cases/{caseNo}/transitions", clerk, new { action = "accept", expectedVersion = 2, deferredMaterialsPromised = true });
        var problem = await ProblemAssert.IsProblem(refused, (HttpStatusCode)422);
        Assert.Contains("失信", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        await SetCredit(idNumber, "normal", "已履行判决，移出失信名单");
        await ProblemAssert.IsProblem(
            await cases.Send(HttpMethod.Post, $"/api/cases/{caseNo}/transitions", clerk, new { action = "accept", expectedVersion = 2, deferredMaterialsPromised = true }),
            (HttpStatusCode)422);

        await SetCredit(idNumber, "good", "信用修复完成");
        var accepted = await cases.Move(caseNo, clerk, 2, "accept", new { deferredMaterialsPromised = true });
        Assert.Equal("accepted", accepted.GetProperty("status").GetString());

        var promise = await CaseDriver.Ok(await cases.Send(HttpMethod.Get, $"/api/cases/{caseNo}/deferral", clerk));
        Assert.Equal("pending", promise.GetProperty("status").GetString());
        Assert.Equal(["premises-proof"], promise.GetProperty("promise").GetProperty("materialIds").EnumerateArray().Select(m => m.GetString()!));
        var due = DateOnly.Parse(promise.GetProperty("promise").GetProperty("due").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(due > DateOnly.FromDateTime(DateTime.UtcNow));

        await ProblemAssert.IsProblem(await cases.Send(HttpMethod.Post, $"/api/cases/{caseNo}/deferral/supply", clerk, new { materialIds = new[] { "photo" } }), HttpStatusCode.Conflict);
        var kept = await CaseDriver.Ok(await cases.Send(HttpMethod.Post, $"/api/cases/{caseNo}/deferral/supply", clerk, new { materialIds = new[] { "premises-proof" } }));
        Assert.Equal("kept", kept.GetProperty("status").GetString());
        var check = await CaseDriver.Ok(await cases.Send(HttpMethod.Post, $"/api/admin/cases/{caseNo}/deferral/check", await app.TokenAsync("admin")));
        Assert.Equal("kept", check.GetProperty("status").GetString());

        var history = await Credit(idNumber);
        Assert.True(history.GetProperty("historyValid").GetBoolean());
        Assert.Equal(["dishonest", "normal", "good"], history.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("to").GetString()!));
        Assert.All(history.GetProperty("history").EnumerateArray(), h => Assert.Equal("admin-credit", h.GetProperty("actorId").GetString()));
    }

    [Fact]
    public async Task Setting_credit_needs_an_admin_a_valid_ID_a_known_standing_and_a_reason()
    {
        var idNumber = CaseDriver.Id("52010219850505679");
        var admin = await app.TokenAsync("admin");
        await ProblemAssert.IsProblem(await cases.Send(HttpMethod.Put, "/api/admin/credit", admin, new { idNumber, standing = "dishonest" }), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblem(await cases.Send(HttpMethod.Put, "/api/admin/credit", admin, new { idNumber, standing = "saintly", reason = "x" }), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblem(await cases.Send(HttpMethod.Put, "/api/admin/credit", admin, new { idNumber = "520102", standing = "good", reason = "x" }), HttpStatusCode.BadRequest);
        var clerk = await app.TokenAsync("clerk", hallCode: Hall);
        Assert.Equal(HttpStatusCode.Forbidden, (await cases.Send(HttpMethod.Put, "/api/admin/credit", clerk, new { idNumber, standing = "good", reason = "x" })).StatusCode);
        Assert.Equal("good", (await Credit(idNumber)).GetProperty("standing").GetString()); // nobody said otherwise: good
    }

    [Fact]
    public async Task A_false_materials_finding_revokes_the_result_cancels_delivery_lists_the_applicant_and_is_reversible()
    {
        var idNumber = CaseDriver.Id("52010219750909234");
        var caseNo = await cases.ApplyOnline(idNumber, "郑十一", "13885009999");
        var clerk = await app.TokenAsync("clerk", hallCode: Hall);
        var approver = await app.TokenAsync("approver", departmentCode: CaseDriver.Item.DepartmentCode, regionCode: "520102", subject: "approver-fm");
        await cases.Move(caseNo, clerk, 1, "receive", new { materials = CaseDriver.Materials(CaseDriver.Item, verified: true) });
        await cases.Move(caseNo, clerk, 2, "accept");
        await cases.Move(caseNo, approver, 3, "startReview");

        // Under review there is no result to revoke: the department denies instead.
        await ProblemAssert.IsProblem(await cases.Send(HttpMethod.Post, $"/api/cases/{caseNo}/false-materials", approver, new { reason = "材料系伪造" }), HttpStatusCode.Conflict);
        await cases.Move(caseNo, approver, 4, "approve");
        await cases.Move(caseNo, approver, 5, "complete");

        await ProblemAssert.IsProblem(await cases.Send(HttpMethod.Post, $"/api/cases/{caseNo}/false-materials", approver, new { reason = "" }), HttpStatusCode.BadRequest);
        var finding = await CaseDriver.Ok(await cases.Send(HttpMethod.Post, $"/api/cases/{caseNo}/false-materials", approver,
            new { reason = "经核查，申请材料系伪造", materialIds = new[] { CaseDriver.Item.Materials[0].Id } }));
        Assert.True(finding.GetProperty("revoked").GetBoolean());
        Assert.True(finding.GetProperty("deliveryCancelled").GetBoolean());
        await ProblemAssert.IsProblem(await cases.Send(HttpMethod.Post, $"/api/cases/{caseNo}/false-materials", approver, new { reason = "again" }), HttpStatusCode.Conflict);

        var delivery = await cases.Send(HttpMethod.Post, $"/api/cases/{caseNo}/transitions", clerk, new { action = "deliver", expectedVersion = 6, deliveryMethod = "pickup" });
        Assert.Contains("撤销", (await ProblemAssert.IsProblem(delivery, (HttpStatusCode)422)).GetProperty("detail").GetString(), StringComparison.Ordinal);

        var listed = await Credit(idNumber);
        Assert.Equal("dishonest", listed.GetProperty("standing").GetString());
        var change = listed.GetProperty("history").EnumerateArray().Last();
        Assert.Equal("falseMaterials:" + caseNo, change.GetProperty("source").GetString());
        Assert.Equal("approver-fm", change.GetProperty("actorId").GetString());

        // Another department or a clerk cannot make findings on this case.
        var stranger = await app.TokenAsync("approver", departmentCode: CaseDriver.Item.DepartmentCode, regionCode: "520302");
        await ProblemAssert.IsProblem(await cases.Send(HttpMethod.Post, $"/api/cases/{caseNo}/false-materials", stranger, new { reason = "x" }), HttpStatusCode.NotFound);

        var admin = await app.TokenAsync("admin", subject: "admin-reversal");
        await ProblemAssert.IsProblem(await cases.Send(HttpMethod.Post, $"/api/admin/cases/{caseNo}/false-materials/reverse", admin, new { reason = " " }), HttpStatusCode.BadRequest);
        var reversed = await CaseDriver.Ok(await cases.Send(HttpMethod.Post, $"/api/admin/cases/{caseNo}/false-materials/reverse", admin, new { reason = "复核认定材料真实，原认定有误" }));
        Assert.False(reversed.GetProperty("revoked").GetBoolean());
        Assert.Equal(["revoked", "reversed"], reversed.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("kind").GetString()!));
        var restored = await Credit(idNumber);
        Assert.Equal("good", restored.GetProperty("standing").GetString());
        Assert.Equal("reversal:" + caseNo, restored.GetProperty("history").EnumerateArray().Last().GetProperty("source").GetString());

        var delivered = await cases.Move(caseNo, clerk, 6, "deliver", new { deliveryMethod = "pickup" });
        Assert.Equal("delivered", delivered.GetProperty("status").GetString());
        var sanction = await CaseDriver.Ok(await cases.Send(HttpMethod.Get, $"/api/cases/{caseNo}/sanction", clerk));
        Assert.Equal(2, sanction.GetProperty("entries").GetArrayLength());
    }
}
