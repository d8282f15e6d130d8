using TongBan.Grains.Cases;
using TongBan.Grains.Hotline;
using TongBan.Grains.Tests.Cases;

namespace TongBan.Grains.Tests.Hotline;

[Trait("Category", "Integration")]
public class HotlineWordingTests
{
    [Fact]
    public void Every_status_has_a_sentence_and_department_steps_name_the_department()
    {
        foreach (var status in Enum.GetValues<CaseStatus>())
        {
            var state = CaseFixture.At(status);
            var stage = HotlineWording.Stage(state, "南明区人力资源和社会保障局");
            Assert.False(string.IsNullOrWhiteSpace(stage));
            if (status is CaseStatus.Accepted or CaseStatus.UnderReview or CaseStatus.Approved or CaseStatus.Denied)
            {
                Assert.Contains("南明区人力资源和社会保障局", stage, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void Delivery_tracking_follows_the_case()
    {
        Assert.Equal("notReady", HotlineWording.Delivery(CaseFixture.At(CaseStatus.UnderReview), null).Status);
        Assert.Equal("none", HotlineWording.Delivery(CaseFixture.At(CaseStatus.Withdrawn), null).Status);
        var ready = HotlineWording.Delivery(CaseFixture.At(CaseStatus.Completed), "南明区政务服务中心");
        Assert.Equal("ready", ready.Status);
        Assert.Contains("南明区政务服务中心", ready.Text, StringComparison.Ordinal);
        var delivered = HotlineWording.Delivery(CaseFixture.At(CaseStatus.Delivered), "南明区政务服务中心");
        Assert.Equal("delivered", delivered.Status);
        Assert.Equal("pickup", delivered.Method);
        Assert.Contains("领取", delivered.Text, StringComparison.Ordinal);

        var posted = CaseFixture.Do(CaseFixture.At(CaseStatus.Completed), CaseAction.Deliver, c => c with { DeliveryMethod = DeliveryMethod.Ems, TrackingNumber = "1234567890123" });
        var tracking = HotlineWording.Delivery(posted, null);
        Assert.Equal("1234567890123", tracking.TrackingNumber);
        Assert.Contains("EMS", tracking.Text, StringComparison.Ordinal);
    }
}
