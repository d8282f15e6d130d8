using System.Data.Common;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Storage;
using TongBan.Grains.Halls;

namespace TongBan.Api.Endpoints;

/// <summary>RFC 7807 helpers so every error has the same shape.</summary>
public static class Problems
{
    public static ValidationProblem Invalid(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }, title: "输入有误 Invalid input");

    public static ProblemHttpResult NotFound(string what, string id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "未找到 Not found", detail: $"「{id}」不存在。 {what} '{id}' does not exist.");

    /// <summary>403 from a resource check (the role policy passed, but not for this hall, window or case).</summary>
    public static ProblemHttpResult Forbidden(string? detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "无权操作 Forbidden", detail: detail);

    public static ProblemHttpResult Conflict(string detail, IDictionary<string, object?>? extensions = null) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "状态冲突 Conflict", detail: detail, extensions: extensions);

    /// <summary>409: the hall's clock says no tickets now; <c>nextOpening</c> (ISO 8601, +08:00) says when they resume.</summary>
    public static ProblemHttpResult HallClosed(ServicePoint point, HallClockReading reading) =>
        TypedResults.Problem(
            statusCode: StatusCodes.Status409Conflict,
            title: "当前不在取号时间 Not taking tickets now",
            detail: $"{point.Name} is not taking tickets now: {reading.ClosedReason}.",
            extensions: new Dictionary<string, object?>
            {
                ["code"] = "hallClosed",
                ["reason"] = reading.ClosedReason,
                ["nextOpening"] = reading.NextOpening is { } next ? HallClock.Iso(next) : null,
            });

    /// <summary>Answers from middleware (no endpoint, no IResult) with the same ProblemDetails shape; the caller sets any headers first.</summary>
    public static ValueTask WriteAsync(HttpContext context, int status, string title, string detail)
    {
        context.Response.StatusCode = status;
        return context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail },
        });
    }
}

/// <summary>Turns domain exceptions that escape an endpoint into ProblemDetails instead of a 500.</summary>
public sealed partial class DomainExceptionHandler(IProblemDetailsService problems, ILogger<DomainExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (status, title) = exception switch
        {
            UnknownHallException => (StatusCodes.Status404NotFound, "未找到 Not found"),
            BadHttpRequestException bad => (bad.StatusCode, "请求无效 Bad request"),

            // A silo died or is unreachable: the cluster recovers within seconds, so ask the client to retry.
            SiloUnavailableException or OrleansMessageRejectionException or TimeoutException =>
                (StatusCodes.Status503ServiceUnavailable, "暂时不可用 Temporarily unavailable"),

            // A grain found another activation's newer state (a duplicate left by a silo crash, or a concurrent write):
            // it dropped itself, and the retry reaches the current one.
            InconsistentStateException => (StatusCodes.Status503ServiceUnavailable, "暂时不可用 Temporarily unavailable"),

            // The database is down or restarting (grain storage, reminders, TongBan's own tables): nothing was
            // committed by the failed call, and the next one succeeds once PostgreSQL answers again.
            _ when IsDatabaseOutage(exception) => (StatusCodes.Status503ServiceUnavailable, "暂时不可用 Temporarily unavailable"),

            // An internal timeout (e.g. a grain activation whose directory registration timed out while a restarted
            // cluster settles), not the client going away.
            OperationCanceledException when !httpContext.RequestAborted.IsCancellationRequested =>
                (StatusCodes.Status503ServiceUnavailable, "暂时不可用 Temporarily unavailable"),
            _ => (0, string.Empty),
        };
        if (status == 0)
        {
            LogUnhandled(logger, exception, httpContext.Request.Path);
            return false;
        }

        if (status == StatusCodes.Status503ServiceUnavailable)
        {
            LogUnavailable(logger, httpContext.Request.Path, exception.GetType().Name, Innermost(exception).Message);
        }

        httpContext.Response.StatusCode = status;
        if (status == StatusCodes.Status503ServiceUnavailable)
        {
            httpContext.Response.Headers.RetryAfter = "2";
        }

        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = new ProblemDetails
            {
                Status = status,
                Title = title,

                // Cluster internals (silo addresses) stay in the log, not in the answer.
                Detail = status == StatusCodes.Status503ServiceUnavailable ? "The service is recovering from a failure; retry in a few seconds." : exception.Message,
            },
        });
    }

    /// <summary>
    /// True when the failure is the database not answering: a <see cref="DbException"/> (Npgsql's, when the storage
    /// provider or a store ran in this process) anywhere in the chain, or the same exception carried from another silo
    /// (Orleans wraps storage failures in an <see cref="OrleansException"/> and rebuilds remote exceptions by type name).
    /// </summary>
    public static bool IsDatabaseOutage(Exception exception)
    {
        for (var x = exception; x is not null; x = x is AggregateException { InnerExceptions.Count: > 0 } a ? a.InnerExceptions[0] : x.InnerException)
        {
            if (x is DbException || (x is UnavailableExceptionFallbackException { ExceptionType: { } type } && type.Contains("Npgsql", StringComparison.Ordinal)))
            {
                return true;
            }
        }

        return false;
    }

    private static Exception Innermost(Exception e) => e.InnerException is { } inner ? Innermost(inner) : e;

    [LoggerMessage(Level = LogLevel.Warning, Message = "503 on {Path}: {Exception}: {Cause}")]
    private static partial void LogUnavailable(ILogger logger, string path, string exception, string cause);

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled error on {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string path);
}
