using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TongBan.Grains.Live;
using TongBan.Api.Endpoints;

namespace TongBan.Api.Hubs;

/// <summary>
/// Refuses new live-hub connections while this host is not ready for live pushes (<see cref="HostReadiness.LiveProblem"/>:
/// silo not active, reference data not loaded, or its hub not yet in the cluster's hub list), so a watcher cannot join
/// groups on a host the notifiers do not send to yet and miss a change. Negotiation and WebSocket upgrades (with or
/// without negotiation) get 503 ProblemDetails with <c>Retry-After</c>; the requests of connections already accepted
/// (long-polling, server-sent events) pass. Reads local state only: no grain call per connection.
/// </summary>
public static partial class LiveHubGate
{
    public const string HubPath = "/hubs/live";

    /// <summary>Seconds a refused client is asked to wait: the registrar retries every 5 s, start-up takes about 2.</summary>
    public const int RetryAfterSeconds = 2;

    public static IApplicationBuilder UseLiveHubGate(this IApplicationBuilder app) =>
        app.UseWhen(c => c.Request.Path.StartsWithSegments(HubPath), branch => branch.Use(async (context, next) =>
        {
            if (OpensConnection(context) && context.RequestServices.GetRequiredService<HostReadiness>().LiveProblem is { } problem)
            {
                await RefuseAsync(context, problem);
                return;
            }

            await next(context);
        }));

    private static bool OpensConnection(HttpContext context) =>
        context.Request.Path.Equals(HubPath + "/negotiate", StringComparison.OrdinalIgnoreCase) || IsWebSocketUpgrade(context);

    /// <summary>
    /// Read from the request itself: the WebSocket middleware that would set <c>HttpContext.WebSockets</c> runs later,
    /// inside SignalR's endpoint. HTTP/1.1 <c>Upgrade: websocket</c>, or HTTP/2's extended CONNECT for websocket.
    /// </summary>
    private static bool IsWebSocketUpgrade(HttpContext context) =>
        (context.Features.Get<IHttpUpgradeFeature>()?.IsUpgradableRequest == true &&
            string.Equals(context.Request.Headers.Upgrade, "websocket", StringComparison.OrdinalIgnoreCase)) ||
        (context.Features.Get<IHttpExtendedConnectFeature>() is { IsExtendedConnect: true } connect &&
            string.Equals(connect.Protocol, "websocket", StringComparison.OrdinalIgnoreCase));

    private static async Task RefuseAsync(HttpContext context, string reason)
    {
        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(LiveHubGate).FullName!);
        LogRefused(logger, reason);
        context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await Problems.WriteAsync(
            context, StatusCodes.Status503ServiceUnavailable, "暂时不可用 Temporarily unavailable",
            "This server is not ready for live updates yet; retry in a few seconds.");
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Live hub: connection refused, host not ready ({Reason})")]
    private static partial void LogRefused(ILogger logger, string reason);
}
