using TongBan.Grains.Geo;

namespace TongBan.Grains.Regions;

public enum RegionLevel
{
    /// <summary>省</summary>
    Province,

    /// <summary>市、自治州 (prefecture-level)</summary>
    Prefecture,

    /// <summary>县、市、区、特区 (county-level)</summary>
    County,
}

/// <summary>An administrative division of Guizhou, keyed by its current official code (GB/T 2260).</summary>
/// <param name="Aliases">Other codes that name the same unit (e.g. DataV's pre-2020 520221 for 水城区 520204).</param>
[GenerateSerializer, Immutable]
public sealed record Region(
    [property: Id(0)] string Code,
    [property: Id(1)] string Name,
    [property: Id(2)] RegionLevel Level,
    [property: Id(3)] string? ParentCode,
    [property: Id(4)] GeoPoint Center,
    [property: Id(5)] IReadOnlyList<string> Aliases);
