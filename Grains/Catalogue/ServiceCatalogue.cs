using TongBan.Grains.Common;

namespace TongBan.Grains.Catalogue;

/// <summary>
/// The catalogue as of a list of published batches, replayed in order: the item set in force, each item's version
/// history, search and the per-sector 全省通办 share. A batch is in force from its effective date (China time) on, so
/// the items answered change on that day by themselves. <see cref="Load"/> swaps in a longer list of batches (a batch
/// an admin published, <see cref="ICatalogueGrain"/>) atomically; readers always see one consistent replay, so one
/// instance can be shared by every grain and endpoint on a silo.
/// </summary>
public sealed class ServiceCatalogue
{
    private readonly TimeProvider clock;
    private readonly int? pinned;
    private readonly Lock gate = new();
    private volatile Chain chain;

    private ServiceCatalogue(Chain chain, TimeProvider clock, int? pinned)
    {
        this.chain = chain;
        this.clock = clock;
        this.pinned = pinned;
    }

    /// <summary>Every known batch, in force or scheduled (effective later), oldest first.</summary>
    public IReadOnlyList<CatalogueBatch> Batches => chain.Batches;

    /// <summary>The batches in force today (a prefix of <see cref="Batches"/>: effective dates never go back).</summary>
    public IReadOnlyList<CatalogueBatch> InForceBatches => [.. chain.Batches.Take(InForceCount(chain))];

    /// <summary>The latest batch number in force (0 when none).</summary>
    public int LatestBatch => InForceCount(chain) is var n and > 0 ? chain.Batches[n - 1].Number : 0;

    /// <summary>Items in force, by code; withdrawn items are not included.</summary>
    public IReadOnlyList<ServiceItem> Items => Current.Items;

    private Snapshot Current
    {
        get
        {
            var c = chain;
            return c.Prefixes[InForceCount(c)];
        }
    }

    /// <summary>The shipped batches (<see cref="CatalogueSeed"/>), in force by the given clock (the system clock when null).</summary>
    public static ServiceCatalogue Seeded(TimeProvider? clock = null) => new(Build(CatalogueSeed.Batches), clock ?? TimeProvider.System, null);

    /// <summary>
    /// Replays <paramref name="batches"/>. Numbers must increase and dates (published and effective) must not go back;
    /// within a batch a code appears once; an added code must not be in force (re-adding a withdrawn item is allowed);
    /// amended and withdrawn codes must be in force; every item must pass <see cref="ServiceItem.Problems"/>.
    /// </summary>
    /// <exception cref="CatalogueException">With every problem found.</exception>
    public static ServiceCatalogue Replay(IEnumerable<CatalogueBatch> batches, TimeProvider? clock = null) => new(Build(batches), clock ?? TimeProvider.System, null);

    /// <summary>
    /// Takes a longer list of batches (the seed plus those published since): the known batches must be its prefix.
    /// A list no longer than the current one changes nothing (a late refresh never goes back).
    /// </summary>
    /// <returns>True when the catalogue changed.</returns>
    /// <exception cref="CatalogueException">The list does not replay, or does not extend the current one.</exception>
    public bool Load(IReadOnlyList<CatalogueBatch> batches)
    {
        ArgumentNullException.ThrowIfNull(batches);
        lock (gate)
        {
            var known = chain.Batches;
            if (batches.Count <= known.Count)
            {
                return false;
            }

            for (var i = 0; i < known.Count; i++)
            {
                if (batches[i].Number != known[i].Number)
                {
                    throw new CatalogueException([$"第 {batches[i].Number} 批与已知的第 {known[i].Number} 批不一致。 Batch {batches[i].Number} does not extend the known batch {known[i].Number}."]);
                }
            }

            if (pinned is not null)
            {
                throw new InvalidOperationException("A catalogue pinned to a past batch (AsOf) does not take new batches.");
            }

            chain = Build(batches);
            return true;
        }
    }

    /// <summary>The date from which a batch is in force: its effective date, else its publication date.</summary>
    public static DateOnly EffectiveOf(CatalogueBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return batch.EffectiveFrom ?? batch.Published;
    }

    /// <summary>True when <paramref name="batchNumber"/> is known and in force today.</summary>
    public bool IsInForce(int batchNumber) => chain.Batches.Take(InForceCount(chain)).Any(b => b.Number == batchNumber);

