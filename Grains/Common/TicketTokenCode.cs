using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace TongBan.Grains.Common;

/// <summary>
/// The format shared by the slip's ticket tokens (评价码 <c>RatingTokens</c>, 取消码 <c>CancelTokens</c>): <c>yyMMdd</c> (the
/// ticket's day) followed by 10 base32 characters, 50 bits of an HMAC-SHA256 over purpose, hall, day and number.
/// Stateless, so a token survives restarts and is the same for a retried take; each purpose has its own key.
/// The HMAC-SM3 form names its algorithm with <see cref="Sm3Tag"/> between day and MAC (17 characters): a verifier
/// accepts both forms, so tokens printed before a switch of suite still verify.
/// </summary>
internal static class TicketTokenCode
{
    public const int Length = 16;

    /// <summary>The letter after the day that marks an HMAC-SM3 token (<c>yyMMdd</c> + <c>S</c> + 10 base32).</summary>
    public const char Sm3Tag = 'S';

    private const int MacCharacters = 10;
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    public static string Issue(byte[] key, string purpose, string hallCode, DateOnly day, string ticketNo, bool sm3 = false)
    {
        ArgumentNullException.ThrowIfNull(hallCode);
        ArgumentNullException.ThrowIfNull(ticketNo);
        return day.ToString("yyMMdd", CultureInfo.InvariantCulture) + (sm3 ? Sm3Tag.ToString() : string.Empty) + Mac(key, purpose, hallCode, day, ticketNo, sm3);
    }

    /// <summary>Checks a token for this hall and ticket number; on success <paramref name="day"/> is the ticket's day. Case-insensitive.</summary>
    public static bool TryVerify(byte[] key, string purpose, string hallCode, string ticketNo, string? token, out DateOnly day)
    {
        day = default;
        var sm3 = token is { Length: Length + 1 } && char.ToUpperInvariant(token[6]) == Sm3Tag;
        if (token is null || (token.Length != Length && !sm3) ||
            !DateOnly.TryParseExact(token[..6], "yyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day))
        {
            return false;
        }

        var expected = Encoding.ASCII.GetBytes(Mac(key, purpose, hallCode, day, ticketNo, sm3));
        var given = Encoding.ASCII.GetBytes(token[(sm3 ? 7 : 6)..].ToUpperInvariant());
        return CryptographicOperations.FixedTimeEquals(expected, given);
    }

    private static string Mac(byte[] key, string purpose, string hallCode, DateOnly day, string ticketNo, bool sm3)
    {
        var message = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{purpose}|{hallCode}|{day:yyyy-MM-dd}|{ticketNo}"));
        var mac = sm3 ? HmacSm3(key, message) : HMACSHA256.HashData(key, message);
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

    /// <summary>HMAC-SM3 (BouncyCastle); a fresh instance per call, so concurrent requests share nothing.</summary>
    private static byte[] HmacSm3(byte[] key, byte[] message)
    {
        var mac = new Org.BouncyCastle.Crypto.Macs.HMac(new Org.BouncyCastle.Crypto.Digests.SM3Digest());
        mac.Init(new Org.BouncyCastle.Crypto.Parameters.KeyParameter(key));
        mac.BlockUpdate(message, 0, message.Length);
        var output = new byte[mac.GetMacSize()];
        mac.DoFinal(output, 0);
        return output;
    }
}
