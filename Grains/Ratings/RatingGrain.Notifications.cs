using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TongBan.Grains.Cases;
using TongBan.Grains.Identity;
using TongBan.Grains.Notifications;

namespace TongBan.Grains.Ratings;

/// <summary>
/// 差评整改反馈 (issue 17): when the owner records its reply (反馈) to the rater of a case's 差评, the rater (the case's
/// applicant) is told on the channels they chose for the case (<c>ratingFollowUp</c>), keyed
/// <c>case:{caseNo}:rating:v{followUpVersion}</c> and listed with the case's notifications. Handed after the step's
/// commit and again on activation (the same keys), so a crash in between neither loses nor doubles one. A ticket's
/// rating tells nothing: a ticket's contact is kept only for its day (HallQueueState.TicketContacts), and a reply
/// comes days later.
/// </summary>
public sealed partial class RatingGrain
{
    private async Task NotifyFollowUpReplies(StoredRating? rating, RatingEvent? step)
    {
        if (rating is not { Rating.Target: { Kind: RatingTargetKind.Case, CaseNo: { } caseNo } })
        {
            return;
        }

        var replies = step is null ? [.. rating.Events.Where(e => e.Kind == RatingEventKind.Replied)] : step.Kind == RatingEventKind.Replied ? new List<RatingEvent> { step } : [];
        if (replies.Count == 0 || ServiceProvider.GetService<INotificationOutbox>() is not { } outbox || ServiceProvider.GetService<PersonalDataProtector>() is not { } protector)
        {
            return;
        }

        try
        {
            if (await GrainFactory.GetGrain<ICaseGrain>(caseNo).Get() is not { } view)
            {
                return;
            }

            var entries = replies.SelectMany(r => CaseNotifications.EntriesTo(
                $"case:{caseNo}:rating:v{r.Version}", CaseNotifications.Subject(caseNo), NotificationTemplates.RatingFollowUp, [caseNo], view.Applicant, view.State.Notify, protector)).ToList();
            await outbox.EnqueueAsync(entries, clock.GetUtcNow(), CancellationToken.None);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The reply is committed; its notification is handed again on this grain's next activation.
            LogFollowUpNoticeBehind(logger, rating.Rating.Id, caseNo, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rating {RatingId} of case {CaseNo}: the follow-up notification is not yet in the outbox ({Error}); handed again on the next activation")]
    private static partial void LogFollowUpNoticeBehind(ILogger logger, string ratingId, string caseNo, string error);
}
