using NetTopologySuite.Geometries;
using NetTopologySuite.Geometries.Prepared;
using TongBan.Grains.Catalogue;
using TongBan.Grains.Geo;
using TongBan.Grains.Regions;

namespace TongBan.Grains.Halls;

/// <summary>
/// Generates the demo service-point network from the real boundaries, deterministically
/// (same input, same output on every machine and every run):
/// the province centre in 观山湖区, one hall per prefecture and per county at its seat
/// (DataV <c>center</c>), two department sub-halls and one post-office partner per prefecture,
/// ≈1,500 township convenience stations and ≈1,000 24h self-service points spread inside each
/// county polygon, proportional to county area, closer to the seat for self-service points.
/// Each point lists the catalogue items it handles (<see cref="ItemsFor"/>): halls every catalogue item (全省通办 items for
/// anyone, the others for their own region's applicants),
/// sub-halls their department's items, stations, self-service points and post-office partners a short list each.
/// </summary>
public static class ServicePointSeed
{
    public const int TargetStations = 1500;
    public const int TargetSelfServicePoints = 1000;

    private static readonly QueueCategory General = new("A", "综合受理（全省通办）");
    private static readonly QueueCategory Police = new("B", "公安");
    private static readonly QueueCategory Social = new("C", "社保医保");
    private static readonly QueueCategory Assisted = new("D", "帮办代办");
    private static readonly QueueCategory Market = new("E", "市场监管·企业开办");
    private static readonly QueueCategory Property = new("F", "不动产登记");
    private static readonly QueueCategory Tax = new("G", "税务");

    private static readonly OpeningHours HallHours = new(
        false,
        [new(new TimeOnly(9, 0), new TimeOnly(12, 0)), new(new TimeOnly(13, 0), new TimeOnly(17, 0))],
        []);

    /// <summary>City and province centres run a Saturday morning session (错时延时服务, task 11).</summary>
    private static readonly OpeningHours CityHallHours = HallHours with
    {
        Workdays = [new(new TimeOnly(9, 0), new TimeOnly(12, 0)), new(new TimeOnly(13, 0), new TimeOnly(17, 30))],
        Saturday = [new(new TimeOnly(9, 0), new TimeOnly(12, 0))],
    };

    private static readonly OpeningHours StationHours = new(
        false,
        [new(new TimeOnly(8, 30), new TimeOnly(12, 0)), new(new TimeOnly(14, 0), new TimeOnly(17, 30))],
        []);

    /// <summary>
    /// 便民服务站 (township): everyday social-security, civil-affairs, household and health certificates that a township
    /// office takes in for the county departments.
    /// </summary>
    public static readonly IReadOnlyList<string> StationItems =
        ["rsj-001", "rsj-002", "rsj-005", "rsj-006", "mz-001", "mz-004", "mz-005", "wsjk-001", "gongan-004", "gongan-008", "sw-007"];

    /// <summary>24小时自助: certificates and records a self-service terminal prints or a card machine issues.</summary>
    public static readonly IReadOnlyList<string> SelfServiceItems =
        ["rsj-002", "rsj-006", "sw-001", "sw-003", "sw-007", "bdc-001", "mz-001"];

    /// <summary>邮政合作网点 (task 19): driving-licence and transport-permit renewals, social-security cards, lost business licences.</summary>
    public static readonly IReadOnlyList<string> PartnerItems =
        ["gongan-006", "gongan-007", "rsj-001", "rsj-002", "jt-001", "jt-002", "scjg-005"];

    /// <summary>Department sub-halls handle their department's items (不动产登记分厅 also the contract filing that precedes it).</summary>
    private static readonly Dictionary<string, string[]> SubHallDepartments = new(StringComparer.Ordinal)
    {
        [Police.Code] = ["gongan"],
        [Property.Code] = ["bdc", "zfcj-001"],
    };

    public static IReadOnlyList<ServicePoint> Generate(RegionCatalog regions) => Generate(regions, ServiceCatalogue.Seeded());

