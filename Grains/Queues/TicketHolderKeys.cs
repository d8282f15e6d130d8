using TongBan.Grains.Identity;

namespace TongBan.Grains.Queues;

/// <summary>
/// 一人一号: the keys that say two tickets have the same holder (<see cref="TicketRequest.PersonKeys"/>). They are the
/// project's keyed hashes (under <c>TongBan:Privacy:HashKey</c>, <see cref="KeyedHash"/>) of the resident ID number and of
/// the mobile number, cut to 128 bits: a queue keeps them per open ticket in the state it writes on every command, and 128
/// bits never collide among a day's tickets. They are never returned, logged or kept after the ticket closes.
/// Every algorithm's candidate is included (HMAC-SM3 keeps its <c>sm3:</c> tag, HMAC-SHA256 is bare), so a ticket taken
/// before a restart that switched the suite still overlaps a new request of the same person (the queue matches any key).
/// </summary>
public static class TicketHolderKeys
{
    /// <summary>Hex characters kept of each 64-character hash (128 bits).</summary>
    public const int Length = 32;

    /// <summary>The keys of a holder known by resident ID number and/or mobile number (normalised by <see cref="KeyedHash"/>).</summary>
    public static string[] Of(KeyedHash hash, string? residentId, string? mobile)
    {
        ArgumentNullException.ThrowIfNull(hash);
        var keys = new List<string>(4);
        if (!string.IsNullOrWhiteSpace(residentId))
        {
            keys.AddRange(hash.ResidentIdCandidates(residentId).Select(Cut));
        }

        if (!string.IsNullOrWhiteSpace(mobile))
        {
            keys.AddRange(hash.MobileCandidates(mobile).Select(Cut));
        }

        return [.. keys];
    }

    /// <summary>The tag (if any) and the first <see cref="Length"/> hex digits.</summary>
    private static string Cut(string hash) => hash[..(hash.Length - KeyedHash.HexLength + Length)];
}
