using System.Diagnostics;
using System.Globalization;

namespace TongBan.CaseBench;

/// <summary>
/// CPU time used by this process and by the PostgreSQL server (the postmaster and its backends, from /proc) —
/// the cost of an operation, which other work on a shared box does not change, unlike its throughput.
/// </summary>
internal sealed class CpuMeter(int? postmasterPid)
{
    private const double ClockTicksPerSecond = 100; // USER_HZ on Linux

    public (TimeSpan Client, TimeSpan? Server) Read()
    {
        using var self = Process.GetCurrentProcess();
        return (self.TotalProcessorTime, postmasterPid is { } pid ? ServerTime(pid) : null);
    }

    /// <summary>The postmaster's pid from postmaster.pid in the data directory, when the server is local.</summary>
    public static int? PostmasterOf(string? dataDirectory) =>
        dataDirectory is not null && File.Exists(Path.Combine(dataDirectory, "postmaster.pid"))
            ? int.Parse(File.ReadLines(Path.Combine(dataDirectory, "postmaster.pid")).First(), CultureInfo.InvariantCulture)
            : null;

    private static TimeSpan ServerTime(int postmaster)
    {
        long ticks = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                // /proc/pid/stat: "pid (comm) state ppid … utime(14) stime(15)"; comm may contain spaces.
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                var parent = int.Parse(fields[1], CultureInfo.InvariantCulture);
                if (pid == postmaster || parent == postmaster)
                {
                    ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                }
            }
            catch (IOException)
            {
                // The process ended while we looked (a backend of a closed connection).
            }
        }

        return TimeSpan.FromSeconds(ticks / ClockTicksPerSecond);
    }
}
