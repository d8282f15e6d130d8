using System.Net;
using System.Text.Json;
using TongBan.Api.Tests.Support;
using TongBan.Grains.Catalogue;
using TongBan.Grains.Identity;
using TongBan.Silo.Hosting;

namespace TongBan.Api.Tests.Notifications;

/// <summary>
/// The embedded app with the log channel, no quiet hours (so the test passes at any real hour) and a quick dispatcher.
/// </summary>
public sealed class NotificationApp : EmbeddedApp
{
    protected override IEnumerable<string> ExtraArgs =>
    [
        "--TongBan:Notifications:Limits:QuietHoursStart", "00:00",
        "--TongBan:Notifications:Limits:QuietHoursEnd", "00:00",
        "--TongBan:Notifications:Limits:PerMinute", "100",
        "--TongBan:Notifications:Dispatcher:PollIntervalMilliseconds", "50",
        "--TongBan:Notifications:Sms:Tencent:CallbackToken", ReceiptEndpointTests.CallbackToken,
        "--TongBan:Notifications:App:Secret", ReceiptEndpointTests.AppSecret,
    ];
}

/// <summary><c>GET /api/cases/{caseNo}/notifications</c>, opt-out, the admin outbox routes, and the consent input of a submission.</summary>
[Trait("Category", "Integration")]
public sealed class NotificationEndpointTests(NotificationApp app) : IClassFixture<NotificationApp>
{
    private static readonly ServiceItem Item = ServiceCatalogue.Seeded().Items.First(i => i.ProvinceWide && i.Level == HandlingLevel.County && i.Materials.Count >= 2);

    private static string Id(string first17) => first17 + ResidentId.CheckCharacter(first17);

    private static object Materials(bool verified) => Item.Materials.Select(m => new { materialId = m.Id, copies = m.Copies, originalVerified = verified && m.OriginalRequired }).ToArray();

