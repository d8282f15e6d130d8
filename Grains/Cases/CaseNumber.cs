using System.Globalization;

namespace TongBan.Grains.Cases;

/// <summary>Why a text is not a case number; each maps to a specific 400 message.</summary>
public enum CaseNumberError
{
    Missing,

    /// <summary>Not 21 characters once spaces and hyphens are removed.</summary>
    BadLength,

    /// <summary>Does not start with GZ.</summary>
    BadPrefix,

    /// <summary>Positions 3–20 are not all digits, or the last is not a digit or X.</summary>
    BadCharacters,

    /// <summary>The region code is not a Guizhou code (52xxxx).</summary>
    BadRegion,

    /// <summary>yyMMdd is not a real date.</summary>
    BadDate,

    /// <summary>Sequence 000000, which is never allocated.</summary>
    BadSequence,

    /// <summary>The check character does not match: a typing error.</summary>
    BadCheckCharacter,
}

/// <summary>The outcome of <see cref="CaseNumber.Validate"/>.</summary>
public sealed record CaseNumberValidation(CaseNumber? Number, CaseNumberError? Error, string? Message)
{
    public bool IsValid => Number is not null;
}

/// <summary>
/// A case number (办件编号): <c>GZ</c> + region code (6) + date <c>yyMMdd</c> (6) + daily sequence (6) +
/// check character, 21 characters, e.g. <c>GZ520102260210000127</c>+check. The region is the county
/// (or city / province) whose counter allocated the sequence, the date is the China-time day of
/// submission; one counter per region and day gives up to 999,999 cases, so numbers are unique
/// without coordination between regions.
/// </summary>
/// <remarks>
/// <para>
/// Check scheme: ISO/IEC 7064 MOD 11-2 over the 18 digits, the same scheme as the resident ID number
/// (GB 11643), so clerks and the hotline already know its "X". With weights 2^k mod 11 it detects
/// every single-character substitution (weights are non-zero mod 11, a prime) and every transposition
/// of two characters up to nine places apart, in particular every adjacent one (weights of nearby
/// positions differ mod 11). A mistyped number therefore fails to parse (400) instead of finding a
/// stranger's case. The letters GZ are a fixed literal and are checked as such.
/// </para>
/// <para>
/// Parsing accepts lower case and ignores spaces and hyphens, so a number read out over the phone
/// and typed as "gz 520102 260210 000127 5" still works; <see cref="Grouped"/> prints that form.
/// </para>
/// </remarks>
[GenerateSerializer, Immutable]
public sealed record CaseNumber
{
    public const string Prefix = "GZ";

    public const int Length = 21;

    public const int MaxSequence = 999_999;

    private const string CheckCharacters = "10X98765432";

    private CaseNumber(string value) => Value = value;

    /// <summary>The 21-character canonical form (upper case, no separators).</summary>
    [Id(0)]
    public string Value { get; private init; }

    public string RegionCode => Value.Substring(2, 6);

    public DateOnly Date => DateOnly.ParseExact(Value.AsSpan(8, 6), "yyMMdd", CultureInfo.InvariantCulture);

    public int Sequence => int.Parse(Value.AsSpan(14, 6), NumberStyles.None, CultureInfo.InvariantCulture);

    public char CheckCharacter => Value[^1];

    /// <summary>For reading aloud and printing: <c>GZ 520102 260210 000127 5</c>.</summary>
    public string Grouped => $"{Value[..2]} {Value.Substring(2, 6)} {Value.Substring(8, 6)} {Value.Substring(14, 6)} {Value[^1]}";

