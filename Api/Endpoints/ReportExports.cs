using System.Text;
using Microsoft.AspNetCore.Http;
using MiniExcelLibs;

namespace TongBan.Api.Endpoints;

/// <summary>One exported column: its header (zh-CN, as Excel users read it) and how a row gives its value.</summary>
public sealed record ExportColumn<T>(string Header, Func<T, object?> Value);

/// <summary>
/// Streams rows as CSV (RFC 4180: comma-separated, CRLF, fields quoted when they hold a comma, quote or line break, quotes
/// doubled; UTF-8 with a BOM so Excel opens the Chinese) or XLSX (MiniExcel). Rows come from an
/// <see cref="IAsyncEnumerable{T}"/> and are written as they arrive: a year of tickets never sits in memory.
/// </summary>
public static class ReportExports
{
    public const string CsvType = "text/csv; charset=utf-8";

    public const string XlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

    private static readonly byte[] Bom = [0xEF, 0xBB, 0xBF];

    public static IResult Csv<T>(IAsyncEnumerable<T> rows, IReadOnlyList<ExportColumn<T>> columns, string fileName) =>
        TypedResults.Stream(stream => WriteCsvAsync(stream, rows, columns, CancellationToken.None), CsvType, fileName + ".csv");

    public static IResult Xlsx<T>(IAsyncEnumerable<T> rows, IReadOnlyList<ExportColumn<T>> columns, string fileName, string sheetName) =>
        TypedResults.Stream(stream => WriteXlsxAsync(stream, rows, columns, sheetName, CancellationToken.None), XlsxType, fileName + ".xlsx");

    public static async Task WriteCsvAsync<T>(Stream output, IAsyncEnumerable<T> rows, IReadOnlyList<ExportColumn<T>> columns, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(columns);
        await output.WriteAsync(Bom, cancellationToken);
        await using var writer = new StreamWriter(output, new UTF8Encoding(false), 64 * 1024, leaveOpen: true) { NewLine = "\r\n" };
        await writer.WriteLineAsync(string.Join(',', columns.Select(c => Field(c.Header))));
        var line = new StringBuilder(256);
        var n = 0;
        await foreach (var row in rows.WithCancellation(cancellationToken))
        {
            line.Clear();
            for (var i = 0; i < columns.Count; i++)
            {
                if (i > 0)
                {
                    line.Append(',');
                }

                line.Append(Field(Text(columns[i].Value(row))));
            }

            await writer.WriteLineAsync(line, cancellationToken);
            if (++n % 4096 == 0)
            {
                await writer.FlushAsync(cancellationToken); // hand what is written to the client as we go
            }
        }

        await writer.FlushAsync(cancellationToken);
    }

    /// <summary>
    /// Writes the workbook to a temporary file first (MiniExcel finishes a sheet by going back to its header, which a
    /// response stream cannot do), then copies it out: memory stays flat whatever the row count.
    /// </summary>
    public static async Task WriteXlsxAsync<T>(Stream output, IAsyncEnumerable<T> rows, IReadOnlyList<ExportColumn<T>> columns, string sheetName, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        var path = Path.Combine(Path.GetTempPath(), $"tongban-export-{Guid.NewGuid():N}.xlsx");
        try
        {
            await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 64 * 1024, FileOptions.Asynchronous))
            {
                await MiniExcel.SaveAsAsync(file, Dictionaries(rows, columns, cancellationToken), sheetName: sheetName, excelType: ExcelType.XLSX, cancellationToken: cancellationToken);
            }

            await using var read = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, FileOptions.Asynchronous | FileOptions.SequentialScan);
            await read.CopyToAsync(output, cancellationToken);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>An RFC 4180 field: quoted when it holds a comma, a quote or a line break; quotes doubled.</summary>
    public static string Field(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return string.Empty;
        }

        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }

    private static string? Text(object? value) => value switch
    {
        null => null,
        DateTimeOffset t => t.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture),
        DateOnly d => d.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    private static async IAsyncEnumerable<Dictionary<string, object?>> Dictionaries<T>(
        IAsyncEnumerable<T> rows, IReadOnlyList<ExportColumn<T>> columns, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var row in rows.WithCancellation(cancellationToken))
        {
            var cells = new Dictionary<string, object?>(columns.Count, StringComparer.Ordinal);
            foreach (var c in columns)
            {
                // Dates and times as text: the same text the CSV and JSON give, independent of the reader's time zone.
                cells[c.Header] = c.Value(row) switch
                {
                    DateTimeOffset or DateOnly => Text(c.Value(row)),
                    var v => v,
                };
            }

            yield return cells;
        }
    }
}
