using System.Text.Json;
using TongBan.Api.Tests.Support;

namespace TongBan.Api.Tests.Embedded;

/// <summary>
/// Staff and citizen views show only what the task needs: no keyed hash of an ID number or phone (applicantIdKey …)
/// and no sealed value in any answer. <see cref="ResponseScan"/> reads every JSON answer of the test hosts; this class
/// drives the main routes of each role and checks what it recorded.
/// </summary>
[Collection(EmbeddedCollection.Name)]
[Trait("Category", "Integration")]
public class ResponseScanTests(EmbeddedApp app)
{
    private readonly CaseDriver cases = new(app);

    [Fact]
    public void The_scan_finds_hash_and_seal_fields_at_any_depth()
    {
        Assert.Equal(["applicantIdKey", "phoneKey", "sealed"], ResponseScan.ForbiddenFields("""
            {"items":[{"caseNo":"GZ1","applicantIdKey":"abc","nested":{"phoneKey":"d"}}],"applicant":{"nameMasked":"王*","sealed":"AQID"}}
            """));
        Assert.Empty(ResponseScan.ForbiddenFields("""{"idempotencyKey":"k","nameMasked":"王*","idMasked":"5201**********1234","coalesceKey":"x","publicKey":"pk"}"""));
        Assert.Empty(ResponseScan.ForbiddenFields("not json"));
    }

    [Fact]
    public async Task The_main_staff_and_citizen_routes_answer_without_keyed_hashes_or_sealed_values()
    {
        var idNumber = CaseDriver.Id("52010219870707321");
        var caseNo = await cases.ApplyOnline(idNumber, "钱二十", "13885002020");
        var citizen = await app.TokenAsync("citizen", subject: idNumber);
        var clerk = await app.TokenAsync("clerk", hallCode: "520102-H001");
        var item = CaseDriver.Item;
        await cases.Move(caseNo, clerk, 1, "receive", new { materials = CaseDriver.Materials(item, verified: true) });
        await cases.Move(caseNo, clerk, 2, "accept");
        var approver = await app.TokenAsync("approver", departmentCode: item.DepartmentCode, regionCode: "520102");
        var agent = await app.TokenAsync("hotlineAgent", subject: "agent-scan");
        var admin = await app.TokenAsync("admin");
        var supervisor = await app.TokenAsync("supervisor", regionCode: "520000");
        var manager = await app.TokenAsync("hallManager", hallCode: "520102-H001");
        var before = ResponseScan.Answers;

        (string Path, string Token)[] reads =
        [
            ($"/api/cases/{caseNo}", citizen),
            ($"/api/cases/{caseNo}", clerk),
            ($"/api/cases/{caseNo}", approver),
            ("/api/cases", citizen),
            ("/api/inbox", approver),
            ("/api/inbox/hotline", approver),
            ($"/api/hotline/cases/{caseNo}?verify=2020", agent),
            ($"/api/cases/{caseNo}/licences", clerk),
            ("/api/licences/mine", citizen),
            ($"/api/cases/{caseNo}/deferral", clerk),
            ($"/api/cases/{caseNo}/audit/verify", admin),
            ("/api/halls/520102-H001/overdue-cases", manager),
            ("/api/metrics/on-time?scope=province", supervisor),
            ("/api/grants", citizen),
            ("/api/ratings/follow-ups", manager),
        ];
        foreach (var (path, token) in reads)
        {
            using var response = await cases.Send(HttpMethod.Get, path, token);
            // Every answer is scanned, refusals included; none may be a server error.
            Assert.True((int)response.StatusCode < 500, $"GET {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        var lookup = await CaseDriver.Ok(await cases.Send(HttpMethod.Post, "/api/hotline/callers/cases", agent, new { idNumber }));
        Assert.NotEqual(JsonValueKind.Undefined, lookup.ValueKind);

        // The views that carry an applicant must have answered (masked), so the scan saw them.
        foreach (var (path, token) in reads.Take(7))
        {
            await CaseDriver.Ok(await cases.Send(HttpMethod.Get, path, token));
        }

        Assert.True(ResponseScan.Answers >= before + reads.Length, "the scan did not see the answers");
        Assert.True(ResponseScan.Violations.Count == 0, string.Join("\n", ResponseScan.Violations));
    }
}
