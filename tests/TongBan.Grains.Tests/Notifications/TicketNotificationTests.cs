using Orleans.Runtime;
using TongBan.Grains.Common;
using TongBan.Grains.Identity;
using TongBan.Grains.Notifications;
using TongBan.Grains.Queues;
using TongBan.Grains.Tests.Support;
using TongBan.Grains.Windows;

namespace TongBan.Grains.Tests.Notifications;

/// <summary>
/// A ticket whose holder left a contact: the hall queue hands its come-now and each call to the outbox after its write,
/// keyed by the stored state (<c>…:comeNow</c>, <c>…:call:{callCount}</c>), so a reactivation that hands them again adds nothing.
/// </summary>
[Collection(ClusterCollection.Name)]
[Trait("Category", "Integration")]
public class TicketNotificationTests(ClusterFixture fixture)
{
    private static readonly PersonalDataProtector Protector = new(PrivacyOptions.Development());

    private static AppointmentContact SmsContact(string phone) =>
        new(new NotificationConsent([NotificationChannel.Sms]), Protector.Hash.OfMobile(phone), Masking.Mobile(phone), Protector.SealText(phone));

    [Fact]
    public async Task Come_now_and_each_call_are_one_outbox_record_each_also_after_a_reactivation()
    {
        const string hall = "520523-H001";
        var window = fixture.Grains.GetGrain<IWindowGrain>(WindowKeys.Of(hall, 1));
        var category = (await window.GetView()).Categories[0];
        var queue = fixture.Grains.Line(hall, category);
        for (var i = 0; i < 4; i++)
        {
            Assert.True((await queue.Take(new TicketRequest(TicketKind.Kiosk, IdempotencyKey: $"tn-{i}"))).IsOk);
        }

        var taken = await queue.Take(new TicketRequest(TicketKind.Kiosk, IdempotencyKey: "tn-contact", Contact: SmsContact("13900005555")));
        Assert.True(taken.IsOk);
        var ticket = taken.Value.Ticket;
        var day = DateOnly.FromDateTime(ticket.IssuedAt.ToOffset(ChinaTime.Offset).DateTime);
        var subject = TicketNotifications.Subject(hall, day, ticket.Number);
        Task<IReadOnlyList<NotificationRecord>> Records() => ClusterFixture.Outbox.ListBySubjectAsync(subject, CancellationToken.None);

        // Fifth in line: nothing yet (come now at position ≤ 3 by default).
        Assert.Empty(await Records());
        var opened = await window.Open("clerk");
        Assert.True(opened.IsOk, opened.Violation?.ToString());
        async Task ServeNext()
        {
            Assert.True((await window.CallNext(null)).IsOk);
            Assert.True((await window.Act(WindowCommand.Start, null)).IsOk);
            Assert.True((await window.Act(WindowCommand.Finish, null)).IsOk);
        }

        await ServeNext();
        Assert.Empty(await Records());
        await ServeNext();
        var comeNow = Assert.Single(await Records());
        Assert.Equal(TicketNotifications.ComeNowEventId(hall, day, ticket.Number), comeNow.Entry.EventId);
        Assert.Equal(NotificationTemplates.TicketComeNow, comeNow.Entry.Template);
        Assert.Equal("2", comeNow.Entry.Parameters[2]); // two ahead
        Assert.Equal("139****5555", comeNow.Entry.RecipientMasked);
        Assert.Equal(NotificationState.Queued, comeNow.State);

        await ServeNext();
        await ServeNext();
        Assert.Single(await Records()); // still one: come-now is once per ticket and day
        var called = await window.CallNext(null);
        Assert.True(called.IsOk);
        Assert.Equal(ticket.Number, called.Ticket!.Number);
        // (A recall is announced again as call:2; the real clock of this cluster cannot pass the minimum recall interval.)

        var records = await Records();
        Assert.Equal(
            [TicketNotifications.ComeNowEventId(hall, day, ticket.Number), TicketNotifications.CallEventId(hall, day, ticket.Number, 1)],
            records.Select(r => r.Entry.EventId));
        Assert.All(records.Skip(1), r => Assert.Equal([ticket.Number, "1"], r.Entry.Parameters));
        Assert.Equal($"请{ticket.Number}号到1号窗口办理。", NotificationTemplates.Render(records[1].Entry.Template, records[1].Entry.Parameters));

        // A reactivation hands the current call again (as after a crash between write and hand-over): nothing new.
        await fixture.Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        Assert.Equal(TicketState.Called, (await queue.GetStatus(ticket.Number))!.Ticket.State);
        Assert.Equal(2, (await Records()).Count);
        Assert.Equal(0, await ClusterFixture.Outbox.EnqueueAsync(records.Select(r => r.Entry).ToList(), DateTimeOffset.UtcNow, CancellationToken.None));
    }

