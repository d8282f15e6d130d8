namespace TongBan.Grains.Catalogue;

/// <summary>
/// Rules for publishing the next batch of the catalogue (每年集中公布一次): what an admin's batch must satisfy on top of
/// the replay rules of <see cref="ServiceCatalogue"/>. Pure; every problem is reported in zh-CN with English after it.
/// </summary>
public static class CataloguePublishing
{
    /// <summary>No statutory limit beyond about a year of working days: a longer one is a typing error.</summary>
    public const int MaxLimitDays = 250;

    /// <summary>A batch takes effect at most this many days after it is published.</summary>
    public const int MaxDaysAhead = 366;

    public const int MaxMaterials = 30;

    public const int MaxCopies = 10;

    public const int MaxTitleLength = 100;

    /// <summary>
    /// Every problem of <paramref name="next"/> as the batch after <paramref name="existing"/>, published on
    /// <paramref name="today"/> (China time); empty when it may be published.
    /// </summary>
    public static IReadOnlyList<string> Check(IReadOnlyList<CatalogueBatch> existing, CatalogueBatch next, DateOnly today)
    {
        ArgumentNullException.ThrowIfNull(existing);
        ArgumentNullException.ThrowIfNull(next);
        var problems = new List<string>();
        var expected = existing.Count == 0 ? 1 : existing[^1].Number + 1;
        if (next.Number != expected)
        {
            problems.Add($"批次号须为 {expected}。 The batch number must be {expected}.");
        }

        if (string.IsNullOrWhiteSpace(next.Title) || next.Title.Length > MaxTitleLength)
        {
            problems.Add($"批次标题不能为空，且不超过 {MaxTitleLength} 字。 The title is required (at most {MaxTitleLength} characters).");
        }

        if (next.Added.Count + next.Amended.Count + next.Withdrawn.Count == 0)
        {
            problems.Add("批次没有新增、调整或取消任何事项。 The batch adds, amends and withdraws nothing.");
        }

        var effective = ServiceCatalogue.EffectiveOf(next);
        if (effective < today)
        {
            problems.Add($"生效日期 {effective:yyyy-MM-dd} 早于今天 {today:yyyy-MM-dd}，不能追溯生效。 effectiveFrom {effective:yyyy-MM-dd} is before today.");
        }
        else if (effective > today.AddDays(MaxDaysAhead))
        {
            problems.Add($"生效日期须在 {MaxDaysAhead} 天以内。 effectiveFrom must be within {MaxDaysAhead} days.");
        }

        foreach (var item in next.Added.Concat(next.Amended))
        {
            if (item.StatutoryLimitDays > MaxLimitDays)
            {
                problems.Add($"{item.Code}：法定办结时限 {item.StatutoryLimitDays} 个工作日超过上限 {MaxLimitDays} 个工作日。 {item.Code}: statutory limit {item.StatutoryLimitDays} working days is over {MaxLimitDays}.");
            }

            if (item.Materials.Count > MaxMaterials)
            {
                problems.Add($"{item.Code}：申请材料超过 {MaxMaterials} 项。 {item.Code}: more than {MaxMaterials} materials.");
            }

            if (item.Materials.Any(m => m.Copies > MaxCopies))
            {
                problems.Add($"{item.Code}：材料份数不超过 {MaxCopies} 份。 {item.Code}: at most {MaxCopies} copies of a material.");
            }

            if (item.ReviewPoints.Any(string.IsNullOrWhiteSpace))
            {
                problems.Add($"{item.Code}：审查要点不能为空。 {item.Code}: a review point is empty.");
            }
        }

        // The replay rules too (codes in force, duplicates, each item's own consistency), so one answer lists everything.
        try
        {
            ServiceCatalogue.Replay([.. existing, next with { Number = expected }]);
        }
        catch (CatalogueException e)
        {
            problems.AddRange(e.Problems);
        }

        return [.. problems.Distinct(StringComparer.Ordinal)];
    }
}
