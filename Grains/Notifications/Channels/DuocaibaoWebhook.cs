using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TongBan.Grains.Notifications.Channels;

/// <summary>
/// 多彩宝 (the province app) as a signed webhook: a JSON POST to the configured endpoint with
/// <c>X-TongBan-Timestamp</c> (Unix seconds), <c>X-TongBan-Key-Id</c> and <c>X-TongBan-Signature</c> = hex
/// HMAC-SHA256 of <c>{timestamp}\n{body}</c> with the shared secret, plus <c>Idempotency-Key</c> (the outbox key), so
/// the app can refuse stale or forged calls and drop a repeat. 2xx is sent (receipt: the answer's <c>messageId</c>);
/// 408, 429 and 5xx are retried; other 4xx (unknown user, bad request) fail for good, except 401 (a secret or clock
/// an admin can fix), which is retried.
/// </summary>
public sealed class DuocaibaoWebhookSender(AppOptions options, TimeProvider clock, HttpMessageHandler? handler = null) : INotificationSender, IDisposable
{
    private readonly HttpClient http = new(handler ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), ConnectTimeout = TimeSpan.FromSeconds(5) })
    {
        Timeout = TimeSpan.FromSeconds(15),
    };

    public NotificationChannel Channel => NotificationChannel.App;

    public string Provider => "duocaibao";

    public static string Signature(string secret, string timestamp, string body)
    {
        ArgumentNullException.ThrowIfNull(secret);
        return Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(timestamp + "\n" + body)));
    }

    public async Task<SendOutcome> SendAsync(OutgoingMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var template = NotificationTemplates.Get(message.Template);
        var parameters = new JsonObject();
        for (var i = 0; i < message.Parameters.Count; i++)
        {
            parameters[template.ParameterNames[i]] = message.Parameters[i];
        }

        var body = new JsonObject
        {
            ["id"] = message.Key,
            ["userId"] = message.Address,
            ["template"] = message.Template,
            ["text"] = message.Text,
            ["parameters"] = parameters,
        }.ToJsonString();
        var timestamp = clock.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        using var request = new HttpRequestMessage(HttpMethod.Post, options.Endpoint) { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.Add("X-TongBan-Timestamp", timestamp);
        request.Headers.Add("X-TongBan-Key-Id", options.KeyId);
        request.Headers.Add("X-TongBan-Signature", Signature(options.Secret!, timestamp, body));
        request.Headers.Add("Idempotency-Key", message.Key);
        using var response = await http.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (response.IsSuccessStatusCode)
        {
            string? receipt = null;
            try
            {
                receipt = JsonDocument.Parse(text).RootElement.TryGetProperty("messageId", out var id) ? id.GetString() : null;
            }
            catch (JsonException)
            {
                // an empty or non-JSON 2xx still means accepted
            }

            return SendOutcome.Ok(receipt ?? message.Key);
        }

        var status = (int)response.StatusCode;
        var error = $"HTTP {status}: {(text.Length > 200 ? text[..200] : text)}";
        return response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests or HttpStatusCode.Unauthorized || status >= 500
            ? SendOutcome.Retry(error)
            : SendOutcome.Fail(error);
    }

    public void Dispose() => http.Dispose();
}
