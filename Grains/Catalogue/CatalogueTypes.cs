namespace TongBan.Grains.Catalogue;

/// <summary>The fields (行业) that task 1 and task 16 of 黔府发〔2020〕4号 name for the catalogue.</summary>
public enum Sector
{
    /// <summary>公安</summary>
    PublicSecurity,

    /// <summary>市场监管</summary>
    MarketRegulation,

    /// <summary>教育</summary>
    Education,

    /// <summary>医疗 (卫生健康)</summary>
    Health,

    /// <summary>住房 (住房城乡建设, 不动产登记)</summary>
    Housing,

    /// <summary>社保 (人力资源和社会保障)</summary>
    SocialSecurity,

    /// <summary>民政</summary>
    CivilAffairs,

    /// <summary>交通 (交通运输)</summary>
    Transport,

    /// <summary>税务</summary>
    Taxation,
}

/// <summary>Administrative level whose department decides an item (办理层级).</summary>
public enum HandlingLevel
{
    /// <summary>省级</summary>
    Province,

    /// <summary>市（州）级</summary>
    City,

    /// <summary>县（市、区、特区）级</summary>
    County,
}

/// <summary>What the applicant gets at the end (办理结果).</summary>
public enum ResultType
{
    /// <summary>证件、证明 (an identity document, a certificate of facts, a search result).</summary>
    Certificate,

    /// <summary>许可证、执照 (a licence or registration certificate).</summary>
    Licence,

    /// <summary>决定、批复、核准 (a written decision with no document of title).</summary>
    Decision,
}

/// <summary>
/// High-frequency e-licences (电子证照) that may stand in for paper copies (task 13 names the first
/// seven). The value is the licence's type; the citation carries its number in the licence library.
/// </summary>
public enum ELicenceType
{
    /// <summary>居民身份证</summary>
    ResidentIdCard,

    /// <summary>护照</summary>
    Passport,

    /// <summary>机动车驾驶证</summary>
    DrivingLicence,

    /// <summary>营业执照</summary>
    BusinessLicence,

    /// <summary>结婚证</summary>
    MarriageCertificate,

    /// <summary>社会保障卡</summary>
    SocialSecurityCard,

    /// <summary>食品生产许可证</summary>
    FoodProductionLicence,

    /// <summary>食品经营许可证</summary>
    FoodBusinessLicence,

    /// <summary>居民户口簿</summary>
    HouseholdRegister,

    /// <summary>不动产权证书</summary>
    RealEstateCertificate,

    /// <summary>机动车行驶证</summary>
    VehicleRegistration,

    /// <summary>出生医学证明</summary>
    BirthMedicalCertificate,

    /// <summary>离婚证</summary>
    DivorceCertificate,

    /// <summary>教师资格证书</summary>
    TeacherCertificate,

    /// <summary>道路运输从业资格证</summary>
    RoadTransportQualification,
}

/// <summary>Chinese display names, for messages and the catalogue pages.</summary>
public static class CatalogueNames
{
    public static string Of(Sector sector) => sector switch
    {
        Sector.PublicSecurity => "公安",
        Sector.MarketRegulation => "市场监管",
        Sector.Education => "教育",
        Sector.Health => "医疗",
        Sector.Housing => "住房",
        Sector.SocialSecurity => "社保",
        Sector.CivilAffairs => "民政",
        Sector.Transport => "交通",
        Sector.Taxation => "税务",
        _ => throw new ArgumentOutOfRangeException(nameof(sector)),
    };

    public static string Of(HandlingLevel level) => level switch
    {
        HandlingLevel.Province => "省级",
        HandlingLevel.City => "市级",
        HandlingLevel.County => "县级",
        _ => throw new ArgumentOutOfRangeException(nameof(level)),
    };

    public static string Of(ELicenceType type) => type switch
    {
        ELicenceType.ResidentIdCard => "居民身份证",
        ELicenceType.Passport => "护照",
        ELicenceType.DrivingLicence => "机动车驾驶证",
        ELicenceType.BusinessLicence => "营业执照",
        ELicenceType.MarriageCertificate => "结婚证",
        ELicenceType.SocialSecurityCard => "社会保障卡",
        ELicenceType.FoodProductionLicence => "食品生产许可证",
        ELicenceType.FoodBusinessLicence => "食品经营许可证",
        ELicenceType.HouseholdRegister => "居民户口簿",
        ELicenceType.RealEstateCertificate => "不动产权证书",
        ELicenceType.VehicleRegistration => "机动车行驶证",
        ELicenceType.BirthMedicalCertificate => "出生医学证明",
        ELicenceType.DivorceCertificate => "离婚证",
        ELicenceType.TeacherCertificate => "教师资格证书",
        ELicenceType.RoadTransportQualification => "道路运输从业资格证",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };
}

