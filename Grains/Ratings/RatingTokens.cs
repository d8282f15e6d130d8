using System.Security.Cryptography;
using System.Text;
using TongBan.Grains.Common;
using TongBan.Grains.Identity;

namespace TongBan.Grains.Ratings;

/// <summary>
/// Ticket rating tokens (评价码). Ticket numbers are guessable (A001, A002 …), so a public rating of a
/// ticket needs proof that the caller holds the slip: a token printed on it (QR code) and returned to
/// the phone that took the ticket remotely. It is an HMAC of hall, day and number, so it needs no
/// storage, survives restarts and is the same for a retried take. Format: <c>yyMMdd</c> (the ticket's
/// day) followed by 10 base32 characters (50 bits of the MAC), 16 characters in all, for HMAC-SHA256 (the
/// <c>international</c> suite, and every token issued before issue 21); under the <c>sm</c> suite new tokens are
/// HMAC-SM3 and say so: <c>yyMMdd</c> + <c>S</c> + 10 base32, 17 characters. Both forms verify under either suite.
/// </summary>
public sealed class RatingTokens
{
    public const int MinimumKeyBytes = 16;
    /// <summary>Length of an HMAC-SHA256 token.</summary>
    public const int Length = TicketTokenCode.Length;

    /// <summary>Length of an HMAC-SM3 token (the <c>S</c> tag after the day).</summary>
    public const int Sm3Length = TicketTokenCode.Length + 1;

    private const string Purpose = "ticket-rating";

    private readonly byte[] key;

    /// <param name="sm3">Issue HMAC-SM3 tokens (the <c>sm</c> suite); tokens of both algorithms verify either way.</param>
    public RatingTokens(ReadOnlySpan<byte> key, bool sm3 = false)
    {
        if (key.Length < MinimumKeyBytes)
        {
            throw new ArgumentException($"The key must have at least {MinimumKeyBytes} bytes.", nameof(key));
        }

        this.key = key.ToArray();
        Sm3 = sm3;
    }

    /// <summary>Whether new tokens are HMAC-SM3.</summary>
    public bool Sm3 { get; }

    /// <summary>The configured key, or one derived from the privacy hash key (domain-separated), so nothing new must be configured.</summary>
    /// <param name="crypto">The suite (default <c>sm</c>: new tokens are HMAC-SM3); the key is the same for both algorithms.</param>
    public static RatingTokens Create(RatingOptions options, PrivacyOptions privacy, Crypto.CryptoOptions? crypto = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(privacy);
        var sm3 = (crypto ?? new Crypto.CryptoOptions()).Parsed() == Crypto.CryptoSuite.Sm;
        if (options.TokenKey is { } configured)
        {
            return new RatingTokens(Convert.FromBase64String(configured), sm3);
        }

        // The privacy hash key is secret text (its UTF-8 bytes key the personal-data hashes too), not base64.
        var root = Encoding.UTF8.GetBytes(privacy.HashKey ?? throw new InvalidOperationException("TongBan:Privacy:HashKey is not set."));
        return new RatingTokens(HMACSHA256.HashData(root, "tongban-rating-token-v1"u8), sm3);
    }

    public string Issue(string hallCode, DateOnly day, string ticketNo) => TicketTokenCode.Issue(key, Purpose, hallCode, day, ticketNo, Sm3);

    /// <summary>The MAC a token names: <c>HMAC-SM3</c> (17 characters, <c>S</c> after the day) or <c>HMAC-SHA256</c> (16).</summary>
    public static string AlgorithmOf(string token) =>
        token is { Length: Sm3Length } && char.ToUpperInvariant(token[6]) == TicketTokenCode.Sm3Tag ? "HMAC-SM3" : "HMAC-SHA256";

    /// <summary>Checks a token (either algorithm) for this hall and ticket number; on success <paramref name="day"/> is the ticket's day. Case-insensitive.</summary>
    public bool TryVerify(string hallCode, string ticketNo, string? token, out DateOnly day) =>
        TicketTokenCode.TryVerify(key, Purpose, hallCode, ticketNo, token, out day);
}
