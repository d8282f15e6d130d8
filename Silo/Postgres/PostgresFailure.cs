using System.Net.Sockets;
using Npgsql;

namespace TongBan.Silo.Postgres;

/// <summary>Turns Npgsql's exceptions into one line an operator can act on.</summary>
public static class PostgresFailure
{
    /// <summary>True for the exceptions a database call raises when the server is unreachable, refuses, or errs.</summary>
    public static bool IsDatabaseFailure(Exception e) => e is NpgsqlException or TimeoutException;

    /// <param name="e">An <see cref="NpgsqlException"/> (including <see cref="PostgresException"/>) or <see cref="TimeoutException"/>.</param>
    /// <param name="endpoint">"host:port/database as user", see <see cref="PostgresSettings.DescribeEndpoint"/>.</param>
    public static string Describe(Exception e, string endpoint)
    {
        switch (e)
        {
            case PostgresException { SqlState: PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification } p:
                return $"PostgreSQL at {endpoint} refused the login: {p.MessageText} ({p.SqlState})";
            case PostgresException { SqlState: PostgresErrorCodes.InvalidCatalogName } p:
                return $"PostgreSQL at {endpoint}: {p.MessageText} ({p.SqlState})";
            case PostgresException p:
                return $"PostgreSQL at {endpoint} answered: {p.MessageText} ({p.SqlState})";
        }

        var cause = Innermost(e);
        var reason = cause switch
        {
            SocketException s => s.Message,
            TimeoutException => "no answer within the connect timeout",
            _ => cause.Message,
        };
        return $"cannot connect to PostgreSQL at {endpoint}: {reason}";
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is { } inner)
        {
            e = inner;
        }

        return e;
    }
}