    [Fact]
    public async Task A_ticket_without_a_contact_writes_nothing_to_the_outbox()
    {
        const string hall = "520524-H001";
        var queue = fixture.Grains.Line(hall, (await fixture.Grains.GetGrain<IWindowGrain>(WindowKeys.Of(hall, 1)).GetView()).Categories[0]);
        var taken = await queue.Take(new TicketRequest(TicketKind.Remote, IdempotencyKey: "tn-none"));
        var day = DateOnly.FromDateTime(taken.Value.Ticket.IssuedAt.ToOffset(ChinaTime.Offset).DateTime);
        Assert.Empty(await ClusterFixture.Outbox.ListBySubjectAsync(TicketNotifications.Subject(hall, day, taken.Value.Ticket.Number), CancellationToken.None));
    }
}

/// <summary>到号提醒 thresholds: position or predicted wait, per hall.</summary>
[Trait("Category", "Unit")]
public class TicketComeNowRuleTests
{
    private static TicketStatus Status(TicketKind kind, int? position, int? wait) =>
        new(new Ticket("A009", "A", kind, PriorityClass.Normal, TicketState.Waiting, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, null, null, null, 0, null, null, null, null, null, null, null),
            position, wait);

    [Theory]
    [InlineData(TicketKind.Remote, 3, 40, false, 3, 0, true)]
    [InlineData(TicketKind.Remote, 4, 40, false, 3, 0, false)]
    [InlineData(TicketKind.Remote, 8, 9, false, 3, 10, true)]
    [InlineData(TicketKind.Remote, 8, 11, false, 3, 10, false)]
    [InlineData(TicketKind.Remote, 8, null, false, 3, 10, false)]
    [InlineData(TicketKind.Kiosk, 1, 1, false, 3, 10, false)]
    [InlineData(TicketKind.Kiosk, 2, 30, true, 3, 0, true)]
    [InlineData(TicketKind.Remote, null, null, true, 3, 10, false)]
    public void Position_or_predicted_wait(TicketKind kind, int? position, int? wait, bool contact, int n, int m, bool due) =>
        Assert.Equal(due, TicketNotifications.IsComeNowDue(Status(kind, position, wait), contact, n, m));

    [Fact]
    public void A_hall_overrides_the_defaults()
    {
        var options = new NotificationOptions { Tickets = new TicketNoticeOptions { ComeNowPosition = 3, ComeNowWaitMinutes = 0 } };
        options.Tickets.Halls["520102-H001"] = new HallTicketNoticeOptions { ComeNowWaitMinutes = 15 };
        Assert.Equal((3, 15), options.Tickets.For("520102-H001"));
        Assert.Equal((3, 0), options.Tickets.For("520103-H001"));
        Assert.Null(options.Problem());
        options.Tickets.Halls["520104-H001"] = new HallTicketNoticeOptions { ComeNowPosition = 0 };
        Assert.Contains("Tickets", options.Problem(), StringComparison.Ordinal);
    }
}
