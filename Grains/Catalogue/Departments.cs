namespace TongBan.Grains.Catalogue;

/// <summary>
/// A competent department kind (主管部门), level-independent: the same code names the provincial
/// 厅, the city 局 and the county 局; a case's department is this code plus its region code.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record Department(
    [property: Id(0)] string Code,
    [property: Id(1)] string Name,
    [property: Id(2)] Sector Sector);

/// <summary>The departments that own catalogue items. Codes are stable: tokens, inboxes and URLs use them.</summary>
public static class Departments
{
    public static readonly IReadOnlyList<Department> All =
    [
        new("gongan", "公安局", Sector.PublicSecurity),
        new("scjg", "市场监督管理局", Sector.MarketRegulation),
        new("jy", "教育局", Sector.Education),
        new("wsjk", "卫生健康局", Sector.Health),
        new("zfcj", "住房和城乡建设局", Sector.Housing),
        new("bdc", "不动产登记中心", Sector.Housing),
        new("rsj", "人力资源和社会保障局", Sector.SocialSecurity),
        new("mz", "民政局", Sector.CivilAffairs),
        new("jt", "交通运输局", Sector.Transport),
        new("sw", "税务局", Sector.Taxation),
    ];

    private static readonly Dictionary<string, Department> ByCode = All.ToDictionary(d => d.Code, StringComparer.Ordinal);

    public static Department? Find(string? code) => code is null ? null : ByCode.GetValueOrDefault(code);
}
