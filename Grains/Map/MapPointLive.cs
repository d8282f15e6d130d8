using TongBan.Grains.Halls;

namespace TongBan.Grains.Map;

/// <summary>One queue category's figures as the map needs them.</summary>
/// <param name="ServingWindows">Open windows serving the category (whole).</param>
/// <param name="NoWindow">Tickets wait and no open window serves the category: the predicted wait is null (无窗口办理), never 0.</param>
[GenerateSerializer, Immutable]
public readonly record struct CategoryWait(
    [property: Id(0)] string Code,
    [property: Id(1)] int Waiting,
    [property: Id(2)] int? PredictedWaitMinutes,
    [property: Id(3)] double ServingWindows,
    [property: Id(4)] bool NoWindow = false);

/// <summary>
/// The live figures of one service point that the map overlay keeps on every silo: a compact projection of
/// <see cref="HallSnapshot"/> (no windows, no day statistics), pushed by the hall through the live path.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record MapPointLive(
    [property: Id(0)] string Code,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] int WaitingTotal,
    [property: Id(3)] IReadOnlyList<CategoryWait> Categories,
    [property: Id(4)] double? GoodRate,
    [property: Id(5)] bool Suspended,
    [property: Id(6)] int OpenWindows,
    [property: Id(7)] int AppointmentsNextHour)
{
    /// <summary>全省通办 general intake: any listed item can be handled there, so it is the wait the map quotes.</summary>
    public const string GeneralCategory = "A";

    public static MapPointLive From(HallSnapshot s) => new(
        s.HallCode, s.At, s.WaitingTotal,
        [.. s.Categories.Select(c => new CategoryWait(c.Code, c.Waiting, c.PredictedWaitMinutes, c.ServingWindows, c.NoWindow))],
        s.GoodRate, s.Suspended, s.OpenWindows, s.AppointmentsNextHour);

    /// <summary>
    /// Whether a map viewer would see the same figures in both (everything but <see cref="At"/>): a window starting or
    /// finishing a ticket republishes the hall without changing its waiting line, and such a snapshot need not be pushed
    /// to every map viewer of the region.
    /// </summary>
    public bool SameFigures(MapPointLive other)
    {
        if (Code != other.Code || WaitingTotal != other.WaitingTotal || GoodRate != other.GoodRate || Suspended != other.Suspended ||
            OpenWindows != other.OpenWindows || AppointmentsNextHour != other.AppointmentsNextHour || Categories.Count != other.Categories.Count)
        {
            return false;
        }

        for (var i = 0; i < Categories.Count; i++)
        {
            if (Categories[i] != other.Categories[i])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The category a citizen of the map would queue in: the general 全省通办 category when the point has one,
    /// else the category with the shortest known wait (a department sub-hall's own queue).
    /// </summary>
    public CategoryWait? QuotedCategory()
    {
        CategoryWait? best = null;
        for (var i = 0; i < Categories.Count; i++) // indexed: this runs per visited point in the nearest search, no enumerator
        {
            var c = Categories[i];
            if (c.Code == GeneralCategory)
            {
                return c;
            }

            if (best is null || (c.PredictedWaitMinutes ?? int.MaxValue) < (best.Value.PredictedWaitMinutes ?? int.MaxValue))
            {
                best = c;
            }
        }

        return best;
    }
}
