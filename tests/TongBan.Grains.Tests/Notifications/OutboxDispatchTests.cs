using Microsoft.Extensions.Logging.Abstractions;
using TongBan.Grains.Identity;
using TongBan.Grains.Notifications;
using TongBan.Grains.Tests.Support;

namespace TongBan.Grains.Tests.Notifications;

/// <summary>The dispatcher over the in-memory outbox: exactly once per key, backoff and dead letters, opt-out, quiet hours, limits.</summary>
[Trait("Category", "Unit")]
public class OutboxDispatchTests
{
    private static readonly PersonalDataProtector Protector = new(PrivacyOptions.Development());

    /// <summary>Tuesday 24 Nov 2026, 10:00 +08:00: outside quiet hours.</summary>
    private static readonly DateTimeOffset Morning = new(2026, 11, 24, 10, 0, 0, TimeSpan.FromHours(8));

    private static OutboxEntry Entry(string eventId, string phone = "13985012345", string? suppressed = null, string template = NotificationTemplates.CaseAccepted) => new(
        eventId, "case:GZ-TEST", NotificationChannel.Sms, Protector.Hash.OfMobile(phone), Masking.Mobile(phone), Protector.SealText(phone),
        template, template == NotificationTemplates.TicketCalled ? ["A012", "3"] : ["GZ-TEST", "社会保障卡申领", "5"], suppressed);

    private static (NotificationDispatcher Dispatcher, RecordingSender Sender, ManualClock Clock) Dispatcher(
        INotificationOutbox outbox, NotificationOptions? options = null, DateTimeOffset? at = null)
    {
        var clock = new ManualClock(at ?? Morning);
        var sender = new RecordingSender();
        return (new NotificationDispatcher(outbox, [sender], options ?? new NotificationOptions(), Protector, clock, NullLogger<NotificationDispatcher>.Instance), sender, clock);
    }

    [Fact]
    public async Task The_same_key_written_twice_is_one_record_and_one_send()
    {
        var outbox = new InMemoryNotificationOutbox();
        Assert.Equal(1, await outbox.EnqueueAsync([Entry("case:GZ-TEST:v3")], Morning, default));
        Assert.Equal(0, await outbox.EnqueueAsync([Entry("case:GZ-TEST:v3")], Morning, default)); // a retried command, a replayed hand-over

        var (dispatcher, sender, _) = Dispatcher(outbox);
        Assert.Equal(1, await dispatcher.DispatchDueAsync(default));
        Assert.Equal(0, await dispatcher.DispatchDueAsync(default));

        var message = Assert.Single(sender.Sent);
        Assert.Equal("13985012345", message.Address);
        Assert.Equal("您的办件GZ-TEST（社会保障卡申领）已受理，承诺5个工作日内办结。", message.Text);
        var record = Assert.Single(await outbox.ListBySubjectAsync("case:GZ-TEST", default));
        Assert.Equal(NotificationState.Sent, record.State);
        Assert.Equal(1, record.Attempts);
        Assert.Equal("receipt-1", record.Receipt);
    }

    [Fact]
    public async Task A_leased_record_is_not_taken_by_a_second_dispatcher_until_its_lease_expires()
    {
        var outbox = new InMemoryNotificationOutbox();
        await outbox.EnqueueAsync([Entry("case:GZ-TEST:v3")], Morning, default);
        var first = await outbox.LeaseDueAsync("silo-a", Morning, 10, TimeSpan.FromMinutes(2), default);
        Assert.Single(first);
        Assert.Empty(await outbox.LeaseDueAsync("silo-b", Morning.AddMinutes(1), 10, TimeSpan.FromMinutes(2), default));

        // silo-a died: after its lease, silo-b takes the record, and silo-a's late write is refused.
        Assert.Single(await outbox.LeaseDueAsync("silo-b", Morning.AddMinutes(3), 10, TimeSpan.FromMinutes(2), default));
        Assert.False(await outbox.UpdateAsync(first[0].Id, "silo-a", new NotificationUpdate(NotificationState.Sent, null, 1, Morning), default));
        Assert.True(await outbox.UpdateAsync(first[0].Id, "silo-b", new NotificationUpdate(NotificationState.Sent, null, 1, Morning), default));
    }

