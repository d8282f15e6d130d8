using System.Net;
using System.Text.Json;
using TongBan.Api.Tests.Support;
using TongBan.Grains.Common;

namespace TongBan.Api.Tests.Embedded;

/// <summary>An app of its own: publishing batches changes the catalogue, which the shared app's tests must not see. The demo partner is off here.</summary>
public sealed class CatalogueApp : EmbeddedApp
{
    protected override IEnumerable<string> ExtraArgs => ["--TongBan:Partners:Demo", "false"];
}

/// <summary>The catalogue as published data: the batches, items per batch, an admin publishing the next batch, cases keeping their version.</summary>
[Trait("Category", "Integration")]
public class CatalogueEndpointTests(CatalogueApp app) : IClassFixture<CatalogueApp>
{
    private readonly CaseDriver cases = new(app);

    private static bool HasChinese(string? text) => text?.Any(c => c is >= '\u4e00' and <= '\u9fff') == true;

    private static List<string> Codes(JsonElement items) => [.. items.EnumerateArray().Select(i => i.GetProperty("code").GetString()!)];

    private static object Item(string code, string name, string initials, int statutory = 5, int promised = 1, string department = "rsj") => new
    {
        code,
        name,
        departmentCode = department,
        level = "county",
        statutoryLimitDays = statutory,
        promisedLimitDays = promised,
        materials = new[] { new { id = "id-card", name = "申请人居民身份证", originalRequired = true, copies = 1, replaceableBy = "residentIdCard" } },
        reviewPoints = new[] { "身份信息核验一致" },
        resultType = "certificate",
        printableAtReceivingHall = true,
        provinceWide = true,
        pinyinInitials = initials,
    };

