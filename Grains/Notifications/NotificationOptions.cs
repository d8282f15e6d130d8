using System.Globalization;

namespace TongBan.Grains.Notifications;

/// <summary>Configuration section <c>TongBan:Notifications</c>: which adapter serves each channel, the dispatcher, the limits.</summary>
public sealed class NotificationOptions
{
    public const string Section = "TongBan:Notifications";

    public SmsOptions Sms { get; set; } = new();

    public WeChatOptions WeChat { get; set; } = new();

    public AppOptions App { get; set; } = new();

    public DispatcherOptions Dispatcher { get; set; } = new();

    public LimitOptions Limits { get; set; } = new();

    /// <summary>到号提醒 thresholds (<c>TongBan:Notifications:Tickets</c>), per hall overridable.</summary>
    public TicketNoticeOptions Tickets { get; set; } = new();

    /// <summary>The first problem with the configuration, as one line naming the key; null when sound.</summary>
    public string? Problem()
    {
        if (Sms.Provider is not ("log" or "tencent"))
        {
            return $"{Section}:Sms:Provider is log or tencent, got '{Sms.Provider}'.";
        }

        if (WeChat.Provider is not ("log" or "weChat"))
        {
            return $"{Section}:WeChat:Provider is log or weChat, got '{WeChat.Provider}'.";
        }

        if (App.Provider is not ("log" or "duocaibao"))
        {
            return $"{Section}:App:Provider is log or duocaibao, got '{App.Provider}'.";
        }

        foreach (var name in Sms.Tencent.Templates.Keys.Concat(WeChat.Templates.Keys))
        {
            if (!NotificationTemplates.All.ContainsKey(name))
            {
                return $"{Section}: unknown notification template '{name}' (known: {string.Join(", ", NotificationTemplates.All.Keys)}).";
            }
        }

        foreach (var (name, template) in WeChat.Templates)
        {
            if (string.IsNullOrWhiteSpace(template.TemplateId) || template.Fields.Length != NotificationTemplates.Get(name).ParameterNames.Count)
            {
                return $"{Section}:WeChat:Templates:{name} needs a TemplateId and {NotificationTemplates.Get(name).ParameterNames.Count} Fields ({string.Join(", ", NotificationTemplates.Get(name).ParameterNames)}).";
            }
        }

        if (Sms.Provider == "tencent" && Missing(("Sms:Tencent:SecretId", Sms.Tencent.SecretId), ("Sms:Tencent:SecretKey", Sms.Tencent.SecretKey),
            ("Sms:Tencent:SdkAppId", Sms.Tencent.SdkAppId), ("Sms:Tencent:SignName", Sms.Tencent.SignName)) is { } sms)
        {
            return $"{Section}:{sms} is required with Sms:Provider tencent.";
        }

        if (WeChat.Provider == "weChat" && Missing(("WeChat:AppId", WeChat.AppId), ("WeChat:AppSecret", WeChat.AppSecret)) is { } weChat)
        {
            return $"{Section}:{weChat} is required with WeChat:Provider weChat.";
        }

        if (App.Provider == "duocaibao" && Missing(("App:Endpoint", App.Endpoint), ("App:Secret", App.Secret)) is { } app)
        {
            return $"{Section}:{app} is required with App:Provider duocaibao.";
        }

        if (!TimeOnly.TryParseExact(Limits.QuietHoursStart, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out _) ||
            !TimeOnly.TryParseExact(Limits.QuietHoursEnd, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
        {
            return $"{Section}:Limits:QuietHoursStart and QuietHoursEnd are HH:mm (+08:00), got '{Limits.QuietHoursStart}' and '{Limits.QuietHoursEnd}'.";
        }

        if (Dispatcher.BatchSize < 1 || Dispatcher.MaxAttempts < 1 || Dispatcher.Parallelism < 1 || Dispatcher.PollIntervalMilliseconds < 10 ||
            Dispatcher.RetryBaseSeconds <= 0 || Dispatcher.RetryMaxSeconds < Dispatcher.RetryBaseSeconds || Dispatcher.LeaseSeconds < 5)
        {
            return $"{Section}:Dispatcher: BatchSize, MaxAttempts and Parallelism ≥ 1, PollIntervalMilliseconds ≥ 10, 0 < RetryBaseSeconds ≤ RetryMaxSeconds, LeaseSeconds ≥ 5.";
        }

        if (Tickets.ComeNowPosition < 1 || Tickets.ComeNowWaitMinutes < 0 ||
            Tickets.Halls.Values.Any(h => h.ComeNowPosition is < 1 || h.ComeNowWaitMinutes is < 0))
        {
            return $"{Section}:Tickets: ComeNowPosition ≥ 1 and ComeNowWaitMinutes ≥ 0 (0: by position only), also under Halls:{{hallCode}}.";
        }

        return Limits.PerMinute < 1 || Limits.PerDay < 1 ? $"{Section}:Limits:PerMinute and PerDay are ≥ 1." : null;
    }

    private static string? Missing(params (string Key, string? Value)[] values) =>
        values.FirstOrDefault(v => string.IsNullOrWhiteSpace(v.Value)).Key;
}

public sealed class SmsOptions
{
    /// <summary><c>log</c> (development: logs instead of sending) or <c>tencent</c> (Tencent Cloud SMS, API 3.0).</summary>
    public string Provider { get; set; } = "log";

    public TencentSmsOptions Tencent { get; set; } = new();
}

public sealed class TencentSmsOptions
{
    public string Endpoint { get; set; } = "https://sms.tencentcloudapi.com";

    public string? SecretId { get; set; }

    public string? SecretKey { get; set; }

    public string Region { get; set; } = "ap-guangzhou";

    /// <summary>The SMS application's SdkAppId (1400…).</summary>
    public string? SdkAppId { get; set; }

    /// <summary>The approved signature (签名), e.g. 贵州政务服务.</summary>
    public string? SignName { get; set; }

    /// <summary>
    /// The secret the status-push URL configured in Tencent's console carries (<c>…/api/notifications/receipts/sms/tencent?token=…</c>);
    /// null: the receipt route answers 404.
    /// </summary>
    public string? CallbackToken { get; set; }

    /// <summary>TongBan template name → the approved Tencent template id; the template's parameters go in its order.</summary>
    public Dictionary<string, string> Templates { get; set; } = new(StringComparer.Ordinal);
}

public sealed class WeChatOptions
{
    /// <summary><c>log</c> or <c>weChat</c> (subscribeMessage.send of a mini-program).</summary>
    public string Provider { get; set; } = "log";

    public string Endpoint { get; set; } = "https://api.weixin.qq.com";

    public string? AppId { get; set; }

    public string? AppSecret { get; set; }

    /// <summary>The mini-program page a tap opens.</summary>
    public string? Page { get; set; }

    /// <summary>formal, trial or developer.</summary>
    public string MiniProgramState { get; set; } = "formal";

    public Dictionary<string, WeChatTemplate> Templates { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>A subscription template: its id and, in the TongBan template's parameter order, the field keys (thing1, character_string2 …).</summary>
public sealed class WeChatTemplate
{
    public string? TemplateId { get; set; }

    public string[] Fields { get; set; } = [];
}

public sealed class AppOptions
{
    /// <summary><c>log</c> or <c>duocaibao</c> (the province app's signed webhook).</summary>
    public string Provider { get; set; } = "log";

    public string? Endpoint { get; set; }

    /// <summary>Shared secret of the webhook's HMAC-SHA256 signature.</summary>
    public string? Secret { get; set; }

    /// <summary>Names the secret in the signature header, so the app can rotate it.</summary>
    public string KeyId { get; set; } = "tongban-1";
}

public sealed class DispatcherOptions
{
    public int PollIntervalMilliseconds { get; set; } = 1000;

    public int BatchSize { get; set; } = 100;

    /// <summary>Requests in flight per dispatcher.</summary>
    public int Parallelism { get; set; } = 8;

    /// <summary>Attempts before a record becomes a dead letter.</summary>
    public int MaxAttempts { get; set; } = 8;

    public double RetryBaseSeconds { get; set; } = 5;

    public double RetryMaxSeconds { get; set; } = 3600;

    /// <summary>How long a dispatcher owns a leased record; far above a request's timeout, so two never send it at once.</summary>
    public int LeaseSeconds { get; set; } = 120;

    /// <summary>Run a dispatcher in this process (off for API-only nodes).</summary>
    public bool Enabled { get; set; } = true;
}

public sealed class LimitOptions
{
    /// <summary>Per recipient and channel: more within a minute are deferred.</summary>
    public int PerMinute { get; set; } = 1;

    /// <summary>Per recipient and channel: more within 24 hours are suppressed (<c>rateLimit</c>).</summary>
    public int PerDay { get; set; } = 10;

    /// <summary>Quiet hours (+08:00): messages that can wait are deferred to the end. Equal start and end: no quiet hours.</summary>
    public string QuietHoursStart { get; set; } = "21:00";

    public string QuietHoursEnd { get; set; } = "08:00";
}
