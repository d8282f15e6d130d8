using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using MiniExcelLibs;
using Npgsql;
using TongBan.Api.Tests.Infrastructure;
using TongBan.Grains.History;
using TongBan.Grains.Queues;
using TongBan.Grains.Windows;
using TongBan.Silo.Hosting;
using TongBan.Silo.Postgres;

namespace TongBan.Api.Tests.Postgres;

/// <summary>
/// Service history in PostgreSQL: month partitions made on demand and ahead, batches written through the writer, the
/// selections the reports use, retention dropping whole months; and the reports served by a PostgreSQL-mode silo.
/// </summary>
[Collection(PostgresCollection.Name)]
[Trait("Category", "Integration")]
public sealed class HistoryStoreTests(PostgresServer server)
{
    private static readonly TimeSpan China = TimeSpan.FromHours(8);

    private static TicketOutcome Ticket(string hall, DateOnly day, string no, TicketOutcomeKind kind, string? clerk = "clerk-1", string? item = null) => new(
        hall, hall[..6], day, no, "A", kind, 1, clerk, item, new DateTimeOffset(day.ToDateTime(new TimeOnly(9, 0)), China),
        new DateTimeOffset(day.ToDateTime(new TimeOnly(9, 10)), China), new DateTimeOffset(day.ToDateTime(new TimeOnly(9, 11)), China),
        new DateTimeOffset(day.ToDateTime(new TimeOnly(9, 20)), China), 600, kind == TicketOutcomeKind.Served ? 540 : null, null, TicketKind.Remote, "备注, \"引号\"");