    /// <summary>The item codes a point of this kind handles, in catalogue order; only codes the catalogue lists.</summary>
    /// <param name="department">For a sub-hall: its department category (B 公安, F 不动产).</param>
    public static IReadOnlyList<string> ItemsFor(ServiceCatalogue catalogue, ServicePointType type, string? department = null)
    {
        ArgumentNullException.ThrowIfNull(catalogue);
        IEnumerable<ServiceItem> items = type switch
        {
            ServicePointType.Hall => catalogue.Items,
            ServicePointType.SubHall when department is not null && SubHallDepartments.TryGetValue(department, out var owners) =>
                catalogue.Items.Where(i => owners.Any(o => o == i.DepartmentCode || o == i.Code)),
            ServicePointType.Station => catalogue.Items.Where(i => StationItems.Contains(i.Code)),
            ServicePointType.SelfService => catalogue.Items.Where(i => SelfServiceItems.Contains(i.Code)),
            ServicePointType.Partner => catalogue.Items.Where(i => PartnerItems.Contains(i.Code)),
            _ => [],
        };
        return [.. items.Select(i => i.Code)];
    }

    public static IReadOnlyList<ServicePoint> Generate(RegionCatalog regions, ServiceCatalogue catalogue)
    {
        ArgumentNullException.ThrowIfNull(regions);
        var hallItems = ItemsFor(catalogue, ServicePointType.Hall);
        var stationItems = ItemsFor(catalogue, ServicePointType.Station);
        var selfServiceItems = ItemsFor(catalogue, ServicePointType.SelfService);
        var partnerItems = ItemsFor(catalogue, ServicePointType.Partner);
        var subHallItems = SubHallDepartments.Keys.ToDictionary(k => k, k => ItemsFor(catalogue, ServicePointType.SubHall, k), StringComparer.Ordinal);
        var result = new List<ServicePoint>(2800);
        var provinceSeat = regions.Find("520115")!; // 观山湖区: seat of 贵州省政务服务中心
        result.Add(Hall(
            ServicePointCode.Make(RegionCatalog.ProvinceCode, ServicePointType.Hall, 1), "贵州省政务服务中心",
            ServiceLevel.Province, RegionCatalog.ProvinceCode, provinceSeat.Center, "贵州省贵阳市观山湖区", CityHallHours,
            [General, Police, Social, Market, Property, Tax, Assisted], 24, hallItems));

        foreach (var prefecture in regions.All.Where(r => r.Level == RegionLevel.Prefecture))
        {
            result.Add(Hall(
                ServicePointCode.Make(prefecture.Code, ServicePointType.Hall, 1), $"{prefecture.Name}政务服务中心",
                ServiceLevel.City, prefecture.Code, prefecture.Center, $"贵州省{prefecture.Name}", CityHallHours,
                [General, Police, Social, Market, Property, Tax, Assisted], 16, hallItems));
            var seatShape = PreparedGeometryFactory.Prepare(regions.ShapeOf(prefecture.Code)!);
            var random = new Random(int.Parse(prefecture.Code, System.Globalization.CultureInfo.InvariantCulture));
            result.Add(SubHall(prefecture, 1, "公安分厅", Police, Place(random, seatShape, prefecture.Center, 3_000), subHallItems[Police.Code]));
            result.Add(SubHall(prefecture, 2, "不动产登记分厅", Property, Place(random, seatShape, prefecture.Center, 3_000), subHallItems[Property.Code]));
        }

        var counties = regions.Counties.ToList();
        var areas = counties.ToDictionary(c => c.Code, c => regions.ShapeOf(c.Code)!.Area);
        var totalArea = areas.Values.Sum();
        foreach (var county in counties)
        {
            var shape = regions.ShapeOf(county.Code)!;
            var prepared = PreparedGeometryFactory.Prepare(shape);
            var random = new Random(int.Parse(county.Code, System.Globalization.CultureInfo.InvariantCulture));
            var prefectureName = regions.Find(county.ParentCode!)!.Name;
            var address = $"贵州省{prefectureName}{county.Name}";

            result.Add(Hall(
                ServicePointCode.Make(county.Code, ServicePointType.Hall, 1), $"{county.Name}政务服务中心",
                ServiceLevel.County, county.Code, county.Center, address, HallHours,
                [General, Police, Social, Market, Assisted], 10, hallItems));

            var share = areas[county.Code] / totalArea;
            var stations = Math.Max(6, (int)Math.Round(TargetStations * share));
            for (var i = 1; i <= stations; i++)
            {
                var where = Place(random, prepared, county.Center, 30_000);
                result.Add(new ServicePoint(
                    ServicePointCode.Make(county.Code, ServicePointType.Station, i), $"{county.Name}第{i}便民服务站",
                    ServicePointType.Station, ServiceLevel.Township, county.Code, where, address, Phone(county.Code, 100 + i),
                    StationHours, [General, Assisted],
                    [new(1, "1号窗口", [General.Code, Assisted.Code]), new(2, "2号窗口", [Assisted.Code, General.Code])], stationItems));
            }

            var selfService = Math.Max(4, (int)Math.Round(TargetSelfServicePoints * share));
            for (var i = 1; i <= selfService; i++)
            {
                var where = Place(random, prepared, county.Center, 6_000);
                result.Add(new ServicePoint(
                    ServicePointCode.Make(county.Code, ServicePointType.SelfService, i), $"{county.Name}24小时自助服务点{i}号",
                    ServicePointType.SelfService, ServiceLevel.County, county.Code, where, address, Phone(county.Code, 0),
                    OpeningHours.AroundTheClock, [], [], selfServiceItems));
            }

            result.Add(new ServicePoint(
                ServicePointCode.Make(county.Code, ServicePointType.Partner, 1), $"中国邮政{county.Name}营业部（政务服务代办点）",
                ServicePointType.Partner, ServiceLevel.County, county.Code, Place(random, prepared, county.Center, 2_000), address,
                Phone(county.Code, 11183), StationHours, [General], [new(1, "邮政代办窗口", [General.Code])], partnerItems));
        }

        return result;
    }

