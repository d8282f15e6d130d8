using System.Text.Json;
using TongBan.Grains.Identity;

namespace TongBan.Grains.Notifications;

/// <summary>
/// Outbox entries for one event to a citizen's <see cref="AppointmentContact"/> (a booking's or a ticket's): SMS when a
/// phone was given (queued when SMS was chosen, else recorded as <c>noConsent</c>), WeChat and the app when chosen with
/// an address. Shared by appointments and tickets so both follow the same consent rules.
/// </summary>
public static class ContactEntries
{
    public static IReadOnlyList<OutboxEntry> For(
        string eventId, string subject, string template, IReadOnlyList<string> parameters, AppointmentContact? contact, PersonalDataProtector protector)
    {
        ArgumentNullException.ThrowIfNull(protector);
        if (contact is null)
        {
            return [];
        }

        NotificationTemplates.Check(NotificationTemplates.Get(template), parameters);
        var chosen = contact.Consent.Channels;
        var entries = new List<OutboxEntry>();
        if (contact.PhoneKey is { } phoneKey)
        {
            var sms = chosen.Contains(NotificationChannel.Sms) && contact.SealedPhone is not null;
            entries.Add(new(eventId, subject, NotificationChannel.Sms, phoneKey, contact.PhoneMasked ?? string.Empty, sms ? contact.SealedPhone : null,
                template, parameters, sms ? null : SuppressionReasons.NoConsent));
        }

        var contacts = contact.Consent.SealedContacts is { } sealedContacts
            ? JsonSerializer.Deserialize<NotificationContacts>(protector.OpenBytes(sealedContacts))
            : null;
        if (chosen.Contains(NotificationChannel.WeChat) && contacts?.WeChatOpenId is { Length: > 0 } openId)
        {
            entries.Add(new(eventId, subject, NotificationChannel.WeChat, protector.Hash.OfContact("wechat", openId), NotificationRecipients.MaskOpaque(openId),
                protector.SealText(openId), template, parameters));
        }

        if (chosen.Contains(NotificationChannel.App) && contacts?.AppUserId is { Length: > 0 } userId)
        {
            entries.Add(new(eventId, subject, NotificationChannel.App, protector.Hash.OfContact("app", userId), NotificationRecipients.MaskOpaque(userId),
                protector.SealText(userId), template, parameters));
        }

        return entries;
    }
}
