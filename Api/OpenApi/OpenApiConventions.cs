using System.Text;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.OpenApi;
using TongBan.Api.Endpoints;

namespace TongBan.Api.OpenApi;

/// <summary>
/// Makes <c>/openapi/v1.json</c> what a partner's client generator needs, from the endpoints' own metadata rather than
/// per-route annotations: a bearer scheme declared once and required by every operation that is not anonymous, an
/// <c>operationId</c> for every operation (see <see cref="OperationIds"/>), and the 4xx answers as ProblemDetails.
/// </summary>
public static class OpenApiConventions
{
    /// <summary>The name of the bearer security scheme in <c>components.securitySchemes</c>.</summary>
    public const string BearerScheme = "bearer";

    /// <summary>The component schema every 4xx answer refers to (RFC 7807).</summary>
    public const string ProblemSchema = "ProblemDetails";

    private const string ProblemJson = "application/problem+json";

    private static readonly Dictionary<string, string> TagDescriptions = new(StringComparer.Ordinal)
    {
        ["Halls"] = "Service points (政务服务中心, 便民服务站): profiles, live snapshots, hours and their exceptions.",
        ["Queue"] = "排队叫号: taking and following tickets, queue figures.",
        ["Windows"] = "A window's clerk: open, call, serve, transfer, park.",
        ["Appointments"] = "预约: slots, booking, rescheduling, check-in.",
        ["Cases"] = "办件: applications, their state machine, deadlines, audit and metrics.",
        ["Catalogue"] = "全省通办 catalogue of service items and its published batches.",
        ["Bundles"] = "一件事一次办: bundles of items applied for together.",
        ["Notifications"] = "SMS / WeChat / app notifications of case steps and their outbox.",
        ["Ratings"] = "好差评: ratings, disclosure, follow-ups and appeals.",
        ["Hotline"] = "12345 hotline: verified look-ups, urges, complaints and answers.",
        ["Credit"] = "信用: applicant standing, 容缺 promises, false-materials findings.",
        ["Licences"] = "电子证照: e-licences cited instead of paper.",
        ["Seals"] = "电子印章: signed decision documents and seal keys.",
        ["Cross-province"] = "跨省通办: transfers to and from partner provinces.",
        ["Authorisation"] = "授权信任: rights granted to other halls or departments.",
        ["Regions"] = "Guizhou's administrative regions (province, prefectures, counties).",
        ["Map"] = "The public map: points, nearest service, aggregates.",
        ["Admin"] = "Administration: service points, notifications outbox.",
        ["Platform"] = "Health, readiness and development helpers.",
        ["Pages"] = "What the bundled web pages load.",
    };

    public static OpenApiOptions AddTongBanConventions(this OpenApiOptions options)
    {
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "JWT",
                Description = "A JWT from the province's identity service (贵人服务 / staff sign-in); in development, POST /api/dev/token.",
            };
            document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
            if (!document.Components.Schemas.ContainsKey(ProblemSchema))
            {
                document.Components.Schemas[ProblemSchema] = ProblemDetailsSchema();
            }

            foreach (var server in document.Servers ?? [])
            {
                // The request's base address ends in '/', and every path starts with one.
                server.Url = server.Url?.TrimEnd('/');
            }

            document.Info.Title = "TongBan 通办 API";
            document.Info.Description ??= "Guizhou's government service halls: queues, cases, ratings, the hotline and the map. " +
                "Errors are RFC 7807 problem details with zh-CN titles; operation ids are stable (see the README's OpenAPI section).";
            foreach (var tag in document.Tags ?? new HashSet<OpenApiTag>())
            {
                if (tag.Name is { } name && TagDescriptions.TryGetValue(name, out var text))
                {
                    tag.Description ??= text;
                }
            }

