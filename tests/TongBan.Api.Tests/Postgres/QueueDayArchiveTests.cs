using Npgsql;
using TongBan.Api.Tests.Infrastructure;
using TongBan.Grains.Queues;
using TongBan.Silo.Postgres;

namespace TongBan.Api.Tests.Postgres;

[Collection(PostgresCollection.Name)]
[Trait("Category", "Integration")]
public sealed class QueueDayArchiveTests(PostgresServer server)
{
    private static DaySummary Day(string category, DateOnly day, int issued) =>
        new(category, day, issued, 0, issued - 2, 1, 1, 0, 0, new WaitStatistics(issued - 1, 7.5, 15, issued - 1, 2.25), 6.1);

    [Fact]
    public async Task Closed_days_round_trip_and_re_archiving_replaces_the_row()
    {
        var connectionString = await server.CreateDatabaseAsync("archive");
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await new SchemaMigrator(dataSource, Microsoft.Extensions.Logging.Abstractions.NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
        var archive = new PostgresQueueDayArchive(dataSource);

        var monday = new DateOnly(2026, 11, 23);
        await archive.ArchiveAsync("520102-H001", Day("A", monday, 40), CancellationToken.None);
        await archive.ArchiveAsync("520102-H001", Day("B", monday, 12), CancellationToken.None);
        await archive.ArchiveAsync("520102-H001", Day("A", monday.AddDays(1), 55), CancellationToken.None);
        await archive.ArchiveAsync("520102-H001", Day("A", monday, 41), CancellationToken.None); // a crash-retry re-archives

        var history = await archive.HistoryAsync("520102-H001", monday, monday.AddDays(1), CancellationToken.None);
        Assert.Equal(3, history.Count);
        Assert.Equal(41, history.Single(d => d.Category == "A" && d.Day == monday).Issued);
        Assert.Equal(Day("B", monday, 12), history.Single(d => d.Category == "B"));
        Assert.Empty(await archive.HistoryAsync("520103-H001", monday, monday.AddDays(1), CancellationToken.None));
    }
}
