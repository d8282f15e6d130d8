using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace TongBan.Grains.Calendar;

/// <summary>
/// Reads a holiday notice in the NateScarlet/holiday-cn format (<c>data/holidays/*.json</c>, and
/// what an operator uploads when the State Council publishes next year's schedule). Strict, because
/// a wrong date silently moves legal deadlines: exact <c>yyyy-MM-dd</c> dates, JSON booleans,
/// no comments or trailing commas, no duplicate keys. Reports every problem, not only the first.
/// </summary>
public static class HolidayYearParser
{
    /// <summary>Real notices are ~5 KB; refuse anything that cannot be one before parsing it.</summary>
    public const int MaxDocumentChars = 256 * 1024;

    /// <summary>Enough to fix a document; beyond this the file is probably not a notice at all.</summary>
    private const int MaxReportedErrors = 20;

    private static readonly JsonDocumentOptions Options = new()
    {
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
        AllowDuplicateProperties = false, // two "year" keys would otherwise silently take one of them
        MaxDepth = 16,
    };

    /// <summary>Parses and validates one notice.</summary>
    /// <param name="json">The document text.</param>
    /// <param name="expectedYear">When given (e.g. from the file name or the URL the operator used), the document's <c>year</c> must match.</param>
    /// <exception cref="HolidayDataException">With one message per problem.</exception>
    public static HolidayYear Parse(string json, int? expectedYear = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (json.Length > MaxDocumentChars)
        {
            throw new HolidayDataException([$"The document is {json.Length:N0} characters long; a holiday notice is at most {MaxDocumentChars:N0}."]);
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, Options);
        }
        catch (JsonException ex)
        {
            throw new HolidayDataException([Malformed(ex)]);
        }

