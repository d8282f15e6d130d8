using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;

namespace TongBan.Grains.CrossProvince;

/// <summary>One partner province's system (跨省通办: 川渝, 珠三角 …), from configuration <c>TongBan:Partners:List:n</c>.</summary>
public sealed class PartnerEndpoint
{
    public string Code { get; set; } = string.Empty;

    public string Name { get; set; } = string.Empty;

    /// <summary>Base URL of the partner's intake API; TongBan posts transfers to <c>{BaseUrl}/transfers</c>.</summary>
    public string BaseUrl { get; set; } = string.Empty;

    /// <summary>Bearer token TongBan presents to the partner.</summary>
    public string OutboundToken { get; set; } = string.Empty;

    /// <summary>Token the partner presents to TongBan's inbound route (<c>X-Partner-Token</c>).</summary>
    public string InboundToken { get; set; } = string.Empty;

    /// <summary>Region code prefixes the partner covers (e.g. 51 四川, 50 重庆, 44 广东).</summary>
    public List<string> RegionPrefixes { get; set; } = [];

    public override string ToString() => $"{Code} ({Name})"; // never the tokens
}

/// <summary>Configuration section <c>TongBan:Partners</c>.</summary>
public sealed class PartnerOptions
{
    public const string Section = "TongBan:Partners";

    public List<PartnerEndpoint> List { get; set; } = [];

    /// <summary>First retry delay; doubles per failed attempt up to <see cref="RetryMaxDelay"/>.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(2);

    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// <c>TongBan:Partners:Demo</c>: add the in-process demo partner (<see cref="DemoPartner"/>). Unset means on in
    /// embedded mode and off in PostgreSQL mode.
    /// </summary>
    public bool? Demo { get; set; }

    /// <summary>How long the demo partner takes between the steps it reports on a case forwarded to it.</summary>
    public TimeSpan DemoStepDelay { get; set; } = TimeSpan.FromSeconds(2);

    public PartnerEndpoint? Find(string? code) => List.FirstOrDefault(p => string.Equals(p.Code, code, StringComparison.Ordinal));

    /// <summary>Constant-time check of a partner's inbound token.</summary>
    public PartnerEndpoint? Authenticate(string? code, string? token)
    {
        if (Find(code) is not { } partner || token is null || partner.InboundToken.Length == 0)
        {
            return null;
        }

        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(partner.InboundToken), Encoding.UTF8.GetBytes(token)) ? partner : null;
    }
}

/// <summary>Retry timing for transfers. Pure.</summary>
public static class RetrySchedule
{
    /// <summary>Delay after failed attempt <paramref name="attempt"/> (1-based): base·2^(n−1), capped.</summary>
    public static TimeSpan After(int attempt, TimeSpan baseDelay, TimeSpan maxDelay)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        var factor = Math.Pow(2, Math.Min(attempt - 1, 30));
        var delay = TimeSpan.FromTicks((long)Math.Min(maxDelay.Ticks, baseDelay.Ticks * factor));
        return delay < maxDelay ? delay : maxDelay;
    }
}

/// <summary>What goes to a partner: the application, with the applicant's data (the receiving province must know who applies).</summary>
public sealed record PartnerMessage(
    string TransferId, string OriginRegionCode, string TargetRegionCode, string ItemName, string ApplicantName, string ApplicantIdNumber, string ApplicantPhone, string? Note);

/// <summary>The partner's answer to one attempt.</summary>
[GenerateSerializer, Immutable]
public sealed record PartnerSendResult([property: Id(0)] bool Delivered, [property: Id(1)] string? Error, [property: Id(2)] string? PartnerReference);

/// <summary>Sends transfers to partners. The HTTP implementation is the default; tests and other transports replace it in DI.</summary>
public interface IPartnerGateway
{
    Task<PartnerSendResult> SendAsync(PartnerEndpoint partner, PartnerMessage message, CancellationToken cancellationToken);

    /// <summary>Reports a Guizhou case's step to the partner that sent the case (内转 回传).</summary>
    Task<PartnerSendResult> SendStatusAsync(PartnerEndpoint partner, PartnerStatusMessage message, CancellationToken cancellationToken);
}

/// <summary>POSTs JSON to <c>{BaseUrl}/transfers</c> with the partner's bearer token; any non-2xx or network error is a failed attempt.</summary>
public sealed class HttpPartnerGateway : IPartnerGateway, IDisposable
{
    private readonly HttpClient http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), ConnectTimeout = TimeSpan.FromSeconds(5) })
    {
        Timeout = TimeSpan.FromSeconds(15),
    };

    public Task<PartnerSendResult> SendAsync(PartnerEndpoint partner, PartnerMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);

        // A retry after a lost answer is not a second application.
        return PostAsync(partner, "transfers", JsonContent.Create(message), message.TransferId, cancellationToken);
    }

    /// <summary>POSTs to <c>{BaseUrl}/transfers/{partnerReference}/status</c>; Idempotency-Key <c>{caseNo}/{version}</c>, so a retried report is one report.</summary>
    public Task<PartnerSendResult> SendStatusAsync(PartnerEndpoint partner, PartnerStatusMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        return PostAsync(partner, $"transfers/{Uri.EscapeDataString(message.PartnerReference)}/status", JsonContent.Create(message),
            $"{message.CaseNo}/{message.Version}", cancellationToken);
    }

    private async Task<PartnerSendResult> PostAsync(PartnerEndpoint partner, string path, HttpContent content, string idempotencyKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(partner);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(new Uri(partner.BaseUrl.TrimEnd('/') + "/"), path))
            {
                Content = content,
            };
            request.Headers.Authorization = new("Bearer", partner.OutboundToken);
            request.Headers.Add("Idempotency-Key", idempotencyKey);
            using var response = await http.SendAsync(request, cancellationToken);
            return response.IsSuccessStatusCode
                ? new PartnerSendResult(true, null, response.Headers.Location?.ToString())
                : new PartnerSendResult(false, $"HTTP {(int)response.StatusCode}", null);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or OperationCanceledException)
        {
            return new PartnerSendResult(false, e is HttpRequestException h ? $"network: {h.HttpRequestError}" : "timeout", null);
        }
    }

    public void Dispose() => http.Dispose();
}
