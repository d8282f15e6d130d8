using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using TongBan.Api.Endpoints;
using TongBan.Api.Hubs;
using TongBan.Api.Map;
using TongBan.Api.OpenApi;
using TongBan.Api.Pages;
using TongBan.Grains.Live;
using TongBan.Api.Security;

namespace TongBan.Api;

/// <summary>Registers and maps everything HTTP: endpoints, hubs, auth, ProblemDetails, OpenAPI.</summary>
public static class ApiComposition
{
    public static IServiceCollection AddTongBanApi(this IServiceCollection services, IConfiguration configuration, bool developmentMode)
    {
        services.AddProblemDetails(o => o.CustomizeProblemDetails = ReadableProblems.Customize);
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, ProblemAuthorizationResultHandler>();
        services.AddExceptionHandler<DomainExceptionHandler>();
        services.Configure<JsonOptions>(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
            o.SerializerOptions.Converters.Add(new ChinaTimeJsonConverter());
        });
        services.AddOpenApi("v1", o => o.AddTongBanConventions());
        services.AddTongBanWebSecurity(configuration);
        services.AddSignalR()
            .AddJsonProtocol(o =>
            {
                o.PayloadSerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
                o.PayloadSerializerOptions.Converters.Add(new ChinaTimeJsonConverter());
                o.PayloadSerializerOptions.Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
            });
        services.AddOptions<HubOptions>().Configure<WebSecurityOptions>((o, web) => o.MaximumReceiveMessageSize = web.MaxHubMessageBytes);
        services.AddSingleton<SignalRLiveObserver>();
        // In-process consumers (the map overlay) take the internal groups; SignalR gets the rest.
        services.AddSingleton<ILiveHubObserver>(sp =>
            new LocalFirstLiveObserver(sp.GetServices<ILocalLiveSubscriber>(), sp.GetRequiredService<SignalRLiveObserver>()));
        services.AddSingleton<LiveHubRegistration>();
        services.AddSingleton<HostReadiness>();
        services.AddHostedService<LiveHubRegistrar>();
        services.AddTongBanSecurity(configuration, developmentMode);
        services.AddTongBanMap(configuration);
        services.AddSingleton(configuration.GetSection(PageOptions.Section).Get<PageOptions>() ?? new PageOptions());
        if (developmentMode)
        {
            services.AddSingleton<DevelopmentTokenIssuer>();
        }

        return services;
    }

    public static WebApplication UseTongBanApi(this WebApplication app, bool developmentMode)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseTongBanWebSecurity();
        app.UseLiveHubGate(); // before authentication: a refused connection costs nothing
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter(); // after authentication: signed-in users are limited per account, others per address

        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
        // Connecting is anonymous (call screens, the public map); each hub method declares its own policy.
        app.MapHub<LiveHub>(LiveHubGate.HubPath).AllowAnonymous();
        app.MapRegionEndpoints();
        app.MapHallEndpoints();
        app.MapHallInsightEndpoints();
        app.MapDashboardEndpoints();
        app.MapReportEndpoints();
        app.MapQueueEndpoints();
        app.MapCaseEndpoints();
        app.MapCatalogueEndpoints();
        app.MapNotificationEndpoints();
        app.MapRatingEndpoints();
        app.MapHotlineEndpoints();
        app.MapCreditEndpoints();
        app.MapLicenceEndpoints();
        app.MapSealEndpoints();
        app.MapBundleEndpoints();
        app.MapCrossProvinceEndpoints();
        app.MapGrantEndpoints();
        app.MapAppointmentEndpoints();
        app.MapMapEndpoints();
        app.MapAdminServicePointEndpoints();
        app.MapBoundaryEndpoints(app.Services.GetRequiredService<PageOptions>(), developmentMode);
        if (developmentMode)
        {
            app.MapDevTokenEndpoint();
        }

        // An unknown API route is a plain 404, not a 401 from the deny-by-default fallback policy.
        app.MapFallback("/api/{**path}", (string? path) => Problems.NotFound("Route", "/api/" + path))
            .AllowAnonymous()
            .ExcludeFromDescription();

        return app;
    }
}
