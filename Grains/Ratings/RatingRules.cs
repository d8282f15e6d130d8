using System.Text;
using TongBan.Grains.Cases;
using TongBan.Grains.Common;

namespace TongBan.Grains.Ratings;

/// <summary>The rules of giving a rating, as plain functions the intake grain and the API call (see RATING_RULES.md).</summary>
public static class RatingRules
{
    /// <summary>
    /// A comment as stored: trimmed, line breaks kept, other control and format characters (zero-width,
    /// bidi overrides) removed, at most <paramref name="maxLength"/> characters. Null for an empty comment.
    /// The text is kept as typed (no HTML is stored): it is escaped when shown, see <see cref="Escape"/>.
    /// </summary>
    /// <returns>False when it is too long (the caller answers 400).</returns>
    public static bool TryNormalizeText(string? raw, int maxLength, out string? text)
    {
        text = null;
        if (raw is null)
        {
            return true;
        }

        var builder = new StringBuilder(raw.Length);
        foreach (var rune in raw.Replace("\r\n", "\n", StringComparison.Ordinal).EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            if (rune.Value == '\n' || (category is not (System.Globalization.UnicodeCategory.Control or System.Globalization.UnicodeCategory.Format)))
            {
                builder.Append(rune.ToString());
            }
        }

        var trimmed = builder.ToString().Trim();
        if (trimmed.EnumerateRunes().Count() > maxLength)
        {
            return false;
        }

        text = trimmed.Length == 0 ? null : trimmed;
        return true;
    }

    /// <summary>HTML-escapes text for display (<c>&amp; &lt; &gt; &quot; &#39;</c>); Chinese text is left as it is.</summary>
    public static string? Escape(string? text)
    {
        if (text is null)
        {
            return null;
        }

        var builder = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            builder.Append(c switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#39;",
                _ => c.ToString(),
            });
        }

        return builder.ToString();
    }

    /// <summary>Null when every given sub-score is 1..5, else the name of the first bad one.</summary>
    public static string? InvalidSubScore(SubScores? scores) =>
        scores?.Scores().FirstOrDefault(s => s.Value is { } v && !RatingLevels.IsValid(v)).Name;

    /// <summary>
    /// Ratings arrive after service ends and within <paramref name="windowDays"/> days of its last step
    /// (a case's delivery, when it comes after the 办结).
    /// </summary>
    public static RatingRefusal? CheckPeriod(DateTimeOffset serviceEndedAt, DateTimeOffset lastServiceAt, DateTimeOffset now, int windowDays)
    {
        if (now < serviceEndedAt)
        {
            return new RatingRefusal(RatingRefusalKind.NotRateableYet, "serviceNotEnded", "服务尚未结束，暂不能评价 (service has not ended yet)");
        }

        var closes = (lastServiceAt > serviceEndedAt ? lastServiceAt : serviceEndedAt).AddDays(windowDays);
        return now > closes
            ? new RatingRefusal(RatingRefusalKind.PeriodOver, "ratingPeriodOver",
                $"评价期已过：服务结束后 {windowDays} 日内可评价，截止 {closes.ToOffset(ChinaTime.Offset).ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture)} (the rating period is over)")
            : null;
    }

    /// <summary>A window's rating pad rates only what that window finished, shortly after.</summary>
    public static RatingRefusal? CheckPad(ServedTicket served, RaterProof proof, DateTimeOffset now, int padMinutes)
    {
        ArgumentNullException.ThrowIfNull(served);
        ArgumentNullException.ThrowIfNull(proof);
        if (proof.HallCode != served.HallCode || proof.WindowNo != served.WindowNo)
        {
            return new RatingRefusal(RatingRefusalKind.Forbidden, "notThisWindow",
                $"评价器只能评价本窗口办理的业务 (the pad of window {proof.WindowNo} may rate only tickets that window served; {served.TicketNo} was served at window {served.WindowNo})");
        }

        return now - served.FinishedAt > TimeSpan.FromMinutes(padMinutes)
            ? new RatingRefusal(RatingRefusalKind.Forbidden, "padTooLate",
                $"窗口评价器仅在办结后 {padMinutes} 分钟内可用，请使用评价码 (the window pad rates within {padMinutes} minutes of finishing; use the slip's rating code)")
            : null;
    }

    /// <summary>Which channels a proof may use: the pad only at the window, the hotline only through an agent.</summary>
    public static RatingRefusal? CheckChannel(RatingChannel channel, RaterProof proof)
    {
        ArgumentNullException.ThrowIfNull(proof);
        var ok = proof.Kind switch
        {
            RaterProofKind.WindowPad => channel == RatingChannel.WindowPad,
            RaterProofKind.HotlineAgent => channel == RatingChannel.Hotline,
            _ => channel is not (RatingChannel.WindowPad or RatingChannel.Hotline),
        };
        return ok ? null : new RatingRefusal(RatingRefusalKind.Invalid, "channelMismatch",
            "渠道与身份不符：windowPad 仅限窗口评价器，hotline 仅限 12345 坐席 (channel windowPad needs the window pad's sign-in, hotline a 12345 agent)");
    }

    /// <summary>What a served ticket's rating rates: the clerk and window that served it, the hall, the hall's region.</summary>
    public static RatingSubject SubjectOf(ServedTicket served, string hallRegionCode)
    {
        ArgumentNullException.ThrowIfNull(served);
        return new RatingSubject(served.HallCode, served.WindowNo, served.Clerk, null, null, hallRegionCode);
    }

    /// <summary>
    /// What a case's rating rates: the item, the competent department in its region (属地), the receiving
    /// hall, and the clerk (with window) who accepted it, or else who received it, as the timeline names them.
    /// </summary>
    public static RatingSubject SubjectOf(CaseView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        var s = view.State;
        var clerkStep = view.Timeline.LastOrDefault(e => e.Role == CaseRole.Clerk && e.Action == CaseAction.Accept)
            ?? view.Timeline.LastOrDefault(e => e.Role == CaseRole.Clerk && e.Action == CaseAction.Receive)
            ?? view.Timeline.FirstOrDefault(e => e.Role == CaseRole.Clerk && e.Action is null);
        var hall = s.ReceivingHallCode ?? clerkStep?.HallCode;
        var window = clerkStep is not null && clerkStep.HallCode == hall ? clerkStep.WindowNo : null;
        return new RatingSubject(hall, window, clerkStep?.ActorId, s.ItemCode, s.DepartmentCode, s.RegionCode);
    }

    /// <summary>Finished for rating purposes: 办结 or 送达.</summary>
    public static bool IsFinished(CaseStatus status) => status is CaseStatus.Completed or CaseStatus.Delivered;
}
