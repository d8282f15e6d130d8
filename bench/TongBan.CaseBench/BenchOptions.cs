using System.Globalization;

namespace TongBan.CaseBench;

internal sealed record BenchOptions
{
    public const string Usage = """
        TongBan.CaseBench [options]
          --pg <connection string>   an existing server whose user may CREATE DATABASE (default: a throwaway server)
          --durable                  throwaway server with fsync and synchronous_commit on (default: off, like the tests)
          --server-options "<-c …>"  extra postgres options for the throwaway server
          --concurrency 1,8,32       closed-loop workers per measurement
          --duration 10 --warmup 3   measured seconds per workload and concurrency; warm-up seconds before
          --rounds 5                 slices the measured time is cut into, raw and case alternating
          --pool N                   Maximum Pool Size (default: the silo's app pool, PostgresSettings.AppPoolSize)
          --no-reset-on-close        skip Npgsql's DISCARD ALL when a connection returns to the pool
          --auto-prepare N           Npgsql Max Auto Prepare (default 0: off, as in the silo)
          --target 0.5               minimum case/raw ratio for PASS
          --keep-database            with --pg: leave the benchmark database for inspection
          --chain sha256|sm3|both    audit link algorithm of the case workload (default sm3, as the sm suite writes);
                                     both: only case work, SHA-256 and SM3 chains in alternating slices, and their ratio
          --chain-target 0.9         with --chain both: minimum SM3/SHA-256 throughput ratio for PASS
        TongBan.CaseBench --crypto   old vs new algorithms, single-threaded rates (no database)
        TongBan.CaseBench --lookup   HMAC-SHA256 vs HMAC-SM3 rates and one-key vs two-key case look-ups (throwaway server)
        """;

    public string? Postgres { get; init; }

    public bool Durable { get; init; }

    public string? ServerOptions { get; init; }

    public IReadOnlyList<int> Concurrency { get; init; } = [1, 8, 32];

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(3);

    public int Rounds { get; init; } = 5;

    public int? PoolSize { get; init; }

    public bool NoResetOnClose { get; init; }

    public int AutoPrepare { get; init; }

    public double TargetRatio { get; init; } = 0.5;

    public bool KeepDatabase { get; init; }

    /// <summary><c>sha256</c>, <c>sm3</c> or <c>both</c> (SM3 against SHA-256 chains, issue 21 item 7).</summary>
    public string Chain { get; init; } = "sm3";

    public double ChainTarget { get; init; } = 0.9;

    /// <summary>Only the case workload (for attaching a profiler); no ratio.</summary>
    public bool CasesOnly { get; init; }

    public static BenchOptions? Parse(string[] args)
    {
        var o = new BenchOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            o = args[i] switch
            {
                "--pg" => o with { Postgres = Next() },
                "--durable" => o with { Durable = true },
                "--server-options" => o with { ServerOptions = Next() },
                "--concurrency" => o with { Concurrency = [.. Next().Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))] },
                "--duration" => o with { Duration = TimeSpan.FromSeconds(double.Parse(Next(), CultureInfo.InvariantCulture)) },
                "--warmup" => o with { Warmup = TimeSpan.FromSeconds(double.Parse(Next(), CultureInfo.InvariantCulture)) },
                "--rounds" => o with { Rounds = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--pool" => o with { PoolSize = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--no-reset-on-close" => o with { NoResetOnClose = true },
                "--auto-prepare" => o with { AutoPrepare = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--target" => o with { TargetRatio = double.Parse(Next(), CultureInfo.InvariantCulture) },
                "--keep-database" => o with { KeepDatabase = true },
                "--cases-only" => o with { CasesOnly = true },
                "--chain" => Next() is var chain && chain is "sha256" or "sm3" or "both" ? o with { Chain = chain } : null,
                "--chain-target" => o with { ChainTarget = double.Parse(Next(), CultureInfo.InvariantCulture) },
                _ => null,
            };
            if (o is null)
            {
                return null;
            }
        }

        return o;
    }
}
