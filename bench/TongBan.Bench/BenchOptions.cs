using System.Globalization;

namespace TongBan.Bench;

public enum BenchMode
{
    Embedded,
    Postgres,
}

/// <summary>Command-line options of the hall-day benchmark (<c>--help</c> prints them).</summary>
public sealed record BenchOptions
{
    public BenchMode Mode { get; init; } = BenchMode.Embedded;

    /// <summary>An existing PostgreSQL server (implies PostgreSQL mode); otherwise a throwaway one is started.</summary>
    public string? PostgresConnectionString { get; init; }

    public int Halls { get; init; } = 100;

    /// <summary>Measured part of the hall day.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Hall-day time before measuring starts (JIT, first activations); part of the same day.</summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Stop after this many measured ticket operations (0: only the duration bounds the run).</summary>
    public long MaxOperations { get; init; }

    /// <summary>Outstanding grain calls, the same for the baseline and the hall day.</summary>
    public int Concurrency { get; init; } = 64;

    /// <summary>Citizens arrive so that each queue keeps about this many tickets waiting.</summary>
    public int Backlog { get; init; } = 10;

    public double SkipRate { get; init; } = 0.02;

    public double NoShowRate { get; init; } = 0.01;

    public double TransferRate { get; init; } = 0.02;

    /// <summary>Simulated seconds per real second; null: the opening day (08:59–17:00) spans warm-up + duration.</summary>
    public double? Speed { get; init; }

    /// <summary>Run on the wall clock instead of a compressed day (no no-shows: they need 3 recalls 30 s apart).</summary>
    public bool RealClock { get; init; }

    public TimeSpan BaselineDuration { get; init; } = TimeSpan.FromSeconds(5);

    public bool Baseline { get; init; } = true;

    /// <summary>PostgreSQL mode: also measure raw Npgsql single-row insert transactions.</summary>
    public bool RawInsert { get; init; } = true;

    public int Seed { get; init; } = 20200401;

    /// <summary>Time the queue/window work of one command single-threaded (serialization, waiting-line projections).</summary>
    public bool Profile { get; init; } = true;

    /// <summary>Drive the HTTP routes instead of the grains (only when the build has ticket/window routes).</summary>
    public bool Http { get; init; }

    /// <summary>What-if variant: grain storage that stores nothing (isolates the storage write cost).</summary>
    public bool NullStorage { get; init; }

    /// <summary>Send an idempotency key with every take and window command, as retrying terminals do (default on).</summary>
    public bool IdempotencyKeys { get; init; } = true;

    /// <summary>Embedded mode: the host's opt-in <c>TongBan:Silo:InProcessGrainStorage</c> (serializes like the memory provider, no storage grain call).</summary>
    public bool LocalStorage { get; init; }

    /// <summary>PostgreSQL mode: extra Npgsql settings appended to the connection string (e.g. "Max Auto Prepare=20").</summary>
    public string? PostgresExtra { get; init; }

    /// <summary>What-if variant: a hall grain that ignores queue/window reports (isolates the hall report cost).</summary>
    public bool NullHall { get; init; }

    /// <summary>What-if variant: a live notifier that drops every message (isolates the live-push cost).</summary>
    public bool NullLive { get; init; }

    public bool Smoke { get; init; }

    /// <summary>Memory per active grain type instead of the hall day (PostgreSQL mode; see GrainMemory).</summary>
    public bool Memory { get; init; }

    /// <summary>--memory: tickets taken in every queue.</summary>
    public int MemoryTickets { get; init; } = 40;

    /// <summary>--memory: call-next/start/finish cycles at every window.</summary>
    public int MemoryCycles { get; init; } = 5;

    /// <summary>--memory: cases submitted.</summary>
    public int MemoryCases { get; init; } = 2000;

    public bool ShowHelp { get; init; }

    /// <summary>The smoke configuration: a few halls for two seconds (correctness, not speed).</summary>
    public static BenchOptions SmokeDefaults { get; } = new()
    {
        Smoke = true,
        Halls = 5,
        Duration = TimeSpan.FromSeconds(2),
        Warmup = TimeSpan.FromSeconds(0.5),
        Concurrency = 16,
        BaselineDuration = TimeSpan.FromSeconds(1),
        Profile = false,
    };

    public string Variant =>
        string.Join(", ", new[]
        {
            IdempotencyKeys ? null : "no idempotency keys",
            NullStorage ? "null storage" : null,
            LocalStorage ? "in-process storage" : null,
            NullHall ? "null hall" : null,
            NullLive ? "null live push" : null,
            PostgresExtra is null ? null : $"Npgsql '{PostgresExtra}'",
        }.Where(s => s is not null).DefaultIfEmpty("as shipped"));

