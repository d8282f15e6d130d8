using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace TongBan.Grains.Appointments;

/// <summary>
/// What a book keeps about an applicant (申请人): display forms only (张*, 138****5678) and a keyed hash of the
/// resident ID number for the one-booking-per-item-per-day rule and for "is this citizen the applicant".
/// The raw ID number and phone never enter grain state, storage or logs.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ApplicantRecord(
    [property: Id(0)] string MaskedName,
    [property: Id(1)] string MaskedPhone,
    [property: Id(2)] string IdHash)
{
    /// <summary>The applicant's notification consent and, for SMS, their mobile number sealed (issue 17); null: no notifications.</summary>
    [Id(3)]
    public Notifications.AppointmentContact? Contact { get; init; }

    /// <summary>The last four digits of the phone, which the masked form shows anyway (the kiosk check-in proof).</summary>
    public string PhoneLast4 => MaskedPhone.Length >= 4 ? MaskedPhone[^4..] : string.Empty;
}

/// <summary>Raw applicant input as a client sends it; validated, masked and hashed by <see cref="ApplicantRules"/>.</summary>
public sealed record ApplicantInput(string? Name, string? IdNumber, string? Phone);

/// <summary>Light checks, masking and normalisation of applicant data (the full GB 11643 check belongs to the identity module).</summary>
public static partial class ApplicantRules
{
    public const int MaxNameLength = 50;

    [GeneratedRegex("^[0-9]{17}[0-9X]$")]
    private static partial Regex ResidentIdShape();

    [GeneratedRegex(@"^\+?[0-9]{7,15}$")]
    private static partial Regex PhoneShape();

    /// <summary>Field errors keyed by JSON path (applicant.name …); empty when the input is acceptable.</summary>
    public static Dictionary<string, string[]> Validate(ApplicantInput? input)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (input is null)
        {
            errors["applicant"] = ["applicant {name, idNumber, phone} is required."];
            return errors;
        }

        var name = input.Name?.Trim();
        if (string.IsNullOrEmpty(name))
        {
            errors["applicant.name"] = ["name is required."];
        }
        else if (name.Length > MaxNameLength || name.Any(char.IsControl))
        {
            errors["applicant.name"] = [$"name has at most {MaxNameLength} characters and no control characters."];
        }

        if (!IsResidentIdShape(input.IdNumber))
        {
            errors["applicant.idNumber"] = ["idNumber must be an 18-character resident ID number (17 digits and a digit or X)."];
        }

        if (NormalizePhone(input.Phone) is null)
        {
            errors["applicant.phone"] = ["phone must have 7 to 15 digits (spaces and dashes are ignored)."];
        }

        return errors;
    }

    /// <summary>
    /// Shape of a 居民身份证号码 only (17 digits, then a digit or X). The identity module adds the GB 11643 check
    /// digit and the date and region checks; until then a mistyped number passes this and fails only at the counter.
    /// </summary>
    public static bool IsResidentIdShape(string? idNumber) =>
        NormalizeId(idNumber) is { } id && ResidentIdShape().IsMatch(id);

    /// <summary>Trimmed, with a lower-case x made upper-case, so the same person always hashes the same.</summary>
    public static string? NormalizeId(string? idNumber) => idNumber?.Trim().ToUpperInvariant();

    /// <summary>Digits (and a leading +) without spaces or dashes; null when not a plausible phone number.</summary>
    public static string? NormalizePhone(string? phone)
    {
        if (phone is null)
        {
            return null;
        }

        var compact = phone.Replace(" ", string.Empty, StringComparison.Ordinal).Replace("-", string.Empty, StringComparison.Ordinal);
        return compact.Length <= 16 && PhoneShape().IsMatch(compact) ? compact : null;
    }

    /// <summary>张三 → 张*, 欧阳娜娜 → 欧***: the first character, a star for each other one.</summary>
    public static string MaskName(string name)
    {
        var trimmed = name.Trim();
        var info = new StringInfo(trimmed);
        return info.LengthInTextElements <= 1
            ? trimmed + "*"
            : info.SubstringByTextElements(0, 1) + new string('*', info.LengthInTextElements - 1);
    }

    /// <summary>13812345678 → 138****5678: the first three and last four digits stay; shorter numbers keep only the last four.</summary>
    public static string MaskPhone(string normalizedPhone)
    {
        var digits = normalizedPhone.TrimStart('+');
        return digits.Length >= 11
            ? digits[..3] + new string('*', digits.Length - 7) + digits[^4..]
            : new string('*', digits.Length - 4) + digits[^4..];
    }

    /// <summary>The stored form of valid input (call <see cref="Validate"/> first).</summary>
    public static ApplicantRecord ToRecord(ApplicantInput input, ApplicantHasher hasher)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(hasher);
        var phone = NormalizePhone(input.Phone) ?? throw new ArgumentException("invalid phone", nameof(input));
        return new ApplicantRecord(MaskName(input.Name!), MaskPhone(phone), hasher.HashResidentId(input.IdNumber!));
    }
}

