using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using TongBan.Grains.Cases;
using TongBan.Grains.Catalogue;
using TongBan.Grains.Hotline;
using TongBan.Grains.Identity;
using TongBan.Grains.Notifications;
using TongBan.Grains.Tests.Support;

namespace TongBan.Grains.Tests.Notifications;

/// <summary>
/// A case step's notifications are written by the case store in the step's own commit (<see cref="ClusterFixture.Outbox"/>),
/// keyed by the step's version: a retried command writes nothing new, and a dispatcher sends each once.
/// </summary>
[Collection(ClusterCollection.Name)]
[Trait("Category", "Integration")]
public class CaseNotificationOutboxTests(ClusterFixture fixture)
{
    private static readonly ServiceCatalogue Catalogue = ServiceCatalogue.Seeded();

    private static readonly PersonalDataProtector Protector = new(PrivacyOptions.Development());

    private static readonly CaseActor Clerk = new("clerk-1", CaseRole.Clerk, null, "520102-H001", 1, null, "520102");

    /// <summary>Everything 个体工商户设立登记 asks for, on paper with originals checked.</summary>
    private static readonly IReadOnlyList<SubmittedMaterial> Materials =
        [.. Catalogue.Find("scjg-001")!.Materials.Select(m => new SubmittedMaterial(m.Id, m.Copies, m.OriginalRequired))];

    private async Task<CaseView> OpenAsync(string sequence, NotificationConsent? consent)
    {
        var body = "52010219850203" + sequence;
        var applicant = Protector.Record(new ApplicantDetails("韩十三", body + ResidentId.CheckCharacter(body), "13900003333"));
        var application = new CaseApplication("scjg-001", applicant.IdKey, CaseChannel.Window, "520102", "520102", Materials, Clerk, "520102-H001", null)
        {
            Notify = consent,
        };
        var reply = await CaseIntake.OpenAsync(fixture.Grains, Catalogue, application, applicant, DateTimeOffset.UtcNow);
        Assert.True(reply.Succeeded, reply.Failure?.Message);
        return reply.View!;
    }

    private async Task<CaseView> DoAsync(CaseView view, CaseAction action, Func<CaseCommand, CaseCommand>? tweak = null)
    {
        var command = new CaseCommand(action, view.State.Version, Clerk, Materials: action == CaseAction.Receive ? Materials : null);
        var reply = await fixture.Grains.GetGrain<ICaseGrain>(view.State.CaseNo).Apply(tweak is null ? command : tweak(command));
        Assert.True(reply.Succeeded, reply.Failure?.Message);
        return reply.View!;
    }

    private static Task<IReadOnlyList<NotificationRecord>> NotificationsOf(CaseView view) =>
        ClusterFixture.Outbox.ListBySubjectAsync(CaseNotifications.Subject(view.State.CaseNo), default);

    [Fact]
    public async Task An_answered_12345_urge_is_told_once_also_after_a_reactivation()
    {
        var opened = await OpenAsync("733", new NotificationConsent([NotificationChannel.Sms]));
        var accepted = await DoAsync(await DoAsync(opened, CaseAction.Receive), CaseAction.Accept);
        var target = HotlineCaseRef.Of(accepted.State);
        var log = fixture.Grains.GetGrain<ICaseHotlineGrain>(target.CaseNo);
        var urge = await log.Register(target, new HotlineRequest(HotlineEntryKind.Urge, "agent-1", CaseRole.HotlineAgent, "请尽快"));
        var complaint = await log.Register(target, new HotlineRequest(HotlineEntryKind.Complaint, "agent-1", CaseRole.HotlineAgent, "态度不好", "other"));
        Assert.True((await log.Respond(target, complaint.Entry!.Seq, "approver-1", CaseRole.Approver, "已核查")).Succeeded);
        Assert.DoesNotContain(await NotificationsOf(accepted), r => r.Entry.Template == NotificationTemplates.CaseUrgeAnswered); // a complaint's answer is not an urge's

        var answer = await log.Respond(target, urge.Entry!.Seq, "approver-1", CaseRole.Approver, "本周内办结");
        Assert.True(answer.Succeeded);
        var told = Assert.Single(await NotificationsOf(accepted), r => r.Entry.Template == NotificationTemplates.CaseUrgeAnswered);
        Assert.Equal($"case:{target.CaseNo}:hotline:{answer.Entry!.Seq}", told.Entry.EventId);
        Assert.Equal([target.CaseNo], told.Entry.Parameters);
        Assert.Equal((NotificationChannel.Sms, "139****3333"), (told.Entry.Channel, told.Entry.RecipientMasked));

        // A reactivation hands the answered urge again (as after a crash before the hand-over): still one.
        await fixture.Grains.GetGrain<Orleans.Runtime.IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        Assert.Equal(4, (await log.Entries()).Count);
        Assert.Single(await NotificationsOf(accepted), r => r.Entry.Template == NotificationTemplates.CaseUrgeAnswered);
    }

