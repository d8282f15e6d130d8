using System.Globalization;

namespace TongBan.Grains.Identity;

/// <summary>性别, from the parity of the sequence code (odd: male, even: female).</summary>
public enum Sex
{
    Male,
    Female,
}

/// <summary>Why a text is not a valid resident identity number; each maps to a specific 400 message.</summary>
public enum ResidentIdError
{
    /// <summary>Nothing was given.</summary>
    Missing,

    /// <summary>Not 18 characters (including the retired 15-digit first-generation numbers).</summary>
    BadLength,

    /// <summary>The first 17 are not all digits, or the 18th is not a digit or X.</summary>
    BadCharacters,

    /// <summary>The first two digits are not a province-level code (11–65, 71, 81, 82).</summary>
    BadRegion,

    /// <summary>Digits 7–14 are not a real date, or it is in the future, or before 1900.</summary>
    BadBirthDate,

    /// <summary>Sequence code 000, which is never issued.</summary>
    BadSequence,

    /// <summary>The ISO 7064 MOD 11-2 check character does not match: a typing error.</summary>
    BadCheckCharacter,
}

/// <summary>The outcome of <see cref="ResidentId.Validate"/>: a number, or an error with a message safe to show.</summary>
/// <param name="Message">Chinese first (it reaches the applicant), then English; never echoes the input, which is personal data.</param>
public sealed record ResidentIdValidation(ResidentId? Id, ResidentIdError? Error, string? Message)
{
    public bool IsValid => Id is not null;
}

