using TongBan.Grains.Common;

namespace TongBan.Grains.Cases;

[GenerateSerializer]
public sealed class CaseNumberState
{
    [Id(0)]
    public int Last { get; set; }
}

/// <summary>Persists each allocation before answering, so a number is never handed out twice, even across a crash.</summary>
public sealed class CaseNumberGrain(
    [PersistentState("casenumbers", StorageNames.Default)] IPersistentState<CaseNumberState> state) : Grain, ICaseNumberGrain
{
    public async Task<int> Next()
    {
        state.State.Last++;
        await state.WriteStateAsync();
        return state.State.Last;
    }
}
