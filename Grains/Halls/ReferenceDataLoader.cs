using Microsoft.Extensions.Logging;
using TongBan.Grains.Regions;

namespace TongBan.Grains.Halls;

/// <summary>
/// Seeds the generated service points into the store (idempotent: existing codes are left as
/// they are, so operator edits survive) and loads the silo's directory from the store. Points stored before
/// the seed listed items (an empty item list) get the generated list once: an empty list is never an edit the
/// admin API makes on purpose, and the map's item filter needs it.
/// </summary>
public sealed partial class ReferenceDataLoader(
    RegionCatalog regions, IServicePointStore store, ServicePointDirectory directory, ILogger<ReferenceDataLoader> logger)
{
    public async Task<int> SeedAndLoadAsync(CancellationToken cancellationToken)
    {
        var generated = ServicePointSeed.Generate(regions);
        var added = await store.AddMissingAsync(generated, cancellationToken);
        var stored = await store.LoadAllAsync(cancellationToken);
        var seeded = generated.ToDictionary(p => p.Code, StringComparer.Ordinal);
        var backfilled = 0;
        foreach (var point in stored.Where(p => p.ItemCodes.Count == 0))
        {
            if (seeded.TryGetValue(point.Code, out var fresh) && fresh.ItemCodes.Count > 0)
            {
                await store.UpsertAsync(point with { ItemCodes = fresh.ItemCodes }, cancellationToken);
                backfilled++;
            }
        }

        if (backfilled > 0)
        {
            stored = await store.LoadAllAsync(cancellationToken);
        }

        directory.Load(stored);
        LogLoaded(logger, generated.Count, added, stored.Count, regions.All.Count);
        return added;
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Reference data: {Generated} service points generated, {Added} newly stored, {Loaded} loaded; {Regions} regions")]
    private static partial void LogLoaded(ILogger logger, int generated, int added, int loaded, int regions);
}
