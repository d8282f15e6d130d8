using System.Globalization;
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

    /// <summary>The reminders' templates: suppressed (<see cref="SuppressionReasons.Cancelled"/>) once the appointment no longer stands.</summary>
    public static IReadOnlyList<string> ReminderTemplates { get; } = [NotificationTemplates.AppointmentReminderDayBefore, NotificationTemplates.AppointmentReminderSoon];

    /// <summary>When the day-before reminder goes out: 18:00 (+08:00) the day before the slot.</summary>
    public static readonly TimeOnly DayBeforeAt = new(18, 0);

    /// <summary>How long before check-in opens the second reminder goes out.</summary>
    public static readonly TimeSpan SoonLead = TimeSpan.FromMinutes(30);

    /// <summary>
    /// The reminders of a booking whose moment is still ahead of <paramref name="now"/>: the day before at
    /// <see cref="DayBeforeAt"/>, and <see cref="SoonLead"/> before check-in opens (slot start − <paramref name="checkInBefore"/>).
    /// </summary>
    public static IReadOnlyList<(string Template, DateTimeOffset At)> Reminders(DateTimeOffset slotStart, TimeSpan checkInBefore, DateTimeOffset now)
    {
        var local = slotStart.ToOffset(Common.ChinaTime.Offset);
        var dayBefore = new DateTimeOffset(local.Date.AddDays(-1) + DayBeforeAt.ToTimeSpan(), Common.ChinaTime.Offset);
        var soon = slotStart - checkInBefore - SoonLead;
        return [.. new[] { (NotificationTemplates.AppointmentReminderDayBefore, dayBefore), (NotificationTemplates.AppointmentReminderSoon, soon) }.Where(r => r.Item2 > now)];
    }

    /// <summary>
    /// A booking's two reminders as outbox entries due at their moments (<see cref="OutboxEntry.NotBefore"/>), keyed
    /// <c>appointment:{id}:remind:{template}</c>: the dispatcher's lease sends each once, across silos; a cancellation
    /// suppresses what is still queued.
    /// </summary>
    public static IReadOnlyList<OutboxEntry> ReminderEntries(
        string appointmentId, string hallName, DateTimeOffset slotStart, TimeSpan checkInBefore, DateTimeOffset now, AppointmentContact? contact, PersonalDataProtector protector)
    {
        ArgumentNullException.ThrowIfNull(protector);
        if (contact is null)
        {
            return [];
        }

        var local = slotStart.ToOffset(Common.ChinaTime.Offset);
        string[] parameters = [hallName, local.ToString("M月d日", CultureInfo.InvariantCulture), local.ToString("HH:mm", CultureInfo.InvariantCulture)];
        return [.. Reminders(slotStart, checkInBefore, now).SelectMany(r =>
            ContactEntries.For($"appointment:{appointmentId}:remind:{r.Template}", Subject(appointmentId), r.Template, parameters, contact, protector)
                .Select(e => e with { NotBefore = r.At }))];
    }

    /// <summary>One entry per channel, as for cases: chosen channels with an address queued, SMS otherwise recorded as <c>noConsent</c>.</summary>
    /// <param name="hallClosed">The hall cancelled it by closing that day (临时闭厅): the cancellation says so.</param>
    public static IReadOnlyList<OutboxEntry> EntriesFor(
        string appointmentId, string state, string hallName, DateTimeOffset slotStart, AppointmentContact? contact, PersonalDataProtector protector, bool hallClosed = false)
    {
        ArgumentNullException.ThrowIfNull(protector);
        if (contact is null || MessageFor(state, hallName, slotStart) is not { } message)
        {
            return [];
        }

        if (hallClosed && message.Template == NotificationTemplates.AppointmentCancelled)
        {
            message = (NotificationTemplates.AppointmentCancelledHallClosed, message.Parameters);
        }

        return ContactEntries.For($"appointment:{appointmentId}:{state}", Subject(appointmentId), message.Template, message.Parameters, contact, protector);
    }
}
