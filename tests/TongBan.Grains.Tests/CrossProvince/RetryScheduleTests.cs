using TongBan.Grains.CrossProvince;

namespace TongBan.Grains.Tests.CrossProvince;

[Trait("Category", "Unit")]
public class RetryScheduleTests
{
    [Fact]
    public void Delays_double_and_are_capped()
    {
        var b = TimeSpan.FromSeconds(2);
        var max = TimeSpan.FromMinutes(5);
        Assert.Equal([2, 4, 8, 16, 32, 64, 128, 256, 300, 300], Enumerable.Range(1, 10).Select(n => RetrySchedule.After(n, b, max).TotalSeconds));
        Assert.Equal(max, RetrySchedule.After(1000, b, max));
        Assert.Throws<ArgumentOutOfRangeException>(() => RetrySchedule.After(0, b, max));
    }

    [Fact]
    public void Partner_tokens_are_checked_and_never_printed()
    {
        var options = new PartnerOptions { List = [new PartnerEndpoint { Code = "chuanyu", Name = "川渝", InboundToken = "secret-in", OutboundToken = "secret-out" }] };
        Assert.NotNull(options.Authenticate("chuanyu", "secret-in"));
        Assert.Null(options.Authenticate("chuanyu", "secret-out"));
        Assert.Null(options.Authenticate("other", "secret-in"));
        Assert.Null(options.Authenticate("chuanyu", null));
        Assert.DoesNotContain("secret", options.List[0].ToString(), StringComparison.Ordinal);
    }
}
