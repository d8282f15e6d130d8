using System.Text.RegularExpressions;

namespace TongBan.Grains.Halls;

/// <summary>
/// Service point codes: <c>{regionCode}-{kind}{nnn}</c>, e.g. <c>520102-H001</c> (南明区政务服务中心).
/// Kind letters: H hall, D department sub-hall, S convenience station, Z 24h self-service, P partner.
/// </summary>
public static partial class ServicePointCode
{
    [GeneratedRegex("^[0-9]{6}-[HDSZP][0-9]{3}$")]
    private static partial Regex Pattern();

    public static bool IsWellFormed(string? code) => code is not null && Pattern().IsMatch(code);

    public static string Make(string regionCode, ServicePointType type, int seq) =>
        $"{regionCode}-{Letter(type)}{seq:000}";

    public static char Letter(ServicePointType type) => type switch
    {
        ServicePointType.Hall => 'H',
        ServicePointType.SubHall => 'D',
        ServicePointType.Station => 'S',
        ServicePointType.SelfService => 'Z',
        ServicePointType.Partner => 'P',
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };
}