            TrimTrailingSlashes(document);
            OperationIds.MakeUnique(document);
            return Task.CompletedTask;
        });
        options.AddOperationTransformer((operation, context, _) =>
        {
            var description = context.Description;
            var metadata = description.ActionDescriptor.EndpointMetadata;
            var path = "/" + (description.RelativePath ?? string.Empty).TrimStart('/');
            operation.OperationId ??= OperationIds.Derive(description.HttpMethod ?? "GET", path);

            DeclarePathParameters(operation, path);
            if (metadata.OfType<IdempotencyKeyMetadata>().Any() && operation.Parameters?.Any(p => p.Name == IdempotencyKey.Header) != true)
            {
                operation.Parameters ??= [];
                operation.Parameters.Add(new OpenApiParameter
                {
                    Name = IdempotencyKey.Header,
                    In = ParameterLocation.Header,
                    Description = "A retry with the same key returns the first answer (1–64 characters).",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String, MinLength = 1, MaxLength = IdempotencyKey.MaxLength },
                });
            }

            // Deny by default: everything not marked anonymous needs a token (the fallback policy), so only
            // AllowAnonymous lifts the requirement.
            var anonymous = metadata.OfType<IAllowAnonymous>().Any();
            var needsToken = !anonymous;
            operation.Security ??= [];
            operation.Security.Add(needsToken
                ? new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [] }
                : new OpenApiSecurityRequirement()); // {}: callable without credentials, said explicitly

            operation.Responses ??= [];

            // Every operation can answer 400: a malformed request (bad JSON, an unparsable route value) is refused
            // before the handler, and handlers answer bad input with the fields named.
            AddProblem(operation, context, StatusCodes.Status400BadRequest, "输入有误 Invalid input: a malformed request, or the problem's errors name each bad field.");
            if (needsToken)
            {
                AddProblem(operation, context, StatusCodes.Status401Unauthorized, "未登录 No valid bearer token.");
                AddProblem(operation, context, StatusCodes.Status403Forbidden, "无权操作 The token's role or scope does not cover this resource.");
            }

            if (path.Contains('{', StringComparison.Ordinal))
            {
                AddProblem(operation, context, StatusCodes.Status404NotFound, "未找到 Not found: the resource the path names does not exist (or is not visible to the caller).");
                if (!HttpMethods.IsGet(description.HttpMethod ?? "GET"))
                {
                    AddProblem(operation, context, StatusCodes.Status409Conflict, "状态冲突 Conflict: the resource's state does not allow this now; the problem names the state and the allowed actions.");
                }
            }

            if (metadata.OfType<EnableRateLimitingAttribute>().Any())
            {
                AddProblem(operation, context, StatusCodes.Status429TooManyRequests, "请求过多 Too many requests from this caller; Retry-After says when to try again.");
            }

            return Task.CompletedTask;
        });
        return options;
    }

    private static void AddProblem(OpenApiOperation operation, OpenApiOperationTransformerContext context, int status, string description)
    {
        var key = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (operation.Responses!.ContainsKey(key))
        {
            return;
        }

        operation.Responses[key] = new OpenApiResponse
        {
            Description = description,
            Content = new Dictionary<string, OpenApiMediaType>
            {
                [ProblemJson] = new OpenApiMediaType { Schema = new OpenApiSchemaReference(ProblemSchema, context.Document) },
            },
        };
    }

    /// <summary>Declares a path parameter the handler reads without binding it (e.g. from the route values).</summary>
    private static void DeclarePathParameters(OpenApiOperation operation, string path)
    {
        foreach (var name in OperationIds.Parameters(path))
        {
            if (operation.Parameters?.Any(p => p.In == ParameterLocation.Path && p.Name == name) == true)
            {
                continue;
            }

            operation.Parameters ??= [];
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = name,
                In = ParameterLocation.Path,
                Required = true,
                Schema = new OpenApiSchema { Type = JsonSchemaType.String },
            });
        }
    }

    /// <summary>
    /// A group's root route (<c>MapGroup("/api/items").MapGet("/")</c>) is described as <c>/api/items/</c>; routing
    /// matches it with or without the slash, and generators expect none.
    /// </summary>
    private static void TrimTrailingSlashes(OpenApiDocument document)
    {
        if (document.Paths is not { } paths)
        {
            return;
        }

        foreach (var key in paths.Keys.Where(k => k.Length > 1 && k.EndsWith('/')).ToList())
        {
            var item = paths[key];
            paths.Remove(key);
            var trimmed = key.TrimEnd('/');
            if (!paths.TryGetValue(trimmed, out var existing))
            {
                paths[trimmed] = item;
            }
            else if (existing is OpenApiPathItem target && item.Operations is { } moved)
            {
                target.Operations ??= [];
                foreach (var (method, operation) in moved)
                {
                    target.Operations.TryAdd(method, operation);
                }
            }
        }
    }

    private static OpenApiSchema ProblemDetailsSchema() => new()
    {
        Type = JsonSchemaType.Object,
        Description = "RFC 7807 problem details; titles are zh-CN then English. Extensions (code, allowedActions, …) depend on the answer.",
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["type"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null },
            ["title"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null },
            ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer | JsonSchemaType.Null, Format = "int32" },
            ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null },
            ["instance"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null },
            ["errors"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Description = "400 only: the bad fields and what is wrong with each.",
                AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
            },
        },
    };
}

