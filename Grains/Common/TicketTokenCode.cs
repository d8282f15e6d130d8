using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace TongBan.Grains.Common;

/// <summary>
/// The format shared by the slip's ticket tokens (评价码 <c>RatingTokens</c>, 取消码 <c>CancelTokens</c>): <c>yyMMdd</c> (the
/// ticket's day) followed by 10 base32 characters, 50 bits of an HMAC-SHA256 over purpose, hall, day and number.
/// Stateless, so a token survives restarts and is the same for a retried take; each purpose has its own key.
/// </summary>
internal static class TicketTokenCode
{
    public const int Length = 16;

    private const int MacCharacters = 10;
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    public static string Issue(byte[] key, string purpose, string hallCode, DateOnly day, string ticketNo)
    {
        ArgumentNullException.ThrowIfNull(hallCode);
        ArgumentNullException.ThrowIfNull(ticketNo);
        return day.ToString("yyMMdd", CultureInfo.InvariantCulture) + Mac(key, purpose, hallCode, day, ticketNo);
    }

    /// <summary>Checks a token for this hall and ticket number; on success <paramref name="day"/> is the ticket's day. Case-insensitive.</summary>
    public static bool TryVerify(byte[] key, string purpose, string hallCode, string ticketNo, string? token, out DateOnly day)
    {
        day = default;
        if (token is not { Length: Length } ||
            !DateOnly.TryParseExact(token[..6], "yyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day))
        {
            return false;
        }

        var expected = Encoding.ASCII.GetBytes(Mac(key, purpose, hallCode, day, ticketNo));
        var given = Encoding.ASCII.GetBytes(token[6..].ToUpperInvariant());
        return CryptographicOperations.FixedTimeEquals(expected, given);
    }

    private static string Mac(byte[] key, string purpose, string hallCode, DateOnly day, string ticketNo)
    {
        var message = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{purpose}|{hallCode}|{day:yyyy-MM-dd}|{ticketNo}"));
        var mac = HMACSHA256.HashData(key, message);
        var chars = new char[MacCharacters];
        for (var i = 0; i < MacCharacters; i++)
        {
            // 5 bits per character from the MAC's first 50 bits.
            var bit = i * 5;
            var value = (((mac[bit / 8] << 8) | mac[(bit / 8) + 1]) >> (11 - (bit % 8))) & 0x1F;
            chars[i] = Alphabet[value];
        }

        return new string(chars);
    }
}
