using System.Globalization;
using System.Text;

namespace TongBan.Grains.Identity;

/// <summary>
/// Masked forms of personal data for hotline agents, receipts, logs and any view that is not the
/// applicant's own (脱敏). One '*' per hidden character, so the length stays recognisable.
/// </summary>
public static class Masking
{
    public const char Mask = '*';

    /// <summary>
    /// Common two-character surnames (复姓): for these the whole surname stays visible (欧阳**), as
    /// a clerk reading "欧***" would not know how to address the person. Rare ones are masked after
    /// the first character, which only hides more.
    /// </summary>
    public static readonly IReadOnlySet<string> CompoundSurnames = new HashSet<string>(StringComparer.Ordinal)
    {
        "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "长孙", "宇文",
        "司徒", "司空", "夏侯", "轩辕", "端木", "独孤", "南宫", "西门", "百里", "呼延", "闻人", "澹台",
        "公冶", "宗政", "濮阳", "淳于", "单于", "太叔", "申屠", "钟离", "赫连", "第五", "拓跋", "万俟",
    };

    /// <summary>
    /// Keeps the surname (the first character, or a common compound surname when more follows) and
    /// masks the rest: 张三 → 张*, 张小明 → 张**, 欧阳娜娜 → 欧阳**. A one-character name is fully
    /// masked. Counts text elements, so a rare character outside the BMP is one '*'.
    /// </summary>
    public static string Name(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return string.Empty;
        }

        var elements = TextElements(name.Trim());
        if (elements.Count == 1)
        {
            return Mask.ToString();
        }

        var keep = elements.Count > 2 && CompoundSurnames.Contains(elements[0] + elements[1]) ? 2 : 1;
        var builder = new StringBuilder();
        for (var i = 0; i < elements.Count; i++)
        {
            builder.Append(i < keep ? elements[i] : Mask.ToString());
        }

        return builder.ToString();
    }

    /// <summary>
    /// First four and last four visible: 520102199003071234 → 5201**********1234. Input is
    /// normalised first; anything eight characters or shorter is fully masked.
    /// </summary>
    public static string ResidentId(string? idNumber) =>
        idNumber is null ? string.Empty : KeepEnds(Identity.ResidentId.Normalise(idNumber), 4, 4);

    /// <summary>First three and last four visible: 13812345678 → 138****5678 (a +86 prefix is dropped).</summary>
    public static string Mobile(string? phone) =>
        phone is null ? string.Empty : KeepEnds(MobileNumber.Normalise(phone), 3, 4);

    private static string KeepEnds(string value, int head, int tail)
    {
        if (value.Length <= head + tail)
        {
            return new string(Mask, value.Length);
        }

        return string.Concat(value.AsSpan(0, head), new string(Mask, value.Length - head - tail), value.AsSpan(value.Length - tail));
    }

    private static List<string> TextElements(string text)
    {
        var list = new List<string>();
        var enumerator = StringInfo.GetTextElementEnumerator(text);
        while (enumerator.MoveNext())
        {
            list.Add(enumerator.GetTextElement());
        }

        return list;
    }
}
