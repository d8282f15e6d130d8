using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using TongBan.Api.Security;
using TongBan.Grains.Catalogue;

namespace TongBan.Api.Endpoints;

/// <summary>One batch in the list: what it changed, when it takes effect, and whether it is in force today.</summary>
/// <param name="EffectiveFrom">生效日期 (China time); cases opened from then on follow this batch's versions.</param>
/// <param name="ItemsAfter">How many items the catalogue has after this batch.</param>
public sealed record CatalogueBatchSummary(
    int Number, string Title, DateOnly Published, DateOnly EffectiveFrom, bool InForce, int ItemsAfter,
    IReadOnlyList<string> Added, IReadOnlyList<string> Amended, IReadOnlyList<string> Withdrawn);

/// <summary>A batch in full: the added and amended items as published, the withdrawn ones by code.</summary>
public sealed record CatalogueBatchDto(
    int Number, string Title, DateOnly Published, DateOnly EffectiveFrom, bool InForce,
    IReadOnlyList<ServiceItem> Added, IReadOnlyList<ServiceItem> Amended, IReadOnlyList<string> Withdrawn);

/// <summary>One material of an item being published (the shape of <c>materials[]</c> in <c>GET /api/items/{code}</c>).</summary>
public sealed record CatalogueMaterialInput(string? Id, string? Name, bool? OriginalRequired, int? Copies, ELicenceType? ReplaceableBy);

/// <summary>
/// An item being published: the shape <c>GET /api/items/{code}</c> answers (departmentName is taken from the
/// department code). <c>sector</c> may be left out: the department's.
/// </summary>
public sealed record CatalogueItemInput(
    string? Code, string? Name, Sector? Sector, string? DepartmentCode, HandlingLevel? Level, int? StatutoryLimitDays, int? PromisedLimitDays,
    IReadOnlyList<CatalogueMaterialInput?>? Materials, IReadOnlyList<string?>? ReviewPoints, bool? AllowsDeferredMaterials, bool? OriginalsMustBeMailed,
    ResultType? ResultType, bool? PrintableAtReceivingHall, bool? ProvinceWide, string? PinyinInitials);

/// <summary><c>POST /api/catalogue/batches</c>: the next batch of the 全省通办 catalogue.</summary>
/// <param name="Number">The batch number (= catalogue version) being published: the latest + 1. Repeating a publication with the same number and content answers the stored batch.</param>
/// <param name="EffectiveFrom">生效日期, today or later (China time); today when absent.</param>
public sealed record CataloguePublishRequest(
    int? Number, string? Title, DateOnly? EffectiveFrom, IReadOnlyList<CatalogueItemInput?>? Added, IReadOnlyList<CatalogueItemInput?>? Amended, IReadOnlyList<string?>? Withdrawn);

/// <summary>
/// The catalogue as published data (task 1: 每年集中公布一次): the batches, one batch, and publishing the next one.
/// Published batches are stored by <see cref="ICatalogueGrain"/> (grain state: memory in embedded mode, PostgreSQL
/// otherwise) and loaded by every silo.
/// </summary>
public static class CatalogueEndpoints
{
    public const string BatchHint = "batch 为批次号（如 2）或发布年份（如 2021）。 batch is a batch number (e.g. 2) or a publication year (e.g. 2021).";

    private const int MaxItemsPerBatch = 200;

    private const string RejectedTitle = "事项清单批次未通过校验 Catalogue batch rejected";

    public static void MapCatalogueEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/catalogue").WithTags("Catalogue");

        group.MapGet("/batches", (ServiceCatalogue catalogue) => TypedResults.Ok(Summaries(catalogue)))
            .AllowAnonymous()
            .WithSummary("The published batches of the 全省通办 catalogue (2020 第一批, 2021 第二批, and any published since), oldest first: number (the catalogue version a case stores), title, published and effective dates, in force today or not, and the item codes each added, amended and withdrew.");

        group.MapGet("/batches/{number}", Results<Ok<CatalogueBatchDto>, ValidationProblem, ProblemHttpResult> (string number, ServiceCatalogue catalogue) =>
        {
            if (!int.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n is < 1 or > 999)
            {
                return Problems.Invalid("number", "批次号为 1–999 的整数。 number is a batch number (1-999).");
            }

            var inForce = catalogue.LatestBatch;
            return catalogue.Batches.FirstOrDefault(b => b.Number == n) is { } batch
                ? TypedResults.Ok(new CatalogueBatchDto(batch.Number, batch.Title, batch.Published, ServiceCatalogue.EffectiveOf(batch), batch.Number <= inForce, batch.Added, batch.Amended, batch.Withdrawn))
                : Problems.NotFound("Batch", number);
        })
        .AllowAnonymous()
        .WithSummary("One batch in full: the added and amended items as published (materials, review points, time limits), the withdrawn item codes.");

