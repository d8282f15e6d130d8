using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TongBan.Api.Map;
using TongBan.Grains.Geo;
using TongBan.Grains.Map;

namespace TongBan.Api.Tests.Map;

/// <summary>
/// The OSRM client against a Kestrel stub on loopback that serves table answers in OSRM v5's documented format
/// (code, durations, distances, sources, destinations — shaped like osrm-routed's output, written for these tests
/// since no OSRM server is reachable from the build machines), plus OSRM's error answer and a hang.
/// </summary>
[Trait("Category", "Integration")]
public sealed class OsrmClientTests : IAsyncLifetime
{
    private static readonly GeoPoint Origin = new(26.5700, 106.7100);
    private static readonly GeoPoint[] Destinations = [new(26.5800, 106.7200), new(26.6000, 106.6500), new(26.5000, 106.8000)];

    private WebApplication stub = null!;
    private string baseUrl = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        stub = builder.Build();
        stub.MapGet("/{scenario}/table/v1/{profile}/{coordinates}", async (string scenario, string profile, string coordinates, HttpContext http) =>
        {
            Assert.Equal("0", http.Request.Query["sources"]);
            var count = coordinates.Split(';').Length;
            switch (scenario)
            {
                case "ok":
                    // Recorded-format answer: seconds and metres; the second destination has no route (null).
                    return Results.Text($$"""
                        {"code":"Ok","durations":[[0,412.3,null,1502.9]],"distances":[[0,2874.1,null,14321.7]],
                         "sources":[{"hint":"","distance":4.2,"name":"中华北路","location":[106.710032,26.570011]}],
                         "destinations":[{"hint":"","distance":4.2,"name":"中华北路","location":[106.710032,26.570011]},
                                         {"hint":"","distance":11.8,"name":"","location":[106.720101,26.579954]},
                                         {"hint":"","distance":96.1,"name":"","location":[106.650502,26.600341]},
                                         {"hint":"","distance":8.0,"name":"花溪大道","location":[106.799873,26.500102]}],
                         "profile":"{{profile}}","points":{{count}}}
                        """, "application/json");
                case "error":
                    return Results.Text("""{"code":"InvalidQuery","message":"Query string malformed close to position 28"}""", "application/json", statusCode: 400);
                case "garbage":
                    return Results.Text("<html>502 Bad Gateway</html>", "text/html");
                default:
                    await Task.Delay(TimeSpan.FromSeconds(10), http.RequestAborted);
                    return Results.Ok();
            }
        });
        await stub.StartAsync();
        baseUrl = stub.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
    }

    public async Task DisposeAsync()
    {
        await stub.StopAsync();
        await stub.DisposeAsync();
    }

    private OsrmTravelTimeProvider Provider(string scenario, out ServiceProvider services)
    {
        var collection = new ServiceCollection();
        collection.AddLogging();
        collection.AddSingleton(GreatCircleTravelModel.Guizhou);
        collection.AddSingleton<GreatCircleTravelTimeProvider>();
        // The hang scenario gets short timeouts (it must fall back quickly); the others generous ones, so that a
        // cold first request on a loaded build machine is not mistaken for a timeout.
        var hang = scenario == "hang";
        var options = new OsrmOptions
        {
            BaseUrl = $"{baseUrl}/{scenario}",
            AttemptTimeout = TimeSpan.FromMilliseconds(hang ? 400 : 5000),
            TotalTimeout = TimeSpan.FromMilliseconds(hang ? 1000 : 10000),
        };
        collection.AddSingleton(options);
        MapComposition.AddOsrm(collection, options);
        services = collection.BuildServiceProvider();
        return services.GetRequiredService<OsrmTravelTimeProvider>();
    }

    [Fact]
    public async Task A_table_answer_becomes_minutes_and_metres_with_null_for_no_route()
    {
        var provider = Provider("ok", out var services);
        using var _ = services;
        var table = await provider.EstimateAsync(Origin, Destinations, TravelMode.Drive, CancellationToken.None);
        Assert.Equal(TravelSource.Osrm, table.Source);
        Assert.Equal(412.3 / 60, table.Estimates[0].Minutes!.Value, 6);
        Assert.Equal(2874.1, table.Estimates[0].RouteMeters);
        Assert.Null(table.Estimates[1].Minutes);
        Assert.Equal(1502.9 / 60, table.Estimates[2].Minutes!.Value, 6);
    }

    [Fact]
    public void The_request_path_is_lon_lat_origin_first()
    {
        var path = OsrmTravelTimeProvider.TablePath(Origin, Destinations, "driving");
        Assert.Equal("table/v1/driving/106.71,26.57;106.72,26.58;106.65,26.6;106.8,26.5?sources=0&annotations=duration,distance", path);
    }

    [Theory]
    [InlineData("error", "InvalidQuery")]
    [InlineData("garbage", "not understood")]
    [InlineData("hang", "timeout")]
    public async Task Errors_and_timeouts_fall_back_to_the_great_circle_model_with_a_note(string scenario, string note)
    {
        var provider = Provider(scenario, out var services);
        using var _ = services;
        var started = DateTime.UtcNow;
        var table = await provider.EstimateAsync(Origin, Destinations, TravelMode.Walk, CancellationToken.None);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(8), "the fallback must not wait for a hung OSRM (10 s)");
        Assert.Equal(TravelSource.GreatCircleFallback, table.Source);
        Assert.True(table.Note?.Contains(note, StringComparison.Ordinal), $"note: {table.Note}");
        var expected = GreatCircleTravelModel.Guizhou.Minutes(Origin, Destinations[0], TravelMode.Walk);
        Assert.Equal(expected, table.Estimates[0].Minutes!.Value, 9);
    }

    [Fact]
    public async Task Transit_is_not_asked_of_OSRM()
    {
        var provider = Provider("hang", out var services);
        using var _ = services;
        var table = await provider.EstimateAsync(Origin, Destinations, TravelMode.Transit, CancellationToken.None);
        Assert.Equal(TravelSource.GreatCircle, table.Source);
    }

    [Theory]
    [InlineData("ok")]
    [InlineData("error")]
    public async Task The_planner_reranks_by_routed_time_or_falls_back_marked(string scenario)
    {
        var provider = Provider(scenario, out var services);
        using var _ = services;
        var regions = Grains.Regions.RegionCatalog.LoadEmbedded();
        var directory = new Grains.Halls.ServicePointDirectory(regions);
        directory.Load(Destinations.Select((d, i) => new Grains.Halls.ServicePoint(
            $"520102-Z{i + 1:000}", $"自助点{i + 1}", Grains.Halls.ServicePointType.SelfService, Grains.Halls.ServiceLevel.County, "520102", d, "", "",
            Grains.Halls.OpeningHours.AroundTheClock, [], [], [])));
        var map = new MapService(directory, regions, Grains.Calendar.CalendarProvider.FromEmbedded(), TimeProvider.System, new MapOptions());
        var planner = new NearestPlanner(map, provider);

        var answer = await planner.FindAsync(new NearestQuery(Origin, TravelMode.Drive, 3, map.Now), CancellationToken.None);

        if (scenario == "ok")
        {
            // OSRM: Z001 412.3 s, Z002 no route (left out), Z003 1502.9 s.
            Assert.Equal(TravelSource.Osrm, answer.Source);
            Assert.Equal(["520102-Z001", "520102-Z003"], answer.Results.Select(r => r.Code));
            Assert.Equal(1502.9 / 60, answer.Results[1].TravelMinutes, 6);
            Assert.Equal(14321.7, answer.Results[1].RouteMeters);
        }
        else
        {
            Assert.Equal(TravelSource.GreatCircleFallback, answer.Source);
            Assert.Equal(3, answer.Results.Count);
            Assert.All(answer.Results, r => Assert.Equal(TravelSource.GreatCircleFallback, r.TravelSource));
            Assert.Contains("InvalidQuery", RankReason.Explain(answer.Results[0], 1, null, TravelMode.Drive, answer.TravelNote), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_fallback_is_marked_in_the_reason()
    {
        var entry = new MapEntry(new Grains.Halls.ServicePoint("520102-Z001", "x", Grains.Halls.ServicePointType.SelfService, Grains.Halls.ServiceLevel.County,
            "520102", Origin, "", "", Grains.Halls.OpeningHours.AroundTheClock, [], [], []), new LiveCell("520102-Z001"));
        var c = new NearestCandidate(entry, 100, 2, 150, DateTimeOffset.Now, null, 0, 0, 2, true, null, TravelSource.GreatCircleFallback);
        var reason = RankReason.Explain(c, 1, null, TravelMode.Drive, "timeout");
        Assert.Contains("路网服务不可用", reason, StringComparison.Ordinal);
        Assert.Contains("routing (OSRM) unavailable (timeout)", reason, StringComparison.Ordinal);
    }
}
