using System.Net;
using System.Text.Json;
using TongBan.Api.Tests.Support;

namespace TongBan.Api.Tests.Embedded;

[Collection(EmbeddedCollection.Name)]
[Trait("Category", "Integration")]
public class PlatformTests(EmbeddedApp app)
{
    [Fact]
    public async Task Healthz_and_readyz_answer_200_once_started()
    {
        Assert.Equal(HttpStatusCode.OK, (await app.Http.GetAsync("/healthz")).StatusCode);
        var ready = await app.Http.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Healthy", await ready.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task OpenApi_document_lists_the_contract_routes()
    {
        var doc = JsonDocument.Parse(await app.Http.GetStringAsync("/openapi/v1.json")).RootElement;
        var paths = doc.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToHashSet();
        foreach (var route in new[] { "/api/regions", "/api/regions/locate", "/api/halls", "/api/halls/{hallCode}", "/api/halls/{hallCode}/snapshot", "/api/dev/token" })
        {
            Assert.Contains(route, paths);
        }
    }

    [Fact]
    public async Task Prometheus_metrics_include_the_Orleans_meter()
    {
        await app.Http.GetAsync("/api/halls/520102-H001/snapshot"); // make at least one grain call
        var text = string.Empty;
        for (var attempt = 0; attempt < 20 && !text.Contains("orleans_", StringComparison.Ordinal); attempt++)
        {
            text = await app.Http.GetStringAsync("/metrics");
            await Task.Delay(250);
        }

        Assert.Contains("orleans_", text, StringComparison.Ordinal);
        Assert.Contains("http_server_request_duration", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_route_is_a_problem_404()
    {
        await ProblemAssert.IsProblem(await app.Http.GetAsync("/api/nothing-here"), HttpStatusCode.NotFound);
    }
}
