using TongBan.Grains.Catalogue;

namespace TongBan.Grains.Regions;

/// <summary>
/// Region rules read from the GB/T 2260 code structure (PPCCXX: 52 0000 is the province, 52 01 00 a prefecture,
/// 52 01 02 a county), so they need no region catalogue: who is competent (属地) for a case, and which region
/// covers which. Used by case intake, the case and rating queries, grants and the supervisors' scopes.
/// </summary>
public static class RegionRules
{
    /// <summary>The province's code.</summary>
    public const string Province = "520000";

    /// <summary>True for a six-digit code inside Guizhou (52xxxx).</summary>
    public static bool IsGuizhou(string? code) =>
        code is { Length: 6 } && code.All(char.IsAsciiDigit) && code.StartsWith("52", StringComparison.Ordinal);

    /// <summary>
    /// The competent region (属地) for an item and the applicant's county (户籍地 or 住所地 county
    /// code): the province for 省级 items, the prefecture for 市级, the county itself for 县级.
    /// </summary>
    public static string CompetentRegion(ServiceItem item, string applicantCountyCode)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (!IsGuizhou(applicantCountyCode))
        {
            throw new ArgumentException($"'{applicantCountyCode}' is not a Guizhou region code (52xxxx).", nameof(applicantCountyCode));
        }

        return item.Level switch
        {
            HandlingLevel.Province => Province,
            HandlingLevel.City => applicantCountyCode[..4] + "00",
            _ => applicantCountyCode,
        };
    }

    /// <summary>True when <paramref name="code"/> is <paramref name="area"/> or lies within it, by code structure.</summary>
    public static bool Covers(string area, string code)
    {
        if (!IsGuizhou(area) || !IsGuizhou(code))
        {
            return false;
        }

        return area.EndsWith("0000", StringComparison.Ordinal) ? code[..2] == area[..2]
            : area.EndsWith("00", StringComparison.Ordinal) ? code[..4] == area[..4]
            : code == area;
    }
}
