using System.Globalization;

namespace TongBan.LoadGen;

/// <summary>Workload size and targets. Rates are operations per second offered to the whole cluster (open loop).</summary>
public sealed class LoadOptions
{
    /// <summary>Base URLs of the silos (the cluster script's defaults).</summary>
    public List<Uri> Targets { get; set; } = [new("http://127.0.0.1:5081"), new("http://127.0.0.1:5082"), new("http://127.0.0.1:5083")];

    public TimeSpan Duration { get; set; } = TimeSpan.FromSeconds(60);

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
          --nearest R --take R --windows R --cases R --ratings R    operations per second (defaults 20 10 8 2 3)
          --subscribers N            SignalR connections watching halls (default 50)
          --halls N --windows-per-hall N    working set (default 8 halls × 2 windows)
          --signing-key KEY | --signing-key-file PATH   the cluster's TongBan:Auth:SigningKey
                                     (default: $TONGBAN_SIGNING_KEY, else /tmp/tongban-cluster/signing-key)
          --kill-pid-file PATH --kill-target N --kill-after SECONDS   SIGKILL a silo mid-run (e.g. /tmp/tongban-cluster/silo2.pid,
                                     target 2) and report the failed-call window after it
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