    private static ServicePoint Hall(
        string code, string name, ServiceLevel level, string regionCode, GeoPoint location, string address,
        OpeningHours hours, QueueCategory[] categories, int windowCount, IReadOnlyList<string> items) =>
        new(code, name, ServicePointType.Hall, level, regionCode, location, address, Phone(regionCode, 12345),
            hours, categories, Windows(categories, windowCount), items);

    private static ServicePoint SubHall(Region prefecture, int seq, string suffix, QueueCategory department, GeoPoint where, IReadOnlyList<string> items) =>
        new(ServicePointCode.Make(prefecture.Code, ServicePointType.SubHall, seq), $"{prefecture.Name}政务服务中心{suffix}",
            ServicePointType.SubHall, ServiceLevel.City, prefecture.Code, where, $"贵州省{prefecture.Name}", Phone(prefecture.Code, 200 + seq),
            HallHours, [department, General], Windows([department, General], 6), items);

    /// <summary>
    /// Window plan: a third of the windows are 全省通办 general windows (A), the last is 帮办代办 (D),
    /// and the rest serve one department category each, falling back to A when their queue is empty.
    /// </summary>
    internal static IReadOnlyList<WindowProfile> Windows(IReadOnlyList<QueueCategory> categories, int count)
    {
        var general = categories.FirstOrDefault(c => c.Code == General.Code);
        var assisted = categories.FirstOrDefault(c => c.Code == Assisted.Code);
        var departments = categories.Where(c => c != general && c != assisted).ToList();
        var windows = new List<WindowProfile>(count);
        var generalWindows = general is null ? 0 : Math.Max(1, count / 3);
        for (var no = 1; no <= count; no++)
        {
            IReadOnlyList<string> serves;
            if (no <= generalWindows)
            {
                serves = [general!.Code];
            }
            else if (no == count && assisted is not null)
            {
                serves = general is null ? [assisted.Code] : [assisted.Code, general.Code];
            }
            else if (departments.Count > 0)
            {
                var dept = departments[(no - generalWindows - 1) % departments.Count];
                serves = general is null ? [dept.Code] : [dept.Code, general.Code];
            }
            else
            {
                serves = [general!.Code];
            }

            windows.Add(new WindowProfile(no, $"{no}号窗口", serves));
        }

        return windows;
    }

    /// <summary>A point inside the shape within roughly <paramref name="radiusMeters"/> of the seat.</summary>
    private static GeoPoint Place(Random random, IPreparedGeometry shape, GeoPoint seat, double radiusMeters)
    {
        const double metersPerDegreeLat = 111_320;
        var metersPerDegreeLon = metersPerDegreeLat * Math.Cos(seat.Lat * Math.PI / 180);
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var r = radiusMeters * Math.Sqrt(random.NextDouble());
            var theta = random.NextDouble() * 2 * Math.PI;
            var candidate = new GeoPoint(
                Math.Round(seat.Lat + (r * Math.Sin(theta) / metersPerDegreeLat), 6),
                Math.Round(seat.Lon + (r * Math.Cos(theta) / metersPerDegreeLon), 6));
            if (shape.Covers(new Point(candidate.Lon, candidate.Lat)))
            {
                return candidate;
            }
        }

        return seat;
    }

    private static string Phone(string regionCode, int extension) =>
        $"0851-{regionCode[2..6]}{extension % 10000:0000}";
}
