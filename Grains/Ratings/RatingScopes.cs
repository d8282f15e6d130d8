using TongBan.Grains.Regions;

namespace TongBan.Grains.Ratings;

/// <summary>
/// Roll-up keys <c>{scope}:{id}</c>: one <see cref="IRatingRollupGrain"/> per key. A rating counts in
/// every key <see cref="Of"/> gives for its subject, computed once at intake and stored with the rating.
/// </summary>
public static class RatingScopes
{
    /// <summary>窗口人员, by staff subject.</summary>
    public const string Clerk = "clerk";

    /// <summary>窗口, by <c>{hallCode}/{windowNo}</c>.</summary>
    public const string Window = "window";

    /// <summary>服务大厅 (any service point), by code.</summary>
    public const string Hall = "hall";

    /// <summary>事项, by catalogue code.</summary>
    public const string Item = "item";

    /// <summary>部门: <c>{departmentCode}/{regionCode}</c> (属地部门, as the department inbox) and <c>{departmentCode}</c> province-wide.</summary>
    public const string Department = "department";

    public const string County = "county";
    public const string City = "city";
    public const string Province = "province";

    public static readonly IReadOnlyList<string> All = [Clerk, Window, Hall, Item, Department, County, City, Province];

    public static string Key(string scope, string id) => $"{scope}:{id}";

    public static string HallKey(string hallCode) => Key(Hall, hallCode);

    public static (string Scope, string Id) Parse(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var colon = key.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? (key, string.Empty) : (key[..colon], key[(colon + 1)..]);
    }

    /// <summary>The scope name of a region level: county, city (市、州) or province.</summary>
    public static string OfLevel(RegionLevel level) => level switch
    {
        RegionLevel.County => County,
        RegionLevel.Prefecture => City,
        _ => Province,
    };

    /// <summary>
    /// The keys a rating of <paramref name="subject"/> counts in: clerk, window, hall, item, department
    /// (属地 and province-wide), and its region with every region above it.
    /// </summary>
    public static IReadOnlyList<string> Of(RatingSubject subject, RegionCatalog regions)
    {
        ArgumentNullException.ThrowIfNull(subject);
        ArgumentNullException.ThrowIfNull(regions);
        var keys = new List<string>(9);
        if (subject.Clerk is { Length: > 0 } clerk)
        {
            keys.Add(Key(Clerk, clerk));
        }

        if (subject.HallCode is { } hall)
        {
            if (subject.WindowNo is { } window)
            {
                keys.Add(Key(Window, $"{hall}/{window}"));
            }

            keys.Add(Key(Hall, hall));
        }

        if (subject.ItemCode is { } item)
        {
            keys.Add(Key(Item, item));
        }

        if (subject.DepartmentCode is { } department)
        {
            keys.Add(Key(Department, $"{department}/{subject.RegionCode}"));
            keys.Add(Key(Department, department));
        }

        for (var region = regions.Find(subject.RegionCode); region is not null; region = region.ParentCode is null ? null : regions.Find(region.ParentCode))
        {
            keys.Add(Key(OfLevel(region.Level), region.Code));
        }

        return keys;
    }
}
