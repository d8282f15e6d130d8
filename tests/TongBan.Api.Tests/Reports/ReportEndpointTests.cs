using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using MiniExcelLibs;
using TongBan.Api.Tests.Support;
using TongBan.Grains.History;

namespace TongBan.Api.Tests.Reports;

/// <summary>
/// Tickets driven through the real routes of one hall (观山湖区 520115-H001, used by no other test) end up in service
/// history, and the reports read them back per scope as JSON, CSV (parsed back, BOM checked) and XLSX (opened with
/// MiniExcel, cell by cell); who may read which scope, and bad ranges.
/// </summary>
[Collection(EmbeddedCollection.Name)]
[Trait("Category", "Integration")]
public class ReportEndpointTests(EmbeddedApp app)
{
    private const string Hall = "520115-H001";

    private static readonly SemaphoreSlim Once = new(1, 1);

    private static (string Served, string Cancelled)? driven;

    /// <summary>Today's China date ± 1 day: the records' dates come from the real clock, and a run may straddle midnight.</summary>
    private static string Range
    {
        get
        {
            var today = DateOnly.FromDateTime(DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(8)).DateTime);
            return string.Create(CultureInfo.InvariantCulture, $"from={today.AddDays(-1):yyyy-MM-dd}&to={today.AddDays(1):yyyy-MM-dd}");
        }
    }

    private async Task<HttpResponseMessage> Get(string path, string? token)
    {
        using var request = app.Request(HttpMethod.Get, path, token);
        return await app.Http.SendAsync(request);
    }

    private static async Task<JsonElement> Ok(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"expected 200, got {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>One served ticket (with a case opened for it at the window), one cancelled, a pause and a session; then waits for history to have them.</summary>
    private async Task<(string Served, string Cancelled)> DriveAsync()
    {
        await Once.WaitAsync();
        try
        {
            if (driven is { } done)
            {
                return done;
            }

            var cases = new CaseDriver(app);
            var taken = new List<JsonElement>();
            for (var i = 0; i < 2; i++)
            {
                taken.Add(await Ok(await app.Http.SendAsync(app.Request(HttpMethod.Post, $"/api/halls/{Hall}/tickets", null, new { category = "A" }))));
            }

            var cancelled = taken[1].GetProperty("ticketNo").GetString()!;
            await Ok(await app.Http.SendAsync(app.Request(
                HttpMethod.Post, $"/api/halls/{Hall}/tickets/{cancelled}/cancel", null, new { cancelToken = taken[1].GetProperty("cancelToken").GetString() })));

            var clerk = await app.TokenAsync("clerk", hallCode: Hall, windowNo: 1, subject: "report-clerk-1");
            await Ok(await cases.Send(HttpMethod.Post, $"/api/halls/{Hall}/windows/1/open", clerk));
            var called = await Ok(await cases.Send(HttpMethod.Post, $"/api/halls/{Hall}/windows/1/call-next", clerk));
            var served = called.GetProperty("ticketNo").GetString()!;
            Assert.Equal(taken[0].GetProperty("ticketNo").GetString(), served);
            await Ok(await cases.Send(HttpMethod.Post, $"/api/halls/{Hall}/windows/1/start", clerk));
            await Ok(await cases.Send(HttpMethod.Post, "/api/cases", clerk, new
            {
                itemCode = CaseDriver.Item.Code,
                applicant = new { name = "王报表", idNumber = CaseDriver.Id("52011519900307123"), phone = "13985012345" },
                channel = "window",
                receivingHallCode = Hall,
                materials = CaseDriver.Materials(CaseDriver.Item, verified: true),
                ticketNo = served,
            }));
            await Ok(await cases.Send(HttpMethod.Post, $"/api/halls/{Hall}/windows/1/finish", clerk));
            await Ok(await cases.Send(HttpMethod.Post, $"/api/halls/{Hall}/windows/1/pause", clerk, new { reason = "break" }));
            await Ok(await cases.Send(HttpMethod.Post, $"/api/halls/{Hall}/windows/1/open", clerk));
            await Ok(await cases.Send(HttpMethod.Post, $"/api/halls/{Hall}/windows/1/close", clerk));

            // History is written in batches (within a second): wait for the records, not for a time.
            var history = app.App.Services.GetRequiredService<IServiceHistory>();
            var query = new HistoryQuery(DateOnly.MinValue, DateOnly.MaxValue, HallCode: Hall);
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (DateTime.UtcNow < deadline && !(
                (await history.TicketsAsync(query, CancellationToken.None).CountAsync()) >= 2 &&
                (await history.ActivitiesAsync(query, CancellationToken.None).CountAsync()) >= 2 &&
                (await history.CaseLinksAsync(query, CancellationToken.None).CountAsync()) >= 1))
            {
                await Task.Delay(50);
            }

            driven = (served, cancelled);
            return driven.Value;
        }
        finally
        {
            Once.Release();
        }
    }

    [Fact]
    public async Task History_holds_the_outcomes_the_session_the_pause_and_the_case_link()
    {
        var (served, cancelled) = await DriveAsync();
        var history = app.App.Services.GetRequiredService<IServiceHistory>();
        var query = new HistoryQuery(DateOnly.MinValue, DateOnly.MaxValue, HallCode: Hall);
        var tickets = await history.TicketsAsync(query, CancellationToken.None).ToListAsync();
        var done = Assert.Single(tickets, t => t.TicketNo == served && t.Outcome == TicketOutcomeKind.Served);
        Assert.Equal((1, "report-clerk-1", "A", "520115"), (done.WindowNo, done.Clerk, done.Category, done.RegionCode));
        Assert.NotNull(done.WaitSeconds);
        Assert.NotNull(done.ServiceSeconds);
        Assert.Single(tickets, t => t.TicketNo == cancelled && t.Outcome == TicketOutcomeKind.Cancelled);

        var activities = await history.ActivitiesAsync(query, CancellationToken.None).ToListAsync();
        Assert.Contains(activities, a => a is { Kind: WindowActivityKind.Session, WindowNo: 1, Clerk: "report-clerk-1" });
        Assert.Contains(activities, a => a is { Kind: WindowActivityKind.Pause, Reason: Grains.Windows.PauseReason.Break });

        var link = Assert.Single(await history.CaseLinksAsync(query, CancellationToken.None).ToListAsync());
        Assert.Equal((served, CaseDriver.Item.Code, 1), (link.TicketNo, link.ItemCode, link.WindowNo));
        Assert.Equal(1, (await history.VisitsAsync([link.CaseNo], CancellationToken.None))[link.CaseNo]);
    }

    [Fact]
    public async Task A_hall_report_in_json_counts_the_tickets_and_the_case()
    {
        await DriveAsync();
        var manager = await app.TokenAsync("hallManager", hallCode: Hall);
        var report = await Ok(await Get($"/api/reports/hall/{Hall}?{Range}&granularity=day", manager));
        Assert.Equal(("hall", Hall, "day"), (report.GetProperty("scope").GetString(), report.GetProperty("code").GetString(), report.GetProperty("granularity").GetString()));
        Assert.Equal(3, report.GetProperty("rows").GetArrayLength());
        var total = report.GetProperty("total");
        Assert.Equal((2, 1, 1, 0), (total.GetProperty("tickets").GetInt32(), total.GetProperty("served").GetInt32(), total.GetProperty("cancelled").GetInt32(), total.GetProperty("noShow").GetInt32()));
        Assert.Equal(JsonValueKind.Number, total.GetProperty("waitP90Minutes").ValueKind);
        Assert.Equal(1, total.GetProperty("casesReceived").GetInt32());
        Assert.Contains("一次办成", report.GetProperty("definition").GetString(), StringComparison.Ordinal);

        // The window, the clerk (by themself and by the manager), the county, the province: the same served ticket.
        var clerk = await app.TokenAsync("clerk", hallCode: Hall, windowNo: 1, subject: "report-clerk-1");
        foreach (var (path, token) in new[]
        {
            ($"/api/reports/window/{Hall}-1?{Range}", manager),
            ($"/api/reports/clerk/report-clerk-1?{Range}&granularity=week", clerk),
            ($"/api/reports/clerk/report-clerk-1?{Range}&granularity=month", manager),
            ($"/api/reports/region/520115?{Range}", await app.TokenAsync("supervisor", regionCode: "520100")),
            ($"/api/reports/province/520000?{Range}", await app.TokenAsync("admin")),
            ($"/api/reports/item/{CaseDriver.Item.Code}?{Range}", manager),
        })
        {
            var figures = (await Ok(await Get(path, token))).GetProperty("total");
            Assert.True(figures.GetProperty("served").GetInt32() >= 1, $"{path}: {figures}");
        }
    }

    [Fact]
    public async Task The_csv_export_has_a_bom_and_parses_back_to_the_json_figures()
    {
        await DriveAsync();
        var manager = await app.TokenAsync("hallManager", hallCode: Hall);
        using var response = await Get($"/api/reports/hall/{Hall}?{Range}&format=csv", manager);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, bytes[..3]);
        var lines = Encoding.UTF8.GetString(bytes, 3, bytes.Length - 3).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0].Split(',');
        Assert.Equal("期间", header[0]);
        var total = lines[^1].Split(',');
        Assert.Equal(5, lines.Length); // header, three days, total
        Assert.Equal("total", total[0]);
        Assert.Equal("2", total[Array.IndexOf(header, "取号")]);
        Assert.Equal("1", total[Array.IndexOf(header, "办结")]);
        Assert.Equal("1", total[Array.IndexOf(header, "取消")]);

        // The ticket records behind it, as CSV too.
        using var tickets = await Get($"/api/reports/hall/{Hall}/tickets?{Range}&format=csv", manager);
        var text = Encoding.UTF8.GetString(await tickets.Content.ReadAsByteArrayAsync());
        Assert.StartsWith("\uFEFF日期,大厅", text, StringComparison.Ordinal);
        Assert.Contains(",served,", text, StringComparison.Ordinal);
        Assert.Contains(",cancelled,", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_xlsx_export_opens_with_miniexcel_cell_by_cell()
    {
        await DriveAsync();
        var manager = await app.TokenAsync("hallManager", hallCode: Hall);
        using var response = await Get($"/api/reports/hall/{Hall}?{Range}&format=xlsx", manager);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await using var stream = new MemoryStream(await response.Content.ReadAsByteArrayAsync());
        var rows = stream.Query(useHeaderRow: true).Cast<IDictionary<string, object?>>().ToList();
        Assert.Equal(4, rows.Count);
        var total = rows[^1];
        Assert.Equal("total", total["期间"]);
        Assert.Equal(2, Convert.ToInt32(total["取号"], CultureInfo.InvariantCulture));
        Assert.Equal(1, Convert.ToInt32(total["办结"], CultureInfo.InvariantCulture));
        Assert.Equal(1, Convert.ToInt32(total["取消"], CultureInfo.InvariantCulture));
        Assert.Equal(1, Convert.ToInt32(total["收件"], CultureInfo.InvariantCulture));

        using var tickets = await Get($"/api/reports/window/{Hall}-1/tickets?{Range}&format=xlsx", manager);
        await using var sheet = new MemoryStream(await tickets.Content.ReadAsByteArrayAsync());
        var records = sheet.Query(useHeaderRow: true).Cast<IDictionary<string, object?>>().ToList();
        Assert.Contains(records, r => (string?)r["结果"] == "served" && (string?)r["工作人员"] == "report-clerk-1" && (string?)r["大厅"] == Hall);
    }

    [Fact]
    public async Task Scopes_are_refused_to_those_who_may_not_see_them()
    {
        var otherClerk = await app.TokenAsync("clerk", hallCode: Hall, windowNo: 2, subject: "report-clerk-2");
        var otherManager = await app.TokenAsync("hallManager", hallCode: "520102-H001");
        var prefecture = await app.TokenAsync("supervisor", regionCode: "520300");
        foreach (var (path, token) in new[]
        {
            ($"/api/reports/clerk/report-clerk-1?{Range}", otherClerk),
            ($"/api/reports/hall/{Hall}?{Range}", otherClerk),
            ($"/api/reports/window/{Hall}-1?{Range}", otherClerk),
            ($"/api/reports/hall/{Hall}?{Range}", otherManager),
            ($"/api/reports/region/520115?{Range}", otherManager),
            ($"/api/reports/region/520115?{Range}", prefecture),
            ($"/api/reports/province/520000?{Range}", prefecture),
            ($"/api/reports/item/{CaseDriver.Item.Code}?{Range}", otherClerk),
            ($"/api/reports/hall/{Hall}/tickets?{Range}", otherClerk),
            ($"/api/halls/{Hall}/days?{Range}", otherManager),
        })
        {
            await ProblemAssert.IsProblem(await Get(path, token), HttpStatusCode.Forbidden);
        }

        using var anonymous = await Get($"/api/reports/hall/{Hall}?{Range}", null);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        using var citizen = await Get($"/api/reports/hall/{Hall}?{Range}", await app.TokenAsync("citizen", subject: CaseDriver.Id("52011519900307123")));
        Assert.Equal(HttpStatusCode.Forbidden, citizen.StatusCode);

        // The manager reads the archived day summaries of their own hall.
        var days = await Ok(await Get($"/api/halls/{Hall}/days?{Range}", await app.TokenAsync("hallManager", hallCode: Hall)));
        Assert.Equal(JsonValueKind.Array, days.ValueKind);
    }

    [Fact]
    public async Task Bad_ranges_and_inputs_are_400_problems_and_a_long_range_names_the_limit()
    {
        var admin = await app.TokenAsync("admin");
        foreach (var query in new[] { "from=2026-12-10&to=2026-12-01", "from=2026-13-01&to=2026-12-31", "to=2026-12-01", "from=2026-12-01", "from=01/12/2026&to=2026-12-02" })
        {
            await ProblemAssert.IsProblem(await Get($"/api/reports/hall/{Hall}?{query}", admin), HttpStatusCode.BadRequest);
        }

        using var tooLong = await Get($"/api/reports/hall/{Hall}?from=2025-01-01&to=2026-12-31", admin);
        var problem = await ProblemAssert.IsProblem(tooLong, HttpStatusCode.BadRequest);
        Assert.Contains("366", problem.GetRawText(), StringComparison.Ordinal);
        Assert.Contains("最长", problem.GetRawText(), StringComparison.Ordinal);

        foreach (var path in new[]
        {
            $"/api/reports/galaxy/{Hall}?{Range}",
            $"/api/reports/hall/{Hall}?{Range}&granularity=hour",
            $"/api/reports/hall/{Hall}?{Range}&format=pdf",
            $"/api/reports/window/{Hall}?{Range}",
            $"/api/reports/region/abc?{Range}",
            $"/api/reports/province/520100?{Range}",
            $"/api/reports/hall/not-a-hall?{Range}",
        })
        {
            await ProblemAssert.IsProblem(await Get(path, admin), HttpStatusCode.BadRequest);
        }

        await ProblemAssert.IsProblem(await Get($"/api/reports/hall/520115-H099?{Range}", admin), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblem(await Get($"/api/reports/window/{Hall}-99?{Range}", admin), HttpStatusCode.NotFound);
    }
}
