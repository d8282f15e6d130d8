using System.Net;
using TongBan.Api.Tests.Support;
using TongBan.Grains.Licences;

namespace TongBan.Api.Tests.Embedded;

/// <summary>E-licences cited instead of paper: verified on application and receipt; unknown, another person's, expired or revoked → 409.</summary>
[Collection(EmbeddedCollection.Name)]
[Trait("Category", "Integration")]
public class LicenceEndpointTests(EmbeddedApp app)
{
    private readonly CaseDriver cases = new(app);

    private static readonly string A = InProcessELicenceRegistry.HolderA;

    private static readonly string IdCardA = "EL-ID-" + A[^6..];

    private static readonly string IdCardB = "EL-ID-" + InProcessELicenceRegistry.HolderB[^6..];

    private async Task<HttpResponseMessage> Apply(string itemCode, params object[] materials)
    {
        var citizen = await app.TokenAsync("citizen", subject: A);
        return await cases.Send(HttpMethod.Post, "/api/cases", citizen, new
        {
            itemCode,
            applicant = new { name = "陈一", idNumber = A, phone = "13885001010" },
            channel = "online",
            materials,
        });
    }

    private static object Cite(string materialId, string type, string number) => new { materialId, eLicence = new { type, licenceNumber = number } };

    [Fact]
    public async Task Own_valid_licences_replace_paper_and_the_clerk_sees_them_verified()
    {
        // 居民身份证换领: the household register and the old ID card may be cited as e-licences.
        var caseNo = (await CaseDriver.Ok(await Apply("gongan-001",
            Cite("household-register", "householdRegister", "el-hk-520102-000123"), // case-insensitive
            Cite("old-id-card", "residentIdCard", IdCardA),
            new { materialId = "application-form", copies = 1 }))).GetProperty("caseNo").GetString()!;

        var clerk = await app.TokenAsync("clerk", hallCode: "520000-H001");
        var received = await cases.Move(caseNo, clerk, 1, "receive");
        Assert.Equal("received", received.GetProperty("status").GetString());
        var view = await CaseDriver.Ok(await cases.Send(HttpMethod.Get, $"/api/cases/{caseNo}", clerk));
        Assert.Equal(0, view.GetProperty("gaps").GetArrayLength()); // no paper, no original check needed

        var citations = await CaseDriver.Ok(await cases.Send(HttpMethod.Get, $"/api/cases/{caseNo}/licences", clerk));
        Assert.Equal(2, citations.GetArrayLength());
        Assert.All(citations.EnumerateArray(), c =>
        {
            Assert.True(c.GetProperty("verified").GetBoolean());
            Assert.Equal("陈*", c.GetProperty("licence").GetProperty("holderName").GetString());
        });
        Assert.DoesNotContain(A, citations.GetRawText(), StringComparison.Ordinal);

        var mine = await CaseDriver.Ok(await cases.Send(HttpMethod.Post, "/api/licences/lookup", clerk, new { idNumber = A }));
        Assert.True(mine.GetArrayLength() >= 8);
    }

    [Theory]
    [InlineData("gongan-001", "old-id-card", "residentIdCard", "EL-ID-000000", "没有")] // unknown
    [InlineData("gongan-001", "old-id-card", "residentIdCard", "B", "不属于")] // another person's
    [InlineData("gongan-006", "driving-licence", "drivingLicence", "EL-DL-520102-2012-0456", "过期")] // expired
    [InlineData("gongan-001", "household-register", "householdRegister", "EL-HK-999999-000001", "没有")]
    public async Task Bad_citations_are_409_with_the_reason(string item, string material, string type, string number, string reason)
    {
        var response = await Apply(item, Cite(material, type, number == "B" ? IdCardB : number));
        var problem = await ProblemAssert.IsProblem(response, HttpStatusCode.Conflict);
        Assert.Contains(reason, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_citation_handed_in_at_receipt_is_409_and_changes_nothing()
    {
        var caseNo = (await CaseDriver.Ok(await Apply("gongan-001", new { materialId = "application-form", copies = 1 }))).GetProperty("caseNo").GetString()!;
        var clerk = await app.TokenAsync("clerk", hallCode: "520000-H001");
        var response = await cases.Send(HttpMethod.Post, $"/api/cases/{caseNo}/transitions", clerk, new
        {
            action = "receive",
            expectedVersion = 1,
            materials = new[] { Cite("old-id-card", "residentIdCard", IdCardB) },
        });
        Assert.Contains("不属于", (await ProblemAssert.IsProblem(response, HttpStatusCode.Conflict)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        var view = await CaseDriver.Ok(await cases.Send(HttpMethod.Get, $"/api/cases/{caseNo}", clerk));
        Assert.Equal(1, view.GetProperty("version").GetInt32());
    }
}
