using System.Security.Claims;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace TongBan.Api.Tests.Infrastructure;

/// <summary>
/// Mints bearer tokens the way the province's identity service would (PostgreSQL mode has no dev-token
/// endpoint): HS256 with the key the silos were given, issuer <c>tongban</c>, audience <c>tongban-api</c>.
/// </summary>
public static class TestTokens
{
    public static string Mint(string role, string subject, string signingKey = SiloProcess.SigningKey, IReadOnlyDictionary<string, string>? claims = null)
    {
        var identity = new ClaimsIdentity([new Claim("role", role), new Claim("sub", subject)]);
        foreach (var (type, value) in claims ?? new Dictionary<string, string>())
        {
            identity.AddClaim(new Claim(type, value));
        }

        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "tongban",
            Audience = "tongban-api",
            Subject = identity,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddHours(1),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(signingKey)), SecurityAlgorithms.HmacSha256),
        });
    }

    public static string Admin() => Mint("admin", "test-admin");
}
