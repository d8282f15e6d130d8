using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TongBan.Api.Tests.Support;

namespace TongBan.Api.Tests.Embedded;

/// <summary>
/// Waits people can trust, over real HTTP: a line no open window serves says so (null wait, <c>noWindow</c>) on the hall
/// snapshot, the queue view and the map point, never 0; published figures are whole minutes and whole windows.
/// Owns 台江县政务服务中心 (522630-H001), which no other test uses.
/// </summary>
[Collection(EmbeddedCollection.Name)]
[Trait("Category", "Integration")]
public class WaitFigureTests(EmbeddedApp app)
{
    private const string Hall = "522630-H001";

    [Fact]
    public async Task A_line_without_an_open_window_is_flagged_and_figures_are_rounded()
    {
        using (var take = app.Request(HttpMethod.Post, $"/api/halls/{Hall}/tickets", body: new { category = "A", kind = "kiosk" }))
        {
            var taken = await app.Http.SendAsync(take);
            Assert.Equal(HttpStatusCode.OK, taken.StatusCode);
            Assert.Equal(JsonValueKind.Null, (await taken.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("predictedWaitMinutes").ValueKind);
        }

        // No window is open: the snapshot, the queue view and the map all say "no window" instead of a wait.
        var category = await Poll.Until(async () => Category(await Snapshot(), "A"), c => c.GetProperty("waiting").GetInt32() == 1, TimeSpan.FromSeconds(10));
        Assert.True(category.GetProperty("noWindow").GetBoolean());
        Assert.Equal(JsonValueKind.Null, category.GetProperty("predictedWaitMinutes").ValueKind);
        Assert.Equal(0, category.GetProperty("servingWindows").GetDouble());
        Assert.Equal(0, category.GetProperty("errorSampleCount").GetInt32());
        Assert.Equal(JsonValueKind.Null, category.GetProperty("meanAbsoluteErrorMinutes").ValueKind); // no error from no tickets

        var profile = await app.Http.GetFromJsonAsync<JsonElement>($"/api/halls/{Hall}");
        var windowNo = profile.GetProperty("windows").EnumerateArray()
            .First(w => w.GetProperty("categories").EnumerateArray().Any(c => c.GetString() == "A"))
            .GetProperty("windowNo").GetInt32();
        var clerk = await app.TokenAsync("clerk", hallCode: Hall, windowNo: windowNo, subject: "clerk-taijiang-1");
        JsonElement queue;
        using (var read = app.Request(HttpMethod.Get, $"/api/halls/{Hall}/queues/A", clerk))
        {
            queue = await (await app.Http.SendAsync(read)).EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>();
        }

        Assert.True(queue.GetProperty("noWindow").GetBoolean());
        Assert.Equal(JsonValueKind.Null, queue.GetProperty("predictedWaitMinutes").ValueKind);
        Assert.False(queue.TryGetProperty("capacity", out _)); // the fractional capacity stays inside
        AssertWhole(queue.GetProperty("meanServiceMinutes"));

        var detail = await app.Http.GetFromJsonAsync<JsonElement>($"/api/map/points/{Hall}");
        var point = detail.GetProperty("point");
        Assert.True(point.GetProperty("noWindow").GetBoolean());
        Assert.Equal(JsonValueKind.Null, point.GetProperty("predictedWaitMinutes").ValueKind);
        Assert.Equal(["A"], point.GetProperty("unservedCategories").EnumerateArray().Select(c => c.GetString()));
        var mapA = detail.GetProperty("categories").EnumerateArray().Single(c => c.GetProperty("code").GetString() == "A");
        Assert.True(mapA.GetProperty("noWindow").GetBoolean());
        Assert.Equal(JsonValueKind.Null, mapA.GetProperty("predictedWaitMinutes").ValueKind);

        // A window serving A opens: the flag clears, the wait is a whole number of minutes and the window count whole.
        using (var open = app.Request(HttpMethod.Post, $"/api/halls/{Hall}/windows/{windowNo}/open", clerk))
        {
            Assert.Equal(HttpStatusCode.OK, (await app.Http.SendAsync(open)).StatusCode);
        }

        category = await Poll.Until(async () => Category(await Snapshot(), "A"), c => !c.GetProperty("noWindow").GetBoolean(), TimeSpan.FromSeconds(10));
        Assert.Equal(JsonValueKind.Number, category.GetProperty("predictedWaitMinutes").ValueKind);
        Assert.Equal(1, category.GetProperty("servingWindows").GetDouble());
        var snapshot = await Snapshot();
        Assert.All(snapshot.GetProperty("categories").EnumerateArray(), c => AssertWhole(c.GetProperty("servingWindows")));
        foreach (var field in new[] { "averageWaitMinutes", "p90WaitMinutes" })
        {
            if (snapshot.GetProperty(field).ValueKind == JsonValueKind.Number)
            {
                AssertWhole(snapshot.GetProperty(field));
            }
        }

        detail = await Poll.Until(
            async () => await app.Http.GetFromJsonAsync<JsonElement>($"/api/map/points/{Hall}"),
            d => !d.GetProperty("point").GetProperty("noWindow").GetBoolean(), TimeSpan.FromSeconds(10));
        Assert.Equal(JsonValueKind.Number, detail.GetProperty("point").GetProperty("predictedWaitMinutes").ValueKind);
        Assert.Equal(0, detail.GetProperty("point").GetProperty("unservedCategories").GetArrayLength());
    }

    private static void AssertWhole(JsonElement number) => Assert.Equal(Math.Round(number.GetDouble()), number.GetDouble());

    private static JsonElement Category(JsonElement snapshot, string code) =>
        snapshot.GetProperty("categories").EnumerateArray().Single(c => c.GetProperty("code").GetString() == code);

    private async Task<JsonElement> Snapshot() => await app.Http.GetFromJsonAsync<JsonElement>($"/api/halls/{Hall}/snapshot");
}