/// <summary>
/// A citizen identity number (公民身份号码) under GB 11643-1999: 6-digit address code (the county of
/// first registration, not necessarily where the holder lives now), 8-digit birth date, 3-digit
/// sequence (odd for men, even for women) and an ISO 7064 MOD 11-2 check character (0–9 or X).
/// Always held normalised: ASCII digits and an upper-case X.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ResidentId
{
    public const int Length = 18;

    /// <summary>Earliest birth date accepted: older numbers are data-entry errors in practice.</summary>
    public static readonly DateOnly EarliestBirthDate = new(1900, 1, 1);

    // 2^(17-i) mod 11 for i = 0..16 (GB 11643-1999 §7.2).
    private static readonly int[] Weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

    // Check character for (Σ aᵢ·Wᵢ) mod 11 = 0..10.
    private const string CheckCharacters = "10X98765432";

    // Province-level codes of GB/T 2260 (incl. 71 Taiwan, 81 Hong Kong, 82 Macao, whose residents hold such numbers).
    private static readonly HashSet<int> Provinces =
        [11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82];

    private ResidentId(string value) => Value = value;

    /// <summary>The normalised 18-character number.</summary>
    [Id(0)]
    public string Value { get; private init; }

    /// <summary>Address code of first registration (e.g. 520102 南明区).</summary>
    public string RegionCode => Value[..6];

    /// <summary>Two-digit province code (52 for Guizhou).</summary>
    public string ProvinceCode => Value[..2];

    public DateOnly BirthDate => DateOnly.ParseExact(Value.AsSpan(6, 8), "yyyyMMdd", CultureInfo.InvariantCulture);

    /// <summary>The three-digit sequence code (顺序码).</summary>
    public string Sequence => Value.Substring(14, 3);

    public Sex Sex => (Value[16] - '0') % 2 == 1 ? Sex.Male : Sex.Female;

    /// <summary>Last four characters, as used for hotline verification and masking.</summary>
    public string LastFour => Value[^4..];

    /// <summary>Checks <paramref name="text"/> as of <paramref name="today"/> (a birth date may not be later).</summary>
    public static ResidentIdValidation Validate(string? text, DateOnly today)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Fail(ResidentIdError.Missing, "请填写身份证号码 (the resident ID number is required)");
        }

        var value = Normalise(text);
        if (value.Length != Length)
        {
            return value.Length == 15
                ? Fail(ResidentIdError.BadLength, "请使用18位公民身份号码，15位旧号码已停止使用 (15-digit first-generation numbers are no longer accepted; use the 18-digit number)")
                : Fail(ResidentIdError.BadLength, $"身份证号码应为18位，实际为{value.Length}位 (a resident ID number has 18 characters, got {value.Length})");
        }

        for (var i = 0; i < 17; i++)
        {
            if (!char.IsAsciiDigit(value[i]))
            {
                return Fail(ResidentIdError.BadCharacters, $"身份证号码第{i + 1}位应为数字 (character {i + 1} must be a digit)");
            }
        }

        if (!char.IsAsciiDigit(value[17]) && value[17] != 'X')
        {
            return Fail(ResidentIdError.BadCharacters, "身份证号码最后一位应为数字或X (the last character must be a digit or X)");
        }

        if (!Provinces.Contains(((value[0] - '0') * 10) + (value[1] - '0')))
        {
            return Fail(ResidentIdError.BadRegion, "身份证号码前两位不是有效的省级行政区划代码 (the first two digits are not a province code)");
        }

        if (!DateOnly.TryParseExact(value.AsSpan(6, 8), "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var birth))
        {
            return Fail(ResidentIdError.BadBirthDate, "身份证号码中的出生日期无效 (digits 7–14 are not a valid date)");
        }

        if (birth > today)
        {
            return Fail(ResidentIdError.BadBirthDate, "身份证号码中的出生日期晚于今天 (the birth date is in the future)");
        }

        if (birth < EarliestBirthDate)
        {
            return Fail(ResidentIdError.BadBirthDate, "身份证号码中的出生日期早于1900年 (the birth date is before 1900)");
        }

        if (value.AsSpan(14, 3).SequenceEqual("000"))
        {
            return Fail(ResidentIdError.BadSequence, "身份证号码顺序码无效 (sequence code 000 is never issued)");
        }

        if (CheckCharacter(value.AsSpan(0, 17)) != value[17])
        {
            return Fail(ResidentIdError.BadCheckCharacter, "身份证号码校验位不正确，请核对 (the check character does not match: please check for a typing error)");
        }

        return new ResidentIdValidation(new ResidentId(value), null, null);

        static ResidentIdValidation Fail(ResidentIdError error, string message) => new(null, error, message);
    }

    public static bool TryParse(string? text, DateOnly today, out ResidentId id)
    {
        var result = Validate(text, today);
        id = result.Id!;
        return result.IsValid;
    }

    /// <exception cref="FormatException">With the specific message of <see cref="Validate"/>.</exception>
    public static ResidentId Parse(string? text, DateOnly today)
    {
        var result = Validate(text, today);
        return result.Id ?? throw new FormatException(result.Message);
    }

    /// <summary>The ISO 7064 MOD 11-2 check character for the first 17 digits.</summary>
    /// <exception cref="ArgumentException">Not 17 ASCII digits.</exception>
    public static char CheckCharacter(ReadOnlySpan<char> first17)
    {
        if (first17.Length != 17)
        {
            throw new ArgumentException("Exactly 17 digits are needed.", nameof(first17));
        }

        var sum = 0;
        for (var i = 0; i < 17; i++)
        {
            if (!char.IsAsciiDigit(first17[i]))
            {
                throw new ArgumentException("Only ASCII digits are allowed.", nameof(first17));
            }

            sum += (first17[i] - '0') * Weights[i];
        }

        return CheckCharacters[sum % 11];
    }

    /// <summary>
    /// Trims, turns full-width digits and X (typed with a Chinese input method) into ASCII and
    /// upper-cases x. Does not validate; used before hashing so that one person has one hash.
    /// </summary>
    public static string Normalise(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        return string.Create(trimmed.Length, trimmed, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                var c = source[i];
                span[i] = c switch
                {
                    >= '０' and <= '９' => (char)('0' + (c - '０')),
                    'x' or 'Ｘ' or 'ｘ' => 'X',
                    _ => c,
                };
            }
        });
    }

    public override string ToString() => Masking.ResidentId(Value);
}
