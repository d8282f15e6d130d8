using System.Net;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using Orleans.Configuration;
using Orleans.Dashboard;
using Orleans.Serialization;
using Orleans.Storage;
using OpenTelemetry.Metrics;
using TongBan.Api;
using TongBan.Api.Pages;
using TongBan.Api.Security;
using TongBan.Grains.Common;
using TongBan.Grains.CrossProvince;
using TongBan.Grains.Crypto;
using TongBan.Grains.Calendar;
using TongBan.Grains.Cases;
using TongBan.Grains.Catalogue;
using TongBan.Grains.Halls;
using TongBan.Grains.Identity;
using TongBan.Grains.Licences;
using TongBan.Grains.Queues;
using TongBan.Grains.Ratings;
using TongBan.Grains.Regions;
using TongBan.Grains.Seals;
using TongBan.Silo.Postgres;

namespace TongBan.Silo.Hosting;

public enum StorageMode
{
    /// <summary>Nothing installed: localhost clustering, in-memory state and reminders. Not persisted.</summary>
    Embedded,

    /// <summary>ADO.NET clustering, grain state and reminders on PostgreSQL, plus TongBan's own tables.</summary>
    Postgres,
}

/// <summary>The composition root: one process co-hosts the Orleans silo and the HTTP/SignalR API.</summary>
public static partial class TongBanHost
{
    public const string DefaultUrls = "http://localhost:5080";

    public static StorageMode ModeOf(IConfiguration configuration) =>
        string.IsNullOrWhiteSpace(configuration.GetConnectionString(SiloOptions.ConnectionStringName)) ? StorageMode.Embedded : StorageMode.Postgres;

