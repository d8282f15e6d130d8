using System.Globalization;
using TongBan.Grains.Calendar;

namespace TongBan.Grains.Tests.Calendar;

/// <summary>Shared inputs: the shipped calendar and clearly synthetic notices (no real 2027 data exists yet).</summary>
internal static class CalendarFixtures
{
    private static readonly Lazy<WorkingDayCalendar> LazyEmbedded = new(WorkingDayCalendar.LoadEmbedded);

    /// <summary>The calendar built from data/holidays (2020–2026 published, 2027 empty). Immutable, so sharing is safe.</summary>
    public static WorkingDayCalendar Embedded => LazyEmbedded.Value;

    /// <summary>
    /// A made-up 2027 notice for tests only: 2026-12-31 to 2027-01-03 off (a prior-year date, like
    /// 2023.json's 2022-12-31), Spring Festival 2027-02-06 to 02-14 off, Saturday 2027-02-20 worked.
    /// </summary>
    public const string Synthetic2027Json = """
        {
          "year": 2027,
          "papers": ["https://example.invalid/synthetic-2027-notice-for-tests"],
          "days": [
            { "name": "元旦", "date": "2026-12-31", "isOffDay": true },
            { "name": "元旦", "date": "2027-01-01", "isOffDay": true },
            { "name": "元旦", "date": "2027-01-02", "isOffDay": true },
            { "name": "元旦", "date": "2027-01-03", "isOffDay": true },
            { "name": "春节", "date": "2027-02-06", "isOffDay": true },
            { "name": "春节", "date": "2027-02-07", "isOffDay": true },
            { "name": "春节", "date": "2027-02-08", "isOffDay": true },
            { "name": "春节", "date": "2027-02-09", "isOffDay": true },
            { "name": "春节", "date": "2027-02-10", "isOffDay": true },
            { "name": "春节", "date": "2027-02-11", "isOffDay": true },
            { "name": "春节", "date": "2027-02-12", "isOffDay": true },
            { "name": "春节", "date": "2027-02-13", "isOffDay": true },
            { "name": "春节", "date": "2027-02-14", "isOffDay": true },
            { "name": "春节", "date": "2027-02-20", "isOffDay": false }
          ]
        }
        """;

    public static HolidayYear Synthetic2027 => HolidayYearParser.Parse(Synthetic2027Json, 2027);

    public static DateOnly D(string iso) => DateOnly.ParseExact(iso, "yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>A small synthetic notice: each entry is (date, isOffDay).</summary>
    public static HolidayYear Notice(int year, params (string Date, bool IsOffDay)[] days) =>
        HolidayYear.Create(year, days.Select(d => new HolidayDay(D(d.Date), "测试", d.IsOffDay)), ["https://example.invalid/test"]);

    public static IEnumerable<DateOnly> Range(DateOnly first, DateOnly last)
    {
        for (var d = first; d <= last; d = d.AddDays(1))
        {
            yield return d;
        }
    }
}
