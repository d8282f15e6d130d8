namespace TongBan.Grains.Catalogue;

/// <summary>
/// The catalogue as of a list of published batches, replayed in order: the current item set, each
/// item's version history, search and the per-sector 全省通办 share. Immutable once built, so one
/// instance can be shared by every grain on a silo.
/// </summary>
public sealed class ServiceCatalogue
{
    private readonly Dictionary<string, List<ItemVersion>> history;
    private readonly SortedDictionary<string, ServiceItem> current;

    private ServiceCatalogue(IReadOnlyList<CatalogueBatch> batches, Dictionary<string, List<ItemVersion>> history, SortedDictionary<string, ServiceItem> current)
    {
        Batches = batches;
        this.history = history;
        this.current = current;
        Items = [.. current.Values];
    }

    public IReadOnlyList<CatalogueBatch> Batches { get; }

    /// <summary>The latest batch number replayed (0 when empty).</summary>
    public int LatestBatch => Batches.Count == 0 ? 0 : Batches[^1].Number;

    /// <summary>Items in force, by code; withdrawn items are not included.</summary>
    public IReadOnlyList<ServiceItem> Items { get; }

    /// <summary>The shipped batches (<see cref="CatalogueSeed"/>).</summary>
    public static ServiceCatalogue Seeded() => Replay(CatalogueSeed.Batches);

    /// <summary>
    /// Replays <paramref name="batches"/>. Numbers must increase and dates must not go back; within
    /// a batch a code appears once; an added code must not be in force (re-adding a withdrawn item is
    /// allowed); amended and withdrawn codes must be in force; every item must pass
    /// <see cref="ServiceItem.Problems"/>.
    /// </summary>
    /// <exception cref="CatalogueException">With every problem found.</exception>
    public static ServiceCatalogue Replay(IEnumerable<CatalogueBatch> batches)
    {
        ArgumentNullException.ThrowIfNull(batches);
        var list = batches.ToList();
        var problems = new List<string>();
        var history = new Dictionary<string, List<ItemVersion>>(StringComparer.Ordinal);
        var current = new SortedDictionary<string, ServiceItem>(StringComparer.Ordinal);
        CatalogueBatch? previous = null;

        foreach (var batch in list)
        {
            if (previous is not null && batch.Number <= previous.Number)
            {
                problems.Add($"Batch {batch.Number} comes after batch {previous.Number}; numbers must increase.");
            }

            if (previous is not null && batch.Published < previous.Published)
            {
                problems.Add($"Batch {batch.Number} is dated before batch {previous.Number}.");
            }

            var codes = batch.Added.Select(i => i.Code).Concat(batch.Amended.Select(i => i.Code)).Concat(batch.Withdrawn);
            foreach (var duplicate in codes.GroupBy(c => c, StringComparer.Ordinal).Where(g => g.Count() > 1))
            {
                problems.Add($"Batch {batch.Number} names item {duplicate.Key} more than once.");
            }

            foreach (var item in batch.Added)
            {
                if (current.ContainsKey(item.Code))
                {
                    problems.Add($"Batch {batch.Number} adds {item.Code}, which is already in force; amend it instead.");
                    continue;
                }

                Record(batch, ItemChange.Added, item.Code, item);
            }

            foreach (var item in batch.Amended)
            {
                if (!current.ContainsKey(item.Code))
                {
                    problems.Add($"Batch {batch.Number} amends {item.Code}, which is not in force.");
                    continue;
                }

                Record(batch, ItemChange.Amended, item.Code, item);
            }

            foreach (var code in batch.Withdrawn)
            {
                if (!current.ContainsKey(code))
                {
                    problems.Add($"Batch {batch.Number} withdraws {code}, which is not in force.");
                    continue;
                }

                Record(batch, ItemChange.Withdrawn, code, null);
            }

            previous = batch;
        }

        if (problems.Count > 0)
        {
            throw new CatalogueException(problems);
        }

        return new ServiceCatalogue(list, history, current);

        void Record(CatalogueBatch batch, ItemChange change, string code, ServiceItem? item)
        {
            if (item is not null)
            {
                problems.AddRange(item.Problems().Select(p => $"Batch {batch.Number}: {p}"));
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

    /// <summary>The item in force, or null (unknown or withdrawn).</summary>
    public ServiceItem? Find(string? code) => code is null ? null : current.GetValueOrDefault(code);

    /// <summary>Every version of an item, oldest first (empty for an unknown code).</summary>
    public IReadOnlyList<ItemVersion> History(string code) =>
        history.TryGetValue(code, out var versions) ? versions : [];

    /// <summary>
    /// The version in force just after batch <paramref name="batchNumber"/>: a case keeps the rules of
    /// the version it was submitted under even after a later amendment or withdrawal.
    /// </summary>
    public ServiceItem? VersionAt(string code, int batchNumber) =>
        History(code).LastOrDefault(v => v.BatchNumber <= batchNumber)?.Item;

    /// <summary>The batch that produced the version in force (for <c>CaseState.ItemBatch</c>), or 0.</summary>
    public int CurrentBatchOf(string code) =>
        current.ContainsKey(code) ? History(code)[^1].BatchNumber : 0;

    /// <summary>The catalogue as it stood after <paramref name="batchNumber"/> (for reports on the first batch).</summary>
    public ServiceCatalogue AsOf(int batchNumber) => Replay(Batches.Where(b => b.Number <= batchNumber));

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
}
