using System.Globalization;
using System.Text.Json;
using TongBan.Grains.Identity;

namespace TongBan.Grains.Notifications;

/// <summary>
/// The applicant's notification details on an appointment: the consent and, when SMS was chosen, the mainland mobile
/// number sealed with its keyed hash (the book otherwise keeps only the masked phone).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record AppointmentContact(
    [property: Id(0)] NotificationConsent Consent,
    [property: Id(1)] string? PhoneKey,
    [property: Id(2)] string? PhoneMasked,
    [property: Id(3)] byte[]? SealedPhone);

/// <summary>
/// Which notifications an appointment's state causes: 预约成功 when booked, 预约取消 when cancelled. Keyed
/// <c>appointment:{id}:{state}</c>, so the book can hand them over again after a crash without a second send.
/// </summary>
public static class AppointmentNotifications
{
    public static string Subject(string appointmentId) => "appointment:" + appointmentId;

    /// <summary>The template and parameters for an appointment now in <paramref name="state"/>, or null.</summary>
    public static (string Template, IReadOnlyList<string> Parameters)? MessageFor(string state, string hallName, DateTimeOffset slotStart)
    {
        var local = slotStart.ToOffset(Common.ChinaTime.Offset);
        var date = local.ToString("M月d日", CultureInfo.InvariantCulture);
        var time = local.ToString("HH:mm", CultureInfo.InvariantCulture);
        return state switch
        {
            "booked" => (NotificationTemplates.AppointmentConfirmed, [hallName, date, time]),
            "cancelled" => (NotificationTemplates.AppointmentCancelled, [hallName, date, time]),
            _ => null,
        };
    }

    /// <summary>One entry per channel, as for cases: chosen channels with an address queued, SMS otherwise recorded as <c>noConsent</c>.</summary>
    public static IReadOnlyList<OutboxEntry> EntriesFor(
        string appointmentId, string state, string hallName, DateTimeOffset slotStart, AppointmentContact? contact, PersonalDataProtector protector)
    {
        ArgumentNullException.ThrowIfNull(protector);
        if (contact is null || MessageFor(state, hallName, slotStart) is not { } message)
        {
            return [];
        }

        NotificationTemplates.Check(NotificationTemplates.Get(message.Template), message.Parameters);
        var eventId = $"appointment:{appointmentId}:{state}";
        var subject = Subject(appointmentId);
        var chosen = contact.Consent.Channels;
        var entries = new List<OutboxEntry>();
        if (contact.PhoneKey is { } phoneKey)
        {
            var sms = chosen.Contains(NotificationChannel.Sms) && contact.SealedPhone is not null;
            entries.Add(new(eventId, subject, NotificationChannel.Sms, phoneKey, contact.PhoneMasked ?? string.Empty, sms ? contact.SealedPhone : null,
                message.Template, message.Parameters, sms ? null : SuppressionReasons.NoConsent));
        }

        var contacts = contact.Consent.SealedContacts is { } sealedContacts
            ? JsonSerializer.Deserialize<NotificationContacts>(protector.OpenBytes(sealedContacts))
            : null;
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