    [Fact]
    public async Task Acceptance_writes_one_SMS_in_its_commit_and_a_retried_accept_writes_nothing_more()
    {
        var opened = await OpenAsync("711", new NotificationConsent([NotificationChannel.Sms]));
        var received = await DoAsync(opened, CaseAction.Receive);
        Assert.Empty(await NotificationsOf(received)); // receiving tells the applicant nothing

        var accepted = await DoAsync(received, CaseAction.Accept);
        var retry = await fixture.Grains.GetGrain<ICaseGrain>(accepted.State.CaseNo).Apply(new CaseCommand(CaseAction.Accept, received.State.Version, Clerk));
        Assert.Equal(CaseFailureKind.VersionConflict, retry.Failure?.Kind);

        var record = Assert.Single(await NotificationsOf(accepted));
        Assert.Equal(CaseNotifications.EventId(accepted.State.CaseNo, accepted.State.Version), record.Entry.EventId);
        Assert.Equal((NotificationChannel.Sms, NotificationState.Queued), (record.Entry.Channel, record.State));
        Assert.Equal("139****3333", record.Entry.RecipientMasked);
        Assert.Equal(Protector.Hash.OfMobile("13900003333"), record.Entry.RecipientKey);
        Assert.Equal("13900003333", Protector.OpenText(record.Entry.SealedAddress!));
        Assert.Equal(NotificationTemplates.CaseAccepted, record.Entry.Template);
        Assert.Equal(new[] { accepted.State.CaseNo, "个体工商户设立登记", "1" }, record.Entry.Parameters);

        // Two dispatchers (two silos) working the outbox send it once between them.
        var sender = new RecordingSender();
        var clock = new ManualClock(NextMorning(record.CreatedAt));
        var a = new NotificationDispatcher(ClusterFixture.Outbox, [sender], new NotificationOptions(), Protector, clock, NullLogger<NotificationDispatcher>.Instance);
        var b = new NotificationDispatcher(ClusterFixture.Outbox, [sender], new NotificationOptions(), Protector, clock, NullLogger<NotificationDispatcher>.Instance);
        await Task.WhenAll(a.DispatchDueAsync(default), b.DispatchDueAsync(default), a.DispatchDueAsync(default));
        await b.DispatchDueAsync(default);
        Assert.Single(sender.Sent, m => m.Id == record.Id);
        Assert.Equal(NotificationState.Sent, (await ClusterFixture.Outbox.GetAsync(record.Id, default))!.State);
    }

    [Fact]
    public async Task Each_step_the_applicant_hears_of_gets_its_own_template_and_unchosen_channels_show_no_consent()
    {
        var contacts = Protector.SealBytes(JsonSerializer.SerializeToUtf8Bytes(new NotificationContacts("oWx_openid_0001", null)));
        var opened = await OpenAsync("722", new NotificationConsent([NotificationChannel.WeChat], contacts));
        var accepted = await DoAsync(await DoAsync(opened, CaseAction.Receive), CaseAction.Accept);
        var approver = new CaseActor("approver-1", CaseRole.Approver, null, null, null, Catalogue.Find("scjg-001")!.DepartmentCode, "520102");
        var view = accepted;
        foreach (var action in new[] { CaseAction.StartReview, CaseAction.Approve, CaseAction.Complete })
        {
            var reply = await fixture.Grains.GetGrain<ICaseGrain>(view.State.CaseNo).Apply(new CaseCommand(action, view.State.Version, approver));
            Assert.True(reply.Succeeded, $"{action}: {reply.Failure?.Message}");
            view = reply.View!;
        }

        var delivered = await DoAsync(view, CaseAction.Deliver, c => c with { DeliveryMethod = DeliveryMethod.Ems, TrackingNumber = "EA123456789CN" });

        var records = await NotificationsOf(delivered);
        Assert.Equal(
            new[] { NotificationTemplates.CaseAccepted, NotificationTemplates.CaseCompleted, NotificationTemplates.CaseDeliveredByEms },
            records.Where(r => r.Entry.Channel == NotificationChannel.WeChat).Select(r => r.Entry.Template).ToArray());
        Assert.All(records.Where(r => r.Entry.Channel == NotificationChannel.Sms), r =>
        {
            Assert.Equal(NotificationState.Suppressed, r.State);
            Assert.Equal(SuppressionReasons.NoConsent, r.Reason);
            Assert.Null(r.Entry.SealedAddress);
        });
        var weChat = records.Where(r => r.Entry.Channel == NotificationChannel.WeChat).ToList();
        Assert.All(weChat, r => Assert.Equal("oWx***001", r.Entry.RecipientMasked));
        Assert.Equal("EA123456789CN", weChat[^1].Entry.Parameters[1]);
        Assert.Equal("准予", weChat[1].Entry.Parameters[2]);
    }

    /// <summary>10:00 China time on the day after <paramref name="at"/>: due, and outside quiet hours, whenever the test runs.</summary>
    private static DateTimeOffset NextMorning(DateTimeOffset at) =>
        new(DateOnly.FromDateTime(at.ToOffset(TimeSpan.FromHours(8)).DateTime).AddDays(1).ToDateTime(new TimeOnly(10, 0)), TimeSpan.FromHours(8));
}
