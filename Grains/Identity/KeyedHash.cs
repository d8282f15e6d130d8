using System.Security.Cryptography;
using System.Text;

namespace TongBan.Grains.Identity;

/// <summary>
/// HMAC-SHA256 of a normalised ID number or mobile number, as lowercase hex: lets grains index and
/// look people up ("my cases", hotline caller checks) without storing the raw value. Keyed, because
/// a plain hash of an 18-digit ID with a known structure is brute-forced in minutes. Where the key
/// comes from and how it rotates is the security issue's; this class only takes bytes.
/// </summary>
/// <remarks>
/// Each kind of value is prefixed with its own label before hashing (domain separation), so an ID
/// number and a phone number can never produce the same hash.
/// </remarks>
public sealed class KeyedHash
{
    /// <summary>Shorter keys are refused: HMAC-SHA256 is only as strong as its key (RFC 2104 §3).</summary>
    public const int MinimumKeyBytes = 16;

    public const int HexLength = 64;

    private readonly byte[] key;

    public KeyedHash(ReadOnlySpan<byte> key)
    {
        if (key.Length < MinimumKeyBytes)
        {
            throw new ArgumentException($"The key must have at least {MinimumKeyBytes} bytes (32 recommended).", nameof(key));
        }

        this.key = key.ToArray(); // a copy, so the caller can clear or reuse its buffer
    }

    /// <summary>Hash of a resident ID number (normalised: trimmed, full-width folded, upper-case X).</summary>
    public string OfResidentId(string idNumber)
    {
        ArgumentNullException.ThrowIfNull(idNumber);
        return Compute("resident-id:", ResidentId.Normalise(idNumber));
    }

    public string OfResidentId(ResidentId id)
    {
        ArgumentNullException.ThrowIfNull(id);
        return Compute("resident-id:", id.Value);
    }

    /// <summary>Hash of a mobile number (normalised: no +86, spaces or hyphens).</summary>
    public string OfMobile(string phone)
    {
        ArgumentNullException.ThrowIfNull(phone);
        return Compute("mobile:", MobileNumber.Normalise(phone));
    }

    public string OfMobile(MobileNumber number)
    {
        ArgumentNullException.ThrowIfNull(number);
        return Compute("mobile:", number.Value);
    }

    /// <summary>Hash of another kind of address (a WeChat openid, an app user id), labelled by its kind.</summary>
    public string OfContact(string kind, string value)
    {
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(value);
        return Compute("contact:" + kind + ":", value.Trim());
    }

    /// <summary>Constant-time comparison of two hex hashes (for checking a caller against a stored hash).</summary>
    public static bool Same(string? a, string? b)
    {
        if (a is null || b is null || a.Length != b.Length)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(a), Encoding.ASCII.GetBytes(b));
    }

    private string Compute(string label, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(label + value);
        return Convert.ToHexStringLower(HMACSHA256.HashData(key, bytes));
    }
}