/// <summary>One material of an item's standard list (申请材料).</summary>
/// <param name="Id">Stable within the item (e.g. "id-card"); cases cite materials by it.</param>
/// <param name="OriginalRequired">The original must be shown and checked at the window (原件核验).</param>
/// <param name="Copies">Paper sheets or copies to hand in (复印件份数); 0 when only the original is checked or the material is produced on the spot.</param>
/// <param name="ReplaceableBy">An e-licence of this type may be cited instead of paper (免提交), or null.</param>
[GenerateSerializer, Immutable]
public sealed record RequiredMaterial(
    [property: Id(0)] string Id,
    [property: Id(1)] string Name,
    [property: Id(2)] bool OriginalRequired,
    [property: Id(3)] int Copies,
    [property: Id(4)] ELicenceType? ReplaceableBy = null);

/// <summary>
/// A standardised item of the 全省通办 catalogue (task 2: 统一规范申请材料、审查要点、流程和时限).
/// </summary>
/// <param name="Code">Stable item code, e.g. "gongan-001"; URL-safe.</param>
/// <param name="DepartmentCode">The competent department (<see cref="Departments"/>); cases are reviewed by this department of the competent region.</param>
/// <param name="StatutoryLimitDays">法定办结时限, working days.</param>
/// <param name="PromisedLimitDays">承诺办结时限, working days (≤ statutory; 0 = 即办件). Cases run their deadline clock on this.</param>
/// <param name="ReviewPoints">审查要点, what the approver checks.</param>
/// <param name="AllowsDeferredMaterials">容缺受理: may be accepted with a missing material on a written promise (承诺), for applicants in good credit standing (task 17).</param>
/// <param name="OriginalsMustBeMailed">The department keeps originals on file: the receiving hall posts them (task 6, 快递跑).</param>
/// <param name="PrintableAtReceivingHall">就近打证: the result can be printed and issued at the receiving hall.</param>
/// <param name="ProvinceWide">Listed for 全省通办 (any hall in the province receives it).</param>
/// <param name="PinyinInitials">First letters of the pinyin of every Han character of <paramref name="Name"/>, lower case, for search ("jmsfzhl").</param>
[GenerateSerializer, Immutable]
public sealed record ServiceItem(
    [property: Id(0)] string Code,
    [property: Id(1)] string Name,
    [property: Id(2)] Sector Sector,
    [property: Id(3)] string DepartmentCode,
    [property: Id(4)] string DepartmentName,
    [property: Id(5)] HandlingLevel Level,
    [property: Id(6)] int StatutoryLimitDays,
    [property: Id(7)] int PromisedLimitDays,
    [property: Id(8)] IReadOnlyList<RequiredMaterial> Materials,
    [property: Id(9)] IReadOnlyList<string> ReviewPoints,
    [property: Id(10)] bool AllowsDeferredMaterials,
    [property: Id(11)] bool OriginalsMustBeMailed,
    [property: Id(12)] ResultType ResultType,
    [property: Id(13)] bool PrintableAtReceivingHall,
    [property: Id(14)] bool ProvinceWide,
    [property: Id(15)] string PinyinInitials)
{
    public RequiredMaterial? Material(string materialId) =>
        Materials.FirstOrDefault(m => string.Equals(m.Id, materialId, StringComparison.Ordinal));

    /// <summary>Internal consistency problems (empty when the item is sound).</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(Code) || Code.Any(c => !(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')))
        {
            problems.Add($"事项编码「{Code}」须由小写字母、数字和连字符组成。 Item code '{Code}' must be non-empty lower-case letters, digits and hyphens.");
        }

        if (string.IsNullOrWhiteSpace(Name))
        {
            problems.Add($"{Code}：事项名称为空。 {Code}: the name is empty.");
        }

        if (Departments.Find(DepartmentCode) is not { } department)
        {
            problems.Add($"{Code}：未知的主管部门「{DepartmentCode}」。 {Code}: unknown department '{DepartmentCode}'.");
        }
        else if (department.Sector != Sector)
        {
            problems.Add($"{Code}：主管部门「{DepartmentCode}」属于{CatalogueNames.Of(department.Sector)}行业，而非{CatalogueNames.Of(Sector)}。 {Code}: department '{DepartmentCode}' belongs to {department.Sector}, not {Sector}.");
        }

        if (StatutoryLimitDays < 0 || PromisedLimitDays < 0 || PromisedLimitDays > StatutoryLimitDays)
        {
            problems.Add($"{Code}：办结时限须满足 0 ≤ 承诺时限（{PromisedLimitDays} 个工作日）≤ 法定时限（{StatutoryLimitDays} 个工作日）。 {Code}: limits must satisfy 0 ≤ promised ({PromisedLimitDays}) ≤ statutory ({StatutoryLimitDays}).");
        }

        if (Materials.Count == 0)
        {
            problems.Add($"{Code}：没有申请材料。 {Code}: no materials.");
        }

        foreach (var duplicate in Materials.GroupBy(m => m.Id, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            problems.Add($"{Code}：材料编号「{duplicate.Key}」重复。 {Code}: material id '{duplicate.Key}' appears more than once.");
        }

        if (Materials.Any(m => m.Copies < 0 || string.IsNullOrWhiteSpace(m.Id) || string.IsNullOrWhiteSpace(m.Name)))
        {
            problems.Add($"{Code}：每项材料须有编号、名称和不小于 0 的份数。 {Code}: every material needs an id, a name and a non-negative number of copies.");
        }

        if (ReviewPoints.Count == 0)
        {
            problems.Add($"{Code}：没有审查要点。 {Code}: no review points.");
        }

        var hanCount = Name.Count(IsHan);
        if (PinyinInitials.Length != hanCount || PinyinInitials.Any(c => !char.IsAsciiLetterLower(c)))
        {
            problems.Add($"{Code}：拼音首字母「{PinyinInitials}」须为 {hanCount} 个小写字母，与「{Name}」的汉字一一对应。 {Code}: pinyin initials '{PinyinInitials}' must be {hanCount} lower-case letters, one per Han character of {Name}.");
        }

        return problems;
    }

    internal static bool IsHan(char c) => c is >= '\u4e00' and <= '\u9fff';
}

