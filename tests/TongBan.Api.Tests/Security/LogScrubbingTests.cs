using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Logging;
using TongBan.Api.Tests.Support;
using TongBan.Grains.Catalogue;
using TongBan.Grains.Identity;
using Xunit.Abstractions;

namespace TongBan.Api.Tests.Security;

/// <summary>Every log entry of the app, formatted with its exception and structured values, kept in memory.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<string> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, Entries);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<string> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull
        {
            entries.Enqueue($"{category} scope: {Describe(state)}");
            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            entries.Enqueue($"{logLevel} {category}: {formatter(state, exception)} | {Describe(state)} | {exception}");
        }

        private static string Describe(object? state) =>
            state is IEnumerable<KeyValuePair<string, object?>> values
                ? string.Join("; ", values.Select(v => $"{v.Key}={v.Value}"))
                : state?.ToString() ?? string.Empty;
    }
}

/// <summary>The app logging everything of TongBan and ASP.NET Core down to Debug into a capture.</summary>
public sealed class LogCaptureApp : EmbeddedApp
{
    public CapturingLoggerProvider Capture { get; } = new();

    protected override IEnumerable<string> ExtraArgs =>
    [
        "--Logging:LogLevel:Default", "Information",
        "--Logging:LogLevel:TongBan", "Debug",
        "--Logging:LogLevel:Microsoft.AspNetCore", "Debug",
    ];

    protected override void Configure(WebApplicationBuilder builder) => builder.Logging.AddProvider(Capture);
}

/// <summary>No raw ID number, phone, name or token reaches a log, whatever the request did.</summary>
[Trait("Category", "Integration")]
public sealed class LogScrubbingTests(LogCaptureApp app, ITestOutputHelper output) : IClassFixture<LogCaptureApp>
{
    private static readonly ServiceItem Item = ServiceCatalogue.Seeded().Items.First(i => i.ProvinceWide && i.Level == HandlingLevel.County && i.Materials.Count >= 2);

    [Fact]
    public async Task A_case_scenario_logs_no_personal_data_and_no_tokens()
    {
        var first17 = "52010219860514201";
        var idNumber = first17 + ResidentId.CheckCharacter(first17);
        const string phone = "13985017342";
        const string name = "龙秀英";
        var wrongCheck = first17 + (ResidentId.CheckCharacter(first17) == '0' ? '1' : '0');

        var citizen = await app.TokenAsync("citizen", subject: idNumber);
        var clerk = await app.TokenAsync("clerk", hallCode: "520000-H001", subject: "clerk-log-1");

        // Submit (with raw values in the body), receive, accept, read back.
        var materials = Item.Materials.Select(m => new { materialId = m.Id, copies = m.Copies, originalVerified = m.OriginalRequired }).ToArray();
        using var submitted = await app.Http.SendAsync(app.Request(HttpMethod.Post, "/api/cases", citizen, new
        {
            itemCode = Item.Code,
            applicant = new { name, idNumber, phone },
            channel = "online",
            materials,
        }));
        Assert.Equal(HttpStatusCode.OK, submitted.StatusCode);
        var caseNo = (await submitted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("caseNo").GetString()!;
        using (var received = await app.Http.SendAsync(app.Request(HttpMethod.Post, $"/api/cases/{caseNo}/transitions", clerk, new { action = "receive", expectedVersion = 1, materials })))
        {
            Assert.Equal(HttpStatusCode.OK, received.StatusCode);
        }

        using (var view = await app.Http.SendAsync(app.Request(HttpMethod.Get, $"/api/cases/{caseNo}", citizen)))
        {
            Assert.Equal(HttpStatusCode.OK, view.StatusCode);
        }

        // Bad input carrying raw values: a wrong check digit, a phone that is not a mobile number.
        using (var bad = await app.Http.SendAsync(app.Request(HttpMethod.Post, "/api/cases", citizen, new
        {
            itemCode = Item.Code,
            applicant = new { name, idNumber = wrongCheck, phone },
        })))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        }

        // A tampered token and a token in the query string, as browsers send it to the hub.
        var tampered = citizen[..^4] + (citizen.EndsWith("AAAA", StringComparison.Ordinal) ? "BBBB" : "AAAA");
        using (var refused = await app.Http.SendAsync(app.Request(HttpMethod.Get, $"/api/cases/{caseNo}", tampered)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        using (var negotiate = await app.Http.PostAsync($"/hubs/live/negotiate?negotiateVersion=1&access_token={Uri.EscapeDataString(citizen)}", null))
        {
            Assert.Equal(HttpStatusCode.OK, negotiate.StatusCode);
        }

        await using (var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(app.BaseAddress, "/hubs/live"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(citizen))
            .Build())
        {
            await hub.StartAsync();
            await hub.InvokeAsync("WatchCase", caseNo);
        }

        await Task.Delay(300); // let the live push and the hub's disconnect log
        var logs = app.Capture.Entries.ToArray();
        var all = string.Join("\n", logs);
        output.WriteLine($"{logs.Length} log entries captured, {Encoding.UTF8.GetByteCount(all):N0} bytes");

        // The capture works and the case is traceable by its number: the check below is not vacuous.
        Assert.True(logs.Length > 20, $"only {logs.Length} entries captured");
        Assert.Contains(caseNo, all, StringComparison.Ordinal);
        Assert.Contains("Microsoft.AspNetCore", all, StringComparison.Ordinal);

        var secrets = new Dictionary<string, string>
        {
            ["ID number"] = idNumber,
            ["ID number with a wrong check digit"] = wrongCheck,
            ["ID number's first 17 digits"] = first17,
            ["phone"] = phone,
            ["name"] = name,
            ["token"] = citizen,
            ["token signature"] = citizen[(citizen.LastIndexOf('.') + 1)..],
            ["tampered token"] = tampered,
        };
        foreach (var (what, value) in secrets)
        {
            var leak = logs.FirstOrDefault(l => l.Contains(value, StringComparison.Ordinal));
            Assert.True(leak is null, $"the {what} appears in a log entry: {leak}");
        }
    }
}
