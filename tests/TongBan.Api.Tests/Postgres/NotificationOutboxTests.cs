using Npgsql;
using TongBan.Api.Tests.Infrastructure;
using TongBan.Grains.Cases;
using TongBan.Grains.Notifications;
using TongBan.Silo.Postgres;

namespace TongBan.Api.Tests.Postgres;

/// <summary>
/// The outbox in PostgreSQL (migration 0008): written in the case commit, unique by key, leased with SKIP LOCKED so
/// concurrent dispatchers never take the same row, and written back only by the lease's holder.
/// </summary>
[Collection(PostgresCollection.Name)]
[Trait("Category", "Integration")]
public sealed class NotificationOutboxTests(PostgresServer server)
{
    private static readonly DateTimeOffset Morning = new(2026, 11, 24, 10, 0, 0, TimeSpan.FromHours(8));

    private async Task<NpgsqlDataSource> DatabaseAsync(string name)
    {
        var dataSource = NpgsqlDataSource.Create(await server.CreateDatabaseAsync(name));
        await new SchemaMigrator(dataSource, Microsoft.Extensions.Logging.Abstractions.NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
        return dataSource;
    }

    private static OutboxEntry Entry(string eventId, string recipient = "k-1", string? suppressed = null) => new(
        eventId, "case:GZ-PG", NotificationChannel.Sms, recipient, "139****0000", [1, 2, 3], NotificationTemplates.CaseAccepted, ["GZ-PG", "社会保障卡申领", "5"], suppressed);

    [Fact]
    public async Task A_case_step_and_its_notifications_commit_together_and_a_lost_commit_writes_none()
    {
        await using var dataSource = await DatabaseAsync("outbox_commit");
        var store = new PostgresCaseStore(dataSource);
        var outbox = new PostgresNotificationOutbox(dataSource);
        var driver = new CaseDriver(store);
        var caseNo = CaseNumber.Create("520102", new DateOnly(2026, 3, 2), 901);
        await driver.SubmitAsync("rsj-001", caseNo, CaseData.Zhang, "520102", CaseData.T0);
        await driver.DoAsync(caseNo.Value, CaseAction.Receive, CaseData.T0);
        var (stored, accept) = await driver.PrepareAsync(caseNo.Value, CaseAction.Accept, CaseData.T0);
        var entries = CaseNotifications.EntriesFor(accept.State!, accept.Entry!, CaseData.Item("rsj-001"), null, stored.Applicant,
            new NotificationConsent([NotificationChannel.Sms]), CaseData.Protector);
        var state = accept.State!;
        var hash = AuditChain.Link(stored.LastHash, AuditChain.Canonical(accept.Entry!), driver.ChainHash);
        var summary = CaseData.Project(state, stored.Applicant);
        Assert.True(await store.CommitAsync(state, stored.Applicant, summary, accept.Entry!, stored.LastHash, hash, entries, CancellationToken.None));

        // The same step again (a duplicate activation's commit) loses the version race and writes no notification.
        Assert.False(await store.CommitAsync(state, stored.Applicant, summary, accept.Entry!, stored.LastHash, hash, entries, CancellationToken.None));
        var records = await outbox.ListBySubjectAsync(CaseNotifications.Subject(caseNo.Value), CancellationToken.None);
        var record = Assert.Single(records);
        Assert.Equal((NotificationChannel.Sms, NotificationState.Queued), (record.Entry.Channel, record.State));
        Assert.Equal("13985012345", CaseData.Protector.OpenText(record.Entry.SealedAddress!));
        Assert.Equal(entries[0].Parameters, record.Entry.Parameters);
        Assert.Equal(state.UpdatedAt, record.CreatedAt);

        // An ordinary commit (no notifications) still works through the old overload.
        await driver.DoAsync(caseNo.Value, CaseAction.StartReview, CaseData.T0);
        Assert.Single(await outbox.ListBySubjectAsync(CaseNotifications.Subject(caseNo.Value), CancellationToken.None));
    }

    [Fact]
    public async Task Enqueueing_a_key_again_changes_nothing_and_suppressed_entries_are_never_leased()
    {
        await using var dataSource = await DatabaseAsync("outbox_keys");
        var outbox = new PostgresNotificationOutbox(dataSource);
        Assert.Equal(2, await outbox.EnqueueAsync([Entry("e1"), Entry("e2", suppressed: SuppressionReasons.NoConsent)], Morning, CancellationToken.None));
        Assert.Equal(0, await outbox.EnqueueAsync([Entry("e1"), Entry("e2")], Morning, CancellationToken.None));
        var leased = await outbox.LeaseDueAsync("a", Morning, 10, TimeSpan.FromMinutes(2), CancellationToken.None);
        Assert.Equal("e1", Assert.Single(leased).Entry.EventId);
        var stats = await outbox.StatsAsync(Morning, CancellationToken.None);
        Assert.Equal((1, 1, 1), (stats.Queued, stats.Leased, stats.Suppressed));
    }

    [Fact]
    public async Task A_reminder_waits_for_its_moment_a_cancellation_suppresses_it_and_a_failed_receipt_marks_a_sent_record_failed()
    {
        await using var dataSource = await DatabaseAsync("outbox_reminders");
        var outbox = new PostgresNotificationOutbox(dataSource);
        const string Subject = "appointment:pg-1";
        OutboxEntry Reminder(string id, string template, DateTimeOffset at) => new(
            id, Subject, NotificationChannel.Sms, "k-r", "139****0000", [1, 2, 3], template, ["南明区政务服务中心", "12月8日", "09:30"], null, at);
        await outbox.EnqueueAsync(
            [
                Reminder("r-day", NotificationTemplates.AppointmentReminderDayBefore, Morning.AddHours(8)),
                Reminder("r-soon", NotificationTemplates.AppointmentReminderSoon, Morning.AddDays(1)),
                Entry("sent-1", "k-s"),
            ],
            Morning,
            CancellationToken.None);

        // Before its moment a reminder is not leased (not_before becomes next_attempt_at); at its moment it is.
        var now = await outbox.LeaseDueAsync("a", Morning, 10, TimeSpan.FromMinutes(2), CancellationToken.None);
        var sent = Assert.Single(now);
        Assert.Equal("sent-1", sent.Entry.EventId);
        Assert.True(await outbox.UpdateAsync(sent.Id, "a", new NotificationUpdate(NotificationState.Sent, null, 1, Morning, Morning, "serial-9"), CancellationToken.None));
        var evening = await outbox.LeaseDueAsync("a", Morning.AddHours(8), 10, TimeSpan.FromMinutes(2), CancellationToken.None);
        Assert.Equal("r-day", Assert.Single(evening).Entry.EventId);

        // The booking is cancelled: the reminder still queued is suppressed; the one under a live lease is left to its holder.
        Assert.Equal(
            1,
            await outbox.SuppressQueuedAsync(
                Subject, [NotificationTemplates.AppointmentReminderDayBefore, NotificationTemplates.AppointmentReminderSoon], "cancelled", Morning.AddHours(8), CancellationToken.None));
        var records = (await outbox.ListBySubjectAsync(Subject, CancellationToken.None)).ToDictionary(r => r.Entry.EventId);
        Assert.Equal((NotificationState.Suppressed, "cancelled"), (records["r-soon"].State, records["r-soon"].Reason));
        var later = await outbox.LeaseDueAsync("b", Morning.AddDays(2), 10, TimeSpan.FromMinutes(2), CancellationToken.None);
        Assert.DoesNotContain(later, r => r.Entry.EventId == "r-soon");

        // A provider's receipt saying "not delivered" turns a sent record failed, with the provider's words; other receipts change nothing.
        Assert.False(await outbox.MarkUndeliveredAsync(NotificationChannel.Sms, "serial-unknown", "空号", Morning.AddSeconds(5), CancellationToken.None));
        Assert.True(await outbox.MarkUndeliveredAsync(NotificationChannel.Sms, "serial-9", "空号", Morning.AddSeconds(5), CancellationToken.None));
        var failed = (await outbox.GetAsync(sent.Id, CancellationToken.None))!;
        Assert.Equal((NotificationState.Failed, "空号"), (failed.State, failed.LastError));
    }

    [Fact]
    public async Task Concurrent_dispatchers_each_take_different_rows_and_only_the_lease_holder_writes_back()
    {
        await using var dataSource = await DatabaseAsync("outbox_lease");
        var outbox = new PostgresNotificationOutbox(dataSource);
        await outbox.EnqueueAsync([.. Enumerable.Range(0, 60).Select(i => Entry($"e{i}", $"k-{i}"))], Morning, CancellationToken.None);

        var batches = await Task.WhenAll(Enumerable.Range(0, 6).Select(i =>
            outbox.LeaseDueAsync($"silo-{i}", Morning, 15, TimeSpan.FromMinutes(2), CancellationToken.None)));
        var ids = batches.SelectMany(b => b.Select(r => r.Id)).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count()); // no row leased twice
        var rest = await outbox.LeaseDueAsync("silo-x", Morning, 100, TimeSpan.FromMinutes(2), CancellationToken.None);
        Assert.Equal(60, ids.Count + rest.Count); // and none lost between them

        var first = batches[0][0];
        Assert.False(await outbox.UpdateAsync(first.Id, "silo-5", new NotificationUpdate(NotificationState.Sent, null, 1, Morning), CancellationToken.None));

        // silo-0 died: its rows are taken again after the lease, and its late outcome is refused.
        var retaken = await outbox.LeaseDueAsync("silo-9", Morning.AddMinutes(3), 100, TimeSpan.FromMinutes(2), CancellationToken.None);
        Assert.Equal(60, retaken.Count);
        Assert.False(await outbox.UpdateAsync(first.Id, "silo-0", new NotificationUpdate(NotificationState.Sent, null, 1, Morning), CancellationToken.None));
        Assert.True(await outbox.UpdateAsync(first.Id, "silo-9", new NotificationUpdate(NotificationState.Sent, null, 1, Morning, Morning, "serial-1"), CancellationToken.None));
        Assert.True(await outbox.MarkDeliveredAsync(NotificationChannel.Sms, "serial-1", Morning.AddSeconds(5), CancellationToken.None));
        var delivered = (await outbox.GetAsync(first.Id, CancellationToken.None))!;
        Assert.Equal(NotificationState.Delivered, delivered.State);
        Assert.Equal(1, await outbox.CountSentAsync(first.Entry.RecipientKey, NotificationChannel.Sms, Morning.AddMinutes(-1), CancellationToken.None));
    }

