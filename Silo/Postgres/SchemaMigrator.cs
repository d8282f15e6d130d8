using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Npgsql;
using TongBan.Silo.Hosting;

namespace TongBan.Silo.Postgres;

/// <summary>One embedded SQL file, <c>NNNN_name.sql</c>.</summary>
public sealed record Migration(int Version, string Name, string Sql, string Checksum);

/// <summary>What a run of the migrator did.</summary>
public sealed record MigrationResult(IReadOnlyList<Migration> Applied, int SchemaVersion);

/// <summary>
/// Applies the embedded migrations (<c>Silo/Postgres/Migrations/*.sql</c>) in version order, each in its own
/// transaction together with its row in <c>tongban.schema_migrations</c>. Idempotent: applied versions are
/// skipped. Safe with several silos starting at once: everything runs under a session advisory lock, so one
/// migrates and the others wait, then find nothing left to do.
/// </summary>
/// <remarks>
/// The bookkeeping table lives in the application's schema <c>tongban</c> (next to the tables it versions),
/// not in <c>public</c>, which PostgreSQL 15 no longer lets ordinary roles create in, and not in
/// <c>orleans</c>, which holds only what the Orleans providers' contract needs.
/// </remarks>
public sealed partial class SchemaMigrator(NpgsqlDataSource dataSource, ILogger<SchemaMigrator> logger)
{
    /// <summary>pg_advisory_lock key: "TongBan" in ASCII. Any process that changes the schema takes it.</summary>
    public const long LockKey = 0x546F6E6742616E;

    private const string ResourcePrefix = "TongBan.Migrations.";

    /// <summary>How long a silo waits for another one's migration before it gives up.</summary>
    private static readonly TimeSpan LockWait = TimeSpan.FromMinutes(2);

    /// <summary>A single migration may rebuild a large table; the default 30 s command timeout is too short.</summary>
    private static readonly TimeSpan StatementTimeout = TimeSpan.FromMinutes(10);

    private static readonly Lazy<IReadOnlyList<Migration>> Embedded = new(() => Load(typeof(SchemaMigrator).Assembly));

    public static IReadOnlyList<Migration> EmbeddedMigrations => Embedded.Value;

    private string Endpoint => PostgresSettings.DescribeEndpoint(new NpgsqlConnectionStringBuilder(dataSource.ConnectionString));