        using (document)
        {
            return Read(document.RootElement, expectedYear);
        }
    }

    /// <summary>Parses a UTF-8 stream (an embedded file or a request body).</summary>
    public static HolidayYear Parse(Stream utf8Json, int? expectedYear = null)
    {
        ArgumentNullException.ThrowIfNull(utf8Json);
        using var reader = new StreamReader(utf8Json, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        var text = new StringBuilder();
        var buffer = new char[4096];
        int read;
        while ((read = reader.Read(buffer, 0, buffer.Length)) > 0)
        {
            // Stop reading an oversized body early instead of buffering all of it.
            if (text.Length + read > MaxDocumentChars)
            {
                throw new HolidayDataException([$"The document is longer than {MaxDocumentChars:N0} characters; a holiday notice is at most that."]);
            }

            text.Append(buffer, 0, read);
        }

        return Parse(text.ToString(), expectedYear);
    }

    /// <summary>Non-throwing variant for callers that report errors themselves.</summary>
    public static bool TryParse(
        string json,
        [NotNullWhen(true)] out HolidayYear? year,
        out IReadOnlyList<string> errors,
        int? expectedYear = null)
    {
        try
        {
            year = Parse(json, expectedYear);
            errors = [];
            return true;
        }
        catch (HolidayDataException ex)
        {
            year = null;
            errors = ex.Errors;
            return false;
        }
    }

    private static HolidayYear Read(JsonElement root, int? expectedYear)
    {
        var errors = new List<string>();
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new HolidayDataException([$"The document must be a JSON object with 'year', 'papers' and 'days'; found {Describe(root)}."]);
        }

        int? year = null;
        if (!root.TryGetProperty("year", out var yearElement))
        {
            errors.Add("'year' is missing.");
        }
        else if (yearElement.ValueKind != JsonValueKind.Number || !yearElement.TryGetInt32(out var parsedYear))
        {
            errors.Add($"'year' must be an integer such as 2027; found {Describe(yearElement)}.");
        }
        else
        {
            year = parsedYear;
            if (expectedYear is { } expected && expected != parsedYear)
            {
                errors.Add($"The document is the {parsedYear} notice but was loaded as the {expected} notice.");
            }
        }

        var papers = new List<string>();
        if (!root.TryGetProperty("papers", out var papersElement))
        {
            errors.Add("'papers' is missing (an array of gov.cn notice URLs; [] when none).");
        }
        else if (papersElement.ValueKind != JsonValueKind.Array)
        {
            errors.Add($"'papers' must be an array of URLs; found {Describe(papersElement)}.");
        }
        else
        {
            var i = 0;
            foreach (var paper in papersElement.EnumerateArray())
            {
                if (paper.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(paper.GetString()))
                {
                    papers.Add(paper.GetString()!);
                }
                else
                {
                    errors.Add($"papers[{i}] must be a non-empty string; found {Describe(paper)}.");
                }

                i++;
            }
        }

        var days = new List<HolidayDay>();
        var daysValid = true;
        if (!root.TryGetProperty("days", out var daysElement))
        {
            errors.Add("'days' is missing (an array of {name, date, isOffDay}; [] when not yet published).");
            daysValid = false;
        }
        else if (daysElement.ValueKind != JsonValueKind.Array)
        {
            errors.Add($"'days' must be an array; found {Describe(daysElement)}.");
            daysValid = false;
        }
        else
        {
            var i = 0;
            foreach (var entry in daysElement.EnumerateArray())
            {
                if (ReadDay(entry, i, errors) is { } day)
                {
                    days.Add(day);
                }
                else
                {
                    daysValid = false;
                }

                i++;
            }
        }

        // The cross-entry checks (window, duplicates) index into the input; only run them when
        // every entry was readable, otherwise days[i] in a message would point at the wrong entry.
        if (year is { } y)
        {
            HolidayYear.Validate(y, daysValid ? days : [], errors);
        }

        if (errors.Count > 0)
        {
            throw new HolidayDataException(Cap(errors));
        }

        return HolidayYear.Create(year!.Value, days, papers);
    }

    private static HolidayDay? ReadDay(JsonElement entry, int index, List<string> errors)
    {
        if (entry.ValueKind != JsonValueKind.Object)
        {
            errors.Add($"days[{index}] must be an object with name, date and isOffDay; found {Describe(entry)}.");
            return null;
        }

        var ok = true;
        string? name = null;
        if (!entry.TryGetProperty("name", out var nameElement))
        {
            errors.Add($"days[{index}]: 'name' is missing.");
            ok = false;
        }
        else if (nameElement.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(nameElement.GetString()))
        {
            errors.Add($"days[{index}]: 'name' must be a non-empty string such as \"春节\"; found {Describe(nameElement)}.");
            ok = false;
        }
        else
        {
            name = nameElement.GetString();
        }

        DateOnly date = default;
        if (!entry.TryGetProperty("date", out var dateElement))
        {
            errors.Add($"days[{index}]: 'date' is missing.");
            ok = false;
        }
        else if (dateElement.ValueKind != JsonValueKind.String
            || !DateOnly.TryParseExact(dateElement.GetString(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date))
        {
            errors.Add($"days[{index}]: 'date' must be an ISO date yyyy-MM-dd that exists in the calendar; found {Describe(dateElement)}.");
            ok = false;
        }

        var isOffDay = false;
        if (!entry.TryGetProperty("isOffDay", out var offElement))
        {
            errors.Add($"days[{index}]: 'isOffDay' is missing.");
            ok = false;
        }
        else if (offElement.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            errors.Add($"days[{index}]: 'isOffDay' must be true (rest day) or false (调休 working day); found {Describe(offElement)}.");
            ok = false;
        }
        else
        {
            isOffDay = offElement.GetBoolean();
        }

        return ok ? new HolidayDay(date, name!, isOffDay) : null;
    }

    private static string Malformed(JsonException ex)
    {
        // System.Text.Json appends 0-based positions to its message; report 1-based ones once.
        var message = ex.Message;
        var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        if (cut > 0)
        {
            message = message[..cut];
        }

        return ex.LineNumber is { } line && ex.BytePositionInLine is { } position
            ? $"Malformed JSON at line {line + 1}, position {position + 1}: {message}"
            : $"Malformed JSON: {message}";
    }

    private static string Describe(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => $"the string \"{Truncate(element.GetString()!)}\"",
        JsonValueKind.Number => $"the number {Truncate(element.GetRawText())}",
        JsonValueKind.True or JsonValueKind.False => $"the boolean {element.GetRawText()}",
        JsonValueKind.Null => "null",
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        _ => element.ValueKind.ToString(),
    };

    private static string Truncate(string text) => text.Length <= 40 ? text : text[..40] + "…";

    private static List<string> Cap(List<string> errors)
    {
        if (errors.Count <= MaxReportedErrors)
        {
            return errors;
        }

        var capped = errors.Take(MaxReportedErrors).ToList();
        capped.Add($"… and {errors.Count - MaxReportedErrors} more problems.");
        return capped;
    }
}