/// <summary>What a batch did to an item.</summary>
public enum ItemChange
{
    /// <summary>新增</summary>
    Added,

    /// <summary>调整 (materials, limits or flags changed)</summary>
    Amended,

    /// <summary>取消 (no longer in the catalogue; open cases finish under their version)</summary>
    Withdrawn,
}

/// <summary>
/// One published batch of the catalogue (task 1: 每年集中公布一次). Added and amended items are
/// given in full; withdrawn items by code. The batch number is the catalogue version: a case stores the number
/// of the batch whose version of its item it follows (<c>CaseState.ItemBatch</c>).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record CatalogueBatch(
    [property: Id(0)] int Number,
    [property: Id(1)] DateOnly Published,
    [property: Id(2)] string Title,
    [property: Id(3)] IReadOnlyList<ServiceItem> Added,
    [property: Id(4)] IReadOnlyList<ServiceItem> Amended,
    [property: Id(5)] IReadOnlyList<string> Withdrawn)
{
    /// <summary>
    /// 生效日期: the batch is in force from this day (China time) on; null means from <see cref="Published"/> (the
    /// seeded batches). An admin publishes a batch ahead of the day it takes effect; cases opened before keep the
    /// version they were opened under.
    /// </summary>
    [Id(6)]
    public DateOnly? EffectiveFrom { get; init; }
}

/// <summary>One entry of an item's history: the version in force from <see cref="Published"/> on (null <see cref="Item"/> once withdrawn).</summary>
[GenerateSerializer, Immutable]
public sealed record ItemVersion(
    [property: Id(0)] int BatchNumber,
    [property: Id(1)] DateOnly Published,
    [property: Id(2)] ItemChange Change,
    [property: Id(3)] ServiceItem? Item);

/// <summary>Share of a sector's items that are 全省通办 (task 1 asks ≥ 30% in the first batch).</summary>
[GenerateSerializer, Immutable]
public sealed record SectorShare(
    [property: Id(0)] Sector Sector,
    [property: Id(1)] int Items,
    [property: Id(2)] int ProvinceWideItems)
{
    /// <summary>The policy's minimum share for the first batch (原则上不低于本行业事项的30%).</summary>
    public const double FirstBatchMinimum = 0.30;

    public double Share => Items == 0 ? 0 : (double)ProvinceWideItems / Items;

    public bool MeetsFirstBatchMinimum => Items > 0 && ProvinceWideItems * 10 >= Items * 3; // exact, no floating point at the edge
}

/// <summary>A replay error in the batches (a code amended before it was added, and so on).</summary>
public sealed class CatalogueException(IReadOnlyList<string> problems)
    : Exception("The catalogue batches are inconsistent: " + string.Join(" ", problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
