using TongBan.Grains.Cases;

namespace TongBan.Grains.Tests.Cases;

[Trait("Category", "Unit")]
public class CaseNumberTests
{
    private const string Allowed = "0123456789X";

    [Fact]
    public void Create_builds_the_documented_format()
    {
        var number = CaseNumber.Create("520102", new DateOnly(2026, 2, 10), 127);
        Assert.Equal("GZ5201022602100001272", number.Value);
        Assert.Equal(CaseNumber.Length, number.Value.Length);
        Assert.Equal("520102", number.RegionCode);
        Assert.Equal(new DateOnly(2026, 2, 10), number.Date);
        Assert.Equal(127, number.Sequence);
        Assert.Equal('2', number.CheckCharacter);
        Assert.Equal("GZ 520102 260210 000127 2", number.Grouped);
        Assert.Equal(number, CaseNumber.Parse(number.Value));
    }

    [Theory]
    [InlineData("GZ5200002012319999990")]
    [InlineData("GZ5226012105150000014")]
    [InlineData("gz5201022602100001272")]
    [InlineData("GZ 520102 260210 000127 2")]
    [InlineData("GZ-520102-260210-000127-2")]
    public void Valid_numbers_parse_in_any_common_spelling(string text)
    {
        Assert.True(CaseNumber.TryParse(text, out var number), CaseNumber.Validate(text).Message);
        Assert.DoesNotContain(' ', number.Value);
    }

    [Fact]
    public void A_check_character_X_exists_and_round_trips()
    {
        var withX = Enumerable.Range(1, 200).Select(s => CaseNumber.Create("520102", new DateOnly(2026, 2, 10), s)).First(n => n.CheckCharacter == 'X');
        Assert.Equal(withX, CaseNumber.Parse(withX.Value.ToLowerInvariant()));
    }

    [Theory]
    [InlineData(null, CaseNumberError.Missing)]
    [InlineData(" ", CaseNumberError.Missing)]
    [InlineData("GZ520102260210000127", CaseNumberError.BadLength)]
    [InlineData("XZ5201022602100001272", CaseNumberError.BadPrefix)]
    [InlineData("GZ52010226021O0001272", CaseNumberError.BadCharacters)] // letter O for zero
    [InlineData("GZ520102260210000127Y", CaseNumberError.BadCharacters)]
    [InlineData("GZ5301022602100001272", CaseNumberError.BadRegion)]
    [InlineData("GZ5201022613100001272", CaseNumberError.BadDate)]
    [InlineData("GZ5201022602300001272", CaseNumberError.BadDate)]
    [InlineData("GZ5201022602100000002", CaseNumberError.BadSequence)]
    [InlineData("GZ5201022602100001273", CaseNumberError.BadCheckCharacter)]
    public void Invalid_numbers_fail_with_a_specific_reason(string? text, CaseNumberError error)
    {
        var result = CaseNumber.Validate(text);
        Assert.Equal(error, result.Error);
        Assert.False(string.IsNullOrWhiteSpace(result.Message));
        Assert.Throws<FormatException>(() => CaseNumber.Parse(text));
    }

    [Fact]
    public void Create_refuses_bad_inputs()
    {
        Assert.Throws<ArgumentException>(() => CaseNumber.Create("530102", new DateOnly(2026, 1, 1), 1));
        Assert.Throws<ArgumentException>(() => CaseNumber.Create("52010", new DateOnly(2026, 1, 1), 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => CaseNumber.Create("520102", new DateOnly(2026, 1, 1), 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => CaseNumber.Create("520102", new DateOnly(2026, 1, 1), 1_000_000));
        Assert.Throws<ArgumentOutOfRangeException>(() => CaseNumber.Create("520102", new DateOnly(2100, 1, 1), 1));
    }

    /// <summary>A spread of real-looking numbers: every county-like code shape, dates across years, small and large sequences.</summary>
    public static IEnumerable<CaseNumber> Sample()
    {
        var regions = new[] { "520000", "520102", "520115", "522601", "522732", "520681" };
        var dates = new[] { new DateOnly(2020, 7, 1), new DateOnly(2026, 2, 10), new DateOnly(2029, 12, 31) };
        var sequences = new[] { 1, 9, 10, 127, 5_000, 99_999, 314_159, 999_999 };
        foreach (var region in regions)
        {
            foreach (var date in dates)
            {
                foreach (var sequence in sequences)
                {
                    yield return CaseNumber.Create(region, date, sequence);
                }
            }
        }
    }

    [Fact]
    public void Every_single_character_substitution_is_rejected()
    {
        var tried = 0;
        foreach (var number in Sample())
        {
            var value = number.Value;
            for (var i = 0; i < value.Length; i++)
            {
                // Every printable ASCII character a person might type instead, not only digits.
                for (var c = '!'; c <= '~'; c++)
                {
                    if (char.ToUpperInvariant(c) == value[i] || c == '-')
                    {
                        continue; // same character, or a separator the parser ignores
                    }

                    var typo = value[..i] + c + value[(i + 1)..];
                    Assert.False(CaseNumber.TryParse(typo, out _), $"{value} → {typo} was accepted");
                    tried++;
                }
            }
        }

        Assert.True(tried > 100_000);
    }

    [Fact]
    public void Every_adjacent_transposition_is_rejected()
    {
        var tried = 0;
        foreach (var number in Sample())
        {
            var value = number.Value;
            for (var i = 0; i + 1 < value.Length; i++)
            {
                if (value[i] == value[i + 1])
                {
                    continue; // swapping equal characters changes nothing
                }

                var chars = value.ToCharArray();
                (chars[i], chars[i + 1]) = (chars[i + 1], chars[i]);
                var typo = new string(chars);
                Assert.False(CaseNumber.TryParse(typo, out _), $"{value} → {typo} was accepted");
                tried++;
            }
        }

        Assert.True(tried > 1_000);
    }

    [Fact]
    public void Exhaustively_over_all_digit_strings_of_a_day_block_substitutions_and_swaps_change_the_check()
    {
        // Property of the scheme itself, independent of the sample: for 10,000 consecutive sequences,
        // no substitution or adjacent swap among the 18 digits keeps the check character.
        for (var sequence = 1; sequence <= 10_000; sequence++)
        {
            var digits = CaseNumber.Create("522601", new DateOnly(2026, 2, 10), sequence).Value[2..20].ToCharArray();
            var check = CaseNumber.ComputeCheckCharacter(digits);
            for (var i = 0; i < 18; i++)
            {
                var original = digits[i];
                foreach (var d in Allowed[..10])
                {
                    if (d == original)
                    {
                        continue;
                    }

                    digits[i] = d;
                    Assert.NotEqual(check, CaseNumber.ComputeCheckCharacter(digits));
                }

                digits[i] = original;
                if (i + 1 < 18 && digits[i] != digits[i + 1])
                {
                    (digits[i], digits[i + 1]) = (digits[i + 1], digits[i]);
                    Assert.NotEqual(check, CaseNumber.ComputeCheckCharacter(digits));
                    (digits[i], digits[i + 1]) = (digits[i + 1], digits[i]);
                }
            }
        }
    }

    [Fact]
    public void Numbers_are_unique_per_region_date_and_sequence()
    {
        var values = Sample().Select(n => n.Value).ToList();
        Assert.Equal(values.Count, values.Distinct().Count());
    }
}
