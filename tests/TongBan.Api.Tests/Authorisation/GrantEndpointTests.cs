using System.Net;
using System.Text.Json;
using TongBan.Api.Tests.Support;

namespace TongBan.Api.Tests.Authorisation;

/// <summary>授权信任 over HTTP on one embedded silo. Each test uses its own halls, so grants of one never help another.</summary>
[Collection(EmbeddedCollection.Name)]
[Trait("Category", "Integration")]
public class GrantEndpointTests(EmbeddedApp app)
{
    private const string ReceiveAccept = "收件受理权 (receiveAccept)";

    private GrantFlow Flow => new(app.Http);

    [Fact]
    public async Task A_clerk_of_another_region_is_refused_then_allowed_by_a_grant_and_refused_again_after_revoke()
    {
        var flow = Flow;
        const string zunyi = "520303-H001";  // 汇川区: receives the case
        const string anshun = "520402-H001"; // 西秀区: another prefecture's hall
        var caseNo = await flow.ReceivedCase(zunyi, "520111", "52011119860101123");
        var outsider = await flow.Token("clerk", hallCode: anshun, subject: "clerk-anshun");
        var manager = await flow.Token("hallManager", hallCode: zunyi, subject: "manager-huichuan");

        await GrantFlow.RefusedFor(await flow.Move(caseNo, outsider, 2, "accept"), ReceiveAccept);
        await ProblemAssert.IsProblem(await flow.Send(HttpMethod.Get, $"/api/cases/{caseNo}", outsider), HttpStatusCode.NotFound);

        var grant = await flow.Grant(manager, "g-huichuan-xixiu-1", zunyi, anshun, ["receiveAccept"]);
        Assert.True(grant.GetProperty("inForce").GetBoolean());
        Assert.Equal("收件受理权", grant.GetProperty("rightNames")[0].GetString());
        Assert.Equal(2, (await GrantFlow.Ok(await flow.Send(HttpMethod.Get, $"/api/cases/{caseNo}", outsider))).GetProperty("version").GetInt32());

        // A one-time notice is another right: still refused, naming it.
        await GrantFlow.RefusedFor(
            await flow.Move(caseNo, outsider, 2, "notifyMissing", new { missingMaterials = new[] { new { materialId = GrantFlow.Item.Materials[0].Id, problem = "defective" } } }),
            "一次性告知权 (oneTimeNotice)");

        var revoked = await flow.Revoke(manager, "g-huichuan-xixiu-1");
        Assert.False(revoked.GetProperty("inForce").GetBoolean());
        await GrantFlow.RefusedFor(await flow.Move(caseNo, outsider, 2, "accept"), ReceiveAccept);

        await flow.Grant(manager, "g-huichuan-xixiu-2", zunyi, anshun, ["receiveAccept"]);
        var accepted = await GrantFlow.Ok(await flow.Move(caseNo, outsider, 2, "accept"));
        Assert.Equal("accepted", accepted.GetProperty("status").GetString());

        // Grant and revoke are entries of the hash-chained log, which verifies.
        var admin = await flow.Token("admin", subject: "admin-1");
        var verify = await GrantFlow.Ok(await flow.Send(HttpMethod.Get, "/api/audit/verify", admin));
        Assert.True(verify.GetProperty("valid").GetBoolean(), verify.GetRawText());
        var given = await GrantFlow.Ok(await flow.Send(HttpMethod.Get, $"/api/grants?grantor={zunyi}", manager));
        Assert.Equal(["g-huichuan-xixiu-1", "g-huichuan-xixiu-2"], given.EnumerateArray().Select(g => g.GetProperty("id").GetString()!).ToArray());
        Assert.Equal("协作结束", given[0].GetProperty("revokeReason").GetString());
        var received = await GrantFlow.Ok(await flow.Send(HttpMethod.Get, $"/api/grants?grantee={anshun}", outsider));
        Assert.Equal(2, received.EnumerateArray().Count(g => g.GetProperty("grantor").GetProperty("hallCode").GetString() == zunyi));
    }

    [Fact]
    public async Task An_expired_grant_is_refused_naming_the_right()
    {
        var flow = Flow;
        const string receiving = "520304-H001";
        const string elsewhere = "520502-H001";
        var caseNo = await flow.ReceivedCase(receiving, "520111", "52011119860202123");
        var outsider = await flow.Token("clerk", hallCode: elsewhere, subject: "clerk-elsewhere");
        var manager = await flow.Token("hallManager", hallCode: receiving, subject: "manager-304");

        var until = DateTimeOffset.UtcNow.AddSeconds(2);
        await flow.Grant(manager, "g-short-1", receiving, elsewhere, ["receiveAccept"], until);
        while (DateTimeOffset.UtcNow <= until.AddMilliseconds(200))
        {
            await Task.Delay(100);
        }

        await GrantFlow.RefusedFor(await flow.Move(caseNo, outsider, 2, "accept"), ReceiveAccept);
        var listed = await GrantFlow.Ok(await flow.Send(HttpMethod.Get, $"/api/grants?grantor={receiving}", manager));
        Assert.False(listed[0].GetProperty("inForce").GetBoolean());
    }

