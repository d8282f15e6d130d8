using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace TongBan.Api.Endpoints;

/// <summary>
/// Gives every ProblemDetails a zh-CN title and detail (English after it, for partners), including the answers that
/// no endpoint wrote: the authorization middleware's 401/403, an unmatched route's 404, a 405, 413 or 415 from the
/// framework. Endpoints that set their own title keep it; only the framework's bare English defaults are replaced.
/// </summary>
public static class ReadableProblems
{
    /// <summary>Where <see cref="ProblemAuthorizationResultHandler"/> leaves the roles a refused policy asked for.</summary>
    internal const string RequiredRolesItem = "TongBan.RequiredRoles";

    private static readonly Dictionary<int, (string Title, string Detail)> Defaults = new()
    {
        [StatusCodes.Status400BadRequest] = ("请求无效 Bad request", "请求格式不正确，请检查后重试。 The request could not be read."),
        [StatusCodes.Status401Unauthorized] = ("未登录 Unauthorized", "请先登录后再操作（缺少或无效的访问令牌）。 Sign in first: the bearer token is missing, expired or invalid."),
        [StatusCodes.Status403Forbidden] = ("无权操作 Forbidden", "您的账号无权执行此操作。 Your account may not do this."),
        [StatusCodes.Status404NotFound] = ("未找到 Not found", "请求的地址不存在。 No such route or resource."),
        [StatusCodes.Status405MethodNotAllowed] = ("方法不允许 Method not allowed", "此地址不支持该请求方法。 This route does not accept this HTTP method."),
        [StatusCodes.Status406NotAcceptable] = ("格式不可用 Not acceptable", "无法以请求的格式作答。 The requested media type cannot be produced."),
        [StatusCodes.Status409Conflict] = ("状态冲突 Conflict", "当前状态不允许此操作。 The current state does not allow this."),
        [StatusCodes.Status413PayloadTooLarge] = ("请求过大 Payload too large", "请求内容超过允许的大小。 The request body is larger than allowed."),
        [StatusCodes.Status415UnsupportedMediaType] = ("格式不支持 Unsupported media type", "请以 application/json 提交。 Send the body as application/json."),
        [StatusCodes.Status429TooManyRequests] = ("请求过于频繁 Too many requests", "请稍后再试。 Too many requests; retry later."),
        [StatusCodes.Status500InternalServerError] = ("服务器内部错误 Internal error", "服务出现意外错误，已记录，请稍后再试。 An unexpected error was logged; retry later."),
        [StatusCodes.Status503ServiceUnavailable] = ("暂时不可用 Temporarily unavailable", "服务暂时不可用，请稍后重试。 The service is temporarily unavailable; retry shortly."),
    };

    /// <summary>Role names as staff read them (used in a 403's detail).</summary>
    private static readonly Dictionary<string, string> RoleNames = new(StringComparer.Ordinal)
    {
        ["citizen"] = "办事群众",
        ["clerk"] = "窗口人员",
        ["approver"] = "审批人员",
        ["hallManager"] = "大厅负责人",
        ["hotlineAgent"] = "12345 坐席",
        ["supervisor"] = "监管人员",
        ["admin"] = "系统管理员",
    };

    /// <summary>For <c>AddProblemDetails(o =&gt; o.CustomizeProblemDetails = ReadableProblems.Customize)</c>.</summary>
    public static void Customize(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        var status = problem.Status ?? context.HttpContext.Response.StatusCode;
        if (!Defaults.TryGetValue(status, out var text))
        {
            return;
        }

        // The framework's own titles are the bare English reason phrases ("Forbidden", "Not Found", …).
        if (string.IsNullOrEmpty(problem.Title) || !ContainsChinese(problem.Title))
        {
            problem.Title = text.Title;
        }

        if (string.IsNullOrEmpty(problem.Detail))
        {
            problem.Detail = status == StatusCodes.Status403Forbidden && context.HttpContext.Items[RequiredRolesItem] is IReadOnlyList<string> roles
                ? MissingRoles(roles)
                : text.Detail;
        }
    }

    /// <summary>"此操作需要以下角色之一：大厅负责人、系统管理员。 Needs one of the roles: hallManager, admin."</summary>
    public static string MissingRoles(IReadOnlyList<string> roles) =>
        $"此操作需要以下角色之一：{string.Join("、", roles.Select(r => RoleNames.GetValueOrDefault(r, r)))}。 Needs one of the roles: {string.Join(", ", roles)}.";

    private static bool ContainsChinese(string text) => text.Any(c => c is >= '\u4e00' and <= '\u9fff');
}

/// <summary>
/// Keeps the framework's challenge and forbid behaviour (status codes, WWW-Authenticate) and only notes, for a policy that
/// failed on roles, which roles it asked for, so the 403's ProblemDetails can name them (see <see cref="ReadableProblems"/>).
/// </summary>
public sealed class ProblemAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler inner = new();

    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Forbidden)
        {
            var roles = policy.Requirements.OfType<RolesAuthorizationRequirement>().SelectMany(r => r.AllowedRoles).Distinct().ToList();
            if (roles.Count > 0)
            {
                context.Items[ReadableProblems.RequiredRolesItem] = roles;
            }
        }

        return inner.HandleAsync(next, context, policy, authorizeResult);
    }
}