    public const string Usage = """
        TongBan hall-day benchmark: the real silo in-process, a compressed day of ticket operations
        through IGrainFactory, a no-op grain call baseline at the same concurrency, and checks.

          --mode embedded|postgres   storage mode (default embedded)
          --pg "<connection string>" use this PostgreSQL (implies --mode postgres); default: a throwaway
                                     server started from /usr/lib/postgresql/*/bin
          --halls N                  halls (default 100: the 88 county halls, then city, province, sub-halls)
          --duration S               measured seconds (default 30)
          --warmup S                 seconds of the day before measuring (default 3)
          --ops N                    stop after N measured ticket operations (default: duration only)
          --concurrency N            outstanding calls, baseline and hall day (default 64)
          --backlog N                tickets kept waiting per queue (default 10)
          --skip-rate/--noshow-rate/--transfer-rate R   fates of called tickets (0.02/0.01/0.02)
          --speed X                  simulated seconds per real second (default: 08:59-17:00 over the run)
          --real-clock               wall clock instead of a compressed day (disables no-shows)
          --baseline-seconds S       no-op baseline length (default 5); --no-baseline skips it
          --no-raw                   PostgreSQL: skip the raw Npgsql insert baseline
          --no-profile               skip the single-threaded timings of one command's queue/window work
          --seed N                   random seed (default 20200401)
          --null-storage | --local-storage | --null-hall | --null-live   what-if variants for profiling
          --no-idempotency-keys      commands without idempotency keys (windows then remember no replies)
          --pg-extra "<k=v;…>"       PostgreSQL: Npgsql settings appended to the connection string
          --http                     drive the HTTP routes (reports and exits when the build has none)
          --smoke                    5 halls, 2 s (correctness check, not speed)
          --memory                   memory per active grain instead of the hall day (implies --mode postgres): every hall,
                                     queue (--memory-tickets N, default 40) and window (--memory-cycles N, default 5) of
                                     --halls halls, then --memory-cases N (default 2000) cases; heap and working set after
                                     forced full GCs
        """;

    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        var o = args.Contains("--smoke") ? SmokeDefaults : new BenchOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var a = args[i];
            string Next() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{a} needs a value");
            double Number() => double.Parse(Next(), NumberStyles.Float, CultureInfo.InvariantCulture);
            int Integer() => int.Parse(Next(), NumberStyles.Integer, CultureInfo.InvariantCulture);
            o = a switch
            {
                "--mode" => o with
                {
                    Mode = Next() switch
                    {
                        "embedded" => BenchMode.Embedded,
                        "postgres" or "postgresql" => BenchMode.Postgres,
                        var m => throw new ArgumentException($"unknown mode '{m}' (embedded or postgres)"),
                    },
                },
                "--pg" => o with { PostgresConnectionString = Next(), Mode = BenchMode.Postgres },
                "--halls" => o with { Halls = Integer() },
                "--duration" => o with { Duration = TimeSpan.FromSeconds(Number()) },
                "--warmup" => o with { Warmup = TimeSpan.FromSeconds(Number()) },
                "--ops" => o with { MaxOperations = long.Parse(Next(), CultureInfo.InvariantCulture) },
                "--concurrency" => o with { Concurrency = Integer() },
                "--backlog" => o with { Backlog = Integer() },
                "--skip-rate" => o with { SkipRate = Number() },
                "--noshow-rate" => o with { NoShowRate = Number() },
                "--transfer-rate" => o with { TransferRate = Number() },
                "--speed" => o with { Speed = Number() },
                "--real-clock" => o with { RealClock = true },
                "--baseline-seconds" => o with { BaselineDuration = TimeSpan.FromSeconds(Number()) },
                "--no-baseline" => o with { Baseline = false },
                "--no-raw" => o with { RawInsert = false },
                "--no-profile" => o with { Profile = false },
                "--seed" => o with { Seed = Integer() },
                "--http" => o with { Http = true },
                "--null-storage" => o with { NullStorage = true },
                "--local-storage" => o with { LocalStorage = true },
                "--no-idempotency-keys" => o with { IdempotencyKeys = false },
                "--pg-extra" => o with { PostgresExtra = Next() },
                "--null-hall" => o with { NullHall = true },
                "--null-live" => o with { NullLive = true },
                "--smoke" => o,
                "--memory" => o with { Memory = true, Mode = BenchMode.Postgres },
                "--memory-tickets" => o with { MemoryTickets = Integer() },
                "--memory-cycles" => o with { MemoryCycles = Integer() },
                "--memory-cases" => o with { MemoryCases = Integer() },
                "--help" or "-h" => o with { ShowHelp = true },
                _ => throw new ArgumentException($"unknown option '{a}' (--help lists them)"),
            };
        }

        if (o.Halls < 1 || o.Concurrency < 1 || o.Backlog < 1 || o.Duration <= TimeSpan.Zero || o.Warmup < TimeSpan.Zero)
        {
            throw new ArgumentException("--halls, --concurrency, --backlog and --duration must be positive");
        }

        if (o.NullStorage && o.LocalStorage)
        {
            throw new ArgumentException("--null-storage and --local-storage exclude each other");
        }

        if (o.LocalStorage && o.Mode == BenchMode.Postgres)
        {
            throw new ArgumentException("--local-storage is the embedded mode's in-process grain storage; PostgreSQL mode stores state in the database");
        }

        if (o.SkipRate < 0 || o.NoShowRate < 0 || o.TransferRate < 0 || o.SkipRate + o.NoShowRate + o.TransferRate > 1)
        {
            throw new ArgumentException("the skip, no-show and transfer rates must be ≥ 0 and sum to at most 1");
        }

        return o;
    }
}
