using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using TongBan.Grains.Notifications;
using TongBan.Grains.Notifications.Channels;

namespace TongBan.Api.Endpoints;

/// <summary>Tencent SMS's answer to a status push (短信下发状态通知): result 0 is accepted.</summary>
public sealed record TencentReceiptAnswer(int Result, string Errmsg);

/// <summary>The 多彩宝 app's delivery receipt: its <c>messageId</c> (the send's answer) and <c>delivered</c> or <c>failed</c>.</summary>
public sealed record AppReceiptRequest(string? MessageId, string? Status, string? Error);

/// <summary>How many receipts matched a sent notification (a repeat or an unknown receipt matches none).</summary>
public sealed record ReceiptAnswer(int Received, int Matched);

/// <summary>
/// Delivery receipts pushed by the providers: the record the provider accepted (<c>sent</c>, with its receipt) becomes
/// <c>delivered</c> or <c>failed</c> (the provider's code kept as the error). Anonymous routes, each proved by the
/// provider's way: Tencent by the secret token in the callback URL configured in its console, the app by the same
/// HMAC-SHA256 signature TongBan puts on its own calls.
/// </summary>
public static class ReceiptEndpoints
{
    /// <summary>A signed receipt older or newer than this is refused (replay).</summary>
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromMinutes(5);

    public const int MaxReportsPerPush = 1000;

    public static void MapReceiptEndpoints(this IEndpointRouteBuilder routes)
    {
        var receipts = routes.MapGroup("/api/notifications/receipts").WithTags("Notifications").AllowAnonymous();
        receipts.MapPost("/sms/tencent", TencentAsync)
            .WithSummary("Tencent Cloud SMS status push (短信下发状态通知): a JSON array of {sid, report_status SUCCESS|FAIL, errmsg, description, …}; each sent SMS with that SerialNo becomes delivered or failed. Answers {result: 0, errmsg: \"OK\"}.")
            .WithDescription("The callback URL configured in Tencent's console carries `?token=` = TongBan:Notifications:Sms:Tencent:CallbackToken (401 otherwise; 404 while none is configured). " +
                "A repeated push changes nothing (only `sent` records move). Not a JSON array of reports → 400. The mobile number in the push is never stored.");
        receipts.MapPost("/app", AppAsync)
            .WithSummary("多彩宝 delivery receipt: {messageId, status: delivered|failed, error}; the sent app notification with that messageId becomes delivered or failed.")
            .WithDescription("Signed like TongBan's calls to the app: X-TongBan-Timestamp (Unix seconds, within 5 minutes), X-TongBan-Key-Id and X-TongBan-Signature = hex HMAC-SHA256 of `{timestamp}\\n{body}` with TongBan:Notifications:App:Secret. " +
                "A bad or stale signature → 401; 404 while the app channel has no secret; a bad body → 400.");
    }

    private static async Task<Results<Ok<TencentReceiptAnswer>, ValidationProblem, ProblemHttpResult>> TencentAsync(
        HttpRequest request, NotificationOptions options, INotificationOutbox outbox, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (options.Sms.Tencent.CallbackToken is not { Length: > 0 } expected)
        {
            return Problems.NotFound("Receipt route", "sms/tencent");
        }

        if (!FixedEquals(request.Query["token"].ToString(), expected))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "回调凭证无效 Invalid callback token", detail: "The callback URL's token does not match TongBan:Notifications:Sms:Tencent:CallbackToken.");
        }

        List<TencentReport> reports;
        try
        {
            reports = await JsonSerializer.DeserializeAsync<List<TencentReport>>(request.Body, cancellationToken: cancellationToken) ?? [];
        }
        catch (JsonException)
        {
            return Problems.Invalid("body", "A status push is a JSON array of reports ({sid, report_status, errmsg, description, …}).");
        }

        if (reports.Count > MaxReportsPerPush || reports.Any(r => r is null || string.IsNullOrEmpty(r.Sid) || r.ReportStatus is not ("SUCCESS" or "FAIL")))
        {
            return Problems.Invalid("body", $"Each report has a sid and report_status SUCCESS or FAIL; at most {MaxReportsPerPush} per push.");
        }

        var now = clock.GetUtcNow();
        foreach (var r in reports)
        {
            if (r.ReportStatus == "SUCCESS")
            {
                await outbox.MarkDeliveredAsync(NotificationChannel.Sms, r.Sid!, now, cancellationToken);
            }
            else
            {
                await outbox.MarkUndeliveredAsync(NotificationChannel.Sms, r.Sid!, $"{r.Errmsg} {r.Description}".Trim(), now, cancellationToken);
            }
        }

        return TypedResults.Ok(new TencentReceiptAnswer(0, "OK"));
    }

    private static async Task<Results<Ok<ReceiptAnswer>, ValidationProblem, ProblemHttpResult>> AppAsync(
        HttpRequest request, NotificationOptions options, INotificationOutbox outbox, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (options.App.Secret is not { Length: > 0 } secret)
        {
            return Problems.NotFound("Receipt route", "app");
        }

        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync(cancellationToken);
        var timestamp = request.Headers["X-TongBan-Timestamp"].ToString();
        var now = clock.GetUtcNow();
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) ||
            (now - DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(seconds, 0, 253402300799))).Duration() > MaxClockSkew ||
            !FixedEquals(request.Headers["X-TongBan-Signature"].ToString(), DuocaibaoWebhookSender.Signature(secret, timestamp, body)))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "签名无效 Invalid signature", detail: "X-TongBan-Timestamp (within 5 minutes) and X-TongBan-Signature (HMAC-SHA256 of {timestamp}\\n{body}) do not match.");
        }

        AppReceiptRequest? receipt;
        try
        {
            receipt = JsonSerializer.Deserialize<AppReceiptRequest>(body, JsonSerializerOptions.Web);
        }
        catch (JsonException)
        {
            receipt = null;
        }

        if (receipt is not { MessageId: { Length: > 0 and <= 128 } id, Status: "delivered" or "failed" })
        {
            return Problems.Invalid("body", "A receipt is {messageId, status: delivered|failed, error}.");
        }

        var matched = receipt.Status == "delivered"
            ? await outbox.MarkDeliveredAsync(NotificationChannel.App, id, now, cancellationToken)
            : await outbox.MarkUndeliveredAsync(NotificationChannel.App, id, receipt.Error is { Length: > 0 } e ? e[..Math.Min(e.Length, 500)] : "undelivered", now, cancellationToken);
        return TypedResults.Ok(new ReceiptAnswer(1, matched ? 1 : 0));
    }

    private static bool FixedEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));

    /// <summary>One report of Tencent's push (its field names; the mobile is ignored).</summary>
    private sealed record TencentReport(
        [property: System.Text.Json.Serialization.JsonPropertyName("sid")] string? Sid,
        [property: System.Text.Json.Serialization.JsonPropertyName("report_status")] string? ReportStatus,
        [property: System.Text.Json.Serialization.JsonPropertyName("errmsg")] string? Errmsg,
        [property: System.Text.Json.Serialization.JsonPropertyName("description")] string? Description);
}