    private static async Task<NpgsqlDataSource> MigratedAsync(string connectionString)
    {
        var dataSource = NpgsqlDataSource.Create(connectionString);
        await new SchemaMigrator(dataSource, NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
        return dataSource;
    }

    private static async Task<List<string>> PartitionsAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand(
            "select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid join pg_class p on p.oid = i.inhparent where p.relname = 'history_ticket' order by 1");
        await using var reader = await command.ExecuteReaderAsync();
        var names = new List<string>();
        while (await reader.ReadAsync())
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    [Fact]
    public async Task Batches_land_in_month_partitions_read_back_by_selection_and_old_months_are_dropped()
    {
        await using var dataSource = await MigratedAsync(await server.CreateDatabaseAsync("history"));
        var store = new PostgresHistoryStore(dataSource);
        var old = new DateOnly(2023, 1, 16);
        var day = new DateOnly(2026, 11, 30);
        await using (var writer = new HistoryWriter(store, new HistoryOptions { BatchSize = 3 }, NullLogger<HistoryWriter>.Instance))
        {
            writer.Append(Ticket("520102-H001", old, "A001", TicketOutcomeKind.Served));
            writer.Append(Ticket("520102-H001", day, "A001", TicketOutcomeKind.Served));
            writer.Append(Ticket("520102-H001", day, "A001", TicketOutcomeKind.Served)); // a retried record is stored once
            writer.Append(Ticket("520102-H001", day, "A002", TicketOutcomeKind.NoShow, clerk: null));
            writer.Append(Ticket("520302-H001", day.AddDays(1), "A001", TicketOutcomeKind.Served, clerk: "clerk-9"));
            writer.Append(Ticket("520102-H001", day, "A-W001", TicketOutcomeKind.WalkUp, item: "000101001"));
            writer.Append(new WindowActivity("520102-H001", "520102", 1, "clerk-1", WindowActivityKind.Pause,
                new DateTimeOffset(2026, 11, 30, 10, 0, 0, China), new DateTimeOffset(2026, 11, 30, 10, 12, 0, China), PauseReason.Training));
            writer.Append(new CaseTicketLink("GZ-1", "520102-H001", "520102", day, "A001", "000202002", 1, "clerk-1", new DateTimeOffset(2026, 11, 30, 9, 15, 0, China)));
            writer.Append(new CaseTicketLink("GZ-1", "520302-H001", "520302", day.AddDays(1), "A001", "000202002", 1, "clerk-9", new DateTimeOffset(2026, 12, 1, 9, 15, 0, China)));
            await writer.FlushAsync();
            Assert.Equal(0, writer.Dropped);
        }

        Assert.Equal(["history_ticket_202301", "history_ticket_202611", "history_ticket_202612"], await PartitionsAsync(dataSource));

        var hall = await store.TicketsAsync(new HistoryQuery(day, day.AddDays(1), HallCode: "520102-H001"), CancellationToken.None).ToListAsync();
        Assert.Equal(["A-W001", "A001", "A002"], hall.Select(t => t.TicketNo).Order(StringComparer.Ordinal));
        var served = hall.Single(t => t.TicketNo == "A001");
        Assert.Equal(Ticket("520102-H001", day, "A001", TicketOutcomeKind.Served), served); // every field round-trips, times at +08:00
        Assert.Equal(2, await store.TicketsAsync(new HistoryQuery(day, day.AddDays(1), RegionPrefix: "52"), CancellationToken.None).CountAsync(t => t.Outcome == TicketOutcomeKind.Served));
        Assert.Single(await store.TicketsAsync(new HistoryQuery(day, day.AddDays(1), RegionPrefix: "5203"), CancellationToken.None).ToListAsync());
        Assert.Single(await store.TicketsAsync(new HistoryQuery(day, day.AddDays(1), Clerk: "clerk-9"), CancellationToken.None).ToListAsync());

        // An item's tickets: the walk-up naming it, and tickets whose case is of that item.
        var item = await store.TicketsAsync(new HistoryQuery(day, day.AddDays(1), Item: "000202002"), CancellationToken.None).ToListAsync();
        Assert.Equal(2, item.Count);
        Assert.All(item, t => Assert.Equal("000202002", t.Item));
        Assert.Single(await store.TicketsAsync(new HistoryQuery(day, day, Item: "000101001"), CancellationToken.None).ToListAsync());

        var pause = Assert.Single(await store.ActivitiesAsync(new HistoryQuery(day, day, WindowNo: 1), CancellationToken.None).ToListAsync());
        Assert.Equal((WindowActivityKind.Pause, PauseReason.Training, 720), (pause.Kind, pause.Reason, pause.Seconds));
        Assert.Equal(2, (await store.VisitsAsync(["GZ-1", "GZ-2"], CancellationToken.None))["GZ-1"]);
        Assert.Single(await store.CaseLinksAsync(new HistoryQuery(day, day, HallCode: "520102-H001"), CancellationToken.None).ToListAsync());

        // Retention: the job makes the coming months' partitions and drops months past the retention, whole.
        var clock = new FixedClock(new DateTimeOffset(2026, 12, 7, 1, 0, 0, TimeSpan.Zero));
        var job = new HistoryRetentionJob(store, new HistoryOptions(), clock, NullLogger<HistoryRetentionJob>.Instance);
        Assert.Equal(1, await job.RunOnceAsync(CancellationToken.None));
        Assert.Equal(["history_ticket_202611", "history_ticket_202612", "history_ticket_202701", "history_ticket_202702"], await PartitionsAsync(dataSource));
        Assert.Empty(await store.TicketsAsync(new HistoryQuery(old, old), CancellationToken.None).ToListAsync());
        Assert.Equal(0, await job.RunOnceAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_postgresql_silo_serves_reports_of_the_tickets_it_handled()
    {
        const string hall = "520115-H001";
        var connectionString = await server.CreateDatabaseAsync("history_api");
        await using var silo = SiloProcess.Start(connectionString);
        await silo.WaitReadyAsync(TimeSpan.FromSeconds(60));
        var clerk = TestTokens.Mint("clerk", "pg-clerk", claims: new Dictionary<string, string> { ["hallCode"] = hall, ["windowNo"] = "1" });
        var admin = TestTokens.Mint("admin", "pg-admin");

        async Task<HttpResponseMessage> Send(HttpMethod method, string path, string? token, object? body = null)
        {
            using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
            if (token is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }

            return await silo.Http.SendAsync(request);
        }

        (await Send(HttpMethod.Post, $"/api/halls/{hall}/tickets", null, new { category = "A" })).EnsureSuccessStatusCode();
        foreach (var step in new[] { "open", "call-next", "start", "finish", "close" })
        {
            using var response = await Send(HttpMethod.Post, $"/api/halls/{hall}/windows/1/{step}", clerk);
            Assert.True(response.IsSuccessStatusCode, $"{step}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        var today = DateOnly.FromDateTime(DateTimeOffset.UtcNow.ToOffset(China).DateTime);
        var range = string.Create(CultureInfo.InvariantCulture, $"from={today.AddDays(-1):yyyy-MM-dd}&to={today.AddDays(1):yyyy-MM-dd}");
        JsonElement total = default;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        do
        {
            using var response = await Send(HttpMethod.Get, $"/api/reports/hall/{hall}?{range}&granularity=month", admin);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, text);
            total = JsonDocument.Parse(text).RootElement.GetProperty("total").Clone();
            if (total.GetProperty("served").GetInt32() >= 1)
            {
                break;
            }

            await Task.Delay(100);
        }
        while (DateTime.UtcNow < deadline);

        Assert.Equal((1, 1), (total.GetProperty("tickets").GetInt32(), total.GetProperty("served").GetInt32()));

        using var csv = await Send(HttpMethod.Get, $"/api/reports/hall/{hall}/tickets?{range}", admin);
        var bytes = await csv.Content.ReadAsByteArrayAsync();
        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, bytes[..3]);
        var lines = Encoding.UTF8.GetString(bytes, 3, bytes.Length - 3).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Contains(",served,1,pg-clerk,", lines[1], StringComparison.Ordinal);

        using var xlsx = await Send(HttpMethod.Get, $"/api/reports/hall/{hall}?{range}&format=xlsx", admin);
        await using var stream = new MemoryStream(await xlsx.Content.ReadAsByteArrayAsync());
        var rows = stream.Query(useHeaderRow: true).Cast<IDictionary<string, object?>>().ToList();
        Assert.Equal("total", rows[^1]["期间"]);
        Assert.Equal(1, Convert.ToInt32(rows[^1]["办结"], CultureInfo.InvariantCulture));
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
