using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using TongBan.Api.Tests.Support;
using TongBan.Grains.Cases;
using TongBan.Grains.Identity;

namespace TongBan.Api.Tests.Embedded;

/// <summary>
/// Issue 21, item 5: after the switch from the <c>international</c> suite (HMAC-SHA256 keyed hashes) to <c>sm</c>
/// (HMAC-SM3), a case stored under the old key is still found by the citizen's own look-up and the 12345 caller
/// look-up, is still the citizen's to see and withdraw, and still no one else's. The two hosts run one after the other
/// over one case store, as a restart with a changed <c>TongBan:Crypto:Suite</c> would.
/// </summary>
[Trait("Category", "Integration")]
public sealed class KeyedHashSwitchTests
{
    private sealed class SuiteApp(string suite, InMemoryCaseStore store) : EmbeddedApp
    {
        protected override IEnumerable<string> ExtraArgs => ["--TongBan:Crypto:Suite", suite];

        protected override void Configure(WebApplicationBuilder builder) => builder.Services.AddSingleton<ICaseStore>(store);
    }

    [Fact]
    public async Task A_case_opened_under_HMAC_SHA256_is_found_seen_and_withdrawn_by_its_applicant_after_the_switch_to_HMAC_SM3()
    {
        var store = new InMemoryCaseStore();
        var idNumber = CaseDriver.Id("52010219750505321");
        const string phone = "13985001234";

        string caseNo;
        var before = new SuiteApp("international", store);
        await before.InitializeAsync();
        try
        {
            caseNo = await new CaseDriver(before).ApplyOnline(idNumber, "韦小宝", phone);
        }
        finally
        {
            await before.DisposeAsync();
        }

        // Stored under the HMAC-SHA256 key (bare hex), not under HMAC-SM3.
        var key = Encoding.UTF8.GetBytes(PrivacyOptions.DevelopmentHashKey);
        var legacy = Assert.Single(await store.QueryAsync(new CaseQuery(ApplicantIdKey: new KeyedHash(key).OfResidentId(idNumber)), CancellationToken.None));
        Assert.Equal(caseNo, legacy.CaseNo);
        Assert.Equal("HMAC-SHA256", KeyedHash.AlgorithmOf(legacy.ApplicantIdKey));
        Assert.Empty(await store.QueryAsync(new CaseQuery(ApplicantIdKey: new KeyedHash(key, KeyedHashFunction.HmacSm3).OfResidentId(idNumber)), CancellationToken.None));

        var after = new SuiteApp("sm", store);
        await after.InitializeAsync();
        try
        {
            var cases = new CaseDriver(after);
            var agent = await after.TokenAsync("hotlineAgent", subject: "agent-switch");
            var byId = await CaseDriver.Ok(await cases.Send(HttpMethod.Post, "/api/hotline/callers/cases", agent, new { idNumber }));
            Assert.Equal([caseNo], byId.EnumerateArray().Select(c => c.GetProperty("caseNo").GetString()));
            var byPhone = await CaseDriver.Ok(await cases.Send(HttpMethod.Post, "/api/hotline/callers/cases", agent, new { phone = "139 8500 1234" }));
            Assert.Equal([caseNo], byPhone.EnumerateArray().Select(c => c.GetProperty("caseNo").GetString()));

            var citizen = await after.TokenAsync("citizen", subject: idNumber);
            var mine = await CaseDriver.Ok(await cases.Send(HttpMethod.Get, "/api/cases", citizen));
            Assert.Equal([caseNo], mine.EnumerateArray().Select(c => c.GetProperty("caseNo").GetString()));
            Assert.Equal(HttpStatusCode.OK, (await cases.Send(HttpMethod.Get, $"/api/cases/{caseNo}", citizen)).StatusCode);

            // Someone else still gets the same 404 as for a case that does not exist, and an empty list.
            var other = await after.TokenAsync("citizen", subject: CaseDriver.Id("52010219750505339"));
            await ProblemAssert.IsProblem(await cases.Send(HttpMethod.Get, $"/api/cases/{caseNo}", other), HttpStatusCode.NotFound);
            Assert.Equal(0, (await CaseDriver.Ok(await cases.Send(HttpMethod.Get, "/api/cases", other))).GetArrayLength());
            await ProblemAssert.IsProblem(await cases.Send(HttpMethod.Post, $"/api/cases/{caseNo}/transitions", other, new { action = "withdraw", expectedVersion = 1 }), HttpStatusCode.NotFound);

            // The applicant acts on it: the grain compares hashes only, and the endpoint names the old-key candidate.
            var withdrawn = await cases.Move(caseNo, citizen, 1, "withdraw");
            Assert.Equal("withdrawn", withdrawn.GetProperty("status").GetString());
        }
        finally
        {
            await after.DisposeAsync();
        }
    }
}
