using System.Text;
using TongBan.Api.Endpoints;

namespace TongBan.Api.Tests.Reports;

/// <summary>The CSV writer on its own: RFC 4180 quoting, CRLF, the BOM, rows written as the source yields them.</summary>
[Trait("Category", "Unit")]
public class ReportExportTests
{
    private sealed record Row(string Name, int Count, string? Note);

    private static readonly IReadOnlyList<ExportColumn<Row>> Columns =
    [
        new("名称", r => r.Name),
        new("数量", r => r.Count),
        new("备注", r => r.Note),
    ];

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData("two\r\nlines", "\"two\r\nlines\"")]
    [InlineData("", "")]
    [InlineData(null, "")]
    public void Fields_are_quoted_only_when_they_must_be(string? value, string expected) =>
        Assert.Equal(expected, ReportExports.Field(value));

    [Fact]
    public async Task Csv_has_a_bom_crlf_lines_and_parses_back_field_by_field()
    {
        await using var output = new MemoryStream();
        await ReportExports.WriteCsvAsync(output, Source(3), Columns, CancellationToken.None);
        var bytes = output.ToArray();
        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, bytes[..3]);
        var records = Parse(Encoding.UTF8.GetString(bytes, 3, bytes.Length - 3));
        Assert.Equal(["名称", "数量", "备注"], records[0]);
        Assert.Equal(4, records.Count);
        Assert.Equal(["窗口 2", "2", "含逗号, \"引号\"\r\n和换行"], records[3]);
        Assert.Equal(["窗口 0", "0", ""], records[1]);
    }

    [Fact]
    public async Task Rows_are_written_while_the_source_is_still_yielding()
    {
        // The source waits after 5000 rows until it sees bytes of them on the output: a writer that gathered every
        // row first would never write and the source would give up.
        var output = new MemoryStream();
        var sawOutput = false;
        async IAsyncEnumerable<Row> Rows()
        {
            for (var i = 0; i < 10_000; i++)
            {
                if (i == 5000)
                {
                    var deadline = DateTime.UtcNow.AddSeconds(10);
                    while (output.Length < 1000 && DateTime.UtcNow < deadline)
                    {
                        await Task.Delay(5);
                    }

                    sawOutput = output.Length >= 1000;
                }

                yield return new Row("n" + i, i, null);
            }
        }

        await ReportExports.WriteCsvAsync(output, Rows(), Columns, CancellationToken.None);
        Assert.True(sawOutput, "no rows reached the output before the source finished");
        Assert.Equal(10_001, Parse(Encoding.UTF8.GetString(output.ToArray(), 3, (int)output.Length - 3)).Count);
    }

    private static async IAsyncEnumerable<Row> Source(int n)
    {
        for (var i = 0; i < n; i++)
        {
            await Task.Yield();
            yield return new Row($"窗口 {i}", i, i == 2 ? "含逗号, \"引号\"\r\n和换行" : null);
        }
    }

    /// <summary>A strict RFC 4180 reader: CRLF records, quoted fields with doubled quotes.</summary>
    private static List<string[]> Parse(string text)
    {
        var records = new List<string[]>();
        var fields = new List<string>();
        var field = new StringBuilder();
        var i = 0;
        while (i < text.Length)
        {
            if (text[i] == '"' && field.Length == 0)
            {
                i++;
                while (!(text[i] == '"' && (i + 1 == text.Length || text[i + 1] != '"')))
                {
                    field.Append(text[i]);
                    i += text[i] == '"' ? 2 : 1;
                }

                i++;
            }
            else if (text[i] == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
                i++;
            }
            else if (text[i] == '\r' && text[i + 1] == '\n')
            {
                fields.Add(field.ToString());
                field.Clear();
                records.Add([.. fields]);
                fields.Clear();
                i += 2;
            }
            else
            {
                field.Append(text[i]);
                i++;
            }
        }

        return records;
    }
}