/// <summary>
/// How operation ids are formed, so that they are stable across builds and readable in generated clients: an explicit
/// <c>WithName(...)</c> wins; otherwise the HTTP verb (Get, Post, Put, Delete, Patch) followed by the path's literal
/// segments after <c>/api</c> in PascalCase, where a segment followed by a parameter is made singular.
/// <c>GET /api/halls/{hallCode}</c> → <c>GetHall</c>; <c>POST /api/halls/{hallCode}/tickets</c> → <c>PostHallTickets</c>;
/// <c>POST /api/halls/{hallCode}/windows/{windowNo}/call-next</c> → <c>PostHallWindowCallNext</c>. Two routes that
/// would share an id get <c>By</c> and their parameter names appended (<c>…ByPartnerCodeAndTransferId</c>).
/// </summary>
public static class OperationIds
{
    public static string Derive(string httpMethod, string path)
    {
        var id = new StringBuilder(Pascal(httpMethod.ToLowerInvariant()));
        string? pending = null;
        foreach (var segment in Segments(path))
        {
            if (IsParameter(segment))
            {
                if (pending is not null)
                {
                    id.Append(Singular(pending));
                    pending = null;
                }

                continue;
            }

            if (pending is not null)
            {
                id.Append(pending);
            }

            pending = string.Concat(segment.Split('-', '_', '.').Where(w => w.Length > 0).Select(Pascal));
        }

        return id.Append(pending).ToString();
    }

    /// <summary>The path's parameter names in order (constraints and catch-all stars removed).</summary>
    public static IEnumerable<string> Parameters(string path) =>
        Segments(path).Where(IsParameter).Select(s => s.Trim('{', '}').TrimStart('*').Split(':', '=', '?')[0]);

    /// <summary>Disambiguates colliding derived ids (explicit names are the author's to keep unique).</summary>
    internal static void MakeUnique(OpenApiDocument document)
    {
        var operations = (document.Paths ?? [])
            .SelectMany(p => (p.Value.Operations ?? []).Select(o => (Path: p.Key, Operation: o.Value)))
            .ToList();
        foreach (var clash in operations.GroupBy(o => o.Operation.OperationId).Where(g => g.Count() > 1))
        {
            foreach (var (path, operation) in clash)
            {
                var names = Parameters(path).Select(Pascal).ToList();
                if (names.Count > 0)
                {
                    operation.OperationId += "By" + string.Join("And", names);
                }
            }
        }
    }

    private static IEnumerable<string> Segments(string path) =>
        path.Split('/', StringSplitOptions.RemoveEmptyEntries).SkipWhile((s, i) => i == 0 && s == "api");

    private static bool IsParameter(string segment) => segment.StartsWith('{');

    private static string Pascal(string word) => word.Length == 0 ? word : char.ToUpperInvariant(word[0]) + word[1..];

    private static string Singular(string word) =>
        word.EndsWith("ies", StringComparison.Ordinal) ? word[..^3] + "y"
        : word.EndsWith("ches", StringComparison.Ordinal) || word.EndsWith("shes", StringComparison.Ordinal) ||
          word.EndsWith("sses", StringComparison.Ordinal) || word.EndsWith("xes", StringComparison.Ordinal) ? word[..^2]
        : word.EndsWith("ss", StringComparison.Ordinal) || !word.EndsWith('s') ? word
        : word[..^1];
}