    [Fact]
    public async Task A_provider_that_is_down_delays_the_message_with_backoff_and_it_goes_once_the_provider_is_back()
    {
        var outbox = new InMemoryNotificationOutbox();
        await outbox.EnqueueAsync([Entry("case:GZ-TEST:v3")], Morning, default);
        var (dispatcher, sender, clock) = Dispatcher(outbox);
        sender.Outcomes.Enqueue(SendOutcome.Retry("HTTP 503"));
        sender.Outcomes.Enqueue(SendOutcome.Retry("HTTP 503"));

        await dispatcher.DispatchDueAsync(default);
        var record = Assert.Single(await outbox.ListBySubjectAsync("case:GZ-TEST", default));
        Assert.Equal(NotificationState.Queued, record.State);
        Assert.Equal(1, record.Attempts);
        Assert.Equal("HTTP 503", record.LastError);
        Assert.Equal(Morning.AddSeconds(5), record.NextAttemptAt);

        Assert.Equal(0, await dispatcher.DispatchDueAsync(default)); // not due yet
        clock.Advance(TimeSpan.FromSeconds(5));
        await dispatcher.DispatchDueAsync(default);
        Assert.Equal(Morning.AddSeconds(15), Assert.Single(await outbox.ListBySubjectAsync("case:GZ-TEST", default)).NextAttemptAt); // 5 s, then 10 s

        clock.Advance(TimeSpan.FromSeconds(10));
        await dispatcher.DispatchDueAsync(default);
        record = Assert.Single(await outbox.ListBySubjectAsync("case:GZ-TEST", default));
        Assert.Equal(NotificationState.Sent, record.State);
        Assert.Equal(3, record.Attempts);
        Assert.Equal(3, sender.Attempts);
        Assert.Single(sender.Sent);
    }

    [Fact]
    public async Task After_the_last_attempt_a_record_is_a_dead_letter_that_an_admin_can_retry()
    {
        var outbox = new InMemoryNotificationOutbox();
        await outbox.EnqueueAsync([Entry("case:GZ-TEST:v3")], Morning, default);
        var options = new NotificationOptions { Dispatcher = { MaxAttempts = 2, RetryBaseSeconds = 1 } };
        var (dispatcher, sender, clock) = Dispatcher(outbox, options);
        sender.Outcomes.Enqueue(SendOutcome.Retry("RequestLimitExceeded: too many"));
        sender.Outcomes.Enqueue(SendOutcome.Retry("RequestLimitExceeded: too many"));

        await dispatcher.DispatchDueAsync(default);
        clock.Advance(TimeSpan.FromSeconds(1));
        await dispatcher.DispatchDueAsync(default);
        var dead = Assert.Single(await outbox.FailuresAsync(10, default));
        Assert.Equal(NotificationState.Dead, dead.State);
        Assert.Equal(1, (await outbox.StatsAsync(clock.GetUtcNow(), default)).Dead);
        Assert.Equal(0, await dispatcher.DispatchDueAsync(default));

        Assert.True(await outbox.RetryDeadAsync(dead.Id, clock.GetUtcNow(), default));
        Assert.False(await outbox.RetryDeadAsync(dead.Id, clock.GetUtcNow(), default)); // queued now, not dead
        await dispatcher.DispatchDueAsync(default);
        Assert.Equal(NotificationState.Sent, (await outbox.GetAsync(dead.Id, default))!.State);
    }

    [Fact]
    public async Task A_permanent_refusal_fails_at_once_with_the_providers_error()
    {
        var outbox = new InMemoryNotificationOutbox();
        await outbox.EnqueueAsync([Entry("case:GZ-TEST:v3")], Morning, default);
        var (dispatcher, sender, _) = Dispatcher(outbox);
        sender.Outcomes.Enqueue(SendOutcome.Fail("InvalidParameterValue.IncorrectPhoneNumber: bad number"));
        await dispatcher.DispatchDueAsync(default);
        var record = Assert.Single(await outbox.FailuresAsync(10, default));
        Assert.Equal(NotificationState.Failed, record.State);
        Assert.Equal("InvalidParameterValue.IncorrectPhoneNumber: bad number", record.LastError);
    }

