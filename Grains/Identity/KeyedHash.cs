using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Macs;
using Org.BouncyCastle.Crypto.Parameters;

namespace TongBan.Grains.Identity;

/// <summary>The MAC a keyed hash is computed with; the stored hash says which (<see cref="KeyedHash.AlgorithmOf"/>).</summary>
public enum KeyedHashFunction
{
    /// <summary>HMAC-SHA256 (RFC 2104): stored as 64 bare lower-case hex digits, the form written before issue 21.</summary>
    HmacSha256,

    /// <summary>HMAC-SM3 (GB/T 15852.2 HMAC over SM3, GB/T 32905): stored as <c>sm3:</c> + 64 lower-case hex digits.</summary>
    HmacSm3,
}

/// <summary>
/// Keyed hash of a normalised ID number or mobile number: lets grains index and look people up ("my cases", hotline
/// caller checks) without storing the raw value. Keyed, because a plain hash of an 18-digit ID with a known structure is
/// brute-forced in minutes. Where the key comes from is <see cref="PrivacyOptions.HashKey"/>; this class only takes bytes.
/// </summary>
/// <remarks>
/// New hashes use the suite's algorithm (<c>sm</c>: HMAC-SM3, prefixed <c>sm3:</c>; <c>international</c>: HMAC-SHA256,
/// bare hex), under the same key. Records stored before the switch keep their HMAC-SHA256 hash, so a look-up by a raw
/// value tries both (<see cref="ResidentIdCandidates(string)"/>: the current algorithm's hash first), and an ownership
/// check accepts either (<see cref="IsResidentId"/>). A grain holding only a hash cannot compute the other algorithm's:
/// the candidates are made where the raw value is known.
/// Each kind of value is prefixed with its own label before hashing (domain separation), so an ID number and a phone
/// number can never produce the same hash.
/// </remarks>
public sealed class KeyedHash
{
    /// <summary>Shorter keys are refused: an HMAC is only as strong as its key (RFC 2104 §3).</summary>
    public const int MinimumKeyBytes = 16;

    /// <summary>Hex digits of the MAC (both algorithms give 256 bits); an HMAC-SM3 hash has <see cref="Sm3Prefix"/> in front.</summary>
    public const int HexLength = 64;

    /// <summary>The tag that names an HMAC-SM3 hash; an untagged 64-digit hash is HMAC-SHA256.</summary>
    public const string Sm3Prefix = "sm3:";

    private const string ResidentLabel = "resident-id:";
    private const string MobileLabel = "mobile:";

    private readonly byte[] key;

    public KeyedHash(ReadOnlySpan<byte> key, KeyedHashFunction algorithm = KeyedHashFunction.HmacSha256)
    {
        if (key.Length < MinimumKeyBytes)
        {
            throw new ArgumentException($"The key must have at least {MinimumKeyBytes} bytes (32 recommended).", nameof(key));
        }

        this.key = key.ToArray(); // a copy, so the caller can clear or reuse its buffer
        Algorithm = algorithm;
    }

    /// <summary>The algorithm of new hashes (<see cref="OfResidentId(string)"/>, <see cref="OfMobile(string)"/>).</summary>
    public KeyedHashFunction Algorithm { get; }

    /// <summary>Hash of a resident ID number (normalised: trimmed, full-width folded, upper-case X), in the current algorithm.</summary>
    public string OfResidentId(string idNumber)
    {
        ArgumentNullException.ThrowIfNull(idNumber);
        return Compute(Algorithm, ResidentLabel, ResidentId.Normalise(idNumber));
    }

    public string OfResidentId(ResidentId id)
    {
        ArgumentNullException.ThrowIfNull(id);
        return Compute(Algorithm, ResidentLabel, id.Value);
    }

    /// <summary>Hash of a mobile number (normalised: no +86, spaces or hyphens), in the current algorithm.</summary>
    public string OfMobile(string phone)
    {
        ArgumentNullException.ThrowIfNull(phone);
        return Compute(Algorithm, MobileLabel, MobileNumber.Normalise(phone));
    }

    public string OfMobile(MobileNumber number)
    {
        ArgumentNullException.ThrowIfNull(number);
        return Compute(Algorithm, MobileLabel, number.Value);
    }

