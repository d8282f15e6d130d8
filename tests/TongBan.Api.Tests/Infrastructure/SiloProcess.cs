using System.Diagnostics;
using System.Net;
using System.Runtime.InteropServices;
using System.Text;

using TongBan.Api.Tests.Support;

namespace TongBan.Api.Tests.Infrastructure;

/// <summary>
/// The real silo (<c>dotnet TongBan.Silo.dll</c> from the test output directory, copied there by the project
/// reference) as a separate process on free ports, with its stdout and stderr captured.
/// </summary>
public sealed class SiloProcess : IAsyncDisposable
{
    /// <summary>A signing key the tests pass to every silo and mint tokens with (≥ 32 bytes, not the public development key).</summary>
    public const string SigningKey = "tongban-test-signing-key-0123456789abcdef";

    private const int SigTerm = 15;

    private readonly Process process;
    private readonly StringBuilder stdout = new();
    private readonly StringBuilder stderr = new();
    private readonly Stopwatch clock = Stopwatch.StartNew();

    private SiloProcess(Process process, int siloPort, int gatewayPort, int httpPort)
    {
        this.process = process;
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
        HttpPort = httpPort;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"), Timeout = TimeSpan.FromSeconds(30) };
    }

    public int SiloPort { get; }

    public int GatewayPort { get; }

    public int HttpPort { get; }

    public HttpClient Http { get; }

    public int ProcessId => process.Id;

    public bool HasExited => process.HasExited;

    public string StdOut
    {
        get
        {
            lock (stdout)
            {
                return stdout.ToString();
            }
        }
    }

    public string StdErr
    {
        get
        {
            lock (stderr)
            {
                return stderr.ToString();
            }
        }
    }

    /// <summary>Where the silo's dll sits: next to the test assembly.</summary>
    public static string SiloDll
    {
        get
        {
            var dll = Path.Combine(AppContext.BaseDirectory, "TongBan.Silo.dll");
            if (!File.Exists(dll) || !File.Exists(Path.ChangeExtension(dll, ".runtimeconfig.json")))
            {
                throw new InvalidOperationException($"TongBan.Silo.dll and its runtimeconfig.json are not in {AppContext.BaseDirectory}; build the test project (it references the Silo project).");
            }

            return dll;
        }
    }

    /// <summary>Starts a silo in PostgreSQL mode (or with whatever <paramref name="environment"/> says) on fresh ports.</summary>
    /// <param name="connectionString">ConnectionStrings__TongBan; null leaves it unset.</param>
    /// <param name="environment">Extra variables; a null value removes one.</param>
    /// <param name="ports">Silo, gateway and HTTP port (a silo restarted on its old address); null takes free ones.</param>
    public static SiloProcess Start(string? connectionString, IReadOnlyDictionary<string, string?>? environment = null, IReadOnlyList<int>? ports = null)
    {
        ports ??= FreePorts.Take(3);
        var start = new ProcessStartInfo
        {
            FileName = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet",
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add(SiloDll);

        // The test runner's own settings must not leak into the silo.
        foreach (var key in start.Environment.Keys.Where(k =>
                     k.StartsWith("ASPNETCORE_", StringComparison.OrdinalIgnoreCase) ||
                     k.StartsWith("TongBan__", StringComparison.OrdinalIgnoreCase) ||
                     k.StartsWith("ConnectionStrings__", StringComparison.OrdinalIgnoreCase) ||
                     k.Equals("DOTNET_STARTUP_HOOKS", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key);
        }

        start.Environment["ConnectionStrings__TongBan"] = connectionString;
        start.Environment["TongBan__Silo__SiloPort"] = ports[0].ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["TongBan__Silo__GatewayPort"] = ports[1].ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{ports[2]}";
        start.Environment["TongBan__Auth__SigningKey"] = SigningKey;
        // The test process's hall floor clock (Support/HallClockSetup): the silo takes tickets at any real time; a test may override it.
        start.Environment[HallClockSetup.Variable] = HallClockSetup.Offset;
        // Request logs and Polly's per-call lines drown what the tests look for.
        start.Environment["Logging__LogLevel__Microsoft.AspNetCore"] = "Warning";
        start.Environment["Logging__LogLevel__Polly"] = "Warning";
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                start.Environment.Remove(key);
            }
            else
            {
                start.Environment[key] = value;
            }
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var silo = new SiloProcess(process, ports[0], ports[1], ports[2]);
        process.OutputDataReceived += (_, e) => silo.Append(silo.stdout, e.Data);
        process.ErrorDataReceived += (_, e) => silo.Append(silo.stderr, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return silo;
    }

    /// <summary>A new process on this silo's ports (after it was killed): the same address, a new generation.</summary>
    public SiloProcess Restart(string? connectionString, IReadOnlyDictionary<string, string?>? environment = null) =>
        Start(connectionString, environment, [SiloPort, GatewayPort, HttpPort]);

    /// <summary>Waits until <c>/readyz</c> answers 200; throws with the captured output if the process exits or time runs out.</summary>
    public async Task WaitReadyAsync(TimeSpan timeout)
    {
        var deadline = clock.Elapsed + timeout;
        while (clock.Elapsed < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The silo exited with code {process.ExitCode} before it was ready.\n{Describe()}");
            }

            try
            {
                using var response = await Http.GetAsync("/readyz");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Kestrel is not listening yet.
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"The silo was not ready within {timeout}.\n{Describe()}");
    }

    /// <summary>Waits for the process to end by itself; returns its exit code, or null if it was still running after <paramref name="timeout"/>.</summary>
    public async Task<int?> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
            return process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>Graceful stop (SIGTERM, like <c>docker stop</c>): the silo leaves the cluster and marks itself dead. Killed if it takes longer than <paramref name="timeout"/>.</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        if (process.HasExited)
        {
            return;
        }

        _ = Kill(process.Id, SigTerm);
        if (await WaitForExitAsync(timeout) is null)
        {
            KillHard();
            await process.WaitForExitAsync();
        }
    }

    /// <summary>Hard kill (SIGKILL): no goodbye to the cluster, the way a crashed or powered-off host disappears.</summary>
    public void KillHard()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }
    }

    public string Describe() => $"--- stdout ---\n{Tail(StdOut)}\n--- stderr ---\n{StdErr}";

    public async ValueTask DisposeAsync()
    {
        KillHard();
        await process.WaitForExitAsync();
        process.Dispose();
        Http.Dispose();
    }

    private static string Tail(string text, int lines = 80)
    {
        var all = text.Split('\n');
        return string.Join('\n', all.Skip(Math.Max(0, all.Length - lines)));
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    private void Append(StringBuilder target, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (target)
        {
            target.Append(line).Append('\n');
        }
    }
}
