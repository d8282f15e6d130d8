using System.Globalization;

namespace TongBan.LoadGen;

/// <summary>Workload size and targets. Rates are operations per second offered to the whole cluster (open loop).</summary>
public sealed class LoadOptions
{
    /// <summary>Base URLs of the silos (the cluster script's defaults).</summary>
    public List<Uri> Targets { get; set; } = [new("http://127.0.0.1:5081"), new("http://127.0.0.1:5082"), new("http://127.0.0.1:5083")];

    public TimeSpan Duration { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The same load offered before the measured run and left out of its figures (the silos' JIT tiers up on it); its operations are in the ledger.</summary>
    public TimeSpan Warmup { get; set; }

    /// <summary>GET /api/map/nearest per second.</summary>
    public double NearestRate { get; set; } = 20;

    /// <summary>POST /api/halls/{hall}/tickets per second (half remote, half walk-in).</summary>
    public double TakeRate { get; set; } = 10;

    /// <summary>Window cycles (call-next, start, finish) per second over all windows.</summary>
    public double WindowRate { get; set; } = 8;

    /// <summary>POST /api/cases per second.</summary>
    public double CaseRate { get; set; } = 2;

    /// <summary>Ratings per second at most (only served tickets can be rated).</summary>
    public double RatingRate { get; set; } = 3;

    /// <summary>SignalR connections, each watching one hall of the working set.</summary>
    public int Subscribers { get; set; } = 50;

    /// <summary>SignalR connections watching the map of a working-set hall's county (<c>WatchRegion</c>, <c>pointsChanged</c>).</summary>
    public int MapViewers { get; set; }

    /// <summary>Hub connections being opened at once (first connections and reconnects).</summary>
    public int ConnectConcurrency { get; set; } = 64;

    /// <summary>12345 hotline case look-ups per second (cases submitted earlier in the run, caller verified by phone).</summary>
    public double HotlineRate { get; set; } = 2;

    /// <summary>Appointment check-ins per second (book today's next open slot, check in at once).</summary>
    public double CheckInRate { get; set; } = 0.5;

    /// <summary>The cluster's <c>TongBan:Appointments:TestClockOffset</c>, so "today" and "now" match the books' clock.</summary>
    public TimeSpan AppointmentClockOffset { get; set; }

    /// <summary>Fault experiment: stop PostgreSQL (<c>cluster.sh pg-stop</c>) this long into the run …</summary>
    public TimeSpan? PgRestartAfter { get; set; }

    /// <summary>… and start it again (<c>cluster.sh pg-start</c>) after this long.</summary>
    public TimeSpan PgDown { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Fault experiment: SIGKILL every silo (<c>cluster.sh kill-all</c>) this long into the run, then start them again (<c>cluster.sh start-silos</c>).</summary>
    public TimeSpan? RestartClusterAfter { get; set; }

    /// <summary>The cluster script the fault options call (it honours TONGBAN_RUN_DIR from the environment).</summary>
    public string ClusterScript { get; set; } = "scripts/cluster.sh";

    /// <summary>After the run: how long hall watchers may take to show the server's snapshot.</summary>
    public TimeSpan ConvergeTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public int Halls { get; set; } = 8;

    public int WindowsPerHall { get; set; } = 2;

    /// <summary>HS256 key the silos were given (TongBan:Auth:SigningKey); clerk, citizen and admin tokens are minted with it.</summary>
    public string SigningKey { get; set; } = "";

    /// <summary>In-flight requests per operation kind; beyond it an offered operation is counted as dropped.</summary>
    public int MaxInFlight { get; set; } = 64;

    /// <summary>Attempts per operation (each on the next silo) on 5xx, 429-free connection errors and timeouts.</summary>
    public int Attempts { get; set; } = 10;

    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(5);

    public bool Verify { get; set; } = true;

    public int Seed { get; set; } = 20260101;

    /// <summary>Fault experiment: SIGKILL the process whose pid is in this file (e.g. /tmp/tongban-cluster/silo2.pid) …</summary>
    public string? KillPidFile { get; set; }

    /// <summary>… this long into the run; the target whose port it served is <see cref="KillTarget"/> (1-based).</summary>
    public TimeSpan KillAfter { get; set; } = TimeSpan.FromSeconds(20);

    public int KillTarget { get; set; }

    public const string Usage = """
        TongBan.LoadGen: a province peak-hour workload against a running cluster (scripts/cluster.sh start).
          --targets URL,URL,…        silo base URLs (default http://127.0.0.1:5081,5082,5083)
          --duration SECONDS         default 60
          --warmup SECONDS           offer the same load this long first, outside the figures (default 0; ledger keeps it)
          --nearest R --take R --windows R --cases R --ratings R    operations per second (defaults 20 10 8 2 3)
          --subscribers N            SignalR connections watching halls (default 50)
          --map-viewers N            SignalR connections watching a working-set hall's county on the map (default 0)
          --connect-concurrency N    hub connections opened at once (default 64)
          --hotline R --check-ins R  12345 case look-ups and appointment book+check-ins per second (defaults 2 and 0.5)
          --appointment-clock-offset HH:MM:SS   the cluster's TongBan:Appointments:TestClockOffset (check-ins need an open slot)
          --halls N --windows-per-hall N    working set (default 8 halls × 2 windows)
          --signing-key KEY | --signing-key-file PATH   the cluster's TongBan:Auth:SigningKey
                                     (default: $TONGBAN_SIGNING_KEY, else /tmp/tongban-cluster/signing-key)
          --kill-pid-file PATH --kill-target N --kill-after SECONDS   SIGKILL a silo mid-run (e.g. /tmp/tongban-cluster/silo2.pid,
                                     target 2) and report the failed-call window after it
          --pg-restart-after SECONDS [--pg-down SECONDS]   cluster.sh pg-stop, then pg-start after --pg-down (default 5)
          --restart-cluster-after SECONDS   cluster.sh kill-all (SIGKILL every silo), then start-silos on the same ports
          --cluster-script PATH      default scripts/cluster.sh (run from the repository; TONGBAN_RUN_DIR is passed on)
          --converge-timeout SECONDS how long hall watchers may take to match the server after the run (default 30)
          --max-in-flight N --attempts N --attempt-timeout SECONDS --seed N --no-verify
        Exit code 0 when the ledger check passes, 1 when it fails, 2 on bad arguments.
        """;

    public static LoadOptions Parse(string[] args)
    {
        var o = new LoadOptions();
        string? keyFile = null;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            double Number() => double.Parse(Next(), CultureInfo.InvariantCulture);
            switch (args[i])
            {
                case "--targets": o.Targets = [.. Next().Split(',', StringSplitOptions.RemoveEmptyEntries).Select(u => new Uri(u))]; break;
                case "--duration": o.Duration = TimeSpan.FromSeconds(Number()); break;
                case "--warmup": o.Warmup = TimeSpan.FromSeconds(Number()); break;
                case "--nearest": o.NearestRate = Number(); break;
                case "--take": o.TakeRate = Number(); break;
                case "--windows": o.WindowRate = Number(); break;
                case "--cases": o.CaseRate = Number(); break;
                case "--ratings": o.RatingRate = Number(); break;
                case "--subscribers": o.Subscribers = (int)Number(); break;
                case "--halls": o.Halls = (int)Number(); break;
                case "--windows-per-hall": o.WindowsPerHall = (int)Number(); break;
                case "--signing-key": o.SigningKey = Next(); break;
                case "--signing-key-file": keyFile = Next(); break;
                case "--max-in-flight": o.MaxInFlight = (int)Number(); break;
                case "--attempts": o.Attempts = (int)Number(); break;
                case "--attempt-timeout": o.AttemptTimeout = TimeSpan.FromSeconds(Number()); break;
                case "--seed": o.Seed = (int)Number(); break;
                case "--no-verify": o.Verify = false; break;
                case "--kill-pid-file": o.KillPidFile = Next(); break;
                case "--kill-after": o.KillAfter = TimeSpan.FromSeconds(Number()); break;
                case "--kill-target": o.KillTarget = (int)Number(); break;
                case "--map-viewers": o.MapViewers = (int)Number(); break;
                case "--connect-concurrency": o.ConnectConcurrency = (int)Number(); break;
                case "--hotline": o.HotlineRate = Number(); break;
                case "--check-ins": o.CheckInRate = Number(); break;
                case "--appointment-clock-offset": o.AppointmentClockOffset = TimeSpan.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--pg-restart-after": o.PgRestartAfter = TimeSpan.FromSeconds(Number()); break;
                case "--pg-down": o.PgDown = TimeSpan.FromSeconds(Number()); break;
                case "--restart-cluster-after": o.RestartClusterAfter = TimeSpan.FromSeconds(Number()); break;
                case "--cluster-script": o.ClusterScript = Next(); break;
                case "--converge-timeout": o.ConvergeTimeout = TimeSpan.FromSeconds(Number()); break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }

        if (string.IsNullOrEmpty(o.SigningKey))
        {
            keyFile ??= Environment.GetEnvironmentVariable("TONGBAN_SIGNING_KEY") is { Length: > 0 } env ? null : "/tmp/tongban-cluster/signing-key";
            o.SigningKey = keyFile is null ? Environment.GetEnvironmentVariable("TONGBAN_SIGNING_KEY")! : File.ReadAllText(keyFile).Trim();
        }

        if (o.SigningKey.Length < 32)
        {
            throw new ArgumentException("the signing key must be at least 32 bytes (the cluster's TongBan:Auth:SigningKey)");
        }

        if (o.Targets.Count == 0 || o.Halls < 1 || o.WindowsPerHall < 1 || o.Attempts < 1)
        {
            throw new ArgumentException("targets, halls, windows per hall and attempts must be at least 1");
        }

        if (o.KillPidFile is not null && (o.KillTarget < 1 || o.KillTarget > o.Targets.Count))
        {
            throw new ArgumentException("--kill-pid-file needs --kill-target N: the 1-based position of the killed silo in --targets");
        }

        return o;
    }
}
