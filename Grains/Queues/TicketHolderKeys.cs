using TongBan.Grains.Identity;

namespace TongBan.Grains.Queues;

/// <summary>
/// 一人一号: the keys that say two tickets have the same holder (<see cref="TicketRequest.PersonKeys"/>). They are the
/// project's keyed hashes (HMAC-SHA256 under <c>TongBan:Privacy:HashKey</c>, <see cref="KeyedHash"/>) of the resident ID
/// number and of the mobile number, cut to 128 bits: a queue keeps one per open ticket in the state it writes on every
/// command, and 128 bits never collide among a day's tickets. They are never returned, logged or kept after the ticket closes.
/// </summary>
public static class TicketHolderKeys
{
    /// <summary>Hex characters kept of each 64-character hash (128 bits).</summary>
    public const int Length = 32;

    /// <summary>The keys of a holder known by resident ID number and/or mobile number (normalised by <see cref="KeyedHash"/>).</summary>
    public static string[] Of(KeyedHash hash, string? residentId, string? mobile)
    {
        ArgumentNullException.ThrowIfNull(hash);
        var keys = new List<string>(2);
        if (!string.IsNullOrWhiteSpace(residentId))
        {
            keys.Add(hash.OfResidentId(residentId)[..Length]);
        }

        if (!string.IsNullOrWhiteSpace(mobile))
        {
            keys.Add(hash.OfMobile(mobile)[..Length]);
        }

        return [.. keys];
    }
}
