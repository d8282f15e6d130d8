using System.Globalization;
using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using TongBan.Api.Tests.Support;
using TongBan.Grains.Live;
using TongBan.Silo.Hosting;

namespace TongBan.Api.Tests.Embedded;

/// <summary>
/// The live hub accepts connections only once this host is ready for live pushes (its hub is in the cluster's hub list):
/// before that, negotiation and WebSocket upgrades get 503 ProblemDetails with Retry-After, like /readyz; after it,
/// they get through. The host is the real embedded one; the only test hook holds the hub list's answer to this host's
/// registration (an Orleans incoming-call filter) until the test lets it through.
/// </summary>
[Trait("Category", "Integration")]
public sealed class LiveHubReadinessTests
{
    private const string Hall = "520102-H001";

    [Fact]
    public async Task Connections_before_the_hub_is_registered_get_503_and_after_it_get_through()
    {
        var hold = new RegistrationHold();
        var app = TongBanHost.Build(
        [
            "--urls", "http://127.0.0.1:0",
            "--TongBan:Silo:SiloPort", FreePorts.Next().ToString(CultureInfo.InvariantCulture),
            "--TongBan:Silo:GatewayPort", FreePorts.Next().ToString(CultureInfo.InvariantCulture),
            "--TongBan:Silo:Dashboard", "false",
            "--Logging:LogLevel:Default", "Warning",
        ], builder => builder.Services.AddSingleton<IIncomingGrainCallFilter>(hold));
        try
        {
            await app.StartAsync();
            var baseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
            using var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };

            // The silo is active and the registrar has asked to be listed; the list has not answered.
            await hold.Asked.Task.WaitAsync(TimeSpan.FromSeconds(30));
            using (var ready = await http.GetAsync("/readyz"))
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            }

            using (var negotiate = await http.PostAsync("/hubs/live/negotiate?negotiateVersion=1", null))
            {
                await AssertRefusedAsync(negotiate);
            }

            // A WebSocket straight to the hub (skipNegotiation, as the load generator connects) is refused alike.
            var (refused, upgradeError) = await OpenWebSocketAsync(baseAddress);
            using (refused)
            {
                Assert.NotNull(upgradeError);
                Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.HttpStatusCode);
                Assert.True(refused.HttpResponseHeaders?.ContainsKey("Retry-After") == true, "Retry-After missing on the refused upgrade");
            }

            // The SignalR client's start fails, both ways.
            foreach (var skipNegotiation in new[] { false, true })
            {
                await using var early = Hub(baseAddress, skipNegotiation);
                var error = await Assert.ThrowsAnyAsync<Exception>(() => early.StartAsync());
                Assert.True(error is HttpRequestException { StatusCode: HttpStatusCode.ServiceUnavailable } || error.Message.Contains("503", StringComparison.Ordinal),
                    $"skipNegotiation={skipNegotiation}: {error}");
                Assert.Equal(HubConnectionState.Disconnected, early.State);
            }

            // The list answers: the host is ready, and the same attempts get through.
            hold.Release();
            await Readiness.WaitAsync(http, TimeSpan.FromSeconds(30));
            using (var negotiate = await http.PostAsync("/hubs/live/negotiate?negotiateVersion=1", null))
            {
                Assert.Equal(HttpStatusCode.OK, negotiate.StatusCode);
            }

            var (socket, failed) = await OpenWebSocketAsync(baseAddress);
            using (socket)
            {
                Assert.Null(failed);
                Assert.Equal(HttpStatusCode.SwitchingProtocols, socket.HttpStatusCode);
                Assert.Equal(WebSocketState.Open, socket.State);
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "test done", CancellationToken.None);
            }

            foreach (var skipNegotiation in new[] { false, true })
            {
                await using var late = Hub(baseAddress, skipNegotiation);
                await late.StartAsync();
                var snapshot = await late.InvokeAsync<JsonElement>("WatchHall", Hall);
                Assert.Equal(Hall, snapshot.GetProperty("hallCode").GetString());
            }
        }
        finally
        {
            hold.Release();
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    private static async Task AssertRefusedAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"{(int)response.StatusCode} {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.RetryAfter?.Delta is { } wait && wait > TimeSpan.Zero, "Retry-After missing");
        Assert.Equal(503, JsonDocument.Parse(body).RootElement.GetProperty("status").GetInt32());
    }

    /// <summary>A WebSocket straight to the hub; the handshake's status and headers are kept either way.</summary>
    private static async Task<(ClientWebSocket Socket, WebSocketException? Error)> OpenWebSocketAsync(Uri baseAddress)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        try
        {
            await socket.ConnectAsync(new Uri($"ws://{baseAddress.Authority}/hubs/live"), CancellationToken.None);
            return (socket, null);
        }
        catch (WebSocketException e)
        {
            return (socket, e);
        }
    }

    private static HubConnection Hub(Uri baseAddress, bool skipNegotiation) =>
        new HubConnectionBuilder()
            .WithUrl(new Uri(baseAddress, "/hubs/live"), o =>
            {
                if (skipNegotiation)
                {
                    o.SkipNegotiation = true;
                    o.Transports = HttpTransportType.WebSockets;
                }
            })
            .Build();

    /// <summary>Holds the hub list's <see cref="ILiveHubListGrain.Register"/> calls until <see cref="Release"/>.</summary>
    private sealed class RegistrationHold : IIncomingGrainCallFilter
    {
        private readonly TaskCompletionSource released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Asked { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release() => released.TrySetResult();

        public async Task Invoke(IIncomingGrainCallContext context)
        {
            if (context.InterfaceMethod?.DeclaringType == typeof(ILiveHubListGrain) && context.InterfaceMethod.Name == nameof(ILiveHubListGrain.Register))
            {
                Asked.TrySetResult();
                await released.Task;
            }

            await context.Invoke();
        }
    }
}
