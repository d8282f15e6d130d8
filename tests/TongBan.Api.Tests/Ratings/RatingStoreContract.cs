using Npgsql;
using TongBan.Api.Tests.Infrastructure;
using TongBan.Grains.Ratings;
using TongBan.Silo.Postgres;

namespace TongBan.Api.Tests.Ratings;

/// <summary>The <see cref="IRatingStore"/> contract, run against the embedded store and against real PostgreSQL.</summary>
public abstract class RatingStoreContract
{
    protected static readonly DateTimeOffset T0 = new(2026, 11, 24, 10, 0, 0, TimeSpan.FromHours(8));
    protected static readonly DateOnly Day0 = new(2026, 11, 24);

    protected abstract Task<IRatingStore> StoreAsync();

    protected static RatingRecord Rating(string ticketNo, int level, DateOnly? day = null, DateTimeOffset? at = null, string hall = "520102-H001", params string[] scopes)
    {
        var d = day ?? Day0;
        var created = at ?? new DateTimeOffset(d.ToDateTime(new TimeOnly(10, 0)), TimeSpan.FromHours(8));
        return new RatingRecord(
            RatingTarget.Ticket(hall, d, ticketNo), new RatingSubject(hall, 3, "clerk-3", null, null, hall[..6]),
            scopes.Length == 0 ? [$"hall:{hall}", $"county:{hall[..6]}", "province:520000"] : scopes,
            level, RatingChannel.Mobile, level == 5 ? new SubScores(5, 4, null, 5) : null, level <= 2 ? "排队太久 <慢>" : null, null, null,
            created.AddMinutes(-5), created, d);
    }

    private static readonly FollowUpRules Rules = new(new RatingOptions());

    protected static (FollowUpState State, RatingEvent Opened) Open(RatingRecord r) =>
        Rules.Open(r, TongBan.Grains.Calendar.WorkingDayCalendar.LoadEmbedded());

    private static RatingRecord Comparable(RatingRecord r) => r with { Scopes = Array.Empty<string>() };

    [Fact]
    public async Task The_first_record_of_a_served_ticket_wins()
    {
        var store = await StoreAsync();
        var served = new ServedTicket("520102-H001", Day0, "A001", "A", 3, "clerk-3", T0);
        await store.RecordServiceAsync(served, CancellationToken.None);
        await store.RecordServiceAsync(served with { WindowNo = 9, Clerk = null }, CancellationToken.None);
        Assert.Equal(served, await store.FindServiceAsync("520102-H001", Day0, "A001", CancellationToken.None));
        Assert.Null(await store.FindServiceAsync("520102-H001", Day0.AddDays(1), "A001", CancellationToken.None));
    }

    [Fact]
    public async Task A_batch_of_served_tickets_is_recorded_whole_and_the_first_record_still_wins()
    {
        var store = await StoreAsync();
        var earlier = new ServedTicket("520102-H001", Day0, "B001", "B", 3, "clerk-3", T0);
        await store.RecordServiceAsync(earlier, CancellationToken.None);
        ServedTicket[] batch =
        [
            earlier with { WindowNo = 7, Clerk = "clerk-7" },
            new("520102-H001", Day0, "B002", "B", 4, null, T0.AddMinutes(3)),
            new("520103-H001", Day0, "B002", "B", 1, "clerk-1", T0.AddMinutes(4)),
            new("520102-H001", Day0, "B002", "B", 5, "clerk-5", T0.AddMinutes(5)), // repeated within the batch
        ];
        await store.RecordServicesAsync(batch, CancellationToken.None);
        await store.RecordServicesAsync([], CancellationToken.None);

        Assert.Equal(earlier, await store.FindServiceAsync("520102-H001", Day0, "B001", CancellationToken.None));
        Assert.Equal(batch[1], await store.FindServiceAsync("520102-H001", Day0, "B002", CancellationToken.None));
        Assert.Equal(batch[2], await store.FindServiceAsync("520103-H001", Day0, "B002", CancellationToken.None));
    }

    [Fact]
    public async Task A_rating_is_stored_once_with_its_follow_up_and_a_second_append_returns_the_first()
    {
        var store = await StoreAsync();
        var bad = Rating("A002", 1);
        var (followUp, opened) = Open(bad);
        Assert.True((await store.AppendAsync(bad, followUp, opened, CancellationToken.None)).Added);

        var again = await store.AppendAsync(Rating("A002", 5), null, null, CancellationToken.None);
        Assert.False(again.Added);
        Assert.Equal(Comparable(bad), Comparable(again.Existing!.Rating));
        Assert.Equal(bad.Scopes, again.Existing.Rating.Scopes);

        var loaded = (await store.LoadAsync(bad.Id, CancellationToken.None))!;
        Assert.Equal(Comparable(bad), Comparable(loaded.Rating));
        Assert.Equal(followUp, loaded.FollowUp);
        Assert.Equal(opened, Assert.Single(loaded.Events));
        Assert.Null(loaded.Exclusion);

        var good = Rating("A003", 5);
        Assert.True((await store.AppendAsync(good, null, null, CancellationToken.None)).Added);
        var plain = (await store.LoadAsync(good.Id, CancellationToken.None))!;
        Assert.Equal((new SubScores(5, 4, null, 5), (FollowUpState?)null), (plain.Rating.SubScores, plain.FollowUp));
        Assert.Empty(plain.Events);
        Assert.Null(await store.LoadAsync("T-520102-H001-20261124-Z999", CancellationToken.None));
    }

