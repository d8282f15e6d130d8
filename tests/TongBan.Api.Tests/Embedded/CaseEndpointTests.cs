using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using TongBan.Api.Tests.Support;
using TongBan.Grains.Cases;
using TongBan.Grains.Catalogue;
using TongBan.Grains.Identity;

namespace TongBan.Api.Tests.Embedded;

/// <summary>The whole life of a case over HTTP: online and at a window, routed to the competent department elsewhere.</summary>
[Collection(EmbeddedCollection.Name)]
[Trait("Category", "Integration")]
public class CaseEndpointTests(EmbeddedApp app)
{
    private static readonly ServiceCatalogue Catalogue = ServiceCatalogue.Seeded();

    /// <summary>A province-wide, county-level item: handled by the county department of the applicant.</summary>
    private static readonly ServiceItem Item = Catalogue.Items.First(i => i.ProvinceWide && i.Level == HandlingLevel.County && i.Materials.Count >= 2);

    private static string Id(string first17) => first17 + ResidentId.CheckCharacter(first17);

    private static object Materials(bool verified) => Item.Materials.Select(m => new
    {
        materialId = m.Id,
        copies = m.Copies,
        originalVerified = verified && m.OriginalRequired,
    }).ToArray();

    private async Task<HttpResponseMessage> Send(HttpMethod method, string path, string token, object? body = null, string? key = null)
    {
        using var request = app.Request(method, path, token, body);
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        return await app.Http.SendAsync(request);
    }

