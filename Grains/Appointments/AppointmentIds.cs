using System.Globalization;
using System.Text.RegularExpressions;
using TongBan.Grains.Halls;

namespace TongBan.Grains.Appointments;

/// <summary>
/// Appointment ids: <c>{hallCode}-{yyyyMMdd}-{seq}{check}</c>, e.g. <c>520102-H001-20260302-007K</c>.
/// The hall and date name the book grain that holds the appointment; the sequence is the book's own (at least
/// three digits); the check letter catches a mistyped id (a 400, not a 404) before any grain is called.
/// </summary>
public static partial class AppointmentIds
{
    private const string CheckLetters = "ABCDEFGHJKLMNPQRSTUVWXY";

    [GeneratedRegex("^([0-9]{6}-[HDSZP][0-9]{3})-([0-9]{8})-([0-9]{3,6})([A-Z])$")]
    private static partial Regex Pattern();

    public static string Make(string hallCode, DateOnly date, int seq)
    {
        var body = $"{hallCode}-{date.ToString("yyyyMMdd", CultureInfo.InvariantCulture)}-{seq.ToString("000", CultureInfo.InvariantCulture)}";
        return body + Check(body);
    }

    /// <summary>Parses a well-formed id with a correct check letter and a real date.</summary>
    public static bool TryParse(string? id, out string hallCode, out DateOnly date, out int seq)
    {
        hallCode = string.Empty;
        date = default;
        seq = 0;
        if (id is null || id.Length > 40 || Pattern().Match(id) is not { Success: true } m)
        {
            return false;
        }

        if (Check(id[..^1]) != id[^1] ||
            !DateOnly.TryParseExact(m.Groups[2].Value, "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date) ||
            !int.TryParse(m.Groups[3].Value, NumberStyles.None, CultureInfo.InvariantCulture, out seq) || seq < 1)
        {
            return false;
        }

        hallCode = m.Groups[1].Value;
        return ServicePointCode.IsWellFormed(hallCode);
    }

    /// <summary>A weighted sum mod 23 over the characters: any single changed character or swap of neighbours changes it.</summary>
    private static char Check(string body)
    {
        var sum = 0;
        for (var i = 0; i < body.Length; i++)
        {
            sum = (sum + ((i % 22) + 1) * body[i]) % CheckLetters.Length;
        }

        return CheckLetters[sum];
    }
}

/// <summary>Keys of <see cref="IAppointmentBookGrain"/>: <c>{hallCode}/{yyyy-MM-dd}</c>.</summary>
public static class AppointmentBookKeys
{
    public static string Of(string hallCode, DateOnly date) => $"{hallCode}/{date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}";

    public static (string HallCode, DateOnly Date) Parse(string key)
    {
        var slash = key.LastIndexOf('/');
        return (key[..slash], DateOnly.ParseExact(key[(slash + 1)..], "yyyy-MM-dd", CultureInfo.InvariantCulture));
    }
}
