using System.Globalization;
using System.Text;
using TongBan.Grains.Geo;

namespace TongBan.Grains.Map;

/// <summary>The ranked answer of a nearest query and how travel times were obtained.</summary>
public sealed record NearestAnswer(IReadOnlyList<NearestCandidate> Results, TravelSource Source, string? TravelNote);

/// <summary>
/// Answers a nearest query on this silo: exact top-k with the great-circle model from the index; when a routing
/// provider (OSRM) is configured, the best 3k (at least k + 10, at most 99: OSRM's default table limit) great-circle candidates are re-timed by it and
/// re-ranked (a routed time may reorder points the straight line put close together; a point outside those
/// candidates whose road time is far shorter than its straight-line estimate would be missed: an accepted
/// approximation, as the routing engine cannot be asked about every point per query). If the provider fails,
/// the great-circle ranking stands and every reason says so. The top result is counted as an expected arrival.
/// </summary>
public sealed class NearestPlanner(MapService map, ITravelTimeProvider provider)
{
    /// <summary>osrm-routed refuses tables larger than its --max-table-size (default 100 coordinates, the origin included).</summary>
    public const int MaxRoutedCandidates = 99;

    public async Task<NearestAnswer> FindAsync(NearestQuery query, CancellationToken cancellationToken)
    {
        NearestAnswer answer;
        if (!provider.IsRouting)
        {
            answer = new NearestAnswer(map.Rank(query), TravelSource.GreatCircle, null);
        }
        else
        {
            answer = await RoutedAsync(query, cancellationToken);
        }

        if (answer.Results.Count > 0)
        {
            map.RecordRecommendation(answer.Results[0]);
        }

        return answer;
    }

    private async Task<NearestAnswer> RoutedAsync(NearestQuery query, CancellationToken cancellationToken)
    {
        var wide = map.Rank(query with { K = Math.Min(Math.Max(query.K * 3, query.K + 10), MaxRoutedCandidates) });
        if (wide.Count == 0)
        {
            return new NearestAnswer(wide, TravelSource.GreatCircle, null);
        }

        var table = await provider.EstimateAsync(query.Origin, [.. wide.Select(c => c.Entry.Location)], query.Mode, cancellationToken);
        if (table.Source == TravelSource.GreatCircle)
        {
            return new NearestAnswer(wide.Take(query.K).ToList(), TravelSource.GreatCircle, table.Note); // e.g. transit: no routing profile
        }

        if (table.Source != TravelSource.Osrm || table.Estimates.Count != wide.Count)
        {
            var fallback = wide.Take(query.K).Select(c => c with { TravelSource = TravelSource.GreatCircleFallback }).ToList();
            return new NearestAnswer(fallback, TravelSource.GreatCircleFallback, table.Note);
        }

        var calendar = map.Calendar;
        var memo = new NearestSearch.DayMemo(calendar);
        var routed = new List<NearestCandidate>(wide.Count);
        for (var i = 0; i < wide.Count; i++)
        {
            var c = wide[i];
            if (table.Estimates[i].Minutes is not { } minutes)
            {
                continue; // no road to it: leave it out rather than guess
            }

            if (map.Search.Evaluate(c.Entry, query, calendar, c.DistanceMeters, minutes, table.Estimates[i].RouteMeters, TravelSource.Osrm, memo) is { } r)
            {
                routed.Add(r);
            }
        }

        routed.Sort(NearestSearch.Compare);
        return new NearestAnswer(NearestSearch.Explained(routed.Take(query.K).ToList(), calendar), TravelSource.Osrm, table.Note);
    }
}

