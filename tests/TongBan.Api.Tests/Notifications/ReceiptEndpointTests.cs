using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using TongBan.Api.Tests.Support;
using TongBan.Grains.Notifications.Channels;

namespace TongBan.Api.Tests.Notifications;

/// <summary>
/// Delivery receipts: Tencent SMS's status push (its documented JSON array) and the 多彩宝 app's signed receipt turn a
/// sent notification into delivered or failed. The log channel's receipt is <c>log-{id}</c>.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ReceiptEndpointTests(NotificationApp app) : IClassFixture<NotificationApp>
{
    public const string CallbackToken = "tencent-callback-test-token";
    public const string AppSecret = "duocaibao-receipt-test-secret";

    private async Task<(HttpStatusCode Status, JsonElement Body)> Send(HttpRequestMessage request)
    {
        using (request)
        {
            using var response = await app.Http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
        }
    }

    private static HttpRequestMessage Json(string path, string body) =>
        new(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };

    private static HttpRequestMessage Signed(string body, DateTimeOffset at, string secret = AppSecret)
    {
        var timestamp = at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var request = Json("/api/notifications/receipts/app", body);
        request.Headers.Add("X-TongBan-Timestamp", timestamp);
        request.Headers.Add("X-TongBan-Key-Id", "tongban-1");
        request.Headers.Add("X-TongBan-Signature", DuocaibaoWebhookSender.Signature(secret, timestamp, body));
        return request;
    }

    [Fact]
    public async Task A_status_push_marks_the_SMS_delivered_and_a_signed_app_receipt_marks_the_app_message_failed()
    {
        const string hall = "520625-H001";
        var (status, taken) = await Send(app.Request(HttpMethod.Post, $"/api/halls/{hall}/tickets", body: new
        {
            category = "A",
            kind = "kiosk",
            notifyPhone = "13885008888",
            notify = new { channels = new[] { "sms", "app" }, appUserId = "dcb-user-0001" },
        }));
        Assert.True(status == HttpStatusCode.OK, taken.ToString());
        var path = $"/api/halls/{hall}/tickets/{taken.GetProperty("ticketNo").GetString()}/notifications";
        var token = taken.GetProperty("cancelToken").GetString()!;
        async Task<JsonElement> List()
        {
            var request = app.Request(HttpMethod.Get, path);
            request.Headers.Add("X-Ticket-Token", token);
            return (await Send(request)).Body;
        }

        var list = await Poll.Until(List, l => l.GetArrayLength() == 2 && l.EnumerateArray().All(n => n.GetProperty("state").GetString() == "sent"), TimeSpan.FromSeconds(20));
        long IdOf(JsonElement l, string channel) => l.EnumerateArray().Single(n => n.GetProperty("channel").GetString() == channel).GetProperty("id").GetInt64();
        var sms = IdOf(list, "sms");
        var appId = IdOf(list, "app");

        var push = $$"""[{"user_receive_time":"2026-12-07 09:03:04","nationcode":"86","mobile":"13885008888","report_status":"SUCCESS","errmsg":"DELIVRD","description":"用户短信送达成功","sid":"log-{{sms}}"}]""";
        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(Json("/api/notifications/receipts/sms/tencent?token=wrong", push))).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await Send(Json($"/api/notifications/receipts/sms/tencent?token={CallbackToken}", "{\"sid\":1}"))).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await Send(Json($"/api/notifications/receipts/sms/tencent?token={CallbackToken}", "[{\"sid\":\"x\",\"report_status\":\"MAYBE\"}]"))).Status);
        var (pushed, answer) = await Send(Json($"/api/notifications/receipts/sms/tencent?token={CallbackToken}", push));
        Assert.Equal(HttpStatusCode.OK, pushed);
        Assert.Equal(0, answer.GetProperty("result").GetInt32());
        Assert.Equal("OK", answer.GetProperty("errmsg").GetString());

        var receipt = $$"""{"messageId":"log-{{appId}}","status":"failed","error":"USER_UNINSTALLED"}""";
        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(Signed(receipt, DateTimeOffset.UtcNow, "another-secret"))).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(Signed(receipt, DateTimeOffset.UtcNow.AddMinutes(-10)))).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await Send(Signed("""{"messageId":"x","status":"lost"}""", DateTimeOffset.UtcNow))).Status);
        var (received, counted) = await Send(Signed(receipt, DateTimeOffset.UtcNow));
        Assert.Equal(HttpStatusCode.OK, received);
        Assert.Equal(1, counted.GetProperty("matched").GetInt32());

        list = await List();
        Assert.Equal("delivered", list.EnumerateArray().Single(n => n.GetProperty("id").GetInt64() == sms).GetProperty("state").GetString());
        Assert.Equal("failed", list.EnumerateArray().Single(n => n.GetProperty("id").GetInt64() == appId).GetProperty("state").GetString());

        // A repeated push finds nothing left to move.
        Assert.Equal(0, (await Send(Signed(receipt, DateTimeOffset.UtcNow))).Body.GetProperty("matched").GetInt32());
        var clerk = await app.TokenAsync("clerk", hallCode: hall, windowNo: 1, subject: "clerk-receipt-1");
        var staffView = (await Send(app.Request(HttpMethod.Get, path, clerk))).Body;
        Assert.Equal("USER_UNINSTALLED", staffView.EnumerateArray().Single(n => n.GetProperty("id").GetInt64() == appId).GetProperty("error").GetString());
    }
}
