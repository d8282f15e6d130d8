namespace TongBan.Api.Security;

/// <summary>Configuration section <c>TongBan:Security</c>: what browsers and abusive clients are allowed to do.</summary>
public sealed class WebSecurityOptions
{
    public const string Section = "TongBan:Security";

    /// <summary>
    /// Origins (scheme://host[:port]) of partner web apps allowed to call the API from a browser (CORS) and to
    /// open the live hub. Empty: same-origin pages only. Non-browser clients send no Origin and are not affected.
    /// </summary>
    public string[] AllowedOrigins { get; set; } = [];

    /// <summary>Largest accepted request body. Every TongBan command is a small JSON document.</summary>
    public long MaxRequestBodyBytes { get; set; } = 256 * 1024;

    /// <summary>Largest accepted SignalR message from a client (hub method calls carry codes, not documents).</summary>
    public long MaxHubMessageBytes { get; set; } = 16 * 1024;

    /// <summary>Fixed-window limits per client for the public endpoints, by policy name (see <see cref="RateLimitPolicies"/>).</summary>
    public Dictionary<string, RateLimit> RateLimits { get; set; } = new(StringComparer.Ordinal)
    {
        // A citizen pans and searches; a kiosk or a partner app behind one address does more.
        [RateLimitPolicies.Nearest] = new() { PermitLimit = 120, WindowSeconds = 60 },
        // A hall's kiosk takes tickets for everyone who walks in (one address); a person takes a few a day.
        [RateLimitPolicies.TicketTaking] = new() { PermitLimit = 60, WindowSeconds = 60 },
        // Guessing the last four digits of a phone or ID number must stay slow (the per-case throttle comes on top).
        [RateLimitPolicies.HotlineVerification] = new() { PermitLimit = 30, WindowSeconds = 60 },
        [RateLimitPolicies.RatingSubmission] = new() { PermitLimit = 30, WindowSeconds = 60 },
        // A partner province's system posts cases and status reports from a few addresses, in bursts after an outage.
        [RateLimitPolicies.PartnerIntake] = new() { PermitLimit = 600, WindowSeconds = 60 },
    };
}

/// <summary>One fixed-window limit: at most <see cref="PermitLimit"/> requests per <see cref="WindowSeconds"/> per client.</summary>
public sealed class RateLimit
{
    public int PermitLimit { get; set; }

    public int WindowSeconds { get; set; } = 60;
}

/// <summary>Rate-limiting policy names applied to the public endpoints.</summary>
public static class RateLimitPolicies
{
    /// <summary>就近查询: nearest-hall search and the map's point queries.</summary>
    public const string Nearest = "nearest";

    /// <summary>取号: taking a ticket (walk-in, kiosk, remote) and checking in an appointment.</summary>
    public const string TicketTaking = "ticketTaking";

    /// <summary>12345 来电核验: verifying a caller against a case.</summary>
    public const string HotlineVerification = "hotlineVerification";

    /// <summary>好差评: submitting a rating.</summary>
    public const string RatingSubmission = "ratingSubmission";

    /// <summary>跨省通办: partner provinces' inbound cases and status reports (token-authenticated, not signed-in users).</summary>
    public const string PartnerIntake = "partnerIntake";

    public static readonly IReadOnlyList<string> All = [Nearest, TicketTaking, HotlineVerification, RatingSubmission, PartnerIntake];
}
