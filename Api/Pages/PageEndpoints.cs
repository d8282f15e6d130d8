using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;
using Microsoft.Net.Http.Headers;
using TongBan.Api.Endpoints;

namespace TongBan.Api.Pages;

/// <summary>
/// The web pages built from <c>web/</c> by the host's build (Vite output in the host's <c>wwwroot</c>). They are
/// served by endpoints, not by the static-file middleware, so every route carries an explicit policy: pages and
/// their bundles are public (a page that needs a role asks for a token itself and sends it as a header).
/// </summary>
public static class PageEndpoints
{
    /// <summary>Page routes and the built HTML file each one serves.</summary>
    public static readonly IReadOnlyDictionary<string, string> Pages = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["/"] = "index.html",
        ["/map"] = "map.html",
        ["/hall"] = "hall.html",
        ["/screen"] = "screen.html",
        ["/clerk"] = "clerk.html",
        ["/province"] = "province.html",
        ["/hotline"] = "hotline.html",
        ["/rate"] = "rate.html",
    };

    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    public static RouteGroupBuilder MapPages(this IEndpointRouteBuilder routes, IFileProvider files)
    {
        var group = routes.MapGroup(string.Empty).WithTags("Pages").AllowAnonymous().ExcludeFromDescription();
        foreach (var (route, file) in Pages)
        {
            group.MapGet(route, (HttpContext context) => Serve(context, files, file, immutable: false));
        }

        // Vite names bundles by content hash, so they never change under one name.
        group.MapGet("/assets/{**path}", (string path, HttpContext context) => Serve(context, files, "assets/" + path, immutable: true));
        group.MapGet("/favicon.svg", (HttpContext context) => Serve(context, files, "favicon.svg", immutable: false));
        return group;
    }

    private static IResult Serve(HttpContext context, IFileProvider files, string path, bool immutable)
    {
        // PhysicalFileProvider refuses paths that climb out of its root ("..") with a not-found entry.
        var file = files.GetFileInfo(path);
        if (!file.Exists || file.IsDirectory || file.PhysicalPath is null)
        {
            return path.EndsWith(".html", StringComparison.Ordinal)
                ? TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "页面未构建 Pages not built",
                    detail: $"{path} is missing from the host's wwwroot: build the host with 'dotnet build' (it runs the web build).")
                : Problems.NotFound("File", path);
        }

        context.Response.Headers.CacheControl = immutable ? "public, max-age=31536000, immutable" : "no-cache";
        var type = ContentTypes.TryGetContentType(path, out var known) ? known : "application/octet-stream";
        if (type.StartsWith("text/", StringComparison.Ordinal) || type is "application/javascript" or "text/javascript")
        {
            type += "; charset=utf-8";
        }

        var etag = new EntityTagHeaderValue($"\"{file.LastModified.UtcTicks:x}-{file.Length:x}\"");
        return TypedResults.PhysicalFile(file.PhysicalPath, type, lastModified: file.LastModified, entityTag: etag);
    }
}
