using Microsoft.Extensions.Logging;
using TongBan.Grains.Common;
using TongBan.Grains.Live;

namespace TongBan.Grains.Ratings;

/// <summary>A follow-up step's answer: the rating after it, or why it was refused.</summary>
[GenerateSerializer, Immutable]
public sealed record FollowUpReply([property: Id(0)] RatingView? View, [property: Id(1)] RatingRefusal? Refusal)
{
    public bool Succeeded => Refusal is null;
}

/// <summary>The <c>ratingFollowUpChanged</c> push: no rater data, no comment.</summary>
[GenerateSerializer, Immutable]
public sealed record FollowUpChanged(
    [property: Id(0)] string RatingId,
    [property: Id(1)] string? HallCode,
    [property: Id(2)] string? OwnerDepartment,
    [property: Id(3)] int Level,
    [property: Id(4)] string Stage,
    [property: Id(5)] DateOnly ReturnVisitDue,
    [property: Id(6)] DateOnly ReplyDue,
    [property: Id(7)] bool Overdue,
    [property: Id(8)] string? Appeal);

/// <summary>
/// One rating (keyed by its id, e.g. <c>T-520102-H001-20261124-A012</c>): its view, and for a 差评 the
/// follow-up (核实 → 整改 → 反馈 → 复评) and the appeal. Activated only when someone reads or works on a
/// rating, never for the intake of a good one.
/// </summary>
public interface IRatingGrain : IGrainWithStringKey
{
    Task<RatingView?> Get();

    Task<FollowUpReply> Act(FollowUpCommand command);

    /// <summary>From the sweep: flags each newly missed deadline once; returns how many were flagged.</summary>
    Task<int> FlagOverdue();
}

/// <summary>
/// Non-reentrant: follow-up steps apply one at a time, each committed (event + follow-up row + exclusion)
/// in one store transaction with an optimistic version, so even a duplicate activation cannot apply two
/// steps from the same version. An upheld appeal sends −1 deltas to the rating's roll-ups the way the
/// intake sends its +1 (the stored exclusion is what recounts use).
/// </summary>
public sealed partial class RatingGrain(
    IRatingStore store,
    RatingOptions options,
    TimeProvider clock,
    ILogger<RatingGrain> logger) : Grain, IRatingGrain
{
    private readonly FollowUpRules rules = new(options);
    private StoredRating? current;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        current = await store.LoadAsync(this.GetPrimaryKeyString(), cancellationToken);
        await NotifyFollowUpReplies(current, null);
    }

    public async Task<RatingView?> Get()
    {
        await ReloadIfMissing();
        return current?.View;
    }

    public async Task<FollowUpReply> Act(FollowUpCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        await ReloadIfMissing();
        if (current is null)
        {
            return new FollowUpReply(null, new RatingRefusal(RatingRefusalKind.UnknownTarget, "unknownRating", "无此评价 (no such rating)"));
        }

        if (current.FollowUp is not { } followUp)
        {
            return new FollowUpReply(null, new RatingRefusal(RatingRefusalKind.NotAllowed, "noFollowUp",
                "非差评，无需整改或申诉 (only a 差评 has a follow-up and can be appealed)", []));
        }

        var now = ChinaTime.Now(clock);
        var result = rules.Apply(followUp, current.Rating, command, now);
        if (!result.Succeeded)
        {
            return new FollowUpReply(null, result.Refusal);
        }

        if (!await store.CommitFollowUpAsync(result.State!, result.Event!, result.Exclusion, CancellationToken.None))
        {
            // Another writer got there first (a duplicate activation): reload and let the caller retry.
            current = await store.LoadAsync(this.GetPrimaryKeyString(), CancellationToken.None);
            return new FollowUpReply(null, new RatingRefusal(RatingRefusalKind.VersionConflict, "versionConflict", "评价已被他人更新，请刷新 (changed meanwhile; reload)"));
        }

        current = current with
        {
            FollowUp = result.State,
            Exclusion = result.Exclusion ?? current.Exclusion,
            Events = [.. current.Events, result.Event!],
        };
        LogStep(logger, current.Rating.Id, result.Event!.Kind, result.State!.Stage, result.Event.ActorRole);

        if (result.Exclusion is { } exclusion)
        {
            await RatingIntakeGrain.ApplyEverywhere(GrainFactory, current.Rating.Scopes, RollupDelta.Excluded(current.Rating, exclusion), logger);
        }

        await PublishFollowUp(GrainFactory, current.Rating, result.State!, ChinaTime.Today(clock));
        await NotifyFollowUpReplies(current, result.Event);
        return new FollowUpReply(current.View, null);
    }

    /// <summary>A read before the rating existed must not hide it for the rest of this activation.</summary>
    private async Task ReloadIfMissing() => current ??= await store.LoadAsync(this.GetPrimaryKeyString(), CancellationToken.None);

    public async Task<int> FlagOverdue()
    {
        var flagged = 0;
        for (var i = 0; i < 2; i++)
        {
            var reply = await Act(new FollowUpCommand(FollowUpAction.FlagOverdue, FollowUpActor.System));
            if (!reply.Succeeded)
            {
                break;
            }

            flagged++;
        }

        return flagged;
    }

    /// <summary>Tells the owner hall's and the region's dashboards that a follow-up opened, moved on or went overdue.</summary>
    public static async Task PublishFollowUp(IGrainFactory grains, RatingRecord rating, FollowUpState followUp, DateOnly? today = null)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(rating);
        ArgumentNullException.ThrowIfNull(followUp);
        var payload = new FollowUpChanged(
            rating.Id, followUp.OwnerHall, followUp.OwnerDepartment, rating.Level, FollowUpRules.Camel(followUp.Stage.ToString()),
            followUp.ReturnVisitDue, followUp.ReplyDue, today is { } d && followUp.Overdue(d),
            followUp.Appeal is { } appeal ? FollowUpRules.Camel(appeal.Status.ToString()) : null);
        if (followUp.OwnerHall is { } hall)
        {
            await grains.PublishLive(new LiveMessage(LiveGroups.Hall(hall), RatingLive.FollowUpChanged, payload, "followup:" + rating.Id));
        }

        await grains.PublishLive(new LiveMessage(LiveGroups.Region(followUp.RegionCode), RatingLive.FollowUpChanged, payload, "followup-region:" + rating.Id));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Rating {RatingId}: {Event} → {Stage} by {Role}")]
    private static partial void LogStep(ILogger logger, string ratingId, RatingEventKind @event, FollowUpStage stage, string role);
}

