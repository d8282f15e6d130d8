using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;

namespace TongBan.Api.Security;

public static class SecurityServices
{
    /// <summary>
    /// JWT bearer authentication and TongBan's policies. Deny by default: the fallback policy
    /// requires an authenticated user, so an endpoint without a policy is never public by accident.
    /// </summary>
    public static IServiceCollection AddTongBanSecurity(this IServiceCollection services, IConfiguration configuration, bool developmentMode)
    {
        var auth = configuration.GetSection(AuthOptions.Section).Get<AuthOptions>() ?? new AuthOptions();
        if (developmentMode && auth.Authority is null && string.IsNullOrEmpty(auth.SigningKey))
        {
            auth.SigningKey = AuthOptions.DevelopmentSigningKey;
        }

        if (auth.Authority is null)
        {
            if (string.IsNullOrEmpty(auth.SigningKey) || Encoding.UTF8.GetByteCount(auth.SigningKey) < 32)
            {
                throw new InvalidOperationException(
                    "TongBan:Auth needs either Authority (OIDC issuer URL) or SigningKey (at least 32 bytes) in production mode.");
            }

            if (!developmentMode && auth.SigningKey == AuthOptions.DevelopmentSigningKey)
            {
                throw new InvalidOperationException("TongBan:Auth:SigningKey is the public development key; set a secret key for production.");
            }
        }

        services.AddSingleton(auth);
        services.AddSingleton(new SigningKeyHolder(auth.SigningKey is null ? null : new SymmetricSecurityKey(Encoding.UTF8.GetBytes(auth.SigningKey))));

        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(o =>
        {
            o.MapInboundClaims = false;
            o.Authority = auth.Authority;
            o.RequireHttpsMetadata = auth.Authority?.StartsWith("https://", StringComparison.OrdinalIgnoreCase) ?? false;
            o.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = auth.Issuer,
                ValidAudience = auth.Audience,
                IssuerSigningKey = auth.SigningKey is null ? null : new SymmetricSecurityKey(Encoding.UTF8.GetBytes(auth.SigningKey)),
                NameClaimType = TongBanClaims.Subject,
                RoleClaimType = TongBanClaims.Role,
                ClockSkew = TimeSpan.FromSeconds(30),
            };

            // Browsers cannot set headers on WebSocket requests: SignalR sends the token as access_token.
            o.Events = new JwtBearerEvents
            {
                OnMessageReceived = ctx =>
                {
                    if (ctx.HttpContext.Request.Path.StartsWithSegments("/hubs") &&
                        ctx.Request.Query.TryGetValue("access_token", out var token))
                    {
                        ctx.Token = token;
                    }

                    return Task.CompletedTask;
                },
            };
        });

        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(Policies.Admin, p => p.RequireRole(Roles.Admin))
            .AddPolicy(Policies.Authenticated, p => p.RequireAuthenticatedUser())
            .AddPolicy(Policies.Staff, p => p.RequireRole(Roles.Clerk, Roles.Approver, Roles.HallManager, Roles.HotlineAgent, Roles.Supervisor, Roles.Admin))
            .AddPolicy(Policies.HallOperations, p => p.RequireRole(Roles.HallManager, Roles.Supervisor, Roles.Admin))
            .AddPolicy(Policies.WindowOperations, p => p.RequireRole(Roles.Clerk, Roles.HallManager, Roles.Admin));
        return services;
    }

    public static string? Claim(this ClaimsPrincipal user, string type) => user.FindFirst(type)?.Value;
}

/// <summary>The symmetric key the development token endpoint signs with (null with an OIDC authority).</summary>
public sealed record SigningKeyHolder(SecurityKey? Key);
