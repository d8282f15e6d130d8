using System.Text.Json;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using TongBan.Grains.Common;

namespace TongBan.Grains.Catalogue;

/// <summary>What became of a publication.</summary>
public enum CataloguePublishOutcome
{
    /// <summary>Stored as the next batch.</summary>
    Published,

    /// <summary>The same batch was already published under this number (a client's retry): nothing changed.</summary>
    Repeated,

    /// <summary>Refused; <see cref="CataloguePublishReply.Problems"/> says why.</summary>
    Invalid,

    /// <summary>Another batch already holds this number, or the number skips one; <see cref="CataloguePublishReply.NextNumber"/> is the one to publish.</summary>
    Conflict,
}

[GenerateSerializer, Immutable]
public sealed record CataloguePublishReply(
    [property: Id(0)] CataloguePublishOutcome Outcome,
    [property: Id(1)] CatalogueBatch? Batch,
    [property: Id(2)] IReadOnlyList<string> Problems,
    [property: Id(3)] int NextNumber);

/// <summary>
/// The province's published catalogue batches beyond the seeded ones (key <see cref="Key"/>): the durable record
/// each silo's <see cref="ServiceCatalogue"/> is loaded from. Publishing is validated, numbered (the batch number is
/// the catalogue version a case stores) and idempotent by number.
/// </summary>
public interface ICatalogueGrain : IGrainWithStringKey
{
    public const string Key = "guizhou";

    /// <summary>Publishes <paramref name="batch"/> as the next batch; its Published date is set to today (China time).</summary>
    Task<CataloguePublishReply> Publish(CatalogueBatch batch);

    /// <summary>Every batch: the seeded ones, then those published here, oldest first.</summary>
    [ReadOnly] // a read of the list; interleaving with other reads is safe
    Task<IReadOnlyList<CatalogueBatch>> All();
}

[GenerateSerializer]
public sealed class CatalogueState
{
    /// <summary>Batches published after the seed, oldest first.</summary>
    [Id(0)]
    public List<CatalogueBatch> Published { get; set; } = [];
}

/// <remarks>Concurrency: not reentrant (the default), so two publications are checked and written one after the other.</remarks>
public sealed partial class CatalogueGrain(
    [PersistentState("catalogue", StorageNames.Default)] IPersistentState<CatalogueState> state,
    ServiceCatalogue catalogue,
    TimeProvider clock,
    ILogger<CatalogueGrain> logger) : Grain, ICatalogueGrain
{
    private static readonly JsonSerializerOptions Fingerprinting = new();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        try
        {
            catalogue.Load(Batches());
        }
        catch (CatalogueException e)
        {
            // The seed changed under stored batches: the silo keeps what it has, and the log says what no longer replays.
            LogUnreplayable(logger, e.Message);
        }

        return base.OnActivateAsync(cancellationToken);
    }

    public Task<IReadOnlyList<CatalogueBatch>> All() => Task.FromResult<IReadOnlyList<CatalogueBatch>>(Batches());

    public async Task<CataloguePublishReply> Publish(CatalogueBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var today = ChinaTime.Today(clock);
        var existing = Batches();
        var next = existing[^1].Number + 1;
        if (batch.Number < next)
        {
            // A retry of the same publication answers the stored batch; anything else under a used number is a conflict.
            var stored = state.State.Published.FirstOrDefault(b => b.Number == batch.Number);
            return stored is not null && Fingerprint(stored) == Fingerprint(batch with { Published = stored.Published, EffectiveFrom = batch.EffectiveFrom ?? stored.EffectiveFrom })
                ? new CataloguePublishReply(CataloguePublishOutcome.Repeated, stored, [], next)
                : new CataloguePublishReply(CataloguePublishOutcome.Conflict, null,
                    [$"第 {batch.Number} 批已经发布，下一批的批次号为 {next}。 Batch {batch.Number} is already published; the next batch is {next}."], next);
        }

        if (batch.Number > next)
        {
            return new CataloguePublishReply(CataloguePublishOutcome.Conflict, null,
                [$"批次号不能跳号，下一批的批次号为 {next}。 Batch numbers do not skip; the next batch is {next}."], next);
        }

        var candidate = batch with { Published = today, EffectiveFrom = batch.EffectiveFrom ?? today };
        var problems = CataloguePublishing.Check(existing, candidate, today);
        if (problems.Count > 0)
        {
            return new CataloguePublishReply(CataloguePublishOutcome.Invalid, null, problems, next);
        }

        state.State.Published.Add(candidate);
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            state.State.Published.RemoveAt(state.State.Published.Count - 1);
            throw;
        }

        catalogue.Load(Batches());
        LogPublished(logger, candidate.Number, candidate.EffectiveFrom!.Value, candidate.Added.Count, candidate.Amended.Count, candidate.Withdrawn.Count);
        return new CataloguePublishReply(CataloguePublishOutcome.Published, candidate, [], next + 1);
    }

    private List<CatalogueBatch> Batches() => [.. CatalogueSeed.Batches, .. state.State.Published];

    private static string Fingerprint(CatalogueBatch batch) => JsonSerializer.Serialize(batch, Fingerprinting);

    [LoggerMessage(Level = LogLevel.Information, Message = "Catalogue batch {Number} published, in force from {EffectiveFrom}: {Added} added, {Amended} amended, {Withdrawn} withdrawn")]
    private static partial void LogPublished(ILogger logger, int number, DateOnly effectiveFrom, int added, int amended, int withdrawn);

    [LoggerMessage(Level = LogLevel.Error, Message = "Stored catalogue batches no longer replay on the seed: {Problems}")]
    private static partial void LogUnreplayable(ILogger logger, string problems);
}