    [Fact]
    public async Task Quiet_hours_defer_what_can_wait_to_eight_but_not_a_ticket_call()
    {
        var outbox = new InMemoryNotificationOutbox();
        var evening = new DateTimeOffset(2026, 11, 24, 22, 0, 0, TimeSpan.FromHours(8));
        await outbox.EnqueueAsync([Entry("case:GZ-TEST:v3"), Entry("ticket:A012:called", "13900001111", template: NotificationTemplates.TicketCalled)], evening, default);
        var (dispatcher, sender, clock) = Dispatcher(outbox, at: evening);
        await dispatcher.DispatchDueAsync(default);

        var call = Assert.Single(sender.Sent);
        Assert.Equal(NotificationTemplates.TicketCalled, call.Template);
        var deferred = (await outbox.ListBySubjectAsync("case:GZ-TEST", default)).Single(r => r.Entry.Template == NotificationTemplates.CaseAccepted);
        Assert.Equal(NotificationState.Queued, deferred.State);
        Assert.Equal(SuppressionReasons.QuietHours, deferred.Reason);
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 8, 0, 0, TimeSpan.FromHours(8)), deferred.NextAttemptAt);

        clock.Set(new DateTimeOffset(2026, 11, 25, 8, 0, 0, TimeSpan.FromHours(8)));
        await dispatcher.DispatchDueAsync(default);
        Assert.Equal(2, sender.Sent.Count);
    }

    [Fact]
    public async Task An_opted_out_recipient_gets_nothing_and_the_record_says_why()
    {
        var outbox = new InMemoryNotificationOutbox();
        var entry = Entry("case:GZ-TEST:v3");
        await outbox.EnqueueAsync([entry], Morning, default);
        await outbox.OptOutAsync(entry.RecipientKey, NotificationChannel.Sms, Morning, default);
        var (dispatcher, sender, _) = Dispatcher(outbox);
        await dispatcher.DispatchDueAsync(default);
        Assert.Empty(sender.Sent);
        var record = Assert.Single(await outbox.ListBySubjectAsync("case:GZ-TEST", default));
        Assert.Equal(NotificationState.Suppressed, record.State);
        Assert.Equal(SuppressionReasons.OptOut, record.Reason);
    }

    [Fact]
    public async Task Per_recipient_limits_defer_the_second_message_in_a_minute_and_suppress_past_the_daily_cap()
    {
        var outbox = new InMemoryNotificationOutbox();

        // One request at a time: the limits count what was sent before each record is worked.
        var options = new NotificationOptions { Limits = { PerMinute = 1, PerDay = 2 }, Dispatcher = { Parallelism = 1 } };
        await outbox.EnqueueAsync([Entry("e1"), Entry("e2"), Entry("e3"), Entry("other", "13900001111")], Morning, default);
        var (dispatcher, sender, clock) = Dispatcher(outbox, options);

        await dispatcher.DispatchDueAsync(default);
        Assert.Equal(new[] { "e1", "other" }, (await EventsOf(outbox, sender)).Order().ToArray());
        var deferred = (await outbox.ListBySubjectAsync("case:GZ-TEST", default)).Where(r => r.State == NotificationState.Queued).ToList();
        Assert.Equal(2, deferred.Count);
        Assert.All(deferred, r => Assert.Equal(SuppressionReasons.RateLimit, r.Reason));
        Assert.All(deferred, r => Assert.Equal(Morning.AddMinutes(1), r.NextAttemptAt));

        clock.Advance(TimeSpan.FromSeconds(61));
        await dispatcher.DispatchDueAsync(default); // e2 goes; e3 waits another minute behind it
        Assert.Equal(3, sender.Sent.Count);
        clock.Advance(TimeSpan.FromSeconds(61));
        await dispatcher.DispatchDueAsync(default); // e3 would be the third to 139…5 within a day
        Assert.Equal(3, sender.Sent.Count);
        var capped = Assert.Single(await outbox.ListBySubjectAsync("case:GZ-TEST", default), r => r.State == NotificationState.Suppressed);
        Assert.Equal("e3", capped.Entry.EventId);
        Assert.Equal(SuppressionReasons.RateLimit, capped.Reason);
    }

    [Fact]
    public async Task An_entry_recorded_without_consent_is_never_sent()
    {
        var outbox = new InMemoryNotificationOutbox();
        await outbox.EnqueueAsync([Entry("case:GZ-TEST:v3", suppressed: SuppressionReasons.NoConsent)], Morning, default);
        var (dispatcher, sender, _) = Dispatcher(outbox);
        Assert.Equal(0, await dispatcher.DispatchDueAsync(default));
        Assert.Empty(sender.Sent);
        Assert.Equal(SuppressionReasons.NoConsent, Assert.Single(await outbox.ListBySubjectAsync("case:GZ-TEST", default)).Reason);
    }

    private static async Task<List<string>> EventsOf(InMemoryNotificationOutbox outbox, RecordingSender sender)
    {
        var events = new List<string>();
        foreach (var message in sender.Sent)
        {
            events.Add((await outbox.GetAsync(message.Id, default))!.Entry.EventId);
        }

        return events;
    }
}

/// <summary>
/// Stands in for a channel adapter in the dispatcher's tests (the adapters themselves are tested against loopback
/// providers in the API tests): answers the queued outcomes, then accepts.
/// </summary>
internal sealed class RecordingSender : INotificationSender
{
    private int attempts;

    public Queue<SendOutcome> Outcomes { get; } = new();

    public List<OutgoingMessage> Sent { get; } = [];

    public int Attempts => attempts;

    public NotificationChannel Channel => NotificationChannel.Sms;

    public string Provider => "recording";

    public Task<SendOutcome> SendAsync(OutgoingMessage message, CancellationToken cancellationToken)
    {
        lock (Sent)
        {
            attempts++;
            if (Outcomes.TryDequeue(out var outcome))
            {
                return Task.FromResult(outcome);
            }

            Sent.Add(message);
            return Task.FromResult(SendOutcome.Ok("receipt-" + Sent.Count));
        }
    }
}