    private int InForceCount(Chain c)
    {
        if (pinned is { } all)
        {
            return all;
        }

        var today = ChinaTime.Today(clock);
        var n = c.Batches.Count;
        while (n > 0 && EffectiveOf(c.Batches[n - 1]) > today)
        {
            n--;
        }

        return n;
    }

    private static Chain Build(IEnumerable<CatalogueBatch> batches)
    {
        ArgumentNullException.ThrowIfNull(batches);
        var list = batches.ToList();
        var problems = new List<string>();
        var history = new Dictionary<string, List<ItemVersion>>(StringComparer.Ordinal);
        var current = new SortedDictionary<string, ServiceItem>(StringComparer.Ordinal);
        var prefixes = new List<Snapshot> { Snapshot.Of(current, history) };
        CatalogueBatch? previous = null;

        foreach (var batch in list)
        {
            if (previous is not null && batch.Number <= previous.Number)
            {
                problems.Add($"第 {batch.Number} 批排在第 {previous.Number} 批之后，批次号须递增。 Batch {batch.Number} comes after batch {previous.Number}; numbers must increase.");
            }

            if (previous is not null && batch.Published < previous.Published)
            {
                problems.Add($"第 {batch.Number} 批的发布日期早于第 {previous.Number} 批。 Batch {batch.Number} is dated before batch {previous.Number}.");
            }

            if (previous is not null && EffectiveOf(batch) < EffectiveOf(previous))
            {
                problems.Add($"第 {batch.Number} 批的生效日期早于第 {previous.Number} 批。 Batch {batch.Number} takes effect before batch {previous.Number}.");
            }

            if (batch.EffectiveFrom is { } effective && effective < batch.Published)
            {
                problems.Add($"第 {batch.Number} 批的生效日期早于其发布日期。 Batch {batch.Number} takes effect before it is published.");
            }

            var codes = batch.Added.Select(i => i.Code).Concat(batch.Amended.Select(i => i.Code)).Concat(batch.Withdrawn);
            foreach (var duplicate in codes.GroupBy(c => c, StringComparer.Ordinal).Where(g => g.Count() > 1))
            {
                problems.Add($"第 {batch.Number} 批多次列出事项 {duplicate.Key}。 Batch {batch.Number} names item {duplicate.Key} more than once.");
            }

            foreach (var item in batch.Added)
            {
                if (current.ContainsKey(item.Code))
                {
                    problems.Add($"第 {batch.Number} 批新增的 {item.Code} 已在清单中，应作调整。 Batch {batch.Number} adds {item.Code}, which is already in force; amend it instead.");
                    continue;
                }

                Record(batch, ItemChange.Added, item.Code, item);
            }

            foreach (var item in batch.Amended)
            {
                if (!current.ContainsKey(item.Code))
                {
                    problems.Add($"第 {batch.Number} 批调整的 {item.Code} 不在清单中。 Batch {batch.Number} amends {item.Code}, which is not in force.");
                    continue;
                }

                Record(batch, ItemChange.Amended, item.Code, item);
            }

            foreach (var code in batch.Withdrawn)
            {
                if (!current.ContainsKey(code))
                {
                    problems.Add($"第 {batch.Number} 批取消的 {code} 不在清单中。 Batch {batch.Number} withdraws {code}, which is not in force.");
                    continue;
                }

                Record(batch, ItemChange.Withdrawn, code, null);
            }

            prefixes.Add(Snapshot.Of(current, history));
            previous = batch;
        }

        if (problems.Count > 0)
        {
            throw new CatalogueException(problems);
        }

        return new Chain(list, history, [.. prefixes]);

        void Record(CatalogueBatch batch, ItemChange change, string code, ServiceItem? item)
        {
            if (item is not null)
            {
                problems.AddRange(item.Problems().Select(p => $"第 {batch.Number} 批 Batch {batch.Number}: {p}"));
                current[code] = item;
            }
            else
            {
                current.Remove(code);
            }

            if (!history.TryGetValue(code, out var versions))
            {
                history[code] = versions = [];
            }

            versions.Add(new ItemVersion(batch.Number, batch.Published, change, item));
        }
    }

    /// <summary>The item in force, or null (unknown, withdrawn, or only in a batch not yet in force).</summary>
    public ServiceItem? Find(string? code) => code is null ? null : Current.ByCode.GetValueOrDefault(code);

    /// <summary>Every version of an item, oldest first, scheduled ones included (empty for an unknown code).</summary>
    public IReadOnlyList<ItemVersion> History(string code) =>
        chain.History.TryGetValue(code, out var versions) ? versions : [];

