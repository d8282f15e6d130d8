using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using TongBan.Grains.Geo;
using TongBan.Grains.Map;

namespace TongBan.Api.Map;

/// <summary>Options under <c>TongBan:Map:Osrm</c>. Unset <see cref="BaseUrl"/> = no routing engine: the great-circle model only.</summary>
public sealed class OsrmOptions
{
    public const string Section = "TongBan:Map:Osrm";

    /// <summary>The deployment's osrm-routed, e.g. <c>http://osrm:5000</c>.</summary>
    public string? BaseUrl { get; set; }

    /// <summary>OSRM profile names per mode, as the deployment prepared them (car.lua → "driving", foot.lua → "foot").</summary>
    public string DriveProfile { get; set; } = "driving";

    public string WalkProfile { get; set; } = "foot";

    /// <summary>Per attempt; a nearest answer must stay interactive, so OSRM gets little time before the fallback.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromMilliseconds(800);

    /// <summary>All attempts together.</summary>
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromMilliseconds(2000);
}

/// <summary>
/// Travel times from an OSRM <c>table</c> service: one request per query,
/// <c>GET {base}/table/v1/{profile}/{lon,lat;…}?sources=0&amp;annotations=duration,distance</c>, origin first (WGS84:
/// OSRM runs on OpenStreetMap coordinates). OSRM has no public-transport profile, so transit stays on the
/// great-circle model. Any failure — HTTP error, OSRM error code, malformed body, timeout after the resilience
/// pipeline's retry — yields a <see cref="TravelSource.GreatCircleFallback"/> table with a short note, so the
/// nearest answer degrades instead of failing.
/// </summary>
public sealed partial class OsrmTravelTimeProvider(IHttpClientFactory httpClients, OsrmOptions options, GreatCircleTravelTimeProvider fallback, ILogger<OsrmTravelTimeProvider> logger)
    : ITravelTimeProvider
{
    public const string HttpClientName = "osrm";

    public bool IsRouting => true;

    public async ValueTask<TravelTable> EstimateAsync(GeoPoint origin, IReadOnlyList<GeoPoint> destinations, TravelMode mode, CancellationToken cancellationToken)
    {
        if (mode == TravelMode.Transit || destinations.Count == 0)
        {
            return await fallback.EstimateAsync(origin, destinations, mode, cancellationToken);
        }

        string note;
        try
        {
            // A client per call from the factory: pooled handlers, DNS changes honoured; the singleton holds no HttpClient.
            var http = httpClients.CreateClient(HttpClientName);
            using var response = await http.GetAsync(TablePath(origin, destinations, mode == TravelMode.Walk ? options.WalkProfile : options.DriveProfile), cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (Parse(body, destinations.Count, out var estimates, out var error) && response.IsSuccessStatusCode)
            {
                return new TravelTable(estimates, TravelSource.Osrm);
            }

            note = response.IsSuccessStatusCode ? error : $"HTTP {(int)response.StatusCode} {error}".TrimEnd();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutException or OperationCanceledException or Polly.Timeout.TimeoutRejectedException
                                   or Polly.CircuitBreaker.BrokenCircuitException)
        {
            note = e is Polly.Timeout.TimeoutRejectedException or TimeoutException or OperationCanceledException ? "timeout"
                : e is Polly.CircuitBreaker.BrokenCircuitException ? "circuit open" : "unreachable";
        }

        LogFallback(logger, note);
        var table = await fallback.EstimateAsync(origin, destinations, mode, cancellationToken);
        return table with { Source = TravelSource.GreatCircleFallback, Note = note };
    }

    /// <summary>The relative request path (the HttpClient carries the base address).</summary>
    public static string TablePath(GeoPoint origin, IReadOnlyList<GeoPoint> destinations, string profile)
    {
        var sb = new StringBuilder("table/v1/").Append(profile).Append('/');
        Append(sb, origin);
        foreach (var d in destinations)
        {
            Append(sb, d, ';');
        }

        return sb.Append("?sources=0&annotations=duration,distance").ToString();

        static void Append(StringBuilder sb, GeoPoint p, char? separator = null)
        {
            if (separator is { } s)
            {
                sb.Append(s);
            }

            sb.Append(p.Lon.ToString("0.######", CultureInfo.InvariantCulture)).Append(',').Append(p.Lat.ToString("0.######", CultureInfo.InvariantCulture));
        }
    }

    /// <summary>
    /// Reads an OSRM table answer: <c>{"code":"Ok","durations":[[0, s1, …]],"distances":[[0, m1, …]]}</c> — one row
    /// (sources=0), column 0 the origin itself. <c>null</c> cells mean "no route".
    /// </summary>
    public static bool Parse(string body, int destinations, out TravelEstimate[] estimates, out string error)
    {
        estimates = [];
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            var code = root.TryGetProperty("code", out var c) ? c.GetString() : null;
            if (code != "Ok")
            {
                error = $"OSRM {code ?? "no code"}" + (root.TryGetProperty("message", out var m) ? $": {m.GetString()}" : string.Empty);
                return false;
            }

            if (!root.TryGetProperty("durations", out var durations) || durations.GetArrayLength() < 1 ||
                durations[0].GetArrayLength() != destinations + 1)
            {
                error = "OSRM table of the wrong shape";
                return false;
            }

            var row = durations[0];
            JsonElement? distanceRow = root.TryGetProperty("distances", out var distances) && distances.GetArrayLength() >= 1 &&
                                       distances[0].GetArrayLength() == destinations + 1 ? distances[0] : null;
            estimates = new TravelEstimate[destinations];
            for (var i = 0; i < destinations; i++)
            {
                var seconds = row[i + 1];
                double? meters = distanceRow is { } dr && dr[i + 1].ValueKind == JsonValueKind.Number ? dr[i + 1].GetDouble() : null;
                estimates[i] = seconds.ValueKind == JsonValueKind.Number
                    ? new TravelEstimate(seconds.GetDouble() / 60, meters)
                    : new TravelEstimate(null, null);
            }

            error = string.Empty;
            return true;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or IndexOutOfRangeException or FormatException)
        {
            error = "OSRM answer not understood";
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "OSRM table failed ({Note}); nearest answers use the great-circle model")]
    private static partial void LogFallback(ILogger logger, string note);
}
