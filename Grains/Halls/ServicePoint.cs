using TongBan.Grains.Geo;

namespace TongBan.Grains.Halls;

/// <summary>Kinds of service point on the 政务数字地图 (seed task 18, 19).</summary>
public enum ServicePointType
{
    /// <summary>实体政务大厅 (province / city / county government service centre)</summary>
    Hall,

    /// <summary>部门分厅 department sub-hall</summary>
    SubHall,

    /// <summary>便民服务站 township/village convenience station</summary>
    Station,

    /// <summary>24小时自助服务站点 self-service point</summary>
    SelfService,

    /// <summary>合作网点 partner outlet (post office, bank branch: 政务服务+邮政/银行)</summary>
    Partner,
}

/// <summary>Administrative level a service point serves at (省/市/县/乡/村).</summary>
public enum ServiceLevel
{
    Province,
    City,
    County,
    Township,
    Village,
}

/// <summary>A queue category of a hall, e.g. A 综合受理, B 公安.</summary>
[GenerateSerializer, Immutable]
public sealed record QueueCategory([property: Id(0)] string Code, [property: Id(1)] string Name);

/// <summary>A window (窗口) and the categories it serves, in preference order.</summary>
[GenerateSerializer, Immutable]
public sealed record WindowProfile(
    [property: Id(0)] int WindowNo,
    [property: Id(1)] string Name,
    [property: Id(2)] IReadOnlyList<string> Categories);

/// <summary>A daily opening session, local time (Asia/Shanghai).</summary>
[GenerateSerializer, Immutable]
public sealed record OpeningSession([property: Id(0)] TimeOnly Opens, [property: Id(1)] TimeOnly Closes);

/// <summary>
/// Opening hours. Halls close for the lunch break (two sessions) and on official rest days;
/// some open Saturday mornings (错时延时服务); 24h self-service points never close.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record OpeningHours(
    [property: Id(0)] bool Always,
    [property: Id(1)] IReadOnlyList<OpeningSession> Workdays,
    [property: Id(2)] IReadOnlyList<OpeningSession> Saturday)
{
    public static readonly OpeningHours AroundTheClock = new(true, [], []);
}

/// <summary>Static profile of a service point: reference data seeded from the shipped boundaries.</summary>
/// <param name="Closed">
/// 撤销/停用: closed for good (or until an operator reopens it) through the admin API. Unlike a hall's
/// temporary suspension (暂停服务, <see cref="HallServiceStatus"/>) a closed point leaves the map and the nearest search.
/// </param>
/// <param name="HoursExceptions">
/// A hall manager's exceptions to <paramref name="Hours"/>: extended hours (延时服务) and closures (临时闭厅), see <see cref="HallClock"/>.
/// Null in records written before they existed: none.
/// </param>
/// <param name="TicketCutoffMinutes">停止取号: ticket taking stops this long before each session closes; null = <see cref="HallClock.DefaultTicketCutoffMinutes"/>.</param>
[GenerateSerializer, Immutable]
public sealed record ServicePoint(
    [property: Id(0)] string Code,
    [property: Id(1)] string Name,
    [property: Id(2)] ServicePointType Type,
    [property: Id(3)] ServiceLevel Level,
    [property: Id(4)] string RegionCode,
    [property: Id(5)] GeoPoint Location,
    [property: Id(6)] string Address,
    [property: Id(7)] string Phone,
    [property: Id(8)] OpeningHours Hours,
    [property: Id(9)] IReadOnlyList<QueueCategory> Categories,
    [property: Id(10)] IReadOnlyList<WindowProfile> Windows,
    [property: Id(11)] IReadOnlyList<string> ItemCodes,
    [property: Id(12)] bool Closed = false,
    [property: Id(13)] IReadOnlyList<HoursException>? HoursExceptions = null,
    [property: Id(14)] int? TicketCutoffMinutes = null);