/// <summary>
/// Keyed hashes of personal identifiers (key: <c>TongBan:Privacy:HashKey</c>; HMAC-SM3 under the <c>sm</c> suite,
/// HMAC-SHA256 under <c>international</c> and for bookings made before the switch). Keyed, so that a leaked table cannot
/// be reversed by hashing all 10^17 plausible ID numbers without also stealing the key.
/// </summary>
/// <remarks>
/// The same hash as a case's applicant key (<see cref="Identity.KeyedHash.OfResidentId(string)"/> under the same key and
/// suite), with the scheme prefix <c>h1:</c>: one caller hash finds both a person's cases and their appointments
/// (<see cref="FromCaseKey"/>). An HMAC-SM3 hash keeps its own tag after the scheme: <c>h1:sm3:</c>….
/// </remarks>
public sealed class ApplicantHasher
{
    /// <summary>Embedded (development) mode only; PostgreSQL mode refuses to start with it.</summary>
    public const string DevelopmentKey = "tongban-embedded-development-privacy-key-not-for-production";

    /// <summary>The scheme prefix of stored appointment hashes.</summary>
    public const string Scheme = "h1:";

    private readonly Identity.KeyedHash keyed;

    /// <param name="algorithm">Default HMAC-SM3, as <see cref="Identity.PersonalDataProtector"/> under the default <c>sm</c> suite.</param>
    public ApplicantHasher(byte[] key, Identity.KeyedHashFunction algorithm = Identity.KeyedHashFunction.HmacSm3)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length < 32)
        {
            throw new ArgumentException("The privacy hash key needs at least 32 bytes.", nameof(key));
        }

        keyed = new Identity.KeyedHash(key, algorithm);
    }

    public static ApplicantHasher FromText(string key, Identity.KeyedHashFunction algorithm = Identity.KeyedHashFunction.HmacSm3) =>
        new(Encoding.UTF8.GetBytes(key), algorithm);

    /// <summary>The keyed hash of a resident ID number (normalised first), hex, prefixed with the scheme.</summary>
    public string HashResidentId(string idNumber) => Scheme + keyed.OfResidentId(idNumber ?? string.Empty);

    /// <summary>Whether a stored appointment hash is this ID number's under either algorithm (bookings made before the switch to HMAC-SM3).</summary>
    public bool IsResidentId(string? stored, string? idNumber) =>
        stored is not null && idNumber is { Length: > 0 } && stored.StartsWith(Scheme, StringComparison.Ordinal) &&
        keyed.IsResidentId(stored[Scheme.Length..], idNumber);

    /// <summary>The appointment form of a case's applicant key (both are keyed with <c>TongBan:Privacy:HashKey</c>).</summary>
    public static string FromCaseKey(string caseApplicantKey)
    {
        ArgumentNullException.ThrowIfNull(caseApplicantKey);
        return Scheme + caseApplicantKey;
    }

    /// <summary>Constant-time comparison of two stored hashes.</summary>
    public static bool SameHash(string? a, string? b) =>
        a is not null && b is not null &&
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(a), Encoding.ASCII.GetBytes(b));
}
