using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using TongBan.Grains.Notifications;
using TongBan.Grains.Notifications.Channels;

namespace TongBan.Api.Tests.Notifications;

/// <summary>
/// Each channel adapter against a loopback server that speaks the provider's documented request and answers,
/// including its errors: Tencent Cloud SMS SendSms (API 3.0, TC3-HMAC-SHA256), WeChat subscribeMessage.send with its
/// access token, and the 多彩宝 signed webhook.
/// </summary>
[Trait("Category", "Integration")]
public class ChannelAdapterTests
{
    private const string SecretId = "AKIDtestSecretId000000000000000000000";
    private const string SecretKey = "testSecretKey0000000000000000000";

    private static OutgoingMessage Sms(string phone, string template = NotificationTemplates.CaseAccepted) =>
        new(1, "key-1", NotificationChannel.Sms, phone, template, ["GZ5201022611240000011", "个体工商户设立登记", "1"], "text");

    /// <summary>The server side of TC3-HMAC-SHA256, written from Tencent's published steps, to check what the adapter signed.</summary>
    private static string ExpectedAuthorization(string host, string contentType, long timestamp, string payload)
    {
        static string Hex(byte[] bytes) => Convert.ToHexString(bytes).ToLowerInvariant();
        var date = DateTimeOffset.FromUnixTimeSeconds(timestamp).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var canonical = string.Join('\n', "POST", "/", "", $"content-type:{contentType}", $"host:{host}", "", "content-type;host", Hex(SHA256.HashData(Encoding.UTF8.GetBytes(payload))));
        var toSign = string.Join('\n', "TC3-HMAC-SHA256", timestamp.ToString(CultureInfo.InvariantCulture), $"{date}/sms/tc3_request", Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonical))));
        var key = Encoding.UTF8.GetBytes("TC3" + SecretKey);
        foreach (var part in new[] { date, "sms", "tc3_request" })
        {
            key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(part));
        }

        return $"TC3-HMAC-SHA256 Credential={SecretId}/{date}/sms/tc3_request, SignedHeaders=content-type;host, Signature={Hex(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(toSign)))}";
    }

    /// <summary>SendSms as Tencent answers it: a bad signature, a bad number, a rate-limited number, an unapproved template, or Ok with a serial number.</summary>
    private static Task<LoopbackProvider> TencentAsync(ConcurrentBag<JsonElement> requests) => LoopbackProvider.StartAsync(app => app.MapPost("/", async (HttpContext context) =>
    {
        var payload = await new StreamReader(context.Request.Body).ReadToEndAsync();
        var headers = context.Request.Headers;
        var body = JsonDocument.Parse(payload).RootElement.Clone();
        requests.Add(body);
        // Tencent's answers keep PascalCase names (Results.Json would camel-case them).
        static IResult Answer(object inner) => Results.Text(JsonSerializer.Serialize(new { Response = inner }), "application/json");
        if (headers["X-TC-Action"] != "SendSms" || headers["X-TC-Version"] != "2021-01-11" || headers["X-TC-Region"] != "ap-guangzhou")
        {
            return Answer(new { Error = new { Code = "InvalidAction", Message = "wrong action or version" }, RequestId = "r-0" });
        }

        var timestamp = long.Parse(headers["X-TC-Timestamp"]!, CultureInfo.InvariantCulture);
        if (headers.Authorization != ExpectedAuthorization(context.Request.Host.Value!, context.Request.ContentType!, timestamp, payload))
        {
            return Answer(new { Error = new { Code = "AuthFailure.SignatureFailure", Message = "The provided credentials could not be validated." }, RequestId = "r-1" });
        }

        var phone = body.GetProperty("PhoneNumberSet")[0].GetString();
        var code = body.GetProperty("TemplateId").GetString() == "999999" ? ("FailedOperation.TemplateIncorrectOrUnapproved", "template is not approved or not exist")
            : phone == "+8613900000002" ? ("InvalidParameterValue.IncorrectPhoneNumber", "invalid mobile number")
            : phone == "+8613900000003" ? ("LimitExceeded.PhoneNumberThirtySecondLimit", "the number of sms messages sent from a single mobile number within 30 seconds exceeds the upper limit")
            : ("Ok", "send success");
        return Answer(new
        {
            SendStatusSet = new[] { new { SerialNo = "2433:" + phone, PhoneNumber = phone, Fee = 1, SessionContext = body.GetProperty("SessionContext").GetString(), Code = code.Item1, Message = code.Item2, IsoCode = "CN" } },
            RequestId = "r-2",
        });
    }));

    private static TencentSmsSender Tencent(LoopbackProvider server, string secretKey = SecretKey) => new(new TencentSmsOptions
    {
        Endpoint = server.BaseAddress.ToString(),
        SecretId = SecretId,
        SecretKey = secretKey,
        SdkAppId = "1400000001",
        SignName = "贵州政务服务",
        Templates = { [NotificationTemplates.CaseAccepted] = "2000001", [NotificationTemplates.CaseCompleted] = "999999" },
    }, TimeProvider.System);

    [Fact]
    public async Task Tencent_SendSms_is_signed_with_TC3_and_answers_its_serial_number()
    {
        var requests = new ConcurrentBag<JsonElement>();
        await using var server = await TencentAsync(requests);
        using var sender = Tencent(server);
        var outcome = await sender.SendAsync(Sms("13900000001"), default);
        Assert.Equal(SendStatus.Sent, outcome.Status);
        Assert.Equal("2433:+8613900000001", outcome.Receipt);

        var request = Assert.Single(requests);
        Assert.Equal("1400000001", request.GetProperty("SmsSdkAppId").GetString());
        Assert.Equal("贵州政务服务", request.GetProperty("SignName").GetString());
        Assert.Equal("2000001", request.GetProperty("TemplateId").GetString());
        Assert.Equal(["GZ5201022611240000011", "个体工商户设立登记", "1"], request.GetProperty("TemplateParamSet").EnumerateArray().Select(p => p.GetString()!).ToArray());
        Assert.Equal("key-1", request.GetProperty("SessionContext").GetString());
    }

    [Fact]
    public async Task Tencent_errors_are_classified_a_bad_number_or_template_for_good_a_rate_limit_or_bad_signature_for_a_retry()
    {
        await using var server = await TencentAsync([]);
        using var sender = Tencent(server);
        var badNumber = await sender.SendAsync(Sms("13900000002"), default);
        Assert.Equal(SendStatus.Permanent, badNumber.Status);
        Assert.StartsWith("InvalidParameterValue.IncorrectPhoneNumber", badNumber.Error, StringComparison.Ordinal);

        var limited = await sender.SendAsync(Sms("13900000003"), default);
        Assert.Equal(SendStatus.Transient, limited.Status);
        Assert.StartsWith("LimitExceeded.PhoneNumberThirtySecondLimit", limited.Error, StringComparison.Ordinal);

        var badTemplate = await sender.SendAsync(Sms("13900000001", NotificationTemplates.CaseCompleted), default);
        Assert.Equal(SendStatus.Permanent, badTemplate.Status);
        Assert.StartsWith("FailedOperation.TemplateIncorrectOrUnapproved", badTemplate.Error, StringComparison.Ordinal);

        var unconfigured = await sender.SendAsync(Sms("13900000001", NotificationTemplates.CaseDelivered), default);
        Assert.Equal(SendStatus.Permanent, unconfigured.Status);

        using var wrongKey = Tencent(server, secretKey: "anotherSecretKey000000000000000");
        var unsigned = await wrongKey.SendAsync(Sms("13900000001"), default);
        Assert.Equal(SendStatus.Transient, unsigned.Status);
        Assert.StartsWith("AuthFailure.SignatureFailure", unsigned.Error, StringComparison.Ordinal);
    }

    /// <summary>The WeChat API: tokens T1, T2 … (each valid until the test expires it), and subscribeMessage.send's errors by openid.</summary>
    private sealed class WeChatServer
    {
        public int TokensIssued;
        public string? ValidToken;
        public bool RejectEveryToken;
        public ConcurrentBag<JsonElement> Sent { get; } = [];

        public Task<LoopbackProvider> StartAsync() => LoopbackProvider.StartAsync(app =>
        {
            app.MapGet("/cgi-bin/token", (string grant_type, string appid, string secret) =>
            {
                if (grant_type != "client_credential" || appid != "wx-app" || secret != "wx-secret")
                {
                    return Results.Json(new { errcode = 40013, errmsg = "invalid appid" });
                }

                ValidToken = "T" + Interlocked.Increment(ref TokensIssued);
                return Results.Json(new { access_token = ValidToken, expires_in = 7200 });
            });
            app.MapPost("/cgi-bin/message/subscribe/send", async (HttpContext context, string access_token) =>
            {
                var body = (await JsonDocument.ParseAsync(context.Request.Body)).RootElement.Clone();
                if (RejectEveryToken || access_token != ValidToken)
                {
                    return Results.Json(new { errcode = 42001, errmsg = "access_token expired" });
                }

                Sent.Add(body);
                return body.GetProperty("touser").GetString() switch
                {
                    "oRefusedUser01" => Results.Json(new { errcode = 43101, errmsg = "user refuse to accept the msg" }),
                    "oBusyUser0001" => Results.Json(new { errcode = 45009, errmsg = "reach max api daily quota limit" }),
                    _ when body.GetProperty("template_id").GetString() == "bad-template" => Results.Json(new { errcode = 40037, errmsg = "invalid template_id" }),
                    _ => Results.Json(new { errcode = 0, errmsg = "ok", msgid = 294402298269171712L }),
                };
            });
        });
    }

    private static WeChatSubscribeSender WeChat(LoopbackProvider server) => new(new WeChatOptions
    {
        Provider = "weChat",
        Endpoint = server.BaseAddress.ToString(),
        AppId = "wx-app",
        AppSecret = "wx-secret",
        Page = "pages/case/index",
        Templates =
        {
            [NotificationTemplates.CaseAccepted] = new WeChatTemplate { TemplateId = "tmpl-accepted", Fields = ["character_string1", "thing2", "number3"] },
            [NotificationTemplates.CaseCompleted] = new WeChatTemplate { TemplateId = "bad-template", Fields = ["character_string1", "thing2", "phrase3"] },
        },
    }, TimeProvider.System);

    private static OutgoingMessage ToWeChat(string openId, string template = NotificationTemplates.CaseAccepted) =>
        new(2, "key-2", NotificationChannel.WeChat, openId, template, ["GZ5201022611240000011", "个体工商户设立登记（一个超过二十个字的很长很长的事项名称）", "1"], "text");

    [Fact]
    public async Task WeChat_caches_its_access_token_and_refreshes_it_once_when_WeChat_says_it_expired()
    {
        var wx = new WeChatServer();
        await using var server = await wx.StartAsync();
        using var sender = WeChat(server);
        Assert.Equal(SendStatus.Sent, (await sender.SendAsync(ToWeChat("oUser00000001"), default)).Status);
        Assert.Equal(SendStatus.Sent, (await sender.SendAsync(ToWeChat("oUser00000002"), default)).Status);
        Assert.Equal(1, wx.TokensIssued);

        wx.ValidToken = "revoked"; // WeChat expired T1 early (another server fetched a token for the same app, say)
        var outcome = await sender.SendAsync(ToWeChat("oUser00000003"), default);
        Assert.Equal(SendStatus.Sent, outcome.Status);
        Assert.Equal("294402298269171712", outcome.Receipt);
        Assert.Equal(2, wx.TokensIssued);

        var sent = wx.Sent.First(b => b.GetProperty("touser").GetString() == "oUser00000003");
        Assert.Equal("tmpl-accepted", sent.GetProperty("template_id").GetString());
        Assert.Equal("pages/case/index", sent.GetProperty("page").GetString());
        Assert.Equal("GZ5201022611240000011", sent.GetProperty("data").GetProperty("character_string1").GetProperty("value").GetString());
        Assert.Equal(20, sent.GetProperty("data").GetProperty("thing2").GetProperty("value").GetString()!.Length); // thing ≤ 20 characters

        // Still refused after one refresh: retried later, not refreshed in a loop.
        wx.RejectEveryToken = true;
        var stuck = await sender.SendAsync(ToWeChat("oUser00000004"), default);
        Assert.Equal(SendStatus.Transient, stuck.Status);
        Assert.Equal(3, wx.TokensIssued);
    }

    [Fact]
    public async Task WeChat_errors_a_refusing_user_or_bad_template_fail_for_good_a_quota_is_retried()
    {
        var wx = new WeChatServer();
        await using var server = await wx.StartAsync();
        using var sender = WeChat(server);
        Assert.Equal(SendStatus.Permanent, (await sender.SendAsync(ToWeChat("oRefusedUser01"), default)).Status);
        Assert.Equal(SendStatus.Transient, (await sender.SendAsync(ToWeChat("oBusyUser0001"), default)).Status);
        var badTemplate = await sender.SendAsync(ToWeChat("oUser00000001", NotificationTemplates.CaseCompleted), default);
        Assert.Equal(SendStatus.Permanent, badTemplate.Status);
        Assert.Contains("40037", badTemplate.Error, StringComparison.Ordinal);
    }

    /// <summary>多彩宝's receiving end: checks the signature and the timestamp's age, answers by user id.</summary>
    private sealed class AppServer
    {
        public volatile bool Down;
        public ConcurrentDictionary<string, int> RequestsPerKey { get; } = new();

        public Task<LoopbackProvider> StartAsync() => LoopbackProvider.StartAsync(app => app.MapPost("/push", async (HttpContext context) =>
        {
            var body = await new StreamReader(context.Request.Body).ReadToEndAsync();
            var headers = context.Request.Headers;
            if (Down)
            {
                return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
            }

            var timestamp = headers["X-TongBan-Timestamp"].ToString();
            var expected = Convert.ToHexString(HMACSHA256.HashData("app-secret"u8.ToArray(), Encoding.UTF8.GetBytes(timestamp + "\n" + body))).ToLowerInvariant();
            if (headers["X-TongBan-Signature"] != expected || headers["X-TongBan-Key-Id"] != "tongban-1" ||
                Math.Abs(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - long.Parse(timestamp, CultureInfo.InvariantCulture)) > 300)
            {
                return Results.StatusCode(StatusCodes.Status401Unauthorized);
            }

            RequestsPerKey.AddOrUpdate(headers["Idempotency-Key"].ToString(), 1, (_, n) => n + 1);
            var user = JsonDocument.Parse(body).RootElement.GetProperty("userId").GetString();
            return user switch
            {
                "unknownUser1" => Results.NotFound(new { error = "no such user" }),
                "busyUser0001" => Results.StatusCode(StatusCodes.Status429TooManyRequests),
                _ => Results.Json(new { messageId = "m-" + user }),
            };
        }));
    }

    private static DuocaibaoWebhookSender App(LoopbackProvider server, string secret = "app-secret") => new(new AppOptions
    {
        Provider = "duocaibao",
        Endpoint = new Uri(server.BaseAddress, "/push").ToString(),
        Secret = secret,
    }, TimeProvider.System);

    private static OutgoingMessage ToApp(string userId) =>
        new(3, "key-" + userId, NotificationChannel.App, userId, NotificationTemplates.CaseAccepted, ["GZ5201022611240000011", "个体工商户设立登记", "1"], "您的办件…");

    [Fact]
    public async Task The_app_webhook_is_signed_and_its_answers_are_classified()
    {
        var receiver = new AppServer();
        await using var server = await receiver.StartAsync();
        using var sender = App(server);
        var ok = await sender.SendAsync(ToApp("appUser0001"), default);
        Assert.Equal(SendStatus.Sent, ok.Status);
        Assert.Equal("m-appUser0001", ok.Receipt);
        Assert.Equal(SendStatus.Permanent, (await sender.SendAsync(ToApp("unknownUser1"), default)).Status);
        Assert.Equal(SendStatus.Transient, (await sender.SendAsync(ToApp("busyUser0001"), default)).Status);

        using var forged = App(server, secret: "not-the-secret");
        var refused = await forged.SendAsync(ToApp("appUser0001"), default);
        Assert.Equal(SendStatus.Transient, refused.Status); // 401: a secret an admin can fix, so retried rather than lost
        Assert.Equal(1, receiver.RequestsPerKey["key-appUser0001"]);
    }

    [Fact]
    public async Task With_the_app_down_the_notification_waits_and_goes_once_when_it_is_back()
    {
        var receiver = new AppServer { Down = true };
        await using var server = await receiver.StartAsync();
        using var sender = App(server);
        var protector = new Grains.Identity.PersonalDataProtector(Grains.Identity.PrivacyOptions.Development());
        var outbox = new InMemoryNotificationOutbox();
        var clock = new ShiftableClock(new DateTimeOffset(2026, 11, 24, 10, 0, 0, TimeSpan.FromHours(8)));
        var entry = new OutboxEntry("case:GZ-X:v3", "case:GZ-X", NotificationChannel.App, "k-app", "app***001", protector.SealText("appUser0001"),
            NotificationTemplates.CaseAccepted, ["GZ-X", "个体工商户设立登记", "1"]);
        await outbox.EnqueueAsync([entry], clock.GetUtcNow(), default); // what the command did: it returned at once
        var dispatcher = new NotificationDispatcher(outbox, [sender], new NotificationOptions(), protector, clock,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<NotificationDispatcher>.Instance);

        for (var round = 0; round < 3; round++)
        {
            await dispatcher.DispatchDueAsync(default);
            clock.Advance(TimeSpan.FromMinutes(1));
        }

        var waiting = Assert.Single(await outbox.ListBySubjectAsync("case:GZ-X", default));
        Assert.Equal(NotificationState.Queued, waiting.State);
        Assert.Equal(3, waiting.Attempts);
        Assert.Equal("HTTP 503: ", waiting.LastError);

        receiver.Down = false;
        clock.Advance(TimeSpan.FromMinutes(1));
        await dispatcher.DispatchDueAsync(default);
        await dispatcher.DispatchDueAsync(default);
        var sent = Assert.Single(await outbox.ListBySubjectAsync("case:GZ-X", default));
        Assert.Equal(NotificationState.Sent, sent.State);
        Assert.Equal("m-appUser0001", sent.Receipt);
        Assert.Equal(1, Assert.Single(receiver.RequestsPerKey).Value);
    }

    private sealed class ShiftableClock(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset now = start;

        public override DateTimeOffset GetUtcNow() => now.ToUniversalTime();

        public void Advance(TimeSpan by) => now += by;
    }
}
