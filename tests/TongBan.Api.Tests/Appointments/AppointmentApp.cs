using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using TongBan.Api.Security;
using TongBan.Api.Tests.Support;
using TongBan.Grains.Calendar;
using TongBan.Silo.Hosting;

namespace TongBan.Api.Tests.Appointments;

/// <summary>
/// The real host in embedded mode (like <see cref="EmbeddedApp"/>) whose appointment clock stands at 09:50 on the next
/// working day, so bookings and check-ins can be exercised at any real hour. Only the appointment books read the shifted
/// clock (<c>TongBan:Appointments:TestClockOffset</c>); the rest of the host keeps the real time.
/// </summary>
public sealed class AppointmentApp : IAsyncLifetime
{
    private static readonly TimeSpan China = TimeSpan.FromHours(8);

    public WebApplication App { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    /// <summary>The day the shifted clock calls today: a working day.</summary>
    public DateOnly Today { get; private set; }

    public async Task InitializeAsync()
    {
        var calendar = WorkingDayCalendar.LoadEmbedded();
        var realNow = DateTimeOffset.UtcNow.ToOffset(China);
        var day = DateOnly.FromDateTime(realNow.DateTime).AddDays(1);
        while (!calendar.IsWorkingDay(day))
        {
            day = day.AddDays(1);
        }

        Today = day;
        var fakeNow = new DateTimeOffset(day.ToDateTime(new TimeOnly(9, 50)), China);
        App = TongBanHost.Build(
        [
            "--urls", "http://127.0.0.1:0",
            "--TongBan:Silo:SiloPort", FreePorts.Next().ToString(CultureInfo.InvariantCulture),
            "--TongBan:Silo:GatewayPort", FreePorts.Next().ToString(CultureInfo.InvariantCulture),
            "--TongBan:Silo:Dashboard", "false",
            "--TongBan:Appointments:TestClockOffset", (fakeNow - DateTimeOffset.UtcNow).ToString("c", CultureInfo.InvariantCulture),
            "--Logging:LogLevel:Default", "Warning",
        ]);
        await App.StartAsync();
        var address = App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Http = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(30) };
        await Readiness.WaitAsync(Http, TimeSpan.FromSeconds(30));
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }

    public string Date(int daysFromToday = 0) => Today.AddDays(daysFromToday).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public async Task<string> TokenAsync(string role, string? hallCode = null, string? subject = null)
    {
        var response = await Http.PostAsJsonAsync("/api/dev/token", new DevTokenRequest(role, subject, hallCode, null, null, role == "supervisor" ? "520100" : null));
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<DevTokenResponse>())!.Token;
    }

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? token = null, object? body = null, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        if (body is string raw)
        {
            request.Content = new StringContent(raw, System.Text.Encoding.UTF8, "application/json");
        }
        else if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return await Http.SendAsync(request);
    }
}

[CollectionDefinition(Name)]
public sealed class AppointmentAppCollection : ICollectionFixture<AppointmentApp>
{
    public const string Name = "appointments-embedded";
}
