using System.Globalization;
using Npgsql;
using TongBan.Silo.Hosting;

namespace TongBan.Silo.Postgres;

/// <summary>
/// The two connection strings derived from the operator's <c>ConnectionStrings:TongBan</c>: one pool for
/// the Orleans providers, one <see cref="NpgsqlDataSource"/> for TongBan's own tables. Npgsql keeps one
/// pool per distinct connection string, so the three Orleans providers share one pool.
/// </summary>
/// <remarks>
/// Budget: PostgreSQL's default max_connections is 100 (97 after superuser_reserved_connections). A silo
/// opens at most <see cref="OrleansPoolSize"/> + <see cref="AppPoolSize"/> = 24, so three silos (72) fit
/// with room for a fourth during a rolling restart (96) — but not for much else: raise max_connections
/// or put PgBouncer in front before running more silos. A value the operator sets wins, per pool.
/// </remarks>
public sealed class PostgresSettings
{
    /// <summary>Maximum Pool Size of the Orleans providers' pool (clustering, grain state, reminders).</summary>
    /// <remarks>
    /// Grain-state writes are the hot path; throughput on a 2-core box stops growing past ~8–16 connections.
    /// The cap also bounds the reminder service's bursts (Orleans issue #6944): on every ring change and
    /// refresh it reads each of its ~30 virtual-bucket ranges at once, which without a cap means one
    /// connection per range. Past the cap callers wait for a free connection (up to Timeout) instead.
    /// </remarks>
    public const int OrleansPoolSize = 16;

    /// <summary>Maximum Pool Size of TongBan's own data source (migrations, reference data, readiness).</summary>
    public const int AppPoolSize = 8;

    /// <summary>Connect timeout (seconds) unless the operator sets one: start-up fails fast on an unreachable host.</summary>
    public const int DefaultConnectTimeoutSeconds = 5;

    /// <summary>Schema that holds the Orleans provider tables and their OrleansQuery table.</summary>
    public const string OrleansSchema = "orleans";

    private PostgresSettings(string orleans, string app, string endpoint)
    {
        OrleansConnectionString = orleans;
        AppConnectionString = app;
        Endpoint = endpoint;
    }

    public string OrleansConnectionString { get; }

    public string AppConnectionString { get; }

    /// <summary>"host:port/database as user", for messages (never the password).</summary>
    public string Endpoint { get; }

    /// <param name="connectionString">The operator's Npgsql connection string.</param>
    /// <param name="applicationName">Shown in pg_stat_activity; the pools add ":orleans" and ":app".</param>
    /// <exception cref="StartupException">The string is not a valid Npgsql connection string.</exception>
    public static PostgresSettings FromConnectionString(string connectionString, string applicationName)
    {
        NpgsqlConnectionStringBuilder given;
        try
        {
            given = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException)
        {
            // The message never contains the string itself (it may hold a password).
            throw new StartupException($"ConnectionStrings:{SiloOptions.ConnectionStringName} is not a valid PostgreSQL connection string: {e.Message}", e);
        }

        if (string.IsNullOrWhiteSpace(given.Host))
        {
            throw new StartupException($"ConnectionStrings:{SiloOptions.ConnectionStringName} names no Host.");
        }

        // Keys holds only what the string set (canonical names), which tells an operator's choice from a default.
        var set = given.Keys.Cast<string>().ToHashSet(StringComparer.OrdinalIgnoreCase);

        var orleans = new NpgsqlConnectionStringBuilder(given.ConnectionString);
        Default(orleans, set, "Maximum Pool Size", b => b.MaxPoolSize = OrleansPoolSize);
        Default(orleans, set, "Application Name", b => b.ApplicationName = applicationName + ":orleans");
        // Only Orleans' own query texts run on this pool and they leave no session state behind, so the
        // DISCARD ALL on every return to the pool buys nothing and costs re-planning (≈1.4× on writes).
        Default(orleans, set, "No Reset On Close", b => b.NoResetOnClose = true);
        // The providers run the same few statements all day: prepare them on reuse (prepared statements survive
        // pool returns thanks to No Reset On Close), so the server stops parsing and planning them on every write.
        Default(orleans, set, "Max Auto Prepare", b => b.MaxAutoPrepare = 20);
        // The providers bootstrap with an unqualified "SELECT ... FROM OrleansQuery".
        orleans.SearchPath = OrleansSchema;

        var app = new NpgsqlConnectionStringBuilder(given.ConnectionString);
        Default(app, set, "Maximum Pool Size", b => b.MaxPoolSize = AppPoolSize);
        Default(app, set, "Application Name", b => b.ApplicationName = applicationName + ":app");
        Default(app, set, "Timeout", b => b.Timeout = DefaultConnectTimeoutSeconds);

        return new PostgresSettings(orleans.ConnectionString, app.ConnectionString, DescribeEndpoint(given));
    }

    internal static string DescribeEndpoint(NpgsqlConnectionStringBuilder b) =>
        string.Create(CultureInfo.InvariantCulture, $"{b.Host}:{b.Port}/{b.Database ?? b.Username ?? "?"} as {b.Username ?? "(default user)"}");

    private static void Default(NpgsqlConnectionStringBuilder builder, HashSet<string> set, string key, Action<NpgsqlConnectionStringBuilder> apply)
    {
        if (!set.Contains(key))
        {
            apply(builder);
        }
    }
}
