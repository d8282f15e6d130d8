using NetTopologySuite.Geometries;
using TongBan.Grains.Geo;
using TongBan.Grains.Halls;
using TongBan.Grains.Regions;
using TongBan.Grains.Tests.Support;

namespace TongBan.Grains.Tests.Halls;

[Trait("Category", "Integration")]
public class ServicePointSeedTests
{
    private static readonly RegionCatalog Catalog = ClusterFixture.Regions.Value;
    private static readonly IReadOnlyList<ServicePoint> Seed = ServicePointSeed.Generate(Catalog);

    [Fact]
    public void Generation_is_deterministic()
    {
        var again = ServicePointSeed.Generate(Catalog);
        Assert.Equal(Seed.Select(p => (p.Code, p.Location)), again.Select(p => (p.Code, p.Location)));
    }

    [Fact]
    public void Network_has_the_planned_shape()
    {
        Assert.Single(Seed, p => p.Level == ServiceLevel.Province);
        Assert.Equal(9, Seed.Count(p => p.Type == ServicePointType.Hall && p.Level == ServiceLevel.City));
        Assert.Equal(88, Seed.Count(p => p.Type == ServicePointType.Hall && p.Level == ServiceLevel.County));
        Assert.InRange(Seed.Count(p => p.Type == ServicePointType.Station), 1400, 1700);
        Assert.InRange(Seed.Count(p => p.Type == ServicePointType.SelfService), 900, 1150);
        Assert.Equal(18, Seed.Count(p => p.Type == ServicePointType.SubHall));
        Assert.Equal(88, Seed.Count(p => p.Type == ServicePointType.Partner));
        Assert.Equal(Seed.Count, Seed.Select(p => p.Code).Distinct().Count());
        Assert.All(Seed, p => Assert.True(ServicePointCode.IsWellFormed(p.Code), p.Code));
    }

    [Fact]
    public void Stations_and_self_service_points_lie_inside_their_county()
    {
        foreach (var p in Seed.Where(p => p.Type is ServicePointType.Station or ServicePointType.SelfService or ServicePointType.Partner))
        {
            var shape = Catalog.ShapeOf(p.RegionCode)!;
            Assert.True(shape.Covers(new Point(p.Location.Lon, p.Location.Lat)), $"{p.Code} outside {p.RegionCode}");
        }
    }

    [Fact]
    public void County_halls_stand_at_the_county_seat()
    {
        foreach (var hall in Seed.Where(p => p.Type == ServicePointType.Hall && p.Level == ServiceLevel.County))
        {
            Assert.Equal(Catalog.Find(hall.RegionCode)!.Center, hall.Location);
        }
    }

    [Fact]
    public void Self_service_points_are_open_around_the_clock_and_have_no_windows()
    {
        Assert.All(Seed.Where(p => p.Type == ServicePointType.SelfService), p =>
        {
            Assert.True(p.Hours.Always);
            Assert.Empty(p.Windows);
        });
    }

    [Fact]
    public void Every_window_serves_only_categories_of_its_hall()
    {
        foreach (var p in Seed)
        {
            var categories = p.Categories.Select(c => c.Code).ToHashSet();
            Assert.All(p.Windows, w => Assert.Subset(categories, w.Categories.ToHashSet()));
            Assert.Equal(p.Windows.Count, p.Windows.Select(w => w.WindowNo).Distinct().Count());
        }
    }

    [Fact]
    public void Every_category_of_a_hall_with_windows_is_served_by_some_window()
    {
        foreach (var p in Seed.Where(p => p.Windows.Count > 0))
        {
            var served = p.Windows.SelectMany(w => w.Categories).ToHashSet();
            Assert.All(p.Categories, c => Assert.Contains(c.Code, served));
        }
    }

    [Fact]
    public void Directory_filters_by_region_subtree_and_type()
    {
        var directory = new ServicePointDirectory(Catalog);
        directory.Load(Seed);
        Assert.Equal(Seed.Count, directory.Count);
        var guiyang = directory.Query("520100", null, null).ToList();
        Assert.All(guiyang, p => Assert.True(Catalog.IsWithin(p.RegionCode, "520100")));
        Assert.Equal(11, directory.Query("520100", ServicePointType.Hall, null).Count()); // city hall + 10 county halls
        Assert.Equal("520102-H001", directory.Find("520102-H001")!.Code);
        Assert.Null(directory.Find("520102-H999"));
    }

