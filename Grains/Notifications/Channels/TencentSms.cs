using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TongBan.Grains.Notifications.Channels;

/// <summary>
/// TC3-HMAC-SHA256, the request signature of Tencent Cloud API 3.0: a canonical request (method, path, empty query,
/// the signed headers content-type and host, the payload's SHA-256), a string to sign naming the date and service,
/// and a signing key derived from the secret key by HMAC over date, service and "tc3_request".
/// </summary>
public static class Tc3Signer
{
    public const string Algorithm = "TC3-HMAC-SHA256";

    /// <summary>The <c>Authorization</c> header value for a POST of <paramref name="payload"/> to <c>/</c> at <paramref name="host"/>.</summary>
    public static string Authorization(string secretId, string secretKey, string service, string host, string contentType, long timestamp, string payload)
    {
        ArgumentNullException.ThrowIfNull(secretKey);
        var date = DateTimeOffset.FromUnixTimeSeconds(timestamp).UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var canonicalRequest = $"POST\n/\n\ncontent-type:{contentType}\nhost:{host}\n\ncontent-type;host\n{Sha256Hex(payload)}";
        var scope = $"{date}/{service}/tc3_request";
        var stringToSign = $"{Algorithm}\n{timestamp.ToString(CultureInfo.InvariantCulture)}\n{scope}\n{Sha256Hex(canonicalRequest)}";
        var secretDate = Hmac(Encoding.UTF8.GetBytes("TC3" + secretKey), date);
        var secretService = Hmac(secretDate, service);
        var secretSigning = Hmac(secretService, "tc3_request");
        var signature = Convert.ToHexStringLower(Hmac(secretSigning, stringToSign));
        return $"{Algorithm} Credential={secretId}/{scope}, SignedHeaders=content-type;host, Signature={signature}";
    }

    private static string Sha256Hex(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private static byte[] Hmac(byte[] key, string text) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(text));
}

/// <summary>
/// SMS through Tencent Cloud SMS <c>SendSms</c> (API 3.0, version 2021-01-11), one number per request so each outbox
/// record gets its own status and serial number (the receipt). Request-level errors come as <c>Response.Error</c>,
/// per-number ones as <c>SendStatusSet[0].Code</c>; see <see cref="Classify"/>.
/// </summary>
public sealed class TencentSmsSender(TencentSmsOptions options, TimeProvider clock, HttpMessageHandler? handler = null) : INotificationSender, IDisposable
{
    public const string ContentType = "application/json; charset=utf-8";

    private readonly HttpClient http = new(handler ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), ConnectTimeout = TimeSpan.FromSeconds(5) })
    {
        Timeout = TimeSpan.FromSeconds(15),
    };

    public NotificationChannel Channel => NotificationChannel.Sms;

    public string Provider => "tencent";

    public async Task<SendOutcome> SendAsync(OutgoingMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!options.Templates.TryGetValue(message.Template, out var templateId))
        {
            return SendOutcome.Fail($"no Tencent template id configured for {message.Template} ({NotificationOptions.Section}:Sms:Tencent:Templates)");
        }

        var payload = new JsonObject
        {
            ["PhoneNumberSet"] = new JsonArray("+86" + message.Address),
            ["SmsSdkAppId"] = options.SdkAppId,
            ["TemplateId"] = templateId,
            ["SignName"] = options.SignName,
            ["TemplateParamSet"] = new JsonArray([.. message.Parameters.Select(p => (JsonNode?)JsonValue.Create(p))]),
            ["SessionContext"] = message.Key,
        }.ToJsonString();
        var endpoint = new Uri(options.Endpoint);
        var timestamp = clock.GetUtcNow().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint)
        {
            Content = new StringContent(payload, Encoding.UTF8),
        };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(ContentType);
        request.Headers.TryAddWithoutValidation("Authorization", Tc3Signer.Authorization(options.SecretId!, options.SecretKey!, "sms", endpoint.Authority, ContentType, timestamp, payload));
        request.Headers.Add("X-TC-Action", "SendSms");
        request.Headers.Add("X-TC-Version", "2021-01-11");
        request.Headers.Add("X-TC-Timestamp", timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("X-TC-Region", options.Region);
        using var response = await http.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            return SendOutcome.Retry($"HTTP {(int)response.StatusCode}");
        }

        JsonElement body;
        try
        {
            body = JsonDocument.Parse(text).RootElement.GetProperty("Response");
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return SendOutcome.Retry("unreadable answer: " + e.Message);
        }

        if (body.TryGetProperty("Error", out var error))
        {
            return Classify(error.GetProperty("Code").GetString() ?? "", error.TryGetProperty("Message", out var m) ? m.GetString() : null, null);
        }

        if (!body.TryGetProperty("SendStatusSet", out var set) || set.GetArrayLength() == 0)
        {
            return SendOutcome.Retry("answer without SendStatusSet");
        }

        var status = set[0];
        return Classify(status.GetProperty("Code").GetString() ?? "", status.TryGetProperty("Message", out var msg) ? msg.GetString() : null,
            status.TryGetProperty("SerialNo", out var serial) ? serial.GetString() : null);
    }

    /// <summary>
    /// <c>Ok</c> is sent. Refusals that a retry cannot change (a bad number, template or signature, a blacklisted number,
    /// an unsupported operation, sensitive words) are permanent; rate limits (<c>LimitExceeded.*</c>,
    /// <c>RequestLimitExceeded</c>), internal errors, authentication (a key an admin can fix) and balance are retried.
    /// </summary>
    public static SendOutcome Classify(string code, string? text, string? serialNo)
    {
        ArgumentNullException.ThrowIfNull(code);
        if (code == "Ok")
        {
            return SendOutcome.Ok(serialNo);
        }

        var error = $"{code}: {text}";
        var permanent = code.StartsWith("InvalidParameter", StringComparison.Ordinal) || code.StartsWith("UnsupportedOperation", StringComparison.Ordinal) ||
            code is "FailedOperation.TemplateIncorrectOrUnapproved" or "FailedOperation.SignatureIncorrectOrUnapproved" or "FailedOperation.PhoneNumberInBlacklist"
                or "FailedOperation.ContainSensitiveWord" or "FailedOperation.MissingTemplateToModify";
        return permanent ? SendOutcome.Fail(error) : SendOutcome.Retry(error);
    }

    public void Dispose() => http.Dispose();
}