    private async Task<(HttpStatusCode Status, JsonElement Body)> Send(HttpMethod method, string path, string token, object? body = null)
    {
        using var request = app.Request(method, path, token, body);
        using var response = await app.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    private async Task<(string CaseNo, string Citizen, string Clerk)> AcceptedCaseAsync(string idBody, string phone, object? notify)
    {
        var idNumber = Id(idBody);
        var citizen = await app.TokenAsync("citizen", subject: idNumber);
        var (status, created) = await Send(HttpMethod.Post, "/api/cases", citizen, new
        {
            itemCode = Item.Code,
            applicant = new { name = "张三", idNumber, phone },
            channel = "online",
            materials = Materials(verified: false),
            notify,
        });
        Assert.True(status == HttpStatusCode.OK, created.ToString());
        var caseNo = created.GetProperty("caseNo").GetString()!;
        var clerk = await app.TokenAsync("clerk", hallCode: "520000-H001", subject: "clerk-notify-1");
        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Post, $"/api/cases/{caseNo}/transitions", clerk, new { action = "receive", expectedVersion = 1, materials = Materials(verified: true) })).Status);
        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Post, $"/api/cases/{caseNo}/transitions", clerk, new { action = "accept", expectedVersion = 2 })).Status);
        return (caseNo, citizen, clerk);
    }

    [Fact]
    public async Task The_applicant_sees_the_acceptance_SMS_go_out_masked_and_a_stranger_sees_nothing()
    {
        var (caseNo, citizen, clerk) = await AcceptedCaseAsync("52010219900307301", "13885009876", new { channels = new[] { "sms" } });

        // The log channel sends it in the background; the command did not wait for it.
        var list = await Poll.Until(
            async () => (await Send(HttpMethod.Get, $"/api/cases/{caseNo}/notifications", citizen)).Body,
            l => l.EnumerateArray().Any(n => n.GetProperty("state").GetString() == "sent"), TimeSpan.FromSeconds(20));
        var sms = Assert.Single(list.EnumerateArray());
        Assert.Equal("sent", sms.GetProperty("state").GetString());
        Assert.Equal("caseAccepted", sms.GetProperty("event").GetString());
        Assert.Equal("sms", sms.GetProperty("channel").GetString());
        Assert.Equal("138****9876", sms.GetProperty("recipient").GetString());
        Assert.Equal(1, sms.GetProperty("attempts").GetInt32());
        Assert.Contains(caseNo, sms.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("13885009876", list.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain("52010219900307301", list.GetRawText(), StringComparison.Ordinal);

        // The hall's clerk sees it too; another citizen gets 404 as for the case itself.
        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Get, $"/api/cases/{caseNo}/notifications", clerk)).Status);
        var stranger = await app.TokenAsync("citizen", subject: Id("52010219900307302"));
        Assert.Equal(HttpStatusCode.NotFound, (await Send(HttpMethod.Get, $"/api/cases/{caseNo}/notifications", stranger)).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await Send(HttpMethod.Get, "/api/cases/not-a-case/notifications", citizen)).Status);
    }

    [Fact]
    public async Task Without_consent_each_step_is_listed_as_suppressed_and_an_opt_out_suppresses_what_is_queued_next()
    {
        var (caseNo, citizen, clerk) = await AcceptedCaseAsync("52010219900307303", "13885001111", null);
        var (_, list) = await Send(HttpMethod.Get, $"/api/cases/{caseNo}/notifications", citizen);
        var suppressed = Assert.Single(list.EnumerateArray());
        Assert.Equal("suppressed", suppressed.GetProperty("state").GetString());
        Assert.Equal("noConsent", suppressed.GetProperty("reason").GetString());

        var (optedCase, optedCitizen, _) = await AcceptedCaseAsync("52010219900307304", "13885002222", new { channels = new[] { "sms" } });
        Assert.Equal(HttpStatusCode.NoContent, (await Send(HttpMethod.Post, $"/api/cases/{optedCase}/notifications/opt-out", optedCitizen, new { channels = new[] { "sms" } })).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await Send(HttpMethod.Post, $"/api/cases/{optedCase}/notifications/opt-out", optedCitizen, new { channels = new[] { "fax" } })).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Send(HttpMethod.Post, $"/api/cases/{caseNo}/notifications/opt-out", optedCitizen, new { })).Status);
        var approver = await app.TokenAsync("approver", departmentCode: Item.DepartmentCode, regionCode: "520102", subject: "approver-notify-1");
        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Post, $"/api/cases/{optedCase}/transitions", approver, new { action = "startReview", expectedVersion = 3 })).Status);
        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Post, $"/api/cases/{optedCase}/transitions", approver, new { action = "approve", expectedVersion = 4 })).Status);
        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Post, $"/api/cases/{optedCase}/transitions", approver, new { action = "complete", expectedVersion = 5 })).Status);

        list = await Poll.Until(
            async () => (await Send(HttpMethod.Get, $"/api/cases/{optedCase}/notifications", optedCitizen)).Body,
            l => l.EnumerateArray().Any(n => n.GetProperty("event").GetString() == "caseCompleted" && n.GetProperty("state").GetString() != "queued"), TimeSpan.FromSeconds(20));
        var completed = list.EnumerateArray().Single(n => n.GetProperty("event").GetString() == "caseCompleted");
        Assert.Equal("suppressed", completed.GetProperty("state").GetString());
        Assert.Equal("optOut", completed.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task The_owners_reply_to_a_bad_case_rating_tells_the_rater_on_the_cases_channels_once()
    {
        var (caseNo, citizen, _) = await AcceptedCaseAsync("52010219900307307", "13885007777", new { channels = new[] { "sms" } });
        var approver = await app.TokenAsync("approver", departmentCode: Item.DepartmentCode, regionCode: "520102", subject: "approver-notify-2");
        foreach (var (action, version) in new[] { ("startReview", 3), ("approve", 4), ("complete", 5) })
        {
            Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Post, $"/api/cases/{caseNo}/transitions", approver, new { action, expectedVersion = version })).Status);
        }

        var rated = await Send(HttpMethod.Post, "/api/ratings", citizen, new { caseNo, level = 1, channel = "web", comment = "材料来回跑了三趟" });
        Assert.True(rated.Status == HttpStatusCode.Created, rated.Body.ToString());
        var ratingId = $"C-{caseNo}";
        foreach (var (step, note) in new[] { ("verify", "已回访"), ("rectify", "一次性告知清单已更新") })
        {
            var moved = await Send(HttpMethod.Post, $"/api/ratings/{ratingId}/follow-up", approver, new { step, note });
            Assert.True(moved.Status == HttpStatusCode.OK, moved.Body.ToString());
        }

        // Before the reply, the rater is told nothing about the follow-up.
        var (_, before) = await Send(HttpMethod.Get, $"/api/cases/{caseNo}/notifications", citizen);
        Assert.DoesNotContain(before.EnumerateArray(), n => n.GetProperty("event").GetString() == "ratingFollowUp");

        var replied = await Send(HttpMethod.Post, $"/api/ratings/{ratingId}/follow-up", approver, new { step = "reply", note = "已电话告知整改情况" });
        Assert.True(replied.Status == HttpStatusCode.OK, replied.Body.ToString());
        var list = await Poll.Until(
            async () => (await Send(HttpMethod.Get, $"/api/cases/{caseNo}/notifications", citizen)).Body,
            l => l.EnumerateArray().Any(n => n.GetProperty("event").GetString() == "ratingFollowUp" && n.GetProperty("state").GetString() == "sent"), TimeSpan.FromSeconds(20));
        var notice = Assert.Single(list.EnumerateArray(), n => n.GetProperty("event").GetString() == "ratingFollowUp");
        Assert.Equal("sent", notice.GetProperty("state").GetString());
        Assert.Equal("sms", notice.GetProperty("channel").GetString());
        Assert.Equal("138****7777", notice.GetProperty("recipient").GetString());
        Assert.Equal($"您对办件{caseNo}的差评已有整改反馈，请登录查看，并可对整改结果评价一次。", notice.GetProperty("text").GetString());
        Assert.DoesNotContain("材料来回跑了三趟", list.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_consent_is_refused_with_400_at_the_submission()
    {
        var idNumber = Id("52010219900307305");
        var citizen = await app.TokenAsync("citizen", subject: idNumber);
        object Body(object notify) => new { itemCode = Item.Code, applicant = new { name = "张三", idNumber, phone = "13885003333" }, channel = "online", materials = Materials(false), notify };
        var unknown = await Send(HttpMethod.Post, "/api/cases", citizen, Body(new { channels = new[] { "pager" } }));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.Status);
        Assert.True(unknown.Body.GetProperty("errors").TryGetProperty("notify.channels", out _));
        var noOpenId = await Send(HttpMethod.Post, "/api/cases", citizen, Body(new { channels = new[] { "weChat" } }));
        Assert.Equal(HttpStatusCode.BadRequest, noOpenId.Status);
        Assert.True(noOpenId.Body.GetProperty("errors").TryGetProperty("notify.weChatOpenId", out _));
    }

    [Fact]
    public async Task Admins_see_the_outbox_and_may_retry_only_a_dead_letter()
    {
        var (caseNo, citizen, _) = await AcceptedCaseAsync("52010219900307306", "13885004444", new { channels = new[] { "sms" } });
        var list = await Poll.Until(
            async () => (await Send(HttpMethod.Get, $"/api/cases/{caseNo}/notifications", citizen)).Body,
            l => l.EnumerateArray().Any(n => n.GetProperty("state").GetString() == "sent"), TimeSpan.FromSeconds(20));

        var admin = await app.TokenAsync("admin", subject: "admin-notify-1");
        var (status, outbox) = await Send(HttpMethod.Get, "/api/admin/notifications", admin);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(outbox.GetProperty("stats").GetProperty("sent").GetInt32() >= 1);
        Assert.Equal(JsonValueKind.Array, outbox.GetProperty("failures").ValueKind);

        var id = list[0].GetProperty("id").GetInt64();
        var notDead = await Send(HttpMethod.Post, $"/api/admin/notifications/{id}/retry", admin);
        Assert.Equal(HttpStatusCode.Conflict, notDead.Status);
        Assert.Equal("sent", notDead.Body.GetProperty("state").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await Send(HttpMethod.Post, "/api/admin/notifications/999999999/retry", admin)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(HttpMethod.Get, "/api/admin/notifications", citizen)).Status);
    }
}

/// <summary>An unknown provider or template in the configuration stops start-up with one line naming the key.</summary>
[Trait("Category", "Integration")]
public class NotificationStartupTests
{
    [Theory]
    [InlineData("--TongBan:Notifications:Sms:Provider", "carrier-pigeon", "TongBan:Notifications:Sms:Provider is log or tencent")]
    [InlineData("--TongBan:Notifications:Sms:Tencent:Templates:caseAcepted", "2000001", "unknown notification template 'caseAcepted'")]
    [InlineData("--TongBan:Notifications:WeChat:Provider", "weChat", "TongBan:Notifications:WeChat:AppId is required")]
    [InlineData("--TongBan:Notifications:Limits:QuietHoursStart", "9pm", "QuietHoursStart and QuietHoursEnd are HH:mm")]
    public void Bad_notification_settings_stop_the_start(string key, string value, string expected)
    {
        var error = Assert.Throws<StartupException>(() => TongBanHost.Build(["--urls", "http://127.0.0.1:0", key, value]));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', TongBanHost.Describe(error));
    }
}
