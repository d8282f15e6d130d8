using TongBan.Silo.Hosting;

namespace TongBan.Api.Tests.Embedded;

[Trait("Category", "Integration")]
public class RatingStartupTests
{
    [Theory]
    [InlineData("TongBan:Ratings:RatingWindowDays", "0", "TongBan:Ratings:RatingWindowDays must be between 1 and 90, got 0")]
    [InlineData("TongBan:Ratings:ReplyWorkingDays", "500", "TongBan:Ratings:ReplyWorkingDays must be between 1 and 60, got 500")]
    [InlineData("TongBan:Ratings:TokenKey", "c2hvcnQ=", "TongBan:Ratings:TokenKey must hold at least 16 bytes")]
    public void Invalid_rating_options_fail_with_one_clear_line(string key, string value, string expected)
    {
        var error = Assert.Throws<StartupException>(() => TongBanHost.Build([$"--{key}", value]));
        Assert.Contains(expected, TongBanHost.Describe(error), StringComparison.Ordinal);
        Assert.DoesNotContain('\n', TongBanHost.Describe(error));
    }
}
