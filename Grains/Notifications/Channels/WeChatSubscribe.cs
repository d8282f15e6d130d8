using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TongBan.Grains.Notifications.Channels;

/// <summary>
/// 微信订阅消息: <c>POST /cgi-bin/message/subscribe/send?access_token=…</c> to a mini-program user's openid. The access
/// token (<c>GET /cgi-bin/token</c>, client_credential) is cached until five minutes before it expires; an answer
/// saying it expired or is invalid (errcode 40001, 42001, 40014) drops it, fetches a new one and sends once more.
/// </summary>
public sealed class WeChatSubscribeSender(WeChatOptions options, TimeProvider clock, HttpMessageHandler? handler = null) : INotificationSender, IDisposable
{
    private static readonly int[] TokenErrors = [40001, 42001, 40014];

    private readonly HttpClient http = new(handler ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), ConnectTimeout = TimeSpan.FromSeconds(5) })
    {
        Timeout = TimeSpan.FromSeconds(15),
    };

    private readonly SemaphoreSlim tokenGate = new(1, 1);
    private (string Token, DateTimeOffset Until)? token;

    public NotificationChannel Channel => NotificationChannel.WeChat;

    public string Provider => "weChat";

    /// <summary>Tokens fetched so far (the tests check the cache and the single refresh).</summary>
    public int TokensFetched { get; private set; }

    public async Task<SendOutcome> SendAsync(OutgoingMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!options.Templates.TryGetValue(message.Template, out var template))
        {
            return SendOutcome.Fail($"no WeChat template configured for {message.Template} ({NotificationOptions.Section}:WeChat:Templates)");
        }

        var data = new JsonObject();
        for (var i = 0; i < template.Fields.Length && i < message.Parameters.Count; i++)
        {
            data[template.Fields[i]] = new JsonObject { ["value"] = Fit(template.Fields[i], message.Parameters[i]) };
        }

        var body = new JsonObject
        {
            ["touser"] = message.Address,
            ["template_id"] = template.TemplateId,
            ["page"] = options.Page,
            ["data"] = data,
            ["miniprogram_state"] = options.MiniProgramState,
            ["lang"] = "zh_CN",
        };

        for (var attempt = 0; ; attempt++)
        {
            var (current, tokenError) = await TokenAsync(cancellationToken);
            if (current is null)
            {
                return SendOutcome.Retry("access token: " + tokenError);
            }

            using var response = await http.PostAsJsonAsync(
                new Uri(new Uri(options.Endpoint), "/cgi-bin/message/subscribe/send?access_token=" + Uri.EscapeDataString(current)), body, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return SendOutcome.Retry($"HTTP {(int)response.StatusCode}");
            }

            var answer = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
            var code = answer.TryGetProperty("errcode", out var c) ? c.GetInt32() : 0;
            var text = answer.TryGetProperty("errmsg", out var m) ? m.GetString() : null;
            if (code == 0)
            {
                return SendOutcome.Ok(answer.TryGetProperty("msgid", out var id) ? id.ToString() : null);
            }

            if (TokenErrors.Contains(code) && attempt == 0)
            {
                await DropTokenAsync(current, cancellationToken);
                continue;
            }

            return Classify(code, text);
        }
    }

    /// <summary>
    /// Permanent: the user refused or has no subscription left (43101), a bad openid (40003), template id (40037),
    /// data (47003) or page (41030). Everything else (rate limits 45009/45011, system busy −1, a token still bad after
    /// one refresh) is retried.
    /// </summary>
    public static SendOutcome Classify(int code, string? text) =>
        code is 43101 or 40003 or 40037 or 47003 or 41030 ? SendOutcome.Fail($"errcode {code}: {text}") : SendOutcome.Retry($"errcode {code}: {text}");

    private async Task<(string? Token, string? Error)> TokenAsync(CancellationToken cancellationToken)
    {
        await tokenGate.WaitAsync(cancellationToken);
        try
        {
            if (token is { } cached && cached.Until > clock.GetUtcNow())
            {
                return (cached.Token, null);
            }

            var uri = new Uri(new Uri(options.Endpoint),
                $"/cgi-bin/token?grant_type=client_credential&appid={Uri.EscapeDataString(options.AppId!)}&secret={Uri.EscapeDataString(options.AppSecret!)}");
            using var response = await http.GetAsync(uri, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return (null, $"HTTP {(int)response.StatusCode}");
            }

            var answer = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
            if (!answer.TryGetProperty("access_token", out var value) || value.GetString() is not { Length: > 0 } fresh)
            {
                return (null, $"errcode {(answer.TryGetProperty("errcode", out var c) ? c.ToString() : "?")}: {(answer.TryGetProperty("errmsg", out var m) ? m.GetString() : null)}");
            }

            var lifetime = answer.TryGetProperty("expires_in", out var e) ? e.GetInt32() : 7200;
            token = (fresh, clock.GetUtcNow().AddSeconds(Math.Max(60, lifetime - 300)));
            TokensFetched++;
            return (fresh, null);
        }
        finally
        {
            tokenGate.Release();
        }
    }

    /// <summary>Drops the token only if it is still the one that failed: a concurrent sender may have refreshed it already.</summary>
    private async Task DropTokenAsync(string failed, CancellationToken cancellationToken)
    {
        await tokenGate.WaitAsync(cancellationToken);
        try
        {
            if (token?.Token == failed)
            {
                token = null;
            }
        }
        finally
        {
            tokenGate.Release();
        }
    }

    /// <summary>WeChat caps field values by kind: thing ≤ 20 characters, character_string ≤ 32, phrase ≤ 5.</summary>
    private static string Fit(string field, string value)
    {
        var max = field.StartsWith("thing", StringComparison.Ordinal) ? 20
            : field.StartsWith("character_string", StringComparison.Ordinal) ? 32
            : field.StartsWith("phrase", StringComparison.Ordinal) ? 5
            : int.MaxValue;
        return value.Length <= max ? value : value[..(max - 1)] + "…";
    }

    public void Dispose()
    {
        http.Dispose();
        tokenGate.Dispose();
    }
}