    /// <param name="configure">Lets tests and tools add configuration or services before the host is built.</param>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ApplicationName = typeof(TongBanHost).Assembly.GetName().Name });
        configure?.Invoke(builder);
        if (string.IsNullOrEmpty(builder.Configuration[WebHostDefaults.ServerUrlsKey]))
        {
            builder.WebHost.UseUrls(DefaultUrls);
        }

        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
            o.IncludeScopes = false;
        });

        var silo = builder.Configuration.GetSection(SiloOptions.Section).Get<SiloOptions>() ?? new SiloOptions();
        silo.Validate();
        var mode = ModeOf(builder.Configuration);
        var development = mode == StorageMode.Embedded;
        var services = builder.Services;

        services.AddSingleton(TimeProvider.System);

        // Grain state is written with Orleans' own binary serializer in both modes, not the ADO.NET
        // default (Newtonsoft JSON with $type names, which breaks when a type is renamed or moved):
        // state records are [GenerateSerializer] with [Id(n)] members, so fields can be added and
        // types renamed without losing stored state. Providers take this from DI unless told otherwise.
        services.AddSingleton<IGrainStorageSerializer, OrleansGrainStorageSerializer>();

        // A database failure inside a grain travels to the calling silo inside the call's exception, and Orleans
        // serializes exceptions only from namespaces it knows (System, Microsoft, Orleans …). Without Npgsql here the
        // answer became a CodecNotFoundException, and the API a 500 instead of a 503 while PostgreSQL was down
        // (found by ClusterOutageTests).
        services.Configure<ExceptionSerializationOptions>(o => o.SupportedNamespacePrefixes.Add("Npgsql"));
        services.AddSingleton(silo);
        services.AddSingleton(_ => RegionCatalog.LoadEmbedded());
        services.AddSingleton<ServicePointDirectory>();
        services.AddSingleton<ReferenceDataLoader>();
        // The hall queue's come-now and call notices become outbox records (issue 17).
        services.AddSingleton<ICitizenNotificationChannel, Grains.Notifications.OutboxCitizenNotificationChannel>();
        services.AddSingleton(sp => ServiceCatalogue.Seeded(sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(_ => CalendarProvider.FromEmbedded());
        // Privacy keys: configured, else the public development keys (embedded), else derived from the JWT signing key.
        var privacy = builder.Configuration.GetSection(PrivacyOptions.Section).Get<PrivacyOptions>() ?? new PrivacyOptions();
        if (privacy.HashKey is null || privacy.EncryptionKey is null)
        {
            var signingKey = builder.Configuration["TongBan:Auth:SigningKey"];
            var fallback = development ? PrivacyOptions.Development() : string.IsNullOrEmpty(signingKey) ? null : PrivacyOptions.DerivedFrom(signingKey);
            privacy.HashKey ??= fallback?.HashKey;
            privacy.EncryptionKey ??= fallback?.EncryptionKey;
        }

        if (!development && privacy.HashKey == PrivacyOptions.DevelopmentHashKey)
        {
            throw new StartupException("TongBan:Privacy:HashKey is the public development key; set a secret key for production.");
        }

        services.AddSingleton(privacy);
        services.AddSingleton<PersonalDataProtector>();
        var crypto = builder.Configuration.GetSection(CryptoOptions.Section).Get<CryptoOptions>() ?? new CryptoOptions();
        try
        {
            crypto.Parsed();
        }
        catch (ArgumentException e)
        {
            throw new StartupException(e.Message);
        }

        services.AddSingleton(crypto);
        var health = services.AddHealthChecks();
        health.AddCheck<ClusterReadinessCheck>("cluster", tags: ["ready"]);
        health.AddCheck<LiveHubReadinessCheck>("live", tags: ["ready"]);

        // Hosted services start in registration order: schema first, then reference data, then the silo, then Kestrel.
        PostgresSettings? postgres = null;
        if (mode == StorageMode.Postgres && silo.InProcessGrainStorage)
        {
            throw new StartupException($"{SiloOptions.Section}:{nameof(SiloOptions.InProcessGrainStorage)} is for the embedded mode only; PostgreSQL mode stores grain state in the database.");
        }

        if (mode == StorageMode.Postgres)
        {
            postgres = PostgresSettings.FromConnectionString(
                builder.Configuration.GetConnectionString(SiloOptions.ConnectionStringName)!,
                $"tongban:{silo.SiloPort}");
            PostgresMode.AddServices(services, postgres);
            health.AddCheck<PostgresReadinessCheck>("postgres", tags: ["ready"]);
        }
        else
        {
            services.AddSingleton<IServicePointStore, InMemoryServicePointStore>();
            services.AddSingleton<IQueueDayArchive, InMemoryQueueDayArchive>();
        }

        try
        {
            services.AddTongBanNotifications(builder.Configuration, mode);
        }
        catch (InvalidOperationException e)
        {
            // A value the binder cannot convert (a word where a number belongs): still one line.
            throw new StartupException($"{Grains.Notifications.NotificationOptions.Section}: {e.Message}", e);
        }

        // Fallbacks after the mode's own registrations: PostgreSQL mode registers its stores first.
        services.TryAddSingleton<ICaseStore, InMemoryCaseStore>();
        services.TryAddSingleton<IRatingStore, InMemoryRatingStore>();
        services.AddRatings(builder.Configuration);
        services.AddQueueRules(builder.Configuration);
        services.TryAddSingleton<IELicenceRegistry>(sp => new InProcessELicenceRegistry(sp.GetRequiredService<PersonalDataProtector>()));
        var seals = builder.Configuration.GetSection(SealOptions.Section).Get<SealOptions>() ?? new SealOptions();
        services.TryAddSingleton(sp => SealKeyCipher.From(seals, sp.GetRequiredService<PrivacyOptions>(), sp.GetService<CryptoOptions>()));
        var partners = builder.Configuration.GetSection(PartnerOptions.Section).Get<PartnerOptions>() ?? new PartnerOptions();
        DemoPartner.AddTo(partners, partners.Demo ?? development); // 演示合作方: embedded mode, or when configured
        services.TryAddSingleton(partners);
        services.TryAddSingleton<HttpPartnerGateway>();
        services.TryAddSingleton<IPartnerGateway>(sp => new DemoPartnerGateway(
            sp.GetRequiredService<HttpPartnerGateway>(), sp.GetRequiredService<IGrainFactory>(), sp.GetRequiredService<PartnerOptions>(),
            sp.GetRequiredService<ILogger<DemoPartnerGateway>>()));
        services.TryAddSingleton(sp => (IAuditStreamStore)sp.GetRequiredService<ICaseStore>());

        services.AddHostedService<ReferenceDataStartup>();

        builder.UseOrleans(orleans =>
        {
            orleans.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = silo.ClusterId;
                o.ServiceId = silo.ServiceId;
            });
            // Tuned so a crashed silo costs < 5 s of failed calls (reasons in MembershipTuning).
            orleans.Configure<ClusterMembershipOptions>(silo.Membership.ApplyTo);
            if (mode == StorageMode.Postgres)
            {
                orleans.ConfigureEndpoints(silo.ResolveAdvertisedAddress(), silo.SiloPort, silo.GatewayPort, listenOnAnyHostAddress: true);
                PostgresMode.ConfigureSilo(orleans, postgres!);
            }
            else
            {
                var primary = new IPEndPoint(IPAddress.Loopback, silo.PrimarySiloPort == 0 ? silo.SiloPort : silo.PrimarySiloPort);
                orleans.UseLocalhostClustering(silo.SiloPort, silo.GatewayPort, primary, silo.ServiceId, silo.ClusterId);
                if (silo.InProcessGrainStorage)
                {
                    // One silo: the state stays in this process (no storage-grain call per write); see InProcessGrainStorage.
                    services.AddSingleton(sp => new InProcessGrainStorage(sp.GetRequiredService<IGrainStorageSerializer>()));
                    services.AddKeyedSingleton<IGrainStorage>(StorageNames.Default, (sp, _) => sp.GetRequiredService<InProcessGrainStorage>());
                    services.AddHostedService<InProcessGrainStorageGuard>();
                }
                else
                {
                    orleans.AddMemoryGrainStorage(StorageNames.Default);
                }

                orleans.UseInMemoryReminderService();
            }

            if (silo.Dashboard)
            {
                orleans.AddDashboard();
            }
        });

        // After the silo: published catalogue batches are loaded before Kestrel takes requests.
        services.AddHostedService<CatalogueSync>();

        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter("Microsoft.Orleans")
            .AddMeter(Grains.Notifications.NotificationDispatcher.MeterName)
            .AddAspNetCoreInstrumentation()
            .AddRuntimeInstrumentation()
            .AddPrometheusExporter());

        try
        {
            services.AddTongBanApi(builder.Configuration, development);
        }
        catch (InvalidOperationException e)
        {
            throw new StartupException(e.Message, e);
        }

        // After the API: a missing signing key is reported as such before the privacy key derived from it.
        services.AddTongBanAppointments(builder.Configuration, development);
        services.AddTongBanHallClock(builder.Configuration);

        var app = builder.Build();
        LogMode(app.Logger, mode, silo.SiloPort, silo.GatewayPort, string.Join(",", app.Urls.DefaultIfEmpty(builder.Configuration[WebHostDefaults.ServerUrlsKey] ?? DefaultUrls)));
        if (mode == StorageMode.Embedded)
        {
            LogNotPersisted(app.Logger);
        }

        app.UseTongBanApi(development);

        // The web pages: Vite's output, copied next to the host's assembly by the build (see web/README.md).
        var webRoot = Path.Combine(AppContext.BaseDirectory, "wwwroot");
        app.MapPages(Directory.Exists(webRoot) ? new PhysicalFileProvider(webRoot) : new NullFileProvider());

        // Liveness says only that the process answers; readiness asks the cluster and storage.
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous();
        app.MapHealthChecks("/readyz", new HealthCheckOptions
        {
            Predicate = c => c.Tags.Contains("ready"),
            ResultStatusCodes = { [HealthStatus.Degraded] = StatusCodes.Status503ServiceUnavailable },
        }).AllowAnonymous();
        app.MapPrometheusScrapingEndpoint("/metrics").AllowAnonymous();
        if (silo.Dashboard)
        {
            var dashboard = app.MapOrleansDashboard("/dashboard");
            if (development)
            {
                dashboard.AllowAnonymous();
            }
            else
            {
                dashboard.RequireAuthorization(Policies.Admin);
            }
        }

        return app;
    }

    /// <summary>One line for the operator describing why start-up failed.</summary>
    public static string Describe(Exception e) => OneLine(Cause(e) switch
    {
        StartupException s => s.Message,
        PostgresException p => $"PostgreSQL refused: {p.MessageText} ({p.SqlState})",
        NpgsqlException n => $"cannot reach PostgreSQL: {n.InnerException?.Message ?? n.Message}",
        IOException io when io.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase) => $"a port is already in use: {io.Message}",
        var other => other.InnerException is null
            ? $"{other.GetType().Name}: {other.Message}"
            : $"{other.GetType().Name}: {other.Message} (cause: {Innermost(other).GetType().Name}: {Innermost(other).Message})",
    });

    private static Exception Innermost(Exception e) => e.InnerException is { } inner ? Innermost(inner) : e;

    /// <summary>
    /// The exception worth naming: Orleans and the host wrap failures (lifecycle cancelled, aggregate of one),
    /// so look down the chain for one of ours or the database's before settling for the outermost.
    /// </summary>
    private static Exception Cause(Exception e)
    {
        for (var x = e; x is not null; x = x is AggregateException { InnerExceptions.Count: 1 } a ? a.InnerExceptions[0] : x.InnerException)
        {
            if (x is StartupException or NpgsqlException || (x is IOException io && io.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase)))
            {
                return x;
            }
        }

        return e is AggregateException { InnerExceptions.Count: 1 } single ? Cause(single.InnerExceptions[0]) : e;
    }

    private static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    [LoggerMessage(Level = LogLevel.Information, Message = "TongBan starting in {Mode} mode: silo port {SiloPort}, gateway port {GatewayPort}, HTTP {Urls}")]
    private static partial void LogMode(ILogger logger, StorageMode mode, int siloPort, int gatewayPort, string urls);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Embedded mode: grain state and reminders are kept in memory and are NOT persisted. Set ConnectionStrings__TongBan for PostgreSQL mode.")]
    private static partial void LogNotPersisted(ILogger logger);
}
