using TongBan.Grains.Calendar;
using TongBan.Grains.Cases;

namespace TongBan.Grains.Hotline;

/// <summary>
/// Rules of urges (催办), complaints (投诉) and answers (答复) on the hotline log. Pure: the log grain
/// calls them with its entries, the case as read, and today's date.
/// </summary>
public static class HotlineRules
{
    /// <summary>An urge is answered within two working days (the department says when it will finish).</summary>
    public const int UrgeResponseWorkingDays = 2;

    /// <summary>A complaint is answered within five working days (核实、处理、反馈).</summary>
    public const int ComplaintResponseWorkingDays = 5;

    public const int MaxTextLength = 500;

    /// <summary>Complaint categories (wire names) with their Chinese labels.</summary>
    public static readonly IReadOnlyDictionary<string, string> ComplaintCategories = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["overdue"] = "超期未办",
        ["attitude"] = "服务态度",
        ["repeatedVisits"] = "多次跑动",
        ["materials"] = "材料要求不一致",
        ["other"] = "其他",
    };

    /// <summary>Why <paramref name="request"/> cannot be registered on <paramref name="target"/>, or null.</summary>
    public static HotlineFailure? Check(HotlineCaseRef target, HotlineRequest request)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(request);
        if (request.Kind == HotlineEntryKind.Response)
        {
            return new(HotlineFailureKind.Invalid, "答复须针对某一催办或投诉 (a response answers an urge or a complaint)");
        }

        if (TextProblem(request.Text) is { } text)
        {
            return text;
        }

        if (request.Subject == ComplaintSubject.HallConduct)
        {
            if (request.Kind != HotlineEntryKind.Complaint)
            {
                return new(HotlineFailureKind.Invalid, "只有投诉可以针对大厅服务 (only a complaint can be about a hall's conduct)");
            }

            if (string.IsNullOrEmpty(request.HallCode))
            {
                return new(HotlineFailureKind.Invalid, "本件没有受理大厅，请指明被投诉的大厅 hallCode (the case has no receiving hall: name the hall)");
            }
        }

        if (request.Kind == HotlineEntryKind.Complaint)
        {
            return request.Category is { } c && ComplaintCategories.ContainsKey(c)
                ? null
                : new(HotlineFailureKind.Invalid, $"投诉类别须为 {string.Join(", ", ComplaintCategories.Keys)} (category is required)");
        }

        if (request.Category is not null)
        {
            return new(HotlineFailureKind.Invalid, "催办没有类别 (an urge has no category)");
        }

        return target.IsFinal
            ? new(HotlineFailureKind.NotAllowed, $"本件已{CaseNames.Chinese(target.Status)}，无需催办 (the case is finished: nothing to urge)")
            : null;
    }

    /// <summary>Urges and complaints not yet answered (first calls only; repeats point at them), oldest first.</summary>
    public static IReadOnlyList<HotlineEntry> Open(IReadOnlyList<HotlineEntry> log)
    {
        ArgumentNullException.ThrowIfNull(log);
        var answered = log.Where(e => e.Kind == HotlineEntryKind.Response).Select(e => e.RespondsTo).ToHashSet();
        return [.. log.Where(e => e.Kind != HotlineEntryKind.Response && e.RepeatOf is null && !answered.Contains(e.Seq))];
    }

    /// <summary>The open urge a new urge repeats, if any.</summary>
    public static HotlineEntry? OpenUrge(IReadOnlyList<HotlineEntry> log) =>
        Open(log).FirstOrDefault(e => e.Kind == HotlineEntryKind.Urge);

    /// <summary>How many calls an urge has had: itself and its repeats.</summary>
    public static int Calls(IReadOnlyList<HotlineEntry> log, int urgeSeq) =>
        log.Count(e => e.Seq == urgeSeq || e.RepeatOf == urgeSeq);

    /// <summary>Why <paramref name="seq"/> cannot be answered with <paramref name="text"/>, or null.</summary>
    public static HotlineFailure? CheckResponse(IReadOnlyList<HotlineEntry> log, int seq, string? text)
    {
        ArgumentNullException.ThrowIfNull(log);
        var item = log.FirstOrDefault(e => e.Seq == seq);
        if (item is null || item.Kind == HotlineEntryKind.Response || item.RepeatOf is not null)
        {
            return new(HotlineFailureKind.NotFound, $"本件没有编号为 {seq} 的催办或投诉 (no urge or complaint {seq} on this case)");
        }

        if (TextProblem(text) is { } problem)
        {
            return problem;
        }

        return Open(log).Any(e => e.Seq == seq)
            ? null
            : new(HotlineFailureKind.NotAllowed, $"第 {seq} 号已答复 (already answered)");
    }

    /// <summary>The answer's due date: working days after the day of the call (the call's day does not count).</summary>
    public static DateOnly ResponseDue(HotlineEntryKind kind, DateOnly today, WorkingDayCalendar calendar)
    {
        ArgumentNullException.ThrowIfNull(calendar);
        var days = kind == HotlineEntryKind.Complaint ? ComplaintResponseWorkingDays : UrgeResponseWorkingDays;
        return calendar.AddWorkingDays(today, days).Date;
    }

    private static HotlineFailure? TextProblem(string? text) =>
        string.IsNullOrWhiteSpace(text)
            ? new(HotlineFailureKind.Invalid, "请填写内容 (text is required)")
            : text.Length > MaxTextLength
                ? new(HotlineFailureKind.Invalid, $"内容过长，最多 {MaxTextLength} 字 (text is longer than {MaxTextLength} characters)")
                : null;
}
