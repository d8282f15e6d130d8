using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TongBan.Api.Tests.Support;

namespace TongBan.Api.Tests.Embedded;

[Collection(EmbeddedCollection.Name)]
[Trait("Category", "Integration")]
public class HallEndpointTests(EmbeddedApp app)
{
    [Fact]
    public async Task Halls_of_a_prefecture_by_type()
    {
        var halls = await app.Http.GetFromJsonAsync<JsonElement[]>("/api/halls?region=520100&type=hall");
        Assert.Equal(11, halls!.Length); // 贵阳市政务服务中心 + 10 county-level halls
        var first = halls[0];
        foreach (var field in new[] { "code", "name", "type", "level", "regionCode", "location" })
        {
            Assert.True(first.TryGetProperty(field, out _), field);
        }

        Assert.All(halls, h => Assert.Equal("hall", h.GetProperty("type").GetString()));
    }

    [Fact]
    public async Task Province_lists_all_service_point_types()
    {
        var all = (await app.Http.GetFromJsonAsync<JsonElement[]>("/api/halls"))!;
        var types = all!.Select(h => h.GetProperty("type").GetString()!).ToHashSet();
        Assert.Equal(["hall", "partner", "selfService", "station", "subHall"], types.Order(StringComparer.Ordinal)!);
        Assert.InRange(all.Length, 2500, 3000);
    }

    [Fact]
    public async Task Hall_profile_has_windows_categories_and_hours()
    {
        var hall = await app.Http.GetFromJsonAsync<JsonElement>("/api/halls/520000-H001");
        Assert.Equal("贵州省政务服务中心", hall.GetProperty("name").GetString());
        Assert.Equal("province", hall.GetProperty("level").GetString());
        Assert.Equal(24, hall.GetProperty("windows").GetArrayLength());
        Assert.Equal("09:00-12:00", hall.GetProperty("openingHours").GetProperty("saturday")[0].GetString());
        Assert.False(hall.GetProperty("status").GetProperty("suspended").GetBoolean());
    }

    [Fact]
    public async Task Snapshot_has_the_contract_shape()
    {
        var snapshot = await app.Http.GetFromJsonAsync<JsonElement>("/api/halls/520102-H001/snapshot");
        Assert.Equal("520102-H001", snapshot.GetProperty("hallCode").GetString());
        Assert.EndsWith("+08:00", snapshot.GetProperty("at").GetString());
        foreach (var field in new[] { "categories", "windows", "servedToday", "appointmentsToday", "goodRate" })
        {
            Assert.True(snapshot.TryGetProperty(field, out _), field);
        }

        var category = snapshot.GetProperty("categories")[0];
        foreach (var field in new[] { "code", "name", "waiting", "predictedWaitMinutes" })
        {
            Assert.True(category.TryGetProperty(field, out _), field);
        }
    }

    [Theory]
    [InlineData("/api/halls/520102-H999", HttpStatusCode.NotFound)]
    [InlineData("/api/halls/520102-H999/snapshot", HttpStatusCode.NotFound)]
    [InlineData("/api/halls/nonsense", HttpStatusCode.BadRequest)]
    [InlineData("/api/halls/nonsense/snapshot", HttpStatusCode.BadRequest)]
    [InlineData("/api/halls?region=12", HttpStatusCode.BadRequest)]
    [InlineData("/api/halls?region=510000", HttpStatusCode.NotFound)]
    [InlineData("/api/halls?type=castle", HttpStatusCode.BadRequest)]
    [InlineData("/api/halls?crs=xyz", HttpStatusCode.BadRequest)]
    public async Task Bad_hall_input_is_a_problem(string url, HttpStatusCode status) =>
        await ProblemAssert.IsProblem(await app.Http.GetAsync(url), status);

    [Fact]
    public async Task Gcj02_output_is_shifted_north_east_of_wgs84()
    {
        var wgs = await app.Http.GetFromJsonAsync<JsonElement>("/api/halls/520102-H001");
        var gcj = await app.Http.GetFromJsonAsync<JsonElement>("/api/halls/520102-H001?crs=gcj02");
        var dLon = gcj.GetProperty("location").GetProperty("lon").GetDouble() - wgs.GetProperty("location").GetProperty("lon").GetDouble();
        var dLat = gcj.GetProperty("location").GetProperty("lat").GetDouble() - wgs.GetProperty("location").GetProperty("lat").GetDouble();
        Assert.InRange(dLon, 0.002, 0.005);
        Assert.InRange(dLat, -0.004, -0.0025);
    }
}
