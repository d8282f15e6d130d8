using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace TongBan.Api.Tests.Support;

/// <summary>
/// Reads every JSON answer of the API test hosts that use it (<see cref="EmbeddedApp"/> and its variants, the partner
/// fixture) and records any field that carries a keyed hash of personal data (applicantIdKey, phoneKey …) or a sealed
/// value: staff and citizens see masked forms only. <see cref="EmbeddedApp"/> fails on disposal when anything was
/// recorded, and <c>ResponseScanTests</c> checks the main staff and citizen routes on their own.
/// </summary>
public static class ResponseScan
{
    /// <summary>Field names (camelCase, compared ignoring case) of keyed hashes and sealed values.</summary>
    private static readonly HashSet<string> Names = new(StringComparer.OrdinalIgnoreCase)
    {
        "idKey", "phoneKey", "nameKey", "applicantKey", "holderKey", "raterKey", "grantorKey", "subjectKey", "callerKey", "citizenKey",
        "idHash", "phoneHash", "sealed", "sealedApplicant", "sealedDetails", "ciphertext", "cipherText", "privateKey", "hashKey", "encryptionKey",
    };

    /// <summary>Suffixes that name a keyed hash whatever the prefix (applicantIdKey, applicantPhoneKey, applicantIdHash …).</summary>
    private static readonly string[] Suffixes = ["IdKey", "PhoneKey", "NameKey", "IdHash", "PhoneHash", "Sealed"];

    private static readonly ConcurrentQueue<string> Found = new();

    private static int answers;

    /// <summary>Every violation seen so far: "GET /api/inbox: applicantIdKey".</summary>
    public static IReadOnlyList<string> Violations => [.. Found.Distinct()];

    /// <summary>How many JSON answers were scanned (so a test can show the scan ran).</summary>
    public static int Answers => Volatile.Read(ref answers);

    /// <summary>Adds the scan in front of the host's pipeline.</summary>
    public static void Attach(WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<IStartupFilter, Filter>();
    }

    /// <summary>The forbidden field names in a JSON text (empty when none, or when it is not JSON).</summary>
    public static IReadOnlyList<string> ForbiddenFields(string json)
    {
        var found = new List<string>();
        try
        {
            using var document = JsonDocument.Parse(json);
            Walk(document.RootElement, found);
        }
        catch (JsonException)
        {
            // Not JSON after all: nothing to check.
        }

        return found;
    }

    private static bool IsForbidden(string name) =>
        Names.Contains(name) || Suffixes.Any(s => name.Length > s.Length && name.EndsWith(s, StringComparison.OrdinalIgnoreCase));

    private static void Walk(JsonElement element, List<string> found)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (IsForbidden(property.Name))
                    {
                        found.Add(property.Name);
                    }

                    Walk(property.Value, found);
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    Walk(item, found);
                }

                break;
        }
    }

    private sealed class Filter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(Scan);
            next(app);
        };

        private static async Task Scan(HttpContext context, RequestDelegate next)
        {
            // Only the JSON API: hubs, pages and metrics stream or are not JSON.
            if (!context.Request.Path.StartsWithSegments("/api", StringComparison.Ordinal))
            {
                await next(context);
                return;
            }

            var original = context.Response.Body;
            await using var buffer = new MemoryStream();
            context.Response.Body = buffer;
            try
            {
                await next(context);
            }
            finally
            {
                context.Response.Body = original;
            }

            buffer.Position = 0;
            if (context.Response.ContentType?.Contains("json", StringComparison.OrdinalIgnoreCase) == true && buffer.Length > 0)
            {
                Interlocked.Increment(ref answers);
                var text = System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
                foreach (var field in ForbiddenFields(text))
                {
                    Found.Enqueue($"{context.Request.Method} {context.Request.Path}: {field}");
                }

                buffer.Position = 0;
            }

            await buffer.CopyToAsync(original, context.RequestAborted);
        }
    }
}
