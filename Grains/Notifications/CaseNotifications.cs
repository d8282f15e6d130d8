using System.Text.Json;
using TongBan.Grains.Cases;
using TongBan.Grains.Catalogue;
using TongBan.Grains.Identity;

namespace TongBan.Grains.Notifications;

/// <summary>
/// Which notifications a case step causes (受理, 不予受理, 一次性告知, 办结, 送达), as outbox entries keyed by the step's
/// version: <c>case:{caseNo}:v{version}</c>. Pure, so the case grain can hand them to the store in the commit of the step
/// itself, and a retry of the same command (refused as a version conflict, or answered as it is) writes nothing new.
/// </summary>
public static class CaseNotifications
{
    /// <summary>The template and parameters for a step, or null when the step tells the applicant nothing.</summary>
    public static (string Template, IReadOnlyList<string> Parameters)? MessageFor(CaseState state, CaseTimelineEntry entry, ServiceItem item, string? hallName)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(item);
        return entry.Action switch
        {
            CaseAction.Accept => (NotificationTemplates.CaseAccepted, [state.CaseNo, item.Name, state.LimitWorkingDays.ToString(System.Globalization.CultureInfo.InvariantCulture)]),
            CaseAction.Reject => (NotificationTemplates.CaseNotAccepted, [state.CaseNo, item.Name]),
            CaseAction.NotifyMissing => (NotificationTemplates.CaseMissingMaterials,
                [state.CaseNo, string.Join("、", entry.Materials.Select(m => item.Material(m.MaterialId)?.Name ?? m.MaterialId)), hallName ?? "受理大厅"]),
            CaseAction.Complete => (NotificationTemplates.CaseCompleted, [state.CaseNo, item.Name, state.Decision?.Approved == false ? "不予批准" : "准予"]),
            CaseAction.Deliver when state.Delivery is { Method: DeliveryMethod.Ems, TrackingNumber: { Length: > 0 } tracking } =>
                (NotificationTemplates.CaseDeliveredByEms, [state.CaseNo, tracking]),
            CaseAction.Deliver => (NotificationTemplates.CaseDelivered, [state.CaseNo, state.Delivery?.Method switch
            {
                DeliveryMethod.Pickup => "窗口领取",
                DeliveryMethod.Electronic => "电子证照",
                _ => "邮寄",
            }]),
            _ => null,
        };
    }

    public static string EventId(string caseNo, int version) => $"case:{caseNo}:v{version}";

    public static string Subject(string caseNo) => "case:" + caseNo;

    /// <summary>
    /// One entry per channel: chosen channels with an address are queued, the others recorded as suppressed
    /// (<see cref="SuppressionReasons.NoConsent"/>), so the case's notification list says why nothing came.
    /// </summary>
    public static IReadOnlyList<OutboxEntry> EntriesFor(
        CaseState state, CaseTimelineEntry entry, ServiceItem item, string? hallName, ApplicantRecord applicant, NotificationConsent? consent, PersonalDataProtector protector)
    {
        ArgumentNullException.ThrowIfNull(applicant);
        ArgumentNullException.ThrowIfNull(protector);
        if (MessageFor(state, entry, item, hallName) is not { } message)
        {
            return [];
        }

        return EntriesTo(EventId(state.CaseNo, entry.Version), Subject(state.CaseNo), message.Template, message.Parameters, applicant, consent, protector);
    }

    /// <summary>
    /// One event's entries to a case's applicant: SMS to the applicant's phone (queued when chosen, else recorded as
    /// <see cref="SuppressionReasons.NoConsent"/>), WeChat and the app when chosen with an address.
    /// </summary>
    public static IReadOnlyList<OutboxEntry> EntriesTo(
        string eventId, string subject, string template, IReadOnlyList<string> parameters, ApplicantRecord applicant, NotificationConsent? consent, PersonalDataProtector protector)
    {
        ArgumentNullException.ThrowIfNull(applicant);
        ArgumentNullException.ThrowIfNull(protector);
        NotificationTemplates.Check(NotificationTemplates.Get(template), parameters);
        var message = (Template: template, Parameters: parameters);
        var chosen = consent?.Channels ?? [];
        var contacts = consent?.SealedContacts is { } sealedContacts
            ? JsonSerializer.Deserialize<NotificationContacts>(protector.OpenBytes(sealedContacts))
            : null;
        var entries = new List<OutboxEntry>();
        if (chosen.Contains(NotificationChannel.Sms))
        {
            var phone = protector.Open(applicant).Phone;
            entries.Add(new(eventId, subject, NotificationChannel.Sms, applicant.PhoneKey, applicant.PhoneMasked, protector.SealText(phone), message.Template, message.Parameters));
        }
        else
        {
            entries.Add(new(eventId, subject, NotificationChannel.Sms, applicant.PhoneKey, applicant.PhoneMasked, null, message.Template, message.Parameters, SuppressionReasons.NoConsent));
        }

        if (chosen.Contains(NotificationChannel.WeChat) && contacts?.WeChatOpenId is { Length: > 0 } openId)
        {
            entries.Add(new(eventId, subject, NotificationChannel.WeChat, protector.Hash.OfContact("wechat", openId), NotificationRecipients.MaskOpaque(openId),
                protector.SealText(openId), message.Template, message.Parameters));
        }

        if (chosen.Contains(NotificationChannel.App) && contacts?.AppUserId is { Length: > 0 } userId)
        {
            entries.Add(new(eventId, subject, NotificationChannel.App, protector.Hash.OfContact("app", userId), NotificationRecipients.MaskOpaque(userId),
                protector.SealText(userId), message.Template, message.Parameters));
        }

        return entries;
    }
}

/// <summary>Masks for addresses that are not phone numbers.</summary>
public static class NotificationRecipients
{
    /// <summary>An openid or app user id: the first and last three characters (oAb***xYz); short ones fully masked.</summary>
    public static string MaskOpaque(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.Length <= 8 ? new string(Masking.Mask, value.Length) : value[..3] + new string(Masking.Mask, 3) + value[^3..];
    }
}
