using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using TongBan.Grains.Calendar;
using TongBan.Grains.Cases;
using TongBan.Grains.Common;
using TongBan.Grains.Halls;
using TongBan.Grains.Identity;
using TongBan.Grains.Live;
using TongBan.Grains.Queues;
using TongBan.Grains.Regions;
using TongBan.Grains.Windows;

namespace TongBan.Grains.Ratings;

/// <summary>The rating intake (好差评受理): checks a rating against its target, stores it once, and fans it out.</summary>
public interface IRatingIntakeGrain : IGrainWithIntegerKey
{
    /// <summary>A window finished a ticket: remember what was served, so it can be rated after the queue's day is gone.</summary>
    /// <remarks>
    /// One-way: the finish is already durable in the queue, which answers ratings for the rest of the day, so the
    /// caller does not wait for this write. Windows hand their records to the silo's <see cref="ServedTicketWriter"/>
    /// directly; this call goes through the same writer.
    /// </remarks>
    [OneWay]
    Task RecordServed(ServedTicket served);

    Task<RatingOutcome> Rate(RatingRequest request);
}

/// <summary>
/// A stateless worker (key 0, one or more activations per silo, called locally): every decision it makes
/// is either pure or read from the target's own grains, and the one thing that must be exclusive, one
/// rating per ticket or case, is the store's unique key, which holds across silos and duplicate
/// activations alike. So good ratings, the vast majority, never activate a per-rating grain.
/// After the append it sends the rating to every roll-up it counts in and waits (at most
/// <see cref="FanOutWait"/>) until they have applied it, so an acknowledged rating is already in the live
/// figures; a roll-up that cannot be reached in time is left to its recount (see <see cref="RatingRollupGrain"/>).
/// Reentrant: it holds no state between awaits, and its work is waiting on the store, so one activation
/// serves many ratings at once instead of one per activation (a stateless worker alone is one per core).
/// </summary>
[StatelessWorker]
[Reentrant]
public sealed partial class RatingIntakeGrain(
    IRatingStore store,
    ServedTicketWriter servedTickets,
    RatingOptions options,
    ServicePointDirectory directory,
    RegionCatalog regions,
    CalendarProvider calendar,
    TimeProvider clock,
    ILogger<RatingIntakeGrain> logger) : Grain, IRatingIntakeGrain
{
    /// <summary>
    /// How long a rating waits for its roll-ups before it is answered anyway: bounded, because a roll-up on a
    /// silo that just died is unreachable until membership notices (the rating is stored either way).
    /// </summary>
    public static readonly TimeSpan FanOutWait = TimeSpan.FromSeconds(2);

    private readonly FollowUpRules rules = new(options);

    public Task RecordServed(ServedTicket served)
    {
        servedTickets.Record(served);
        return Task.CompletedTask;
    }

    public async Task<RatingOutcome> Rate(RatingRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var now = ChinaTime.Now(clock);
        if (Validate(request) is { } invalid)
        {
            return new RatingOutcome(null, null, invalid);
        }

        var target = request.Target.Kind == RatingTargetKind.Ticket ? await ResolveTicket(request, now) : await ResolveCase(request);
        if (target.Refusal is not null)
        {
            return new RatingOutcome(null, null, target.Refusal);
        }

        if (RatingRules.CheckPeriod(target.EndedAt, target.LastAt, now, options.RatingWindowDays) is { } period)
        {
            return new RatingOutcome(null, null, period);
        }

        RatingRules.TryNormalizeText(request.Comment, options.CommentMaxLength, out var comment);
        var rating = new RatingRecord(
            request.Target, target.Subject!, RatingScopes.Of(target.Subject!, regions), request.Level, request.Channel,
            request.SubScores is { } scores && scores.HasAny() ? scores : null, comment, target.RaterKey,
            request.Proof.Kind is RaterProofKind.WindowPad or RaterProofKind.HotlineAgent ? request.Proof.Actor : null,
            target.EndedAt, now, DateOnly.FromDateTime(now.DateTime));
        var (followUp, opened) = rating.IsBad ? rules.Open(rating, calendar.Current) : (null, null);

        var append = await store.AppendAsync(rating, followUp, opened, CancellationToken.None);
        if (!append.Added)
        {
            var existing = append.Existing!;
            if (!existing.Rating.SameSubmission(rating))
            {
                return RatingOutcome.Refused(RatingRefusalKind.AlreadyRated, "alreadyRated",
                    $"该{(rating.Target.Kind == RatingTargetKind.Ticket ? "次服务" : "办件")}已评价，每次服务、每件事只评一次 (already rated: one rating per ticket and per case)");
            }

            // A retry of a stored rating (its first answer was lost, perhaps with its fan-out): send the
            // deltas again; roll-ups that already hold them ignore the repeat.
            await FanOut(existing.Rating, existing.FollowUp);
            return new RatingOutcome(existing.Rating, existing.FollowUp, null, Replayed: true);
        }

        LogRated(logger, rating.Id, rating.Level, rating.Channel, rating.Scopes.Count);
        await FanOut(rating, followUp);
        if (followUp is not null)
        {
            await GrainFactory.GetGrain<IRatingFollowUpSweepGrain>(0).EnsureScheduled();
        }

        return new RatingOutcome(rating, followUp, null);
    }

    private RatingRefusal? Validate(RatingRequest request)
    {
        if (!RatingLevels.IsValid(request.Level))
        {
            return new RatingRefusal(RatingRefusalKind.Invalid, "levelOutOfRange", "level 为 1–5 (level is 1..5, 5 = 非常满意)");
        }

        if (RatingRules.InvalidSubScore(request.SubScores) is { } bad)
        {
            return new RatingRefusal(RatingRefusalKind.Invalid, "subScoreOutOfRange", $"分项评价 {bad} 为 1–5 (sub-scores are 1..5)");
        }

        if (!RatingRules.TryNormalizeText(request.Comment, options.CommentMaxLength, out _))
        {
            return new RatingRefusal(RatingRefusalKind.Invalid, "commentTooLong", $"评价内容不超过 {options.CommentMaxLength} 字 (comment has at most {options.CommentMaxLength} characters)");
        }

        return RatingRules.CheckChannel(request.Channel, request.Proof);
    }

    private async Task<Resolved> ResolveTicket(RatingRequest request, DateTimeOffset now)
    {
        var t = request.Target;
        var unknown = Resolved.Refuse(Unknown($"无此取号记录 (no ticket {t.TicketNo} of {t.HallCode} on {t.Day!.Value.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)})"));
        if (request.Proof.Kind is not (RaterProofKind.TicketToken or RaterProofKind.WindowPad))
        {
            return Resolved.Refuse(new RatingRefusal(RatingRefusalKind.Forbidden, "proofRequired",
                "评价一次服务需要评价码或窗口评价器 (a ticket rating needs the slip's rating token or the window pad)"));
        }

        if (directory.Find(t.HallCode!) is not { } hall || !TicketNumber.TryParse(t.TicketNo, out var category, out _) ||
            hall.Categories.All(c => c.Code != category))
        {
            return unknown;
        }

        var served = await store.FindServiceAsync(hall.Code, t.Day!.Value, t.TicketNo!, CancellationToken.None);
        if (served is null && t.Day == DateOnly.FromDateTime(now.DateTime))
        {
            // Today the queue still knows the ticket: tell "not served yet" from "no such ticket", and cover
            // a finish whose service record was not written.
            var status = await FollowTransfers(hall.Code, category, t.TicketNo!);
            if (status is null)
            {
                return unknown;
            }

            if (status.Ticket is not { State: TicketState.Done, WindowNo: { } windowNo } done)
            {
                return Resolved.Refuse(new RatingRefusal(RatingRefusalKind.NotRateableYet, "ticketNotServed",
                    $"该号尚未办结，暂不能评价 (ticket {t.TicketNo} is {TicketWire.State(status.Ticket.State)}: only a served ticket can be rated)"));
            }

            var clerk = (await GrainFactory.GetGrain<IWindowGrain>(WindowKeys.Of(hall.Code, windowNo)).GetView()).Clerk;
            served = new ServedTicket(hall.Code, t.Day.Value, t.TicketNo!, done.Category, windowNo, clerk, done.FinishedAt ?? now);
            await store.RecordServiceAsync(served, CancellationToken.None);
        }

        if (served is null)
        {
            return unknown;
        }

        if (request.Proof.Kind == RaterProofKind.WindowPad && RatingRules.CheckPad(served, request.Proof, now, options.WindowPadMinutes) is { } pad)
        {
            return Resolved.Refuse(pad);
        }

        return new Resolved(RatingRules.SubjectOf(served, hall.RegionCode), served.FinishedAt, served.FinishedAt, null, null);
    }

    private async Task<Resolved> ResolveCase(RatingRequest request)
    {
        var caseNo = request.Target.CaseNo!;
        var view = await GrainFactory.GetGrain<ICaseGrain>(caseNo).Get();
        var proof = request.Proof;

        // Someone else's case answers exactly like a missing one: existence is not revealed.
        if (view is null || (proof.Kind == RaterProofKind.Applicant && !KeyedHash.Same(proof.RaterKey, view.State.ApplicantKey)))
        {
            return Resolved.Refuse(Unknown($"无此办件 (no case {caseNo})"));
        }

        if (proof.Kind is not (RaterProofKind.Applicant or RaterProofKind.HotlineAgent))
        {
            return Resolved.Refuse(new RatingRefusal(RatingRefusalKind.Forbidden, "applicantOnly",
                "办件由申请人本人或经 12345 评价 (a case is rated by its applicant, or through a 12345 agent)"));
        }

        var s = view.State;
        if (!RatingRules.IsFinished(s.Status) || s.CompletedAt is not { } completed)
        {
            return Resolved.Refuse(new RatingRefusal(RatingRefusalKind.NotRateableYet, "caseNotFinished",
                $"办件尚未办结，暂不能评价 (case is {CaseNames.Of(s.Status)}: only a completed or delivered case can be rated)"));
        }

        return new Resolved(RatingRules.SubjectOf(view), completed, s.Delivery?.At ?? completed, s.ApplicantKey, null);
    }

    private async Task<TicketStatus?> FollowTransfers(string hallCode, string category, string ticketNo)
    {
        var status = await GrainFactory.Line(hallCode, category).GetStatus(ticketNo);
        for (var hops = 0; hops < 8 && status?.Ticket is { State: TicketState.Transferred, TransferredTo: { } next }; hops++)
        {
            status = await GrainFactory.Line(hallCode, next).GetStatus(ticketNo) ?? status;
        }

        return status;
    }

    /// <summary>The delta to every roll-up the rating counts in, and the follow-up to the owner's dashboards.</summary>
    private async Task FanOut(RatingRecord rating, FollowUpState? followUp)
    {
        await ApplyEverywhere(GrainFactory, rating.Scopes, RollupDelta.Counted(rating), logger);
        if (followUp is not null)
        {
            await RatingGrain.PublishFollowUp(GrainFactory, rating, followUp);
        }
    }

    /// <summary>
    /// Sends a delta to roll-ups in parallel and waits for them, at most <see cref="FanOutWait"/>. A failure or
    /// timeout is logged, not thrown: the rating is stored, and the roll-up's recount repairs what it missed.
    /// </summary>
    public static async Task ApplyEverywhere(IGrainFactory grains, IReadOnlyList<string> scopes, RollupDelta delta, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(scopes);
        var applied = Task.WhenAll(scopes.Select(scope => grains.GetGrain<IRatingRollupGrain>(scope).Apply(delta)));
        try
        {
            await applied.WaitAsync(FanOutWait);
        }
        catch (Exception e)
        {
            _ = applied.ContinueWith(t => t.Exception, TaskScheduler.Default); // observe a late failure
            LogFanOutIncomplete(logger, e, delta.RatingId);
        }
    }

    /// <summary>A resolved target: what it rates, when service ended (and its last step), the rater's key; or why not.</summary>
    private readonly record struct Resolved(RatingSubject? Subject, DateTimeOffset EndedAt, DateTimeOffset LastAt, string? RaterKey, RatingRefusal? Refusal)
    {
        public static Resolved Refuse(RatingRefusal refusal) => new(null, default, default, null, refusal);
    }

    private static RatingRefusal Unknown(string message) => new(RatingRefusalKind.UnknownTarget, "unknownTarget", message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rating {RatingId}: not every roll-up confirmed the delta in time; their recount will count it")]
    private static partial void LogFanOutIncomplete(ILogger logger, Exception exception, string ratingId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rating {RatingId}: level {Level} via {Channel}, counted in {Scopes} roll-ups")]
    private static partial void LogRated(ILogger logger, string ratingId, int level, RatingChannel channel, int scopes);
}
