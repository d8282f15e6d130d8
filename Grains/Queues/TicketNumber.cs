using System.Globalization;

namespace TongBan.Grains.Queues;

/// <summary>
/// Ticket numbers: the category letter and the day's sequence with at least three digits
/// (A001 … A999). Past 999 the number simply grows (A1000, A1001, …): a number is never wrapped
/// or reused within a day, because a reused number on a paper slip would send two citizens to
/// the same call.
/// </summary>
public static class TicketNumber
{
    /// <summary>Category codes are one upper-case ASCII letter (A 综合受理, B 公安, …).</summary>
    public static bool IsCategoryCode(string? code) => code is [>= 'A' and <= 'Z'];

    public static string Format(string category, int sequence)
    {
        if (!IsCategoryCode(category))
        {
            throw new ArgumentException($"'{category}' is not a category letter.", nameof(category));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(sequence, 1);
        return string.Create(CultureInfo.InvariantCulture, $"{category}{sequence:000}");
    }

    /// <summary>Parses a well-formed number: a letter, then three zero-padded digits or more digits without padding.</summary>
    public static bool TryParse(string? ticketNo, out string category, out int sequence)
    {
        category = string.Empty;
        sequence = 0;
        if (ticketNo is null || ticketNo.Length < 4 || !IsCategoryCode(ticketNo[..1]))
        {
            return false;
        }

        var digits = ticketNo.AsSpan(1);
        if (digits.Length > 3 && digits[0] == '0')
        {
            return false; // A0012 would be a second spelling of A012
        }

        foreach (var c in digits)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }

        if (!int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out sequence) || sequence < 1)
        {
            sequence = 0;
            return false;
        }

        category = ticketNo[..1];
        return true;
    }
}