    [Fact]
    public async Task A_department_grant_to_a_region_lets_its_halls_deliver_and_verify_originals()
    {
        var flow = Flow;
        const string receiving = "520322-H001";
        const string region = "520600"; // 铜仁市: every hall in it
        var caseNo = await flow.ReceivedCase(receiving, "520112", "52011219870303123");
        var receivingClerk = await flow.Token("clerk", hallCode: receiving, subject: "clerk-receiving");
        await GrantFlow.Ok(await flow.Move(caseNo, receivingClerk, 2, "accept"));
        var approver = await flow.Token("approver", departmentCode: GrantFlow.Item.DepartmentCode, regionCode: "520112", subject: "approver-wudang");
        foreach (var (action, version) in new[] { ("startReview", 3), ("approve", 4), ("complete", 5) })
        {
            await GrantFlow.Ok(await flow.Move(caseNo, approver, version, action));
        }

        var tongren = await flow.Token("clerk", hallCode: "520602-H001", subject: "clerk-tongren");
        var pickup = new { deliveryMethod = "pickup" };
        await GrantFlow.RefusedFor(await flow.Move(caseNo, tongren, 6, "deliver", pickup), "审批结果送达权 (deliverResults)");

        // Only the department's own approver (or an admin) may grant for the department.
        var body = new
        {
            id = "g-wudang-tongren",
            grantor = new { departmentCode = GrantFlow.Item.DepartmentCode, regionCode = "520112" },
            grantee = new { regionCode = region },
            rights = new[] { "deliverResults" },
            itemCodes = new[] { GrantFlow.Item.Code },
            validUntil = DateTimeOffset.UtcNow.AddDays(90),
        };
        var otherApprover = await flow.Token("approver", departmentCode: GrantFlow.Item.DepartmentCode, regionCode: "520113", subject: "approver-baiyun");
        await ProblemAssert.IsProblem(await flow.Send(HttpMethod.Post, "/api/grants", otherApprover, body), HttpStatusCode.Forbidden);
        await GrantFlow.Ok(await flow.Send(HttpMethod.Post, "/api/grants", approver, body));
        await GrantFlow.Ok(await flow.Send(HttpMethod.Post, "/api/grants", approver, body)); // a retry: same grant

        var delivered = await GrantFlow.Ok(await flow.Move(caseNo, tongren, 6, "deliver", pickup));
        Assert.Equal("delivered", delivered.GetProperty("status").GetString());
        var view = await GrantFlow.Ok(await flow.Send(HttpMethod.Get, $"/api/cases/{caseNo}", approver));
        Assert.Equal("520602-H001", view.GetProperty("delivery").GetProperty("hallCode").GetString()); // 就近打证 in 铜仁
    }

    [Fact]
    public async Task Bad_grants_are_specific_problems()
    {
        var flow = Flow;
        const string hall = "520323-H001";
        var manager = await flow.Token("hallManager", hallCode: hall, subject: "manager-323");
        var until = DateTimeOffset.UtcNow.AddDays(10);
        object Body(object? grantor = null, object? grantee = null, string[]? rights = null, DateTimeOffset? from = null, DateTimeOffset? to = null, string id = "g-bad") => new
        {
            id,
            grantor = grantor ?? new { hallCode = hall },
            grantee = grantee ?? new { hallCode = "520402-H001" },
            rights = rights ?? ["receiveAccept"],
            validFrom = from,
            validUntil = to ?? until,
        };

        async Task<JsonElement> Bad(object body, HttpStatusCode status = HttpStatusCode.BadRequest) =>
            await ProblemAssert.IsProblem(await flow.Send(HttpMethod.Post, "/api/grants", manager, body), status);

        await Bad(Body(grantee: new { hallCode = "520402-H999" }));              // unknown hall
        await Bad(Body(grantee: new { regionCode = "110000" }));                 // not a Guizhou region
        await Bad(Body(rights: []));                                             // no rights
        var unknown = await Bad(Body(rights: ["signSeal"]));                     // unknown right
        Assert.Contains("signSeal", unknown.GetRawText(), StringComparison.Ordinal);
        var order = await Bad(Body(from: until, to: until.AddDays(-1)));         // validUntil before validFrom
        Assert.True(order.GetProperty("errors").TryGetProperty("validUntil", out _));
        await Bad(Body(grantee: new { hallCode = hall }));                       // to itself
        await Bad(Body(grantor: new { hallCode = "520402-H001" }, grantee: new { hallCode = "520502-H001" }), HttpStatusCode.Forbidden); // not your hall

        await GrantFlow.Ok(await flow.Send(HttpMethod.Post, "/api/grants", manager, Body(id: "g-323-once")));
        await Bad(Body(id: "g-323-once", rights: ["deliverResults"]), HttpStatusCode.Conflict); // same id, other terms

        await ProblemAssert.IsProblem(await flow.Send(HttpMethod.Post, "/api/grants/g-no-such/revoke", manager, new { reason = "x" }), HttpStatusCode.NotFound);
        var stranger = await flow.Token("hallManager", hallCode: "520402-H001", subject: "manager-402");
        await ProblemAssert.IsProblem(await flow.Send(HttpMethod.Post, "/api/grants/g-323-once/revoke", stranger, new { reason = "x" }), HttpStatusCode.Forbidden);
        await ProblemAssert.IsProblem(await flow.Send(HttpMethod.Get, $"/api/grants?grantor={hall}", stranger), HttpStatusCode.Forbidden);
        var clerk = await flow.Token("clerk", hallCode: hall, subject: "clerk-323");
        await ProblemAssert.IsProblem(await flow.Send(HttpMethod.Post, "/api/grants", clerk, Body(id: "g-by-clerk")), HttpStatusCode.Forbidden);
    }
}