/// <summary>Explains a result's rank in Chinese and English (the <c>reason</c> field).</summary>
public static class RankReason
{
    public static string Explain(NearestCandidate c, int rank, NearestCandidate? next, TravelMode mode, string? travelNote)
    {
        var zh = new StringBuilder();
        var en = new StringBuilder();
        var km = (c.RouteMeters ?? c.DistanceMeters) / 1000;
        var (modeZh, modeEn) = mode switch
        {
            TravelMode.Walk => ("步行", "walk"),
            TravelMode.Drive => ("驾车", "drive"),
            _ => ("公交", "transit"),
        };
        zh.Append(Inv($"第{rank}名：{modeZh}约{c.TravelMinutes:0}分钟（约{km:0.0}公里）"));
        en.Append(Inv($"#{rank}: {c.TravelMinutes:0} min {modeEn} (~{km:0.0} km)"));
        if (!c.Open && c.ServedFrom is { } opens)
        {
            zh.Append(Inv($" + 等待开门{c.MinutesUntilOpen:0}分钟（{OpensText(opens)}）"));
            en.Append(Inv($" + {c.MinutesUntilOpen:0} min until it opens ({opens.ToOffset(Common.ChinaTime.Offset):ddd HH:mm})"));
        }

        if (c.Entry.Point.Categories.Count == 0)
        {
            zh.Append(" + 自助设备无需排队");
            en.Append(" + no queue (self-service)");
        }
        else if (!c.LiveWait)
        {
            zh.Append(" + 开门后排队从零开始");
            en.Append(" + the queue starts afresh at opening");
        }
        else if (c.BaseWaitMinutes is { } wait)
        {
            var waiting = c.Entry.Cell.Live?.WaitingTotal ?? 0;
            zh.Append(Inv($" + 预计等候{wait}分钟（现有{waiting}人排队）"));
            en.Append(Inv($" + {wait} min predicted wait ({waiting} waiting)"));
        }
        else
        {
            zh.Append(" + 暂无实时排队数据，按0分钟计");
            en.Append(" + no live queue figure, counted as 0 min");
        }

        if (c.HerdingMinutes > 0)
        {
            zh.Append(Inv($" + 已推荐约{c.ExpectedAhead:0.#}人先到，计{c.HerdingMinutes:0}分钟"));
            en.Append(Inv($" + {c.HerdingMinutes:0} min for ~{c.ExpectedAhead:0.#} people already sent here who arrive first"));
        }

        zh.Append(Inv($" = 合计{c.TotalMinutes:0}分钟"));
        en.Append(Inv($" = {c.TotalMinutes:0} min total"));
        if (!c.Open)
        {
            zh.Append("；到达时不开放：").Append(c.ClosedReason);
            en.Append("; closed at arrival");
        }

        if (next is not null && next.Servable == c.Servable)
        {
            var gain = next.TotalMinutes - c.TotalMinutes;
            zh.Append(Inv($"；比下一名快{gain:0}分钟"));
            en.Append(Inv($"; {gain:0} min ahead of the next"));
        }

        switch (c.TravelSource)
        {
            case TravelSource.Osrm:
                zh.Append("；路程时间来自路网（OSRM）");
                en.Append("; travel time routed by OSRM");
                break;
            case TravelSource.GreatCircleFallback:
                zh.Append("；路网服务不可用，按直线距离×绕行系数估算");
                en.Append("; routing (OSRM) unavailable").Append(travelNote is null ? string.Empty : $" ({travelNote})").Append(", great-circle × detour estimate");
                break;
            default:
                zh.Append("；路程按直线距离×绕行系数估算");
                en.Append("; great-circle × detour estimate");
                break;
        }

        return zh.Append(" | ").Append(en).ToString();
    }

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private static readonly string[] WeekdaysZh = ["周日", "周一", "周二", "周三", "周四", "周五", "周六"];

    /// <summary>When a point opens, as the map page shows it: 「周一 09:00 开门」 (Beijing time).</summary>
    public static string OpensText(DateTimeOffset opens)
    {
        var local = opens.ToOffset(Common.ChinaTime.Offset);
        return Inv($"{WeekdaysZh[(int)local.DayOfWeek]} {local:HH:mm} 开门");
    }
}