    [Fact]
    public async Task A_dead_letter_is_listed_and_retried_and_an_opt_out_is_remembered()
    {
        await using var dataSource = await DatabaseAsync("outbox_dead");
        var outbox = new PostgresNotificationOutbox(dataSource);
        await outbox.EnqueueAsync([Entry("e1")], Morning, CancellationToken.None);
        var record = Assert.Single(await outbox.LeaseDueAsync("a", Morning, 10, TimeSpan.FromMinutes(2), CancellationToken.None));
        Assert.True(await outbox.UpdateAsync(record.Id, "a", new NotificationUpdate(NotificationState.Dead, null, 8, Morning, LastError: "HTTP 503"), CancellationToken.None));
        var dead = Assert.Single(await outbox.FailuresAsync(10, CancellationToken.None));
        Assert.Equal("HTTP 503", dead.LastError);
        Assert.Equal(8, dead.Attempts);
        Assert.True(await outbox.RetryDeadAsync(record.Id, Morning.AddHours(1), CancellationToken.None));
        Assert.False(await outbox.RetryDeadAsync(record.Id, Morning.AddHours(1), CancellationToken.None));
        Assert.Single(await outbox.LeaseDueAsync("a", Morning.AddHours(1), 10, TimeSpan.FromMinutes(2), CancellationToken.None));

        Assert.False(await outbox.IsOptedOutAsync("k-1", NotificationChannel.Sms, CancellationToken.None));
        await outbox.OptOutAsync("k-1", NotificationChannel.Sms, Morning, CancellationToken.None);
        await outbox.OptOutAsync("k-1", NotificationChannel.Sms, Morning, CancellationToken.None);
        Assert.True(await outbox.IsOptedOutAsync("k-1", NotificationChannel.Sms, CancellationToken.None));
        Assert.False(await outbox.IsOptedOutAsync("k-1", NotificationChannel.WeChat, CancellationToken.None));
    }
}
