using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Metadata;

namespace TongBan.Api.Endpoints;

/// <summary>
/// The <c>Idempotency-Key</c> header of a command a client may retry: absent, or 1–64 characters. A handler takes it as a
/// parameter; a key of the wrong length is answered 400 before the handler runs, and the OpenAPI document lists the
/// header (see <see cref="OpenApi.OpenApiConventions"/>).
/// </summary>
public sealed class IdempotencyKey : IEndpointParameterMetadataProvider
{
    public const string Header = "Idempotency-Key";
    public const int MaxLength = 64;

    private IdempotencyKey(string? value) => Value = value;

    /// <summary>The key, or null when the request has none (then the command is not deduplicated).</summary>
    public string? Value { get; }

    public static ValueTask<IdempotencyKey?> BindAsync(HttpContext context) =>
        ValueTask.FromResult<IdempotencyKey?>(new(context.Request.Headers.TryGetValue(Header, out var values) ? values.ToString() : null));

    /// <summary>400 for a key of the wrong length; null when the key is absent or fine.</summary>
    public static ValidationProblem? Validate(string? key) =>
        key is { Length: 0 or > MaxLength } ? Problems.Invalid(Header, $"{Header} has 1–{MaxLength} characters.") : null;

    public static void PopulateMetadata(ParameterInfo parameter, EndpointBuilder builder)
    {
        builder.Metadata.Add(new IdempotencyKeyMetadata());
        var index = parameter.Position;
        builder.FilterFactories.Add((_, next) => invocation =>
            invocation.Arguments[index] is IdempotencyKey key && Validate(key.Value) is { } invalid
                ? ValueTask.FromResult<object?>(invalid)
                : next(invocation));
    }
}

/// <summary>Marks an endpoint that reads <see cref="IdempotencyKey"/>, so its OpenAPI operation lists the header.</summary>
public sealed class IdempotencyKeyMetadata;