    private async Task<JsonElement> Ok(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private async Task<JsonElement> Move(string caseNo, string token, int version, string action, object? extra = null)
    {
        var body = new Dictionary<string, object?> { ["action"] = action, ["expectedVersion"] = version };
        foreach (var p in extra?.GetType().GetProperties() ?? [])
        {
            body[p.Name] = p.GetValue(extra);
        }

        return await Ok(await Send(HttpMethod.Post, $"/api/cases/{caseNo}/transitions", token, body));
    }

    [Fact]
    public async Task Catalogue_search_finds_items_by_name_and_pinyin_initials()
    {
        var all = await app.Http.GetFromJsonAsync<JsonElement[]>("/api/items");
        Assert.True(all!.Length >= 40);
        var sfz = await app.Http.GetFromJsonAsync<JsonElement[]>("/api/items?q=sfz");
        Assert.Contains(sfz!, i => i.GetProperty("name").GetString()!.Contains("身份证", StringComparison.Ordinal));
        var item = await app.Http.GetFromJsonAsync<JsonElement>($"/api/items/{Item.Code}");
        Assert.Equal(Item.Name, item.GetProperty("name").GetString());
        await ProblemAssert.IsProblem(await app.Http.GetAsync("/api/items/NO-SUCH-ITEM"), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblem(await app.Http.GetAsync("/api/items?sector=castles"), HttpStatusCode.BadRequest);
        var shares = await app.Http.GetFromJsonAsync<JsonElement[]>("/api/items/shares");
        Assert.True(shares!.Length >= 9);
    }

    [Fact]
    public async Task An_online_case_goes_from_application_to_delivery_without_a_visit()
    {
        var idNumber = Id("52010219900307123"); // applicant of 南明区
        var citizen = await app.TokenAsync("citizen", subject: idNumber);
        var created = await Ok(await Send(HttpMethod.Post, "/api/cases", citizen, new
        {
            itemCode = Item.Code,
            applicant = new { name = "张三", idNumber, phone = "13885001234" },
            channel = "online",
            materials = Materials(verified: false),
        }));
        var caseNo = created.GetProperty("caseNo").GetString()!;
        Assert.Equal("submitted", created.GetProperty("status").GetString());
        Assert.StartsWith("GZ520102", caseNo, StringComparison.Ordinal);

        // A clerk of the provincial centre receives it remotely (checks materials, verifies originals via video/e-licences).
        var clerk = await app.TokenAsync("clerk", hallCode: "520000-H001", subject: "clerk-prov-1");
        var received = await Move(caseNo, clerk, 1, "receive", new { materials = Materials(verified: true) });
        Assert.Equal("received", received.GetProperty("status").GetString());
        await Move(caseNo, clerk, 2, "accept");

        var department = Item.DepartmentCode;
        var approver = await app.TokenAsync("approver", departmentCode: department, regionCode: "520102", subject: "approver-1");
        var inbox = await Ok(await Send(HttpMethod.Get, "/api/inbox", approver));
        Assert.Contains(inbox.EnumerateArray(), c => c.GetProperty("caseNo").GetString() == caseNo);

        // Staff views show what the task needs: never the keyed hashes of the applicant's ID number or phone.
        Assert.All(inbox.EnumerateArray(), c =>
        {
            Assert.False(c.TryGetProperty("applicantIdKey", out _));
            Assert.False(c.TryGetProperty("applicantPhoneKey", out _));
        });

        await Move(caseNo, approver, 3, "startReview");
        await Move(caseNo, approver, 4, "approve", new { comment = "材料齐全，准予" });
        await Move(caseNo, approver, 5, "complete");
        inbox = await Ok(await Send(HttpMethod.Get, "/api/inbox", approver));
        Assert.DoesNotContain(inbox.EnumerateArray(), c => c.GetProperty("caseNo").GetString() == caseNo);
        var delivered = await Move(caseNo, clerk, 6, "deliver", new { deliveryMethod = "ems", trackingNumber = "EA123456789CN" });
        Assert.Equal("delivered", delivered.GetProperty("status").GetString());

        var view = await Ok(await Send(HttpMethod.Get, $"/api/cases/{caseNo}", citizen));
        Assert.Equal("已送达", view.GetProperty("statusName").GetString());
        Assert.Equal("张*", view.GetProperty("applicant").GetProperty("name").GetString());
        Assert.Equal("138****1234", view.GetProperty("applicant").GetProperty("phone").GetString());
        Assert.DoesNotContain(idNumber, view.GetRawText(), StringComparison.Ordinal);
        var timeline = view.GetProperty("timeline");
        Assert.Equal(7, timeline.GetArrayLength());
        Assert.Equal("approver", timeline[4].GetProperty("actorRole").GetString());
        Assert.Equal("520102", timeline[4].GetProperty("regionCode").GetString());
        Assert.Equal(JsonValueKind.Null, timeline[0].GetProperty("actor").ValueKind); // a citizen's identity is never shown

        var audit = await Ok(await Send(HttpMethod.Get, $"/api/cases/{caseNo}/audit/verify", clerk));
        Assert.True(audit.GetProperty("valid").GetBoolean());
        Assert.Equal(7, audit.GetProperty("entries").GetInt32());

        var metric = await Ok(await Send(HttpMethod.Get, $"/api/metrics/one-visit?item={Item.Code}", clerk));
        var figure = metric.EnumerateArray().Single(f => f.GetProperty("regionCode").GetString() == "520102");
        Assert.True(figure.GetProperty("atMostOneVisit").GetInt32() >= 1);
    }

    [Fact]
    public async Task A_window_case_received_in_Zunyi_is_handled_by_the_applicants_department_in_Guiyang()
    {
        var idNumber = Id("52011119851120456"); // 花溪区 applicant applying in 遵义
        var clerk = await app.TokenAsync("clerk", hallCode: "520302-H001", windowNo: 1, subject: "clerk-zunyi-1");
        var created = await Ok(await Send(HttpMethod.Post, "/api/cases", clerk, new
        {
            itemCode = Item.Code,
            applicant = new { name = "欧阳明", idNumber, phone = "+86 139 0851 7788", regionCode = "520111" },
            channel = "window",
            materials = Materials(verified: true),
        }));
        var caseNo = created.GetProperty("caseNo").GetString()!;
        Assert.StartsWith("GZ520302", caseNo, StringComparison.Ordinal); // numbered where it was received

        var view = await Ok(await Send(HttpMethod.Get, $"/api/cases/{caseNo}", clerk));
        Assert.Equal("520111", view.GetProperty("regionCode").GetString()); // 属地: the applicant's county
        Assert.Equal("520302-H001", view.GetProperty("receivingHallCode").GetString());
        Assert.StartsWith("欧阳", view.GetProperty("applicant").GetProperty("name").GetString()!, StringComparison.Ordinal);

        // Approvers of another region do not see it at all; its own department does.
        var wrongRegion = await app.TokenAsync("approver", departmentCode: Item.DepartmentCode, regionCode: "520302");
        await ProblemAssert.IsProblem(await Send(HttpMethod.Get, $"/api/cases/{caseNo}", wrongRegion), HttpStatusCode.NotFound);
        var other = await app.TokenAsync("citizen", subject: Id("52010219900307123"));
        await ProblemAssert.IsProblem(await Send(HttpMethod.Get, $"/api/cases/{caseNo}", other), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Refusals_are_specific_problems()
    {
        var idNumber = Id("52010319770101002");
        var citizen = await app.TokenAsync("citizen", subject: idNumber);
        var created = await Ok(await Send(HttpMethod.Post, "/api/cases", citizen, new
        {
            itemCode = Item.Code,
            applicant = new { name = "李四", idNumber, phone = "13600000000" },
            channel = "online",
            materials = Array.Empty<object>(),
        }));
        var caseNo = created.GetProperty("caseNo").GetString()!;

        // Not allowed now: 409 lists the allowed actions.
        var approver = await app.TokenAsync("approver", departmentCode: Item.DepartmentCode, regionCode: "520103");
        var early = await Send(HttpMethod.Post, $"/api/cases/{caseNo}/transitions", approver, new { action = "approve", expectedVersion = 1 });
        var problem = await ProblemAssert.IsProblem(early, HttpStatusCode.Conflict);
        Assert.Equal(["receive", "withdraw"], problem.GetProperty("allowedActions").EnumerateArray().Select(a => a.GetString()!));

        var citizenApproving = await Send(HttpMethod.Post, $"/api/cases/{caseNo}/transitions", citizen, new { action = "approve", expectedVersion = 1 });
        await ProblemAssert.IsProblem(citizenApproving, HttpStatusCode.Forbidden); // role is checked before status

        var clerk = await app.TokenAsync("clerk", hallCode: "520103-H001");
        var wrongAction = await Send(HttpMethod.Post, $"/api/cases/{caseNo}/transitions", clerk, new { action = "deliver", expectedVersion = 1, deliveryMethod = "pickup" });
        problem = await ProblemAssert.IsProblem(wrongAction, HttpStatusCode.Conflict);
        Assert.Contains("receive", problem.GetProperty("allowedActions").EnumerateArray().Select(a => a.GetString()));

        var stale = await Send(HttpMethod.Post, $"/api/cases/{caseNo}/transitions", clerk, new { action = "receive", expectedVersion = 7 });
        problem = await ProblemAssert.IsProblem(stale, HttpStatusCode.Conflict);
        Assert.Equal(1, problem.GetProperty("currentVersion").GetInt32());

        // Receiving finds every gap; the one-time notice must list them all, and only once.
        await Move(caseNo, clerk, 1, "receive");
        var partial = await Send(HttpMethod.Post, $"/api/cases/{caseNo}/transitions", clerk, new
        {
            action = "notifyMissing",
            expectedVersion = 2,
            missingMaterials = new[] { new { materialId = Item.Materials[0].Id, problem = "missing" } },
        });
        await ProblemAssert.IsProblem(partial, (HttpStatusCode)422);
        await Move(caseNo, clerk, 2, "notifyMissing", new { missingMaterials = Item.Materials.Select(m => new { materialId = m.Id, problem = "missing" }).ToArray() });
        var view = await Ok(await Send(HttpMethod.Get, $"/api/cases/{caseNo}", citizen));
        Assert.Equal("oneTimeNotice", view.GetProperty("status").GetString());
        Assert.DoesNotContain("notifyMissing", view.GetProperty("allowedActions").EnumerateArray().Select(a => a.GetString()));

        await Move(caseNo, citizen, 3, "withdraw");
        await ProblemAssert.IsProblem(await Send(HttpMethod.Post, $"/api/cases/{caseNo}/transitions", citizen, new { action = "withdraw", expectedVersion = 4 }), HttpStatusCode.Conflict);
    }

    [Theory]
    [InlineData("{\"itemCode\":\"NOPE\",\"applicant\":{\"name\":\"张三\",\"idNumber\":\"ID\",\"phone\":\"13800000000\"}}", HttpStatusCode.NotFound)]
    [InlineData("{\"applicant\":{\"name\":\"张三\"}}", HttpStatusCode.BadRequest)]
    [InlineData("{\"itemCode\":\"ITEM\",\"applicant\":{\"name\":\"张三\",\"idNumber\":\"520102199003071230\",\"phone\":\"13800000000\"}}", HttpStatusCode.BadRequest)] // check digit
    [InlineData("{\"itemCode\":\"ITEM\",\"applicant\":{\"name\":\"张三\",\"idNumber\":\"ID\",\"phone\":\"12800000000\"}}", HttpStatusCode.BadRequest)] // phone prefix
    [InlineData("{\"itemCode\":\"ITEM\",\"applicant\":{\"name\":\"张三\",\"idNumber\":\"ID\",\"phone\":\"13800000000\"},\"materials\":[{\"materialId\":\"crown-jewels\"}]}", HttpStatusCode.BadRequest)]
    [InlineData("{\"itemCode\":\"ITEM\",\"applicant\":{\"name\":\"张三\",\"idNumber\":\"ID\",\"phone\":\"13800000000\"},\"channel\":\"pigeon\"}", HttpStatusCode.BadRequest)]
    [InlineData("{\"itemCode\":\"ITEM\",\"applicant\":{\"name\":\"张三\",\"idNumber\":\"ID\",\"phone\":\"13800000000\",\"regionCode\":\"510104\"}}", HttpStatusCode.BadRequest)]
    public async Task Bad_applications_are_problems(string json, HttpStatusCode status)
    {
        var idNumber = Id("52010219900307123");
        var citizen = await app.TokenAsync("citizen", subject: idNumber);
        json = json.Replace("\"ITEM\"", $"\"{Item.Code}\"", StringComparison.Ordinal).Replace("\"ID\"", $"\"{idNumber}\"", StringComparison.Ordinal);
        using var request = app.Request(HttpMethod.Post, "/api/cases", citizen);
        request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        await ProblemAssert.IsProblem(await app.Http.SendAsync(request), status);
    }

    [Fact]
    public async Task A_citizen_cannot_apply_in_someone_elses_name()
    {
        var citizen = await app.TokenAsync("citizen", subject: Id("52010219900307123"));
        var response = await Send(HttpMethod.Post, "/api/cases", citizen, new
        {
            itemCode = Item.Code,
            applicant = new { name = "王五", idNumber = Id("52010219800101111"), phone = "13800000000" },
            channel = "online",
        });
        await ProblemAssert.IsProblem(response, HttpStatusCode.Forbidden);
    }

    [Theory]
    [InlineData("/api/cases/GZ123")]
    [InlineData("/api/cases/not-a-case-number-at-all")]
    public async Task Malformed_case_numbers_are_400(string url)
    {
        var admin = await app.TokenAsync("admin");
        await ProblemAssert.IsProblem(await Send(HttpMethod.Get, url, admin), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task A_mistyped_case_number_is_rejected_not_mis_found_and_retries_do_not_duplicate()
    {
        var idNumber = Id("52010219900307999");
        var citizen = await app.TokenAsync("citizen", subject: idNumber);
        var body = new { itemCode = Item.Code, applicant = new { name = "赵六", idNumber, phone = "13900000001" }, channel = "online" };
        var first = await Ok(await Send(HttpMethod.Post, "/api/cases", citizen, body, key: "mobile-app-77"));
        var retry = await Ok(await Send(HttpMethod.Post, "/api/cases", citizen, body, key: "mobile-app-77"));
        var caseNo = first.GetProperty("caseNo").GetString()!;
        Assert.Equal(caseNo, retry.GetProperty("caseNo").GetString());

        // Swap two adjacent digits of the sequence: the check character catches it.
        var chars = caseNo.ToCharArray();
        (chars[17], chars[18]) = (chars[18], chars[17]);
        var typo = new string(chars);
        if (typo != caseNo)
        {
            await ProblemAssert.IsProblem(await Send(HttpMethod.Get, $"/api/cases/{typo}", citizen), HttpStatusCode.BadRequest);
        }
    }

    [Fact]
    public async Task Tampering_with_a_stored_audit_entry_is_detected()
    {
        var idNumber = Id("52010219660606123");
        var citizen = await app.TokenAsync("citizen", subject: idNumber);
        var caseNo = (await Ok(await Send(HttpMethod.Post, "/api/cases", citizen, new
        {
            itemCode = Item.Code,
            applicant = new { name = "钱七", idNumber, phone = "13900000002" },
            channel = "online",
        }))).GetProperty("caseNo").GetString()!;
        var clerk = await app.TokenAsync("clerk", hallCode: "520000-H001");
        await Move(caseNo, clerk, 1, "receive", new { comment = "收件" });

        var store = (InMemoryCaseStore)app.App.Services.GetRequiredService<ICaseStore>();
        store.TamperForTest(caseNo, 2, json => json.Replace("收件", "改过", StringComparison.Ordinal));
        Assert.False((await store.AuditAsync(caseNo, CancellationToken.None))[1].Canonical.Contains("收件", StringComparison.Ordinal));
        var audit = await Ok(await Send(HttpMethod.Get, $"/api/cases/{caseNo}/audit/verify", clerk));
        Assert.False(audit.GetProperty("valid").GetBoolean());
        Assert.Equal("2", audit.GetProperty("firstBrokenAt").GetString());
        var admin = await app.TokenAsync("admin");
        var global = await Ok(await Send(HttpMethod.Get, "/api/audit/verify", admin));
        Assert.False(global.GetProperty("valid").GetBoolean());
    }

    [Fact]
    public async Task The_applicants_open_case_view_is_pushed_when_the_case_moves()
    {
        var idNumber = Id("52010219720202345");
        var citizen = await app.TokenAsync("citizen", subject: idNumber);
        var caseNo = (await Ok(await Send(HttpMethod.Post, "/api/cases", citizen, new
        {
            itemCode = Item.Code,
            applicant = new { name = "孙八", idNumber, phone = "13900000003" },
            channel = "online",
        }))).GetProperty("caseNo").GetString()!;

        await using var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(app.BaseAddress, "/hubs/live"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(citizen))
            .Build();
        var changes = new ConcurrentQueue<JsonElement>();
        hub.On<JsonElement>("caseChanged", c => changes.Enqueue(c));
        await hub.StartAsync();
        await hub.InvokeAsync("WatchCase", caseNo);

        var stranger = await app.TokenAsync("citizen", subject: Id("52010219720202346"));
        await using var nosy = new HubConnectionBuilder()
            .WithUrl(new Uri(app.BaseAddress, "/hubs/live"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(stranger))
            .Build();
        await nosy.StartAsync();
        await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(() => nosy.InvokeAsync("WatchCase", caseNo));

        var clerk = await app.TokenAsync("clerk", hallCode: "520000-H001");
        await Move(caseNo, clerk, 1, "receive");
        var deadline = DateTime.UtcNow.AddSeconds(2);
        while (!changes.Any(c => c.GetProperty("version").GetInt32() == 2) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        // The submission's own push may still have been in flight when the watch began; the receipt must follow it.
        var change = changes.Last();
        Assert.Equal(caseNo, change.GetProperty("caseNo").GetString());
        Assert.Equal("received", change.GetProperty("status").GetString());
        Assert.Equal(2, change.GetProperty("version").GetInt32());
    }
}
