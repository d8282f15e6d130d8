using TongBan.Grains.Hotline;
using TongBan.Grains.Identity;

namespace TongBan.Grains.Tests.Hotline;

[Trait("Category", "Unit")]
public class CallerCheckTests
{
    private static readonly PersonalDataProtector Protector = new(PrivacyOptions.Development());

    private static readonly ApplicantRecord Applicant = Protector.Record(new ApplicantDetails("张三", "52010219900307123X", "13812345678"));

    [Theory]
    [InlineData("5678", true)]
    [InlineData("123X", true)]
    [InlineData("123x", true)]
    [InlineData(" 5678 ", true)]
    [InlineData("５６７８", true)]
    [InlineData("1234", false)]
    [InlineData("0000", false)]
    [InlineData("8765", false)]
    public void The_tail_of_the_phone_or_of_the_ID_number_matches(string typed, bool matches)
    {
        Assert.True(CallerCheck.TryParse(typed, out var lastFour));
        Assert.Equal(matches, CallerCheck.Matches(Applicant, lastFour));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("123")]
    [InlineData("12345")]
    [InlineData("12X4")]
    [InlineData("abcd")]
    [InlineData("X123")]
    [InlineData("12 34 56 78 90 12 34")]
    public void Anything_but_four_digits_or_three_and_X_is_malformed(string? typed) =>
        Assert.False(CallerCheck.TryParse(typed, out _));

    [Fact]
    public void No_case_never_matches_not_even_the_placeholder()
    {
        Assert.True(CallerCheck.TryParse("0000", out var zeros));
        Assert.False(CallerCheck.Matches(null, zeros));
        Assert.False(CallerCheck.Matches(null, "5678"));
    }

    [Fact]
    public void A_fully_masked_short_value_has_no_tail_to_match()
    {
        var odd = Applicant with { PhoneMasked = "****", IdMasked = "********" };
        Assert.False(CallerCheck.Matches(odd, "5678"));
    }
}
