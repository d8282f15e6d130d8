using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TongBan.Api.Endpoints;

namespace TongBan.Api.Security;

/// <summary>
/// Abuse limits and browser hardening: rate limits on the public endpoints, body and message size limits,
/// CORS for configured origins only, an origin check on the live hub, security headers, and no tokens in logs.
/// </summary>
public static partial class WebSecurity
{
    /// <summary>Route prefix of the SignalR hubs (the origin check and the access_token handling apply there).</summary>
    public const string HubPrefix = "/hubs";

    public static IServiceCollection AddTongBanWebSecurity(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(WebSecurityOptions.Section).Get<WebSecurityOptions>() ?? new WebSecurityOptions();
        Validate(options);
        services.AddSingleton(options);

        // The request line ("Request starting … /hubs/live?access_token=…") is logged by the hosting layer before any
        // middleware runs, with the query string. Tokens in that query must never reach a log, so that category is kept
        // at Warning (it logs nothing else of use); the endpoints log what they do with ids, not URLs.
        services.AddLogging(b => b.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning));

        services.AddCors(o => o.AddDefaultPolicy(p =>
        {
            if (options.AllowedOrigins.Length > 0)
            {
                // Credentials: the SignalR browser client sends cookies/credentials on negotiate by default.
                p.WithOrigins(options.AllowedOrigins).AllowAnyHeader().AllowAnyMethod().AllowCredentials()
                    .WithExposedHeaders("Retry-After", "Location");
            }
        }));

        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = async (context, cancellationToken) =>
            {
                var http = context.HttpContext;
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
                var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
                http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                LogRateLimited(http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(WebSecurity)), http.Request.Path, PartitionKind(http));
                var problems = http.RequestServices.GetRequiredService<IProblemDetailsService>();
                await problems.WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = http,
                    ProblemDetails = new ProblemDetails
                    {
                        Status = StatusCodes.Status429TooManyRequests,
                        Title = "请求过于频繁 Too many requests",
                        Detail = $"Too many requests from this client; retry after {seconds} s.",
                        Extensions = { ["retryAfterSeconds"] = seconds },
                    },
                });
            };

            foreach (var name in RateLimitPolicies.All)
            {
                var limit = options.RateLimits[name];
                o.AddPolicy(name, http => RateLimitPartition.GetFixedWindowLimiter(
                    name + "|" + PartitionKey(http),
                    _ => new FixedWindowRateLimiterOptions
                    {
                        PermitLimit = limit.PermitLimit,
                        Window = TimeSpan.FromSeconds(limit.WindowSeconds),
                        QueueLimit = 0,
                    }));
            }
        });

        return services;
    }

    /// <summary>Security middleware, in order: headers, CORS, size limits, hub origin check (before authentication).</summary>
    public static WebApplication UseTongBanWebSecurity(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<WebSecurityOptions>();
        var allowed = new HashSet<string>(options.AllowedOrigins, StringComparer.OrdinalIgnoreCase);

        app.Use((context, next) =>
        {
            context.Response.OnStarting(static state =>
            {
                var headers = ((HttpContext)state).Response.Headers;
                headers.XContentTypeOptions = "nosniff";
                headers.XFrameOptions = "DENY";
                headers["Referrer-Policy"] = "no-referrer";
                headers["Cross-Origin-Opener-Policy"] = "same-origin";
                headers["Permissions-Policy"] = "geolocation=(self), camera=(), microphone=(), payment=()";
                // Pages load only our own scripts; map tiles may come from a configured https tile server;
                // Leaflet positions tiles with inline styles.
                headers.ContentSecurityPolicy =
                    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob: https:; " +
                    "connect-src 'self' ws: wss:; font-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";
                return Task.CompletedTask;
            }, context);

            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
            {
                size.MaxRequestBodySize = options.MaxRequestBodyBytes;
            }

            return next(context);
        });

        app.UseCors();

        // Browsers send Origin on WebSocket upgrades and on negotiate; a page of another site must not open a live
        // connection with a user's token. Clients without Origin (SignalR .NET client, kiosks) are not browsers.
        app.Use(async (context, next) =>
        {
            if (context.Request.Path.StartsWithSegments(HubPrefix) &&
                context.Request.Headers.Origin is { Count: > 0 } origin &&
                !IsSameOrigin(context.Request, origin.ToString()) &&
                !allowed.Contains(origin.ToString()))
            {
                LogOriginRefused(app.Logger, origin.ToString());
                await Problems.WriteAsync(
                    context, StatusCodes.Status403Forbidden, "来源不被允许 Origin not allowed",
                    "This origin may not open a live connection; ask the operator to add it to TongBan:Security:AllowedOrigins.");
                return;
            }

            await next(context);
        });

        return app;
    }

    /// <summary>Account when signed in (a person on many devices), else the client address (anonymous kiosks, citizens).</summary>
    internal static string PartitionKey(HttpContext http) =>
        http.User.Identity?.IsAuthenticated == true && http.User.Claim(TongBanClaims.Subject) is { } subject
            ? "account:" + subject
            : "client:" + (http.Connection.RemoteIpAddress?.ToString() ?? "unknown");

    private static string PartitionKind(HttpContext http) => http.User.Identity?.IsAuthenticated == true ? "account" : "client";

    private static bool IsSameOrigin(HttpRequest request, string origin) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var uri) &&
        string.Equals(uri.Scheme, request.Scheme, StringComparison.OrdinalIgnoreCase) &&
        string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase);

    private static void Validate(WebSecurityOptions options)
    {
        foreach (var origin in options.AllowedOrigins)
        {
            if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") ||
                uri.AbsolutePath != "/" || origin.EndsWith('/'))
            {
                throw new InvalidOperationException(
                    $"{WebSecurityOptions.Section}:AllowedOrigins has '{origin}': an origin is scheme://host[:port] with no path or trailing slash.");
            }
        }

        if (options.MaxRequestBodyBytes < 1024)
        {
            throw new InvalidOperationException($"{WebSecurityOptions.Section}:MaxRequestBodyBytes must be at least 1024.");
        }

        foreach (var name in RateLimitPolicies.All)
        {
            if (!options.RateLimits.TryGetValue(name, out var limit) || limit.PermitLimit < 1 || limit.WindowSeconds < 1)
            {
                throw new InvalidOperationException(
                    $"{WebSecurityOptions.Section}:RateLimits:{name} needs PermitLimit ≥ 1 and WindowSeconds ≥ 1.");
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Rate limit reached on {Path} ({Partition} partition)")]
    private static partial void LogRateLimited(ILogger logger, PathString path, string partition);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Live hub connection refused for origin {Origin}")]
    private static partial void LogOriginRefused(ILogger logger, string origin);
}
