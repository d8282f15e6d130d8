using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using TongBan.Grains.Ratings;

namespace TongBan.Api.Endpoints;

/// <summary>How 好差评 refusals read as ProblemDetails.</summary>
public static class RatingProblems
{
    /// <summary>A refusal of the rating grains (validation, rights, unknown target, state) as ProblemDetails with its code.</summary>
    public static ProblemHttpResult Refusal(RatingRefusal r)
    {
        var (status, title) = r.Kind switch
        {
            RatingRefusalKind.Invalid => (StatusCodes.Status400BadRequest, "输入有误 Invalid input"),
            RatingRefusalKind.Forbidden => (StatusCodes.Status403Forbidden, "无权操作 Forbidden"),
            RatingRefusalKind.UnknownTarget => (StatusCodes.Status404NotFound, "未找到 Not found"),
            _ => (StatusCodes.Status409Conflict, "状态冲突 Conflict"),
        };
        var extensions = new Dictionary<string, object?> { ["code"] = r.Code };
        if (r.Allowed is { } allowed)
        {
            extensions["allowedActions"] = allowed;
        }

        return TypedResults.Problem(statusCode: status, title: title, detail: r.Message, extensions: extensions);
    }

    public static ProblemHttpResult Unauthorized(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "需要身份验证 Unauthorized", detail: detail);

    /// <summary>A refused rater proof: 401 without a sign-in, 403 with the wrong one (a 400 is a validation problem).</summary>
    public static ProblemHttpResult Refused(RaterRefusal refusal) =>
        refusal.Kind == RaterRefusalKind.Unauthorized ? Unauthorized(refusal.Message) : Problems.Forbidden(refusal.Message);
}
