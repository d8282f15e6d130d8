using TongBan.Grains.Identity;

namespace TongBan.Grains.Tests.Identity;

[Trait("Category", "Unit")]
public class ResidentIdTests
{
    private static readonly DateOnly Today = new(2026, 3, 2);

    [Theory]
    [InlineData("11010519491231002X", "1949-12-31", Sex.Female)] // the example printed in GB 11643-1999
    [InlineData("520102199003071236", "1990-03-07", Sex.Male)]
    [InlineData("520302198506152026", "1985-06-15", Sex.Female)]
    [InlineData("522426197809120017", "1978-09-12", Sex.Male)]
    [InlineData("810000199911118889", "1999-11-11", Sex.Female)] // Hong Kong residents' numbers start with 81; sequence 888 is even
    [InlineData("520102202401010118", "2024-01-01", Sex.Male)]
    public void Valid_numbers_parse_with_birth_date_and_sex(string text, string birth, Sex sex)
    {
        var result = ResidentId.Validate(text, Today);
        Assert.True(result.IsValid, result.Message);
        Assert.Equal(DateOnly.Parse(birth, System.Globalization.CultureInfo.InvariantCulture), result.Id!.BirthDate);
        Assert.Equal(sex, result.Id.Sex);
        Assert.Equal(text[..6], result.Id.RegionCode);
        Assert.Equal(text[^4..], result.Id.LastFour);
    }

    [Theory]
    [InlineData("11010519491231002x")]
    [InlineData(" 11010519491231002X ")]
    [InlineData("１１０１０５１９４９１２３１００２Ｘ")] // full-width, as typed with a Chinese IME
    public void Lower_case_x_whitespace_and_full_width_are_normalised(string text)
    {
        Assert.True(ResidentId.TryParse(text, Today, out var id));
        Assert.Equal("11010519491231002X", id.Value);
    }

    [Theory]
    [InlineData(null, ResidentIdError.Missing)]
    [InlineData("   ", ResidentIdError.Missing)]
    [InlineData("52010219900307123", ResidentIdError.BadLength)]
    [InlineData("5201021990030712366", ResidentIdError.BadLength)]
    [InlineData("520102900307123", ResidentIdError.BadLength)] // a retired 15-digit number
    [InlineData("52010219900307A236", ResidentIdError.BadCharacters)]
    [InlineData("52010219900307123Y", ResidentIdError.BadCharacters)]
    [InlineData("5201021990-3071236", ResidentIdError.BadCharacters)]
    [InlineData("990102199003071236", ResidentIdError.BadRegion)]
    [InlineData("000102199003071236", ResidentIdError.BadRegion)]
    [InlineData("522635200102294568", ResidentIdError.BadBirthDate)] // 29 Feb 2001 does not exist (check digit is right)
    [InlineData("520102199013071236", ResidentIdError.BadBirthDate)] // month 13
    [InlineData("440524188001010014", ResidentIdError.BadBirthDate)] // the standard's 1880 example: before 1900
    [InlineData("520102202603030000", ResidentIdError.BadBirthDate)] // tomorrow
    [InlineData("520102199003070000", ResidentIdError.BadSequence)]
    [InlineData("520102199003071235", ResidentIdError.BadCheckCharacter)]
    [InlineData("52010219900307123X", ResidentIdError.BadCheckCharacter)]
    [InlineData("110105194912310020", ResidentIdError.BadCheckCharacter)]
    public void Invalid_numbers_fail_with_a_specific_reason(string? text, ResidentIdError error)
    {
        var result = ResidentId.Validate(text, Today);
        Assert.False(result.IsValid);
        Assert.Equal(error, result.Error);
        Assert.False(string.IsNullOrWhiteSpace(result.Message));
        if (text is { Length: > 4 })
        {
            Assert.DoesNotContain(text.Trim(), result.Message); // messages never echo personal data
        }
    }

    [Fact]
    public void Birth_date_today_is_accepted_and_tomorrow_is_not()
    {
        var first17 = "52010220260302012";
        var number = first17 + ResidentId.CheckCharacter(first17);
        Assert.True(ResidentId.Validate(number, Today).IsValid);
        Assert.Equal(ResidentIdError.BadBirthDate, ResidentId.Validate(number, Today.AddDays(-1)).Error);
    }

    [Fact]
    public void Every_single_digit_substitution_is_caught_by_the_check_character()
    {
        const string valid = "520102199003071236";
        for (var i = 0; i < 17; i++)
        {
            for (var d = '0'; d <= '9'; d++)
            {
                if (d == valid[i])
                {
                    continue;
                }

                var typo = valid[..i] + d + valid[(i + 1)..];
                Assert.False(ResidentId.Validate(typo, Today).IsValid, typo);
            }
        }
    }

    [Fact]
    public void Check_character_matches_the_standard_example_and_rejects_bad_input()
    {
        Assert.Equal('X', ResidentId.CheckCharacter("11010519491231002"));
        Assert.Equal('4', ResidentId.CheckCharacter("44052418800101001"));
        Assert.Throws<ArgumentException>(() => ResidentId.CheckCharacter("1101051949123100"));
        Assert.Throws<ArgumentException>(() => ResidentId.CheckCharacter("1101051949123100A"));
    }

    [Fact]
    public void Parse_throws_with_the_specific_message_and_ToString_is_masked()
    {
        var error = Assert.Throws<FormatException>(() => ResidentId.Parse("520102199003071235", Today));
        Assert.Contains("校验位", error.Message);
        Assert.Equal("5201**********1236", ResidentId.Parse("520102199003071236", Today).ToString());
    }
}

[Trait("Category", "Unit")]
public class MobileNumberTests
{
    [Theory]
    [InlineData("13812345678", "13812345678")]
    [InlineData("+8613812345678", "13812345678")]
    [InlineData("+86 138 1234 5678", "13812345678")]
    [InlineData("0086-138-1234-5678", "13812345678")]
    [InlineData("8619912345678", "19912345678")]
    [InlineData("１５９１２３４５６７８", "15912345678")]
    [InlineData(" 17012345678 ", "17012345678")]
    public void Valid_numbers_are_normalised(string text, string expected)
    {
        Assert.True(MobileNumber.TryParse(text, out var number));
        Assert.Equal(expected, number.Value);
        Assert.Equal(expected[^4..], number.LastFour);
    }

    [Theory]
    [InlineData(null, MobileNumberError.Missing)]
    [InlineData("", MobileNumberError.Missing)]
    [InlineData("1381234567", MobileNumberError.BadLength)]
    [InlineData("138123456789", MobileNumberError.BadLength)]
    [InlineData("12812345678", MobileNumberError.BadPrefix)]
    [InlineData("23812345678", MobileNumberError.BadPrefix)]
    [InlineData("08511234567", MobileNumberError.BadPrefix)] // 11 digits, but a landline-style 0 prefix
    [InlineData("138l2345678", MobileNumberError.BadCharacters)]
    [InlineData("(138)12345678", MobileNumberError.BadCharacters)]
    public void Invalid_numbers_fail_with_a_specific_reason(string? text, MobileNumberError error)
    {
        var result = MobileNumber.Validate(text);
        Assert.False(result.IsValid);
        Assert.Equal(error, result.Error);
        Assert.False(string.IsNullOrWhiteSpace(result.Message));
    }

    [Fact]
    public void ToString_is_masked()
    {
        Assert.Equal("138****5678", MobileNumber.Parse("+86 13812345678").ToString());
    }
}
