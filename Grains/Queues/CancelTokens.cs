using System.Security.Cryptography;
using System.Text;
using TongBan.Grains.Common;
using TongBan.Grains.Identity;

namespace TongBan.Grains.Queues;

/// <summary>
/// 取消码: the proof that lets a citizen cancel their own ticket (<c>POST /api/halls/{hallCode}/tickets/{ticketNo}/cancel</c>)
/// without signing in. Ticket numbers are guessable, so the take answer returns this token (printed on the slip, kept by the
/// phone). Same format as the rating token (<c>yyMMdd</c> + 10 base32 characters of an HMAC over hall, day and number) under
/// its own key, derived from <c>TongBan:Privacy:HashKey</c>: a rating token never cancels, nor the other way round.
/// </summary>
public sealed class CancelTokens
{
    public const int MinimumKeyBytes = 16;
    public const int Length = TicketTokenCode.Length;

    private const string Purpose = "ticket-cancel";

    private readonly byte[] key;

    public CancelTokens(ReadOnlySpan<byte> key)
    {
        if (key.Length < MinimumKeyBytes)
        {
            throw new ArgumentException($"The key must have at least {MinimumKeyBytes} bytes.", nameof(key));
        }

        this.key = key.ToArray();
    }

    /// <summary>A key derived from the privacy hash key (domain-separated), so nothing new must be configured.</summary>
    public static CancelTokens Create(PrivacyOptions privacy)
    {
        ArgumentNullException.ThrowIfNull(privacy);
        var root = Encoding.UTF8.GetBytes(privacy.HashKey ?? throw new InvalidOperationException("TongBan:Privacy:HashKey is not set."));
        return new CancelTokens(HMACSHA256.HashData(root, "tongban-cancel-token-v1"u8));
    }

    public string Issue(string hallCode, DateOnly day, string ticketNo) => TicketTokenCode.Issue(key, Purpose, hallCode, day, ticketNo);

    /// <summary>Checks a token for this hall and ticket number; on success <paramref name="day"/> is the ticket's day. Case-insensitive.</summary>
    public bool TryVerify(string hallCode, string ticketNo, string? token, out DateOnly day) =>
        TicketTokenCode.TryVerify(key, Purpose, hallCode, ticketNo, token, out day);
}
