using TongBan.Grains.Bundles;
using TongBan.Grains.Cases;
using TongBan.Grains.Catalogue;

namespace TongBan.Grains.Tests.Bundles;

[Trait("Category", "Unit")]
public class BundleProgressTests
{
    private static BundleChild Child(CaseStatus? status, string? caseNo = "GZ") => new("x", caseNo, status, "d", "520102", null);

    [Fact]
    public void The_parent_is_done_only_when_every_child_is_done()
    {
        Assert.Equal((0, 2, "inProgress"), BundleProgress.Of([Child(CaseStatus.Submitted), Child(CaseStatus.UnderReview)]));
        Assert.Equal((1, 2, "inProgress"), BundleProgress.Of([Child(CaseStatus.Completed), Child(CaseStatus.Approved)]));
        Assert.Equal((2, 2, "done"), BundleProgress.Of([Child(CaseStatus.Delivered), Child(CaseStatus.NotAccepted)]));
        Assert.Equal((1, 2, "incomplete"), BundleProgress.Of([Child(CaseStatus.Withdrawn), Child(null, null)]));
    }

    [Fact]
    public void Every_bundle_lists_catalogue_items_of_different_departments()
    {
        var catalogue = ServiceCatalogue.Seeded();
        foreach (var bundle in BundleCatalogue.All)
        {
            var items = bundle.ItemCodes.Select(catalogue.Find).ToList();
            Assert.All(items, Assert.NotNull);
            Assert.Equal(items.Count, items.Select(i => i!.DepartmentCode).Distinct().Count());
        }
    }
}
