using TongBan.Grains.Calendar;
using TongBan.Grains.Common;
using static TongBan.Grains.Tests.Calendar.CalendarFixtures;

namespace TongBan.Grains.Tests.Calendar;

[Trait("Category", "Unit")]
public class HolidayYearParserTests
{
    [Fact]
    public void EmbeddedFiles_AreTheEightNoticeYears()
    {
        Assert.Equal(
            [.. Enumerable.Range(2020, 8).Select(y => $"holidays.{y}.json")],
            EmbeddedData.Names("holidays.").Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Parses2026_WithItsPaperAndSortedDays()
    {
        using var stream = EmbeddedData.Open("holidays.2026.json");
        var notice = HolidayYearParser.Parse(stream, 2026);
        Assert.Equal(2026, notice.Year);
        Assert.True(notice.IsPublished);
        Assert.Equal(39, notice.Days.Length);
        Assert.Equal("https://www.gov.cn/zhengce/zhengceku/202511/content_7047091.htm", Assert.Single(notice.Papers));
        Assert.Equal(new HolidayDay(D("2026-01-01"), "元旦", true), notice.Days[0]);
        Assert.Equal(new HolidayDay(D("2026-10-10"), "国庆节", false), notice.Days[^1]);
        Assert.Equal(16, notice.Stamp.Length);
    }

    [Fact]
    public void EmptyPlaceholder2027_IsUnpublished()
    {
        using var stream = EmbeddedData.Open("holidays.2027.json");
        var notice = HolidayYearParser.Parse(stream, 2027);
        Assert.False(notice.IsPublished);
        Assert.Empty(notice.Papers);
        Assert.Equal(string.Empty, notice.Stamp);
    }

    [Fact]
    public void ToJson_RoundTrips()
    {
        var notice = Synthetic2027;
        var again = HolidayYearParser.Parse(notice.ToJson(), 2027);
        Assert.True(notice.ContentEquals(again));
        Assert.Equal(notice.Stamp, again.Stamp);
        Assert.Contains("\"春节\"", notice.ToJson()); // readable, not \u-escaped
    }

    [Fact]
    public void Stamp_IgnoresNamesAndPapers_ButNotDatesOrFlags()
    {
        var a = Notice(2027, ("2027-01-01", true));
        var renamed = HolidayYear.Create(2027, [new HolidayDay(D("2027-01-01"), "元旦", true)], []);
        var flipped = Notice(2027, ("2027-01-01", false));
        Assert.Equal(a.Stamp, renamed.Stamp);
        Assert.False(a.ContentEquals(renamed));
        Assert.NotEqual(a.Stamp, flipped.Stamp);
    }

    [Theory]
    [InlineData("not json", "Malformed JSON at line 1")]
    [InlineData("{\"year\": 2027, \"papers\": [], \"days\": [],}", "Malformed JSON")] // trailing comma
    [InlineData("{\"year\": 2027, \"papers\": [], \"days\": [] // c\n}", "Malformed JSON")] // comment
    [InlineData("{\"year\": 2027, \"year\": 2028, \"papers\": [], \"days\": []}", "Malformed JSON")] // duplicate key
    [InlineData("", "Malformed JSON")]
    [InlineData("[]", "must be a JSON object")]
    [InlineData("{\"papers\": [], \"days\": []}", "'year' is missing")]
    [InlineData("{\"year\": \"2027\", \"papers\": [], \"days\": []}", "'year' must be an integer such as 2027; found the string \"2027\"")]
    [InlineData("{\"year\": 2027.5, \"papers\": [], \"days\": []}", "'year' must be an integer")]
    [InlineData("{\"year\": 1999, \"papers\": [], \"days\": []}", "'year' 1999 is outside the supported range 2000–2099")]
    [InlineData("{\"year\": 2100, \"papers\": [], \"days\": []}", "outside the supported range")]
    [InlineData("{\"year\": 2027, \"days\": []}", "'papers' is missing")]
    [InlineData("{\"year\": 2027, \"papers\": \"x\", \"days\": []}", "'papers' must be an array")]
    [InlineData("{\"year\": 2027, \"papers\": [1], \"days\": []}", "papers[0] must be a non-empty string; found the number 1")]
    [InlineData("{\"year\": 2027, \"papers\": []}", "'days' is missing")]
    [InlineData("{\"year\": 2027, \"papers\": [], \"days\": {}}", "'days' must be an array; found an object")]
    [InlineData("{\"year\": 2027, \"papers\": [], \"days\": [3]}", "days[0] must be an object")]
    [InlineData("{\"year\": 2027, \"papers\": [], \"days\": [{\"date\": \"2027-01-01\", \"isOffDay\": true}]}", "days[0]: 'name' is missing")]
    [InlineData("{\"year\": 2027, \"papers\": [], \"days\": [{\"name\": \"\", \"date\": \"2027-01-01\", \"isOffDay\": true}]}", "days[0]: 'name' must be a non-empty string")]
    [InlineData("{\"year\": 2027, \"papers\": [], \"days\": [{\"name\": \"元旦\", \"isOffDay\": true}]}", "days[0]: 'date' is missing")]
    [InlineData("{\"year\": 2027, \"papers\": [], \"days\": [{\"name\": \"元旦\", \"date\": \"2027-1-1\", \"isOffDay\": true}]}", "days[0]: 'date' must be an ISO date yyyy-MM-dd that exists in the calendar; found the string \"2027-1-1\"")]
    [InlineData("{\"year\": 2027, \"papers\": [], \"days\": [{\"name\": \"春节\", \"date\": \"2027-02-30\", \"isOffDay\": true}]}", "'date' must be an ISO date")]
    [InlineData("{\"year\": 2027, \"papers\": [], \"days\": [{\"name\": \"春节\", \"date\": \"2027-02-10T00:00:00\", \"isOffDay\": true}]}", "'date' must be an ISO date")]
    [InlineData("{\"year\": 2027, \"papers\": [], \"days\": [{\"name\": \"元旦\", \"date\": \"2027-01-01\"}]}", "days[0]: 'isOffDay' is missing")]
    [InlineData("{\"year\": 2027, \"papers\": [], \"days\": [{\"name\": \"元旦\", \"date\": \"2027-01-01\", \"isOffDay\": \"true\"}]}", "'isOffDay' must be true (rest day) or false (调休 working day); found the string \"true\"")]
    [InlineData("{\"year\": 2027, \"papers\": [], \"days\": [{\"name\": \"元旦\", \"date\": \"2027-01-01\", \"isOffDay\": 1}]}", "'isOffDay' must be true (rest day) or false")]
    public void BadInput_IsRejected_WithASpecificMessage(string json, string expected)
    {
        var ex = Assert.Throws<HolidayDataException>(() => HolidayYearParser.Parse(json));
        Assert.Contains(expected, ex.Message);
        Assert.NotEmpty(ex.Errors);
    }

    [Fact]
    public void DateOutsideTheNoticeYearPlusMinusOne_IsRejected()
    {
        const string json = """
            {"year": 2027, "papers": [], "days": [
              {"name": "元旦", "date": "2028-12-31", "isOffDay": true},
              {"name": "元旦", "date": "2029-01-01", "isOffDay": true},
              {"name": "元旦", "date": "2025-12-31", "isOffDay": true}
            ]}
            """;
        var ex = Assert.Throws<HolidayDataException>(() => HolidayYearParser.Parse(json));
        Assert.Equal(
            [
                "days[1]: date 2029-01-01 is outside the window of the 2027 notice (2026-01-01 … 2028-12-31).",
                "days[2]: date 2025-12-31 is outside the window of the 2027 notice (2026-01-01 … 2028-12-31).",
            ],
            ex.Errors);
    }

    [Fact]
    public void DuplicateDates_AreRejected_EvenWhenTheyAgree()
    {
        const string json = """
            {"year": 2027, "papers": [], "days": [
              {"name": "元旦", "date": "2027-01-01", "isOffDay": true},
              {"name": "元旦", "date": "2027-01-02", "isOffDay": true},
              {"name": "元旦", "date": "2027-01-01", "isOffDay": true}
            ]}
            """;
        var ex = Assert.Throws<HolidayDataException>(() => HolidayYearParser.Parse(json));
        Assert.Equal(["days[2]: date 2027-01-01 is listed twice (first at days[0])."], ex.Errors);
    }

    [Fact]
    public void ExpectedYear_MustMatchTheDocument()
    {
        var ex = Assert.Throws<HolidayDataException>(() => HolidayYearParser.Parse(Synthetic2027Json, expectedYear: 2028));
        Assert.Equal(["The document is the 2027 notice but was loaded as the 2028 notice."], ex.Errors);
    }

    [Fact]
    public void AllProblems_AreReportedTogether()
    {
        const string json = """
            {"year": 2027, "papers": [""], "days": [
              {"name": "元旦", "date": "2027-13-01", "isOffDay": true},
              {"name": "春节", "date": "2027-02-10", "isOffDay": "yes"},
              {"date": "2027-02-11", "isOffDay": true}
            ]}
            """;
        Assert.False(HolidayYearParser.TryParse(json, out var notice, out var errors));
        Assert.Null(notice);
        Assert.Equal(4, errors.Count);
        Assert.StartsWith("papers[0]", errors[0]);
        Assert.StartsWith("days[0]: 'date'", errors[1]);
        Assert.StartsWith("days[1]: 'isOffDay'", errors[2]);
        Assert.StartsWith("days[2]: 'name'", errors[3]);
    }

    [Fact]
    public void ManyProblems_AreCappedWithACount()
    {
        var days = string.Join(",", Enumerable.Range(0, 30).Select(_ => "{\"name\": \"x\", \"date\": \"bad\", \"isOffDay\": true}"));
        Assert.False(HolidayYearParser.TryParse($"{{\"year\": 2027, \"papers\": [], \"days\": [{days}]}}", out _, out var errors));
        Assert.Equal(21, errors.Count);
        Assert.Equal("… and 10 more problems.", errors[^1]);
    }

    [Fact]
    public void OversizedDocument_IsRejectedBeforeParsing()
    {
        var json = new string(' ', HolidayYearParser.MaxDocumentChars + 1);
        var ex = Assert.Throws<HolidayDataException>(() => HolidayYearParser.Parse(json));
        Assert.Contains("a holiday notice is at most", ex.Message);
    }

    [Fact]
    public void TryParse_AcceptsAValidDocument()
    {
        Assert.True(HolidayYearParser.TryParse(Synthetic2027Json, out var notice, out var errors, 2027));
        Assert.Empty(errors);
        Assert.Equal(14, notice.Days.Length);
        Assert.Equal(D("2026-12-31"), notice.Days[0].Date); // a previous-year date, inside the window
    }

    [Fact]
    public void Create_ValidatesLikeTheParser()
    {
        var ex = Assert.Throws<HolidayDataException>(() => HolidayYear.Create(
            2027,
            [new HolidayDay(D("2027-01-01"), " ", true), new HolidayDay(D("2030-01-01"), "x", true)]));
        Assert.Equal(2, ex.Errors.Count);
        Assert.Contains("'name' is empty", ex.Errors[0]);
        Assert.Contains("outside the window", ex.Errors[1]);
    }
}
