using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using TongBan.Api.Tests.Support;
using TongBan.Grains.Catalogue;
using TongBan.Grains.Common;
using TongBan.Grains.Identity;
using TongBan.Grains.Ratings;

namespace TongBan.Api.Tests.Embedded;

/// <summary>好差评 over real HTTP and SignalR. Each test owns halls of 遵义 or 黔西南 so they never share a queue or a roll-up.</summary>
[Collection(EmbeddedCollection.Name)]
[Trait("Category", "Integration")]
public class RatingEndpointTests(EmbeddedApp app)
{
    private static readonly ServiceItem Item = ServiceCatalogue.Seeded().Items.First(i => i.ProvinceWide && i.Level == HandlingLevel.County && i.Materials.Count >= 2);

    private static string Id(string first17) => first17 + ResidentId.CheckCharacter(first17);

    private async Task<HttpResponseMessage> Send(HttpMethod method, string path, string? token = null, object? body = null)
    {
        using var request = app.Request(method, path, token, body);
        return await app.Http.SendAsync(request);
    }

    private static async Task<JsonElement> Ok(HttpResponseMessage response, HttpStatusCode status = HttpStatusCode.OK)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Takes a ticket (keeping its rating token, as the slip or phone does) and serves it at window 1.</summary>
    private async Task<(string TicketNo, string Token)> ServeTicket(string hall, string clerkSubject = "clerk-1", bool finish = true)
    {
        var taken = await Ok(await Send(HttpMethod.Post, $"/api/halls/{hall}/tickets", body: new { category = "A" }));
        var ticketNo = taken.GetProperty("ticketNo").GetString()!;
        var token = taken.GetProperty("ratingToken").GetString()!;
        if (finish)
        {
            var clerk = await app.TokenAsync("clerk", hallCode: hall, windowNo: 1, subject: clerkSubject);
            foreach (var step in new[] { "open", "call-next", "start", "finish" })
            {
                await Ok(await Send(HttpMethod.Post, $"/api/halls/{hall}/windows/1/{step}", clerk));
            }
        }

        return (ticketNo, token);
    }

    private Task<HttpResponseMessage> RateTicket(string hall, string ticketNo, string? token, int level, string? comment = null, string channel = "mobile", string? bearer = null) =>
        Send(HttpMethod.Post, "/api/ratings", bearer, new { hallCode = hall, ticketNo, ratingToken = token, level, channel, comment });

    private async Task<JsonElement> Summary(string scope, string id, string period = "allTime", string? token = null) =>
        await Ok(await Send(HttpMethod.Get, $"/api/ratings/summary?scope={scope}&id={id}&period={period}", token));

    private async Task<JsonElement> Eventually(Func<Task<JsonElement>> read, Func<JsonElement, bool> done, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (true)
        {
            var value = await read();
            if (done(value))
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"timed out waiting for {what}: {(value.ValueKind == JsonValueKind.Undefined ? "nothing yet" : value.GetRawText())}");
            }