    /// <exception cref="StartupException">The database cannot be reached, refuses, or a migration fails or was edited.</exception>
    public async Task<MigrationResult> MigrateAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await MigrateCoreAsync(EmbeddedMigrations, cancellationToken);
        }
        catch (Exception e) when (PostgresFailure.IsDatabaseFailure(e) && !cancellationToken.IsCancellationRequested)
        {
            throw new StartupException("schema migration: " + PostgresFailure.Describe(e, Endpoint), e);
        }
    }

    /// <summary>Reads the embedded <c>TongBan.Migrations.NNNN_name.sql</c> resources of an assembly, in version order.</summary>
    public static IReadOnlyList<Migration> Load(Assembly assembly)
    {
        var migrations = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            var name = resource[ResourcePrefix.Length..];
            var match = FileName().Match(name);
            if (!match.Success)
            {
                throw new InvalidOperationException($"Migration resource '{name}' is not named NNNN_name.sql.");
            }

            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream, Encoding.UTF8);
            // Line endings depend on the checkout; the checksum must not.
            var sql = reader.ReadToEnd().ReplaceLineEndings("\n");
            migrations.Add(new Migration(int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), name, sql, Checksum(sql)));
        }

        migrations.Sort((a, b) => a.Version.CompareTo(b.Version));
        for (var i = 1; i < migrations.Count; i++)
        {
            if (migrations[i].Version == migrations[i - 1].Version)
            {
                throw new InvalidOperationException($"Two migrations have version {migrations[i].Version}: {migrations[i - 1].Name}, {migrations[i].Name}.");
            }
        }

        return migrations;
    }

    private static string Checksum(string sql) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sql)));

    private async Task<MigrationResult> MigrateCoreAsync(IReadOnlyList<Migration> migrations, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await LockAsync(connection, cancellationToken);
        try
        {
            await ExecuteAsync(connection, null, """
                create schema if not exists tongban;
                create table if not exists tongban.schema_migrations (
                    version    integer primary key,
                    name       text not null,
                    checksum   text not null,
                    applied_at timestamptz not null default now()
                );
                """, cancellationToken);

            var applied = await ReadAppliedAsync(connection, cancellationToken);
            Verify(migrations, applied);

            var done = new List<Migration>();
            foreach (var migration in migrations.Where(m => !applied.ContainsKey(m.Version)))
            {
                LogApplying(logger, migration.Name);
                var started = TimeProvider.System.GetTimestamp();
                await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
                {
                    try
                    {
                        await ExecuteAsync(connection, transaction, migration.Sql, cancellationToken);
                    }
                    catch (PostgresException e)
                    {
                        throw new StartupException($"schema migration {migration.Name} failed on {Endpoint}: {e.MessageText} ({e.SqlState})", e);
                    }

                    await using var record = new NpgsqlCommand(
                        "insert into tongban.schema_migrations (version, name, checksum) values ($1, $2, $3)", connection, transaction);
                    record.Parameters.Add(new NpgsqlParameter<int> { TypedValue = migration.Version });
                    record.Parameters.Add(new NpgsqlParameter<string> { TypedValue = migration.Name });
                    record.Parameters.Add(new NpgsqlParameter<string> { TypedValue = migration.Checksum });
                    await record.ExecuteNonQueryAsync(cancellationToken);
                    await transaction.CommitAsync(cancellationToken);
                }

                LogApplied(logger, migration.Name, (long)TimeProvider.System.GetElapsedTime(started).TotalMilliseconds);
                done.Add(migration);
            }

            var version = applied.Keys.Concat(done.Select(m => m.Version)).DefaultIfEmpty(0).Max();
            if (done.Count == 0)
            {
                LogUpToDate(logger, version, Endpoint);
            }
            else
            {
                LogMigrated(logger, done.Count, version, Endpoint);
            }

            return new MigrationResult(done, version);
        }
        finally
        {
            // Closing the connection would release the lock too, but pooled connections stay open.
            await UnlockAsync(connection);
        }
    }

    private async Task LockAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using (var attempt = new NpgsqlCommand($"select pg_try_advisory_lock({LockKey})", connection))
        {
            if ((bool)(await attempt.ExecuteScalarAsync(cancellationToken))!)
            {
                return;
            }
        }

        LogWaiting(logger);
        await using var wait = new NpgsqlCommand($"select pg_advisory_lock({LockKey})", connection) { CommandTimeout = (int)LockWait.TotalSeconds };
        try
        {
            await wait.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (NpgsqlException e) when (e.InnerException is TimeoutException || e is PostgresException { SqlState: PostgresErrorCodes.QueryCanceled })
        {
            throw new StartupException($"schema migration: another process held the migration lock on {Endpoint} for over {LockWait.TotalMinutes:0} minutes (pg_advisory_lock {LockKey}).", e);
        }
    }

    private static async Task UnlockAsync(NpgsqlConnection connection)
    {
        if (connection.State != System.Data.ConnectionState.Open)
        {
            return;
        }

        try
        {
            await using var unlock = new NpgsqlCommand($"select pg_advisory_unlock({LockKey})", connection);
            await unlock.ExecuteNonQueryAsync(CancellationToken.None);
        }
        catch (NpgsqlException)
        {
            // A broken connection is not returned to the pool; the server drops its locks with the session.
        }
    }

    private static async Task<Dictionary<int, (string Name, string Checksum)>> ReadAppliedAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var applied = new Dictionary<int, (string, string)>();
        await using var read = new NpgsqlCommand("select version, name, checksum from tongban.schema_migrations", connection);
        await using var reader = await read.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            applied[reader.GetInt32(0)] = (reader.GetString(1), reader.GetString(2));
        }

        return applied;
    }

    private void Verify(IReadOnlyList<Migration> migrations, Dictionary<int, (string Name, string Checksum)> applied)
    {
        foreach (var migration in migrations)
        {
            if (applied.TryGetValue(migration.Version, out var row) && row.Checksum != migration.Checksum)
            {
                // An applied migration is history: editing it would leave databases that differ with the same version.
                throw new StartupException(
                    $"schema migration: {migration.Name} was changed after it was applied to {Endpoint} (checksum {row.Checksum[..12]}… in the database, {migration.Checksum[..12]}… in this build); add a new migration instead.");
            }
        }

        var known = migrations.Select(m => m.Version).ToHashSet();
        foreach (var (version, row) in applied.Where(a => !known.Contains(a.Key)).OrderBy(a => a.Key))
        {
            LogUnknown(logger, version, row.Name);
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction) { CommandTimeout = (int)StatementTimeout.TotalSeconds };
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    [GeneratedRegex(@"^(\d{4})_[a-z0-9_]+\.sql$")]
    private static partial Regex FileName();

    [LoggerMessage(Level = LogLevel.Information, Message = "Schema: another process is migrating; waiting for the migration lock")]
    private static partial void LogWaiting(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Schema: applying migration {Migration}")]
    private static partial void LogApplying(ILogger logger, string migration);

    [LoggerMessage(Level = LogLevel.Information, Message = "Schema: applied migration {Migration} in {Milliseconds} ms")]
    private static partial void LogApplied(ILogger logger, string migration, long milliseconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Schema: up to date at version {Version} on {Endpoint}")]
    private static partial void LogUpToDate(ILogger logger, int version, string endpoint);

    [LoggerMessage(Level = LogLevel.Information, Message = "Schema: applied {Count} migration(s), now at version {Version} on {Endpoint}")]
    private static partial void LogMigrated(ILogger logger, int count, int version, string endpoint);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Schema: the database has migration {Version} ({Name}) that this build does not know; an older build is running against a newer schema")]
    private static partial void LogUnknown(ILogger logger, int version, string name);
}

/// <summary>Runs the migrator before anything else touches the database (registered first, started first).</summary>
public sealed class SchemaMigrationStartup(SchemaMigrator migrator) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => migrator.MigrateAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
