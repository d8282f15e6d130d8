using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using TongBan.Api.Tests.Infrastructure;
using TongBan.Grains.Catalogue;
using TongBan.Grains.Identity;
using Xunit.Abstractions;

namespace TongBan.Api.Tests.Postgres;

/// <summary>No acknowledged case or transition is lost: kill -9 right after a 2xx, restart, everything is there.</summary>
[Collection(PostgresCollection.Name)]
[Trait("Category", "Integration")]
public sealed class CaseDurabilityTests(PostgresServer server, ITestOutputHelper output)
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly ServiceItem Item = ServiceCatalogue.Seeded().Items.First(i => i.ProvinceWide && i.Level == HandlingLevel.County && i.Materials.Count >= 2);

    private static async Task<JsonElement> SendAsync(SiloProcess silo, HttpMethod method, string path, string token, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await silo.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{method} {path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    [Fact]
    public async Task A_case_and_its_whole_history_survive_kill_9_and_the_audit_chain_verifies()
    {
        var connectionString = await server.CreateDatabaseAsync("case_kill");
        var idNumber = "52010219900307123" + ResidentId.CheckCharacter("52010219900307123");
        var citizen = TestTokens.Mint("citizen", idNumber);
        var clerk = TestTokens.Mint("clerk", "clerk-1", claims: new Dictionary<string, string> { ["hallCode"] = "520000-H001" });
        var admin = TestTokens.Admin();
        var materials = Item.Materials.Select(m => new { materialId = m.Id, copies = m.Copies, originalVerified = m.OriginalRequired }).ToArray();

        string caseNo;
        Dictionary<string, string?> sameAddress;
        await using (var a = SiloProcess.Start(connectionString))
        {
            await a.WaitReadyAsync(StartTimeout);
            var created = await SendAsync(a, HttpMethod.Post, "/api/cases", citizen, new
            {
                itemCode = Item.Code,
                applicant = new { name = "张三", idNumber, phone = "13885001234" },
                channel = "online",
            });
            caseNo = created.GetProperty("caseNo").GetString()!;
            await SendAsync(a, HttpMethod.Post, $"/api/cases/{caseNo}/transitions", clerk, new { action = "receive", expectedVersion = 1, materials });
            await SendAsync(a, HttpMethod.Post, $"/api/cases/{caseNo}/transitions", clerk, new { action = "accept", expectedVersion = 2, comment = "受理" });
            a.KillHard(); // right after the 2xx
            output.WriteLine($"killed pid {a.ProcessId} after accepting {caseNo}");
            sameAddress = new()
            {
                ["TongBan__Silo__SiloPort"] = a.SiloPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["TongBan__Silo__GatewayPort"] = a.GatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            };
        }

        await using var b = SiloProcess.Start(connectionString, sameAddress);
        await b.WaitReadyAsync(StartTimeout);
        var view = await SendAsync(b, HttpMethod.Get, $"/api/cases/{caseNo}", citizen);
        Assert.Equal("accepted", view.GetProperty("status").GetString());
        Assert.Equal(3, view.GetProperty("version").GetInt32());
        Assert.Equal(3, view.GetProperty("timeline").GetArrayLength());
        Assert.Equal("受理", view.GetProperty("timeline")[2].GetProperty("comment").GetString());
        Assert.NotEqual(JsonValueKind.Null, view.GetProperty("deadline").ValueKind);

        var verify = await SendAsync(b, HttpMethod.Get, $"/api/cases/{caseNo}/audit/verify", admin);
        Assert.True(verify.GetProperty("valid").GetBoolean());
        Assert.Equal(3, verify.GetProperty("entries").GetInt32());

        // The case continues where it was: a stale client gets 409, the right version moves it.
        var approver = TestTokens.Mint("approver", "approver-1", claims: new Dictionary<string, string> { ["departmentCode"] = Item.DepartmentCode, ["regionCode"] = "520102" });
        using (var stale = new HttpRequestMessage(HttpMethod.Post, $"/api/cases/{caseNo}/transitions") { Content = JsonContent.Create(new { action = "startReview", expectedVersion = 2 }) })
        {
            stale.Headers.Authorization = new AuthenticationHeaderValue("Bearer", approver);
            Assert.Equal(System.Net.HttpStatusCode.Conflict, (await b.Http.SendAsync(stale)).StatusCode);
        }

        var moved = await SendAsync(b, HttpMethod.Post, $"/api/cases/{caseNo}/transitions", approver, new { action = "startReview", expectedVersion = 3 });
        Assert.Equal("underReview", moved.GetProperty("status").GetString());
        var inbox = await SendAsync(b, HttpMethod.Get, "/api/inbox", approver);
        Assert.Contains(inbox.EnumerateArray(), c => c.GetProperty("caseNo").GetString() == caseNo);
    }
}
