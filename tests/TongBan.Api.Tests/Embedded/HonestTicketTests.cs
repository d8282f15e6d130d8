using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using TongBan.Api.Security;
using TongBan.Api.Tests.Support;
using TongBan.Grains.Identity;
using TongBan.Grains.Queues;
using static TongBan.Api.Tests.Support.CaseDriver;

namespace TongBan.Api.Tests.Embedded;

/// <summary>
/// 诚信取号 over real HTTP: priority only from staff or a verified claim, kiosks without priority, remote tickets signed in,
/// one open ticket per person and category, and the citizen's cancel with the cancelToken. Each test owns one hall of 黔南.
/// </summary>
[Collection(EmbeddedCollection.Name)]
[Trait("Category", "Integration")]
public sealed class HonestTicketTests(EmbeddedApp app)
{
    private async Task<HttpResponseMessage> Take(string hall, object body, string? token = null, string? key = null)
    {
        using var request = app.Request(HttpMethod.Post, $"/api/halls/{hall}/tickets", token, body);
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        return await app.Http.SendAsync(request);
    }

    private async Task<JsonElement> Taken(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement;
    }

    private Task<HttpResponseMessage> Cancel(string hall, string ticketNo, object body) =>
        app.Http.SendAsync(app.Request(HttpMethod.Post, $"/api/halls/{hall}/tickets/{ticketNo}/cancel", body: body));

    private async Task<string> State(string hall, string ticketNo) =>
        (await app.Http.GetFromJsonAsync<JsonElement>($"/api/halls/{hall}/tickets/{ticketNo}")).GetProperty("state").GetString()!;

