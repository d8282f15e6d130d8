using System.Collections.Immutable;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;

namespace TongBan.Grains.Calendar;

/// <summary>
/// One entry of a State Council holiday notice (国务院办公厅关于某年部分节假日安排的通知):
/// a holiday rest day (<see cref="IsOffDay"/> true, 放假) or an adjusted working day
/// (<see cref="IsOffDay"/> false, 调休上班, usually a Saturday or Sunday).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record HolidayDay(
    [property: Id(0)] DateOnly Date,
    [property: Id(1)] string Name,
    [property: Id(2)] bool IsOffDay);

/// <summary>
/// The holiday schedule of one notice year, in the NateScarlet/holiday-cn format
/// (<c>{year, papers, days:[{name, date, isOffDay}]}</c>). Files are grouped by the year of the
/// notice, not by calendar year: the 2023 notice lists 2022-12-31, so entries may fall in the
/// notice year ±1. A notice with no entries is <em>unpublished</em> (unknown), never "no holidays".
/// Immutable; build through <see cref="Create"/> or <see cref="HolidayYearParser"/>, which validate.
/// </summary>
public sealed class HolidayYear
{
    /// <summary>Oldest notice year accepted. The current 调休 system dates from the 2000s.</summary>
    public const int MinYear = 2000;

    /// <summary>Newest notice year accepted; anything later is almost certainly a typo.</summary>
    public const int MaxYear = 2099;

    private HolidayYear(int year, ImmutableArray<HolidayDay> days, ImmutableArray<string> papers)
    {
        Year = year;
        Days = days;
        Papers = papers;
        Stamp = ComputeStamp(days);
    }

    /// <summary>The year of the notice (not necessarily the year of every listed date).</summary>
    public int Year { get; }

    /// <summary>Listed dates, sorted ascending, no duplicates.</summary>
    public ImmutableArray<HolidayDay> Days { get; }

    /// <summary>URLs of the gov.cn notices the entries come from (provenance for audits).</summary>
    public ImmutableArray<string> Papers { get; }

    /// <summary>True when the notice lists at least one date; an empty notice means "not yet announced".</summary>
    public bool IsPublished => !Days.IsEmpty;

    /// <summary>
    /// A short fingerprint of what matters for arithmetic (dates and rest/work flags, not names or
    /// papers); empty for an unpublished year. Deadlines remember the stamps of the notices they
    /// used, so "must this be recomputed?" has the same answer on every silo and after restarts,
    /// which a process-local version counter could not give.
    /// </summary>
    public string Stamp { get; }

    /// <summary>First date a notice of this year may list (1 January of the previous year).</summary>
    public DateOnly WindowStart => new(Year - 1, 1, 1);

    /// <summary>Last date a notice of this year may list (31 December of the next year).</summary>
    public DateOnly WindowEnd => new(Year + 1, 12, 31);

    /// <summary>An empty placeholder: the year is known to exist but its schedule is not announced.</summary>
    public static HolidayYear Unpublished(int year) => Create(year, []);

    /// <summary>Validates and builds a notice year.</summary>
    /// <exception cref="HolidayDataException">Year out of range, dates outside the notice year ±1, duplicate dates or empty names.</exception>
    public static HolidayYear Create(int year, IEnumerable<HolidayDay> days, IEnumerable<string>? papers = null)
    {
        ArgumentNullException.ThrowIfNull(days);
        var list = days.ToList();
        var errors = new List<string>();
        Validate(year, list, errors);
        if (errors.Count > 0)
        {
            throw new HolidayDataException(errors);
        }

        return new HolidayYear(
            year,
            [.. list.OrderBy(d => d.Date)],
            [.. papers ?? []]);
    }

    /// <summary>
    /// Checks the invariants shared by <see cref="Create"/> and the JSON parser, appending one
    /// message per problem (indices refer to the input order, as an operator sees the file).
    /// </summary>
    internal static void Validate(int year, IReadOnlyList<HolidayDay> days, List<string> errors)
    {
        if (year is < MinYear or > MaxYear)
        {
            errors.Add($"'year' {year} is outside the supported range {MinYear}–{MaxYear}.");
            return; // every date check below depends on a sane year
        }

        var windowStart = new DateOnly(year - 1, 1, 1);
        var windowEnd = new DateOnly(year + 1, 12, 31);
        var firstIndex = new Dictionary<DateOnly, int>();
        for (var i = 0; i < days.Count; i++)
        {
            var day = days[i];
            if (day is null)
            {
                errors.Add($"days[{i}] is null.");
                continue;
            }

            if (string.IsNullOrWhiteSpace(day.Name))
            {
                errors.Add($"days[{i}] ({Iso(day.Date)}): 'name' is empty.");
            }

            if (day.Date < windowStart || day.Date > windowEnd)
            {
                errors.Add($"days[{i}]: date {Iso(day.Date)} is outside the window of the {year} notice ({Iso(windowStart)} … {Iso(windowEnd)}).");
            }

            if (firstIndex.TryGetValue(day.Date, out var first))
            {
                errors.Add($"days[{i}]: date {Iso(day.Date)} is listed twice (first at days[{first}]).");
            }
            else
            {
                firstIndex.Add(day.Date, i);
            }
        }
    }

    /// <summary>Same year, same entries (names included) and same papers.</summary>
    public bool ContentEquals(HolidayYear other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Year == other.Year && Days.SequenceEqual(other.Days) && Papers.SequenceEqual(other.Papers);
    }

    /// <summary>
    /// Writes the notice back in the holiday-cn format, e.g. to persist what an operator loaded
    /// or to show it; <see cref="HolidayYearParser.Parse(string, int?)"/> reads it back.
    /// </summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions
        {
            Indented = true,
            Encoder = JavaScriptEncoder.Create(UnicodeRanges.All), // keep 春节 readable, still escape HTML-significant characters
        }))
        {
            writer.WriteStartObject();
            writer.WriteNumber("year", Year);
            writer.WriteStartArray("papers");
            foreach (var paper in Papers)
            {
                writer.WriteStringValue(paper);
            }

            writer.WriteEndArray();
            writer.WriteStartArray("days");
            foreach (var day in Days)
            {
                writer.WriteStartObject();
                writer.WriteString("name", day.Name);
                writer.WriteString("date", Iso(day.Date));
                writer.WriteBoolean("isOffDay", day.IsOffDay);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    public override string ToString() =>
        IsPublished ? $"{Year} notice ({Days.Length} days, stamp {Stamp})" : $"{Year} notice (unpublished)";

    internal static string Iso(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string ComputeStamp(ImmutableArray<HolidayDay> sortedDays)
    {
        if (sortedDays.IsEmpty)
        {
            return string.Empty;
        }

        var text = new StringBuilder(sortedDays.Length * 13);
        foreach (var day in sortedDays)
        {
            text.Append(Iso(day.Date)).Append(day.IsOffDay ? 'R' : 'W').Append(';');
        }

        // 64 bits of SHA-256: collisions between two versions of one year's notice are not a concern.
        var hash = SHA256.HashData(Encoding.ASCII.GetBytes(text.ToString()));
        return Convert.ToHexStringLower(hash, 0, 8);
    }
}
