using Orleans.Concurrency;
using TongBan.Grains.Common;

namespace TongBan.Grains.Hotline;

/// <summary>Keys of the hotline boxes: a department's (as the case inbox) and a hall manager's.</summary>
public static class HotlineBoxKeys
{
    public static string Department(string departmentCode, string regionCode) => $"{departmentCode}/{regionCode}";

    /// <summary>A hall's box: complaints about its conduct, answered by its manager. The prefix keeps it apart from department keys.</summary>
    public static string Hall(string hallCode) => "hall:" + hallCode;
}

/// <summary>
/// A department's hotline box (<c>{departmentCode}/{regionCode}</c>, like the case inbox): open urges
/// and complaints on its cases, with the day the answer is due. Kept current by the case hotline logs.
/// </summary>
public interface IHotlineBoxGrain : IGrainWithStringKey
{
    Task Upsert(HotlineWorkItem item);

    Task Remove(string caseNo, int seq);

    /// <summary>Interleaves safely: a synchronous read of the in-memory list. Oldest due first.</summary>
    [AlwaysInterleave]
    Task<IReadOnlyList<HotlineWorkItem>> List();
}

[GenerateSerializer]
public sealed class HotlineBoxState
{
    /// <summary>Keyed <c>{caseNo}#{seq}</c>.</summary>
    [Id(0)]
    public Dictionary<string, HotlineWorkItem> Items { get; set; } = new(StringComparer.Ordinal);
}

public sealed class HotlineBoxGrain(
    [PersistentState("hotlinebox", StorageNames.Default)] IPersistentState<HotlineBoxState> state) : Grain, IHotlineBoxGrain
{
    public async Task Upsert(HotlineWorkItem item)
    {
        var key = $"{item.CaseNo}#{item.Seq}";
        if (state.State.Items.TryGetValue(key, out var known) && known == item)
        {
            return;
        }

        state.State.Items[key] = item;
        await state.WriteStateAsync();
    }

    public async Task Remove(string caseNo, int seq)
    {
        if (state.State.Items.Remove($"{caseNo}#{seq}"))
        {
            await state.WriteStateAsync();
        }
    }

    public Task<IReadOnlyList<HotlineWorkItem>> List() => Task.FromResult<IReadOnlyList<HotlineWorkItem>>(
        [.. state.State.Items.Values.OrderBy(i => i.ResponseDue).ThenBy(i => i.At).ThenBy(i => i.CaseNo, StringComparer.Ordinal)]);
}
