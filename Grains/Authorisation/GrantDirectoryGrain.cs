using TongBan.Grains.Common;

namespace TongBan.Grains.Authorisation;

/// <summary>State of <see cref="GrantDirectoryGrain"/>: grant id → (grantor key, grantee code).</summary>
[GenerateSerializer]
public sealed class GrantDirectoryState
{
    [Id(0)]
    public Dictionary<string, GrantLocation> Grants { get; set; } = new(StringComparer.Ordinal);
}

[GenerateSerializer, Immutable]
public sealed record GrantLocation([property: Id(0)] string GrantorKey, [property: Id(1)] string GranteeCode);

/// <summary>
/// The index of grant ids. An id is reserved here before its grant book records it, so every recorded grant can be
/// found by id (to revoke it) and by grantee; a reservation whose grant was never recorded is harmless (the grant
/// book answers "no such grant") and a retry with the same id completes it.
/// </summary>
public sealed class GrantDirectoryGrain(
    [PersistentState("grantDirectory", StorageNames.Default)] IPersistentState<GrantDirectoryState> state) : Grain, IGrantDirectoryGrain
{
    public async Task<string?> Reserve(string grantId, string grantorKey, string granteeCode)
    {
        if (state.State.Grants.TryGetValue(grantId, out var existing))
        {
            return existing.GrantorKey == grantorKey ? null : existing.GrantorKey;
        }

        state.State.Grants[grantId] = new GrantLocation(grantorKey, granteeCode);
        await state.WriteStateAsync();
        return null;
    }

    public Task<string?> GrantorOf(string grantId) =>
        Task.FromResult(state.State.Grants.TryGetValue(grantId, out var location) ? location.GrantorKey : null);

    public Task<IReadOnlyList<string>> GrantorsOfGrantee(string granteeCode) =>
        Task.FromResult<IReadOnlyList<string>>([.. state.State.Grants.Values
            .Where(l => string.Equals(l.GranteeCode, granteeCode, StringComparison.Ordinal))
            .Select(l => l.GrantorKey).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)]);
}