    /// <summary>
    /// The version in force just after batch <paramref name="batchNumber"/>: a case keeps the rules of
    /// the version it was submitted under even after a later amendment or withdrawal.
    /// </summary>
    public ServiceItem? VersionAt(string code, int batchNumber) =>
        History(code).LastOrDefault(v => v.BatchNumber <= batchNumber)?.Item;

    /// <summary>The batch that produced the version in force (for <c>CaseState.ItemBatch</c>), or 0.</summary>
    public int CurrentBatchOf(string code) => Current.BatchOf.GetValueOrDefault(code);

    /// <summary>
    /// The catalogue as it stood after <paramref name="batchNumber"/> (for reports on the first batch, and
    /// <c>GET /api/items?batch=</c>): every batch up to it counts as in force, whatever its effective date.
    /// </summary>
    public ServiceCatalogue AsOf(int batchNumber)
    {
        var batches = chain.Batches.Where(b => b.Number <= batchNumber).ToList();
        return new ServiceCatalogue(Build(batches), clock, batches.Count);
    }

    /// <summary>
    /// Items matching <paramref name="query"/> in their name (substring), code, or pinyin initials
    /// ("sfz" finds 居民身份证换领), optionally within one sector. Best matches first: exact name,
    /// name prefix, name substring, initials prefix, initials substring, code; then by code.
    /// An empty query lists the sector (or everything).
    /// </summary>
    public IReadOnlyList<ServiceItem> Search(string? query, Sector? sector = null, bool provinceWideOnly = false)
    {
        var q = query?.Trim() ?? string.Empty;
        var lower = q.ToLowerInvariant();
        var initials = new string([.. lower.Where(c => !char.IsWhiteSpace(c))]);
        var latinOnly = initials.Length > 0 && initials.All(char.IsAsciiLetterLower);

        return [.. Items
            .Where(i => sector is null || i.Sector == sector)
            .Where(i => !provinceWideOnly || i.ProvinceWide)
            .Select(i => (Item: i, Rank: Rank(i)))
            .Where(x => x.Rank < int.MaxValue)
            .OrderBy(x => x.Rank)
            .ThenBy(x => x.Item.Code, StringComparer.Ordinal)
            .Select(x => x.Item)];

        int Rank(ServiceItem item)
        {
            if (q.Length == 0)
            {
                return 0;
            }

            if (string.Equals(item.Name, q, StringComparison.Ordinal))
            {
                return 0;
            }

            if (item.Name.StartsWith(q, StringComparison.Ordinal))
            {
                return 1;
            }

            if (item.Name.Contains(q, StringComparison.Ordinal))
            {
                return 2;
            }

            if (latinOnly && item.PinyinInitials.StartsWith(initials, StringComparison.Ordinal))
            {
                return 3;
            }

            if (latinOnly && item.PinyinInitials.Contains(initials, StringComparison.Ordinal))
            {
                return 4;
            }

            return item.Code.Contains(lower, StringComparison.Ordinal) ? 5 : int.MaxValue;
        }
    }

    /// <summary>
    /// For each sector with items: how many items it has and how many are 全省通办. The denominator is
    /// every item of the sector in this catalogue (本行业事项), province-wide or not.
    /// </summary>
    public IReadOnlyList<SectorShare> SectorShares() =>
        [.. Enum.GetValues<Sector>()
            .Select(s => new SectorShare(s, Items.Count(i => i.Sector == s), Items.Count(i => i.Sector == s && i.ProvinceWide)))
            .Where(s => s.Items > 0)];

    /// <summary>One replay: every batch, every item's history, and the item set after each prefix of batches.</summary>
    private sealed record Chain(IReadOnlyList<CatalogueBatch> Batches, Dictionary<string, List<ItemVersion>> History, Snapshot[] Prefixes);

    private sealed record Snapshot(IReadOnlyList<ServiceItem> Items, Dictionary<string, ServiceItem> ByCode, Dictionary<string, int> BatchOf)
    {
        public static Snapshot Of(SortedDictionary<string, ServiceItem> current, Dictionary<string, List<ItemVersion>> history) => new(
            [.. current.Values],
            new Dictionary<string, ServiceItem>(current, StringComparer.Ordinal),
            current.Keys.ToDictionary(c => c, c => history[c][^1].BatchNumber, StringComparer.Ordinal));
    }
}