/// <summary>The overdue check of follow-ups (超期预警): hourly, by a durable reminder.</summary>
public interface IRatingFollowUpSweepGrain : IGrainWithIntegerKey
{
    /// <summary>Registers the hourly reminder if it is not registered yet; the intake calls it when a 差评 opens a follow-up.</summary>
    [Orleans.Concurrency.OneWay]
    Task EnsureScheduled();

    /// <summary>Flags every newly missed deadline now; returns how many flags were set.</summary>
    Task<int> Sweep();
}

/// <summary>
/// One per cluster (key 0). It only lists newly overdue follow-ups from the store and asks each rating
/// grain to flag itself, so the follow-up rules stay with their single writer. A durable reminder, so
/// a restart or a silo loss does not stop the check; the flags are idempotent (set once per deadline).
/// </summary>
public sealed partial class RatingFollowUpSweepGrain(
    IRatingStore store,
    TimeProvider clock,
    ILogger<RatingFollowUpSweepGrain> logger) : Grain, IRatingFollowUpSweepGrain, IRemindable
{
    public const string ReminderName = "followup-overdue";
    public static readonly TimeSpan Period = TimeSpan.FromHours(1);
    private const int Batch = 200;

    private bool scheduled;

    public async Task EnsureScheduled()
    {
        if (scheduled)
        {
            return;
        }

        if (await this.GetReminder(ReminderName) is null)
        {
            await this.RegisterOrUpdateReminder(ReminderName, TimeSpan.FromMinutes(1), Period);
        }

        scheduled = true;
    }

    public async Task<int> Sweep()
    {
        var today = ChinaTime.Today(clock);
        var flagged = 0;
        for (var round = 0; round < 100; round++)
        {
            var ids = await store.NewlyOverdueAsync(today, Batch, CancellationToken.None);
            var results = await Task.WhenAll(ids.Select(id => GrainFactory.GetGrain<IRatingGrain>(id).FlagOverdue()));
            flagged += results.Sum();
            if (ids.Count < Batch || results.Sum() == 0)
            {
                break;
            }
        }

        if (flagged > 0)
        {
            LogSwept(logger, flagged, today);
        }

        return flagged;
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => reminderName == ReminderName ? Sweep() : Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Rating follow-ups: {Flagged} deadline(s) flagged overdue as of {Today}")]
    private static partial void LogSwept(ILogger logger, int flagged, DateOnly today);
}
