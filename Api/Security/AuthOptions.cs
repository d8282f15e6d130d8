namespace TongBan.Api.Security;

/// <summary>Configuration section <c>TongBan:Auth</c>.</summary>
public sealed class AuthOptions
{
    public const string Section = "TongBan:Auth";

    /// <summary>Well-known key used only in the embedded development mode; never accepted in production.</summary>
    public const string DevelopmentSigningKey = "tongban-embedded-development-signing-key-not-for-production";

    /// <summary>OIDC authority (the province's unified identity service). When set, keys come from its discovery document.</summary>
    public string? Authority { get; set; }

    /// <summary>Symmetric HS256 key (≥ 32 bytes of text) when no authority is configured.</summary>
    public string? SigningKey { get; set; }

    public string Issuer { get; set; } = "tongban";

    public string Audience { get; set; } = "tongban-api";

    /// <summary>Lifetime of tokens minted by the development token endpoint.</summary>
    public TimeSpan DevelopmentTokenLifetime { get; set; } = TimeSpan.FromHours(8);
}
