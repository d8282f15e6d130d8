namespace TongBan.Grains.Identity;

/// <summary>Why a text is not a mainland mobile number.</summary>
public enum MobileNumberError
{
    Missing,

    /// <summary>Something other than digits, spaces, hyphens and a leading +86 / 0086.</summary>
    BadCharacters,

    /// <summary>Not 11 digits once the country code is removed.</summary>
    BadLength,

    /// <summary>Does not start with 13–19 (mainland mobile number segments).</summary>
    BadPrefix,
}

/// <summary>The outcome of <see cref="MobileNumber.Validate"/>.</summary>
public sealed record MobileNumberValidation(MobileNumber? Number, MobileNumberError? Error, string? Message)
{
    public bool IsValid => Number is not null;
}

/// <summary>
/// A mainland China mobile number (手机号码): 11 digits, <c>1[3-9]</c> followed by nine digits.
/// Held without country code, spaces or hyphens, so equal numbers compare and hash equal.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record MobileNumber
{
    public const int Length = 11;

    private MobileNumber(string value) => Value = value;

    /// <summary>The 11 digits.</summary>
    [Id(0)]
    public string Value { get; private init; }

    public string LastFour => Value[^4..];

    public static MobileNumberValidation Validate(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Fail(MobileNumberError.Missing, "请填写手机号码 (the mobile number is required)");
        }

        var value = Normalise(text);
        foreach (var c in value)
        {
            if (!char.IsAsciiDigit(c))
            {
                return Fail(MobileNumberError.BadCharacters, "手机号码只能包含数字 (a mobile number may contain digits only, with an optional +86)");
            }
        }

        if (value.Length != Length)
        {
            return Fail(MobileNumberError.BadLength, $"手机号码应为11位，实际为{value.Length}位 (a mobile number has 11 digits, got {value.Length})");
        }

        if (value[0] != '1' || value[1] < '3')
        {
            return Fail(MobileNumberError.BadPrefix, "手机号码应以13至19开头 (a mainland mobile number starts with 13–19)");
        }

        return new MobileNumberValidation(new MobileNumber(value), null, null);

        static MobileNumberValidation Fail(MobileNumberError error, string message) => new(null, error, message);
    }

    public static bool TryParse(string? text, out MobileNumber number)
    {
        var result = Validate(text);
        number = result.Number!;
        return result.IsValid;
    }

    /// <exception cref="FormatException">With the specific message of <see cref="Validate"/>.</exception>
    public static MobileNumber Parse(string? text)
    {
        var result = Validate(text);
        return result.Number ?? throw new FormatException(result.Message);
    }

    /// <summary>
    /// Removes spaces and hyphens (people type 138-1234-5678 or 138 1234 5678), turns full-width
    /// digits into ASCII, and drops a +86 / 0086 country code, or a bare 86 in front of 11 digits.
    /// </summary>
    public static string Normalise(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var chars = new List<char>(text.Length);
        foreach (var c in text)
        {
            if (c is ' ' or '-' or '\u3000' or '\t')
            {
                continue;
            }

            chars.Add(c is >= '０' and <= '９' ? (char)('0' + (c - '０')) : c is '＋' ? '+' : c);
        }

        var value = new string([.. chars]);
        if (value.StartsWith("+86", StringComparison.Ordinal))
        {
            return value[3..];
        }

        if (value.StartsWith("0086", StringComparison.Ordinal))
        {
            return value[4..];
        }

        return value.Length == Length + 2 && value.StartsWith("86", StringComparison.Ordinal) ? value[2..] : value;
    }

    public override string ToString() => Masking.Mobile(Value);
}