    [Theory]
    [InlineData("520102-H001", true)]
    [InlineData("520000-H001", true)]
    [InlineData("520102-S014", true)]
    [InlineData("520102-X001", false)]
    [InlineData("520102H001", false)]
    [InlineData("520102-H01", false)]
    public void Code_format(string code, bool ok) => Assert.Equal(ok, ServicePointCode.IsWellFormed(code));

    [Fact]
    public void Points_are_near_their_seat()
    {
        foreach (var p in Seed.Where(p => p.Type == ServicePointType.SelfService))
        {
            var seat = Catalog.Find(p.RegionCode)!.Center;
            Assert.True(GreatCircle.DistanceMeters(seat, p.Location) <= 6_100, p.Code);
        }
    }

    [Fact]
    public void Every_point_that_serves_people_lists_items_the_catalogue_knows()
    {
        var catalogue = TongBan.Grains.Catalogue.ServiceCatalogue.Seeded();
        var known = catalogue.Items.Select(i => i.Code).ToHashSet(StringComparer.Ordinal);
        Assert.All(Seed, p =>
        {
            Assert.NotEmpty(p.ItemCodes);
            Assert.Subset(known, p.ItemCodes.ToHashSet(StringComparer.Ordinal));
            Assert.Equal(p.ItemCodes.Count, p.ItemCodes.Distinct(StringComparer.Ordinal).Count());
        });

        // Halls take every item; the others a kind-specific subset, so an item filter changes the map.
        Assert.All(Seed.Where(p => p.Type == ServicePointType.Hall), p =>
            Assert.Equal(catalogue.Items.Select(i => i.Code), p.ItemCodes));
        Assert.All(Seed.Where(p => p.Type == ServicePointType.SubHall && p.Name.EndsWith("公安分厅", StringComparison.Ordinal)), p =>
            Assert.All(p.ItemCodes, c => Assert.StartsWith("gongan-", c, StringComparison.Ordinal)));
        Assert.Contains("rsj-006", Seed.First(p => p.Type == ServicePointType.SelfService).ItemCodes);
        Assert.DoesNotContain("mz-002", Seed.First(p => p.Type == ServicePointType.Station).ItemCodes);
        var marriage = Seed.Where(p => p.ItemCodes.Contains("mz-002")).ToList();
        Assert.All(marriage, p => Assert.Equal(ServicePointType.Hall, p.Type));
        Assert.True(Seed.Count(p => p.ItemCodes.Contains("rsj-006")) > 10 * marriage.Count, "a certificate print-out is available at far more points than marriage registration");
    }

    [Fact]
    public async Task The_loader_gives_points_stored_without_items_their_seeded_items_and_keeps_edits()
    {
        var store = new InMemoryServicePointStore();
        var old = Seed.Select(p => p with { ItemCodes = [] }).ToList();
        await store.AddMissingAsync(old, CancellationToken.None);
        var edited = old.First(p => p.Type == ServicePointType.Station) with { ItemCodes = ["rsj-001"] };
        await store.UpsertAsync(edited, CancellationToken.None);

        var directory = new ServicePointDirectory(Catalog);
        var loader = new ReferenceDataLoader(Catalog, store, directory, Microsoft.Extensions.Logging.Abstractions.NullLogger<ReferenceDataLoader>.Instance);
        await loader.SeedAndLoadAsync(CancellationToken.None);

        Assert.Equal(Seed.First(p => p.Code == "520102-H001").ItemCodes, directory.Find("520102-H001")!.ItemCodes);
        Assert.Equal(["rsj-001"], directory.Find(edited.Code)!.ItemCodes);
        Assert.DoesNotContain(await store.LoadAllAsync(CancellationToken.None), p => p.ItemCodes.Count == 0);
    }
}