    private async Task<string> CitizenWith(string idNumber, string priorityClass)
    {
        var response = await app.Http.PostAsJsonAsync("/api/dev/token", new DevTokenRequest("citizen", idNumber, null, null, null, null, priorityClass));
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<DevTokenResponse>())!.Token;
    }

    [Fact]
    public async Task An_anonymous_caller_cannot_declare_a_priority_and_a_kiosk_sets_none()
    {
        const string hall = "522727-H001"; // 平塘县
        foreach (var body in new object[]
        {
            new { category = "A", kind = "walkIn", priority = "greenChannel" },
            new { category = "A", priority = "assisted" },
            new { category = "A", kind = "kiosk", priority = "greenChannel" },
        })
        {
            var problem = await ProblemAssert.IsProblem(await Take(hall, body), HttpStatusCode.Forbidden);
            Assert.Contains("priority", problem.GetProperty("detail").GetString()!, StringComparison.OrdinalIgnoreCase);
        }

        // Not even the hall's guide at a kiosk; nothing was issued by the refusals.
        var guide = await app.TokenAsync(Roles.Guide, hallCode: hall);
        await ProblemAssert.IsProblem(await Take(hall, new { category = "A", kind = "kiosk", priority = "greenChannel" }, guide), HttpStatusCode.Forbidden);
        var walkIn = await Taken(await Take(hall, new { category = "A", kind = "kiosk" }));
        Assert.Equal("A001", walkIn.GetProperty("ticketNo").GetString());
    }

    [Fact]
    public async Task Staff_of_the_hall_grant_a_priority_and_so_does_a_verified_claim()
    {
        const string hall = "522728-H001"; // 罗甸县
        _ = await Taken(await Take(hall, new { category = "A" }));
        _ = await Taken(await Take(hall, new { category = "A" }));

        var guide = await app.TokenAsync(Roles.Guide, hallCode: hall, subject: "guide-luodian-1");
        var green = await Taken(await Take(hall, new { category = "A", priority = "greenChannel", idNumber = Id("52272819400101001") }, guide));
        Assert.Equal(1, green.GetProperty("position").GetInt32());

        var clerk = await app.TokenAsync(Roles.Clerk, hallCode: hall);
        _ = await Taken(await Take(hall, new { category = "A", priority = "assisted" }, clerk));

        // Staff of another hall, or a citizen without the verified attribute, may not.
        var otherGuide = await app.TokenAsync(Roles.Guide, hallCode: "522727-H001");
        await ProblemAssert.IsProblem(await Take(hall, new { category = "A", priority = "greenChannel" }, otherGuide), HttpStatusCode.Forbidden);
        var plain = await app.TokenAsync(Roles.Citizen, subject: Id("52272819800101002"));
        await ProblemAssert.IsProblem(await Take(hall, new { category = "A", kind = "remote", priority = "greenChannel" }, plain), HttpStatusCode.Forbidden);
        var supervisor = await app.TokenAsync(Roles.Supervisor, regionCode: "522728");
        await ProblemAssert.IsProblem(await Take(hall, new { category = "A", priority = "greenChannel" }, supervisor), HttpStatusCode.Forbidden);

        // A citizen whose sign-in carries priorityClass=greenChannel (verified by the identity provider) gets it — that class only.
        var verified = await CitizenWith(Id("52272819450101003"), "greenChannel");
        var own = await Taken(await Take(hall, new { category = "A", kind = "remote", priority = "greenChannel" }, verified));
        Assert.Equal(2, own.GetProperty("position").GetInt32());
        await ProblemAssert.IsProblem(await Take(hall, new { category = "B", kind = "remote", priority = "assisted" }, verified), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_remote_ticket_needs_a_citizen_sign_in()
    {
        const string hall = "522729-H001"; // 长顺县
        await ProblemAssert.IsProblem(await Take(hall, new { category = "A", kind = "remote" }), HttpStatusCode.Unauthorized);
        var clerk = await app.TokenAsync(Roles.Clerk, hallCode: hall);
        await ProblemAssert.IsProblem(await Take(hall, new { category = "A", kind = "remote" }, clerk), HttpStatusCode.Forbidden);

        var citizen = await app.TokenAsync(Roles.Citizen, subject: Id("52272919900101004"));
        var ticket = await Taken(await Take(hall, new { category = "A", kind = "remote" }, citizen));
        Assert.Equal("A001", ticket.GetProperty("ticketNo").GetString());
    }

    [Fact]
    public async Task One_open_ticket_per_person_and_category_and_a_retry_is_the_same_ticket()
    {
        const string hall = "522730-H001"; // 龙里县
        var idNumber = Id("52273019900101005");
        var citizen = await app.TokenAsync(Roles.Citizen, subject: idNumber);
        var first = await Taken(await Take(hall, new { category = "A", kind = "remote" }, citizen, key: "phone-1"));
        var ticketNo = first.GetProperty("ticketNo").GetString()!;

        var retried = await Taken(await Take(hall, new { category = "A", kind = "remote" }, citizen, key: "phone-1"));
        Assert.Equal(ticketNo, retried.GetProperty("ticketNo").GetString());

        var second = await Take(hall, new { category = "A", kind = "remote" }, citizen, key: "phone-2");
        var text = await second.Content.ReadAsStringAsync();
        var problem = await ProblemAssert.IsProblem(second, HttpStatusCode.Conflict);
        Assert.Equal("alreadyHoldsTicket", problem.GetProperty("code").GetString());
        Assert.Equal(ticketNo, problem.GetProperty("ticketNo").GetString());
        Assert.Equal("waiting", problem.GetProperty("state").GetString());
        Assert.Contains(ticketNo, problem.GetProperty("detail").GetString()!, StringComparison.Ordinal);

        // The person key never leaves the server: not the ID number, not its hash.
        Assert.DoesNotContain(idNumber, text, StringComparison.Ordinal);
        foreach (var hash in new KeyedHash(Encoding.UTF8.GetBytes(PrivacyOptions.DevelopmentHashKey), KeyedHashFunction.HmacSm3).ResidentIdCandidates(idNumber))
        {
            var hex = hash[^KeyedHash.HexLength..]; // HMAC-SM3 and HMAC-SHA256 holder keys alike
            Assert.DoesNotContain(hex[..TicketHolderKeys.Length], text, StringComparison.Ordinal);
            Assert.DoesNotContain(hex[..TicketHolderKeys.Length], first.GetRawText(), StringComparison.Ordinal);
        }

        // Another category of the same hall is another line; the guide naming the same person at the desk is refused too.
        _ = await Taken(await Take(hall, new { category = "B", kind = "remote" }, citizen));
        var guide = await app.TokenAsync(Roles.Guide, hallCode: hall);
        var atDesk = await ProblemAssert.IsProblem(await Take(hall, new { category = "A", idNumber }, guide), HttpStatusCode.Conflict);
        Assert.Equal(ticketNo, atDesk.GetProperty("ticketNo").GetString());

        // Known by phone only: one per phone; anonymous walk-ins are not deduplicated.
        _ = await Taken(await Take(hall, new { category = "A", phone = "139 0000 2222" }, guide));
        await ProblemAssert.IsProblem(await Take(hall, new { category = "A", phone = "13900002222" }, guide), HttpStatusCode.Conflict);
        _ = await Taken(await Take(hall, new { category = "A" }));
        _ = await Taken(await Take(hall, new { category = "A" }));

        // Once cancelled, the person may take again.
        var cancelled = await Cancel(hall, ticketNo, new { cancelToken = first.GetProperty("cancelToken").GetString() });
        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        _ = await Taken(await Take(hall, new { category = "A", kind = "remote" }, citizen, key: "phone-3"));
    }

    [Fact]
    public async Task Only_staff_name_a_holder_and_bad_holders_are_400()
    {
        const string hall = "522731-H001"; // 惠水县
        var idNumber = Id("52273119900101006");
        await ProblemAssert.IsProblem(await Take(hall, new { category = "A", idNumber }), HttpStatusCode.Forbidden);
        var citizen = await app.TokenAsync(Roles.Citizen, subject: Id("52273119900101007"));
        await ProblemAssert.IsProblem(await Take(hall, new { category = "A", kind = "remote", idNumber }, citizen), HttpStatusCode.Forbidden);

        var guide = await app.TokenAsync(Roles.Guide, hallCode: hall);
        await ProblemAssert.IsProblem(await Take(hall, new { category = "A", idNumber = "520000000000000000" }, guide), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblem(await Take(hall, new { category = "A", phone = "12345" }, guide), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblem(await Take(hall, new { category = "A", idNumber = "" }, guide), HttpStatusCode.BadRequest);

        // A guide works no window.
        var open = await app.Http.SendAsync(app.Request(HttpMethod.Post, $"/api/halls/{hall}/windows/1/open", guide));
        Assert.Equal(HttpStatusCode.Forbidden, open.StatusCode);
    }

    [Fact]
    public async Task The_citizen_cancels_with_the_cancel_token()
    {
        const string hall = "522732-H001"; // 三都水族自治县
        var ticket = await Taken(await Take(hall, new { category = "A", kind = "kiosk" }));
        var ticketNo = ticket.GetProperty("ticketNo").GetString()!;
        var token = ticket.GetProperty("cancelToken").GetString()!;
        Assert.Equal(16, token.Length);

        // Wrong token (the rating token, another ticket's, garbage): 403, nothing changes.
        var other = await Taken(await Take(hall, new { category = "A" }));
        foreach (var wrong in new[] { ticket.GetProperty("ratingToken").GetString()!, other.GetProperty("cancelToken").GetString()!, "nope" })
        {
            await ProblemAssert.IsProblem(await Cancel(hall, ticketNo, new { cancelToken = wrong }), HttpStatusCode.Forbidden);
        }

        Assert.Equal("waiting", await State(hall, ticketNo));

        // Bad input and unknown things.
        await ProblemAssert.IsProblem(await Cancel(hall, ticketNo, new { }), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblem(await Cancel(hall, "12", new { cancelToken = token }), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblem(await Cancel(hall, "A999", new { cancelToken = token }), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblem(await Cancel(hall, "Q001", new { cancelToken = token }), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblem(await Cancel("522732-H999", ticketNo, new { cancelToken = token }), HttpStatusCode.NotFound);

        var cancelled = await Cancel(hall, ticketNo, new { cancelToken = token.ToLowerInvariant() });
        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        Assert.Equal("cancelled", (await cancelled.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("state").GetString());
        Assert.Equal("cancelled", await State(hall, ticketNo));

        // A repeat with the right token is answered the same; a served ticket cannot be cancelled (409 naming its state).
        var again = await Cancel(hall, ticketNo, new { cancelToken = token });
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(await cancelled.Content.ReadAsStringAsync(), await again.Content.ReadAsStringAsync());

        var clerk = await app.TokenAsync(Roles.Clerk, hallCode: hall, windowNo: 1);
        var otherNo = other.GetProperty("ticketNo").GetString()!;
        foreach (var step in new[] { "open", "call-next", "start", "finish" })
        {
            var done = await app.Http.SendAsync(app.Request(HttpMethod.Post, $"/api/halls/{hall}/windows/1/{step}", clerk));
            Assert.True(done.IsSuccessStatusCode, $"{step}: {(int)done.StatusCode} {await done.Content.ReadAsStringAsync()}");
        }

        var served = await ProblemAssert.IsProblem(await Cancel(hall, otherNo, new { cancelToken = other.GetProperty("cancelToken").GetString() }), HttpStatusCode.Conflict);
        Assert.Equal("done", served.GetProperty("state").GetString());
        Assert.Equal("rate", served.GetProperty("allowedActions")[0].GetString());
        Assert.Equal("done", await State(hall, otherNo));

        // The route is in the OpenAPI document.
        var openApi = JsonDocument.Parse(await app.Http.GetStringAsync("/openapi/v1.json")).RootElement;
        Assert.True(openApi.GetProperty("paths").TryGetProperty("/api/halls/{hallCode}/tickets/{ticketNo}/cancel", out _));
    }
}
