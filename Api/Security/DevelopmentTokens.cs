using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace TongBan.Api.Security;

/// <summary>Request for <c>POST /api/dev/token</c> (embedded/development mode only).</summary>
/// <param name="PriorityClass">A citizen's verified priority (claim <c>priorityClass</c>: greenChannel or assisted), as the identity provider would attest it.</param>
public sealed record DevTokenRequest(
    string? Role, string? Subject, string? HallCode, int? WindowNo, string? DepartmentCode, string? RegionCode, string? PriorityClass = null);

public sealed record DevTokenResponse(string Token, DateTimeOffset ExpiresAt);

/// <summary>Mints tokens for demo users so every role can be tried without an identity provider.</summary>
public sealed class DevelopmentTokenIssuer(AuthOptions options, SigningKeyHolder key, TimeProvider clock)
{
    public DevTokenResponse Issue(DevTokenRequest request)
    {
        var claims = new List<Claim>
        {
            new(TongBanClaims.Role, request.Role!),
            new(TongBanClaims.Subject, request.Subject ?? $"demo-{request.Role}"),
        };
        void Add(string type, string? value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                claims.Add(new Claim(type, value));
            }
        }

        Add(TongBanClaims.HallCode, request.HallCode);
        Add(TongBanClaims.WindowNo, request.WindowNo?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Add(TongBanClaims.DepartmentCode, request.DepartmentCode);
        Add(TongBanClaims.RegionCode, request.RegionCode);
        Add(TongBanClaims.PriorityClass, request.PriorityClass);

        var now = clock.GetUtcNow();
        var expires = now + options.DevelopmentTokenLifetime;
        var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = options.Issuer,
            Audience = options.Audience,
            Subject = new ClaimsIdentity(claims),
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            SigningCredentials = new SigningCredentials(
                key.Key ?? throw new InvalidOperationException("No signing key: development tokens need TongBan:Auth:SigningKey."),
                SecurityAlgorithms.HmacSha256),
        });
        return new DevTokenResponse(token, expires.ToOffset(TimeSpan.FromHours(8)));
    }
}