    /// <summary>
    /// Hash of another kind of address (a WeChat openid, an app user id), labelled by its kind, in the current algorithm:
    /// it keys notification limits and opt-outs, which start afresh after the switch rather than being looked up.
    /// </summary>
    public string OfContact(string kind, string value)
    {
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(value);
        return Compute(Algorithm, "contact:" + kind + ":", value.Trim());
    }

    /// <summary>
    /// Every hash a record of this ID number may be stored under: the current algorithm's first, then HMAC-SHA256
    /// (records written before the switch to HMAC-SM3). One element under <c>international</c>.
    /// </summary>
    public string[] ResidentIdCandidates(string idNumber)
    {
        ArgumentNullException.ThrowIfNull(idNumber);
        return Candidates(ResidentLabel, ResidentId.Normalise(idNumber));
    }

    public string[] ResidentIdCandidates(ResidentId id)
    {
        ArgumentNullException.ThrowIfNull(id);
        return Candidates(ResidentLabel, id.Value);
    }

    /// <summary>Every hash a record of this mobile number may be stored under (see <see cref="ResidentIdCandidates(string)"/>).</summary>
    public string[] MobileCandidates(string phone)
    {
        ArgumentNullException.ThrowIfNull(phone);
        return Candidates(MobileLabel, MobileNumber.Normalise(phone));
    }

    public string[] MobileCandidates(MobileNumber number)
    {
        ArgumentNullException.ThrowIfNull(number);
        return Candidates(MobileLabel, number.Value);
    }

    /// <summary>Whether <paramref name="stored"/> is this ID number's hash in either algorithm (constant-time per candidate).</summary>
    public bool IsResidentId(string? stored, string idNumber) => MatchResidentId(stored, idNumber) is not null;

    /// <summary>The candidate of this ID number equal to <paramref name="stored"/>, or null: e.g. the actor id that owns a case stored under the old key.</summary>
    public string? MatchResidentId(string? stored, string idNumber)
    {
        ArgumentNullException.ThrowIfNull(idNumber);
        if (stored is null)
        {
            return null;
        }

        string? match = null;
        foreach (var candidate in ResidentIdCandidates(idNumber))
        {
            if (Same(candidate, stored))
            {
                match = candidate;
            }
        }

        return match;
    }

    /// <summary>The algorithm a stored hash names: <c>HMAC-SM3</c> for <c>sm3:</c>…, <c>HMAC-SHA256</c> for bare hex.</summary>
    public static string AlgorithmOf(string storedHash)
    {
        ArgumentNullException.ThrowIfNull(storedHash);
        return storedHash.StartsWith(Sm3Prefix, StringComparison.Ordinal) ? "HMAC-SM3" : "HMAC-SHA256";
    }

    /// <summary>Whether a value has the shape of a keyed hash: 64 lower-case hex digits, optionally tagged <c>sm3:</c>.</summary>
    public static bool IsWellFormed(string? value)
    {
        if (value is null)
        {
            return false;
        }

        var hex = value.StartsWith(Sm3Prefix, StringComparison.Ordinal) ? value[Sm3Prefix.Length..] : value;
        return hex.Length == HexLength && hex.All(char.IsAsciiHexDigitLower);
    }

    /// <summary>Constant-time comparison of two hashes (for checking a caller against a stored hash).</summary>
    public static bool Same(string? a, string? b)
    {
        if (a is null || b is null || a.Length != b.Length)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(a), Encoding.ASCII.GetBytes(b));
    }

    private string[] Candidates(string label, string normalised) => Algorithm == KeyedHashFunction.HmacSha256
        ? [Compute(KeyedHashFunction.HmacSha256, label, normalised)]
        : [Compute(Algorithm, label, normalised), Compute(KeyedHashFunction.HmacSha256, label, normalised)];

    private string Compute(KeyedHashFunction algorithm, string label, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(label + value);
        if (algorithm == KeyedHashFunction.HmacSha256)
        {
            return Convert.ToHexStringLower(HMACSHA256.HashData(key, bytes));
        }

        // HMAC over SM3 (64-byte block, 32-byte output) from BouncyCastle; one instance per call keeps this thread-safe.
        var mac = new HMac(new SM3Digest());
        mac.Init(new KeyParameter(key));
        mac.BlockUpdate(bytes, 0, bytes.Length);
        var output = new byte[mac.GetMacSize()];
        mac.DoFinal(output, 0);
        return Sm3Prefix + Convert.ToHexStringLower(output);
    }
}