    /// <summary>Builds the number for a sequence a counter grain allocated.</summary>
    /// <exception cref="ArgumentException">A region code that is not 52xxxx, a date outside 2000–2099, or a sequence outside 1–999,999.</exception>
    public static CaseNumber Create(string regionCode, DateOnly date, int sequence)
    {
        ArgumentNullException.ThrowIfNull(regionCode);
        if (regionCode.Length != 6 || !regionCode.All(char.IsAsciiDigit) || !regionCode.StartsWith("52", StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{regionCode}' is not a Guizhou region code (52xxxx).", nameof(regionCode));
        }

        if (date.Year is < 2000 or > 2099)
        {
            throw new ArgumentOutOfRangeException(nameof(date), date, "Case numbers carry a two-digit year: 2000–2099.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(sequence, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(sequence, MaxSequence);
        var digits = string.Create(CultureInfo.InvariantCulture, $"{regionCode}{date:yyMMdd}{sequence:000000}");
        return new CaseNumber(Prefix + digits + ComputeCheckCharacter(digits));
    }

    public static CaseNumberValidation Validate(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Fail(CaseNumberError.Missing, "请填写办件编号 (the case number is required)");
        }

        var value = Normalise(text);
        if (value.Length != Length)
        {
            return Fail(CaseNumberError.BadLength, $"办件编号应为21位，实际为{value.Length}位 (a case number has 21 characters, got {value.Length})");
        }

        if (!value.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return Fail(CaseNumberError.BadPrefix, "办件编号应以GZ开头 (a case number starts with GZ)");
        }

        if (value.AsSpan(2, 18).ContainsAnyExceptInRange('0', '9') || (!char.IsAsciiDigit(value[^1]) && value[^1] != 'X'))
        {
            return Fail(CaseNumberError.BadCharacters, "办件编号第3至20位应为数字，最后一位为数字或X (characters 3–20 are digits, the last is a digit or X)");
        }

        if (!value.AsSpan(2).StartsWith("52", StringComparison.Ordinal))
        {
            return Fail(CaseNumberError.BadRegion, "办件编号中的行政区划代码不属于贵州省 (the region code is not a Guizhou code)");
        }

        if (!DateOnly.TryParseExact(value.AsSpan(8, 6), "yyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) || date.Year is < 2000 or > 2099)
        {
            return Fail(CaseNumberError.BadDate, "办件编号中的日期无效 (the date part is not a valid date)");
        }

        if (value.AsSpan(14, 6).SequenceEqual("000000"))
        {
            return Fail(CaseNumberError.BadSequence, "办件编号中的流水号无效 (sequence 000000 is never allocated)");
        }

        if (ComputeCheckCharacter(value.AsSpan(2, 18)) != value[^1])
        {
            return Fail(CaseNumberError.BadCheckCharacter, "办件编号校验位不正确，请核对 (the check character does not match: please check for a typing error)");
        }

        return new CaseNumberValidation(new CaseNumber(value), null, null);

        static CaseNumberValidation Fail(CaseNumberError error, string message) => new(null, error, message);
    }

    public static bool TryParse(string? text, out CaseNumber number)
    {
        var result = Validate(text);
        number = result.Number!;
        return result.IsValid;
    }

    /// <exception cref="FormatException">With the specific message of <see cref="Validate"/>.</exception>
    public static CaseNumber Parse(string? text)
    {
        var result = Validate(text);
        return result.Number ?? throw new FormatException(result.Message);
    }

    /// <summary>ISO/IEC 7064 MOD 11-2 check character of 18 digits: digit i (0-based, from the left) weighs 2^(18-i) mod 11, the check 1.</summary>
    public static char ComputeCheckCharacter(ReadOnlySpan<char> digits)
    {
        if (digits.Length != 18)
        {
            throw new ArgumentException("Exactly 18 digits are needed.", nameof(digits));
        }

        // Horner form of Σ dᵢ·2^(18-i) mod 11 (i = 0..17); the check c makes Σ + c ≡ 1 (mod 11).
        var sum = 0;
        foreach (var c in digits)
        {
            if (!char.IsAsciiDigit(c))
            {
                throw new ArgumentException("Only ASCII digits are allowed.", nameof(digits));
            }

            sum = ((sum + (c - '0')) * 2) % 11;
        }

        return CheckCharacters[sum];
    }

    private static string Normalise(string text) =>
        new([.. text.Where(c => c is not (' ' or '-' or '\u3000' or '\t')).Select(char.ToUpperInvariant)]);

    public override string ToString() => Value;
}