            await Task.Delay(30);
        }
    }

    [Fact]
    public async Task A_served_ticket_is_rated_with_the_token_from_its_slip_and_counted_once()
    {
        const string hall = "520324-H001"; // 正安县
        var (ticketNo, token) = await ServeTicket(hall, "clerk-za-1");
        Assert.Equal((RatingTokens.Sm3Length, "HMAC-SM3"), (token.Length, RatingTokens.AlgorithmOf(token))); // the default sm suite

        var created = await RateTicket(hall, ticketNo, token, 5, "窗口人员很耐心");
        var receipt = await Ok(created, HttpStatusCode.Created);
        var ratingId = receipt.GetProperty("ratingId").GetString()!;
        Assert.Equal($"/api/ratings/{ratingId}", created.Headers.Location!.OriginalString);
        Assert.Equal(("非常满意", false, JsonValueKind.Null), (receipt.GetProperty("levelName").GetString(), receipt.GetProperty("replayed").GetBoolean(), receipt.GetProperty("followUp").ValueKind));

        var summary = await Eventually(() => Summary("hall", hall, "today"), s => s.GetProperty("total").GetInt32() == 1, "hall summary");
        Assert.Equal((1.0, 0, 1), (summary.GetProperty("goodRate").GetDouble(), summary.GetProperty("badCount").GetInt32(), summary.GetProperty("byLevel").GetProperty("5").GetInt32()));
        Assert.Equal(GoodRate.Definition, summary.GetProperty("goodRateDefinition").GetString());
        Assert.Equal(("hall", hall, "today"), (summary.GetProperty("scope").GetString(), summary.GetProperty("id").GetString(), summary.GetProperty("period").GetString()));
        await Eventually(() => Summary("region", "520324"), s => s.GetProperty("total").GetInt32() == 1, "county summary");

        // 一次一评: the same submission again is answered with the stored one; another one is refused.
        var replay = await Ok(await RateTicket(hall, ticketNo, token, 5, "窗口人员很耐心"));
        Assert.Equal((ratingId, true), (replay.GetProperty("ratingId").GetString(), replay.GetProperty("replayed").GetBoolean()));
        var again = await ProblemAssert.IsProblem(await RateTicket(hall, ticketNo, token, 1, "改主意了"), HttpStatusCode.Conflict);
        Assert.Equal("alreadyRated", again.GetProperty("code").GetString());
        Assert.Equal(1, (await Summary("hall", hall)).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Bad_input_is_answered_with_problem_details()
    {
        const string hall = "520325-H001"; // 道真县
        var (served, token) = await ServeTicket(hall);
        var (waiting, waitingToken) = await ServeTicket(hall, finish: false);
        var tokens = app.App.Services.GetRequiredService<RatingTokens>();
        var today = ChinaTime.Today(TimeProvider.System);

        async Task Problem(HttpResponseMessage response, HttpStatusCode status, string? code = null)
        {
            var problem = await ProblemAssert.IsProblem(response, status);
            if (code is not null)
            {
                Assert.Equal(code, problem.GetProperty("code").GetString());
            }
        }

        await Problem(await RateTicket(hall, served, token, 0), HttpStatusCode.BadRequest);
        await Problem(await RateTicket(hall, served, token, 6), HttpStatusCode.BadRequest);
        await Problem(await Send(HttpMethod.Post, "/api/ratings", body: new { hallCode = hall, ticketNo = served, ratingToken = token, channel = "mobile" }), HttpStatusCode.BadRequest);
        await Problem(await RateTicket(hall, served, token, 5, channel: "carrierPigeon"), HttpStatusCode.BadRequest);
        await Problem(await RateTicket(hall, served, token, 5, new string('长', 501)), HttpStatusCode.BadRequest);
        await Problem(await Send(HttpMethod.Post, "/api/ratings", body: new { hallCode = hall, ticketNo = served, ratingToken = token, level = 5, channel = "mobile", subScores = new { attitude = 9 } }), HttpStatusCode.BadRequest);
        await Problem(await Send(HttpMethod.Post, "/api/ratings", body: new { hallCode = hall, ticketNo = served, caseNo = "GZ5201022611270000011", level = 5, channel = "web" }), HttpStatusCode.BadRequest);
        await Problem(await RateTicket("5203-H1", served, token, 5), HttpStatusCode.BadRequest);
        await Problem(await RateTicket("520325-H009", served, token, 5), HttpStatusCode.NotFound);
        await Problem(await RateTicket(hall, "12", token, 5), HttpStatusCode.BadRequest);
        await Problem(await RateTicket(hall, served, waitingToken, 5), HttpStatusCode.Forbidden); // someone else's token
        await Problem(await RateTicket(hall, served, null, 5), HttpStatusCode.Unauthorized);
        await Problem(await RateTicket(hall, waiting, waitingToken, 5), HttpStatusCode.Conflict, "ticketNotServed");
        await Problem(await RateTicket(hall, "A777", tokens.Issue(hall, today, "A777"), 5), HttpStatusCode.NotFound, "unknownTarget");
        await Problem(await RateTicket(hall, served, token, 5, channel: "windowPad"), HttpStatusCode.BadRequest, "channelMismatch");
        await Problem(await Send(HttpMethod.Post, "/api/ratings", body: new { caseNo = "GZ-not-a-case", level = 5, channel = "web" }), HttpStatusCode.BadRequest);

        var json = new StringContent("{\"hallCode\":\"520325-H001\",\"ticketNo\":\"A001\",\"level\":\"five\",\"channel\":\"mobile\"}", System.Text.Encoding.UTF8, "application/json");
        await Problem(await app.Http.PostAsync("/api/ratings", json), HttpStatusCode.BadRequest);

        await Problem(await Send(HttpMethod.Get, "/api/ratings/summary?scope=galaxy&id=1"), HttpStatusCode.BadRequest);
        await Problem(await Send(HttpMethod.Get, "/api/ratings/summary?scope=hall"), HttpStatusCode.BadRequest);
        await Problem(await Send(HttpMethod.Get, $"/api/ratings/summary?scope=hall&id={hall}&period=lastYear"), HttpStatusCode.BadRequest);
        await Problem(await Send(HttpMethod.Get, "/api/ratings/summary?scope=hall&id=520325-H009"), HttpStatusCode.NotFound);
        await Problem(await Send(HttpMethod.Get, "/api/ratings/summary?scope=item&id=no-such-item"), HttpStatusCode.NotFound);
        await Problem(await Send(HttpMethod.Get, "/api/ratings/summary?scope=region&id=110101"), HttpStatusCode.NotFound);
        await Problem(await Send(HttpMethod.Get, "/api/ratings/summary?scope=department&id=nope/520102"), HttpStatusCode.NotFound);
        await Problem(await Send(HttpMethod.Get, "/api/ratings/summary?scope=clerk&id=clerk-1"), HttpStatusCode.Unauthorized);
        await Problem(await Send(HttpMethod.Get, "/api/ratings/T-nonsense"), HttpStatusCode.BadRequest);
        await Problem(await Send(HttpMethod.Get, $"/api/ratings/T-{hall}-20200101-A001", await app.TokenAsync("admin")), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_window_pad_rates_the_ticket_its_window_just_finished()
    {
        const string hall = "520326-H001"; // 务川县
        var (ticketNo, _) = await ServeTicket(hall, "clerk-wc-1");
        var otherWindow = await app.TokenAsync("clerk", hallCode: hall, windowNo: 2, subject: "clerk-wc-2");
        var refused = await ProblemAssert.IsProblem(await RateTicket(hall, ticketNo, null, 5, channel: "windowPad", bearer: otherWindow), HttpStatusCode.Forbidden);
        Assert.Equal("notThisWindow", refused.GetProperty("code").GetString());

        var pad = await app.TokenAsync("clerk", hallCode: hall, windowNo: 1, subject: "clerk-wc-1");
        await ProblemAssert.IsProblem(await RateTicket(hall, ticketNo, null, 5, channel: "mobile", bearer: pad), HttpStatusCode.BadRequest);
        var receipt = await Ok(await RateTicket(hall, ticketNo, null, 4, channel: "windowPad", bearer: pad), HttpStatusCode.Created);
        Assert.Equal("windowPad", receipt.GetProperty("channel").GetString());

        // The clerk's own figures are for staff; the clerk sees theirs.
        var mine = await Eventually(() => Summary("clerk", "clerk-wc-1", token: pad), s => s.GetProperty("total").GetInt32() == 1, "clerk summary");
        Assert.Equal(1, mine.GetProperty("byLevel").GetProperty("4").GetInt32());
        await ProblemAssert.IsProblem(await Send(HttpMethod.Get, "/api/ratings/summary?scope=clerk&id=clerk-wc-1", otherWindow), HttpStatusCode.Forbidden);
        var window = await Summary("window", $"{hall}/1", token: await app.TokenAsync("hallManager", hallCode: hall));
        Assert.Equal(1, window.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task A_finished_case_is_rated_once_by_its_applicant_and_counts_for_item_and_department()
    {
        const string county = "520327"; // 凤冈县
        var idNumber = Id("52032719880808123");
        var citizen = await app.TokenAsync("citizen", subject: idNumber);
        var created = await Ok(await Send(HttpMethod.Post, "/api/cases", citizen, new
        {
            itemCode = Item.Code,
            applicant = new { name = "杨九", idNumber, phone = "13985001234" },
            channel = "online",
            materials = Item.Materials.Select(m => new { materialId = m.Id, copies = m.Copies }).ToArray(),
        }));
        var caseNo = created.GetProperty("caseNo").GetString()!;
        var clerk = await app.TokenAsync("clerk", hallCode: $"{county}-H001", windowNo: 2, subject: "clerk-fg-2");
        var approver = await app.TokenAsync("approver", departmentCode: Item.DepartmentCode, regionCode: county, subject: "approver-fg");
        var version = 1;
        async Task Move(string token, string action, object? extra = null)
        {
            var body = new Dictionary<string, object?> { ["action"] = action, ["expectedVersion"] = version };
            if (action == "receive")
            {
                body["materials"] = Item.Materials.Select(m => new { materialId = m.Id, copies = m.Copies, originalVerified = m.OriginalRequired }).ToArray();
            }

            await Ok(await Send(HttpMethod.Post, $"/api/cases/{caseNo}/transitions", token, body));
            version++;
        }

        await Move(clerk, "receive");
        await Move(clerk, "accept");
        await Move(approver, "startReview");
        var early = await ProblemAssert.IsProblem(await Send(HttpMethod.Post, "/api/ratings", citizen, new { caseNo, level = 5, channel = "web" }), HttpStatusCode.Conflict);
        Assert.Equal("caseNotFinished", early.GetProperty("code").GetString());
        await Move(approver, "approve");
        await Move(approver, "complete");

        var stranger = await app.TokenAsync("citizen", subject: Id("52032719900101555"));
        await ProblemAssert.IsProblem(await Send(HttpMethod.Post, "/api/ratings", stranger, new { caseNo, level = 1, channel = "web" }), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblem(await Send(HttpMethod.Post, "/api/ratings", body: new { caseNo, level = 5, channel = "web" }), HttpStatusCode.Unauthorized);
        await ProblemAssert.IsProblem(await Send(HttpMethod.Post, "/api/ratings", clerk, new { caseNo, level = 5, channel = "web" }), HttpStatusCode.Forbidden);

        var receipt = await Ok(await Send(HttpMethod.Post, "/api/ratings", citizen, new { caseNo, level = 4, channel = "sms", comment = "材料一次讲清楚" }), HttpStatusCode.Created);
        Assert.Equal($"C-{caseNo}", receipt.GetProperty("ratingId").GetString());
        var agent = await app.TokenAsync("hotlineAgent", subject: "agent-12345-1");
        await ProblemAssert.IsProblem(await Send(HttpMethod.Post, "/api/ratings", agent, new { caseNo, level = 2, channel = "hotline" }), HttpStatusCode.Conflict);

        await Eventually(() => Summary("item", Item.Code), s => s.GetProperty("total").GetInt32() >= 1, "item summary");
        var department = await Eventually(() => Summary("department", $"{Item.DepartmentCode}/{county}"), s => s.GetProperty("total").GetInt32() == 1, "department summary");
        Assert.Equal(1, department.GetProperty("byLevel").GetProperty("4").GetInt32());

        // The applicant may read their rating (no rater identity in it); another citizen may not.
        var view = await Ok(await Send(HttpMethod.Get, $"/api/ratings/C-{caseNo}", citizen));
        Assert.Equal(("clerk-fg-2", 2, Item.Code, county), (view.GetProperty("subject").GetProperty("clerk").GetString(), view.GetProperty("subject").GetProperty("windowNo").GetInt32(),
            view.GetProperty("subject").GetProperty("itemCode").GetString(), view.GetProperty("subject").GetProperty("regionCode").GetString()));
        Assert.True(view.GetProperty("raterKnown").GetBoolean());
        Assert.DoesNotContain(idNumber, view.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain(app.App.Services.GetRequiredService<PersonalDataProtector>().Hash.OfResidentId(idNumber), view.GetRawText(), StringComparison.Ordinal);
        await ProblemAssert.IsProblem(await Send(HttpMethod.Get, $"/api/ratings/C-{caseNo}", stranger), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_bad_review_is_verified_appealed_and_excluded_by_a_supervisor_with_its_trail_kept()
    {
        const string hall = "520328-H001"; // 湄潭县
        var (good, goodToken) = await ServeTicket(hall);
        await Ok(await RateTicket(hall, good, goodToken, 5), HttpStatusCode.Created);
        var (bad, badToken) = await ServeTicket(hall);
        var receipt = await Ok(await RateTicket(hall, bad, badToken, 1, "<script>alert('差')</script>"), HttpStatusCode.Created);
        var ratingId = receipt.GetProperty("ratingId").GetString()!;
        var followUp = receipt.GetProperty("followUp");
        Assert.Equal("awaitingVerification", followUp.GetProperty("stage").GetString());
        Assert.True(followUp.GetProperty("replyDue").GetDateTime() > followUp.GetProperty("returnVisitDue").GetDateTime());
        await Eventually(() => Summary("hall", hall), s => s.GetProperty("total").GetInt32() == 2, "both ratings");
        Assert.Equal((0.5, 1), ((await Summary("hall", hall)).GetProperty("goodRate").GetDouble(), (await Summary("hall", hall)).GetProperty("badCount").GetInt32()));

        var manager = await app.TokenAsync("hallManager", hallCode: hall, subject: "manager-mt");
        var view = await Ok(await Send(HttpMethod.Get, $"/api/ratings/{ratingId}", manager));
        Assert.Equal("&lt;script&gt;alert(&#39;差&#39;)&lt;/script&gt;", view.GetProperty("comment").GetString());
        var list = await Ok(await Send(HttpMethod.Get, "/api/ratings/follow-ups?open=true", manager));
        Assert.Contains(list.EnumerateArray(), r => r.GetProperty("ratingId").GetString() == ratingId);
        await ProblemAssert.IsProblem(await Send(HttpMethod.Get, $"/api/ratings/{ratingId}", await app.TokenAsync("hallManager", hallCode: "520329-H001")), HttpStatusCode.NotFound);
        var zunyi = await app.TokenAsync("supervisor", regionCode: "520300");
        Assert.Contains((await Ok(await Send(HttpMethod.Get, "/api/ratings/follow-ups?region=520328", zunyi))).EnumerateArray(), r => r.GetProperty("ratingId").GetString() == ratingId);
        Assert.Contains((await Ok(await Send(HttpMethod.Get, $"/api/ratings/follow-ups?hall={hall}&open=true", zunyi))).EnumerateArray(), r => r.GetProperty("ratingId").GetString() == ratingId);
        await ProblemAssert.IsProblem(await Send(HttpMethod.Get, "/api/ratings/follow-ups?region=520328", await app.TokenAsync("supervisor", regionCode: "520100")), HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(HttpMethod.Get, "/api/ratings/follow-ups", await app.TokenAsync("clerk", hallCode: hall))).StatusCode);

        var outOfOrder = await ProblemAssert.IsProblem(await Send(HttpMethod.Post, $"/api/ratings/{ratingId}/follow-up", manager, new { step = "reply", note = "已整改" }), HttpStatusCode.Conflict);
        Assert.Equal(["verify", "appeal"], outOfOrder.GetProperty("allowedActions").EnumerateArray().Select(a => a.GetString()!));
        await ProblemAssert.IsProblem(await Send(HttpMethod.Post, $"/api/ratings/{ratingId}/follow-up", manager, new { step = "dance", note = "x" }), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblem(await Send(HttpMethod.Post, $"/api/ratings/{ratingId}/follow-up", manager, new { step = "verify" }), HttpStatusCode.BadRequest);
        await Ok(await Send(HttpMethod.Post, $"/api/ratings/{ratingId}/follow-up", manager, new { step = "verify", note = "已回访：评价人当日未在本厅取号" }));
        await Ok(await Send(HttpMethod.Post, $"/api/ratings/{ratingId}/appeal", manager, new { reason = "取号记录与监控显示评价人未到厅，疑似恶意差评" }));

        Assert.Equal(HttpStatusCode.Forbidden, (await Send(HttpMethod.Post, $"/api/ratings/{ratingId}/appeal/decision", manager, new { upheld = true, reason = "自己裁定" })).StatusCode);
        var farSupervisor = await app.TokenAsync("supervisor", regionCode: "520100");
        await ProblemAssert.IsProblem(await Send(HttpMethod.Post, $"/api/ratings/{ratingId}/appeal/decision", farSupervisor, new { upheld = true, reason = "x" }), HttpStatusCode.Forbidden);
        var supervisor = await app.TokenAsync("supervisor", regionCode: "520300", subject: "sup-zunyi");
        var decided = await Ok(await Send(HttpMethod.Post, $"/api/ratings/{ratingId}/appeal/decision", supervisor, new { upheld = true, reason = "经核查申诉成立" }));
        Assert.False(decided.GetProperty("counted").GetBoolean());
        Assert.Equal(("经核查申诉成立", "sup-zunyi"), (decided.GetProperty("excluded").GetProperty("reason").GetString(), decided.GetProperty("excluded").GetProperty("decidedBy").GetString()));
        Assert.Equal(["opened", "verified", "appealFiled", "appealUpheld"], decided.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("kind").GetString()!));
        Assert.Equal("excluded", decided.GetProperty("followUp").GetProperty("stage").GetString());

        var after = await Eventually(() => Summary("hall", hall), s => s.GetProperty("total").GetInt32() == 1, "excluded rating out of the roll-up");
        Assert.Equal((1.0, 0), (after.GetProperty("goodRate").GetDouble(), after.GetProperty("badCount").GetInt32()));
        Assert.Equal(1, (await Ok(await Send(HttpMethod.Get, $"/api/ratings/{ratingId}", supervisor))).GetProperty("level").GetInt32()); // kept, never deleted
    }

    [Fact]
    public async Task After_the_reply_the_rater_rates_the_fix_once_and_the_public_figures_show_it_without_personal_data()
    {
        const string hall = "520329-H001"; // 余庆县
        var (ticketNo, token) = await ServeTicket(hall, "clerk-yq-1");
        var ratingId = (await Ok(await RateTicket(hall, ticketNo, token, 2, "手机号 13812345678 的张先生说太慢"), HttpStatusCode.Created)).GetProperty("ratingId").GetString()!;
        var manager = await app.TokenAsync("hallManager", hallCode: hall);
        await ProblemAssert.IsProblem(await Send(HttpMethod.Post, $"/api/ratings/{ratingId}/fix-rating", body: new { level = 5, ratingToken = token }), HttpStatusCode.Conflict);
        foreach (var (step, note) in new[] { ("verify", "已回访"), ("rectify", "增加午间值班"), ("reply", "已电话告知整改情况") })
        {
            await Ok(await Send(HttpMethod.Post, $"/api/ratings/{ratingId}/follow-up", manager, new { step, note }));
        }

        var (_, otherToken) = await ServeTicket(hall);
        await ProblemAssert.IsProblem(await Send(HttpMethod.Post, $"/api/ratings/{ratingId}/fix-rating", body: new { level = 5, ratingToken = otherToken }), HttpStatusCode.Forbidden);
        await ProblemAssert.IsProblem(await Send(HttpMethod.Post, $"/api/ratings/{ratingId}/fix-rating", body: new { level = 7, ratingToken = token }), HttpStatusCode.BadRequest);
        var fix = await Ok(await Send(HttpMethod.Post, $"/api/ratings/{ratingId}/fix-rating", body: new { level = 4, ratingToken = token, comment = "有改进" }));
        Assert.Equal(("fixRated", 4), (fix.GetProperty("followUp").GetProperty("stage").GetString(), fix.GetProperty("followUp").GetProperty("fixLevel").GetInt32()));
        var twice = await ProblemAssert.IsProblem(await Send(HttpMethod.Post, $"/api/ratings/{ratingId}/fix-rating", body: new { level = 5, ratingToken = token }), HttpStatusCode.Conflict);
        Assert.Equal("fixAlreadyRated", twice.GetProperty("code").GetString());

        var disclosed = await Eventually(
            async () => await Ok(await Send(HttpMethod.Get, $"/api/ratings/public?scope=hall&id={hall}")),
            d => d.GetProperty("allTime").GetProperty("total").GetInt32() == 1, "public figures");
        var f = disclosed.GetProperty("followUps");
        Assert.Equal((1, 1, 1.0, 1.0), (f.GetProperty("badReviews").GetInt32(), f.GetProperty("rectified").GetInt32(), f.GetProperty("rectificationRate").GetDouble(), f.GetProperty("fixSatisfactionRate").GetDouble()));
        Assert.Equal("余庆县政务服务中心", disclosed.GetProperty("name").GetString());
        var text = disclosed.GetRawText();
        foreach (var personal in new[] { "clerk-yq-1", "13812345678", "张先生", "comment", "clerk" })
        {
            Assert.DoesNotContain(personal, text, StringComparison.Ordinal);
        }

        await ProblemAssert.IsProblem(await Send(HttpMethod.Get, "/api/ratings/public?scope=clerk&id=clerk-yq-1"), HttpStatusCode.BadRequest);
        var item = await Ok(await Send(HttpMethod.Get, $"/api/ratings/public?scope=item&id={Item.Code}"));
        Assert.Equal(Item.Name, item.GetProperty("name").GetString());
    }

    [Fact]
    public async Task The_admin_recount_finds_every_roll_up_equal_to_the_stored_ratings()
    {
        const string hall = "522301-H001"; // 兴义市
        for (var level = 1; level <= 5; level++)
        {
            var (ticketNo, token) = await ServeTicket(hall);
            await Ok(await RateTicket(hall, ticketNo, token, level), HttpStatusCode.Created);
        }

        await Eventually(() => Summary("hall", hall), s => s.GetProperty("total").GetInt32() == 5, "hall summary");
        var admin = await app.TokenAsync("admin");

        // The recount only checks (repair is off by default), so asking again until the other scopes' deltas have
        // landed cannot make it pass by repairing them.
        var report = await Eventually(
            async () => await Ok(await Send(HttpMethod.Post, "/api/admin/ratings/recount", admin)), r => r.GetProperty("mismatched").GetInt32() == 0, "recount");
        Assert.True(report.GetProperty("mismatched").GetInt32() == 0, report.GetRawText());
        Assert.True(report.GetProperty("scopes").GetInt32() >= 6);
        Assert.True(report.GetProperty("ratings").GetInt64() >= 5);
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(HttpMethod.Post, "/api/admin/ratings/recount", await app.TokenAsync("supervisor", regionCode: "520000"))).StatusCode);
        Assert.Equal(0.6, (await Summary("hall", hall)).GetProperty("goodRate").GetDouble());
    }

    [Fact]
    public async Task A_rating_reaches_SignalR_watchers_of_the_hall_as_a_new_snapshot_good_rate()
    {
        const string hall = "522302-H001"; // 兴仁市
        await using var hub = new HubConnectionBuilder().WithUrl(new Uri(app.BaseAddress, "/hubs/live")).Build();
        var snapshots = new ConcurrentQueue<(JsonElement Snapshot, DateTime At)>();
        var ratings = new ConcurrentQueue<JsonElement>();
        hub.On<JsonElement>("hallSnapshot", s => snapshots.Enqueue((s, DateTime.UtcNow)));
        hub.On<JsonElement>(RatingLive.RatingsChanged, r => ratings.Enqueue(r));
        await hub.StartAsync();
        var initial = await hub.InvokeAsync<JsonElement>("WatchHall", hall);
        Assert.Equal(JsonValueKind.Null, initial.GetProperty("goodRate").ValueKind);

        var (first, firstToken) = await ServeTicket(hall);
        var (second, secondToken) = await ServeTicket(hall);
        await Ok(await RateTicket(hall, first, firstToken, 5), HttpStatusCode.Created);
        await Eventually(() => Task.FromResult(snapshots.LastOrDefault().Snapshot), s => s.ValueKind == JsonValueKind.Object && s.GetProperty("goodRate").ValueKind == JsonValueKind.Number, "a hallSnapshot with goodRate");
        var (snapshot, _) = snapshots.First(s => s.Snapshot.GetProperty("goodRate").ValueKind == JsonValueKind.Number);
        Assert.Equal(1.0, snapshot.GetProperty("goodRate").GetDouble());

        await Ok(await RateTicket(hall, second, secondToken, 1), HttpStatusCode.Created);
        await Eventually(() => Task.FromResult(snapshots.Last().Snapshot), s => s.GetProperty("goodRate").ValueKind == JsonValueKind.Number && s.GetProperty("goodRate").GetDouble() == 0.5, "goodRate 0.5");
        await Eventually(() => Task.FromResult(ratings.LastOrDefault()), r => r.ValueKind == JsonValueKind.Object && r.GetProperty("allTime").GetProperty("total").GetInt32() == 2, "ratingsChanged");
        Assert.Equal(("hall", hall), (ratings.Last().GetProperty("scope").GetString(), ratings.Last().GetProperty("id").GetString()));
        Assert.Equal(0.5, (await app.Http.GetFromJsonAsync<JsonElement>($"/api/halls/{hall}/snapshot")).GetProperty("goodRate").GetDouble());

        // The digital map's overlay is fed by the same snapshot push: the county's choropleth shows the hall's rate.
        var county = await Eventually(
            async () => (await app.Http.GetFromJsonAsync<JsonElement>("/api/map/aggregates?level=county")).EnumerateArray().Single(c => c.GetProperty("code").GetString() == "522302"),
            c => c.GetProperty("goodRate").ValueKind == JsonValueKind.Number && c.GetProperty("goodRate").GetDouble() == 0.5,
            "the map's county goodRate");
        Assert.Equal(1, county.GetProperty("ratedPoints").GetInt32());
    }
}