    [Fact]
    public async Task Batches_are_published_data_and_an_admin_publishes_the_next_one_while_cases_keep_their_version()
    {
        // The seeded batches as data.
        var batches = await CaseDriver.Ok(await cases.Send(HttpMethod.Get, "/api/catalogue/batches", null));
        Assert.Equal([1, 2], batches.EnumerateArray().Select(b => b.GetProperty("number").GetInt32()));
        Assert.Equal(["2020-05-29", "2021-05-28"], batches.EnumerateArray().Select(b => b.GetProperty("published").GetString()));
        Assert.All(batches.EnumerateArray(), b => Assert.True(b.GetProperty("inForce").GetBoolean()));
        Assert.Contains("sw-002", batches[1].GetProperty("withdrawn").EnumerateArray().Select(c => c.GetString()));
        Assert.Contains("wsjk-006", batches[1].GetProperty("added").EnumerateArray().Select(c => c.GetString()));

        // Items per batch: 2020 still has 发票领用 and not the 2021 additions; without the parameter, today's answer.
        var current = Codes(await CaseDriver.Ok(await cases.Send(HttpMethod.Get, "/api/items", null)));
        var of2020 = Codes(await CaseDriver.Ok(await cases.Send(HttpMethod.Get, "/api/items?batch=2020", null)));
        Assert.Contains("sw-002", of2020);
        Assert.DoesNotContain("jt-006", of2020);
        Assert.Equal(current, Codes(await CaseDriver.Ok(await cases.Send(HttpMethod.Get, "/api/items?batch=2021", null))));
        Assert.Equal(current, Codes(await CaseDriver.Ok(await cases.Send(HttpMethod.Get, "/api/items?batch=2", null))));
        Assert.Equal(
            Codes(await CaseDriver.Ok(await cases.Send(HttpMethod.Get, "/api/items?sector=health", null))),
            Codes(await CaseDriver.Ok(await cases.Send(HttpMethod.Get, "/api/items?sector=health&batch=2021", null))));
        Assert.True(HasChinese((await ProblemAssert.IsProblem(await cases.Send(HttpMethod.Get, "/api/items?batch=abc", null), HttpStatusCode.BadRequest)).GetProperty("title").GetString()));
        await ProblemAssert.IsProblem(await cases.Send(HttpMethod.Get, "/api/items?batch=2019", null), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblem(await cases.Send(HttpMethod.Get, "/api/catalogue/batches/x", null), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblem(await cases.Send(HttpMethod.Get, "/api/catalogue/batches/9", null), HttpStatusCode.NotFound);
        var batch2 = await CaseDriver.Ok(await cases.Send(HttpMethod.Get, "/api/catalogue/batches/2", null));
        Assert.Equal("出生医学证明首次签发", batch2.GetProperty("added").EnumerateArray().Single(i => i.GetProperty("code").GetString() == "wsjk-006").GetProperty("name").GetString());

        // A case opened now follows the version of batch 1 (个人参保证明打印 has not changed since).
        var item = CaseDriver.Catalogue.Find("rsj-006")!;
        var idNumber = CaseDriver.Id("52010219860606111");
        var citizen = await app.TokenAsync("citizen", subject: idNumber);
        var before = await cases.ApplyOnline(idNumber, "孙二一", "13885002121", item);
        Assert.Equal(1, (await CaseDriver.Ok(await cases.Send(HttpMethod.Get, $"/api/cases/{before}", citizen))).GetProperty("catalogueVersion").GetInt32());

        // Publishing is for admins, and a bad batch is refused with every problem in zh-CN.
        var admin = await app.TokenAsync("admin");
        var clerk = await app.TokenAsync("clerk", hallCode: "520102-H001");
        var amended = Item("rsj-006", "个人参保证明打印", "grcbzmdy", statutory: 2, promised: 0);
        await ProblemAssert.IsProblem(await cases.Send(HttpMethod.Post, "/api/catalogue/batches", clerk, new { number = 3, title = "第三批", amended = new[] { amended } }), HttpStatusCode.Forbidden);
        var bad = await ProblemAssert.IsProblem(await cases.Send(HttpMethod.Post, "/api/catalogue/batches", admin, new
        {
            number = 3,
            title = "第三批",
            added = new[] { Item("rsj-901", "测试新增事项", "csxzsx", statutory: 3, promised: 5), Item("rsj-902", "测试", "cs", department: "nowhere") },
            amended = new[] { Item("rsj-999", "不存在的事项", "bczdsx") },
            withdrawn = new[] { "sw-002" },
        }), HttpStatusCode.BadRequest);
        Assert.Equal("事项清单批次未通过校验 Catalogue batch rejected", bad.GetProperty("title").GetString());
        var problems = bad.GetProperty("problems").EnumerateArray().Select(p => p.GetString()!).ToList();
        Assert.Contains(problems, p => p.Contains("departmentCode", StringComparison.Ordinal));
        Assert.All(problems, p => Assert.True(HasChinese(p), p));
        var replay = await ProblemAssert.IsProblem(await cases.Send(HttpMethod.Post, "/api/catalogue/batches", admin, new
        {
            number = 3,
            title = "第三批",
            added = new[] { Item("rsj-901", "测试新增事项", "csxzsx", statutory: 3, promised: 5) },
            amended = new[] { Item("rsj-999", "不存在的事项", "bczdsx") },
            withdrawn = new[] { "sw-002" },
        }), HttpStatusCode.BadRequest);
        var replayProblems = replay.GetProperty("problems").EnumerateArray().Select(p => p.GetString()!).ToList();
        Assert.Contains(replayProblems, p => p.Contains("承诺时限", StringComparison.Ordinal)); // time limits
        Assert.Contains(replayProblems, p => p.Contains("rsj-999", StringComparison.Ordinal)); // amends an item not in force
        Assert.Contains(replayProblems, p => p.Contains("sw-002", StringComparison.Ordinal)); // withdraws an item already withdrawn
        await ProblemAssert.IsProblem(await cases.Send(HttpMethod.Post, "/api/catalogue/batches", admin, new
        {
            number = 3,
            title = "第三批",
            effectiveFrom = ChinaTime.Today(TimeProvider.System).AddDays(-2).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            added = new[] { Item("rsj-901", "测试新增事项", "csxzsx") },
        }), HttpStatusCode.BadRequest); // no retroactive batch

        // Batch 3, in force today: amends 个人参保证明打印 and adds an item.
        var batch3 = new { number = 3, title = "贵州省第三批“全省通办”事项清单（测试）", added = new[] { Item("rsj-901", "测试新增事项", "csxzsx") }, amended = new[] { amended } };
        var published = await cases.Send(HttpMethod.Post, "/api/catalogue/batches", admin, batch3);
        Assert.Equal(HttpStatusCode.Created, published.StatusCode);
        Assert.Equal("/api/catalogue/batches/3", published.Headers.Location?.OriginalString);
        var stored = await CaseDriver.Ok(published);
        Assert.True(stored.GetProperty("inForce").GetBoolean());
        Assert.Equal(stored.GetProperty("published").GetString(), stored.GetProperty("effectiveFrom").GetString());

        // A retry answers the stored batch; another batch under a used number, or a skipped number, is a conflict.
        using (var again = await cases.Send(HttpMethod.Post, "/api/catalogue/batches", admin, batch3))
        {
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
            Assert.Equal(3, (await CaseDriver.Ok(again)).GetProperty("number").GetInt32());
        }

        var used = await ProblemAssert.IsProblem(await cases.Send(HttpMethod.Post, "/api/catalogue/batches", admin, new { number = 3, title = "另一批", withdrawn = new[] { "rsj-901" } }), HttpStatusCode.Conflict);
        Assert.Equal(4, used.GetProperty("nextNumber").GetInt32());
        await ProblemAssert.IsProblem(await cases.Send(HttpMethod.Post, "/api/catalogue/batches", admin, new { number = 7, title = "跳号", withdrawn = new[] { "rsj-901" } }), HttpStatusCode.Conflict);

        Assert.Equal("测试新增事项", (await CaseDriver.Ok(await cases.Send(HttpMethod.Get, "/api/items/rsj-901", null))).GetProperty("name").GetString());
        Assert.DoesNotContain("rsj-901", Codes(await CaseDriver.Ok(await cases.Send(HttpMethod.Get, "/api/items?batch=2", null))));
        Assert.Equal(2, (await CaseDriver.Ok(await cases.Send(HttpMethod.Get, "/api/items/rsj-006", null))).GetProperty("statutoryLimitDays").GetInt32());

        // The case opened before keeps batch 1's version; a case opened now follows batch 3.
        Assert.Equal(1, (await CaseDriver.Ok(await cases.Send(HttpMethod.Get, $"/api/cases/{before}", citizen))).GetProperty("catalogueVersion").GetInt32());
        var laterId = CaseDriver.Id("52010219860606112");
        var after = await cases.ApplyOnline(laterId, "孙二二", "13885002122", item);
        Assert.Equal(3, (await CaseDriver.Ok(await cases.Send(HttpMethod.Get, $"/api/cases/{after}", await app.TokenAsync("citizen", subject: laterId)))).GetProperty("catalogueVersion").GetInt32());

        // Batch 4 takes effect in 30 days: listed and readable by number, not yet in force.
        var effective = ChinaTime.Today(TimeProvider.System).AddDays(30).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var scheduled = await CaseDriver.Ok(await cases.Send(HttpMethod.Post, "/api/catalogue/batches", admin, new
        {
            number = 4,
            title = "贵州省第四批“全省通办”事项清单（测试，预告）",
            effectiveFrom = effective,
            added = new[] { Item("rsj-902", "测试预告事项", "csygsx") },
        }));
        Assert.False(scheduled.GetProperty("inForce").GetBoolean());
        Assert.Equal(effective, scheduled.GetProperty("effectiveFrom").GetString());
        await ProblemAssert.IsProblem(await cases.Send(HttpMethod.Get, "/api/items/rsj-902", null), HttpStatusCode.NotFound);
        Assert.DoesNotContain("rsj-902", Codes(await CaseDriver.Ok(await cases.Send(HttpMethod.Get, "/api/items", null))));
        Assert.Contains("rsj-902", Codes(await CaseDriver.Ok(await cases.Send(HttpMethod.Get, "/api/items?batch=4", null))));
        var list = await CaseDriver.Ok(await cases.Send(HttpMethod.Get, "/api/catalogue/batches", null));
        Assert.Equal([true, true, true, false], list.EnumerateArray().Select(b => b.GetProperty("inForce").GetBoolean()));
    }

    [Fact]
    public async Task The_demo_partner_is_off_when_configured_off()
    {
        var clerk = await app.TokenAsync("clerk", hallCode: "520102-H001");
        var partners = await CaseDriver.Ok(await cases.Send(HttpMethod.Get, "/api/partners", clerk));
        Assert.DoesNotContain(partners.EnumerateArray(), p => p.GetProperty("code").GetString() == "demo");
        var off = await ProblemAssert.IsProblem(await cases.Send(HttpMethod.Post, "/api/cross-province/demo/inbound", clerk, new { }), HttpStatusCode.NotFound);
        Assert.True(HasChinese(off.GetProperty("title").GetString()));
    }
}
