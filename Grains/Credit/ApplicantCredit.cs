namespace TongBan.Grains.Credit;

/// <summary>
/// A person's credit when they are known under more than one keyed hash: after the switch to HMAC-SM3, findings on cases
/// opened before it land on the grain of the HMAC-SHA256 key, newer ones on the HMAC-SM3 key's. Merged on read rather
/// than forwarded: a grain holding only a hash cannot compute the other key, each grain's history is its own hash chain
/// (moving entries would break it), and the callers that know the raw ID number (admin endpoints, the case grain through
/// its sealed applicant record) pass every candidate key. Writes go to the grain of the key the caller acts under.
/// </summary>
public static class ApplicantCredit
{
    /// <summary>The merged view of a person's credit grains (<paramref name="keys"/>: their candidate keys, current first).</summary>
    public static async Task<CreditView> ViewAsync(IGrainFactory grains, IReadOnlyList<string> keys)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(keys);
        var views = await Task.WhenAll(keys.Distinct(StringComparer.Ordinal).Select(k => grains.GetGrain<IApplicantCreditGrain>(k).View()));
        return Merge(views);
    }

    /// <summary>The standing of a person known under <paramref name="keys"/>; one key asks its grain alone.</summary>
    public static async Task<CreditStanding> StandingAsync(IGrainFactory grains, IReadOnlyList<string> keys)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(keys);
        return keys.Count == 1
            ? await grains.GetGrain<IApplicantCreditGrain>(keys[0]).Standing()
            : (await ViewAsync(grains, keys)).Standing;
    }

    /// <summary>
    /// One history in time order (each change keeps its own grain's sequence number); the standing is the one the latest
    /// change set, so a rehabilitation under the new key outranks an older listing under the old key and vice versa; valid
    /// when every chain is. With no change anywhere, the first view's (unrecorded) standing. Pure.
    /// </summary>
    public static CreditView Merge(IReadOnlyList<CreditView> views)
    {
        ArgumentNullException.ThrowIfNull(views);
        if (views.Count == 1)
        {
            return views[0];
        }

        var history = views.SelectMany(v => v.History).OrderBy(c => c.At).ToList();
        return new CreditView(history.Count == 0 ? views[0].Standing : history[^1].To, history, views.All(v => v.HistoryValid));
    }
}
