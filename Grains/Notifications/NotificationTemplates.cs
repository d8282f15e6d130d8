using System.Text;
using System.Text.RegularExpressions;

namespace TongBan.Grains.Notifications;

/// <summary>One message text (zh-CN) with its named parameters in order; providers get the parameters positionally.</summary>
/// <param name="CanWait">False for what is useless later (a ticket's call): quiet hours do not defer it.</param>
public sealed record NotificationTemplate(string Name, string Text, IReadOnlyList<string> ParameterNames, bool CanWait);

/// <summary>
/// The templates TongBan sends. Provider-side template ids (SMS, WeChat) are configuration keyed by these names; an
/// unknown name there stops start-up. A parameter that looks like a resident ID number is refused: no message ever
/// carries one.
/// </summary>
public static partial class NotificationTemplates
{
    public const string CaseAccepted = "caseAccepted";
    public const string CaseNotAccepted = "caseNotAccepted";
    public const string CaseMissingMaterials = "caseMissingMaterials";
    public const string CaseCompleted = "caseCompleted";
    public const string CaseDelivered = "caseDelivered";
    public const string CaseDeliveredByEms = "caseDeliveredByEms";

    public const string AppointmentConfirmed = "appointmentConfirmed";
    public const string AppointmentCancelled = "appointmentCancelled";

    /// <summary>预约取消 because the hall closed that day (临时闭厅).</summary>
    public const string AppointmentCancelledHallClosed = "appointmentCancelledHallClosed";

    /// <summary>The day before (18:00 +08:00).</summary>
    public const string AppointmentReminderDayBefore = "appointmentReminderDayBefore";

    /// <summary>30 minutes before check-in opens.</summary>
    public const string AppointmentReminderSoon = "appointmentReminderSoon";

    /// <summary>12345 催办已答复: the department answered the applicant's urge (the answer's text stays in the app: it may carry anything).</summary>
    public const string CaseUrgeAnswered = "caseUrgeAnswered";

    /// <summary>差评整改反馈: the rated hall or department recorded its reply (反馈) to the rater of a case.</summary>
    public const string RatingFollowUp = "ratingFollowUp";

    /// <summary>Ticket templates: defined now so the queue's hook (a later step) only writes outbox entries.</summary>
    public const string TicketComeNow = "ticketComeNow";
    public const string TicketCalled = "ticketCalled";

    private static readonly NotificationTemplate[] List =
    [
        new(CaseAccepted, "您的办件{caseNo}（{item}）已受理，承诺{limitDays}个工作日内办结。", ["caseNo", "item", "limitDays"], true),
        new(CaseNotAccepted, "您的办件{caseNo}（{item}）不予受理，详情请登录查看。", ["caseNo", "item"], true),
        new(CaseMissingMaterials, "您的办件{caseNo}需补正以下材料：{materials}。请一次带齐，到{hall}办理。", ["caseNo", "materials", "hall"], true),
        new(CaseCompleted, "您的办件{caseNo}（{item}）已办结，结果：{result}。", ["caseNo", "item", "result"], true),
        new(CaseDelivered, "您的办件{caseNo}办理结果已送达（{method}）。", ["caseNo", "method"], true),
        new(CaseDeliveredByEms, "您的办件{caseNo}办理结果已通过EMS寄出，运单号{trackingNo}。", ["caseNo", "trackingNo"], true),
        new(CaseUrgeAnswered, "您通过12345对办件{caseNo}的催办已有答复，请登录查看。", ["caseNo"], true),
        new(RatingFollowUp, "您对办件{caseNo}的差评已有整改反馈，请登录查看，并可对整改结果评价一次。", ["caseNo"], true),
        new(AppointmentConfirmed, "您已预约{hall}{date} {time}的业务办理，请于开始前30分钟内到达并签到。", ["hall", "date", "time"], true),
        new(AppointmentCancelled, "您在{hall}{date} {time}的预约已取消。", ["hall", "date", "time"], true),
        new(AppointmentCancelledHallClosed, "因{hall}{date}临时闭厅，您{time}的预约已取消，请改约其他时间。", ["hall", "date", "time"], true),
        new(AppointmentReminderDayBefore, "提醒：您明天（{date}）{time}在{hall}有预约，请于开始前30分钟内到达签到；不能前往请提前取消。", ["hall", "date", "time"], true),
        new(AppointmentReminderSoon, "提醒：您今天{time}在{hall}的预约30分钟后开始签到，请按时到达（{date}）。", ["hall", "date", "time"], false),
        new(TicketComeNow, "您在{hall}的{ticketNo}号前面还有{ahead}位，请现在前往大厅。", ["hall", "ticketNo", "ahead"], false),
        new(TicketCalled, "请{ticketNo}号到{windowNo}号窗口办理。", ["ticketNo", "windowNo"], false),
    ];

    public static IReadOnlyDictionary<string, NotificationTemplate> All { get; } = List.ToDictionary(t => t.Name, StringComparer.Ordinal);

    public static NotificationTemplate Get(string name) =>
        All.TryGetValue(name, out var template) ? template : throw new ArgumentException($"Unknown notification template '{name}'.", nameof(name));

    /// <summary>The text with its parameters filled in.</summary>
    /// <exception cref="ArgumentException">Wrong parameter count, or a parameter that looks like a resident ID number.</exception>
    public static string Render(string name, IReadOnlyList<string> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var template = Get(name);
        Check(template, parameters);
        var text = new StringBuilder(template.Text);
        for (var i = 0; i < parameters.Count; i++)
        {
            text.Replace("{" + template.ParameterNames[i] + "}", parameters[i]);
        }

        return text.ToString();
    }

    /// <exception cref="ArgumentException">As <see cref="Render"/>.</exception>
    public static void Check(NotificationTemplate template, IReadOnlyList<string> parameters)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(parameters);
        if (parameters.Count != template.ParameterNames.Count)
        {
            throw new ArgumentException($"Template {template.Name} takes {template.ParameterNames.Count} parameters, got {parameters.Count}.", nameof(parameters));
        }

        if (parameters.Any(p => ResidentIdLike().IsMatch(p)))
        {
            throw new ArgumentException($"Template {template.Name}: a parameter looks like a resident ID number; messages never carry one.", nameof(parameters));
        }
    }

    // 18 characters: 17 digits and a digit or X, not inside a longer run of digits (an EMS number has 13 characters).
    [GeneratedRegex(@"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9Xx])")]
    private static partial Regex ResidentIdLike();
}
