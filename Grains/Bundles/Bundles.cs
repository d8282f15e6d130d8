using Orleans.Concurrency;
using TongBan.Grains.Cases;
using TongBan.Grains.Catalogue;
using TongBan.Grains.Common;
using TongBan.Grains.Identity;
using TongBan.Grains.Regions;

namespace TongBan.Grains.Bundles;

/// <summary>一件事 bundle (task 14): several items across departments applied for as one.</summary>
[GenerateSerializer, Immutable]
public sealed record BundleDefinition(
    [property: Id(0)] string Code,
    [property: Id(1)] string Name,
    [property: Id(2)] IReadOnlyList<string> ItemCodes);

/// <summary>The published bundles. Items must exist in the catalogue (a test checks).</summary>
public static class BundleCatalogue
{
    public static readonly IReadOnlyList<BundleDefinition> All =
    [
        // 新生儿出生一件事: the seed catalogue has no 医保参保 item (no 医保局 department yet), so three of the four. The
        // certificate is the first issue (wsjk-006 首次签发), not wsjk-001, its reissue (补发) after a loss.
        new("newborn", "新生儿出生一件事", ["wsjk-006", "gongan-004", "rsj-001"]),
        new("sole-trader-opening", "个体工商户开业一件事", ["scjg-001", "sw-005"]),
    ];

    public static BundleDefinition? Find(string? code) => All.FirstOrDefault(b => b.Code == code);
}

/// <summary>One child case of a bundle as the parent sees it.</summary>
[GenerateSerializer, Immutable]
public sealed record BundleChild(
    [property: Id(0)] string ItemCode,
    [property: Id(1)] string? CaseNo,
    [property: Id(2)] CaseStatus? Status,
    [property: Id(3)] string? DepartmentCode,
    [property: Id(4)] string? RegionCode,
    [property: Id(5)] string? Failure);

/// <summary>The parent's combined progress.</summary>
/// <param name="Status"><c>inProgress</c>, <c>done</c> (every child finished), or <c>incomplete</c> (a child could not be opened).</param>
[GenerateSerializer, Immutable]
public sealed record BundleView(
    [property: Id(0)] string BundleNo,
    [property: Id(1)] BundleDefinition Definition,
    [property: Id(2)] ApplicantRecord Applicant,
    [property: Id(3)] DateTimeOffset SubmittedAt,
    [property: Id(4)] IReadOnlyList<BundleChild> Children,
    [property: Id(5)] int Done,
    [property: Id(6)] int Total,
    [property: Id(7)] string Status);

/// <summary>Combined progress rules. Pure.</summary>
public static class BundleProgress
{
    /// <summary>A child is done once nothing more happens to it: 办结 (result ready), 送达, 不予受理 or 撤回.</summary>
    public static bool IsDone(CaseStatus status) =>
        status is CaseStatus.Completed or CaseStatus.Delivered or CaseStatus.NotAccepted or CaseStatus.Withdrawn;

    public static (int Done, int Total, string Status) Of(IReadOnlyList<BundleChild> children)
    {
        ArgumentNullException.ThrowIfNull(children);
        var done = children.Count(c => c.Status is { } s && IsDone(s));
        var status = children.Any(c => c.CaseNo is null) ? "incomplete" : done == children.Count ? "done" : "inProgress";
        return (done, children.Count, status);
    }
}

/// <summary>
/// A bundle's parent record, keyed by its number (allocated like a case number, from the same
/// per-region daily counter, so it is unique among cases and one hotline look-up finds it). Holds
/// which child case each item became; progress is read from the child case grains, so the parent
/// can never disagree with them.
/// </summary>
public interface IBundleGrain : IGrainWithStringKey
{
    /// <summary>Opens one child case per item (each routed to its own department); repeating returns the bundle as it is.</summary>
    Task<BundleView> Open(BundleDefinition definition, CaseApplication template, ApplicantRecord applicant);

    /// <summary>Null when no bundle has this number.</summary>
    Task<BundleView?> View();
}

[GenerateSerializer]
public sealed class BundleState
{
    [Id(0)]
    public BundleDefinition? Definition { get; set; }

    [Id(1)]
    public ApplicantRecord? Applicant { get; set; }

    [Id(2)]
    public DateTimeOffset SubmittedAt { get; set; }

    [Id(3)]
    public List<BundleChild> Children { get; set; } = [];

    /// <summary>Item code → case number spent for that child before it was submitted, so a retry after a crash
    /// opens (or finds) the child under that number instead of opening a second one.</summary>
    [Id(4)]
    public Dictionary<string, string> ReservedCaseNos { get; set; } = [];
}

public sealed class BundleGrain(
    [PersistentState("bundle", StorageNames.Default)] IPersistentState<BundleState> state,
    ServiceCatalogue catalogue,
    TimeProvider clock) : Grain, IBundleGrain
{
    public async Task<BundleView> Open(BundleDefinition definition, CaseApplication template, ApplicantRecord applicant)
    {
        if (state.State.Definition is null)
        {
            state.State.Definition = definition;
            state.State.Applicant = applicant;
            state.State.SubmittedAt = ChinaTime.Now(clock);
            await state.WriteStateAsync();
        }

        foreach (var itemCode in definition.ItemCodes.Where(code => !state.State.Children.Any(c => c.ItemCode == code && c.CaseNo is not null)))
        {
            var item = catalogue.Find(itemCode)!;
            var application = template with
            {
                ItemCode = itemCode,
                CompetentRegion = RegionRules.CompetentRegion(item, template.CompetentRegion),
                Materials = [.. template.Materials.Where(m => item.Material(m.MaterialId) is not null)],
                Comment = $"{definition.Name}（{this.GetPrimaryKeyString()}）",
            };

            // Each child is written as soon as it exists: a crash mid-way resumes with the missing ones on a retry.
            var reply = await CaseIntake.OpenAsync(
                GrainFactory, catalogue, application, applicant, ChinaTime.Now(clock), state.State.ReservedCaseNos.GetValueOrDefault(itemCode),
                async number =>
                {
                    state.State.ReservedCaseNos[itemCode] = number;
                    await state.WriteStateAsync();
                });
            state.State.Children.RemoveAll(c => c.ItemCode == itemCode);
            state.State.Children.Add(reply.Succeeded
                ? new BundleChild(itemCode, reply.View!.State.CaseNo, reply.View.State.Status, reply.View.State.DepartmentCode, reply.View.State.RegionCode, null)
                : new BundleChild(itemCode, null, null, item.DepartmentCode, null, reply.Failure!.Message));
            await state.WriteStateAsync();
        }

        return (await View())!;
    }

    public async Task<BundleView?> View()
    {
        if (state.State.Definition is not { } definition)
        {
            return null;
        }

        var children = new List<BundleChild>();
        foreach (var child in definition.ItemCodes.Select(code => state.State.Children.FirstOrDefault(c => c.ItemCode == code) ?? new BundleChild(code, null, null, null, null, "未开始")))
        {
            var summary = child.CaseNo is null ? null : await GrainFactory.GetGrain<ICaseGrain>(child.CaseNo).Get();
            children.Add(summary is null ? child : child with { Status = summary.State.Status, DepartmentCode = summary.State.DepartmentCode, RegionCode = summary.State.RegionCode });
        }

        var (done, total, status) = BundleProgress.Of(children);
        return new BundleView(this.GetPrimaryKeyString(), definition, state.State.Applicant!, state.State.SubmittedAt, children, done, total, status);
    }
}
