using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using TongBan.Web.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace TongBan.Web.Tests;

/// <summary>
/// The map's marker clustering (Supercluster): at province zoom the ~2,700 service points are drawn as a few hundred
/// numbered circles and dots, every point counted once; a circle zooms in on Enter, and from county zoom on every point
/// has its own dot.
/// </summary>
[Collection(WebCollection.Name)]
[Trait("Category", "Browser")]
public sealed partial class MapClusterTests(WebApp app)
{
    [GeneratedRegex("^[1-9][0-9]*$")]
    private static partial Regex PositiveCount();

    [GeneratedRegex(@"^[0-9]+ 个网点，等候 [0-9]+ 人")]
    private static partial Regex ClusterName();

    [Fact]
    public async Task Province_zoom_draws_numbered_clusters_that_count_every_point_once()
    {
        await using var browser = await app.OpenAsync("/map");
        var page = browser.Page;
        await Expect(page.Locator("#live-state")).ToHaveAttributeAsync("data-state", "connected", new() { Timeout = 15_000 });
        await Expect(page.Locator("main")).ToHaveAttributeAsync("data-points", PositiveCount(), new() { Timeout = 10_000 });
        await Expect(page.Locator("#map")).ToHaveAttributeAsync("data-clusters", PositiveCount());

        var view = await ViewAsync(page);
        Assert.True(view.Points > 2000, $"the province's points: {view.Points}");
        Assert.True(view.Clusters + view.Markers <= 300, $"{view.Clusters} clusters + {view.Markers} dots drawn for {view.Points} points");
        Assert.Equal(view.Points, view.InClusters + view.Markers);

        // Each circle is a button named by its figures (axe: no unnamed buttons).
        await Expect(page.GetByRole(AriaRole.Button, new() { NameRegex = ClusterName() })).ToHaveCountAsync(view.Clusters);
        await browser.ScreenshotAsync("map-clusters");
        await browser.AssertAccessibleAsync("map-clusters");

        // Enter on a circle zooms to where it splits; past prefecture zoom every point has its own dot.
        var map = page.Locator("#map");
        for (var step = 0; step < 12 && Math.Floor(await ZoomAsync(page)) <= 11; step++)
        {
            var zoom = await map.GetAttributeAsync("data-zoom");
            var cluster = page.Locator("#map .leaflet-marker-icon.cluster").First;
            if (await cluster.CountAsync() == 0)
            {
                break;
            }

            await cluster.FocusAsync();
            await page.Keyboard.PressAsync("Enter");
            await Expect(map).Not.ToHaveAttributeAsync("data-zoom", zoom!);
        }

        Assert.True(Math.Floor(await ZoomAsync(page)) >= 12, $"zoomed in to {await ZoomAsync(page)}");
        await Expect(map).ToHaveAttributeAsync("data-clusters", "0");
        await Expect(map).ToHaveAttributeAsync("data-markers", PositiveCount());
        await browser.ScreenshotAsync("map-clusters-county-zoom");
        browser.AssertNoErrors();
    }

    [Fact]
    public async Task Type_filters_recount_the_clusters()
    {
        await using var browser = await app.OpenAsync("/map");
        var page = browser.Page;
        await Expect(page.Locator("#live-state")).ToHaveAttributeAsync("data-state", "connected", new() { Timeout = 15_000 });
        await Expect(page.Locator("#map")).ToHaveAttributeAsync("data-clusters", PositiveCount(), new() { Timeout = 10_000 });
        var all = await ViewAsync(page);

        // Only the government service centres (one per county, prefecture and the province): far fewer points, counted alike.
        foreach (var type in new[] { "subHall", "station", "selfService", "partner" })
        {
            await page.Locator($"#type-{type}").UncheckAsync();
        }

        await Expect(page.Locator("main")).Not.ToHaveAttributeAsync("data-points", all.Points.ToString(CultureInfo.InvariantCulture));
        var halls = await ViewAsync(page);
        Assert.InRange(halls.Points, 80, 120);
        Assert.Equal(halls.Points, halls.InClusters + halls.Markers);
        browser.AssertNoErrors();
    }

    private static async Task<double> ZoomAsync(IPage page) =>
        double.Parse((await page.Locator("#map").GetAttributeAsync("data-zoom"))!, CultureInfo.InvariantCulture);

    private static async Task<View> ViewAsync(IPage page)
    {
        var json = await page.EvaluateAsync<JsonElement>("""
            () => {
              const map = document.getElementById('map');
              const counts = [...map.querySelectorAll('.leaflet-marker-icon.cluster')].map((e) => Number(e.dataset.count));
              return { points: Number(document.querySelector('main').dataset.points), markers: Number(map.dataset.markers),
                clusters: counts.length, inClusters: counts.reduce((a, b) => a + b, 0) };
            }
            """);
        return new View(json.GetProperty("points").GetInt32(), json.GetProperty("markers").GetInt32(),
            json.GetProperty("clusters").GetInt32(), json.GetProperty("inClusters").GetInt32());
    }

    private sealed record View(int Points, int Markers, int Clusters, int InClusters);
}
