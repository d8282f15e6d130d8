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
/// day) followed by 10 base32 characters (50 bits of the MAC), 16 characters in all.
/// </summary>
public sealed class RatingTokens
{
    public const int MinimumKeyBytes = 16;
    public const int Length = TicketTokenCode.Length;

    private const string Purpose = "ticket-rating";

    private readonly byte[] key;

    public RatingTokens(ReadOnlySpan<byte> key)
    {
        if (key.Length < MinimumKeyBytes)
        {
            throw new ArgumentException($"The key must have at least {MinimumKeyBytes} bytes.", nameof(key));
        }

        this.key = key.ToArray();
    }

    /// <summary>The configured key, or one derived from the privacy hash key (domain-separated), so nothing new must be configured.</summary>
    public static RatingTokens Create(RatingOptions options, PrivacyOptions privacy)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(privacy);
        if (options.TokenKey is { } configured)
        {
            return new RatingTokens(Convert.FromBase64String(configured));
        }

        // The privacy hash key is secret text (its UTF-8 bytes key the personal-data hashes too), not base64.
        var root = Encoding.UTF8.GetBytes(privacy.HashKey ?? throw new InvalidOperationException("TongBan:Privacy:HashKey is not set."));
        return new RatingTokens(HMACSHA256.HashData(root, "tongban-rating-token-v1"u8));
    }

    public string Issue(string hallCode, DateOnly day, string ticketNo) => TicketTokenCode.Issue(key, Purpose, hallCode, day, ticketNo);

    /// <summary>Checks a token for this hall and ticket number; on success <paramref name="day"/> is the ticket's day. Case-insensitive.</summary>
    public bool TryVerify(string hallCode, string ticketNo, string? token, out DateOnly day) =>
        TicketTokenCode.TryVerify(key, Purpose, hallCode, ticketNo, token, out day);
}
