using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TongBan.Grains.Cases;
using TongBan.Grains.Identity;
using TongBan.Grains.Notifications;

namespace TongBan.Grains.Hotline;

/// <summary>
/// 催办已答复 (issue 17): when the department answers a 12345 urge, the applicant is told on the channels they chose for
/// the case, keyed <c>case:{caseNo}:hotline:{responseSeq}</c> and listed with the case's notifications. Handed after the
/// log's write, and again on activation (the same keys), so a crash in between neither loses nor doubles one.
/// </summary>
public sealed partial class CaseHotlineGrain
{
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await base.OnActivateAsync(cancellationToken);
        var answers = Log.Where(IsUrgeAnswer).ToList();
        if (answers.Count > 0)
        {
            await NotifyUrgesAnswered(answers);
        }
    }

    private bool IsUrgeAnswer(HotlineEntry entry) =>
        entry is { Kind: HotlineEntryKind.Response, RespondsTo: { } seq } && Log.Any(e => e.Seq == seq && e.Kind == HotlineEntryKind.Urge);

    private Task NotifyUrgeAnswered(HotlineEntry response) => IsUrgeAnswer(response) ? NotifyUrgesAnswered([response]) : Task.CompletedTask;

    private async Task NotifyUrgesAnswered(IReadOnlyList<HotlineEntry> responses)
    {
        if (ServiceProvider.GetService<INotificationOutbox>() is not { } outbox || ServiceProvider.GetService<PersonalDataProtector>() is not { } protector)
        {
            return;
        }

        var caseNo = this.GetPrimaryKeyString();
        try
        {
            if (await GrainFactory.GetGrain<ICaseGrain>(caseNo).Get() is not { } view)
            {
                return;
            }

            var entries = responses.SelectMany(r => CaseNotifications.EntriesTo(
                $"case:{caseNo}:hotline:{r.Seq}", CaseNotifications.Subject(caseNo), NotificationTemplates.CaseUrgeAnswered, [caseNo], view.Applicant, view.State.Notify, protector)).ToList();
            await outbox.EnqueueAsync(entries, clock.GetUtcNow(), CancellationToken.None);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The answer is in the log; its notification is handed again on this grain's next activation.
            LogUrgeNoticeBehind(logger, caseNo, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Case {CaseNo}: the urge-answered notification is not yet in the outbox ({Error}); handed again on the next activation")]
    private static partial void LogUrgeNoticeBehind(ILogger logger, string caseNo, string error);
}
