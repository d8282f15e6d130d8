using System.Security.Cryptography;
using System.Text;
using TongBan.Grains.Identity;

namespace TongBan.Grains.Hotline;

/// <summary>
/// 12345 caller verification (来电人身份核验): the caller reads out the last four characters of the
/// applicant's registered mobile number or of the resident ID number. Compared with the visible tail
/// of the masked forms the case keeps (<c>138****5678</c>, <c>5201**********123X</c>), so no raw value
/// is opened, and in constant time over both forms, so the answer's timing does not say which form
/// (or how many characters) matched.
/// </summary>
public static class CallerCheck
{
    public const int Length = 4;

    // Compared against when there is no case, so an unknown case costs the same comparisons as a known one.
    private static readonly byte[] NoCase = "\0\0\0\0"u8.ToArray();

    /// <summary>
    /// Normalises what the agent typed (trims, full-width digits and x → ASCII, lower-case x → X) and
    /// accepts exactly three digits followed by a digit or X; anything else is malformed (400).
    /// </summary>
    public static bool TryParse(string? text, out string lastFour)
    {
        lastFour = string.Empty;
        if (string.IsNullOrWhiteSpace(text) || text.Length > 16)
        {
            return false;
        }

        var value = ResidentId.Normalise(text);
        if (value.Length != Length || !value[..3].All(char.IsAsciiDigit) || !(char.IsAsciiDigit(value[3]) || value[3] == 'X'))
        {
            return false;
        }

        lastFour = value;
        return true;
    }

    /// <summary>True when <paramref name="lastFour"/> is the tail of the ID number or of the phone number; false for no applicant.</summary>
    public static bool Matches(ApplicantRecord? applicant, string lastFour)
    {
        ArgumentNullException.ThrowIfNull(lastFour);
        var given = Encoding.ASCII.GetBytes(lastFour);
        var id = applicant is null ? NoCase : Tail(applicant.IdMasked);
        var phone = applicant is null ? NoCase : Tail(applicant.PhoneMasked);

        // Non-short-circuit '&' and '|': both comparisons always run.
        return (applicant is not null) & (CryptographicOperations.FixedTimeEquals(given, id) | CryptographicOperations.FixedTimeEquals(given, phone));
    }

    private static byte[] Tail(string masked) =>
        masked.Length >= Length && !masked.AsSpan(masked.Length - Length).Contains(Masking.Mask)
            ? Encoding.ASCII.GetBytes(masked[^Length..])
            : NoCase; // a fully masked (too short) value has no tail to compare with
}
