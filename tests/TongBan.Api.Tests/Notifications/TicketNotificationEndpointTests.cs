using System.Net;
using System.Text.Json;
using TongBan.Api.Tests.Support;

namespace TongBan.Api.Tests.Notifications;

/// <summary>
/// A ticket taken with a phone: <c>POST /api/halls/{hallCode}/tickets</c> with <c>notify</c>/<c>notifyPhone</c>, the window's
/// call, and <c>GET …/tickets/{ticketNo}/notifications</c> for the holder (取消码) and the hall's staff.
/// </summary>
[Trait("Category", "Integration")]
public sealed class TicketNotificationEndpointTests(NotificationApp app) : IClassFixture<NotificationApp>
{
    private async Task<(HttpStatusCode Status, JsonElement Body)> Send(HttpMethod method, string path, string? token = null, object? body = null, string? ticketToken = null)
    {
        using var request = app.Request(method, path, token, body);
        if (ticketToken is not null)
        {
            request.Headers.Add("X-Ticket-Token", ticketToken);
        }

        using var response = await app.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    [Fact]
    public async Task The_holder_is_told_to_come_and_which_window_masked_and_only_with_the_ticket_token()
    {
        const string hall = "520624-H001";
        var (status, taken) = await Send(HttpMethod.Post, $"/api/halls/{hall}/tickets", body: new { category = "A", kind = "kiosk", notifyPhone = "13885007777", notify = new { channels = new[] { "sms" } } });
        Assert.True(status == HttpStatusCode.OK, taken.ToString());
        Assert.Equal("138****7777", taken.GetProperty("notify").GetProperty("phone").GetString());
        Assert.Equal("sms", taken.GetProperty("notify").GetProperty("channels")[0].GetString());
        Assert.DoesNotContain("13885007777", taken.GetRawText(), StringComparison.Ordinal);
        var ticketNo = taken.GetProperty("ticketNo").GetString()!;
        var cancelToken = taken.GetProperty("cancelToken").GetString()!;
        var path = $"/api/halls/{hall}/tickets/{ticketNo}/notifications";

        var clerk = await app.TokenAsync("clerk", hallCode: hall, windowNo: 1, subject: "clerk-ticket-notify-1");
        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Post, $"/api/halls/{hall}/windows/1/open", clerk)).Status);
        var (calledStatus, called) = await Send(HttpMethod.Post, $"/api/halls/{hall}/windows/1/call-next", clerk);
        Assert.Equal(HttpStatusCode.OK, calledStatus);
        Assert.Equal(ticketNo, called.GetProperty("ticketNo").GetString());

        // First in line at once: come now; then the call. Both go out through the log channel in the background.
        var list = await Poll.Until(
            async () => (await Send(HttpMethod.Get, path, ticketToken: cancelToken)).Body,
            l => l.ValueKind == JsonValueKind.Array && l.GetArrayLength() == 2 && l.EnumerateArray().All(n => n.GetProperty("state").GetString() == "sent"),
            TimeSpan.FromSeconds(20));
        var items = list.EnumerateArray().ToList();
        Assert.Equal(["ticketComeNow", "ticketCalled"], items.Select(n => n.GetProperty("event").GetString()));
        Assert.All(items, n => Assert.Equal("138****7777", n.GetProperty("recipient").GetString()));
        Assert.Equal($"请{ticketNo}号到1号窗口办理。", items[1].GetProperty("text").GetString());
        Assert.EndsWith($"{ticketNo}:call:1", items[1].GetProperty("eventId").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("13885007777", list.GetRawText(), StringComparison.Ordinal);

        // The hall's staff see it; no token → 401; another ticket's token → 403.
        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Get, path, clerk)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(HttpMethod.Get, path)).Status);
        var (_, other) = await Send(HttpMethod.Post, $"/api/halls/{hall}/tickets", body: new { category = "A", kind = "kiosk" });
        Assert.Equal(JsonValueKind.Null, other.GetProperty("notify").ValueKind);
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(HttpMethod.Get, path, ticketToken: other.GetProperty("cancelToken").GetString())).Status);
        var otherClerk = await app.TokenAsync("clerk", hallCode: "520623-H001", windowNo: 1, subject: "clerk-ticket-notify-2");
        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(HttpMethod.Get, path, otherClerk)).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await Send(HttpMethod.Get, $"/api/halls/{hall}/tickets/x1/notifications", clerk)).Status);
    }

    [Theory]
    [InlineData("{\"category\":\"A\",\"notifyPhone\":\"12345\"}", "notifyPhone")]
    [InlineData("{\"category\":\"A\",\"notify\":{\"channels\":[\"sms\"]}}", "notifyPhone")]
    [InlineData("{\"category\":\"A\",\"notify\":{\"channels\":[\"fax\"]},\"notifyPhone\":\"13885007777\"}", "notify.channels")]
    [InlineData("{\"category\":\"A\",\"notify\":{\"channels\":[\"weChat\"]}}", "notify.weChatOpenId")]
    public async Task A_bad_contact_is_a_400_naming_the_field(string json, string field)
    {
        using var response = await app.Http.PostAsync("/api/halls/520623-H001/tickets", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.True(body.GetProperty("errors").TryGetProperty(field, out _), body.ToString());
    }
}