        group.MapPost("/batches", PublishAsync)
            .RequireAuthorization(Policies.Admin)
            .Produces<CatalogueBatchDto>(StatusCodes.Status201Created)
            .Produces<CatalogueBatchDto>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Admin: publish the next batch (number = latest + 1) with the items it adds, amends (in full) and withdraws (by code), in force from effectiveFrom (today or later). Validated (items, materials, time limits, departments, codes): 400 lists every problem in zh-CN. 201 with the stored batch; the same publication again answers it with 200; a used or skipped number is 409 with nextNumber. Cases opened before keep the version they were opened under (catalogueVersion on the case).");
    }

    /// <summary>A batch number (1–999), or a publication year (2000–2099) meaning that year's last batch.</summary>
    internal static (int? Number, int? Year)? ParseBatch(string text)
    {
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            return null;
        }

        return n switch
        {
            >= 1 and <= 999 => (n, null),
            >= 2000 and <= 2099 => (null, n),
            _ => null,
        };
    }

    internal static int? Resolve(ServiceCatalogue catalogue, (int? Number, int? Year) selector) =>
        selector.Number is { } number
            ? catalogue.Batches.Any(b => b.Number == number) ? number : null
            : catalogue.Batches.LastOrDefault(b => b.Published.Year == selector.Year)?.Number;

    private static List<CatalogueBatchSummary> Summaries(ServiceCatalogue catalogue)
    {
        var inForce = catalogue.LatestBatch;
        var count = new HashSet<string>(StringComparer.Ordinal);
        var list = new List<CatalogueBatchSummary>();
        foreach (var b in catalogue.Batches)
        {
            count.UnionWith(b.Added.Select(i => i.Code));
            count.ExceptWith(b.Withdrawn);
            list.Add(new CatalogueBatchSummary(
                b.Number, b.Title, b.Published, ServiceCatalogue.EffectiveOf(b), b.Number <= inForce, count.Count,
                [.. b.Added.Select(i => i.Code)], [.. b.Amended.Select(i => i.Code)], b.Withdrawn));
        }

        return list;
    }

    private static async Task<IResult> PublishAsync(CataloguePublishRequest body, ServiceCatalogue catalogue, IGrainFactory grains)
    {
        var problems = new List<string>();
        if (body.Number is not { } number || number < 1)
        {
            problems.Add($"number 为要发布的批次号（当前最新为第 {catalogue.Batches[^1].Number} 批）。 number is the batch being published (the latest is {catalogue.Batches[^1].Number}).");
        }

        if (string.IsNullOrWhiteSpace(body.Title) || body.Title.Length > CataloguePublishing.MaxTitleLength)
        {
            problems.Add($"title 为批次标题，不能为空，且不超过 {CataloguePublishing.MaxTitleLength} 字。 title is required (at most {CataloguePublishing.MaxTitleLength} characters).");
        }

        var added = Items(body.Added, "added", problems);
        var amended = Items(body.Amended, "amended", problems);
        var withdrawn = new List<string>();
        foreach (var code in body.Withdrawn ?? [])
        {
            if (string.IsNullOrWhiteSpace(code) || code.Length > 40)
            {
                problems.Add("withdrawn 中的事项编码不能为空。 A withdrawn item code is empty or too long.");
                continue;
            }

            withdrawn.Add(code.Trim());
        }

        if (added.Count + amended.Count + withdrawn.Count > MaxItemsPerBatch)
        {
            problems.Add($"一批最多 {MaxItemsPerBatch} 个事项。 At most {MaxItemsPerBatch} items per batch.");
        }

        if (problems.Count > 0)
        {
            return Rejected(problems);
        }

        var grain = grains.GetGrain<ICatalogueGrain>(ICatalogueGrain.Key);
        var reply = await grain.Publish(new CatalogueBatch(body.Number!.Value, default, body.Title?.Trim() ?? string.Empty, added, amended, withdrawn)
        {
            EffectiveFrom = body.EffectiveFrom,
        });
        switch (reply.Outcome)
        {
            case CataloguePublishOutcome.Invalid:
                return Rejected(reply.Problems);
            case CataloguePublishOutcome.Conflict:
                return Problems.Conflict(string.Join(" ", reply.Problems), new Dictionary<string, object?> { ["nextNumber"] = reply.NextNumber });
        }

        // The grain loaded it on its own silo; this one loads it now, the others within CatalogueSync's interval.
        catalogue.Load(await grain.All());
        var batch = reply.Batch!;
        var dto = new CatalogueBatchDto(batch.Number, batch.Title, batch.Published, ServiceCatalogue.EffectiveOf(batch), catalogue.IsInForce(batch.Number), batch.Added, batch.Amended, batch.Withdrawn);
        return reply.Outcome == CataloguePublishOutcome.Published
            ? TypedResults.Created($"/api/catalogue/batches/{batch.Number}", dto)
            : TypedResults.Ok(dto);
    }

    private static ProblemHttpResult Rejected(IReadOnlyList<string> problems) => TypedResults.Problem(
        statusCode: StatusCodes.Status400BadRequest,
        title: RejectedTitle,
        detail: $"共 {problems.Count} 个问题：" + string.Join("；", problems),
        extensions: new Dictionary<string, object?> { ["problems"] = problems });

    private static List<ServiceItem> Items(IReadOnlyList<CatalogueItemInput?>? inputs, string list, List<string> problems)
    {
        var items = new List<ServiceItem>();
        for (var i = 0; i < (inputs?.Count ?? 0); i++)
        {
            var input = inputs![i];
            var at = $"{list}[{i}]";
            if (input is null)
            {
                problems.Add($"{at} 为空。 {at} is null.");
                continue;
            }

            var label = string.IsNullOrWhiteSpace(input.Code) ? at : $"{at} {input.Code}";
            var missing = new List<string>();
            var department = Departments.Find(input.DepartmentCode);
            if (string.IsNullOrWhiteSpace(input.Code))
            {
                missing.Add("code");
            }

            if (string.IsNullOrWhiteSpace(input.Name) || input.Name.Length > 100)
            {
                missing.Add("name（≤ 100 字）");
            }

            if (department is null)
            {
                problems.Add($"{label}：departmentCode 须为以下之一：{string.Join("、", Departments.All.Select(d => d.Code))}。 {label}: departmentCode is one of {string.Join(", ", Departments.All.Select(d => d.Code))}.");
            }

            if (input.Level is null)
            {
                missing.Add("level");
            }

            if (input.StatutoryLimitDays is null || input.PromisedLimitDays is null)
            {
                missing.Add("statutoryLimitDays, promisedLimitDays");
            }

            if (input.ResultType is null)
            {
                missing.Add("resultType");
            }

            if (string.IsNullOrWhiteSpace(input.PinyinInitials))
            {
                missing.Add("pinyinInitials");
            }

            var materials = new List<RequiredMaterial>();
            foreach (var m in input.Materials ?? [])
            {
                if (m is null || string.IsNullOrWhiteSpace(m.Id) || string.IsNullOrWhiteSpace(m.Name) || m.Name.Length > 100 || m.Copies is null)
                {
                    problems.Add($"{label}：每项材料须有 id、name（≤ 100 字）和 copies。 {label}: every material needs id, name (at most 100 characters) and copies.");
                    continue;
                }

                materials.Add(new RequiredMaterial(m.Id.Trim(), m.Name.Trim(), m.OriginalRequired ?? false, m.Copies.Value, m.ReplaceableBy));
            }

            if (missing.Count > 0)
            {
                problems.Add($"{label}：缺少或无效：{string.Join("、", missing)}。 {label}: missing or invalid: {string.Join(", ", missing)}.");
            }

            if (missing.Count > 0 || department is null)
            {
                continue;
            }

            var item = new ServiceItem(
                input.Code!.Trim(), input.Name!.Trim(), input.Sector ?? department.Sector, department.Code, department.Name, input.Level!.Value,
                input.StatutoryLimitDays!.Value, input.PromisedLimitDays!.Value, materials,
                [.. (input.ReviewPoints ?? []).Select(p => p?.Trim() ?? string.Empty)],
                input.AllowsDeferredMaterials ?? false, input.OriginalsMustBeMailed ?? false, input.ResultType!.Value,
                input.PrintableAtReceivingHall ?? false, input.ProvinceWide ?? false, input.PinyinInitials!.Trim());
            items.Add(item); // its own consistency (limits, materials, initials) is checked with the batch by CataloguePublishing

        }

        return items;
    }
}
