using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Storage;
using TongBan.Api.Endpoints;

namespace TongBan.Api.Tests.Endpoints;

/// <summary>Transient cluster conditions reach a client as 503 ProblemDetails with Retry-After, never as a 500.</summary>
[Trait("Category", "Unit")]
public class DomainExceptionHandlerTests
{
    [Fact]
    public async Task A_grain_that_found_a_newer_stored_state_answers_503_with_retry_after()
    {
        var services = new ServiceCollection().AddLogging().AddProblemDetails().BuildServiceProvider();
        var context = new DefaultHttpContext { RequestServices = services };
        context.Response.Body = new MemoryStream();
        var handler = new DomainExceptionHandler(services.GetRequiredService<Microsoft.AspNetCore.Http.IProblemDetailsService>(), NullLogger<DomainExceptionHandler>.Instance);

        var handled = await handler.TryHandleAsync(context, new InconsistentStateException("Window 520000-H001/1: another activation wrote its state; retry.", "7", "6"), CancellationToken.None);

        Assert.True(handled);
        Assert.Equal(StatusCodes.Status503ServiceUnavailable, context.Response.StatusCode);
        Assert.Equal("2", context.Response.Headers.RetryAfter.ToString());
        context.Response.Body.Position = 0;
        var problem = await JsonSerializer.DeserializeAsync<JsonElement>(context.Response.Body);
        Assert.Equal(503, problem.GetProperty("status").GetInt32());
        Assert.DoesNotContain("520000-H001", problem.GetProperty("detail").GetString()); // grain internals stay in the log
    }
}
