using TongBan.Grains.Common;

namespace TongBan.Grains.Cases;

[GenerateSerializer]
public sealed class InboxState
{
    [Id(0)]
    public Dictionary<string, CaseSummary> Cases { get; set; } = new(StringComparer.Ordinal);
}

public sealed class DepartmentInboxGrain(
    [PersistentState("inbox", StorageNames.Default)] IPersistentState<InboxState> state) : Grain, IDepartmentInboxGrain
{
    public async Task Upsert(CaseSummary summary)
    {
        if (state.State.Cases.TryGetValue(summary.CaseNo, out var known) && known == summary)
        {
            return;
        }

        state.State.Cases[summary.CaseNo] = summary;
        await state.WriteStateAsync();
    }

    public async Task Remove(string caseNo)
    {
        if (state.State.Cases.Remove(caseNo))
        {
            await state.WriteStateAsync();
        }
    }

    /// <summary>Overdue first, then warnings, then by due date.</summary>
    public Task<IReadOnlyList<CaseSummary>> List() => Task.FromResult<IReadOnlyList<CaseSummary>>(
        [.. state.State.Cases.Values
            .OrderBy(c => c.Stage switch { "overdue" => 0, "warning" => 1, _ => 2 })
            .ThenBy(c => c.DueDate ?? DateOnly.MaxValue)
            .ThenBy(c => c.CaseNo, StringComparer.Ordinal)]);
}