    [Fact]
    public async Task Concurrent_appends_of_one_target_store_exactly_one()
    {
        var store = await StoreAsync();
        var results = await Task.WhenAll(Enumerable.Range(1, 16).Select(i => Task.Run(() => store.AppendAsync(Rating("A004", 1 + (i % 5)), null, null, CancellationToken.None))));
        Assert.Single(results, r => r.Added);
        var winner = (await store.LoadAsync(Rating("A004", 1).Id, CancellationToken.None))!.Rating;
        Assert.All(results.Where(r => !r.Added), r => Assert.Equal(winner.Level, r.Existing!.Rating.Level));
    }

    [Fact]
    public async Task Follow_up_steps_commit_from_the_expected_version_only_with_their_event_and_exclusion()
    {
        var store = await StoreAsync();
        var bad = Rating("A005", 2);
        var (v1, opened) = Open(bad);
        await store.AppendAsync(bad, v1, opened, CancellationToken.None);

        var verified = v1 with { Version = 2, Stage = FollowUpStage.Verified, VerifiedAt = T0.AddHours(1) };
        var e2 = new RatingEvent(bad.Id, 2, RatingEventKind.Verified, T0.AddHours(1), "hallManager", "m-1", "已回访");
        Assert.True(await store.CommitFollowUpAsync(verified, e2, null, CancellationToken.None));
        Assert.False(await store.CommitFollowUpAsync(verified, e2 with { Note = "again" }, null, CancellationToken.None)); // same version twice

        var appeal = new AppealState(AppealStatus.Upheld, "恶意差评", "m-1", T0.AddHours(2), "sup-1", T0.AddHours(3), "成立");
        var excluded = verified with { Version = 3, Stage = FollowUpStage.Excluded, Appeal = appeal };
        var e3 = new RatingEvent(bad.Id, 3, RatingEventKind.AppealUpheld, T0.AddHours(3), "supervisor", "sup-1", "成立");
        var exclusion = new RatingExclusion(bad.Id, "成立", "sup-1", T0.AddHours(3));
        Assert.True(await store.CommitFollowUpAsync(excluded, e3, exclusion, CancellationToken.None));

        var loaded = (await store.LoadAsync(bad.Id, CancellationToken.None))!;
        Assert.Equal(excluded, loaded.FollowUp);
        Assert.Equal(exclusion, loaded.Exclusion);
        Assert.Equal([RatingEventKind.Opened, RatingEventKind.Verified, RatingEventKind.AppealUpheld], loaded.Events.Select(e => e.Kind));
        Assert.Equal(e2, loaded.Events[1]);
        Assert.Equal((1L, 1L), await store.TotalsAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Counts_split_days_from_older_leave_out_exclusions_and_name_the_recent_deltas()
    {
        var store = await StoreAsync();
        const string scope = "hall:520103-H001";
        var hall = "520103-H001";
        var old = Rating("A001", 4, Day0.AddDays(-40), hall: hall, scopes: [scope]);
        var recent = Rating("A002", 5, Day0, T0.AddMinutes(-2), hall, scope);
        var excludedLater = Rating("A003", 1, Day0.AddDays(-1), hall: hall, scopes: [scope]);
        var other = Rating("A004", 5, Day0, hall: "520111-H001", scopes: ["hall:520111-H001"]);
        foreach (var r in new[] { old, recent, other })
        {
            await store.AppendAsync(r, null, null, CancellationToken.None);
        }

        var (f1, o1) = Open(excludedLater);
        await store.AppendAsync(excludedLater, f1, o1, CancellationToken.None);
        var exclusion = new RatingExclusion(excludedLater.Id, "申诉成立", "sup", T0.AddMinutes(-1));
        await store.CommitFollowUpAsync(f1 with { Version = 2, Stage = FollowUpStage.Excluded }, new RatingEvent(excludedLater.Id, 2, RatingEventKind.AppealUpheld, exclusion.DecidedAt, "supervisor", "sup", "申诉成立"), exclusion, CancellationToken.None);

        var count = await store.CountAsync(scope, Day0.AddDays(-29), T0.AddMinutes(-10), CancellationToken.None);
        Assert.Equal(LevelCounts.Of(4), count.Older);
        Assert.Equal(new Dictionary<DateOnly, LevelCounts> { [Day0] = LevelCounts.Of(5) }, count.Days);
        Assert.Equal(
            [("r:" + recent.Id, Day0, 5, 1), ("x:" + excludedLater.Id, Day0.AddDays(-1), 1, -1)],
            count.Recent.Select(d => (d.Key, d.Day, d.Level, d.Sign)).Order());
        Assert.Equal(T0.AddMinutes(-2), count.Recent.Single(d => d.Sign > 0).At);

        Assert.Empty((await store.CountAsync("hall:520199-H001", Day0.AddDays(-29), T0, CancellationToken.None)).Days);
        var keys = await store.ScopeKeysAsync(CancellationToken.None);
        Assert.Contains(scope, keys);
        Assert.Contains("hall:520111-H001", keys);
        Assert.Equal(keys.Distinct().Count(), keys.Count);
    }

    [Fact]
    public async Task Follow_ups_are_listed_by_scope_open_and_overdue_and_newly_overdue_ones_found_until_flagged()
    {
        var store = await StoreAsync();
        const string hall = "520112-H001";
        var monday = new DateOnly(2026, 11, 23);
        var late = Rating("A001", 1, monday, hall: hall);
        var fresh = Rating("A002", 2, monday.AddDays(2), hall: hall);
        var elsewhere = Rating("A003", 1, monday, hall: "520113-H001");
        foreach (var r in new[] { late, fresh, elsewhere })
        {
            var (f, o) = Open(r);
            await store.AppendAsync(r, f, o, CancellationToken.None);
        }

        var wednesday = monday.AddDays(2); // Monday's return visit was due Tuesday
        var listed = await store.FollowUpsAsync(new FollowUpQuery($"hall:{hall}"), CancellationToken.None);
        Assert.Equal([late.Id, fresh.Id], listed.Select(r => r.FollowUp.RatingId));
        Assert.Equal(late.Id, Assert.Single(await store.FollowUpsAsync(new FollowUpQuery($"hall:{hall}", OverdueAsOf: wednesday), CancellationToken.None)).Rating.Id);
        Assert.Equal(2, (await store.FollowUpsAsync(new FollowUpQuery("county:520112", OpenOnly: true), CancellationToken.None)).Count);

        var newly = await store.NewlyOverdueAsync(wednesday, 100, CancellationToken.None);
        Assert.Contains(late.Id, newly);
        Assert.Contains(elsewhere.Id, newly);
        Assert.DoesNotContain(fresh.Id, newly);

        var state = (await store.LoadAsync(late.Id, CancellationToken.None))!.FollowUp!;
        await store.CommitFollowUpAsync(state with { Version = 2, ReturnVisitOverdueFlagged = true }, new RatingEvent(late.Id, 2, RatingEventKind.ReturnVisitOverdue, T0, "system", null, "超期"), null, CancellationToken.None);
        Assert.DoesNotContain(late.Id, await store.NewlyOverdueAsync(wednesday, 100, CancellationToken.None));

        var figures = await store.FollowUpFiguresAsync($"hall:{hall}", wednesday, CancellationToken.None);
        Assert.Equal((2, 0, 2, 1), (figures.BadReviews, figures.Replied, figures.Open, figures.Overdue));
        Assert.Equal(0.0, figures.RectificationRate);
    }
}

[Trait("Category", "Unit")]
public sealed class InMemoryRatingStoreTests : RatingStoreContract
{
    protected override Task<IRatingStore> StoreAsync() => Task.FromResult<IRatingStore>(new InMemoryRatingStore());
}

/// <summary>The same contract on PostgreSQL, plus what only the database can promise: rows that cannot be changed.</summary>
[Collection(PostgresCollection.Name)]
[Trait("Category", "Integration")]
public sealed class PostgresRatingStoreTests(PostgresServer server) : RatingStoreContract, IAsyncLifetime
{
    private NpgsqlDataSource? data;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (data is not null)
        {
            await data.DisposeAsync();
        }
    }

    protected override async Task<IRatingStore> StoreAsync()
    {
        data = NpgsqlDataSource.Create(await server.CreateDatabaseAsync("ratings"));
        await new SchemaMigrator(data, Microsoft.Extensions.Logging.Abstractions.NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
        return new PostgresRatingStore(data);
    }

    [Fact]
    public async Task Ratings_events_and_exclusions_cannot_be_updated_or_deleted()
    {
        var store = await StoreAsync();
        var bad = Rating("A009", 1);
        var (f, o) = Open(bad);
        await store.AppendAsync(bad, f, o, CancellationToken.None);
        foreach (var sql in new[]
        {
            "update tongban.rating set level = 5",
            "delete from tongban.rating",
            "update tongban.rating_event set note = 'rewritten'",
            "delete from tongban.rating_event",
        })
        {
            await using var command = data!.CreateCommand(sql);
            var e = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());
            Assert.Contains("append-only", e.MessageText, StringComparison.Ordinal);
        }

        Assert.Equal(1, (await store.LoadAsync(bad.Id, CancellationToken.None))!.Rating.Level);
    }
}
