using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TongBan.Api.Tests.Support;

namespace TongBan.Api.Tests.Embedded;

[Collection(EmbeddedCollection.Name)]
[Trait("Category", "Integration")]
public class RegionEndpointTests(EmbeddedApp app)
{
    [Fact]
    public async Task Province_has_nine_prefectures_with_the_contract_fields()
    {
        var regions = await app.Http.GetFromJsonAsync<JsonElement[]>("/api/regions?parent=520000");
        Assert.Equal(9, regions!.Length);
        var guiyang = regions.Single(r => r.GetProperty("code").GetString() == "520100");
        Assert.Equal("贵阳市", guiyang.GetProperty("name").GetString());
        Assert.Equal("prefecture", guiyang.GetProperty("level").GetString());
        Assert.Equal("520000", guiyang.GetProperty("parentCode").GetString());
        Assert.InRange(guiyang.GetProperty("center").GetProperty("lat").GetDouble(), 26.5, 26.7);
        Assert.InRange(guiyang.GetProperty("center").GetProperty("lon").GetDouble(), 106.6, 106.8);
    }

    [Fact]
    public async Task All_regions_without_parent_and_88_counties_below_prefectures()
    {
        var all = await app.Http.GetFromJsonAsync<JsonElement[]>("/api/regions");
        Assert.Equal(98, all!.Length);
        Assert.Equal(88, all.Count(r => r.GetProperty("level").GetString() == "county"));
    }

    [Fact]
    public async Task DataV_alias_parent_is_accepted()
    {
        var region = await app.Http.GetFromJsonAsync<JsonElement>("/api/regions/520221");
        Assert.Equal("520204", region.GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("/api/regions?parent=52000", HttpStatusCode.BadRequest)]
    [InlineData("/api/regions?parent=abcdef", HttpStatusCode.BadRequest)]
    [InlineData("/api/regions?parent=510000", HttpStatusCode.NotFound)]
    [InlineData("/api/regions/999999", HttpStatusCode.NotFound)]
    [InlineData("/api/regions?crs=bd09", HttpStatusCode.BadRequest)]
    public async Task Bad_region_input_is_a_problem(string url, HttpStatusCode status) =>
        await ProblemAssert.IsProblem(await app.Http.GetAsync(url), status);

    [Fact]
    public async Task Locate_finds_the_county_in_wgs84_and_gcj02()
    {
        var wgs = await app.Http.GetFromJsonAsync<JsonElement>("/api/regions/locate?lat=26.5770&lon=106.7122");
        Assert.Equal("520102", wgs.GetProperty("code").GetString());

        // The DataV (GCJ-02) seat of 七星关区 given as gcj02 lands in 七星关区, and the answer is echoed in gcj02.
        var gcj = await app.Http.GetFromJsonAsync<JsonElement>("/api/regions/locate?lat=27.302085&lon=105.284852&crs=gcj02");
        Assert.Equal("520502", gcj.GetProperty("code").GetString());
        Assert.Equal(27.302085, gcj.GetProperty("center").GetProperty("lat").GetDouble(), 4);
    }

    [Theory]
    [InlineData("/api/regions/locate?lat=30.66&lon=104.06", HttpStatusCode.NotFound)] // 成都: outside coverage
    [InlineData("/api/regions/locate?lat=91&lon=106", HttpStatusCode.BadRequest)]
    [InlineData("/api/regions/locate?lat=NaN&lon=106", HttpStatusCode.BadRequest)]
    [InlineData("/api/regions/locate?lat=abc&lon=106", HttpStatusCode.BadRequest)]
    [InlineData("/api/regions/locate?lon=106", HttpStatusCode.BadRequest)]
    [InlineData("/api/regions/locate?lat=26&lon=106&crs=bd09", HttpStatusCode.BadRequest)]
    public async Task Locate_rejects_bad_input_and_says_outside_coverage(string url, HttpStatusCode status) =>
        await ProblemAssert.IsProblem(await app.Http.GetAsync(url), status);
}
